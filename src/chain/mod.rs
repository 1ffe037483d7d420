//! A campaign's hash chain (reference/evidence.md): the canonical records ([`record`]), their
//! links, and the checks that need nothing but the records themselves ([`verify`]). Pure: no
//! database, no terminal.

pub mod record;
pub mod verify;

pub use record::{
    AssignRecord, CloseRecord, ConfirmRecord, DecisionFacts, DecisionRecord, ExpectedUnusedRecord,
    FunctionRecord, Item, LegacyDecision, OwnerRecord, Record, RecordKind, StartRecord,
};
pub use verify::{ChainBreak, StoredLink, verify_links};

use sha2::{Digest, Sha256};

/// `prev_hash` of the first record of a campaign.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Bytes first, one check at the end: a `char` pushed at a time cost 0.26 s of an evidence
    // run at a million (two hashes a record or member).
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.extend([HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// One member's line of the population hash: a JSON array (so no value can forge a separator)
/// of the natural key, the owner and business function in force at start, the sha256 of the
/// facts the reviewer attests to, and — only when the identity is marked unused by design — the
/// reason. Lines are hashed in natural-key order, each ending in `\n`.
pub fn population_line(
    key: (&str, &str, &str),
    owner: &str,
    function: &str,
    snapshot: &str,
    expected_unused: &str,
) -> String {
    let facts = sha256_hex(snapshot.as_bytes());
    let mut fields = vec![key.0, key.1, key.2, owner, function, &facts];
    if !expected_unused.is_empty() {
        fields.push(expected_unused);
    }
    let mut line = serde_json::to_string(&fields).unwrap_or_default();
    line.push('\n');
    line
}

/// The running population hash.
#[derive(Default)]
pub struct PopulationHasher {
    hasher: Sha256,
    size: u64,
}

impl PopulationHasher {
    /// Add one member's line (members must come in natural-key order).
    pub fn add(&mut self, line: &str) {
        self.hasher.update(line.as_bytes());
        self.size += 1;
    }

    /// `(hash, size)`.
    pub fn finish(self) -> (String, u64) {
        (to_hex(&self.hasher.finalize()), self.size)
    }
}

#[cfg(test)]
mod tests;

/// What a record that is not about one identity says, in one cell of a CSV (`export decisions`,
/// the evidence bundle's `decisions.csv`).
pub fn describe(record: &Record) -> String {
    match record {
        Record::Start(s) => format!(
            "population {} sha256 {}; due {}; rotation {} days; inactivity {} days; scope '{}'{}",
            s.population_size,
            s.population_hash,
            if s.due_date.is_empty() {
                "none"
            } else {
                &s.due_date
            },
            s.rotation_days,
            s.inactivity_days,
            if s.scope.is_empty() {
                "everything"
            } else {
                &s.scope
            },
            if s.legacy_records > 0 {
                format!(
                    "; written at the upgrade after {} earlier decisions",
                    s.legacy_records
                )
            } else {
                String::new()
            }
        ),
        Record::Close(c) => format!(
            "keep {}, reduce {}, revoke {}, unreviewed {}",
            c.keep, c.reduce, c.revoke, c.unreviewed
        ),
        Record::Owner(o) => format!("owner '{}' -> '{}'", o.previous_owner, o.owner),
        Record::Function(f) => format!(
            "business function '{}' -> '{}'",
            f.previous_function, f.business_function
        ),
        Record::ExpectedUnused(e) if e.expected_unused.is_empty() => {
            "expected-unused mark withdrawn".into()
        }
        Record::ExpectedUnused(e) => format!("expected unused: {}", e.expected_unused),
        Record::Assign(a) => format!(
            "assigned to {} (was {}): {}",
            a.assignee,
            if a.previous_assignee.is_empty() {
                "nobody"
            } else {
                &a.previous_assignee
            },
            a.reason
        ),
        Record::Confirm(c) => format!("second review of record #{}", c.confirms),
        Record::Decision(_) | Record::Legacy(_) => String::new(),
    }
}
