//! Domain types of the review, shared by the database layer, the review rules, the commands and
//! the screen. States are enums with one stored spelling each; parsing a stored spelling that is
//! not in the vocabulary is an error, never a default.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::ids::{CampaignId, IdentityId};
pub use nhi_importers::{Status, Tier};

/// A value read back from the database or a record that is not in its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// What was being read (`verdict`, `campaign status`, …).
    pub what: &'static str,
    /// The value found.
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}' is not a known {}", self.value, self.what)
    }
}

impl std::error::Error for UnknownValue {}

/// Spelling tables for enums stored as text.
macro_rules! spelled {
    ($t:ident, $what:literal, { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            /// Every value, in declaration order.
            pub const ALL: &'static [$t] = &[$($t::$variant),+];
            /// Stored and printed spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($t::$variant => $s),+ }
            }
            /// Parse the stored spelling.
            pub fn parse(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($s => Ok($t::$variant),)+
                    other => Err(UnknownValue { what: $what, value: other.to_owned() }),
                }
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl rusqlite::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $t::parse(s).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The identity stays as it is.
    Keep,
    /// Some credentials or grants go.
    Reduce,
    /// The identity goes.
    Revoke,
}

spelled!(Verdict, "verdict", { Keep => "keep", Reduce => "reduce", Revoke => "revoke" });

/// What a decision record does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionAction {
    /// A fresh verdict.
    Decide,
    /// Withdraws the standing verdict: the identity is undecided again.
    Undo,
    /// Accepts last campaign's keep for an identity unchanged since.
    Reattest,
    /// Recorded at close for an identity nobody decided (`campaign close --accept-undecided`).
    Unreviewed,
}

spelled!(DecisionAction, "decision action", {
    Decide => "decide", Undo => "undo", Reattest => "reattest", Unreviewed => "unreviewed"
});

impl DecisionAction {
    /// Whether a record of this action carries a verdict.
    pub fn has_verdict(self) -> bool {
        matches!(self, DecisionAction::Decide | DecisionAction::Reattest)
    }
}

/// Whether a campaign still accepts decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Accepting decisions.
    Open,
    /// Closed by its close record: nothing changes any more.
    Closed,
}

spelled!(CampaignStatus, "campaign status", { Open => "open", Closed => "closed" });

/// A credential or grant a reduce removes, named in full: a grant held twice (directly and
/// through a group, or under two conditions) is two different items.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemRef {
    /// A credential, by its native id, slot or fingerprint.
    Credential {
        /// Native id.
        id: String,
    },
    /// A grant, by everything that tells it apart.
    Grant {
        /// Role, policy or scope.
        permission: String,
        /// What it applies to, in full.
        resource: String,
        /// Condition, empty when none.
        condition: String,
        /// Where it is inherited from, empty when direct.
        via: String,
    },
}

impl ItemRef {
    /// The reference as typed on the command line, exported to CSV and read back from packets:
    /// `credential:ID` or `grant:PERMISSION@RESOURCE`, then `;via=VIA` and `;if=CONDITION` when
    /// the grant has them. Never shortened.
    pub fn reference(&self) -> String {
        match self {
            ItemRef::Credential { id } => format!("credential:{id}"),
            ItemRef::Grant {
                permission,
                resource,
                condition,
                via,
            } => {
                let mut s = format!("grant:{permission}@{resource}");
                if !via.is_empty() {
                    s.push_str(&format!(";via={via}"));
                }
                if !condition.is_empty() {
                    s.push_str(&format!(";if={condition}"));
                }
                s
            }
        }
    }

    /// Shorter forms a person may type when they name one item unambiguously: the bare
    /// credential id, the permission alone, or `PERMISSION@RESOURCE`, each with or without its
    /// `credential:` / `grant:` prefix.
    pub fn short_forms(&self) -> Vec<String> {
        match self {
            ItemRef::Credential { id } => vec![id.clone()],
            ItemRef::Grant {
                permission,
                resource,
                ..
            } => vec![
                permission.clone(),
                format!("{permission}@{resource}"),
                format!("grant:{permission}"),
                format!("grant:{permission}@{resource}"),
            ],
        }
    }

    /// Whether this is a credential.
    pub fn is_credential(&self) -> bool {
        matches!(self, ItemRef::Credential { .. })
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
    /// Latest import that showed it.
    pub last_seen_at: DateTime<Utc>,
    /// Absent from the newest export of its source.
    pub gone_at: Option<DateTime<Utc>>,
    /// The principal it was issued to, when one identity holds credentials of several (each
    /// user's token of one app); `None`: the identity itself.
    pub holder: Option<String>,
}

impl CredentialView {
    /// The reference a decision uses to name this credential.
    pub fn item(&self) -> ItemRef {
        ItemRef::Credential {
            id: self.id.clone(),
        }
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
    /// Latest import that showed it.
    pub last_seen_at: DateTime<Utc>,
    /// Absent from the newest export of its source.
    pub gone_at: Option<DateTime<Utc>>,
}

impl GrantView {
    /// The reference a decision uses to name this grant.
    pub fn item(&self) -> ItemRef {
        ItemRef::Grant {
            permission: self.permission.clone(),
            resource: self.resource.clone(),
            condition: self.condition.clone(),
            via: self.via.clone(),
        }
    }
}

/// An identity with everything the review shows about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityView {
    /// Database row id (internal).
    #[serde(skip)]
    pub row_id: IdentityId,
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
    /// Owner: the one set in review, else the export's.
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
    /// Business function set in review (the latest, across campaigns).
    pub business_function: Option<String>,
    /// Why it is unused by design, when a reviewer marked it so (the latest, across campaigns).
    pub expected_unused: Option<String>,
    /// The source saw no use in this many days and keeps no older record (IAM's 400-day
    /// window for roles): earlier use is unknown.
    pub unused_within_days: Option<i64>,
    /// Why anyone at all may assume it (a role's trust policy), if so.
    pub public_trust: Option<String>,
    /// Other accounts that may assume it (comma-separated), if any.
    pub cross_account_trust: Option<String>,
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

impl IdentityView {
    /// The credentials and grants a reduce may remove, in card order: credentials the platform
    /// does not manage, then grants; none that are gone.
    pub fn removable(&self) -> Vec<ItemRef> {
        self.credentials
            .iter()
            .filter(|c| !c.platform_managed && c.gone_at.is_none())
            .map(CredentialView::item)
            .chain(
                self.grants
                    .iter()
                    .filter(|g| g.gone_at.is_none())
                    .map(GrantView::item),
            )
            .collect()
    }

    /// Whether it holds admin-tier access now.
    pub fn has_admin_grant(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.tier == Tier::Admin && g.gone_at.is_none())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_spellings_round_trip_and_strangers_are_errors() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Ok(*v));
        }
        for a in DecisionAction::ALL {
            assert_eq!(DecisionAction::parse(a.as_str()), Ok(*a));
        }
        let err = Verdict::parse("maybe").expect_err("not a verdict");
        assert_eq!(err.to_string(), "'maybe' is not a known verdict");
        assert!(CampaignStatus::parse("reopened").is_err());
    }

    #[test]
    fn references_name_a_grant_in_full() {
        let direct = ItemRef::Grant {
            permission: "AdministratorAccess".into(),
            resource: "*".into(),
            condition: String::new(),
            via: String::new(),
        };
        let group = ItemRef::Grant {
            permission: "AdministratorAccess".into(),
            resource: "*".into(),
            condition: String::new(),
            via: "group:admins".into(),
        };
        assert_eq!(direct.reference(), "grant:AdministratorAccess@*");
        assert_eq!(
            group.reference(),
            "grant:AdministratorAccess@*;via=group:admins"
        );
        let conditional = ItemRef::Grant {
            permission: "roles/storage.objectAdmin".into(),
            resource: "projects/p".into(),
            condition: "staging-only: x".into(),
            via: String::new(),
        };
        assert_eq!(
            conditional.reference(),
            "grant:roles/storage.objectAdmin@projects/p;if=staging-only: x"
        );
        assert_eq!(
            ItemRef::Credential {
                id: "access_key_1".into()
            }
            .reference(),
            "credential:access_key_1"
        );
    }
}
