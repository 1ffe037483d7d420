//! Kubernetes: service accounts and (cluster) role bindings. A service account is keyed by
//! `namespace/name` in its cluster, which `--account CLUSTER` names (kubectl output does not).

use serde_json::{Map, Value};

use crate::json::{Emitter, Obj, Outcome};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Tally, Tier};
use crate::stream::{ItemSink, Root};
use crate::{ImportError, ImportOptions, ListFormat};

/// The cluster: `--account`, else `default` (said out loud: kubectl output never names it).
fn cluster(options: &ImportOptions, tally: &mut Tally) -> String {
    options.account.clone().unwrap_or_else(|| {
        tally.notes.push(
            "kubectl output does not name its cluster: recorded as 'default'; pass --account CLUSTER (kubectl config current-context)".into(),
        );
        "default".into()
    })
}

/// Tier of a (cluster) role by name.
pub fn tier_of_role(kind: &str, name: &str) -> Tier {
    match (kind, name) {
        (_, "cluster-admin") | (_, "admin") => Tier::Admin,
        (_, "edit") => Tier::Write,
        (_, "view") => Tier::Read,
        _ => Tier::Unknown,
    }
}

fn sa_key(cluster: &str, namespace: &str, name: &str) -> IdentityKey {
    IdentityKey::new("k8s", cluster, &format!("{namespace}/{name}"))
}

/// Annotation (or label) names that name an owner, most specific first. Any prefix counts
/// (`acme.io/owner`, `example.com/team`): clusters use their own domains.
const OWNER_KEYS: &[&str] = &[
    "owner",
    "owned-by",
    "ownedby",
    "owner-email",
    "owners",
    "team",
    "contact",
    "maintainer",
    "maintainers",
];

/// The owner an object's annotations (else labels) name, by [`OWNER_KEYS`].
fn owner_of(maps: &[Option<&Map<String, Value>>]) -> Option<String> {
    for map in maps.iter().flatten() {
        for want in OWNER_KEYS {
            for (k, v) in map.iter() {
                let name = k.rsplit('/').next().unwrap_or(k);
                if name.eq_ignore_ascii_case(want)
                    && let Some(v) = v.as_str().map(str::trim).filter(|v| !v.is_empty())
                {
                    return Some(v.to_owned());
                }
            }
        }
    }
    None
}

/// `kubectl get serviceaccounts -A -o json`.
pub(crate) struct ServiceAccounts<'a> {
    em: Emitter<'a>,
    cluster: String,
}

impl<'a> ServiceAccounts<'a> {
    pub(crate) fn new(em: Emitter<'a>) -> Self {
        let mut em = em.unique();
        let cluster = cluster(em.options, &mut em.tally);
        ServiceAccounts { em, cluster }
    }
}

impl ItemSink for ServiceAccounts<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["items"]
    }
    fn item(&mut self, path: String, value: Value, _bytes: u64) -> Result<(), ImportError> {
        let cluster = self.cluster.as_str();
        self.em.item(&path, &value, |sa| {
            let meta = sa
                .obj("metadata")?
                .ok_or_else(|| sa.error("metadata", "missing"))?;
            let name = meta.str("name")?;
            let namespace = meta.opt_str("namespace")?.unwrap_or("default");
            let key = sa_key(cluster, namespace, name);
            let mut identity = Identity::new(
                key.clone(),
                "k8s_service_account",
                &format!("{namespace}/{name}"),
            );
            identity.created_at = meta.time("creationTimestamp")?;
            identity.owner = owner_of(&[meta.map("annotations")?, meta.map("labels")?]);
            let mut records = vec![Record::Identity(identity)];
            for (i, v) in sa.arr("secrets")?.iter().enumerate() {
                let s = sa.item("secrets", i, v)?;
                records.push(Record::Credential(Credential::new(
                    &key,
                    s.str("name")?,
                    "token_secret",
                )));
            }
            Ok(Outcome::records(records))
        })
    }
}

impl ListFormat for ServiceAccounts<'_> {
    fn finish(self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        Ok(self.em.tally)
    }
}

/// `kubectl get clusterrolebindings -o json`, `kubectl get rolebindings -A -o json`, or both at
/// once: one record per (binding, subject). Service-account subjects (and
/// `system:serviceaccount:` users) are grants; groups of service accounts are grants of their
/// own principal, never expanded; people are counted.
///
/// Cluster role bindings and each namespace's role bindings are separate parts of the family:
/// a file of cluster role bindings and a file of role bindings complement each other, and
/// neither marks the other's grants gone, in either order.
pub(crate) struct RoleBindings<'a> {
    em: Emitter<'a>,
    cluster: String,
    list_kind: Option<String>,
}

impl<'a> RoleBindings<'a> {
    pub(crate) fn new(mut em: Emitter<'a>) -> Self {
        let cluster = cluster(em.options, &mut em.tally);
        RoleBindings {
            em,
            cluster,
            list_kind: None,
        }
    }
}

impl ItemSink for RoleBindings<'_> {
    fn list_keys(&self) -> &'static [&'static str] {
        &["items"]
    }

    fn other(&mut self, key: &str, value: Value) -> Result<(), ImportError> {
        if key == "kind" {
            self.list_kind = value.as_str().map(str::to_owned);
        }
        Ok(())
    }

    fn item(&mut self, path: String, binding: Value, _bytes: u64) -> Result<(), ImportError> {
        let cluster = self.cluster.clone();
        let cluster = cluster.as_str();
        // The binding itself: kind, name, namespace, role. Its faults are the first subject's.
        let head = Obj::new(&binding, path.as_str()).and_then(|bo| {
            let meta = bo
                .obj("metadata")?
                .ok_or_else(|| bo.error("metadata", "missing"))?;
            let binding_name = meta.str("name")?.to_owned();
            let binding_ns = meta.opt_str("namespace")?.map(str::to_owned);
            let kind = match bo.opt_str("kind")? {
                Some(k @ ("ClusterRoleBinding" | "RoleBinding")) => k.to_owned(),
                Some(other) => {
                    return Err(bo.error(
                        "kind",
                        format!("'{other}' is not a ClusterRoleBinding or RoleBinding"),
                    ));
                }
                None if binding_ns.is_some() => "RoleBinding".to_owned(),
                None => "ClusterRoleBinding".to_owned(),
            };
            let role = bo
                .obj("roleRef")?
                .ok_or_else(|| bo.error("roleRef", "missing"))?;
            let role_kind = role.str("kind")?.to_owned();
            let role_name = role.str("name")?.to_owned();
            Ok((kind, binding_name, binding_ns, role_kind, role_name))
        });
        let (kind, binding_name, binding_ns, role_kind, role_name) = match head {
            Ok(h) => h,
            Err(e) => return self.em.push(Err(e)),
        };
        let (part, resource) = match (kind.as_str(), &binding_ns) {
            ("RoleBinding", Some(ns)) => (
                format!("{cluster}:RoleBinding:{ns}"),
                format!("namespace/{ns}"),
            ),
            _ => (
                format!("{cluster}:ClusterRoleBinding"),
                "cluster".to_owned(),
            ),
        };
        let subjects = binding
            .get("subjects")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if subjects.is_empty() {
            return self
                .em
                .push(Ok(Outcome::skip("binding without subjects").in_part(part)));
        }
        let base = format!("{path}.subjects");
        for (i, subject) in subjects.iter().enumerate() {
            let spath = format!("{base}[{i}]");
            let part = part.clone();
            self.em.item(&spath, subject, |subject| {
                let subject_kind = subject.str("kind")?;
                let subject_name = subject.str("name")?;
                let (key, identity) = match subject_kind {
                    "ServiceAccount" => {
                        let ns = match (subject.opt_str("namespace")?, kind.as_str(), &binding_ns) {
                            (Some(ns), _, _) => ns,
                            (None, "RoleBinding", Some(ns)) => ns.as_str(),
                            _ => {
                                return Err(subject.error(
                                    "namespace",
                                    "a ClusterRoleBinding's service-account subject needs a namespace",
                                ));
                            }
                        };
                        let key = sa_key(cluster, ns, subject_name);
                        let name = format!("{ns}/{subject_name}");
                        (
                            key.clone(),
                            Identity::reference(key, "k8s_service_account", &name),
                        )
                    }
                    "User" => match subject_name
                        .strip_prefix("system:serviceaccount:")
                        .and_then(|r| r.split_once(':'))
                    {
                        Some((ns, name)) => {
                            let key = sa_key(cluster, ns, name);
                            (
                                key.clone(),
                                Identity::reference(
                                    key,
                                    "k8s_service_account",
                                    &format!("{ns}/{name}"),
                                ),
                            )
                        }
                        None => return Ok(Outcome::person().in_part(part)),
                    },
                    "Group" if subject_name.starts_with("system:serviceaccounts") => {
                        let key = IdentityKey::new("k8s", cluster, subject_name);
                        (
                            key.clone(),
                            Identity::new(key, "k8s_service_account_group", subject_name),
                        )
                    }
                    "Group" => return Ok(Outcome::skip("group").in_part(part)),
                    _ => return Ok(Outcome::skip("other subject").in_part(part)),
                };
                let permission = format!("{role_kind}/{role_name}");
                let mut grant = Grant::new(
                    &key,
                    &permission,
                    &resource,
                    tier_of_role(&role_kind, &role_name),
                );
                grant.via = Some(format!("{kind}/{binding_name}"));
                Ok(Outcome::records(vec![
                    Record::Identity(identity),
                    Record::Grant(grant),
                ])
                .in_part(part))
            })?;
        }
        Ok(())
    }
}

impl ListFormat for RoleBindings<'_> {
    fn finish(mut self: Box<Self>, _root: &Root) -> Result<Tally, ImportError> {
        // The API's own list kind says what the file lists even when it is empty.
        if self.list_kind.as_deref() == Some("ClusterRoleBindingList") {
            let part = format!("{}:ClusterRoleBinding", self.cluster);
            self.em.meet(&part)?;
        }
        Ok(self.em.finish_parts())
    }
}
