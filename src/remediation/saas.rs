//! Kubernetes (service accounts, their token secrets, one subject of a binding), GitHub (PATs,
//! app installations, deploy keys), Okta (API tokens, service apps, their keys and grants),
//! Google Workspace (a user's token for an app), and the by-hand line for mapped SaaS.

use super::{Arg, Step, by_hand, cmd_args, joined, lit, lits, lookup_jq, var};
use crate::model::{IdentityView, ItemRef};

/// A jq string literal (JSON string syntax).
fn jq_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

// ---------------------------------------------------------------- Kubernetes

/// `ns` and `name` of a service account (`ns/name`), or `None` for a group of them.
fn k8s_sa(i: &IdentityView) -> Option<(&str, &str)> {
    (i.kind == "k8s_service_account")
        .then(|| i.native_id.split_once('/'))
        .flatten()
}

/// `kubectl … --context CLUSTER` and, for a namespaced object, `-n NS`.
fn kubectl(i: &IdentityView, words: &[&str], namespace: Option<&str>) -> Vec<Arg> {
    let mut a = lits(&["kubectl", "--context", &i.account]);
    a.extend(lits(words));
    if let Some(ns) = namespace {
        a.extend(lits(&["-n", ns]));
    }
    a
}

/// The jq condition that picks this identity among a binding's subjects.
fn subject_match(i: &IdentityView, binding_ns: Option<&str>) -> String {
    match k8s_sa(i) {
        Some((ns, name)) => {
            let default_ns = binding_ns.map_or_else(|| "null".to_owned(), jq_str);
            format!(
                "(.kind == \"ServiceAccount\" and .name == {n} and (.namespace // {d}) == {s}) or (.kind == \"User\" and .name == {u})",
                n = jq_str(name),
                d = default_ns,
                s = jq_str(ns),
                u = jq_str(&format!("system:serviceaccount:{ns}:{name}")),
            )
        }
        None => format!(".kind == \"Group\" and .name == {}", jq_str(&i.native_id)),
    }
}

/// Remove this identity from one binding (`RoleBinding/NAME` on `namespace/NS`, or
/// `ClusterRoleBinding/NAME`), leaving its other subjects alone.
fn k8s_unbind(i: &IdentityView, via: &str, resource: &str) -> Vec<Step> {
    let (kind, binding) = via.split_once('/').unwrap_or(("RoleBinding", via));
    let ns = resource.strip_prefix("namespace/");
    let ns = if kind == "ClusterRoleBinding" {
        None
    } else {
        ns
    };
    let object = if kind == "ClusterRoleBinding" {
        "clusterrolebinding"
    } else {
        "rolebinding"
    };
    let get = kubectl(i, &["get", object, binding, "-o", "json"], ns);
    // Highest index first, so each stays valid; a test before each remove makes the patch fail,
    // rather than remove someone else, if the binding changed since the lookup.
    let jq = format!(
        "[.subjects | to_entries[] | select(.value | {m}) | {{k: .key, n: .value.name}}] | sort_by(.k) | reverse | if length == 0 then error({e}) else [.[] | ({{op: \"test\", path: \"/subjects/\\(.k)/name\", value: .n}}, {{op: \"remove\", path: \"/subjects/\\(.k)\"}})] end",
        m = subject_match(i, ns),
        e = jq_str(&format!("not a subject of {object} {binding}")),
    );
    let mut patch = kubectl(i, &["patch", object, binding], ns);
    patch.extend([lit("--type=json"), lit("-p"), var("PATCH")]);
    vec![
        lookup_jq(
            format!(
                "the JSON patch that takes {} out of {kind} {binding}",
                i.name
            ),
            "PATCH",
            get,
            jq,
        ),
        cmd_args(
            format!(
                "remove {} from the subjects of {kind} {binding} (delete the binding if none are left)",
                i.name
            ),
            patch,
        ),
    ]
}

/// Remove one token secret or one binding of a service account.
pub(super) fn k8s_remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match item {
        ItemRef::Credential { id } => {
            let ns = k8s_sa(i).map(|(ns, _)| ns);
            vec![cmd_args(
                format!("delete the token secret {id}"),
                kubectl(i, &["delete", "secret", id], ns),
            )]
        }
        ItemRef::Grant { via, resource, .. } => k8s_unbind(i, via, resource),
    }
}

/// Revoke a service account: out of every binding, its token secrets, then the account itself.
pub(super) fn k8s_revoke(i: &IdentityView) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for g in i.grants.iter().filter(|g| g.gone_at.is_none()) {
        if !seen.contains(&g.via.as_str()) {
            seen.push(&g.via);
            steps.extend(k8s_unbind(i, &g.via, &g.resource));
        }
    }
    let Some((ns, name)) = k8s_sa(i) else {
        return steps;
    };
    for c in i.credentials.iter().filter(|c| c.gone_at.is_none()) {
        steps.extend(k8s_remove(i, &ItemRef::Credential { id: c.id.clone() }));
    }
    steps.push(cmd_args(
        format!("delete the service account {ns}/{name}"),
        kubectl(i, &["delete", "serviceaccount", name], Some(ns)),
    ));
    steps
}

// ---------------------------------------------------------------- GitHub

/// `gh api --method M PATH` with fields.
fn gh(method: &str, path: &str, fields: &[&str]) -> Vec<Arg> {
    let mut a = lits(&["gh", "api", "--method", method, path]);
    for f in fields {
        a.extend(lits(&["-f", f]));
    }
    a
}

/// What kind of GitHub identity, and its id: (`pat`, grant id), (`installation`, id),
/// (`deploy_key`, `owner/repo/id`).
fn github_native(i: &IdentityView) -> (&str, &str) {
    i.native_id.split_once(':').unwrap_or(("", &i.native_id))
}

fn github_pat_revoke(i: &IdentityView, id: &str) -> Step {
    cmd_args(
        format!("revoke the fine-grained token {} in {}", i.name, i.account),
        gh(
            "POST",
            &format!("/orgs/{}/personal-access-tokens/{id}", i.account),
            &["action=revoke"],
        ),
    )
}

fn github_installation(i: &IdentityView, id: &str, what: &str) -> Step {
    by_hand(
        what.to_owned(),
        format!(
            "an organisation cannot do this through the API with a user's token: an owner of {org} opens https://github.com/organizations/{org}/settings/installations/{id} and chooses Uninstall (or Suspend, to keep its configuration)",
            org = i.account
        ),
    )
}

/// When the export named the organisation by number only (`org-91827364`), the API path needs
/// its login: say so before the command that uses it.
fn github_org_check(i: &IdentityView) -> Option<Step> {
    let digits = i.account.strip_prefix("org-")?;
    digits.chars().all(|c| c.is_ascii_digit()).then(|| {
        by_hand(
            format!("put the organisation's login in place of {}", i.account),
            format!(
                "the export named the organisation by number only: in the next command replace {} with its login (gh api /organizations/{digits} --jq .login), or import the file again with --account ORG",
                i.account
            ),
        )
    })
}

/// Revoke a PAT, uninstall an app, delete a deploy key.
pub(super) fn github_revoke(i: &IdentityView) -> Vec<Step> {
    match github_native(i) {
        ("pat", id) => github_org_check(i)
            .into_iter()
            .chain([github_pat_revoke(i, id)])
            .collect(),
        ("installation", id) => vec![github_installation(
            i,
            id,
            &format!("uninstall the app {}", i.name),
        )],
        ("deploy_key", path) => match path.rsplit_once('/') {
            Some((repo, id)) => vec![cmd_args(
                format!("delete the deploy key {} from {repo}", i.name),
                gh("DELETE", &format!("/repos/{repo}/keys/{id}"), &[]),
            )],
            None => vec![by_hand_revoke(i)],
        },
        _ => vec![by_hand_revoke(i)],
    }
}

/// Take one permission or credential away from a GitHub identity.
pub(super) fn github_remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match (github_native(i), item) {
        (("pat", _), ItemRef::Credential { .. }) => github_revoke(i),
        (("pat", _), ItemRef::Grant { permission, .. }) => vec![by_hand(
            format!("take {permission} away from the token {}", i.name),
            format!(
                "an organisation cannot narrow someone's token: ask {} to edit it (Settings → Developer settings → Fine-grained tokens) and drop {permission}, or revoke it: gh api --method POST /orgs/{}/personal-access-tokens/{} -f action=revoke",
                i.owner.as_deref().unwrap_or("its owner"),
                i.account,
                github_native(i).1,
            ),
        )],
        (("installation", id), ItemRef::Grant { permission, .. }) => vec![
            github_installation(
                i,
                id,
                &format!("narrow what the app {} reaches ({permission})", i.name),
            ),
            by_hand(
                format!("{permission} itself"),
                format!(
                    "an app's permissions are set by its owner: ask them to drop {permission}, or uninstall it"
                ),
            ),
        ],
        (("deploy_key", _), ItemRef::Grant { permission, .. })
            if permission.ends_with(":write") =>
        {
            let mut steps = github_revoke(i);
            steps.push(by_hand(
                "add it back read-only if it is still needed",
                "a deploy key cannot be changed in place: gh repo deploy-key add KEY.pub --repo OWNER/REPO --title TITLE (without --allow-write)",
            ));
            steps
        }
        _ => github_revoke(i),
    }
}

// ---------------------------------------------------------------- Okta

/// `curl` against the Okta management API, authenticated by `$OKTA_API_TOKEN`.
fn okta(i: &IdentityView, method: &str, path: Vec<Arg>) -> Vec<Arg> {
    let mut url = vec![lit(format!("https://{}", i.account))];
    url.extend(path);
    vec![
        lit("curl"),
        lit("--fail-with-body"),
        lit("-sS"),
        lit("-X"),
        lit(method),
        lit("-H"),
        joined(vec![lit("Authorization: SSWS "), var("OKTA_API_TOKEN")]),
        lit("-H"),
        lit("Accept: application/json"),
        joined(url),
    ]
}

fn okta_path(path: &str) -> Vec<Arg> {
    vec![lit(path)]
}

/// Revoke an API token, or deactivate a service app.
pub(super) fn okta_revoke(i: &IdentityView) -> Vec<Step> {
    let id = &i.native_id;
    match i.kind.as_str() {
        "api_token" => vec![cmd_args(
            format!("revoke the API token {}", i.name),
            okta(i, "DELETE", okta_path(&format!("/api/v1/api-tokens/{id}"))),
        )],
        _ => vec![
            cmd_args(
                format!("deactivate the app {} (its tokens stop working)", i.name),
                okta(
                    i,
                    "POST",
                    okta_path(&format!("/api/v1/apps/{id}/lifecycle/deactivate")),
                ),
            ),
            by_hand(
                "delete it once nothing broke",
                format!(
                    "curl -X DELETE https://{}/api/v1/apps/{id} with the same header",
                    i.account
                ),
            ),
        ],
    }
}

/// Take one key or scope grant away from an Okta identity.
pub(super) fn okta_remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    let id = &i.native_id;
    match item {
        ItemRef::Credential { .. } if i.kind == "api_token" => okta_revoke(i),
        ItemRef::Credential { id: kid } => vec![
            cmd_args(
                format!("deactivate the key {kid}"),
                okta(
                    i,
                    "POST",
                    okta_path(&format!(
                        "/api/v1/apps/{id}/credentials/jwks/{kid}/lifecycle/deactivate"
                    )),
                ),
            ),
            cmd_args(
                format!("delete the key {kid}"),
                okta(
                    i,
                    "DELETE",
                    okta_path(&format!("/api/v1/apps/{id}/credentials/jwks/{kid}")),
                ),
            ),
        ],
        ItemRef::Grant { permission, .. } => vec![
            lookup_jq(
                format!("find the grant of {permission}"),
                "GRANT_ID",
                okta(i, "GET", okta_path(&format!("/api/v1/apps/{id}/grants"))),
                format!(
                    "[.[] | select(.scopeId == {} and .status == \"ACTIVE\") | .id] | if length == 1 then .[0] else error(\"expected one active grant\") end",
                    jq_str(permission)
                ),
            ),
            cmd_args(
                format!("revoke the grant of {permission}"),
                okta(
                    i,
                    "DELETE",
                    vec![lit(format!("/api/v1/apps/{id}/grants/")), var("GRANT_ID")],
                ),
            ),
        ],
    }
}

// ---------------------------------------------------------------- Google Workspace

/// The OAuth client id of a Workspace app (`anonymous:USER:CLIENT` for anonymous ones).
fn workspace_client(i: &IdentityView) -> &str {
    i.native_id
        .strip_prefix("anonymous:")
        .and_then(|r| r.split_once(':'))
        .map_or(&i.native_id, |(_, c)| c)
}

/// Delete one user's token for the app (Directory API `tokens.delete`), authenticated by
/// `$GOOGLE_ADMIN_TOKEN`.
fn workspace_delete(i: &IdentityView, user: &str) -> Step {
    let client = workspace_client(i);
    cmd_args(
        format!("delete {user}'s token for {}", i.name),
        vec![
            lit("curl"),
            lit("--fail-with-body"),
            lit("-sS"),
            lit("-X"),
            lit("DELETE"),
            lit("-H"),
            joined(vec![
                lit("Authorization: Bearer "),
                var("GOOGLE_ADMIN_TOKEN"),
            ]),
            lit(format!(
                "https://admin.googleapis.com/admin/directory/v1/users/{user}/tokens/{client}"
            )),
        ],
    )
}

/// Revoke a third-party app: every user's token, then block it so nobody grants it again.
pub(super) fn workspace_revoke(i: &IdentityView) -> Vec<Step> {
    let mut steps: Vec<Step> = i
        .credentials
        .iter()
        .filter(|c| c.gone_at.is_none())
        .filter_map(|c| c.id.strip_prefix("user:"))
        .map(|user| workspace_delete(i, user))
        .collect();
    steps.push(by_hand(
        format!("block {} so nobody grants it again", i.name),
        format!(
            "Admin console → Security → Access and data control → API controls → Manage third-party app access: set {} to Blocked",
            workspace_client(i)
        ),
    ));
    steps
}

/// Take one user's token, or one scope, away from an app.
pub(super) fn workspace_remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match item {
        ItemRef::Credential { id } => match id.strip_prefix("user:") {
            Some(user) => vec![workspace_delete(i, user)],
            None => vec![by_hand_remove(i, item)],
        },
        ItemRef::Grant {
            permission,
            resource,
            ..
        } => {
            let user = resource.strip_prefix("user:").unwrap_or(resource);
            vec![
                workspace_delete(i, user),
                by_hand(
                    format!("keep {permission} from coming back"),
                    format!(
                        "a token's scopes cannot be narrowed: deleting it takes every scope {user} granted; if the app is still needed, the user grants it again without {permission}, or an admin limits it under API controls"
                    ),
                ),
            ]
        }
    }
}

// ---------------------------------------------------------------- mapped SaaS

/// The by-hand line for revoking an identity of a provider with no CLI.
pub(super) fn by_hand_revoke(i: &IdentityView) -> Step {
    by_hand(
        format!("revoke {} in {}", i.name, i.provider),
        format!(
            "do this by hand in {} ({}): deactivate or delete {} ({}) and every credential it holds",
            i.provider, i.account, i.name, i.native_id
        ),
    )
}

/// The by-hand line for removing one item of a provider with no CLI.
pub(super) fn by_hand_remove(i: &IdentityView, item: &ItemRef) -> Step {
    let what = match item {
        ItemRef::Credential { id } => format!("the credential {id}"),
        ItemRef::Grant {
            permission,
            resource,
            ..
        } => format!("{permission} on {resource}"),
    };
    by_hand(
        format!("remove {what} from {}", i.name),
        format!(
            "do this by hand in {} ({}): remove {what} from {} ({})",
            i.provider, i.account, i.name, i.native_id
        ),
    )
}
