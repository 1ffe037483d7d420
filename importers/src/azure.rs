//! Microsoft Entra ID and Azure: service principals (with their credentials), role assignments
//! and delegated OAuth2 permission grants. Principals are keyed by object id in the tenant.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::json::{Emitter, Outcome};
use crate::model::{
    ANY_ACCOUNT, Credential, Grant, Identity, IdentityKey, Record, Status, Tally, Tier,
};
use crate::stream::{ItemSink, Root};
use crate::{ImportError, ListFormat};

/// Microsoft's own tenant: principals it owns are first-party and not reviewed here.
pub const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// Built-in role names of the GUIDs that outlive a deleted role's name.
const BUILT_IN_ROLES: &[(&str, &str)] = &[
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
    ),
    (
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        "Storage Blob Data Contributor",
    ),
];

/// Tier of an Azure RBAC role by name.
pub fn tier_of_role(name: &str) -> Tier {
    match name {
        "Owner" | "User Access Administrator" | "Role Based Access Control Administrator" => {
            Tier::Admin
        }
        n if n.ends_with("Contributor") => Tier::Write,
        n if n.ends_with("Reader") || n.ends_with("Viewer") => Tier::Read,
        _ => Tier::Unknown,
    }
}

/// Tier of a delegated Microsoft Graph scope.
pub fn tier_of_scope(scope: &str) -> Tier {
    if matches!(
        scope,
        "Directory.ReadWrite.All" | "Application.ReadWrite.All"
    ) || scope.starts_with("RoleManagement.ReadWrite")
    {
        Tier::Admin
    } else if scope.contains(".ReadWrite") || scope == "Mail.Send" {
        Tier::Write
    } else if scope.contains(".Read")
        || matches!(scope, "openid" | "profile" | "email" | "offline_access")
    {
        Tier::Read
    } else {
        Tier::Unknown
    }
}

/// How many service principals are held back to tell the tenant when `--account` is not
/// given, and at most how many bytes of them: the tenant that owns most of them is taken.
const TENANT_WINDOW_ITEMS: usize = 2000;
const TENANT_WINDOW_BYTES: u64 = 8 * 1024 * 1024;

/// `az ad sp list --all` (bare array, or Graph's `{"value": […]}`). The export never names your
/// tenant: `--account`, else the tenant that owns most of the non-Microsoft apps among the first
/// ones read (said out loud in the notes).
pub(crate) struct ServicePrincipals<'a> {
    em: Emitter<'a>,
    tenant: Option<String>,
    window: Vec<(String, Value)>,
    window_bytes: u64,
    window_full: bool,
}

impl<'a> ServicePrincipals<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let em = em.unique();
        let tenant = em.options.account.clone();
        ServicePrincipals {
            em,
            tenant,
            window: Vec::new(),
            window_bytes: 0,
            window_full: false,
        }
    }

    /// Decide the tenant from the items held back, then import them.
    fn settle(&mut self) -> Result<(), ImportError> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, sp) in &self.window {
            if let Some(org) = sp.get("appOwnerOrganizationId").and_then(Value::as_str)
                && org != MICROSOFT_TENANT
            {
                *counts.entry(org).or_default() += 1;
            }
        }
        let best = counts
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(t, _)| (*t).to_owned());
        let tenant = best.clone().unwrap_or_else(|| "unnamed-tenant".to_owned());
        let among = if self.window_full {
            format!(" among the first {} service principals", self.window.len())
        } else {
            String::new()
        };
        self.em.tally.notes.push(match best {
            Some(_) => format!("the export does not name your tenant: '{tenant}' owns most of its apps{among} and is taken as yours (apps of other tenants are third-party); pass --account TENANT_ID if that is wrong"),
            None => format!("the export does not name your tenant: recorded as '{tenant}'; pass --account TENANT_ID"),
        });
        self.tenant = Some(tenant);
        for (path, value) in std::mem::take(&mut self.window) {
            self.import(&path, &value)?;
        }
        Ok(())
    }

    fn import(&mut self, path: &str, value: &Value) -> Result<(), ImportError> {
        let tenant = self.tenant.clone().unwrap_or_default();
        let tenant = tenant.as_str();
        self.em.item(path, value, |sp| {
            let owner_org = sp.opt_str("appOwnerOrganizationId")?;
            let id = sp.str("id")?;
            if owner_org == Some(MICROSOFT_TENANT) {
                return Ok(Outcome::skip("Microsoft first-party"));
            }
            let name = sp.opt_str("displayName")?.unwrap_or(id);
            let sp_type = sp.opt_str("servicePrincipalType")?.unwrap_or("Application");
            let managed = sp_type == "ManagedIdentity";
            let kind = match sp_type {
                "ManagedIdentity" => "managed_identity",
                "Legacy" => "service_principal_legacy",
                _ => "service_principal",
            };
            let key = IdentityKey::new("azure", tenant, id);
            let mut identity = Identity::new(key.clone(), kind, name);
            identity.created_at = sp.time("createdDateTime")?;
            if sp.bool("accountEnabled")? == Some(false) {
                identity.status = Status::Disabled;
            }
            identity.third_party = owner_org.is_some_and(|o| !o.eq_ignore_ascii_case(tenant));
            identity.owner = sp
                .opt_str("notes")?
                .and_then(|n| n.strip_prefix("Owner: ").map(str::to_owned));

            // Credentials, grouped so that SAML signing (Sign + Verify key + password sharing
            // one customKeyIdentifier, password keyId = Sign keyId) counts once.
            let mut groups: BTreeMap<String, Credential> = BTreeMap::new();
            let mut group_of_key: BTreeMap<String, String> = BTreeMap::new();
            let mut secrets = Vec::new();
            for (field, kind) in [
                ("keyCredentials", "certificate"),
                ("passwordCredentials", "client_secret"),
            ] {
                for (i, v) in sp.arr(field)?.iter().enumerate() {
                    let c = sp.item(field, i, v)?;
                    let key_id = c.str("keyId")?;
                    if c.opt_str("secretText")?.is_some() {
                        secrets.push("secretText");
                    }
                    let custom = c.opt_str("customKeyIdentifier")?;
                    let group = custom
                        .map(|k| format!("cki:{k}"))
                        .or_else(|| group_of_key.get(key_id).cloned())
                        .unwrap_or_else(|| format!("key:{key_id}"));
                    group_of_key.insert(key_id.to_owned(), group.clone());
                    let start = c.time("startDateTime")?;
                    let end = c.time("endDateTime")?;
                    let usage = c.opt_str("usage")?;
                    let entry = groups.entry(group).or_insert_with(|| {
                        let mut cred = Credential::new(&key, key_id, kind);
                        cred.created_at = start;
                        cred.expires_at = end;
                        cred.platform_managed = managed;
                        cred
                    });
                    if custom.is_some() && (usage == Some("Sign") || entry.kind != kind) && !managed
                    {
                        entry.kind = "saml_signing".into();
                    }
                    if usage == Some("Sign") {
                        entry.native_id = key_id.to_owned();
                    }
                }
            }
            let mut out = Outcome::records(
                std::iter::once(Record::Identity(identity))
                    .chain(groups.into_values().map(Record::Credential))
                    .collect(),
            );
            out.secrets = secrets;
            Ok(out)
        })
    }
}

impl ItemSink for ServicePrincipals<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["value"]
    }
    fn item(&mut self, path: String, value: Value, bytes: u64) -> Result<(), ImportError> {
        if self.tenant.is_some() {
            return self.import(&path, &value);
        }
        self.window_bytes += bytes;
        self.window.push((path, value));
        if self.window.len() >= TENANT_WINDOW_ITEMS || self.window_bytes >= TENANT_WINDOW_BYTES {
            self.window_full = true;
            self.settle()?;
        }
        Ok(())
    }
}

impl ListFormat for ServicePrincipals<'_> {
    fn finish(mut self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        if self.tenant.is_none() {
            self.settle()?;
        }
        Ok(self.em.tally)
    }
}

/// The subscription of an ARM scope (`/subscriptions/ID/…`), lower-cased; `None` above
/// subscriptions (`/`, management groups).
fn subscription_of(scope: &str) -> Option<String> {
    let rest = scope
        .strip_prefix("/subscriptions/")
        .or_else(|| scope.strip_prefix("/Subscriptions/"))?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then(|| id.to_ascii_lowercase())
}

/// The tenant `--account` names, else any: principals are then matched by their id alone.
fn tenant_or_any(options: &crate::ImportOptions) -> String {
    options
        .account
        .clone()
        .unwrap_or_else(|| ANY_ACCOUNT.to_owned())
}

/// `az role assignment list --all --include-inherited`: one grant per assignment to a service
/// principal (managed identities included); users and groups are counted, not imported. One
/// file lists one subscription (and the assignments it inherits from above), so each
/// subscription is a part of the family: a newer file of one subscription never marks another
/// subscription's assignments gone.
pub(crate) struct RoleAssignments<'a> {
    em: Emitter<'a>,
}

impl<'a> RoleAssignments<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        RoleAssignments { em }
    }
}

impl ItemSink for RoleAssignments<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["value"]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let account = tenant_or_any(self.em.options);
        self.em.item(&path, &value, |a| {
            let principal_type = a.str("principalType")?;
            let scope = a.str("scope")?;
            let part = format!(
                "{account}:{}",
                subscription_of(scope).unwrap_or_else(|| "above-subscriptions".to_owned())
            );
            match principal_type {
                "ServicePrincipal" => {}
                "User" => return Ok(Outcome::person().in_part(part)),
                "Group" => return Ok(Outcome::skip("group").in_part(part)),
                _ => return Ok(Outcome::skip("other principal type").in_part(part)),
            }
            let principal = a.str("principalId")?;
            let role_id = a.str("roleDefinitionId")?;
            let guid = role_id.rsplit('/').next().unwrap_or(role_id);
            let role = match a.opt_str("roleDefinitionName")? {
                Some(n) => n.to_owned(),
                None => BUILT_IN_ROLES
                    .iter()
                    .find(|(g, _)| *g == guid)
                    .map(|(_, n)| (*n).to_owned())
                    .unwrap_or_else(|| format!("role {guid} (deleted or custom)")),
            };
            let orphaned = a.opt_str("principalName")?.is_none();
            let key = IdentityKey::new("azure", &account, principal);
            let identity = if orphaned {
                let mut i = Identity::new(
                    key.clone(),
                    "orphaned_principal",
                    &format!("deleted principal {principal}"),
                );
                i.status = Status::Disabled;
                i
            } else {
                Identity::reference(
                    key.clone(),
                    "service_principal",
                    a.opt_str("principalName")?.unwrap_or(principal),
                )
            };
            let mut grant = Grant::new(&key, &role, scope, tier_of_role(&role));
            grant.condition = a.opt_str("condition")?.map(str::to_owned);
            Ok(
                Outcome::records(vec![Record::Identity(identity), Record::Grant(grant)])
                    .in_part(part),
            )
        })
    }
}

impl ListFormat for RoleAssignments<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.finish_parts())
    }
}

/// Graph `oauth2PermissionGrants`: each whitespace-separated scope is one delegated grant of the
/// client service principal on the resource service principal.
pub(crate) struct Oauth2Grants<'a> {
    em: Emitter<'a>,
}

impl<'a> Oauth2Grants<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        Oauth2Grants { em }
    }
}

impl ItemSink for Oauth2Grants<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["value"]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let account = tenant_or_any(self.em.options);
        self.em.item(&path, &value, |g| {
            let client = g.str("clientId")?;
            let resource = g.str("resourceId")?;
            let scopes: Vec<&str> = g
                .opt_str("scope")?
                .unwrap_or("")
                .split_whitespace()
                .collect();
            if scopes.is_empty() {
                return Ok(Outcome::skip("empty scope"));
            }
            let via = match g.opt_str("consentType")? {
                Some("Principal") => {
                    format!("user consent: {}", g.opt_str("principalId")?.unwrap_or("?"))
                }
                _ => "admin consent".to_owned(),
            };
            let key = IdentityKey::new("azure", &account, client);
            let mut records = vec![Record::Identity(Identity::reference(
                key.clone(),
                "service_principal",
                client,
            ))];
            for scope in scopes {
                let mut grant = Grant::new(
                    &key,
                    scope,
                    &format!("service principal {resource}"),
                    tier_of_scope(scope),
                );
                grant.via = Some(via.clone());
                records.push(Record::Grant(grant));
            }
            Ok(Outcome::records(records))
        })
    }
}

impl ListFormat for Oauth2Grants<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.tally)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers() {
        assert_eq!(tier_of_role("Owner"), Tier::Admin);
        assert_eq!(tier_of_role("Storage Blob Data Contributor"), Tier::Write);
        assert_eq!(tier_of_role("Reader"), Tier::Read);
        assert_eq!(tier_of_scope("Directory.ReadWrite.All"), Tier::Admin);
        assert_eq!(tier_of_scope("Mail.Send"), Tier::Write);
        assert_eq!(tier_of_scope("User.Read"), Tier::Read);
    }
}
