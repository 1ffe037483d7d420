//! Risk signals: explainable facts derived from an identity's imported data, each naming its
//! threshold and data source and tagged with the OWASP Non-Human Identities Top 10 entry.
//! Pure functions of the facts, the thresholds and an explicit reference time.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{IdentityView, Status, Thresholds, Tier};

/// One signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Stable code, e.g. `stale_credential`.
    pub code: &'static str,
    /// OWASP NHI Top 10 tag, `NHI1` … `NHI10`.
    pub owasp: &'static str,
    /// One line: what, by which threshold, from which data.
    pub detail: String,
    /// Contribution to the risk order.
    #[serde(skip)]
    pub weight: u32,
}

/// Short badge for the queue.
pub fn badge(code: &str) -> &'static str {
    match code {
        "admin_grant" => "ADM",
        "stale_credential" => "ROT",
        "never_used" => "NEV",
        "inactive" => "IDL",
        "usage_unknown" => "UNK",
        "multiple_active_keys" => "2KY",
        "no_owner" => "OWN",
        "third_party" => "3RD",
        "disabled_with_access" => "DIS",
        "expired_present" => "EXP",
        "no_expiry" => "LLC",
        "gone" => "GON",
        "not_in_inventory" => "DNG",
        "long_lived" => "LLC",
        "new" => "NEW",
        _ => "?",
    }
}

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_days()
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Every signal that holds for `identity` at `now`.
pub fn evaluate(
    identity: &IdentityView,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Vec<Signal> {
    let mut out = Vec::new();
    let source = format!("{} export", identity.provider);
    let live_creds: Vec<_> = identity
        .credentials
        .iter()
        .filter(|c| !c.platform_managed && c.gone_at.is_none())
        .collect();

    if identity.gone_at.is_some() {
        out.push(Signal {
            code: "gone",
            owasp: "NHI1",
            detail: format!(
                "absent from the newest {source} since {}",
                identity.gone_at.map(day).unwrap_or_default()
            ),
            weight: 5,
        });
    }

    if !identity.described {
        out.push(Signal {
            code: "not_in_inventory",
            owasp: "NHI1",
            detail: format!(
                "named only by keys or grants in the {source}: absent from every identity list imported (deleted, or its list was not imported)"
            ),
            weight: 10,
        });
    }

    let admin: Vec<_> = identity
        .grants
        .iter()
        .filter(|g| g.tier == Tier::Admin && g.gone_at.is_none())
        .map(|g| g.permission.as_str())
        .collect();
    if !admin.is_empty() {
        out.push(Signal {
            code: "admin_grant",
            owasp: "NHI5",
            detail: format!("admin-tier grant: {}", admin.join(", ")),
            weight: 40,
        });
    }

    // Usage: never "unused" when the source cannot tell.
    if !identity.usage_tracked {
        out.push(Signal {
            code: "usage_unknown",
            owasp: "NHI1",
            detail: format!(
                "last use unknown: the {source} does not track use of all its active credentials"
            ),
            weight: 2,
        });
    } else {
        match identity.last_used_at {
            None => {
                let age = identity.created_at.map(|c| days(c, now));
                if age.is_none_or(|a| a >= thresholds.inactivity_days) {
                    let since = identity
                        .created_at
                        .map(|c| format!(", created {} ({} days ago)", day(c), days(c, now)))
                        .unwrap_or_default();
                    out.push(Signal {
                        code: "never_used",
                        owasp: "NHI1",
                        detail: format!(
                            "never used{since}; inactivity threshold {} days ({source})",
                            thresholds.inactivity_days
                        ),
                        weight: 30,
                    });
                }
            }
            Some(t) if days(t, now) >= thresholds.inactivity_days => out.push(Signal {
                code: "inactive",
                owasp: "NHI1",
                detail: format!(
                    "unused for {} days (last used {}), threshold {} days ({source})",
                    days(t, now),
                    day(t),
                    thresholds.inactivity_days
                ),
                weight: 25,
            }),
            Some(_) => {}
        }
    }

    for c in &live_creds {
        if !c.active {
            continue;
        }
        if let Some(created) = c.created_at
            && days(created, now) >= thresholds.rotation_days
        {
            out.push(Signal {
                code: "stale_credential",
                owasp: "NHI7",
                detail: format!(
                    "{} {} not rotated for {} days (since {}), threshold {} days",
                    c.kind,
                    c.id,
                    days(created, now),
                    day(created),
                    thresholds.rotation_days
                ),
                weight: 15,
            });
        }
        if let Some(exp) = c.expires_at
            && exp <= now
        {
            out.push(Signal {
                code: "expired_present",
                owasp: "NHI1",
                detail: format!(
                    "{} {} expired {} but is still present",
                    c.kind,
                    c.id,
                    day(exp)
                ),
                weight: 10,
            });
        }
    }

    for c in live_creds.iter().filter(|c| c.active) {
        let detail = match (c.expires_at, c.created_at) {
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
        if let Some(detail) = detail {
            out.push(Signal {
                code: "long_lived",
                owasp: "NHI7",
                detail,
                weight: 3,
            });
        }
    }

    let active_keys = live_creds.iter().filter(|c| c.active).count();
    if active_keys > 1 {
        out.push(Signal {
            code: "multiple_active_keys",
            owasp: "NHI7",
            detail: format!("{active_keys} active credentials at once"),
            weight: 10,
        });
    }

    if identity
        .owner
        .as_deref()
        .is_none_or(|o| o.trim().is_empty())
    {
        out.push(Signal {
            code: "no_owner",
            owasp: "NHI1",
            detail: format!("no owner in the {source} and none set in review"),
            weight: 5,
        });
    }

    if identity.third_party {
        out.push(Signal {
            code: "third_party",
            owasp: "NHI3",
            detail: "belongs to a third party (vendor app or foreign tenant)".into(),
            weight: 10,
        });
    }

    let live_grants = identity
        .grants
        .iter()
        .filter(|g| g.gone_at.is_none())
        .count();
    let active_creds = live_creds.iter().filter(|c| c.active).count();
    if identity.status == Status::Disabled && (active_creds > 0 || live_grants > 0) {
        out.push(Signal {
            code: "disabled_with_access",
            owasp: "NHI1",
            detail: format!("disabled but still holds {active_creds} active credentials and {live_grants} grants"),
            weight: 15,
        });
    }
    // Most severe first: the queue shows the first few badges, the card reads top-down.
    out.sort_by_key(|s| std::cmp::Reverse(s.weight));
    out
}

/// A credential valid for longer than this is long-lived even with an expiry date.
const LONG_LIVED_DAYS: i64 = 366;

/// Signals relative to the previous campaign: new since then. (Gone since then is the `gone`
/// signal, which campaigns keep in scope for previously reviewed identities.)
pub fn since_previous(previous: Option<&str>, was_reviewed: bool) -> Vec<Signal> {
    match previous {
        Some(name) if !was_reviewed => vec![Signal {
            code: "new",
            owasp: "NHI1",
            detail: format!("new since campaign '{name}': never reviewed before"),
            weight: 8,
        }],
        _ => Vec::new(),
    }
}

/// A suggested verdict with its reasons. Never applied without a reviewer's keystroke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// Suggested verdict.
    pub verdict: crate::model::Verdict,
    /// For reduce: the credentials and grants to remove (decision references).
    pub remove: Vec<String>,
    /// Why, one short clause each.
    pub reasons: Vec<String>,
}

/// Suggest a verdict from the facts and signals.
pub fn recommend(
    identity: &IdentityView,
    found: &[Signal],
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Recommendation {
    use crate::model::Verdict;
    let has = |code: &str| found.iter().any(|s| s.code == code);
    let admin = has("admin_grant");
    let with_admin = |mut r: Vec<String>| {
        if admin {
            r.push("holds admin-tier grants".into());
        }
        r
    };
    let revoke = |reasons: Vec<String>| Recommendation {
        verdict: Verdict::Revoke,
        remove: Vec::new(),
        reasons: with_admin(reasons),
    };
    if let Some(g) = identity.gone_at {
        return revoke(vec![format!(
            "gone from its source since {}: confirm it was removed",
            day(g)
        )]);
    }
    if has("disabled_with_access") {
        return revoke(vec!["disabled at the source but still holds access".into()]);
    }
    if has("not_in_inventory") {
        return revoke(vec![
            "absent from every identity list: remove what still names it".into(),
        ]);
    }
    if has("never_used") {
        let since = identity
            .created_at
            .map(|c| format!(" in {} days", days(c, now)))
            .unwrap_or_default();
        return revoke(vec![format!("never used{since}")]);
    }
    if let Some(t) = identity.last_used_at
        && identity.usage_tracked
        && days(t, now) >= 2 * thresholds.inactivity_days
    {
        return revoke(vec![format!(
            "unused for {} days (twice the {}-day threshold)",
            days(t, now),
            thresholds.inactivity_days
        )]);
    }
    // Reduce: credentials that are off, expired, or stale beside a fresher one.
    let creds: Vec<_> = identity
        .credentials
        .iter()
        .filter(|c| !c.platform_managed && c.gone_at.is_none())
        .collect();
    let freshest_use = creds
        .iter()
        .filter(|c| c.active)
        .filter_map(|c| c.last_used_at)
        .max();
    let mut remove = Vec::new();
    let mut reasons = Vec::new();
    for c in &creds {
        let stale_beside_fresher = c.active
            && creds.iter().filter(|o| o.active).count() > 1
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
            remove.push(c.reference());
            reasons.push(why);
        }
    }
    if !remove.is_empty() {
        return Recommendation {
            verdict: Verdict::Reduce,
            remove,
            reasons,
        };
    }
    let mut reasons = vec![match (identity.last_used_at, identity.usage_tracked) {
        (Some(t), _) => format!("in use (last {})", day(t)),
        _ => "no unused or excess credential found".to_owned(),
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

/// Risk score used to order the review queue: higher is reviewed first.
pub fn risk(signals: &[Signal]) -> u32 {
    signals.iter().map(|s| s.weight).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CredentialView, GrantView};
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn identity() -> IdentityView {
        IdentityView {
            row_id: 1,
            short_id: "abc".into(),
            provider: "aws".into(),
            account: "555566667777".into(),
            native_id: "arn:aws:iam::555566667777:user/svc".into(),
            kind: "iam_user".into(),
            name: "svc".into(),
            owner: Some("team-a@example.com".into()),
            status: Status::Active,
            created_at: Some(now() - Duration::days(400)),
            last_used_at: Some(now() - Duration::days(1)),
            usage_tracked: true,
            third_party: false,
            described: true,
            business_function: None,
            first_seen_at: now(),
            last_seen_at: now(),
            gone_at: None,
            credentials: vec![],
            grants: vec![],
        }
    }

    fn key(id: &str, age_days: i64) -> CredentialView {
        CredentialView {
            id: id.into(),
            kind: "access_key".into(),
            created_at: Some(now() - Duration::days(age_days)),
            last_used_at: None,
            usage_tracked: true,
            last_used_where: None,
            expires_at: None,
            active: true,
            platform_managed: false,
            gone_at: None,
        }
    }

    fn codes(i: &IdentityView) -> Vec<&'static str> {
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
    fn long_lived_credentials_never_expire_or_outlast_a_year() {
        let mut i = identity();
        let mut k = key("k1", 10);
        k.expires_at = Some(now() + Duration::days(300));
        i.credentials = vec![k.clone()];
        assert!(!codes(&i).contains(&"long_lived"));
        k.expires_at = None;
        i.credentials = vec![k.clone()];
        assert!(codes(&i).contains(&"long_lived"));
        k.expires_at = Some(now() + Duration::days(100 * 365));
        i.credentials = vec![k];
        let s = evaluate(&i, &Thresholds::default(), now());
        assert!(
            s.iter()
                .any(|s| s.code == "long_lived" && s.detail.contains("valid for 100 years")),
            "{s:?}"
        );
    }

    #[test]
    fn gone_and_only_named_identities_are_flagged() {
        let mut i = identity();
        i.gone_at = Some(now() - Duration::days(3));
        i.described = false;
        let found = evaluate(&i, &Thresholds::default(), now());
        let gone = found.iter().find(|s| s.code == "gone").expect("gone");
        assert!(gone.detail.contains("2026-11-24"), "{}", gone.detail);
        assert!(
            found
                .iter()
                .any(|s| s.code == "not_in_inventory" && s.owasp == "NHI1")
        );
        assert_eq!(
            recommend(&i, &found, &Thresholds::default(), now()).verdict,
            crate::model::Verdict::Revoke
        );
    }

    #[test]
    fn new_since_the_previous_campaign() {
        assert_eq!(since_previous(None, false), vec![]);
        assert_eq!(since_previous(Some("2026-Q3"), true), vec![]);
        let s = since_previous(Some("2026-Q3"), false);
        assert_eq!((s[0].code, s[0].owasp), ("new", "NHI1"));
        assert!(s[0].detail.contains("2026-Q3"));
    }

    fn suggest(i: &IdentityView) -> Recommendation {
        let found = evaluate(i, &Thresholds::default(), now());
        recommend(i, &found, &Thresholds::default(), now())
    }

    #[test]
    fn recommendations_say_why() {
        use crate::model::Verdict;
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
        // Reduce: an inactive key beside an active one.
        i.last_used_at = Some(now() - Duration::days(1));
        let mut off = key("k2", 500);
        off.active = false;
        i.credentials = vec![key("k1", 10), off];
        let r = suggest(&i);
        assert_eq!(
            (r.verdict, r.remove.clone()),
            (Verdict::Reduce, vec!["credential:k2".to_owned()])
        );
        // Stale beside a fresher one in use.
        let mut old = key("k0", 400);
        old.last_used_at = Some(now() - Duration::days(30));
        let mut fresh = key("k1", 10);
        fresh.last_used_at = Some(now() - Duration::days(1));
        i.credentials = vec![old, fresh];
        assert_eq!(suggest(&i).remove, ["credential:k0"]);
        // Disabled with access: revoke, and admin is mentioned.
        i.status = Status::Disabled;
        i.grants = vec![GrantView {
            permission: "Owner".into(),
            resource: "/".into(),
            tier: Tier::Admin,
            condition: String::new(),
            via: String::new(),
            gone_at: None,
        }];
        let r = suggest(&i);
        assert_eq!(r.verdict, Verdict::Revoke);
        assert!(
            r.reasons.iter().any(|x| x.contains("admin")),
            "{:?}",
            r.reasons
        );
    }

    #[test]
    fn rotation_threshold_is_inclusive_at_exactly_ninety_days() {
        let mut i = identity();
        i.credentials = vec![key("access_key_1", 89)];
        assert!(!codes(&i).contains(&"stale_credential"));
        i.credentials = vec![key("access_key_1", 90)];
        let signals = evaluate(&i, &Thresholds::default(), now());
        let s = signals
            .iter()
            .find(|s| s.code == "stale_credential")
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
                .any(|s| s.code == "stale_credential")
        );
    }

    #[test]
    fn inactivity_threshold_edge_and_never_used() {
        let mut i = identity();
        i.last_used_at = Some(now() - Duration::days(89));
        assert!(!codes(&i).contains(&"inactive"));
        i.last_used_at = Some(now() - Duration::days(90));
        assert!(codes(&i).contains(&"inactive"));
        i.last_used_at = None;
        assert!(codes(&i).contains(&"never_used"));
        // Created last week and not used yet is not a finding.
        i.created_at = Some(now() - Duration::days(7));
        assert!(!codes(&i).contains(&"never_used"));
    }

    #[test]
    fn unknown_usage_is_never_called_unused() {
        let mut i = identity();
        i.usage_tracked = false;
        i.last_used_at = None;
        let c = codes(&i);
        assert!(c.contains(&"usage_unknown"));
        assert!(!c.contains(&"never_used") && !c.contains(&"inactive"));
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
        i.grants = vec![GrantView {
            permission: "AdministratorAccess".into(),
            resource: "*".into(),
            tier: Tier::Admin,
            condition: String::new(),
            via: String::new(),
            gone_at: None,
        }];
        i.owner = None;
        i.third_party = true;
        i.status = Status::Disabled;
        let c = codes(&i);
        for want in [
            "multiple_active_keys",
            "admin_grant",
            "no_owner",
            "third_party",
            "disabled_with_access",
            "expired_present",
        ] {
            assert!(c.contains(&want), "{want} missing from {c:?}");
        }
        assert!(
            risk(&evaluate(&i, &Thresholds::default(), now()))
                > risk(&evaluate(&identity(), &Thresholds::default(), now()))
        );
    }
}
