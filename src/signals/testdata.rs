//! Identities, credentials and grants for the signal tests.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::{CredentialView, GrantView, IdentityId, IdentityView, Status, Tier};

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("valid")
}

pub(crate) fn identity() -> IdentityView {
    IdentityView {
        row_id: IdentityId(1),
        short_id: "aws-1".into(),
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
        expected_unused: None,
        unused_within_days: None,
        public_trust: None,
        cross_account_trust: None,
        first_seen_at: now(),
        last_seen_at: now(),
        gone_at: None,
        credentials: vec![],
        grants: vec![],
    }
}

pub(crate) fn key(id: &str, age_days: i64) -> CredentialView {
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
        last_seen_at: now(),
        gone_at: None,
        holder: None,
    }
}

pub(crate) fn grant(permission: &str, tier: Tier, via: &str) -> GrantView {
    GrantView {
        permission: permission.into(),
        resource: "*".into(),
        tier,
        condition: String::new(),
        via: via.into(),
        last_seen_at: now(),
        gone_at: None,
    }
}
