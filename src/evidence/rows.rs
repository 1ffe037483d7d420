//! The rows of the bundle's two CSV files, made in one place so that the writer and the
//! verifier agree cell for cell: `decisions.csv` (one row per record of `decisions.jsonl`, with
//! its hashes) and `population.csv` (one row per member, in the order the population hash
//! covers, with the exact line it contributes).

use std::borrow::Cow;
use std::collections::BTreeMap;

use anyhow::{Result, anyhow};

use crate::chain::{Record, population_line, sha256_hex};
use crate::db::EvidenceMember;

/// Header of `decisions.csv`.
pub const DECISION_COLUMNS: &[&str] = &[
    "seq",
    "campaign",
    "kind",
    "action",
    "provider",
    "account",
    "native_id",
    "name",
    "verdict",
    "suggested",
    "removed",
    "owner",
    "business_function",
    "justification",
    "reviewer",
    "at",
    "detail",
    "prev_hash",
    "row_hash",
];

/// The column of `decisions.csv` that is not in the record: the identity's display name.
pub const DECISION_NAME: usize = 7;

/// The cells of one `decisions.csv` row (before neutralising), from the record as chained:
/// borrowed from it where they are its texts (a copy of each cell of 1.3 million rows cost
/// more than writing them).
pub fn decision_cells<'a>(
    record: &'a Record,
    row_hash: &'a str,
    name: &'a str,
) -> Result<Vec<Cow<'a, str>>> {
    let (provider, account, native_id) = record
        .identity()
        .map(|i| (i.provider, i.account, i.native_id))
        .unwrap_or_default();
    let (action, verdict) = record.decision().unwrap_or_default();
    let (owner, function) = record.in_force().unwrap_or_default();
    let (suggested, removed, justification): (&str, Cow<'_, str>, &str) = match record {
        Record::Decision(d) => (
            &d.suggested,
            Cow::Owned(
                d.removed
                    .iter()
                    .map(|i| i.to_ref().map(|r| r.reference()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| anyhow!("record #{}: {e}", d.seq))?
                    .join("; "),
            ),
            &d.justification,
        ),
        Record::Legacy(d) => ("", Cow::Owned(d.removed.join("; ")), &d.justification),
        _ => ("", Cow::Borrowed(""), ""),
    };
    let function = match record {
        Record::Legacy(d) => &d.business_function,
        _ => function,
    };
    Ok(vec![
        Cow::Owned(record.seq().to_string()),
        Cow::Borrowed(record.campaign()),
        Cow::Borrowed(record.kind().as_str()),
        Cow::Borrowed(action),
        Cow::Borrowed(provider),
        Cow::Borrowed(account),
        Cow::Borrowed(native_id),
        Cow::Borrowed(name),
        Cow::Borrowed(verdict),
        Cow::Borrowed(suggested),
        removed,
        Cow::Borrowed(owner),
        Cow::Borrowed(function),
        Cow::Borrowed(justification),
        Cow::Borrowed(record.reviewer()),
        Cow::Borrowed(record.at()),
        Cow::Owned(crate::chain::describe(record)),
        Cow::Borrowed(record.prev_hash()),
        Cow::Borrowed(row_hash),
    ])
}

/// Header of `population.csv`.
pub const POPULATION_COLUMNS: &[&str] = &[
    "provider",
    "account",
    "native_id",
    "kind",
    "name",
    "position",
    "risk",
    "signals",
    "owner_at_start",
    "function_at_start",
    "snapshot_sha256",
    "verdict",
    "action",
    "suggested",
    "decided_by",
    "decided_at",
    "owner",
    "business_function",
    "source",
    "source_sha256",
    "snapshot",
    "member",
];

/// Columns of `population.csv` by name, for the verifier.
pub mod pop {
    /// Provider.
    pub const PROVIDER: usize = 0;
    /// Account.
    pub const ACCOUNT: usize = 1;
    /// Native id.
    pub const NATIVE_ID: usize = 2;
    /// Signals.
    pub const SIGNALS: usize = 7;
    /// Owner at start.
    pub const OWNER_AT_START: usize = 8;
    /// Function at start.
    pub const FUNCTION_AT_START: usize = 9;
    /// sha256 of the snapshot.
    pub const SNAPSHOT_SHA256: usize = 10;
    /// Standing verdict.
    pub const VERDICT: usize = 11;
    /// Latest action.
    pub const ACTION: usize = 12;
    /// Suggested verdict of the standing decision.
    pub const SUGGESTED: usize = 13;
    /// Source files' sha256.
    pub const SOURCE_SHA256: usize = 19;
    /// Snapshot.
    pub const SNAPSHOT: usize = 20;
    /// The line the population hash covers.
    pub const MEMBER: usize = 21;
}

/// A source file as population rows name it: `(name, sha256)` by row id.
pub type SourceNames = BTreeMap<i64, (String, String)>;

/// The line a member contributes to the population hash, without its newline.
pub fn member_line(m: &EvidenceMember) -> String {
    let mut line = population_line(
        (&m.provider, &m.account, &m.native_id),
        m.owner_at_start.as_deref().unwrap_or(""),
        m.function_at_start.as_deref().unwrap_or(""),
        &m.snapshot,
        m.expected_unused_at_start.as_deref().unwrap_or(""),
    );
    line.pop();
    line
}

/// The cells of one `population.csv` row (before neutralising), taking the member's texts.
pub fn population_cells(m: EvidenceMember, sources: &SourceNames) -> Result<Vec<String>> {
    let signals = crate::signals::parse_codes(&m.signals)
        .map_err(|e| anyhow!("member '{}': {e}", m.native_id))?
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(" ");
    let named: Vec<&(String, String)> = m.sources.iter().filter_map(|id| sources.get(id)).collect();
    let line = member_line(&m);
    let snapshot_sha256 = sha256_hex(m.snapshot.as_bytes());
    Ok(vec![
        m.provider,
        m.account,
        m.native_id,
        m.kind,
        m.name,
        (m.position + 1).to_string(),
        m.risk.to_string(),
        signals,
        m.owner_at_start.unwrap_or_default(),
        m.function_at_start.unwrap_or_default(),
        snapshot_sha256,
        m.verdict.map(|v| v.to_string()).unwrap_or_default(),
        m.action.unwrap_or_default(),
        m.suggested,
        m.decided_by.unwrap_or_default(),
        m.decided_at.unwrap_or_default(),
        m.owner.unwrap_or_default(),
        m.function.unwrap_or_default(),
        named
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        named
            .iter()
            .map(|(_, h)| h.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        m.snapshot,
        line,
    ])
}
