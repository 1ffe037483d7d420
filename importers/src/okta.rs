//! Okta: service apps (OAuth `client_credentials`), API tokens, and apps' scope grants. The org is
//! read from the records' own links or issuer, else from `--account ORG`.

use chrono::Duration;
use serde_json::Value;

use crate::json::{Emitter, Field, Obj, Outcome};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Status, Tally, Tier};
use crate::stream::{ItemSink, Root};
use crate::{ImportError, ImportOptions, ListFormat};

/// Tier of an Okta scope.
pub fn tier_of_scope(scope: &str) -> Tier {
    if scope == "okta.roles.manage" {
        Tier::Admin
    } else if scope.starts_with("okta.") && scope.ends_with(".manage") {
        Tier::Write
    } else if scope.ends_with(".read") {
        Tier::Read
    } else {
        Tier::Unknown
    }
}

/// Host of a URL (`https://acme.okta.com/api/v1/…` → `acme.okta.com`).
fn host(url: &str) -> Option<&str> {
    let rest = url.split("://").nth(1)?;
    rest.split('/').next().filter(|h| !h.is_empty())
}

/// The org of a record: the host of its `_links.self.href` (or `_link`), else of any other link
/// it carries (`appLinks`, `users`, `logo`, …: every link points into the org), else
/// `--account`.
fn org_of(o: &Obj, options: &ImportOptions) -> Field<String> {
    for links in ["_links", "_link"] {
        if let Some(l) = o.obj(links)? {
            if let Some(me) = l.obj("self")?
                && let Some(h) = me.opt_str("href")?.and_then(host)
            {
                return Ok(h.to_owned());
            }
            if let Some(h) = o.get(links).and_then(any_href) {
                return Ok(h);
            }
        }
    }
    options
        .account
        .clone()
        .ok_or_else(|| o.error("_links", "no link names the Okta org; pass --account ORG"))
}

/// The host of the first `href` anywhere in a links object.
fn any_href(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => {
            if let Some(h) = m.get("href").and_then(Value::as_str).and_then(host) {
                return Some(h.to_owned());
            }
            m.values().find_map(any_href)
        }
        Value::Array(a) => a.iter().find_map(any_href),
        _ => None,
    }
}

/// ISO 8601 durations as Okta writes token windows (`P30D`, `PT12H`, `P1DT2H`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = Duration::zero();
    let mut num = String::new();
    for (part, is_time) in [(date, false), (time, true)] {
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let n: i64 = num.parse().ok()?;
            num.clear();
            // Out-of-range amounts are not durations (chrono's plain constructors would panic).
            let part = match (c, is_time) {
                ('D', false) => Duration::try_days(n),
                ('W', false) => Duration::try_weeks(n),
                ('H', true) => Duration::try_hours(n),
                ('M', true) => Duration::try_minutes(n),
                ('S', true) => Duration::try_seconds(n),
                _ => None,
            }?;
            total = total.checked_add(&part)?;
        }
    }
    num.is_empty().then_some(total)
}

/// `GET /api/v1/apps`: only OAuth service apps are machine identities; their JWKS keys are
/// credentials (client secrets are never listed).
pub(crate) struct Apps<'a> {
    em: Emitter<'a>,
}

impl<'a> Apps<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        Apps { em }
    }
}

impl ItemSink for Apps<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &[]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let options = self.em.options;
        self.em.item(&path, &value, |app| {
            // Every Okta app has an id and a sign-on mode; anything else is not an app list.
            let id = app.str("id")?;
            app.str("signOnMode")?;
            let oauth = app
                .obj("settings")?
                .and_then(|s| s.obj("oauthClient").ok().flatten());
            let app_type = match &oauth {
                Some(o) => o.opt_str("application_type")?,
                None => None,
            };
            if app_type != Some("service") {
                return Ok(Outcome::skip("not a service app"));
            }
            let org = org_of(&app, options)?;
            let key = IdentityKey::new("okta", &org, id);
            let mut identity = Identity::new(
                key.clone(),
                "oauth_service_app",
                app.opt_str("label")?.unwrap_or(id),
            );
            identity.created_at = app.time("created")?;
            if app.opt_str("status")? != Some("ACTIVE") {
                identity.status = Status::Disabled;
            }
            let mut records = vec![Record::Identity(identity)];
            if let Some(o) = oauth
                && let Some(jwks) = o.obj("jwks")?
            {
                for (i, v) in jwks.arr("keys")?.iter().enumerate() {
                    let k = jwks.item("keys", i, v)?;
                    let kid = k
                        .opt_str("kid")?
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("jwk-{i}"));
                    let mut c = Credential::new(&key, &kid, "jwks_key");
                    c.active = k.opt_str("status")?.is_none_or(|s| s == "ACTIVE");
                    c.created_at = k.time("created")?;
                    records.push(Record::Credential(c));
                }
            }
            Ok(Outcome::records(records))
        })
    }
}

impl ListFormat for Apps<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.tally)
    }
}

/// `GET /api/v1/api-tokens`: each token is an identity with one credential. Okta gives no last
/// use, but `expiresAt` slides forward on each use: last use = `expiresAt - tokenWindow`, and a
/// token whose last use equals its creation was never used.
pub(crate) struct ApiTokens<'a> {
    em: Emitter<'a>,
}

impl<'a> ApiTokens<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        ApiTokens { em }
    }
}

impl ItemSink for ApiTokens<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &[]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let options = self.em.options;
        self.em.item(&path, &value, |t| {
            let id = t.str("id")?;
            // A token acts with its user's rights: every API token names its user.
            let user = t.str("userId")?;
            let org = org_of(&t, options)?;
            let key = IdentityKey::new("okta", &org, id);
            let mut identity =
                Identity::new(key.clone(), "api_token", t.opt_str("name")?.unwrap_or(id));
            identity.owner = Some(user.to_owned());
            identity.created_at = t.time("created")?;
            let expires = t.time("expiresAt")?;
            let window = match t.opt_str("tokenWindow")? {
                Some(w) => Some(parse_duration(w).ok_or_else(|| {
                    t.error("tokenWindow", format!("'{w}' is not an ISO 8601 duration"))
                })?),
                None => None,
            };
            let last_used = match (expires, window) {
                (Some(e), Some(w)) => e
                    .checked_sub_signed(w)
                    .filter(|u| Some(*u) > identity.created_at),
                _ => None,
            };
            identity.last_used_at = last_used;
            identity.usage_tracked = Some(window.is_some());
            let mut c = Credential::new(&key, id, "api_token");
            c.created_at = identity.created_at;
            c.expires_at = expires;
            c.last_used_at = last_used;
            c.usage_tracked = window.is_some();
            Ok(Outcome::records(vec![
                Record::Identity(identity),
                Record::Credential(c),
            ]))
        })
    }
}

impl ListFormat for ApiTokens<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.tally)
    }
}

/// `GET /api/v1/apps/{appId}/grants`: one grant per active record, `clientId` → `scopeId` on
/// the issuer. Each app's grants are one part of the family (`org:app:CLIENT`).
pub(crate) struct AppGrants<'a> {
    em: Emitter<'a>,
}

impl<'a> AppGrants<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        AppGrants { em }
    }
}

impl ItemSink for AppGrants<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &[]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let options = self.em.options;
        self.em.item(&path, &value, |g| {
            let client = g.str("clientId")?;
            let scope = g.str("scopeId")?;
            let issuer = g.str("issuer")?;
            let org = match host(issuer) {
                Some(h) => h.to_owned(),
                None => org_of(&g, options)?,
            };
            let part = format!("{org}:app:{client}");
            if g.opt_str("status")?.is_some_and(|s| s != "ACTIVE") {
                return Ok(Outcome::skip("revoked grant").in_part(part));
            }
            let key = IdentityKey::new("okta", &org, client);
            let mut grant = Grant::new(&key, scope, issuer, tier_of_scope(scope));
            grant.via = g
                .opt_str("source")?
                .map(|s| format!("{} consent", s.to_ascii_lowercase()));
            Ok(Outcome::records(vec![
                Record::Identity(Identity::reference(key, "oauth_service_app", client)),
                Record::Grant(grant),
            ])
            .in_part(part))
        })
    }
}

impl ListFormat for AppGrants<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.finish_parts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_scopes_hosts() {
        assert_eq!(parse_duration("P30D"), Some(Duration::days(30)));
        assert_eq!(parse_duration("PT12H"), Some(Duration::hours(12)));
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("30 days"), None);
        assert_eq!(
            parse_duration("P99999999999999D"),
            None,
            "out of range, no panic"
        );
        assert_eq!(parse_duration("P106751991167W"), None);
        assert_eq!(tier_of_scope("okta.roles.manage"), Tier::Admin);
        assert_eq!(tier_of_scope("okta.users.manage"), Tier::Write);
        assert_eq!(tier_of_scope("okta.users.read"), Tier::Read);
        assert_eq!(
            host("https://acme.okta.com/api/v1/apps/0oa1"),
            Some("acme.okta.com")
        );
    }
}
