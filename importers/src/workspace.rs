//! Google Workspace Directory `tokens.list`, one call per user: each third-party app is one
//! identity (deduplicated across users), each user×app token one credential, each scope one
//! grant with the user as grantor.

use serde_json::Value;

use crate::json::{Outcome, each_item};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Sink, Tally, Tier};
use crate::{ImportError, ImportOptions, Location};

/// Tier of a Google OAuth scope.
pub fn tier_of_scope(scope: &str) -> Tier {
    if scope.contains("/auth/admin.") {
        Tier::Admin
    } else if scope.ends_with(".readonly")
        || scope.ends_with("/userinfo.email")
        || scope.ends_with("/userinfo.profile")
        || scope == "openid"
    {
        Tier::Read
    } else if scope == "https://mail.google.com/"
        || scope.starts_with("https://www.googleapis.com/auth/")
    {
        Tier::Write
    } else {
        Tier::Unknown
    }
}

/// Parse one user's token list. The customer domain is `--account` (default `workspace`).
pub fn tokens(
    root: &Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let file = options.file_name.as_str();
    let mut tally = Tally::default();
    let domain = match options.account.as_deref() {
        Some(d) => d,
        None => {
            tally.notes.push("tokens.list does not name the Workspace domain: recorded as 'workspace'; pass --account DOMAIN".into());
            "workspace"
        }
    };
    // `items` is omitted when the user has no tokens: zero tokens, not an error.
    let list = match root.get("items") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => {
            return Err(ImportError::new(
                file,
                Location::Path("$.items".into()),
                Some("items"),
                "expected a list",
            ));
        }
    };
    let mut scope = None;
    each_item(list, "$.items", options, sink, &mut tally, |t| {
        let client = t.str("clientId")?;
        let user = t.id("userKey")?;
        scope.get_or_insert_with(|| format!("user:{user}"));
        let anonymous = t.bool("anonymous")? == Some(true);
        let native = if anonymous {
            format!("anonymous:{user}:{client}")
        } else {
            client.to_owned()
        };
        let key = IdentityKey::new("workspace", domain, &native);
        let mut identity = Identity::new(
            key.clone(),
            "oauth_app",
            t.opt_str("displayText")?.unwrap_or(client),
        );
        identity.third_party = true;
        let credential = Credential::new(&key, &format!("user:{user}"), "oauth_token");
        let mut records = vec![Record::Identity(identity), Record::Credential(credential)];
        for scope in t.strings("scopes")? {
            let mut g = Grant::new(&key, scope, &format!("user:{user}"), tier_of_scope(scope));
            g.via = Some(format!("granted by user {user}"));
            records.push(Record::Grant(g));
        }
        Ok(Outcome::records(records))
    })?;
    tally.scope = scope;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_tiers() {
        assert_eq!(tier_of_scope("https://mail.google.com/"), Tier::Write);
        assert_eq!(
            tier_of_scope("https://www.googleapis.com/auth/admin.directory.user"),
            Tier::Admin
        );
        assert_eq!(
            tier_of_scope("https://www.googleapis.com/auth/drive.readonly"),
            Tier::Read
        );
        assert_eq!(
            tier_of_scope("https://www.googleapis.com/auth/drive"),
            Tier::Write
        );
    }
}
