//! The suggested verdict: what the facts and signals argue for, with the reasons. A suggestion
//! is never applied without a reviewer's keystroke; the decision record keeps what was suggested
//! so overrides can be listed.

use chrono::{DateTime, Utc};

use super::evaluate::day;
use super::{Signal, SignalCode};
use crate::model::{CredentialView, IdentityView, ItemRef, Thresholds, Verdict};

/// A suggested verdict with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// Suggested verdict.
    pub verdict: Verdict,
    /// For reduce: the credentials and grants to remove.
    pub remove: Vec<ItemRef>,
    /// Why, one short clause each.
    pub reasons: Vec<String>,
}

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days()
}

/// Suggest a verdict from the facts and signals.
pub fn recommend(
    identity: &IdentityView,
    found: &[Signal],
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Recommendation {
    let has = |code: SignalCode| found.iter().any(|s| s.code == code);
    let admin = has(SignalCode::AdminGrant);
    if let Some(reason) = revoke_reason(identity, &has, thresholds, now) {
        let mut reasons = vec![reason];
        if admin {
            reasons.push("holds admin-tier grants".into());
        }
        return Recommendation {
            verdict: Verdict::Revoke,
            remove: Vec::new(),
            reasons,
        };
    }
    let (remove, reasons) = excess_credentials(identity, thresholds, now);
    if !remove.is_empty() {
        return Recommendation {
            verdict: Verdict::Reduce,
            remove,
            reasons,
        };
    }
    let mut reasons = vec![match (&identity.expected_unused, identity.last_used_at) {
        (Some(why), _) => format!("unused by design: {why}"),
        (None, Some(t)) => format!("in use (last {})", day(t)),
        (None, None) => "no unused or excess credential found".to_owned(),
    }];
    if admin {
        reasons.push("check that its admin-tier grants are needed".into());
    }
    Recommendation {
        verdict: Verdict::Keep,
        remove: Vec::new(),
        reasons,
    }
}

/// Why the identity should go, if it should.
fn revoke_reason(
    identity: &IdentityView,
    has: &dyn Fn(SignalCode) -> bool,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Option<String> {
    if let Some(g) = identity.gone_at {
        return Some(format!(
            "gone from its source since {}: confirm it was removed",
            day(g)
        ));
    }
    if has(SignalCode::DisabledWithAccess) {
        return Some("disabled at the source but still holds access".into());
    }
    if has(SignalCode::NotInInventory) {
        return Some("absent from every identity list: remove what still names it".into());
    }
    if has(SignalCode::NeverUsed) {
        let since = identity
            .created_at
            .map(|c| format!(" in {} days", days(c, now)))
            .unwrap_or_default();
        return Some(format!("never used{since}"));
    }
    if identity.expected_unused.is_some() {
        return None;
    }
    if !identity.usage_tracked
        && let Some(window) = identity.unused_within_days
        && window >= 2 * thresholds.inactivity_days
        && identity.created_at.is_none_or(|c| days(c, now) > window)
    {
        return Some(format!(
            "no use in the last {window} days (twice the {}-day threshold; earlier use unknown)",
            thresholds.inactivity_days
        ));
    }
    match identity.last_used_at {
        Some(t) if identity.usage_tracked && days(t, now) >= 2 * thresholds.inactivity_days => {
            Some(format!(
                "unused for {} days (twice the {}-day threshold)",
                days(t, now),
                thresholds.inactivity_days
            ))
        }
        _ => None,
    }
}

/// Credentials that are off, expired, or stale beside a fresher one in use.
fn excess_credentials(
    identity: &IdentityView,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> (Vec<ItemRef>, Vec<String>) {
    let creds: Vec<&CredentialView> = identity
        .credentials
        .iter()
        .filter(|c| !c.platform_managed && c.gone_at.is_none())
        .collect();
    let active = creds.iter().filter(|c| c.active).count();
    let freshest_use = creds
        .iter()
        .filter(|c| c.active)
        .filter_map(|c| c.last_used_at)
        .max();
    let mut remove = Vec::new();
    let mut reasons = Vec::new();
    for c in &creds {
        let stale_beside_fresher = c.active
            && active > 1
            && c.created_at
                .is_some_and(|t| days(t, now) >= thresholds.rotation_days)
            && c.last_used_at < freshest_use;
        let why = if !c.active {
            Some(format!("{} is inactive", c.id))
        } else if c.expires_at.is_some_and(|e| e <= now) {
            Some(format!("{} has expired", c.id))
        } else if stale_beside_fresher {
            Some(format!(
                "{} is stale and a fresher credential is in use",
                c.id
            ))
        } else {
            None
        };
        if let Some(why) = why {
            remove.push(c.item());
            reasons.push(why);
        }
    }
    (remove, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Status, Tier};
    use crate::signals::evaluate;
    use crate::signals::testdata::{grant, identity, key, now};
    use chrono::Duration;

    fn suggest(i: &IdentityView) -> Recommendation {
        let found = evaluate(i, &Thresholds::default(), now());
        recommend(i, &found, &Thresholds::default(), now())
    }

    fn cred(id: &str) -> ItemRef {
        ItemRef::Credential { id: id.into() }
    }

    #[test]
    fn recommendations_say_why() {
        let mut i = identity();
        i.credentials = vec![key("k1", 10)];
        assert_eq!(suggest(&i).verdict, Verdict::Keep);
        i.last_used_at = None;
        let r = suggest(&i);
        assert_eq!(r.verdict, Verdict::Revoke);
        assert!(
            r.reasons[0].starts_with("never used in 400 days"),
            "{:?}",
            r.reasons
        );
        i.last_used_at = Some(now() - Duration::days(179));
        assert_eq!(
            suggest(&i).verdict,
            Verdict::Keep,
            "inactive but under twice the threshold"
        );
        i.last_used_at = Some(now() - Duration::days(180));
        assert_eq!(suggest(&i).verdict, Verdict::Revoke);
    }

    #[test]
    fn reduce_names_the_excess_credentials() {
        let mut i = identity();
        let mut off = key("k2", 500);
        off.active = false;
        i.credentials = vec![key("k1", 10), off];
        let r = suggest(&i);
        assert_eq!(
            (r.verdict, r.remove.clone()),
            (Verdict::Reduce, vec![cred("k2")])
        );
        let mut old = key("k0", 400);
        old.last_used_at = Some(now() - Duration::days(30));
        let mut fresh = key("k1", 10);
        fresh.last_used_at = Some(now() - Duration::days(1));
        i.credentials = vec![old, fresh];
        assert_eq!(suggest(&i).remove, [cred("k0")]);
    }

    #[test]
    fn disabled_with_admin_access_is_revoked_and_admin_is_named() {
        let mut i = identity();
        i.status = Status::Disabled;
        i.grants = vec![grant("Owner", Tier::Admin, "")];
        let r = suggest(&i);
        assert_eq!(r.verdict, Verdict::Revoke);
        assert!(
            r.reasons.iter().any(|x| x.contains("admin")),
            "{:?}",
            r.reasons
        );
    }

    #[test]
    fn an_identity_unused_by_design_is_not_suggested_for_revoke_on_that_ground() {
        let mut i = identity();
        i.last_used_at = None;
        assert_eq!(suggest(&i).verdict, Verdict::Revoke);
        i.expected_unused = Some("Break-glass account".into());
        let r = suggest(&i);
        assert_eq!(r.verdict, Verdict::Keep);
        assert_eq!(r.reasons[0], "unused by design: Break-glass account");
        i.last_used_at = Some(now() - Duration::days(500));
        assert_eq!(suggest(&i).verdict, Verdict::Keep);
    }

    #[test]
    fn gone_identities_are_suggested_for_revoke() {
        let mut i = identity();
        i.gone_at = Some(now() - Duration::days(3));
        assert_eq!(suggest(&i).verdict, Verdict::Revoke);
    }
}
