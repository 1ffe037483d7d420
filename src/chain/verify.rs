//! Checking a chain from its stored links alone: numbering, hashes, links, canonical records,
//! the campaign each names, and the order of kinds (start first, close last). Streaming: one
//! record at a time, so a million-record chain verifies in flat memory.

use super::record::{CloseRecord, Record, RecordKind, StartRecord};
use super::{GENESIS, sha256_hex};

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

/// Why a chain does not verify. Each kind of tampering has its own message.
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
    /// The record is not canonical, or its seq disagrees with its row.
    Malformed {
        /// The row.
        seq: u64,
        /// What is wrong.
        why: String,
    },
    /// The record names another campaign (it was moved here).
    WrongCampaign {
        /// The row.
        seq: u64,
        /// The campaign the record names.
        named: String,
    },
    /// Records in an impossible order: not starting with the start record, a second start, a
    /// record after the close.
    Order {
        /// The row.
        seq: u64,
        /// What is wrong.
        why: String,
    },
    /// No start record at all: the chain is empty or its beginning was deleted.
    NoStart {
        /// Records found.
        length: u64,
    },
}

impl ChainBreak {
    /// The chain position where the problem shows.
    pub fn seq(&self) -> u64 {
        match self {
            ChainBreak::Sequence { expected, .. } => *expected,
            ChainBreak::Hash { seq }
            | ChainBreak::Link { seq }
            | ChainBreak::Malformed { seq, .. }
            | ChainBreak::WrongCampaign { seq, .. }
            | ChainBreak::Order { seq, .. } => *seq,
            ChainBreak::NoStart { length } => *length,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Sequence { expected, found } => write!(
                f,
                "expected record #{expected}, found #{found}: a record was removed, inserted or renumbered"
            ),
            ChainBreak::Hash { seq } => write!(
                f,
                "record #{seq} does not match its hash: it was edited after it was recorded"
            ),
            ChainBreak::Link { seq } => write!(
                f,
                "record #{seq} does not follow the previous record's hash: the chain was reordered or cut"
            ),
            ChainBreak::Malformed { seq, why } => write!(f, "record #{seq} is malformed: {why}"),
            ChainBreak::WrongCampaign { seq, named } => write!(
                f,
                "record #{seq} belongs to campaign '{named}': it was moved into this chain"
            ),
            ChainBreak::Order { seq, why } => write!(f, "record #{seq} is out of order: {why}"),
            ChainBreak::NoStart { length: 0 } => write!(
                f,
                "the chain is empty: its start record and every decision were deleted"
            ),
            ChainBreak::NoStart { length } => write!(
                f,
                "the chain ({length} records) has no start record: its beginning was deleted"
            ),
        }
    }
}

/// What a verified chain says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    /// Hash of the last record (the head), [`GENESIS`] for none.
    pub head: String,
    /// Records.
    pub length: u64,
    /// The start record.
    pub start: StartRecord,
    /// The close record and its place, if closed.
    pub close: Option<(u64, CloseRecord)>,
}

/// Checks links one at a time.
pub struct Verifier<'a> {
    campaign: &'a str,
    head: String,
    length: u64,
    legacy: u64,
    start: Option<StartRecord>,
    close: Option<(u64, CloseRecord)>,
}

impl<'a> Verifier<'a> {
    /// A verifier for the chain of `campaign`.
    pub fn new(campaign: &'a str) -> Self {
        Verifier {
            campaign,
            head: GENESIS.to_owned(),
            length: 0,
            legacy: 0,
            start: None,
            close: None,
        }
    }

    /// Check the next link; returns its record.
    pub fn push(&mut self, link: &StoredLink) -> Result<Record, ChainBreak> {
        self.push_parsed(link, Record::parse(&link.record))
    }

    /// [`Verifier::push`] of a record already parsed (by a thread that read it): `parsed` is
    /// what [`Record::parse`] made of the link's record.
    pub fn push_parsed(
        &mut self,
        link: &StoredLink,
        parsed: Result<Record, String>,
    ) -> Result<Record, ChainBreak> {
        let n = self.length + 1;
        if link.seq != n {
            return Err(ChainBreak::Sequence {
                expected: n,
                found: link.seq,
            });
        }
        if sha256_hex(link.record.as_bytes()) != link.row_hash {
            return Err(ChainBreak::Hash { seq: n });
        }
        let record = parsed.map_err(|why| ChainBreak::Malformed { seq: n, why })?;
        if record.campaign() != self.campaign {
            return Err(ChainBreak::WrongCampaign {
                seq: n,
                named: record.campaign().to_owned(),
            });
        }
        if record.seq() != n {
            return Err(ChainBreak::Malformed {
                seq: n,
                why: format!("the record says #{}", record.seq()),
            });
        }
        if link.prev_hash != self.head || record.prev_hash() != self.head {
            return Err(ChainBreak::Link { seq: n });
        }
        self.order(n, &record)?;
        self.head = link.row_hash.clone();
        self.length = n;
        Ok(record)
    }

    /// The order of kinds: schema-1 decisions, then the start, then the rest, then the close.
    fn order(&mut self, seq: u64, record: &Record) -> Result<(), ChainBreak> {
        let err = |why: &str| ChainBreak::Order {
            seq,
            why: why.to_owned(),
        };
        if self.close.is_some() {
            return Err(err(
                "it follows the close record: nothing may be recorded after a campaign closes",
            ));
        }
        match (record, &self.start) {
            (Record::Legacy(_), None) => self.legacy += 1,
            (Record::Legacy(_), Some(_)) => {
                return Err(err("a schema-1 decision after the start record"));
            }
            (Record::Start(s), None) => {
                if s.legacy_records != self.legacy {
                    return Err(err(&format!(
                        "the start record counts {} earlier decisions, the chain has {}",
                        s.legacy_records, self.legacy
                    )));
                }
                self.start = Some(s.clone());
            }
            (Record::Start(_), Some(_)) => return Err(err("a second start record")),
            (_, None) => {
                return Err(err(&format!(
                    "a {} record before the campaign's start record",
                    record.kind().as_str()
                )));
            }
            (Record::Close(c), Some(_)) => self.close = Some((seq, c.clone())),
            (_, Some(_)) => {}
        }
        Ok(())
    }

    /// The verdict on the whole chain once every link was pushed.
    pub fn finish(self) -> Result<ChainSummary, ChainBreak> {
        let start = self.start.ok_or(ChainBreak::NoStart {
            length: self.length,
        })?;
        Ok(ChainSummary {
            head: self.head,
            length: self.length,
            start,
            close: self.close,
        })
    }
}

/// Verify links in seq order.
pub fn verify_links(
    campaign: &str,
    links: impl IntoIterator<Item = StoredLink>,
) -> Result<ChainSummary, ChainBreak> {
    let mut verifier = Verifier::new(campaign);
    for link in links {
        verifier.push(&link)?;
    }
    verifier.finish()
}

/// Whether records of this kind may name an identity.
pub fn names_identity(kind: RecordKind) -> bool {
    !matches!(kind, RecordKind::Start | RecordKind::Close)
}
