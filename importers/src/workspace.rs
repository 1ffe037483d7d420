//! Google Workspace Directory `tokens.list`, one call per user: each third-party app is one
//! identity (deduplicated across users), each user×app token one credential, each scope one
//! grant with the user as grantor.

use serde_json::Value;

use crate::json::{Emitter, Outcome};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Tally, Tier};
use crate::stream::{ItemSink, Root};
use crate::{ImportError, ListFormat, Location};

/// Tier of a Google OAuth scope. Read-only scopes are read whatever they read (the Admin
/// SDK's `admin.directory.group.readonly` too); other `admin.*` scopes administer the domain.
pub fn tier_of_scope(scope: &str) -> Tier {
    if scope.ends_with(".readonly")
        || scope.ends_with(".read-only")
        || scope.ends_with("/userinfo.email")
        || scope.ends_with("/userinfo.profile")
        || matches!(scope, "openid" | "email" | "profile")
    {
        Tier::Read
    } else if scope.contains("/auth/admin.") {
        Tier::Admin
    } else if scope == "https://mail.google.com/"
        || scope.starts_with("https://www.googleapis.com/auth/")
    {
        Tier::Write
    } else {
        Tier::Unknown
    }
}

/// One user's token list. The customer domain is `--account` (default `workspace`). Each file
/// lists one user's tokens: the part `domain:user:KEY`. An app is one identity across users,
/// and each user's token is a credential held by that user.
pub(crate) struct Tokens<'a> {
    em: Emitter<'a>,
    domain: String,
    list_kind: Option<String>,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(mut em: Emitter<'a>) -> Self {
        let domain = match em.options.account.clone() {
            Some(d) => d,
            None => {
                em.tally.notes.push("tokens.list does not name the Workspace domain: recorded as 'workspace'; pass --account DOMAIN".into());
                "workspace".to_owned()
            }
        };
        Tokens {
            em,
            domain,
            list_kind: None,
        }
    }
}

impl ItemSink for Tokens<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["items"]
    }
    fn other(&mut self, key: &str, value: Value) -> Result<(), ImportError> {
        if key == "kind" {
            self.list_kind = value.as_str().map(str::to_owned);
        }
        Ok(())
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let domain = self.domain.clone();
        let domain = domain.as_str();
        self.em.item(&path, &value, |t| {
            let client = t.str("clientId")?;
            let user = t.id("userKey")?;
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
            let mut credential = Credential::new(&key, &format!("user:{user}"), "oauth_token");
            credential.holder = Some(format!("user:{user}"));
            let mut records = vec![Record::Identity(identity), Record::Credential(credential)];
            for scope in t.strings("scopes")? {
                let mut g = Grant::new(&key, scope, &format!("user:{user}"), tier_of_scope(scope));
                g.via = Some(format!("granted by user {user}"));
                records.push(Record::Grant(g));
            }
            Ok(Outcome::records(records).in_part(format!("{domain}:user:{user}")))
        })
    }
}

impl ListFormat for Tokens<'_> {
    fn list_optional(&self) -> bool {
        true
    }
    fn finish(self: Box<Self>, root: &Root) -> Result<Tally, ImportError> {
        // `items` is omitted when the user has no tokens: zero tokens, not an error, provided
        // the file says it is a token list.
        if root.list_key.is_none()
            && !root.array
            && self.list_kind.as_deref() != Some("admin#directory#tokenList")
        {
            return Err(ImportError::new(
                self.em.file(),
                Location::Path("$".into()),
                Some("kind"),
                "not a Workspace token list: expected 'items', or kind 'admin#directory#tokenList'",
            ));
        }
        Ok(self.em.finish_parts())
    }
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
        assert_eq!(
            tier_of_scope("https://www.googleapis.com/auth/admin.directory.group.readonly"),
            Tier::Read
        );
    }
}
