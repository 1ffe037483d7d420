//! The canonical records of a campaign's chain (reference/evidence.md): the bytes an auditor
//! hashes, so they must never drift. Every kind is a struct whose fields are declared in
//! lexicographic order, strings and integers only (and lists of such), times RFC 3339 UTC with
//! `Z`, serialised with `serde_json::to_string` straight from the struct. A field added later
//! gets `#[serde(default)]` so that older records still read.

use serde::{Deserialize, Serialize};

use crate::model::ItemRef;

/// The kinds of record a chain holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A decision recorded by schema version 1, before records had kinds. Only ever at the
    /// start of a chain, before the start record written at the upgrade.
    Legacy,
    /// The campaign's start: population, thresholds, due date, scope.
    Start,
    /// A decision: decide, undo, re-attest, or unreviewed at close.
    Decision,
    /// The accountable owner changed.
    Owner,
    /// The business function changed outside a decision.
    Function,
    /// An identity marked (or no longer marked) as unused by design, with the reason.
    ExpectedUnused,
    /// An identity assigned (or reassigned, delegated) to a reviewer, with the reason.
    Assign,
    /// A second reviewer confirmed a keep that needs a second review.
    Confirm,
    /// The campaign's close.
    Close,
}

impl RecordKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Legacy => "legacy",
            RecordKind::Start => "start",
            RecordKind::Decision => "decision",
            RecordKind::Owner => "owner",
            RecordKind::Function => "function",
            RecordKind::ExpectedUnused => "expected_unused",
            RecordKind::Assign => "assign",
            RecordKind::Confirm => "confirm",
            RecordKind::Close => "close",
        }
    }

    /// Parse the stored spelling.
    pub fn parse(s: &str) -> Option<RecordKind> {
        [
            RecordKind::Legacy,
            RecordKind::Start,
            RecordKind::Decision,
            RecordKind::Owner,
            RecordKind::Function,
            RecordKind::ExpectedUnused,
            RecordKind::Assign,
            RecordKind::Confirm,
            RecordKind::Close,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What a decision record says beyond its verdict, as the population of an evidence bundle
/// lists each member's latest one (cached beside the member; `campaign verify` compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionFacts<'a> {
    /// Who decided.
    pub reviewer: &'a str,
    /// When.
    pub at: &'a str,
    /// The verdict suggested to it (empty for none).
    pub suggested: &'a str,
    /// Why (empty for none).
    pub justification: &'a str,
    /// How many credentials and grants it removes.
    pub removed: u64,
    /// Its second-review mark (`required` or empty; none for a schema-1 decision).
    pub second_review: Option<&'a str>,
}

/// A removed credential or grant as chained: every field, empty where it does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Grant condition.
    pub condition: String,
    /// Credential id.
    pub id: String,
    /// `credential` or `grant`.
    pub kind: String,
    /// Grant permission.
    pub permission: String,
    /// Grant resource, in full.
    pub resource: String,
    /// Where the grant is inherited from.
    pub via: String,
}

impl From<&ItemRef> for Item {
    fn from(item: &ItemRef) -> Item {
        match item {
            ItemRef::Credential { id } => Item {
                condition: String::new(),
                id: id.clone(),
                kind: "credential".into(),
                permission: String::new(),
                resource: String::new(),
                via: String::new(),
            },
            ItemRef::Grant {
                permission,
                resource,
                condition,
                via,
            } => Item {
                condition: condition.clone(),
                id: String::new(),
                kind: "grant".into(),
                permission: permission.clone(),
                resource: resource.clone(),
                via: via.clone(),
            },
        }
    }
}

impl Item {
    /// Back to the model's reference.
    pub fn to_ref(&self) -> Result<ItemRef, String> {
        match self.kind.as_str() {
            "credential" => Ok(ItemRef::Credential {
                id: self.id.clone(),
            }),
            "grant" => Ok(ItemRef::Grant {
                permission: self.permission.clone(),
                resource: self.resource.clone(),
                condition: self.condition.clone(),
                via: self.via.clone(),
            }),
            other => Err(format!("removed item of unknown kind '{other}'")),
        }
    }
}

/// Schema-1 decision record, read exactly as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyDecision {
    /// `decide`, `undo` or `reattest`.
    pub action: String,
    /// Business function.
    pub business_function: String,
    /// Campaign name.
    pub campaign: String,
    /// When.
    pub decided_at: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// Why.
    pub justification: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// `credential:<id>`, `grant:<permission>@<resource>`.
    pub removed: Vec<String>,
    /// Who.
    pub reviewer: String,
    /// Place in the chain.
    pub seq: u64,
    /// Verdict, empty for undo.
    pub verdict: String,
}

/// The first record of a campaign (after any schema-1 decisions, for a campaign upgraded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRecord {
    /// When the population was frozen.
    pub at: String,
    /// Campaign name.
    pub campaign: String,
    /// Reviewer of identities without an owner, empty for none (they are listed unassigned).
    #[serde(default)]
    pub default_reviewer: String,
    /// Due date `YYYY-MM-DD`, empty for none.
    pub due_date: String,
    /// Inactivity threshold in days.
    pub inactivity_days: i64,
    /// 1: nobody may decide an identity they own.
    #[serde(default)]
    pub independent: u64,
    /// `start`.
    pub kind: String,
    /// Schema-1 decisions before this record (a campaign upgraded from schema 1), else 0.
    pub legacy_records: u64,
    /// sha256 over the population's members (see `population_line`).
    pub population_hash: String,
    /// Members.
    pub population_size: u64,
    /// Previous record's hash.
    pub prev_hash: String,
    /// Rotation threshold in days.
    pub rotation_days: i64,
    /// Which identities are in scope, empty for all.
    pub scope: String,
    /// Which keeps need a second, different reviewer's confirmation: `admin`, or empty for none.
    #[serde(default)]
    pub second_review: String,
    /// Place in the chain.
    pub seq: u64,
    /// Who started it.
    pub started_by: String,
}

/// A decision on one identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// `decide`, `undo`, `reattest` or `unreviewed`.
    pub action: String,
    /// When.
    pub at: String,
    /// Business function in force after this record.
    pub business_function: String,
    /// Campaign name.
    pub campaign: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// Why.
    pub justification: String,
    /// `decision`.
    pub kind: String,
    /// Accountable owner in force, empty for none.
    pub owner: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// What a reduce removes.
    pub removed: Vec<Item>,
    /// Who decided.
    pub reviewer: String,
    /// `required` when this keep stands only once a second reviewer confirms it, else empty.
    #[serde(default)]
    pub second_review: String,
    /// Place in the chain.
    pub seq: u64,
    /// The verdict suggested when this was decided (empty for undo and unreviewed).
    pub suggested: String,
    /// `keep`, `reduce`, `revoke`; empty for undo and unreviewed.
    pub verdict: String,
}

/// The accountable owner of one identity changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerRecord {
    /// When.
    pub at: String,
    /// Business function in force.
    pub business_function: String,
    /// Campaign name.
    pub campaign: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// `owner`.
    pub kind: String,
    /// The new owner, empty when cleared.
    pub owner: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// The owner before, empty for none.
    pub previous_owner: String,
    /// Who changed it.
    pub reviewer: String,
    /// Place in the chain.
    pub seq: u64,
}

/// The business function of one identity changed outside a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionRecord {
    /// When.
    pub at: String,
    /// The new function, empty when cleared.
    pub business_function: String,
    /// Campaign name.
    pub campaign: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// `function`.
    pub kind: String,
    /// Owner in force.
    pub owner: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// The function before, empty for none.
    pub previous_function: String,
    /// Who changed it.
    pub reviewer: String,
    /// Place in the chain.
    pub seq: u64,
}

/// An identity marked as unused by design (a disaster-recovery account, a break-glass key), or
/// the mark withdrawn: signals then do not call it unused, here and in later campaigns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedUnusedRecord {
    /// When.
    pub at: String,
    /// Business function in force.
    pub business_function: String,
    /// Campaign name.
    pub campaign: String,
    /// Why it is unused by design; empty when the mark is withdrawn.
    pub expected_unused: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// `expected_unused`.
    pub kind: String,
    /// Owner in force.
    pub owner: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// Who.
    pub reviewer: String,
    /// Place in the chain.
    pub seq: u64,
}

/// An identity assigned to a reviewer (at a lead's request, or delegated by its reviewer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRecord {
    /// The reviewer now assigned.
    pub assignee: String,
    /// When.
    pub at: String,
    /// Campaign name.
    pub campaign: String,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// `assign`.
    pub kind: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// The reviewer assigned before, empty for none.
    pub previous_assignee: String,
    /// Why.
    pub reason: String,
    /// Who assigned it.
    pub reviewer: String,
    /// Place in the chain.
    pub seq: u64,
}

/// A second reviewer confirms a keep that needs a second review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRecord {
    /// When.
    pub at: String,
    /// Campaign name.
    pub campaign: String,
    /// The seq of the decision confirmed.
    pub confirms: u64,
    /// Identity natural key: account.
    pub identity_account: String,
    /// Identity natural key: native id.
    pub identity_native_id: String,
    /// Identity natural key: provider.
    pub identity_provider: String,
    /// Why (optional).
    pub justification: String,
    /// `confirm`.
    pub kind: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// Who confirms: never the one who decided.
    pub reviewer: String,
    /// Place in the chain.
    pub seq: u64,
}

/// The campaign's close: the standing verdicts at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRecord {
    /// When.
    pub at: String,
    /// Campaign name.
    pub campaign: String,
    /// Standing keeps.
    pub keep: u64,
    /// `close`.
    pub kind: String,
    /// Previous record's hash.
    pub prev_hash: String,
    /// Standing reduces.
    pub reduce: u64,
    /// Who closed it.
    pub reviewer: String,
    /// Standing revokes.
    pub revoke: u64,
    /// Place in the chain.
    pub seq: u64,
    /// Identities recorded as unreviewed at close.
    pub unreviewed: u64,
}

/// One record of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Schema 1.
    Legacy(LegacyDecision),
    /// Start.
    Start(StartRecord),
    /// Decision.
    Decision(DecisionRecord),
    /// Owner change.
    Owner(OwnerRecord),
    /// Function change.
    Function(FunctionRecord),
    /// Expected-unused mark.
    ExpectedUnused(ExpectedUnusedRecord),
    /// Assignment.
    Assign(AssignRecord),
    /// Second review.
    Confirm(ConfirmRecord),
    /// Close.
    Close(CloseRecord),
}

/// Only the kind, to know which struct to read.
#[derive(Deserialize)]
struct Probe {
    kind: Option<String>,
}

/// The natural key a record names, when it is about one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordIdentity<'a> {
    /// Provider.
    pub provider: &'a str,
    /// Account.
    pub account: &'a str,
    /// Native id.
    pub native_id: &'a str,
}

macro_rules! each {
    ($self:ident, $r:ident => $e:expr) => {
        match $self {
            Record::Legacy($r) => $e,
            Record::Start($r) => $e,
            Record::Decision($r) => $e,
            Record::Owner($r) => $e,
            Record::Function($r) => $e,
            Record::ExpectedUnused($r) => $e,
            Record::Assign($r) => $e,
            Record::Confirm($r) => $e,
            Record::Close($r) => $e,
        }
    };
}

impl Record {
    /// Read canonical bytes; a record of no known kind, or with unknown or missing fields, is
    /// an error saying so.
    pub fn parse(bytes: &str) -> Result<Record, String> {
        match Record::parse_as_named(bytes) {
            Some(record) => Ok(record),
            None => Record::parse_probed(bytes),
        }
    }

    /// The slow way: the kind first, then the record of that kind (bytes read twice).
    pub(super) fn parse_probed(bytes: &str) -> Result<Record, String> {
        let probe: Probe = serde_json::from_str(bytes).map_err(|e| e.to_string())?;
        let record = match probe.kind.as_deref() {
            None => Record::Legacy(serde_json::from_str(bytes).map_err(|e| e.to_string())?),
            Some("start") => Record::Start(serde_json::from_str(bytes).map_err(|e| e.to_string())?),
            Some("decision") => {
                Record::Decision(serde_json::from_str(bytes).map_err(|e| e.to_string())?)
            }
            Some("owner") => Record::Owner(serde_json::from_str(bytes).map_err(|e| e.to_string())?),
            Some("function") => {
                Record::Function(serde_json::from_str(bytes).map_err(|e| e.to_string())?)
            }
            Some("expected_unused") => {
                Record::ExpectedUnused(serde_json::from_str(bytes).map_err(|e| e.to_string())?)
            }
            Some("assign") => {
                Record::Assign(serde_json::from_str(bytes).map_err(|e| e.to_string())?)
            }
            Some("confirm") => {
                Record::Confirm(serde_json::from_str(bytes).map_err(|e| e.to_string())?)
            }
            Some("close") => Record::Close(serde_json::from_str(bytes).map_err(|e| e.to_string())?),
            Some(other) => return Err(format!("unknown record kind '{other}'")),
        };
        Ok(record)
    }

    /// The fast way, reading the bytes once: as the kind the first `"kind":"…"` in them names
    /// (canonical records put the record's own kind before any nested one), kept only when the
    /// struct read says that kind itself. Anything else is left to the probe in [`Record::parse`],
    /// which gives the same record or the error.
    fn parse_as_named(bytes: &str) -> Option<Record> {
        const KEY: &str = "\"kind\":\"";
        let at = bytes.find(KEY)? + KEY.len();
        let kind = &bytes[at..at + bytes[at..].find('"')?];
        macro_rules! read {
            ($variant:ident, $t:ty) => {{
                let r: $t = serde_json::from_str(bytes).ok()?;
                let said = r.kind.clone();
                (Record::$variant(r), said)
            }};
        }
        let (record, said) = match kind {
            "start" => read!(Start, StartRecord),
            "decision" => read!(Decision, DecisionRecord),
            "owner" => read!(Owner, OwnerRecord),
            "function" => read!(Function, FunctionRecord),
            "expected_unused" => read!(ExpectedUnused, ExpectedUnusedRecord),
            "assign" => read!(Assign, AssignRecord),
            "confirm" => read!(Confirm, ConfirmRecord),
            "close" => read!(Close, CloseRecord),
            _ => return None,
        };
        (said == kind).then_some(record)
    }

    /// The canonical bytes: one JSON line without the newline.
    pub fn to_canonical(&self) -> String {
        // Structs of strings, integers and lists of such always serialise.
        each!(self, r => serde_json::to_string(r).unwrap_or_default())
    }

    /// Its kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Legacy(_) => RecordKind::Legacy,
            Record::Start(_) => RecordKind::Start,
            Record::Decision(_) => RecordKind::Decision,
            Record::Owner(_) => RecordKind::Owner,
            Record::Function(_) => RecordKind::Function,
            Record::ExpectedUnused(_) => RecordKind::ExpectedUnused,
            Record::Assign(_) => RecordKind::Assign,
            Record::Confirm(_) => RecordKind::Confirm,
            Record::Close(_) => RecordKind::Close,
        }
    }

    /// Place in the chain.
    pub fn seq(&self) -> u64 {
        each!(self, r => r.seq)
    }

    /// The previous record's hash as written in this one.
    pub fn prev_hash(&self) -> &str {
        each!(self, r => &r.prev_hash)
    }

    /// The campaign it names.
    pub fn campaign(&self) -> &str {
        each!(self, r => &r.campaign)
    }

    /// When it was recorded.
    pub fn at(&self) -> &str {
        match self {
            Record::Legacy(r) => &r.decided_at,
            Record::Start(r) => &r.at,
            Record::Decision(r) => &r.at,
            Record::Owner(r) => &r.at,
            Record::Function(r) => &r.at,
            Record::ExpectedUnused(r) => &r.at,
            Record::Assign(r) => &r.at,
            Record::Confirm(r) => &r.at,
            Record::Close(r) => &r.at,
        }
    }

    /// The identity it is about, if one.
    pub fn identity(&self) -> Option<RecordIdentity<'_>> {
        let (provider, account, native_id) = match self {
            Record::Legacy(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::Decision(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::Owner(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::Function(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::ExpectedUnused(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::Assign(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::Confirm(r) => (
                &r.identity_provider,
                &r.identity_account,
                &r.identity_native_id,
            ),
            Record::Start(_) | Record::Close(_) => return None,
        };
        Some(RecordIdentity {
            provider,
            account,
            native_id,
        })
    }

    /// Who recorded it.
    pub fn reviewer(&self) -> &str {
        match self {
            Record::Legacy(r) => &r.reviewer,
            Record::Start(r) => &r.started_by,
            Record::Decision(r) => &r.reviewer,
            Record::Owner(r) => &r.reviewer,
            Record::Function(r) => &r.reviewer,
            Record::ExpectedUnused(r) => &r.reviewer,
            Record::Assign(r) => &r.reviewer,
            Record::Confirm(r) => &r.reviewer,
            Record::Close(r) => &r.reviewer,
        }
    }

    /// Who decided, when, on which suggestion, why, and how many items the decision removes,
    /// for the records that decide (a schema-1 decision had no suggestion: empty).
    pub fn decision_facts(&self) -> Option<DecisionFacts<'_>> {
        let (reviewer, at, suggested, justification, removed, second_review) = match self {
            Record::Legacy(r) => (
                &r.reviewer,
                &r.decided_at,
                "",
                &r.justification,
                r.removed.len(),
                None,
            ),
            Record::Decision(r) => (
                &r.reviewer,
                &r.at,
                r.suggested.as_str(),
                &r.justification,
                r.removed.len(),
                Some(r.second_review.as_str()),
            ),
            _ => return None,
        };
        Some(DecisionFacts {
            reviewer,
            at,
            suggested,
            justification,
            removed: u64::try_from(removed).unwrap_or(u64::MAX),
            second_review,
        })
    }

    /// The decision's action and verdict (`None` verdict for undo and unreviewed), for the
    /// records that decide.
    pub fn decision(&self) -> Option<(&str, &str)> {
        match self {
            Record::Legacy(r) => Some((&r.action, &r.verdict)),
            Record::Decision(r) => Some((&r.action, &r.verdict)),
            _ => None,
        }
    }

    /// The owner and business function in force after this record, for the records that
    /// carry them (schema-1 decisions do not).
    pub fn in_force(&self) -> Option<(&str, &str)> {
        match self {
            Record::Decision(r) => Some((&r.owner, &r.business_function)),
            Record::Owner(r) => Some((&r.owner, &r.business_function)),
            Record::Function(r) => Some((&r.owner, &r.business_function)),
            Record::ExpectedUnused(r) => Some((&r.owner, &r.business_function)),
            _ => None,
        }
    }

    /// The expected-unused reason this record sets (empty: withdrawn), for that kind only.
    pub fn expected_unused(&self) -> Option<&str> {
        match self {
            Record::ExpectedUnused(r) => Some(&r.expected_unused),
            _ => None,
        }
    }

    /// The assignee this record sets, for that kind only.
    pub fn assignee(&self) -> Option<&str> {
        match self {
            Record::Assign(r) => Some(&r.assignee),
            _ => None,
        }
    }

    /// Set the chain position (before hashing).
    pub fn set_link(&mut self, seq: u64, prev_hash: &str) {
        each!(self, r => { r.seq = seq; r.prev_hash = prev_hash.to_owned(); })
    }
}
