//! Kubernetes: service accounts and (cluster) role bindings. A service account is keyed by
//! `namespace/name` in its cluster, which `--account CLUSTER` names (kubectl output does not).

use serde_json::Value;

use crate::json::{Obj, Outcome, each_item, items};
use crate::model::{Credential, Grant, Identity, IdentityKey, Record, Sink, Tally, Tier};
use crate::{ImportError, ImportOptions};

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

/// `kubectl get serviceaccounts -A -o json`.
pub fn service_accounts(
    root: &Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let mut tally = Tally::default();
    let cluster = cluster(options, &mut tally);
    let cluster = cluster.as_str();
    let (list, base) = items(root, &["items"], &options.file_name)?;
    each_item(list, &base, options, sink, &mut tally, |sa| {
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
        if let Some(annotations) = meta.map("annotations")? {
            identity.owner = ["owner", "team", "example.com/owner"]
                .iter()
                .find_map(|k| annotations.get(*k).and_then(Value::as_str))
                .map(str::to_owned);
        }
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
    })?;
    Ok(tally)
}

/// `kubectl get clusterrolebindings,rolebindings -A -o json`: one record per (binding,
/// subject). Service-account subjects (and `system:serviceaccount:` users) are grants; groups of
/// service accounts are grants of their own principal, never expanded; people are counted.
pub fn role_bindings(
    root: &Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let mut tally = Tally::default();
    let cluster = cluster(options, &mut tally);
    let cluster = cluster.as_str();
    let (list, base) = items(root, &["items"], &options.file_name)?;
    for (b, binding) in list.iter().enumerate() {
        let path = format!("{base}[{b}]");
        let subjects = binding
            .get("subjects")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if subjects.is_empty() {
            tally.records_read += 1;
            tally.skip("binding without subjects");
            continue;
        }
        let pairs: Vec<Value> = subjects
            .into_iter()
            .map(|s| serde_json::json!({"subject": s, "binding": binding}))
            .collect();
        each_item(
            &pairs,
            &format!("{path}.subjects"),
            options,
            sink,
            &mut tally,
            |pair| {
                let bo = pair
                    .obj("binding")?
                    .ok_or_else(|| pair.error("binding", "missing"))?;
                let subject: Obj = pair
                    .obj("subject")?
                    .ok_or_else(|| pair.error("subject", "missing"))?;
                let kind = bo.opt_str("kind")?.unwrap_or("RoleBinding");
                let meta = bo
                    .obj("metadata")?
                    .ok_or_else(|| bo.error("metadata", "missing"))?;
                let binding_name = meta.str("name")?;
                let binding_ns = meta.opt_str("namespace")?;
                let role = bo
                    .obj("roleRef")?
                    .ok_or_else(|| bo.error("roleRef", "missing"))?;
                let role_kind = role.str("kind")?;
                let role_name = role.str("name")?;
                let resource = match (kind, binding_ns) {
                    ("ClusterRoleBinding", _) | (_, None) => "cluster".to_owned(),
                    (_, Some(ns)) => format!("namespace/{ns}"),
                };
                let subject_kind = subject.str("kind")?;
                let subject_name = subject.str("name")?;
                let (key, identity) = match subject_kind {
                    "ServiceAccount" => {
                        let ns = match (subject.opt_str("namespace")?, kind, binding_ns) {
                            (Some(ns), _, _) => ns,
                            (None, "RoleBinding", Some(ns)) => ns,
                            _ => return Err(subject.error(
                                "namespace",
                                "a ClusterRoleBinding's service-account subject needs a namespace",
                            )),
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
                        None => return Ok(Outcome::person()),
                    },
                    "Group" if subject_name.starts_with("system:serviceaccounts") => {
                        let key = IdentityKey::new("k8s", cluster, subject_name);
                        (
                            key.clone(),
                            Identity::new(key, "k8s_service_account_group", subject_name),
                        )
                    }
                    "Group" => return Ok(Outcome::skip("group")),
                    _ => return Ok(Outcome::skip("other subject")),
                };
                let permission = format!("{role_kind}/{role_name}");
                let mut grant = Grant::new(
                    &key,
                    &permission,
                    &resource,
                    tier_of_role(role_kind, role_name),
                );
                grant.via = Some(format!("{kind}/{binding_name}"));
                Ok(Outcome::records(vec![
                    Record::Identity(identity),
                    Record::Grant(grant),
                ]))
            },
        )?;
    }
    Ok(tally)
}
