//! Evaluating an identity's signals: one small check per concern, collected into a set.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Signal, SignalCode};
use crate::model::{CredentialView, IdentityView, Status, Thresholds};

/// A credential valid for longer than this is long-lived even with an expiry date.
const LONG_LIVED_DAYS: i64 = 366;

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days()
}

pub(super) fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Instances found so far, by code; each code becomes one signal.
#[derive(Default)]
struct Found(BTreeMap<SignalCode, Vec<String>>);

impl Found {
    fn add(&mut self, code: SignalCode, detail: String) {
        let details = self.0.entry(code).or_default();
        if !details.contains(&detail) {
            details.push(detail);
        }
    }

    /// One signal per code, most severe first (the codes' order).
    fn into_signals(self) -> Vec<Signal> {
        self.0
            .into_iter()
            .map(|(code, details)| Signal {
                code,
                owasp: code.owasp(),
                detail: details.join("; "),
            })
            .collect()
    }
}

/// What evaluation looks at.
struct Facts<'a> {
    identity: &'a IdentityView,
    thresholds: &'a Thresholds,
    now: DateTime<Utc>,
    source: String,
    /// Credentials up for review: not platform-managed, not gone.
    live: Vec<&'a CredentialView>,
}

/// Every signal that holds for `identity` at `now`, one per code, most severe first.
pub fn evaluate(
    identity: &IdentityView,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Vec<Signal> {
    let facts = Facts {
        identity,
        thresholds,
        now,
        source: format!("{} export", identity.provider),
        live: identity
            .credentials
            .iter()
            .filter(|c| !c.platform_managed && c.gone_at.is_none())
            .collect(),
    };
    let mut found = Found::default();
    presence(&facts, &mut found);
    access(&facts, &mut found);
    usage(&facts, &mut found);
    credentials(&facts, &mut found);
    ownership(&facts, &mut found);
    found.into_signals()
}

/// Gone from its source, or never described by one.
fn presence(f: &Facts, found: &mut Found) {
    if let Some(gone) = f.identity.gone_at {
        found.add(
            SignalCode::Gone,
            format!("absent from the newest {} since {}", f.source, day(gone)),
        );
    }
    if !f.identity.described {
        found.add(
            SignalCode::NotInInventory,
            format!(
                "named only by keys or grants in the {}: absent from every identity list imported (deleted, or its list was not imported)",
                f.source
            ),
        );
    }
}

/// Admin-tier grants, and access held while disabled.
fn access(f: &Facts, found: &mut Found) {
    let id = f.identity;
    let mut admin: Vec<&str> = id
        .grants
        .iter()
        .filter(|g| g.tier == crate::model::Tier::Admin && g.gone_at.is_none())
        .map(|g| g.permission.as_str())
        .collect();
    admin.dedup();
    if !admin.is_empty() {
        found.add(
            SignalCode::AdminGrant,
            format!("admin-tier grant: {}", admin.join(", ")),
        );
    }
    let live_grants = id.grants.iter().filter(|g| g.gone_at.is_none()).count();
    let active = f.live.iter().filter(|c| c.active).count();
    if let Some(why) = &id.public_trust {
        found.add(
            SignalCode::PublicTrust,
            format!("anyone may assume it: {why}"),
        );
    }
    if let Some(accounts) = id.cross_account_trust.as_deref().filter(|a| !a.is_empty())
        && !id.third_party
    {
        found.add(
            SignalCode::CrossAccountTrust,
            format!("accounts {} may assume it", accounts.replace(',', ", ")),
        );
    }
    if id.status == Status::Disabled && (active > 0 || live_grants > 0) {
        found.add(
            SignalCode::DisabledWithAccess,
            format!(
                "disabled but still holds {active} active credentials and {live_grants} grants"
            ),
        );
    }
}

/// Use: never "unused" when the source cannot tell, nor when a reviewer marked the identity
/// unused by design.
fn usage(f: &Facts, found: &mut Found) {
    let id = f.identity;
    let limit = f.thresholds.inactivity_days;
    if id.expected_unused.is_some() {
        return;
    }
    if !id.usage_tracked
        && let Some(window) = id.unused_within_days
    {
        // The source keeps `window` days: no use in them says something, earlier use is unknown.
        let age = id.created_at.map(|c| days(c, f.now));
        match age {
            Some(a) if a <= window && a >= limit => found.add(
                SignalCode::NeverUsed,
                format!(
                    "never used since it was created {} ({a} days ago; the {} keeps {window} days of use)",
                    id.created_at.map(day).unwrap_or_default(),
                    f.source
                ),
            ),
            Some(a) if a <= window => {}
            _ if window >= limit => found.add(
                SignalCode::Inactive,
                format!(
                    "no use in the last {window} days (the {} keeps {window} days; earlier use unknown), threshold {limit} days",
                    f.source
                ),
            ),
            _ => found.add(
                SignalCode::UsageUnknown,
                format!("no use in the last {window} days; the {} keeps no more", f.source),
            ),
        }
        return;
    }
    if !id.usage_tracked {
        found.add(
            SignalCode::UsageUnknown,
            format!(
                "last use unknown: the {} does not track use of all its active credentials",
                f.source
            ),
        );
        return;
    }
    match id.last_used_at {
        None => {
            let age = id.created_at.map(|c| days(c, f.now));
            if age.is_none_or(|a| a >= limit) {
                let since = id
                    .created_at
                    .map(|c| format!(", created {} ({} days ago)", day(c), days(c, f.now)))
                    .unwrap_or_default();
                found.add(
                    SignalCode::NeverUsed,
                    format!(
                        "never used{since}; inactivity threshold {limit} days ({})",
                        f.source
                    ),
                );
            }
        }
        Some(t) if days(t, f.now) >= limit => found.add(
            SignalCode::Inactive,
            format!(
                "unused for {} days (last used {}), threshold {limit} days ({})",
                days(t, f.now),
                day(t),
                f.source
            ),
        ),
        Some(_) => {}
    }
}

/// Rotation, expiry, lifetime and the number of active credentials.
fn credentials(f: &Facts, found: &mut Found) {
    let rotation = f.thresholds.rotation_days;
    for c in f.live.iter().filter(|c| c.active) {
        if let Some(created) = c.created_at
            && days(created, f.now) >= rotation
        {
            found.add(
                SignalCode::StaleCredential,
                format!(
                    "{} {} not rotated for {} days (since {}), threshold {rotation} days",
                    c.kind,
                    c.id,
                    days(created, f.now),
                    day(created)
                ),
            );
        }
        if let Some(exp) = c.expires_at
            && exp <= f.now
        {
            found.add(
                SignalCode::ExpiredPresent,
                format!(
                    "{} {} expired {} but is still present",
                    c.kind,
                    c.id,
                    day(exp)
                ),
            );
        }
        let long_lived = match (c.expires_at, c.created_at) {
            (None, _) => Some(format!("{} {} never expires", c.kind, c.id)),
            (Some(exp), Some(created)) if (exp - created).num_days() > LONG_LIVED_DAYS => {
                Some(format!(
                    "{} {} is valid for {} years (until {})",
                    c.kind,
                    c.id,
                    (exp - created).num_days() / 365,
                    day(exp)
                ))
            }
            _ => None,
        };
        if let Some(detail) = long_lived {
            found.add(SignalCode::LongLived, detail);
        }
    }
    // Per holder: two users' tokens of one app are not two keys of one holder.
    let mut per_holder: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for c in f.live.iter().filter(|c| c.active) {
        *per_holder.entry(c.holder.as_deref()).or_default() += 1;
    }
    for (holder, active) in per_holder.into_iter().filter(|(_, n)| *n > 1) {
        found.add(
            SignalCode::MultipleActiveKeys,
            match holder {
                None => format!("{active} active credentials at once"),
                Some(h) => format!("{active} active credentials at once held by {h}"),
            },
        );
    }
}

/// Owner and third party.
fn ownership(f: &Facts, found: &mut Found) {
    if f.identity
        .owner
        .as_deref()
        .is_none_or(|o| o.trim().is_empty())
    {
        found.add(
            SignalCode::NoOwner,
            format!("no owner in the {} and none set in review", f.source),
        );
    }
    if f.identity.third_party {
        found.add(
            SignalCode::ThirdParty,
            "belongs to a third party (vendor app or foreign tenant)".into(),
        );
    }
}

/// Signals relative to the previous campaign: new since then. (Gone since then is the `gone`
/// signal, which campaigns keep in scope for previously reviewed identities.)
pub fn since_previous(previous: Option<&str>, was_reviewed: bool) -> Vec<Signal> {
    match previous {
        Some(name) if !was_reviewed => vec![Signal {
            code: SignalCode::New,
            owasp: SignalCode::New.owasp(),
            detail: format!("new since campaign '{name}': never reviewed before"),
        }],
        _ => Vec::new(),
    }
}

/// A revoke or reduce of a closed campaign that an import made after its close still shows:
/// `left` items of it remain.
pub fn not_carried_out(
    campaign: &str,
    verdict: crate::model::Verdict,
    reviewer: &str,
    seen_at: &str,
    left: usize,
) -> Signal {
    Signal {
        code: SignalCode::NotCarriedOut,
        owasp: SignalCode::NotCarriedOut.owasp(),
        detail: format!(
            "campaign '{campaign}' decided {} ({reviewer}), but the import of {seen_at} still shows {}",
            verdict.as_str(),
            if left == 1 {
                "it".to_owned()
            } else {
                format!("{left} items of it")
            }
        ),
    }
}

/// Merge the signals relative to the previous campaign into an identity's set, keeping the
/// table's order.
pub fn with_previous(mut signals: Vec<Signal>, extra: Vec<Signal>) -> Vec<Signal> {
    for s in extra {
        if !signals.iter().any(|have| have.code == s.code) {
            signals.push(s);
        }
    }
    signals.sort_by_key(|s| s.code);
    signals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;
    use crate::signals::testdata::{grant, identity, key, now};
    use chrono::Duration;

    fn codes(i: &IdentityView) -> Vec<SignalCode> {
        evaluate(i, &Thresholds::default(), now())
            .into_iter()
            .map(|s| s.code)
            .collect()
    }

    #[test]
    fn a_healthy_identity_has_no_signals() {
        assert!(codes(&identity()).is_empty());
    }

    #[test]
    fn signals_are_a_set_with_every_instance_in_the_detail() {
        let mut i = identity();
        i.credentials = vec![key("access_key_1", 400), key("access_key_2", 300)];
        i.grants = vec![
            grant("AdministratorAccess", Tier::Admin, ""),
            grant("AdministratorAccess", Tier::Admin, "group:admins"),
        ];
        let found = evaluate(&i, &Thresholds::default(), now());
        let list: Vec<SignalCode> = found.iter().map(|s| s.code).collect();
        let mut unique = list.clone();
        unique.dedup();
        assert_eq!(list, unique, "no code twice: {list:?}");
        let stale = found
            .iter()
            .find(|s| s.code == SignalCode::StaleCredential)
            .expect("stale");
        assert!(
            stale.detail.contains("access_key_1") && stale.detail.contains("access_key_2"),
            "{}",
            stale.detail
        );
        let admin = found
            .iter()
            .find(|s| s.code == SignalCode::AdminGrant)
            .expect("admin");
        assert_eq!(admin.detail, "admin-tier grant: AdministratorAccess");
        assert_eq!(list[0], SignalCode::AdminGrant, "most severe first");
    }

    #[test]
    fn long_lived_credentials_never_expire_or_outlast_a_year() {
        let mut i = identity();
        let mut k = key("k1", 10);
        k.expires_at = Some(now() + Duration::days(300));
        i.credentials = vec![k.clone()];
        assert!(!codes(&i).contains(&SignalCode::LongLived));
        k.expires_at = None;
        i.credentials = vec![k.clone()];
        assert!(codes(&i).contains(&SignalCode::LongLived));
        k.expires_at = Some(now() + Duration::days(100 * 365));
        i.credentials = vec![k];
        let s = evaluate(&i, &Thresholds::default(), now());
        assert!(
            s.iter().any(
                |s| s.code == SignalCode::LongLived && s.detail.contains("valid for 100 years")
            ),
            "{s:?}"
        );
    }

    #[test]
    fn gone_and_only_named_identities_are_flagged() {
        let mut i = identity();
        i.gone_at = Some(now() - Duration::days(3));
        i.described = false;
        let found = evaluate(&i, &Thresholds::default(), now());
        let gone = found
            .iter()
            .find(|s| s.code == SignalCode::Gone)
            .expect("gone");
        assert!(gone.detail.contains("2026-11-24"), "{}", gone.detail);
        assert!(
            found
                .iter()
                .any(|s| s.code == SignalCode::NotInInventory && s.owasp == "NHI1")
        );
    }

    #[test]
    fn new_since_the_previous_campaign() {
        assert_eq!(since_previous(None, false), vec![]);
        assert_eq!(since_previous(Some("2026-Q3"), true), vec![]);
        let s = since_previous(Some("2026-Q3"), false);
        assert_eq!((s[0].code, s[0].owasp), (SignalCode::New, "NHI1"));
        assert!(s[0].detail.contains("2026-Q3"));
        let mut i = identity();
        i.owner = None;
        let merged = with_previous(evaluate(&i, &Thresholds::default(), now()), s);
        assert_eq!(
            merged.iter().map(|s| s.code).collect::<Vec<_>>(),
            [SignalCode::New, SignalCode::NoOwner]
        );
    }

    #[test]
    fn rotation_threshold_is_inclusive_at_exactly_ninety_days() {
        let mut i = identity();
        i.credentials = vec![key("access_key_1", 89)];
        assert!(!codes(&i).contains(&SignalCode::StaleCredential));
        i.credentials = vec![key("access_key_1", 90)];
        let signals = evaluate(&i, &Thresholds::default(), now());
        let s = signals
            .iter()
            .find(|s| s.code == SignalCode::StaleCredential)
            .expect("flagged");
        assert_eq!(s.owasp, "NHI7");
        assert!(
            s.detail.contains("90 days") && s.detail.contains("threshold 90"),
            "{}",
            s.detail
        );
    }

    #[test]
    fn thresholds_are_configurable() {
        let mut i = identity();
        i.credentials = vec![key("access_key_1", 40)];
        let strict = Thresholds {
            rotation_days: 30,
            inactivity_days: 30,
        };
        assert!(
            evaluate(&i, &strict, now())
                .iter()
                .any(|s| s.code == SignalCode::StaleCredential)
        );
    }

    #[test]
    fn inactivity_threshold_edge_and_never_used() {
        let mut i = identity();
        i.last_used_at = Some(now() - Duration::days(89));
        assert!(!codes(&i).contains(&SignalCode::Inactive));
        i.last_used_at = Some(now() - Duration::days(90));
        assert!(codes(&i).contains(&SignalCode::Inactive));
        i.last_used_at = None;
        assert!(codes(&i).contains(&SignalCode::NeverUsed));
        // Created last week and not used yet is not a finding.
        i.created_at = Some(now() - Duration::days(7));
        assert!(!codes(&i).contains(&SignalCode::NeverUsed));
    }

    #[test]
    fn an_identity_unused_by_design_is_not_called_unused() {
        let mut i = identity();
        i.last_used_at = None;
        assert!(codes(&i).contains(&SignalCode::NeverUsed));
        i.expected_unused = Some("Disaster-recovery restores only".into());
        assert!(!codes(&i).contains(&SignalCode::NeverUsed));
        i.last_used_at = Some(now() - Duration::days(400));
        assert!(!codes(&i).contains(&SignalCode::Inactive));
    }

    #[test]
    fn unknown_usage_is_never_called_unused() {
        let mut i = identity();
        i.usage_tracked = false;
        i.last_used_at = None;
        let c = codes(&i);
        assert!(c.contains(&SignalCode::UsageUnknown));
        assert!(!c.contains(&SignalCode::NeverUsed) && !c.contains(&SignalCode::Inactive));
    }

    #[test]
    fn platform_managed_credentials_are_excluded() {
        let mut i = identity();
        let mut managed = key("sys-1", 400);
        managed.platform_managed = true;
        let mut managed2 = key("sys-2", 400);
        managed2.platform_managed = true;
        i.credentials = vec![managed, managed2];
        assert!(codes(&i).is_empty());
    }

    #[test]
    fn two_active_keys_admin_owner_third_party_disabled_expired() {
        let mut i = identity();
        let mut expired = key("k2", 10);
        expired.expires_at = Some(now() - Duration::days(1));
        i.credentials = vec![key("k1", 10), expired];
        i.grants = vec![grant("AdministratorAccess", Tier::Admin, "")];
        i.owner = None;
        i.third_party = true;
        i.status = Status::Disabled;
        let c = codes(&i);
        for want in [
            SignalCode::MultipleActiveKeys,
            SignalCode::AdminGrant,
            SignalCode::NoOwner,
            SignalCode::ThirdParty,
            SignalCode::DisabledWithAccess,
            SignalCode::ExpiredPresent,
        ] {
            assert!(c.contains(&want), "{want:?} missing from {c:?}");
        }
        assert!(
            super::super::risk(&evaluate(&i, &Thresholds::default(), now()))
                > super::super::risk(&evaluate(&identity(), &Thresholds::default(), now()))
        );
    }

    #[test]
    fn trust_policies_open_to_anyone_or_to_other_accounts() {
        let mut i = identity();
        i.public_trust = Some("Principal {\"AWS\": \"*\"}".into());
        i.cross_account_trust = Some("111122223333,444455556666".into());
        let found = evaluate(&i, &Thresholds::default(), now());
        assert_eq!(
            found.iter().map(|s| s.code).collect::<Vec<_>>(),
            [SignalCode::PublicTrust, SignalCode::CrossAccountTrust]
        );
        assert!(found[1].detail.contains("111122223333, 444455556666"));
        i.third_party = true;
        assert!(
            !codes(&i).contains(&SignalCode::CrossAccountTrust),
            "third party says it already"
        );
    }

    #[test]
    fn a_window_of_no_use_is_inactivity_not_ignorance() {
        let mut i = identity();
        i.usage_tracked = false;
        i.last_used_at = None;
        i.unused_within_days = Some(400);
        i.created_at = Some(now() - Duration::days(1000));
        assert!(codes(&i).contains(&SignalCode::Inactive));
        assert!(!codes(&i).contains(&SignalCode::UsageUnknown));
        assert!(
            !codes(&i).contains(&SignalCode::NeverUsed),
            "earlier use is unknown"
        );
        i.created_at = Some(now() - Duration::days(200));
        assert!(
            codes(&i).contains(&SignalCode::NeverUsed),
            "created inside the window"
        );
        i.created_at = Some(now() - Duration::days(30));
        assert!(codes(&i).is_empty(), "{:?}", codes(&i));
        i.created_at = None;
        i.unused_within_days = Some(30);
        assert!(
            codes(&i).contains(&SignalCode::UsageUnknown),
            "a window under the threshold says nothing"
        );
    }

    #[test]
    fn several_active_credentials_count_per_holder() {
        let mut i = identity();
        let mut a = key("user:1", 10);
        a.holder = Some("user:1".into());
        let mut b = key("user:2", 10);
        b.holder = Some("user:2".into());
        i.credentials = vec![a.clone(), b];
        assert!(!codes(&i).contains(&SignalCode::MultipleActiveKeys));
        let mut c = key("user:1-second", 10);
        c.holder = Some("user:1".into());
        i.credentials.push(c);
        assert!(codes(&i).contains(&SignalCode::MultipleActiveKeys));
    }
}
