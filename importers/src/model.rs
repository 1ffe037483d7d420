//! The normalised records every importer produces, and the sink they are pushed into.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Account placeholder for exports that name a principal by a globally unique id without its
/// account (Azure object ids): the store matches it to the one identity with that id.
pub const ANY_ACCOUNT: &str = "*";

/// The natural key of an identity: provider, account (or project, tenant, cluster, org) and the
/// provider's own id for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IdentityKey {
    /// Provider short name, e.g. `aws`.
    pub provider: String,
    /// AWS account id, GCP project, Entra tenant, cluster, org.
    pub account: String,
    /// The provider's id: ARN, unique id, object id, …
    pub native_id: String,
}

impl IdentityKey {
    /// A key from its parts.
    pub fn new(provider: &str, account: &str, native_id: &str) -> Self {
        IdentityKey {
            provider: provider.to_owned(),
            account: account.to_owned(),
            native_id: native_id.to_owned(),
        }
    }

    /// The provider's real natural key where the native id carries more than it: an IAM user
    /// is unique by account and user name (case-insensitive), while its ARN also holds a path
    /// that two exports may disagree on (`user/ci/deploy` and `user/deploy`). Identities with the
    /// same account and join key are one identity, whatever their native ids.
    pub fn join_key(&self) -> Option<String> {
        if self.provider != "aws" {
            return None;
        }
        let (_, resource) = self.native_id.split_once(":iam::")?;
        let (_, path_and_name) = resource.split_once(":user/")?;
        let name = path_and_name.rsplit('/').next()?;
        (!name.is_empty()).then(|| format!("user/{}", name.to_ascii_lowercase()))
    }
}

/// Lifecycle state of an identity as its source reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Enabled and able to authenticate.
    Active,
    /// Disabled, suspended or inactive at the source.
    Disabled,
    /// The source does not say.
    Unknown,
}

impl Status {
    /// The stored and printed spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
            Status::Unknown => "unknown",
        }
    }

    /// Parse the stored spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Status::Active),
            "disabled" => Some(Status::Disabled),
            "unknown" => Some(Status::Unknown),
            _ => None,
        }
    }
}

/// Privilege tier of one grant, by the documented per-provider rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Not defined in the export (custom role, unknown scope).
    Unknown,
    /// Read-only access.
    Read,
    /// Can change data or configuration.
    Write,
    /// Can change permissions or everything.
    Admin,
}

impl Tier {
    /// The stored and printed spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "admin",
            Tier::Write => "write",
            Tier::Read => "read",
            Tier::Unknown => "unknown",
        }
    }

    /// Parse the stored spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Tier::Admin),
            "write" => Some(Tier::Write),
            "read" => Some(Tier::Read),
            "unknown" => Some(Tier::Unknown),
            _ => None,
        }
    }
}

/// A non-human identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    /// Natural key.
    pub key: IdentityKey,
    /// `iam_user`, `iam_role`, `service_account`, …
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Accountable owner where the export says.
    pub owner: Option<String>,
    /// State at the source.
    pub status: Status,
    /// Creation time where known.
    pub created_at: Option<DateTime<Utc>>,
    /// Last authentication where the source tracks it.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether the source tracks use: `Some(true)` (then no last use means never used),
    /// `Some(false)` ("unknown", never "unused"), or `None` when this file says nothing about
    /// use and another export of the same identity may (authorization details for IAM users).
    pub usage_tracked: Option<bool>,
    /// The source saw no use in this many days before the export and keeps no older record
    /// (IAM's 400-day `RoleLastUsed` window): earlier use is unknown, so not "never used".
    pub unused_within_days: Option<u32>,
    /// Who may assume this identity from outside its account, where the export says (an IAM
    /// role's trust policy); `None`: the file says nothing about trust.
    pub trust: Option<Trust>,
    /// Belongs to another organisation (vendor app, foreign tenant).
    pub third_party: bool,
    /// The file only names this identity (as a key's or grant's holder) without describing it:
    /// stored if new, never overwriting what a describing export said.
    pub reference_only: bool,
}

impl Identity {
    /// An active identity with nothing else known yet.
    pub fn new(key: IdentityKey, kind: &str, name: &str) -> Self {
        Identity {
            key,
            kind: kind.to_owned(),
            name: name.to_owned(),
            owner: None,
            status: Status::Active,
            created_at: None,
            last_used_at: None,
            usage_tracked: Some(false),
            unused_within_days: None,
            trust: None,
            third_party: false,
            reference_only: false,
        }
    }

    /// An identity this file names but does not describe.
    pub fn reference(key: IdentityKey, kind: &str, name: &str) -> Self {
        Identity {
            reference_only: true,
            status: Status::Unknown,
            ..Identity::new(key, kind, name)
        }
    }
}

/// Who may assume an identity from outside its own account (read from a trust policy).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trust {
    /// Anyone may assume it: why, e.g. `Principal {"AWS": "*"}` or `federated
    /// token.actions.githubusercontent.com without a 'sub' condition`. `None`: not public.
    pub public: Option<String>,
    /// Other accounts that may assume it (12-digit ids), sorted, without duplicates.
    pub foreign_accounts: Vec<String>,
}

/// A key, secret, token or certificate of an identity. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credential {
    /// Owning identity.
    pub identity: IdentityKey,
    /// Key id, fingerprint or slot name; unique within the identity.
    pub native_id: String,
    /// `access_key`, `signing_certificate`, `sa_key`, `client_secret`, `token`, …
    pub kind: String,
    /// Created or last rotated.
    pub created_at: Option<DateTime<Utc>>,
    /// Last use where tracked.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether the source tracks this credential's use: `false` means "unknown".
    pub usage_tracked: bool,
    /// Where it was last used (region, service, …) when the source says.
    pub last_used_where: Option<String>,
    /// Expiry; `None` means it never expires (or the source does not say).
    pub expires_at: Option<DateTime<Utc>>,
    /// Can authenticate now.
    pub active: bool,
    /// Rotated by the platform, not up for review.
    pub platform_managed: bool,
    /// The person (or other principal) this credential was issued to, when one identity holds
    /// credentials of several holders (each user's OAuth token of one app): two credentials of
    /// two holders are not "two keys" of one holder.
    pub holder: Option<String>,
    /// The file names this credential without listing its owner's credentials (a downloaded
    /// key file): stored if new and fills facts not yet known, never overwrites a listing's.
    pub reference_only: bool,
}

impl Credential {
    /// An active credential with nothing else known yet (use not tracked).
    pub fn new(identity: &IdentityKey, native_id: &str, kind: &str) -> Self {
        Credential {
            identity: identity.clone(),
            native_id: native_id.to_owned(),
            kind: kind.to_owned(),
            created_at: None,
            last_used_at: None,
            usage_tracked: false,
            last_used_where: None,
            expires_at: None,
            active: true,
            platform_managed: false,
            holder: None,
            reference_only: false,
        }
    }
}

/// One permission held by an identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grant {
    /// Holder.
    pub identity: IdentityKey,
    /// Role, policy or scope.
    pub permission: String,
    /// What it applies to (`*`, a project, a repo, …).
    pub resource: String,
    /// Privilege tier.
    pub tier: Tier,
    /// Condition text (ABAC, IAM condition) where any.
    pub condition: Option<String>,
    /// Where it came from when inherited (group name, binding).
    pub via: Option<String>,
}

impl Grant {
    /// A direct, unconditional grant.
    pub fn new(identity: &IdentityKey, permission: &str, resource: &str, tier: Tier) -> Self {
        Grant {
            identity: identity.clone(),
            permission: permission.to_owned(),
            resource: resource.to_owned(),
            tier,
            condition: None,
            via: None,
        }
    }
}

/// One normalised record.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An identity; always pushed before its credentials and grants.
    Identity(Identity),
    /// A credential of an identity pushed earlier in the same file.
    Credential(Credential),
    /// A grant of an identity pushed earlier in the same file.
    Grant(Grant),
}

/// A row that could not be read, kept when `--skip-bad-rows` is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Line (1-based) or JSON path.
    pub location: crate::Location,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Error a sink reports (e.g. the database failed); it aborts the import.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where parsers push what they read.
pub trait Sink {
    /// Take one record.
    fn record(&mut self, record: Record) -> Result<(), SinkError>;
    /// Take one rejected row (only with `skip_bad_rows`).
    fn reject(&mut self, reject: Reject) -> Result<(), SinkError>;
    /// The records that follow belong to this part of the export family (`account:object`),
    /// or, with `None`, to their own account's.
    fn part(&mut self, _part: Option<&str>) -> Result<(), SinkError> {
        Ok(())
    }
    /// This file is a complete list of this part of its family (`account:object`), so a newer
    /// file marks gone only what it would have listed. Said once per run of items in the part,
    /// in the order met (so possibly again for a part met before); the file's [`Tally`] says
    /// `lists_parts`. Told as met, not gathered, so that a list of a million parts takes no
    /// memory.
    fn cover(&mut self, _part: &str) -> Result<(), SinkError> {
        Ok(())
    }
    /// Learn that this principal is a person (not imported here; other exports that list it
    /// must not import it either).
    fn person(&mut self, _key: IdentityKey) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Collects everything in memory: for tests and small tools.
#[derive(Debug, Default)]
pub struct VecSink {
    /// Records in the order pushed.
    pub records: Vec<Record>,
    /// Rejects in the order pushed.
    pub rejects: Vec<Reject>,
    /// The part each record was pushed in (parallel to `records`).
    pub parts: Vec<Option<String>>,
    part: Option<String>,
    /// The parts the file said it is a complete list of ([`Sink::cover`]), each once, in order.
    pub covers: Vec<String>,
}

impl VecSink {
    /// The identities pushed.
    pub fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.records.iter().filter_map(|r| match r {
            Record::Identity(i) => Some(i),
            _ => None,
        })
    }
    /// The credentials pushed.
    pub fn credentials(&self) -> impl Iterator<Item = &Credential> {
        self.records.iter().filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
    }
    /// The grants pushed.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.records.iter().filter_map(|r| match r {
            Record::Grant(g) => Some(g),
            _ => None,
        })
    }
}

impl Sink for VecSink {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        self.records.push(record);
        self.parts.push(self.part.clone());
        Ok(())
    }
    fn part(&mut self, part: Option<&str>) -> Result<(), SinkError> {
        self.part = part.map(str::to_owned);
        Ok(())
    }
    fn reject(&mut self, reject: Reject) -> Result<(), SinkError> {
        self.rejects.push(reject);
        Ok(())
    }
    fn cover(&mut self, part: &str) -> Result<(), SinkError> {
        if !self.covers.iter().any(|p| p == part) {
            self.covers.push(part.to_owned());
        }
        Ok(())
    }
}

/// Reconciliation counts of one file. `records_read` always equals `imported +
/// humans_skipped + skipped (all reasons) + rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Rows or objects read from the file.
    pub records_read: u64,
    /// Rows or objects that yielded identities, credentials or grants.
    pub imported: u64,
    /// People found and not imported.
    pub humans_skipped: u64,
    /// Other records not imported, by reason (`root`, `Microsoft first-party`, …).
    pub skipped: Vec<(String, u64)>,
    /// Bad rows skipped under `skip_bad_rows`.
    pub rejected: u64,
    /// Identities described (not counting those only referred to).
    pub identities: u64,
    /// Credentials pushed (platform-managed ones included).
    pub credentials: u64,
    /// Grants pushed.
    pub grants: u64,
    /// Platform-managed credentials among `credentials`.
    pub platform_managed: u64,
    /// Secret values dropped at parse time.
    pub secrets_dropped: u64,
    /// Names of the secret fields dropped.
    pub dropped_fields: Vec<String>,
    /// What the importer had to assume, said out loud (e.g. an account the file does not name).
    pub notes: Vec<String>,
    /// Hashes of the identities counted so far, for formats where one identity spans several
    /// records (8 bytes each, not the keys: a long list stays small).
    #[serde(skip)]
    pub seen: std::collections::HashSet<u64>,
    /// For exports whose files each list one part of their family (one service account's keys,
    /// one user's tokens, one subscription's role assignments): true, and the sink was told
    /// each part (`account:object`) this file is a complete list of ([`Sink::cover`]), so
    /// that a newer file marks gone only what it would have listed. False: the file lists the
    /// whole family for its account.
    pub lists_parts: bool,
}

impl Tally {
    /// Count one record not imported for `reason`.
    pub fn skip(&mut self, reason: &str) {
        match self.skipped.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((reason.to_owned(), 1)),
        }
    }

    /// Records skipped for reasons other than being a person.
    pub fn other_skipped(&self) -> u64 {
        self.skipped.iter().map(|(_, n)| n).sum()
    }

    /// Count one dropped secret value of `field`.
    pub fn drop_secret(&mut self, field: &str) {
        self.secrets_dropped += 1;
        if !self.dropped_fields.iter().any(|f| f == field) {
            self.dropped_fields.push(field.to_owned());
        }
    }

    /// Count what one record adds.
    pub fn count(&mut self, record: &Record) {
        match record {
            Record::Identity(i) if !i.reference_only => self.identities += 1,
            Record::Identity(_) => {}
            Record::Credential(c) => {
                self.credentials += 1;
                if c.platform_managed {
                    self.platform_managed += 1;
                }
            }
            Record::Grant(_) => self.grants += 1,
        }
    }

    /// Count what one record adds, counting each described identity once however many records
    /// describe it (an app in several users' token rows).
    pub fn count_distinct(&mut self, record: &Record) {
        if let Record::Identity(i) = record
            && !i.reference_only
            && !self.seen.insert({
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                i.key.hash(&mut h);
                h.finish()
            })
        {
            return;
        }
        self.count(record);
    }

    /// Whether the counts add up to the records read.
    pub fn reconciles(&self) -> bool {
        self.records_read
            == self.imported + self.humans_skipped + self.other_skipped() + self.rejected
    }
}
