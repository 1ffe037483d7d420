//! AWS IAM: access keys and signing certificates (by the date the credential report gives them,
//! since it names slots, not ids), attached and inline policies, group memberships, and the
//! order IAM requires before a user or a role can be deleted.

use super::{Arg, Step, by_hand, cmd, cmd_args, lits, lookup};
use crate::model::{IdentityView, ItemRef};

/// `user` or `role`, and its name.
fn principal(i: &IdentityView) -> (&'static str, &str) {
    if i.kind.contains("role") {
        ("role", &i.name)
    } else {
        ("user", &i.name)
    }
}

/// A JMESPath raw string literal holding `s`.
fn jmes(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A variable name from a slot (`access_key_1` → `ACCESS_KEY_1_ID`).
fn var(slot: &str) -> String {
    let clean: String = slot
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}_ID")
}

fn credential(i: &IdentityView, slot: &str) -> Vec<Step> {
    let user = &i.name;
    let created = i
        .credentials
        .iter()
        .find(|c| c.id == slot)
        .and_then(|c| c.created_at)
        .map(|t| t.format("%Y-%m-%d").to_string());
    let Some(day) = created else {
        return vec![by_hand(
            format!("remove {slot} of {user}"),
            format!(
                "the export gives no date for {slot}: find its id with 'aws iam list-access-keys --user-name {user}' and delete it"
            ),
        )];
    };
    let cert = slot.starts_with("cert");
    let v = var(slot);
    let (list, query, id_flag, update, delete) = if cert {
        (
            "list-signing-certificates",
            format!(
                "Certificates[?starts_with(UploadDate, {})].CertificateId",
                jmes(&day)
            ),
            "--certificate-id",
            "update-signing-certificate",
            "delete-signing-certificate",
        )
    } else {
        (
            "list-access-keys",
            format!(
                "AccessKeyMetadata[?starts_with(CreateDate, {})].AccessKeyId",
                jmes(&day)
            ),
            "--access-key-id",
            "update-access-key",
            "delete-access-key",
        )
    };
    let with_id = |sub: &str, extra: &[&str]| {
        let mut a = lits(&["aws", "iam", sub, "--user-name", user, id_flag]);
        a.push(Arg::Var(v.clone()));
        a.extend(lits(extra));
        a
    };
    vec![
        lookup(
            format!("find the id of {slot} (created {day})"),
            &v,
            &[
                "aws",
                "iam",
                list,
                "--user-name",
                user,
                "--query",
                &query,
                "--output",
                "text",
            ],
        ),
        cmd_args(
            format!("deactivate {slot} (nothing breaks silently: it can be re-activated)"),
            with_id(update, &["--status", "Inactive"]),
        ),
        cmd_args(format!("delete {slot}"), with_id(delete, &[])),
    ]
}

fn grant(i: &IdentityView, permission: &str, via: &str) -> Vec<Step> {
    let (kind, name) = principal(i);
    if let Some(group) = via.strip_prefix("group:") {
        return vec![cmd(
            format!("remove {name} from group {group} (this removes every grant the group gives)"),
            &[
                "aws",
                "iam",
                "remove-user-from-group",
                "--user-name",
                name,
                "--group-name",
                group,
            ],
        )];
    }
    if let Some(policy) = permission.strip_prefix("inline:") {
        let sub = format!("delete-{kind}-policy");
        return vec![cmd(
            format!("delete the inline policy {policy}"),
            &[
                "aws",
                "iam",
                &sub,
                &format!("--{kind}-name"),
                name,
                "--policy-name",
                policy,
            ],
        )];
    }
    let v = "POLICY_ARN".to_owned();
    let list = format!("list-attached-{kind}-policies");
    let query = format!(
        "AttachedPolicies[?PolicyName=={}].PolicyArn",
        jmes(permission)
    );
    let mut detach = lits(&[
        "aws",
        "iam",
        &format!("detach-{kind}-policy"),
        &format!("--{kind}-name"),
        name,
        "--policy-arn",
    ]);
    detach.push(Arg::Var(v.clone()));
    vec![
        lookup(
            format!("find the ARN of the attached policy {permission}"),
            &v,
            &[
                "aws",
                "iam",
                &list,
                &format!("--{kind}-name"),
                name,
                "--query",
                &query,
                "--output",
                "text",
            ],
        ),
        cmd_args(format!("detach {permission}"), detach),
    ]
}

/// Remove one credential or grant.
pub(super) fn remove(i: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match item {
        ItemRef::Credential { id } => credential(i, id),
        ItemRef::Grant {
            permission, via, ..
        } => grant(i, permission, via),
    }
}

/// Remove the whole identity, in the order IAM requires.
pub(super) fn revoke(i: &IdentityView) -> Vec<Step> {
    let (kind, name) = principal(i);
    if i.kind == "service_linked_role" {
        return vec![cmd(
            format!(
                "delete the service-linked role {name} (AWS refuses while the service still uses it)"
            ),
            &[
                "aws",
                "iam",
                "delete-service-linked-role",
                "--role-name",
                name,
            ],
        )];
    }
    let mut steps = Vec::new();
    for c in i.credentials.iter().filter(|c| c.gone_at.is_none()) {
        steps.extend(credential(i, &c.id));
    }
    // Inline policies and attached policies first, group memberships after; each once.
    let mut seen: Vec<String> = Vec::new();
    for g in i.grants.iter().filter(|g| g.gone_at.is_none()) {
        let key = if g.via.is_empty() {
            g.permission.clone()
        } else {
            g.via.clone()
        };
        if !seen.contains(&key) {
            seen.push(key);
            steps.extend(grant(i, &g.permission, &g.via));
        }
    }
    if kind == "user" {
        steps.push(by_hand(
            "remove what the exports do not show",
            format!(
                "check and remove any console password, MFA device, SSH key or service-specific credential: aws iam get-login-profile --user-name {name}; aws iam list-mfa-devices --user-name {name}; aws iam list-ssh-public-keys --user-name {name}; aws iam list-service-specific-credentials --user-name {name}"
            ),
        ));
        steps.push(cmd(
            format!("delete the user {name}"),
            &["aws", "iam", "delete-user", "--user-name", name],
        ));
    } else {
        steps.push(by_hand(
            "remove the role from its instance profiles",
            format!("aws iam list-instance-profiles-for-role --role-name {name}, then aws iam remove-role-from-instance-profile --instance-profile-name PROFILE --role-name {name} for each"),
        ));
        steps.push(cmd(
            format!("delete the role {name}"),
            &["aws", "iam", "delete-role", "--role-name", name],
        ));
    }
    steps
}
