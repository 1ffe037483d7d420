//! Domain types of the review, shared by the database layer, the commands and the TUI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use nhi_importers::{Status, Tier};

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The identity stays as it is.
    Keep,
    /// Some credentials or grants go.
    Reduce,
    /// The identity goes.
    Revoke,
}

impl Verdict {
    /// Stored and printed spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Keep => "keep",
            Verdict::Reduce => "reduce",
            Verdict::Revoke => "revoke",
        }
    }
    /// Parse the stored spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "keep" => Some(Verdict::Keep),
            "reduce" => Some(Verdict::Reduce),
            "revoke" => Some(Verdict::Revoke),
            _ => None,
        }
    }
}

/// What a decision record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionAction {
    /// A fresh verdict.
    Decide,
    /// Withdraws the standing verdict: the identity is undecided again.
    Undo,
    /// Accepts last campaign's verdict for an unchanged identity.
    Reattest,
}

impl DecisionAction {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Decide => "decide",
            DecisionAction::Undo => "undo",
            DecisionAction::Reattest => "reattest",
        }
    }
}

/// A credential as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialView {
    /// Native id, slot or fingerprint.
    pub id: String,
    /// Kind (`access_key`, …).
    pub kind: String,
    /// Created or last rotated.
    pub created_at: Option<DateTime<Utc>>,
    /// Last use, where tracked.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether the source tracks use (false: last use unknown, not "never").
    pub usage_tracked: bool,
    /// Region / service of last use.
    pub last_used_where: Option<String>,
    /// Expiry, `None` for none.
    pub expires_at: Option<DateTime<Utc>>,
    /// Can authenticate.
    pub active: bool,
    /// Rotated by the platform; not up for review.
    pub platform_managed: bool,
    /// Absent from the newest export of its source.
    pub gone_at: Option<DateTime<Utc>>,
}

impl CredentialView {
    /// The reference a decision uses to name this credential.
    pub fn reference(&self) -> String {
        format!("credential:{}", self.id)
    }
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantView {
    /// Role, policy or scope.
    pub permission: String,
    /// What it applies to.
    pub resource: String,
    /// Privilege tier.
    pub tier: Tier,
    /// Condition, empty when none.
    pub condition: String,
    /// Inherited through, empty when direct.
    pub via: String,
    /// Absent from the newest export of its source.
    pub gone_at: Option<DateTime<Utc>>,
}

impl GrantView {
    /// The reference a decision uses to name this grant.
    pub fn reference(&self) -> String {
        format!("grant:{}@{}", self.permission, self.resource)
    }
}

/// An identity with everything the review shows about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityView {
    /// Database row id (internal).
    #[serde(skip)]
    pub row_id: i64,
    /// Short id printed by the inventory (`provider-N`), for typing on the command line.
    #[serde(rename = "id")]
    pub short_id: String,
    /// Provider.
    pub provider: String,
    /// Account, project, tenant, cluster or org.
    pub account: String,
    /// Provider's id.
    pub native_id: String,
    /// Kind.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Owner, where known.
    pub owner: Option<String>,
    /// Status at the source.
    pub status: Status,
    /// Created.
    pub created_at: Option<DateTime<Utc>>,
    /// Last used, where tracked.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether the source tracks use.
    pub usage_tracked: bool,
    /// Belongs to another organisation.
    pub third_party: bool,
    /// Described by an identity export; `false` when only keys or grants name it (a dangling
    /// subject, a deleted principal, or a list not imported).
    pub described: bool,
    /// Business function set in review.
    pub business_function: Option<String>,
    /// First import that saw it.
    pub first_seen_at: DateTime<Utc>,
    /// Latest import that saw it.
    pub last_seen_at: DateTime<Utc>,
    /// Absent from the newest export of its source since.
    pub gone_at: Option<DateTime<Utc>>,
    /// Credentials.
    pub credentials: Vec<CredentialView>,
    /// Grants.
    pub grants: Vec<GrantView>,
}

/// Policy thresholds in force for signals; recorded on each campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A credential older than this many days is due for rotation.
    pub rotation_days: i64,
    /// An identity unused for this many days is inactive.
    pub inactivity_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            rotation_days: 90,
            inactivity_days: 90,
        }
    }
}
