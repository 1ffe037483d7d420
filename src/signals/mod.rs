//! Risk signals: explainable facts derived from an identity's imported data, each naming its
//! threshold and data source and tagged with the OWASP Non-Human Identities Top 10 entry.
//!
//! One table ([`SIGNALS`]) gives every code its name, badge, OWASP tag, weight and one-line
//! meaning: the queue's badges, the filter menu, the help legend, the card and the exports all
//! read it. An identity's signals are a set: one signal per code, with every instance in its
//! detail. Evaluation is pure: the facts, the thresholds and an explicit reference time.

mod evaluate;
mod recommend;
#[cfg(test)]
pub(crate) mod testdata;

pub use evaluate::{evaluate, not_carried_out, since_previous, with_previous};
pub use recommend::{Recommendation, recommend};

use serde::Serialize;

/// Every signal the review knows, most severe first (the order of [`SIGNALS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalCode {
    /// Holds admin-tier access.
    AdminGrant,
    /// Anyone at all may assume it.
    PublicTrust,
    /// A closed campaign revoked or reduced it and a later import still shows it.
    NotCarriedOut,
    /// Never used (where use is tracked).
    NeverUsed,
    /// Unused for the inactivity threshold.
    Inactive,
    /// A credential not rotated within the rotation threshold.
    StaleCredential,
    /// Disabled at the source but still holds access.
    DisabledWithAccess,
    /// Only named by keys or grants, described by no identity export.
    NotInInventory,
    /// Belongs to a third party.
    ThirdParty,
    /// Other accounts may assume it.
    CrossAccountTrust,
    /// More than one active credential at once.
    MultipleActiveKeys,
    /// A credential expired but still present.
    ExpiredPresent,
    /// New since the previous campaign.
    New,
    /// No owner.
    NoOwner,
    /// Gone from the newest export of its source.
    Gone,
    /// A credential that never expires or is valid for over a year.
    LongLived,
    /// The source does not track use.
    UsageUnknown,
}

/// What the table says of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalInfo {
    /// The code.
    pub code: SignalCode,
    /// Stable name, used in exports, JSON and filters (`admin_grant`).
    pub name: &'static str,
    /// Three-character badge for the queue (`ADM`).
    pub badge: &'static str,
    /// OWASP Non-Human Identities Top 10 tag.
    pub owasp: &'static str,
    /// Contribution to the risk order.
    pub weight: u32,
    /// One line for the help legend and the filter menu.
    pub meaning: &'static str,
}

macro_rules! table {
    ($($code:ident, $name:literal, $badge:literal, $owasp:literal, $weight:literal, $meaning:literal;)+) => {
        /// The signal table, most severe first.
        pub const SIGNALS: &[SignalInfo] = &[
            $(SignalInfo { code: SignalCode::$code, name: $name, badge: $badge, owasp: $owasp, weight: $weight, meaning: $meaning },)+
        ];
    };
}

table! {
    AdminGrant, "admin_grant", "ADM", "NHI5", 40, "holds admin-tier access";
    PublicTrust, "public_trust", "PUB", "NHI6", 38, "anyone may assume it (its trust policy is open)";
    NotCarriedOut, "not_carried_out", "OUT", "NHI1", 35, "revoked or reduced in a closed campaign, still there";
    NeverUsed, "never_used", "NEV", "NHI1", 30, "never used since it was created";
    Inactive, "inactive", "IDL", "NHI1", 25, "unused for the inactivity threshold";
    StaleCredential, "stale_credential", "ROT", "NHI7", 15, "a credential not rotated within the rotation threshold";
    DisabledWithAccess, "disabled_with_access", "DIS", "NHI1", 15, "disabled at the source but still holds access";
    NotInInventory, "not_in_inventory", "DNG", "NHI1", 10, "dangling: named by keys or grants, described by no identity export";
    ThirdParty, "third_party", "3RD", "NHI3", 10, "belongs to a third party (vendor app, foreign tenant)";
    CrossAccountTrust, "cross_account_trust", "XAC", "NHI3", 10, "other accounts may assume it";
    MultipleActiveKeys, "multiple_active_keys", "2KY", "NHI7", 10, "more than one active credential at once";
    ExpiredPresent, "expired_present", "EXP", "NHI1", 10, "a credential expired but is still present";
    New, "new", "NEW", "NHI1", 8, "new since the previous campaign";
    NoOwner, "no_owner", "OWN", "NHI1", 5, "no accountable owner";
    Gone, "gone", "GON", "NHI1", 5, "gone from the newest export of its source";
    LongLived, "long_lived", "LLC", "NHI7", 3, "a credential never expires or is valid for over a year";
    UsageUnknown, "usage_unknown", "UNK", "NHI1", 2, "last use unknown: the source does not track it";
}

impl SignalCode {
    /// Its row of the table.
    pub fn info(self) -> &'static SignalInfo {
        SIGNALS
            .iter()
            .find(|s| s.code == self)
            .unwrap_or(&SIGNALS[0])
    }

    /// Stable name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Queue badge.
    pub fn badge(self) -> &'static str {
        self.info().badge
    }

    /// OWASP tag.
    pub fn owasp(self) -> &'static str {
        self.info().owasp
    }

    /// Risk weight.
    pub fn weight(self) -> u32 {
        self.info().weight
    }

    /// The code with this stable name.
    pub fn from_name(name: &str) -> Option<SignalCode> {
        SIGNALS.iter().find(|s| s.name == name).map(|s| s.code)
    }
}

impl Serialize for SignalCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for SignalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One signal of an identity: every instance of its code, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// The code.
    pub code: SignalCode,
    /// OWASP NHI Top 10 tag.
    pub owasp: &'static str,
    /// What, by which threshold, from which data; several instances joined with "; ".
    pub detail: String,
}

/// Signal codes as stored with a campaign member: stable names joined by commas.
pub fn codes_text(signals: &[Signal]) -> String {
    signals
        .iter()
        .map(|s| s.code.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Read stored codes back; a name not in the table is an error naming it.
pub fn parse_codes(text: &str) -> Result<Vec<SignalCode>, crate::model::UnknownValue> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            SignalCode::from_name(s).ok_or_else(|| crate::model::UnknownValue {
                what: "signal code",
                value: s.to_owned(),
            })
        })
        .collect()
}

/// Risk score used to order the review queue: higher is reviewed first.
pub fn risk(signals: &[Signal]) -> u32 {
    signals.iter().map(|s| s.code.weight()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_every_code_one_distinct_name_and_badge() {
        let mut names: Vec<&str> = SIGNALS.iter().map(|s| s.name).collect();
        let mut badges: Vec<&str> = SIGNALS.iter().map(|s| s.badge).collect();
        names.sort_unstable();
        badges.sort_unstable();
        names.dedup();
        badges.dedup();
        assert_eq!(names.len(), SIGNALS.len());
        assert_eq!(badges.len(), SIGNALS.len());
        for s in SIGNALS {
            assert_eq!(s.code.info(), s, "{} finds its own row", s.name);
            assert_eq!(SignalCode::from_name(s.name), Some(s.code));
            assert_eq!(s.badge.chars().count(), 3);
            assert!(s.owasp.starts_with("NHI"));
        }
        assert!(SIGNALS.windows(2).all(|w| w[0].weight >= w[1].weight));
        assert!(
            SIGNALS.windows(2).all(|w| w[0].code < w[1].code),
            "the codes' order is the table's: most severe first"
        );
    }

    #[test]
    fn stored_codes_round_trip_and_unknown_ones_are_errors() {
        let text = "admin_grant,no_owner";
        assert_eq!(
            parse_codes(text).expect("known"),
            [SignalCode::AdminGrant, SignalCode::NoOwner]
        );
        assert!(parse_codes("admin_grant,frobnicated").is_err());
        assert_eq!(parse_codes("").expect("empty"), []);
    }
}
