//! The canonical decision record and its hash chain (reference/evidence.md): the bytes an
//! auditor hashes, so they must never drift. Fields are declared in lexicographic order and
//! serialised with `serde_json::to_string` straight from the struct.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first record of a campaign.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One decision as chained. Strings and integers only; times RFC 3339 UTC with `Z`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanonicalDecision {
    /// `decide`, `undo` or `reattest`.
    pub action: String,
    /// Business function the reviewer named.
    pub business_function: String,
    /// Campaign name.
    pub campaign: String,
    /// When the reviewer decided.
    pub decided_at: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// Why.
    pub justification: String,
    /// `row_hash` of the previous record, or [`GENESIS`].
    pub prev_hash: String,
    /// Credentials and grants to remove (`credential:<id>`, `grant:<permission>@<resource>`).
    pub removed: Vec<String>,
    /// Who decided.
    pub reviewer: String,
    /// Position in the campaign's chain, from 1.
    pub seq: u64,
    /// `keep`, `reduce`, `revoke`, or empty for an undo.
    pub verdict: String,
}

impl CanonicalDecision {
    /// The canonical bytes: one JSON line without the newline.
    pub fn to_canonical(&self) -> String {
        // Serialising a struct of strings, integers and a Vec<String> cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// A stored link of the chain, as read back for verification.
#[derive(Debug, Clone)]
pub struct StoredLink {
    /// The seq column.
    pub seq: u64,
    /// The prev_hash column.
    pub prev_hash: String,
    /// The row_hash column.
    pub row_hash: String,
    /// The stored canonical bytes.
    pub record: String,
}

/// Why a chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Row numbers are not 1, 2, 3, … (a row deleted, inserted or renumbered).
    Sequence {
        /// The number the row should have.
        expected: u64,
        /// The number it has.
        found: u64,
    },
    /// The stored record's bytes do not hash to its row_hash (the record was edited).
    Hash {
        /// The row.
        seq: u64,
    },
    /// A row's prev_hash is not the previous row's hash (rows reordered, inserted or removed).
    Link {
        /// The row.
        seq: u64,
    },
    /// The record is not a canonical decision, or its seq/prev_hash disagree with the columns.
    Record {
        /// The row.
        seq: u64,
        /// What is wrong.
        why: String,
    },
}

impl ChainBreak {
    /// The chain position where the problem shows.
    pub fn seq(&self) -> u64 {
        match self {
            ChainBreak::Sequence { expected, .. } => *expected,
            ChainBreak::Hash { seq }
            | ChainBreak::Link { seq }
            | ChainBreak::Record { seq, .. } => *seq,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Sequence { expected, found } => {
                write!(
                    f,
                    "expected decision #{expected}, found #{found}: a decision was removed, inserted or renumbered"
                )
            }
            ChainBreak::Hash { seq } => {
                write!(
                    f,
                    "decision #{seq} does not match its hash: it was edited after it was recorded"
                )
            }
            ChainBreak::Link { seq } => {
                write!(
                    f,
                    "decision #{seq} does not follow the previous decision's hash: the chain was reordered or cut"
                )
            }
            ChainBreak::Record { seq, why } => write!(f, "decision #{seq} is malformed: {why}"),
        }
    }
}

/// Verify links in seq order; returns the head hash and length.
pub fn verify(links: impl IntoIterator<Item = StoredLink>) -> Result<(String, u64), ChainBreak> {
    let mut head = GENESIS.to_owned();
    let mut n = 0u64;
    for link in links {
        n += 1;
        if link.seq != n {
            return Err(ChainBreak::Sequence {
                expected: n,
                found: link.seq,
            });
        }
        if sha256_hex(link.record.as_bytes()) != link.row_hash {
            return Err(ChainBreak::Hash { seq: n });
        }
        let parsed: CanonicalDecision =
            serde_json::from_str(&link.record).map_err(|e| ChainBreak::Record {
                seq: n,
                why: e.to_string(),
            })?;
        if parsed.seq != link.seq {
            return Err(ChainBreak::Record {
                seq: n,
                why: format!("record says seq {}", parsed.seq),
            });
        }
        if link.prev_hash != head || parsed.prev_hash != head {
            return Err(ChainBreak::Link { seq: n });
        }
        head = link.row_hash;
    }
    Ok((head, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden() -> CanonicalDecision {
        CanonicalDecision {
            action: "decide".into(),
            business_function: "Nightly backup of the «Zürich» ledger".into(),
            campaign: "2026-Q4".into(),
            decided_at: "2026-11-27T10:11:12Z".into(),
            identity_account: "555566667777".into(),
            identity_native_id: "arn:aws:iam::555566667777:user/svc-backup".into(),
            identity_provider: "aws".into(),
            justification: "Owner said \"still needed\"; path C:\\backup".into(),
            prev_hash: GENESIS.into(),
            removed: vec!["credential:access_key_1".into()],
            reviewer: "ana@example.com".into(),
            seq: 1,
            verdict: "reduce".into(),
        }
    }

    /// The golden vector: these exact bytes and hash must never change, or every
    /// evidence bundle ever issued stops verifying.
    #[test]
    fn canonical_bytes_never_drift() {
        let bytes = golden().to_canonical();
        assert_eq!(
            bytes,
            r#"{"action":"decide","business_function":"Nightly backup of the «Zürich» ledger","campaign":"2026-Q4","decided_at":"2026-11-27T10:11:12Z","identity_account":"555566667777","identity_native_id":"arn:aws:iam::555566667777:user/svc-backup","identity_provider":"aws","justification":"Owner said \"still needed\"; path C:\\backup","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","removed":["credential:access_key_1"],"reviewer":"ana@example.com","seq":1,"verdict":"reduce"}"#
        );
        assert_eq!(
            sha256_hex(bytes.as_bytes()),
            sha256_hex(golden().to_canonical().as_bytes())
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// A correctly chained sequence of golden records, one per justification.
    fn chain_of(justifications: &[String]) -> Vec<StoredLink> {
        let mut prev = GENESIS.to_owned();
        justifications
            .iter()
            .enumerate()
            .map(|(i, justification)| {
                let seq = i as u64 + 1;
                let record = CanonicalDecision {
                    seq,
                    prev_hash: prev.clone(),
                    justification: justification.clone(),
                    ..golden()
                }
                .to_canonical();
                let row_hash = sha256_hex(record.as_bytes());
                let link = StoredLink {
                    seq,
                    prev_hash: prev.clone(),
                    row_hash: row_hash.clone(),
                    record,
                };
                prev = row_hash;
                link
            })
            .collect()
    }

    fn chain(n: usize) -> Vec<StoredLink> {
        chain_of(&vec![golden().justification; n])
    }

    #[test]
    fn an_intact_chain_verifies_to_its_head() {
        let links = chain(3);
        let head = links[2].row_hash.clone();
        assert_eq!(verify(links), Ok((head, 3)));
        assert_eq!(verify(Vec::new()), Ok((GENESIS.to_owned(), 0)));
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let mut edited = chain(3);
        edited[1].record = edited[1].record.replace("reduce", "keep");
        assert_eq!(verify(edited), Err(ChainBreak::Hash { seq: 2 }));

        let mut deleted = chain(3);
        deleted.remove(1);
        assert_eq!(
            verify(deleted),
            Err(ChainBreak::Sequence {
                expected: 2,
                found: 3
            })
        );

        let mut reordered = chain(3);
        reordered.swap(1, 2);
        reordered[1].seq = 2;
        reordered[2].seq = 3;
        assert!(matches!(
            verify(reordered),
            Err(ChainBreak::Record { seq: 2, .. })
        ));

        // Re-hashed after an edit, but the next row still points at the old hash.
        let mut rehashed = chain(3);
        rehashed[0].record = rehashed[0].record.replace("reduce", "keep");
        rehashed[0].row_hash = sha256_hex(rehashed[0].record.as_bytes());
        assert_eq!(verify(rehashed), Err(ChainBreak::Link { seq: 2 }));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any chain verifies to its last hash; changing any one byte of any record breaks it.
            #[test]
            fn every_single_byte_edit_is_caught(texts in prop::collection::vec(".{0,30}", 1..6), pick in any::<prop::sample::Index>(), byte in any::<u8>()) {
                let chain = chain_of(&texts);
                let head = chain.last().map(|l| l.row_hash.clone()).unwrap_or_default();
                prop_assert_eq!(verify(chain.clone()), Ok((head, chain.len() as u64)));
                let mut tampered = chain;
                let row = pick.index(tampered.len());
                let mut bytes = tampered[row].record.clone().into_bytes();
                let at = pick.index(bytes.len());
                prop_assume!(bytes[at] != byte);
                bytes[at] = byte;
                tampered[row].record = String::from_utf8_lossy(&bytes).into_owned();
                prop_assert!(verify(tampered).is_err());
            }
        }
    }
}
