//! Google Cloud: service accounts, their keys, a project's IAM policy, and downloaded key files.
//! Service accounts are keyed by email (what keys and policies name them by) in their project.

use serde_json::Value;

use crate::json::{Emitter, Field, Obj, Outcome};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Status, Tally, Tier};
use crate::stream::{ItemSink, Root};
use crate::{ImportError, ListFormat};

/// Google's "never expires" validBeforeTime.
const NEVER: &str = "9999-12-31T23:59:59Z";

/// Project of a service-account email (`name@PROJECT.iam.gserviceaccount.com`).
pub fn project_of_email(email: &str) -> Option<&str> {
    let domain = email.split_once('@')?.1;
    domain.strip_suffix(".iam.gserviceaccount.com")
}

/// Owner hint from a free-text description: `owner: x`, `Owner=x`.
fn owner_hint(description: &str) -> Option<String> {
    let lower = description.to_ascii_lowercase();
    let at = lower.find("owner")?;
    let rest = description[at + 5..].trim_start_matches([':', '=', ' ']);
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',' && *c != ';')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Tier of a GCP role: owner and IAM administration are admin; other predefined roles are
/// write unless they only view; custom roles are unknown.
pub fn tier_of_role(role: &str) -> Tier {
    let Some(name) = role.strip_prefix("roles/") else {
        return Tier::Unknown;
    };
    // Impersonating a service account is holding its access: like AWS PassRole, admin.
    if name == "owner"
        || matches!(
            name,
            "iam.serviceAccountTokenCreator"
                | "iam.serviceAccountUser"
                | "iam.workloadIdentityUser"
        )
        || (name.starts_with("iam.") && name.ends_with("Admin"))
        || name.ends_with("IamAdmin")
        || name == "resourcemanager.organizationAdmin"
    {
        return Tier::Admin;
    }
    let lower = name.to_ascii_lowercase();
    if name == "viewer"
        || ["viewer", "reader", "reviewer", "browser", ".list", "getter"]
            .iter()
            .any(|s| lower.ends_with(s))
    {
        return Tier::Read;
    }
    Tier::Write
}

fn sa_key(project: &str, email: &str) -> IdentityKey {
    IdentityKey::new("gcp", project, email)
}

/// `gcloud iam service-accounts list --format=json` (bare array or REST `{"accounts": […]}`).
pub(crate) struct ServiceAccounts<'a> {
    em: Emitter<'a>,
}

impl<'a> ServiceAccounts<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        ServiceAccounts { em }
    }
}

impl ItemSink for ServiceAccounts<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["accounts"]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        self.em.item(&path, &value, |sa| {
            let email = sa.str("email")?;
            let project = match sa.opt_str("projectId")? {
                Some(p) => p,
                None => project_of_email(email).ok_or_else(|| {
                    sa.error("projectId", "missing, and the email names no project")
                })?,
            };
            let name = sa.opt_str("displayName")?.unwrap_or(email);
            let mut identity = Identity::new(sa_key(project, email), "service_account", name);
            if sa.bool("disabled")? == Some(true) {
                identity.status = Status::Disabled;
            }
            identity.owner = sa.opt_str("description")?.and_then(owner_hint);
            Ok(Outcome::records(vec![Record::Identity(identity)]))
        })
    }
}

impl ListFormat for ServiceAccounts<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.tally)
    }
}

/// Project, service-account email and key id from a key's resource name.
fn parse_key_name(name: &str) -> Option<(&str, &str, &str)> {
    let rest = name.strip_prefix("projects/")?;
    let (project, rest) = rest.split_once("/serviceAccounts/")?;
    let (email, key_id) = rest.split_once("/keys/")?;
    let project = if project == "-" {
        project_of_email(email)?
    } else {
        project
    };
    Some((project, email, key_id))
}

/// `gcloud iam service-accounts keys list --iam-account=SA --format=json`: each file lists one
/// service account's keys (the part `project:email`), so a newer list of one account's keys
/// never marks another account's keys gone.
pub(crate) struct Keys<'a> {
    em: Emitter<'a>,
}

impl<'a> Keys<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        Keys { em }
    }
}

impl ItemSink for Keys<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["keys"]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let account = self.em.options.account.clone();
        self.em.item(&path, &value, |k| {
            let name = k.str("name")?;
            let (project, email, key_id) = match parse_key_name(name) {
                Some(parts) => parts,
                None => {
                    // A key named by id alone: the service account must come from --account.
                    let email = account.as_deref().ok_or_else(|| {
                        k.error(
                            "name",
                            "names no service account; pass --account SERVICE_ACCOUNT_EMAIL",
                        )
                    })?;
                    let project = project_of_email(email)
                        .ok_or_else(|| k.error("name", "cannot tell the project"))?;
                    (project, email, name.rsplit('/').next().unwrap_or(name))
                }
            };
            let key = sa_key(project, email);
            let mut c = Credential::new(&key, key_id, "sa_key");
            c.created_at = k.time("validAfterTime")?;
            c.expires_at = match k.opt_str("validBeforeTime")? {
                Some(NEVER) | None => None,
                Some(_) => k.time("validBeforeTime")?,
            };
            c.active = k.bool("disabled")? != Some(true);
            c.platform_managed = k.opt_str("keyType")? == Some("SYSTEM_MANAGED");
            if let Some(reason) = k.opt_str("disableReason")?
                && reason.contains("EXPOSED")
            {
                c.kind = "sa_key (exposed)".into();
            }
            let identity = Identity::reference(key, "service_account", email);
            Ok(
                Outcome::records(vec![Record::Identity(identity), Record::Credential(c)])
                    .in_part(format!("{project}:{email}")),
            )
        })
    }
}

impl ListFormat for Keys<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.finish_parts())
    }
}

/// What an IAM policy member is.
enum Member<'a> {
    ServiceAccount(&'a str),
    ServiceAgent(&'a str),
    Deleted(&'a str),
    Federated(&'a str),
    Person,
    Other(&'static str),
}

/// Whether a service-account email is one of Google's service agents, which act for a Google
/// service inside the project and live in Google's domains, not the project's:
/// `service-<project number>@<service>.iam.gserviceaccount.com` for every service
/// (`gcp-sa-pubsub`, `container-engine-robot`, `compute-system`, …),
/// `<project number>@cloudservices.gserviceaccount.com`, and the older `gcp-sa-` and
/// Container Registry ones. The domain of such an email names the service, never a project.
fn is_service_agent(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (local.strip_prefix("service-").is_some_and(number) && domain.ends_with(".gserviceaccount.com"))
        || (number(local) && domain == "cloudservices.gserviceaccount.com")
        || domain.starts_with("gcp-sa-")
        || domain == "containerregistry.iam.gserviceaccount.com"
}

fn member(m: &str) -> Member<'_> {
    if let Some(email) = m.strip_prefix("serviceAccount:") {
        if is_service_agent(email) {
            Member::ServiceAgent(email)
        } else {
            Member::ServiceAccount(email)
        }
    } else if m.starts_with("deleted:serviceAccount:") {
        Member::Deleted(m)
    } else if m.starts_with("principal://") || m.starts_with("principalSet://") {
        Member::Federated(m)
    } else if m.starts_with("user:") || m.starts_with("deleted:user:") {
        Member::Person
    } else if m.starts_with("group:") || m.starts_with("deleted:group:") {
        Member::Other("group")
    } else if m.starts_with("domain:") {
        Member::Other("domain")
    } else {
        Member::Other("public or other member")
    }
}

/// `gcloud projects get-iam-policy PROJECT --format=json`: one grant per (member, role,
/// condition). The policy does not name its project, so `--account PROJECT` must. Read whole:
/// Google caps a policy at 64 KB.
pub fn iam_policy(root: &Value, em: &mut Emitter) -> Result<(), ImportError> {
    let file = em.file().to_owned();
    let project = match em.options.account.as_deref() {
        Some(p) => p.to_owned(),
        None => {
            let guess = policy_project(root);
            let project = guess
                .as_ref()
                .map_or_else(|| "unnamed-project".to_owned(), |g| g.project.clone());
            em.tally.notes.push(match guess {
                Some(g) if g.others == 0 => format!("the policy does not name its project: '{project}' is the project of its service-account members; pass --account PROJECT_ID if that is wrong"),
                Some(g) => format!("the policy does not name its project: '{project}' is the project of most of its service-account members ({} of {}; the others are from other projects); pass --account PROJECT_ID if that is wrong", g.members, g.members + g.others),
                None => format!("the policy does not name its project: recorded as '{project}'; pass --account PROJECT_ID"),
            });
            project
        }
    };
    let project = project.as_str();
    let resource = format!("projects/{project}");
    let bindings = match root.get("bindings") {
        Some(Value::Array(b)) => b.as_slice(),
        Some(other) => {
            return Err(ImportError::new(
                &file,
                crate::Location::Path("$.bindings".into()),
                Some("bindings"),
                format!("expected a list, found {}", crate::json::kind(other)),
            ));
        }
        None => {
            return Err(ImportError::new(
                &file,
                crate::Location::Path("$".into()),
                Some("bindings"),
                "missing: an IAM policy lists its role bindings in 'bindings'",
            ));
        }
    };
    for (b, binding) in bindings.iter().enumerate() {
        let path = format!("$.bindings[{b}]");
        let members = binding
            .get("members")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (i, m) in members.iter().enumerate() {
            let pair = serde_json::json!({"member": m, "role": binding.get("role"), "condition": binding.get("condition")});
            em.item(&format!("{path}.members[{i}]"), &pair, |pair| {
                let role = pair.str("role")?;
                let m = pair.str("member")?;
                let condition = match pair.obj("condition")? {
                    Some(c) => {
                        let title = c.opt_str("title")?.unwrap_or("");
                        let expr = c.opt_str("expression")?.unwrap_or("");
                        Some(format!("{title}: {expr}"))
                    }
                    None => None,
                };
                let (identity, key) = match member(m) {
                    Member::Person => return Ok(Outcome::person()),
                    Member::Other(reason) => return Ok(Outcome::skip(reason)),
                    Member::ServiceAccount(email) => {
                        let key = sa_key(project_of_email(email).unwrap_or(project), email);
                        (
                            Identity::reference(key.clone(), "service_account", email),
                            key,
                        )
                    }
                    Member::ServiceAgent(email) => {
                        let key = sa_key(project, email);
                        (Identity::new(key.clone(), "service_agent", email), key)
                    }
                    Member::Deleted(raw) => {
                        let key = sa_key(project, raw);
                        let mut i = Identity::new(key.clone(), "deleted_service_account", raw);
                        i.status = Status::Disabled;
                        (i, key)
                    }
                    Member::Federated(raw) => {
                        let key = sa_key(project, raw);
                        (Identity::new(key.clone(), "federated_principal", raw), key)
                    }
                };
                let mut grant = Grant::new(&key, role, &resource, tier_of_role(role));
                grant.condition = condition;
                // Grants of this project's policy, whichever project a member lives in.
                Ok(
                    Outcome::records(vec![Record::Identity(identity), Record::Grant(grant)])
                        .in_part(project.to_owned()),
                )
            })?;
        }
    }
    em.meet(project)
}

/// The project a policy most likely belongs to, told by its user-managed service accounts.
struct ProjectGuess {
    project: String,
    /// Distinct service accounts of that project among the members.
    members: usize,
    /// Distinct service accounts of other projects (granted across projects).
    others: usize,
}

/// The project of most of the distinct user-managed service accounts the policy names (an
/// account may be granted roles in other projects, so one project need not be the only one);
/// `None` when there are none or two projects tie.
fn policy_project(root: &Value) -> Option<ProjectGuess> {
    let mut accounts: Vec<(&str, &str)> = root
        .get("bindings")?
        .as_array()?
        .iter()
        .filter_map(|b| b.get("members")?.as_array())
        .flatten()
        .filter_map(|m| match member(m.as_str()?) {
            Member::ServiceAccount(email) => Some((project_of_email(email)?, email)),
            _ => None,
        })
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for chunk in accounts.chunk_by(|a, b| a.0 == b.0) {
        counts.push((chunk[0].0, chunk.len()));
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    match counts.as_slice() {
        [] => None,
        [(_, a), (_, b), ..] if a == b => None,
        [(project, n), ..] => Some(ProjectGuess {
            project: (*project).to_owned(),
            members: *n,
            others: accounts.len() - n,
        }),
    }
}

/// A downloaded key file: one identity and one credential; `private_key` is dropped unread. The
/// file names the key but does not list the account's keys, so its credential is a reference:
/// it never overwrites what a keys list said (dates, disabled, exposed) nor claims the key.
pub fn key_file(root: &Value, em: &mut Emitter) -> Result<(), ImportError> {
    em.item("$", root, |f: Obj| -> Field<Outcome> {
        let email = f.str("client_email")?;
        let key_id = f.str("private_key_id")?;
        let project = match f.opt_str("project_id")? {
            Some(p) => p,
            None => project_of_email(email).ok_or_else(|| f.error("project_id", "missing"))?,
        };
        let key = sa_key(project, email);
        let mut credential = Credential::new(&key, key_id, "sa_key");
        credential.reference_only = true;
        let mut out = Outcome::records(vec![
            Record::Identity(Identity::reference(key, "service_account", email)),
            Record::Credential(credential),
        ])
        .in_part(format!("{project}:{email}/{key_id}"));
        if f.get("private_key").is_some() {
            out.secrets.push("private_key");
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_tiers() {
        assert_eq!(tier_of_role("roles/owner"), Tier::Admin);
        assert_eq!(
            tier_of_role("roles/resourcemanager.projectIamAdmin"),
            Tier::Admin
        );
        assert_eq!(tier_of_role("roles/iam.serviceAccountAdmin"), Tier::Admin);
        assert_eq!(tier_of_role("roles/editor"), Tier::Write);
        assert_eq!(tier_of_role("roles/storage.admin"), Tier::Write);
        assert_eq!(tier_of_role("roles/bigquery.dataEditor"), Tier::Write);
        assert_eq!(tier_of_role("roles/viewer"), Tier::Read);
        assert_eq!(tier_of_role("roles/storage.objectViewer"), Tier::Read);
        assert_eq!(
            tier_of_role("projects/p/roles/customDeployer"),
            Tier::Unknown
        );
    }

    #[test]
    fn key_names_and_owner_hints() {
        assert_eq!(
            parse_key_name(
                "projects/-/serviceAccounts/ci@acme-prod.iam.gserviceaccount.com/keys/abc"
            ),
            Some(("acme-prod", "ci@acme-prod.iam.gserviceaccount.com", "abc"))
        );
        assert_eq!(
            owner_hint("Runs ETL. Owner: data-team@example.com"),
            Some("data-team@example.com".into())
        );
        assert_eq!(owner_hint("no hint here"), None);
    }
}
