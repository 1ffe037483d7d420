//! GCP (service accounts, their keys, project IAM bindings with their conditions) and Azure /
//! Entra (service principals, their credentials, role assignments, delegated permission grants).

use super::{Arg, Step, by_hand, cmd, cmd_args, joined, lit, lits, lookup_jq, var};
use crate::model::{IdentityView, ItemRef};

/// The IAM policy member a GCP identity is bound as.
fn gcp_member(i: &IdentityView) -> String {
    match i.kind.as_str() {
        "service_account" | "service_agent" => format!("serviceAccount:{}", i.native_id),
        _ => i.native_id.clone(),
    }
}

/// The `--condition` flag that names a binding's condition exactly. gcloud splits the value at
/// commas; when the expression or title holds one, the value starts `^D^` to split at `D`
/// instead (`gcloud topic escaping`).
fn condition_flag(condition: &str) -> String {
    if condition.is_empty() {
        return "--condition=None".into();
    }
    let (title, expression) = condition.split_once(": ").unwrap_or(("", condition));
    match [',', ';', '|', '~', '#']
        .into_iter()
        .find(|d| !condition.contains(*d))
    {
        Some(',') => format!("--condition=expression={expression},title={title}"),
        Some(d) => format!("--condition=^{d}^expression={expression}{d}title={title}"),
        None => format!("--condition=expression={expression},title={title}"),
    }
}

fn gcp_binding(i: &IdentityView, role: &str, resource: &str, condition: &str) -> Step {
    let project = resource.strip_prefix("projects/").unwrap_or(&i.account);
    let does = match condition.split_once(": ") {
        _ if condition.is_empty() => format!("remove the binding of {role} on {resource}"),
        Some((title, _)) => {
            format!("remove the conditional binding of {role} on {resource} ({title})")
        }
        None => format!("remove the conditional binding of {role} on {resource}"),
    };
    cmd(
        does,
        &[
            "gcloud",
            "projects",
            "remove-iam-policy-binding",
            project,
            &format!("--member={}", gcp_member(i)),
            &format!("--role={role}"),
            &condition_flag(condition),
        ],
    )
}

/// Remove one GCP key or binding.
pub(super) fn gcp_remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match item {
        ItemRef::Credential { id } => vec![cmd(
            format!("delete key {id}"),
            &[
                "gcloud",
                "iam",
                "service-accounts",
                "keys",
                "delete",
                id,
                &format!("--iam-account={}", i.native_id),
                &format!("--project={}", i.account),
                "--quiet",
            ],
        )],
        ItemRef::Grant {
            permission,
            resource,
            condition,
            ..
        } => {
            vec![gcp_binding(i, permission, resource, condition)]
        }
    }
}

/// Revoke a GCP identity: disable a service account (delete it once nothing broke), or remove
/// every binding of a principal that cannot be disabled.
pub(super) fn gcp_revoke(i: &IdentityView) -> Vec<Step> {
    if i.kind == "service_account" {
        return vec![
            cmd(
                format!("disable {} (re-enable if something breaks)", i.native_id),
                &[
                    "gcloud",
                    "iam",
                    "service-accounts",
                    "disable",
                    &i.native_id,
                    &format!("--project={}", i.account),
                ],
            ),
            by_hand(
                "delete it once nothing broke",
                format!(
                    "gcloud iam service-accounts delete {} --project={}",
                    i.native_id, i.account
                ),
            ),
        ];
    }
    i.grants
        .iter()
        .filter(|g| g.gone_at.is_none())
        .map(|g| gcp_binding(i, &g.permission, &g.resource, &g.condition))
        .collect()
}

/// Whether an Azure grant is an RBAC role assignment (an ARM scope), not a delegated grant.
fn is_role_assignment(resource: &str) -> bool {
    resource.starts_with('/')
}

/// The Graph query that finds the delegated permission grant behind an imported grant: the
/// client, the resource service principal, and the consenting user when it was user consent.
fn grant_query(i: &IdentityView, resource: &str, via: &str) -> String {
    let mut filter = format!("clientId eq '{}'", i.native_id);
    if let Some(r) = resource.strip_prefix("service principal ") {
        filter.push_str(&format!(" and resourceId eq '{r}'"));
    }
    if let Some(p) = via.strip_prefix("user consent: ") {
        filter.push_str(&format!(" and principalId eq '{p}'"));
    }
    format!("https://graph.microsoft.com/v1.0/oauth2PermissionGrants?$filter={filter}")
}

fn grant_url() -> Arg {
    joined(vec![
        lit("https://graph.microsoft.com/v1.0/oauth2PermissionGrants/"),
        var("GRANT_ID"),
    ])
}

/// Steps on the delegated permission grant behind `resource`/`via`: delete it whole
/// (`scope: None`), or take one scope out of it.
fn graph_grant(i: &IdentityView, resource: &str, via: &str, scope: Option<&str>) -> Vec<Step> {
    let get = lits(&[
        "az",
        "rest",
        "--method",
        "GET",
        "--url",
        &grant_query(i, resource, via),
    ]);
    let mut steps = vec![lookup_jq(
        "find the delegated permission grant's id",
        "GRANT_ID",
        get.clone(),
        "if (.value | length) == 1 then .value[0].id else error(\"expected one grant, found \\(.value | length)\") end".into(),
    )];
    let call = |method: &str| {
        let mut a = lits(&["az", "rest", "--method", method, "--url"]);
        a.push(grant_url());
        a
    };
    match scope {
        None => steps.push(cmd_args(
            "delete the delegated permission grant (Graph DELETE /oauth2PermissionGrants/{id})",
            call("DELETE"),
        )),
        Some(s) => {
            let quoted = serde_json::to_string(s).unwrap_or_default();
            steps.push(lookup_jq(
                format!("the grant's scopes less {s}"),
                "SCOPE_LEFT",
                get,
                format!("[.value[0].scope | splits(\" +\") | select(. != {quoted} and . != \"\")] | join(\" \")"),
            ));
            let mut patch = call("PATCH");
            patch.extend([
                lit("--body"),
                joined(vec![lit("{\"scope\": \""), var("SCOPE_LEFT"), lit("\"}")]),
            ]);
            steps.push(cmd_args(
                format!("remove the delegated scope {s} (Graph PATCH /oauth2PermissionGrants/{{id}}; delete the grant instead if no scope is left)"),
                patch,
            ));
        }
    }
    steps
}

/// `az ad sp credential delete` of a certificate (`--cert`) or a client secret.
fn sp_credential_delete(i: &IdentityView, id: &str, cert: bool) -> Step {
    let mut words = vec![
        "az",
        "ad",
        "sp",
        "credential",
        "delete",
        "--id",
        &i.native_id,
        "--key-id",
        id,
    ];
    if cert {
        words.push("--cert");
    }
    let what = if cert { "certificate" } else { "client secret" };
    cmd(format!("delete the {what} {id}"), &words)
}

/// `az role assignment delete` of one role on one scope.
fn role_assignment_delete(i: &IdentityView, role: &str, scope: &str) -> Step {
    cmd(
        format!("delete the role assignment {role} on {scope}"),
        &[
            "az",
            "role",
            "assignment",
            "delete",
            "--assignee",
            &i.native_id,
            "--role",
            role,
            "--scope",
            scope,
        ],
    )
}

/// Remove one Azure credential or grant.
pub(super) fn azure_remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match item {
        ItemRef::Credential { id } => {
            let kind = i
                .credentials
                .iter()
                .find(|c| &c.id == id)
                .map(|c| c.kind.as_str());
            match kind {
                Some("saml_signing") => vec![by_hand(
                    format!("remove the SAML signing certificate {id}"),
                    format!(
                        "Entra admin centre → Enterprise applications → {} → Single sign-on → SAML certificates: make another certificate active first, then delete {id}",
                        i.name
                    ),
                )],
                Some("certificate") => vec![sp_credential_delete(i, id, true)],
                _ => vec![sp_credential_delete(i, id, false)],
            }
        }
        ItemRef::Grant {
            permission,
            resource,
            ..
        } if is_role_assignment(resource) => vec![role_assignment_delete(i, permission, resource)],
        ItemRef::Grant {
            permission,
            resource,
            via,
            ..
        } => graph_grant(i, resource, via, Some(permission)),
    }
}

/// Revoke an Azure identity: disable a service principal and remove what it holds.
pub(super) fn azure_revoke(i: &IdentityView) -> Vec<Step> {
    let mut steps = Vec::new();
    if i.kind.starts_with("service_principal") {
        steps.push(cmd(
            format!("disable the service principal {}", i.name),
            &[
                "az",
                "ad",
                "sp",
                "update",
                "--id",
                &i.native_id,
                "--set",
                "accountEnabled=false",
            ],
        ));
    }
    for g in i
        .grants
        .iter()
        .filter(|g| g.gone_at.is_none() && is_role_assignment(&g.resource))
    {
        steps.push(role_assignment_delete(i, &g.permission, &g.resource));
    }
    // One delegated grant per (resource, consent); each deleted once.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for g in i
        .grants
        .iter()
        .filter(|g| g.gone_at.is_none() && !is_role_assignment(&g.resource))
    {
        if !seen.contains(&(g.resource.as_str(), g.via.as_str())) {
            seen.push((&g.resource, &g.via));
            steps.extend(graph_grant(i, &g.resource, &g.via, None));
        }
    }
    match i.kind.as_str() {
        "managed_identity" => steps.push(by_hand(
            "turn the managed identity off",
            format!("on the resource that holds {} (system-assigned: az resource update … --set identity.type=None; user-assigned: az identity delete)", i.name),
        )),
        "orphaned_principal" => {}
        _ => steps.push(by_hand(
            "delete it once nothing broke",
            format!("az ad sp delete --id {}", i.native_id),
        )),
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::condition_flag;

    #[test]
    fn a_condition_with_commas_changes_the_delimiter() {
        assert_eq!(condition_flag(""), "--condition=None");
        assert_eq!(
            condition_flag("staging: resource.name.startsWith(\"b\")"),
            "--condition=expression=resource.name.startsWith(\"b\"),title=staging"
        );
        assert_eq!(
            condition_flag("two buckets: resource.name in [\"a\", \"b\"]"),
            "--condition=^;^expression=resource.name in [\"a\", \"b\"];title=two buckets"
        );
    }
}
