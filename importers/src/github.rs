//! GitHub: org app installations, fine-grained personal access tokens, deploy keys.

use serde_json::{Map, Value};

use crate::json::{Emitter, Field, Obj, Outcome};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Status, Tally, Tier};
use crate::stream::{ItemSink, Root};
use crate::{ImportError, ListFormat};

/// Tier of one GitHub permission at a level.
pub fn tier_of(permission: &str, level: &str) -> Tier {
    match level {
        "admin" => Tier::Admin,
        "write" if matches!(permission, "administration" | "organization_administration") => {
            Tier::Admin
        }
        "write" => Tier::Write,
        "read" => Tier::Read,
        _ => Tier::Unknown,
    }
}

fn permission_grants(
    key: &IdentityKey,
    obj: &Obj,
    map: &Map<String, Value>,
    resource: &str,
    prefix: &str,
) -> Field<Vec<Record>> {
    let mut out = Vec::new();
    for (name, level) in map {
        let level = level
            .as_str()
            .ok_or_else(|| obj.error(name, "expected read, write or admin"))?;
        let permission = if prefix.is_empty() {
            format!("{name}:{level}")
        } else {
            format!("{prefix}.{name}:{level}")
        };
        out.push(Record::Grant(Grant::new(
            key,
            &permission,
            resource,
            tier_of(name, level),
        )));
    }
    Ok(out)
}

/// The organisation id in a PAT record's `repositories_url` (`…/organizations/ID/…`).
fn org_id(t: &Value) -> Option<String> {
    let url = t.get("repositories_url")?.as_str()?;
    let rest = url.split("/organizations/").nth(1)?;
    rest.split('/')
        .next()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// `GET /orgs/{org}/installations`: one identity per installation, one grant per permission.
pub(crate) struct Installations<'a> {
    em: Emitter<'a>,
}

impl<'a> Installations<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        Installations { em }
    }
}

impl ItemSink for Installations<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["installations"]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let account = self.em.options.account.clone();
        self.em.item(&path, &value, |inst| {
            let id = inst.id("id")?;
            let org = match inst.obj("account")? {
                Some(a) => a.str("login")?.to_owned(),
                None => account
                    .clone()
                    .ok_or_else(|| inst.error("account", "missing; pass --account ORG"))?,
            };
            let slug = inst.opt_str("app_slug")?.unwrap_or("app");
            let key = IdentityKey::new("github", &org, &format!("installation:{id}"));
            let mut identity = Identity::new(key.clone(), "github_app", slug);
            identity.created_at = inst.time("created_at")?;
            if inst.opt_str("suspended_at")?.is_some() {
                identity.status = Status::Disabled;
            }
            let resource = match inst.opt_str("repository_selection")? {
                Some("selected") => format!("{org} (selected repositories)"),
                _ => format!("{org} (all repositories)"),
            };
            let mut records = vec![Record::Identity(identity)];
            if let Some(perms) = inst.map("permissions")? {
                records.extend(permission_grants(&key, &inst, perms, &resource, "")?);
            }
            Ok(Outcome::records(records))
        })
    }
}

impl ListFormat for Installations<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.tally)
    }
}

/// Tokens held back (at most) until one names the organisation, when `--account` does not.
const ORG_WINDOW_ITEMS: usize = 2000;

/// `GET /orgs/{org}/personal-access-tokens`: each token is an identity with one credential;
/// every entry of its three permission maps is a grant. The organisation is `--account`, else
/// `org-<id>` from the records' `repositories_url` (said out loud).
pub(crate) struct PersonalAccessTokens<'a> {
    em: Emitter<'a>,
    org: Option<String>,
    window: Vec<(String, Value)>,
}

impl<'a> PersonalAccessTokens<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        let org = em.options.account.clone();
        PersonalAccessTokens {
            em,
            org,
            window: Vec::new(),
        }
    }

    fn settle(&mut self, id: Option<String>) -> Result<(), ImportError> {
        let org = id.map_or_else(|| "unnamed-org".to_owned(), |id| format!("org-{id}"));
        self.em.tally.notes.push(format!("the export names its organisation by number only: recorded as '{org}'; pass --account ORG to use its name"));
        self.org = Some(org);
        for (path, value) in std::mem::take(&mut self.window) {
            self.import(&path, &value)?;
        }
        Ok(())
    }

    fn import(&mut self, path: &str, value: &Value) -> Result<(), ImportError> {
        let org = self.org.clone().unwrap_or_default();
        let org = org.as_str();
        self.em.item(path, value, |t| {
            let grant_id = t.id("id")?;
            let token_id = t.id("token_id")?;
            let name = t.opt_str("token_name")?.unwrap_or("unnamed token");
            let key = IdentityKey::new("github", org, &format!("pat:{grant_id}"));
            let mut identity = Identity::new(key.clone(), "pat", name);
            identity.owner = t
                .obj("owner")?
                .map(|o| o.str("login").map(str::to_owned))
                .transpose()?;
            identity.created_at = t.time("access_granted_at")?;
            identity.last_used_at = t.time("token_last_used_at")?;
            identity.usage_tracked = Some(true);
            let expired = t.bool("token_expired")? == Some(true);
            if expired {
                identity.status = Status::Disabled;
            }
            let mut c = Credential::new(&key, &token_id, "fine_grained_pat");
            c.created_at = identity.created_at;
            c.last_used_at = identity.last_used_at;
            c.usage_tracked = true;
            c.expires_at = t.time("token_expires_at")?;
            c.active = !expired;
            let resource = match t.opt_str("repository_selection")? {
                Some("all") => format!("{org} (all repositories)"),
                Some("subset") => format!("{org} (selected repositories)"),
                _ => format!("{org} (no repositories)"),
            };
            let mut records = vec![Record::Identity(identity), Record::Credential(c)];
            if let Some(perms) = t.obj("permissions")? {
                for group in ["organization", "repository", "other"] {
                    if let Some(map) = perms.map(group)? {
                        let res = if group == "organization" {
                            org.to_owned()
                        } else {
                            resource.clone()
                        };
                        records.extend(permission_grants(&key, &perms, map, &res, group)?);
                    }
                }
            }
            Ok(Outcome::records(records))
        })
    }
}

impl ItemSink for PersonalAccessTokens<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &[]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        if self.org.is_some() {
            return self.import(&path, &value);
        }
        let id = org_id(&value);
        self.window.push((path, value));
        if id.is_some() || self.window.len() >= ORG_WINDOW_ITEMS {
            self.settle(id)?;
        }
        Ok(())
    }
}

impl ListFormat for PersonalAccessTokens<'_> {
    fn finish(mut self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        if self.org.is_none() {
            self.settle(None)?;
        }
        Ok(self.em.tally)
    }
}

/// `owner/repo` from a deploy key's API url (`…/repos/{owner}/{repo}/keys/{id}`).
fn repo_of_url(url: &str) -> Option<String> {
    let rest = url.split("/repos/").nth(1)?;
    let mut parts = rest.split('/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    Some(format!("{owner}/{repo}"))
}

/// `GET /repos/{owner}/{repo}/keys`: each key is an identity, a credential and one grant on the
/// repository (write unless read-only). The repository comes from the key's `url`, else from
/// `--account OWNER/REPO`; each repository's keys are one part of the family.
pub(crate) struct DeployKeys<'a> {
    em: Emitter<'a>,
}

impl<'a> DeployKeys<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        DeployKeys { em }
    }
}

impl ItemSink for DeployKeys<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &[]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let account = self.em.options.account.clone();
        self.em.item(&path, &value, |k| {
            let id = k.id("id")?;
            let repo = match k.opt_str("url")?.and_then(repo_of_url) {
                Some(r) => r,
                None => account.clone().ok_or_else(|| {
                    k.error("url", "names no repository; pass --account OWNER/REPO")
                })?,
            };
            let owner = repo.split('/').next().unwrap_or(&repo).to_owned();
            let title = k.opt_str("title")?.unwrap_or("deploy key");
            let key = IdentityKey::new("github", &owner, &format!("deploy_key:{repo}/{id}"));
            let mut identity =
                Identity::new(key.clone(), "deploy_key", &format!("{title} ({repo})"));
            identity.created_at = k.time("created_at")?;
            // Newer API versions carry `last_used` (null = never); older ones do not track use.
            let has_last_used = k.map_has("last_used");
            identity.last_used_at = k.time("last_used")?;
            identity.usage_tracked = Some(has_last_used);
            identity.owner = k.opt_str("added_by")?.map(str::to_owned);
            let enabled = k.bool("enabled")? != Some(false);
            if !enabled {
                identity.status = Status::Disabled;
            }
            let mut c = Credential::new(&key, &id, "deploy_key");
            c.created_at = identity.created_at;
            c.last_used_at = identity.last_used_at;
            c.usage_tracked = has_last_used;
            c.active = enabled;
            let read_only = k.bool("read_only")?.unwrap_or(true);
            let (permission, tier) = if read_only {
                ("contents:read", Tier::Read)
            } else {
                ("contents:write", Tier::Write)
            };
            let grant = Grant::new(&key, permission, &repo, tier);
            Ok(Outcome::records(vec![
                Record::Identity(identity),
                Record::Credential(c),
                Record::Grant(grant),
            ])
            .in_part(format!("{owner}:repo:{repo}")))
        })
    }
}

impl ListFormat for DeployKeys<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.finish_parts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_repos() {
        assert_eq!(tier_of("administration", "write"), Tier::Admin);
        assert_eq!(tier_of("contents", "write"), Tier::Write);
        assert_eq!(tier_of("metadata", "read"), Tier::Read);
        assert_eq!(
            repo_of_url("https://api.github.com/repos/acme/web/keys/7"),
            Some("acme/web".into())
        );
    }
}
