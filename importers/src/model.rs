//! The normalised records every importer produces, and the sink they are pushed into.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
    /// Whether the source tracks usage at all: `false` means "unknown", never "unused".
    pub usage_tracked: bool,
    /// Belongs to another organisation (vendor app, foreign tenant).
    pub third_party: bool,
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
}

/// Collects everything in memory: for tests and small tools.
#[derive(Debug, Default)]
pub struct VecSink {
    /// Records in the order pushed.
    pub records: Vec<Record>,
    /// Rejects in the order pushed.
    pub rejects: Vec<Reject>,
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
        Ok(())
    }
    fn reject(&mut self, reject: Reject) -> Result<(), SinkError> {
        self.rejects.push(reject);
        Ok(())
    }
}

/// Reconciliation counts of one file. `records_read` always equals `identities +
/// humans_skipped + other_skipped + rejected` for row-per-identity formats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Rows or objects read from the file.
    pub records_read: u64,
    /// Identities pushed.
    pub identities: u64,
    /// Credentials pushed (platform-managed ones included).
    pub credentials: u64,
    /// Grants pushed.
    pub grants: u64,
    /// People found and not imported.
    pub humans_skipped: u64,
    /// Records that are neither people nor machine identities (an AWS root row).
    pub other_skipped: u64,
    /// Platform-managed credentials among `credentials`.
    pub platform_managed: u64,
    /// Bad rows skipped under `skip_bad_rows`.
    pub rejected: u64,
    /// Secret values dropped at parse time.
    pub secrets_dropped: u64,
    /// Names of the secret fields dropped.
    pub dropped_fields: Vec<String>,
}
