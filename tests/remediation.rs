//! Remediation: the commands for every provider of the example organisation, checked against
//! each CLI's documented syntax (argument names and order); the runbook safe to read and to
//! dry-run; and closure on the next import — verified, outstanding, in `campaign status`,
//! `inventory` and the next campaign.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use assert_cmd::Command;
use chrono::{DateTime, Duration, Utc};
use common::now;
use nhi_importers::ImportOptions;
use nhi_review::commands::{ImportInput, import_one};
use nhi_review::db::Store;
use nhi_review::db::prelude::*;
use nhi_review::model::Verdict;
use nhi_review::remediation::{self, Closure, render};
use nhi_review::review::{self, CloseRequest, DecisionRequest};

struct Review {
    dir: tempfile::TempDir,
    db: PathBuf,
    store: Store,
}

impl Review {
    /// The example organisation imported, campaign `Q4` started.
    fn new() -> Review {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("review.db");
        let mut store = Store::open(&db).expect("open");
        common::import_examples(&mut store);
        common::start(&mut store, "Q4", now()).expect("start");
        Review { dir, db, store }
    }

    fn decide(&mut self, native_id: &str, verdict: Verdict, remove: &[&str]) {
        let req = DecisionRequest {
            remove: remove.iter().map(|s| (*s).to_owned()).collect(),
            justification: "Not needed for its function; owner agreed on 2026-11-20".into(),
            ..common::request("Q4", native_id, verdict)
        };
        review::decide(&mut self.store, &req)
            .unwrap_or_else(|e| panic!("deciding {native_id}: {e:#}"));
    }

    fn close(&mut self, campaign: &str, at: DateTime<Utc>) {
        review::close(
            &mut self.store,
            &CloseRequest {
                campaign: campaign.into(),
                accept_undecided: true,
                reviewer: "lead@example.com".into(),
                at,
            },
        )
        .expect("close");
    }

    /// Import one file (as text) at a given time, as `nhi-review import` would.
    fn import_at(&mut self, name: &str, text: &str, account: Option<&str>, at: DateTime<Utc>) {
        let options = ImportOptions {
            account: account.map(str::to_owned),
            ..Default::default()
        };
        import_one(
            &mut self.store,
            ImportInput {
                name: name.to_owned(),
                path: None,
                reader: text.as_bytes(),
            },
            None,
            &options,
            at,
        )
        .unwrap_or_else(|e| panic!("importing {name}: {e:#}"));
    }

    /// Every step of the campaign's plan as a person would type it, by identity name.
    fn commands(&self, campaign: &str) -> BTreeMap<String, Vec<String>> {
        let info = self.store.campaign(campaign).expect("campaign");
        let mut out = BTreeMap::new();
        remediation::plan(&self.store, &info, |a| {
            let lines = a
                .items
                .iter()
                .flat_map(|i| i.steps.iter().map(render::plain))
                .collect();
            out.insert(a.identity.name.clone(), lines);
            Ok(())
        })
        .expect("plan");
        out
    }

    /// Closure of every item, by (identity name, item reference or `*`).
    fn closures(&self, campaign: &str) -> BTreeMap<(String, String), Closure> {
        let info = self.store.campaign(campaign).expect("campaign");
        let mut out = BTreeMap::new();
        remediation::plan(&self.store, &info, |a| {
            for i in &a.items {
                let item = i.item.as_ref().map_or("*".to_owned(), |r| r.reference());
                out.insert((a.identity.name.clone(), item), i.closure.clone());
            }
            Ok(())
        })
        .expect("plan");
        out
    }

    fn cli(&self) -> Command {
        common::cli(&self.db)
    }

    fn run(&self, args: &[&str]) -> String {
        common::stdout_of(self.cli(), args)
    }
}

/// The steps of one identity, which must exist.
fn steps<'a>(all: &'a BTreeMap<String, Vec<String>>, name: &str) -> &'a [String] {
    all.get(name)
        .unwrap_or_else(|| panic!("no remediation for {name}; have {:?}", all.keys()))
}

/// `want` appears among `have`, in this order (other steps may come between).
fn in_order(have: &[String], want: &[&str]) {
    let mut at = 0;
    for w in want {
        match have[at..].iter().position(|h| h == w) {
            Some(p) => at += p + 1,
            None => panic!("missing, or out of order: {w}\nsteps:\n{}", have.join("\n")),
        }
    }
}

fn decide_every_provider(r: &mut Review) {
    use Verdict::{Reduce, Revoke};
    // AWS: a user (key, attached policy, a group's inline policy), roles, a signing certificate.
    r.decide(
        "arn:aws:iam::210987654321:user/ci/svc-old-jenkins",
        Revoke,
        &[],
    );
    r.decide(
        "arn:aws:iam::210987654321:user/ci/svc-ci-deploy",
        Reduce,
        &["access_key_2", "inline:read-artifacts", "nw-ci-deploy"],
    );
    r.decide(
        "arn:aws:iam::210987654321:role/nw-legacy-batch",
        Revoke,
        &[],
    );
    r.decide(
        "arn:aws:iam::210987654321:role/nw-vendor-cloudcost",
        Reduce,
        &["ReadOnlyAccess"],
    );
    r.decide(
        "arn:aws:iam::210987654321:user/svc-marketing-export",
        Reduce,
        &["inline:export-campaign-data"],
    );
    r.decide(
        "arn:aws:iam::210987654321:user/svc-legacy-ftp",
        Reduce,
        &["cert_1"],
    );
    // GCP: a service account; a key, a plain and a conditional binding.
    r.decide(
        "legacy-reporting@northwind-prod.iam.gserviceaccount.com",
        Revoke,
        &[],
    );
    r.decide(
        "etl-loader@northwind-prod.iam.gserviceaccount.com",
        Reduce,
        &[
            "3f9c0a7e5b2d4c6a8e1f0b9d7c5a3e1f2d4b6a8c",
            "roles/storage.objectAdmin",
            "roles/bigquery.dataEditor",
        ],
    );
    // Azure / Entra: a service principal; a certificate, a role assignment, a delegated scope.
    r.decide("0a1b2c3d-0010-4000-8000-000000000010", Revoke, &[]);
    r.decide(
        "0a1b2c3d-0001-4000-8000-000000000001",
        Reduce,
        &[
            "22222222-bbbb-4bbb-8bbb-000000000001",
            "11111111-aaaa-4aaa-8aaa-000000000001",
            "Contributor",
            "offline_access",
        ],
    );
    // Kubernetes: a service account; its token secret and one binding.
    r.decide("orders/old-importer", Revoke, &[]);
    r.decide(
        "orders/orders-api",
        Reduce,
        &["orders-api-token-x7k2p", "ClusterRole/edit"],
    );
    // GitHub: a PAT, a deploy key, an installation; a PAT's permission, a deploy key's write.
    r.decide("pat:5503", Revoke, &[]);
    r.decide("deploy_key:northwind-cargo/web/7003", Revoke, &[]);
    r.decide("installation:40100003", Revoke, &[]);
    r.decide(
        "pat:5502",
        Reduce,
        &["organization.organization_administration:write"],
    );
    r.decide(
        "deploy_key:northwind-cargo/web/7001",
        Reduce,
        &["contents:write"],
    );
    // Okta: an API token, a service app; a key and a scope grant.
    r.decide("00Tnwtok0002", Revoke, &[]);
    r.decide("0oa1nwsvc0003OLDX", Revoke, &[]);
    r.decide(
        "0oa1nwsvc0001SCIM",
        Reduce,
        &["nw-prov-2025", "okta.roles.manage"],
    );
    // Google Workspace: an app; one user's grant of a scope.
    r.decide(
        "987654321098-diagrams.apps.googleusercontent.com",
        Revoke,
        &[],
    );
    r.decide(
        "123456789012-mailmerge.apps.googleusercontent.com",
        Reduce,
        &["https://mail.google.com/@user:114477002"],
    );
    // Mapped SaaS: by hand.
    r.decide("A03NWEXPORT", Revoke, &[]);
}

#[test]
fn aws_commands_follow_the_iam_cli() {
    let mut r = Review::new();
    decide_every_provider(&mut r);
    let all = r.commands("Q4");
    // delete-access-key / update-access-key: --user-name, --access-key-id [, --status]; the key's
    // id is looked up by its creation date (the credential report names slots, not ids).
    let jenkins = steps(&all, "svc-old-jenkins");
    in_order(
        jenkins,
        &[
            "ACCESS_KEY_1_ID=$(aws iam list-access-keys --user-name svc-old-jenkins --query 'AccessKeyMetadata[?starts_with(CreateDate, '\\''2016-05-05'\\'')].AccessKeyId' --output text)",
            "aws iam update-access-key --user-name svc-old-jenkins --access-key-id \"$ACCESS_KEY_1_ID\" --status Inactive",
            "aws iam delete-access-key --user-name svc-old-jenkins --access-key-id \"$ACCESS_KEY_1_ID\"",
            "POLICY_ARN=$(aws iam list-attached-user-policies --user-name svc-old-jenkins --query 'AttachedPolicies[?PolicyName=='\\''AdministratorAccess'\\''].PolicyArn' --output text)",
            "aws iam detach-user-policy --user-name svc-old-jenkins --policy-arn \"$POLICY_ARN\"",
            // A grant through a group goes with the membership.
            "aws iam remove-user-from-group --user-name svc-old-jenkins --group-name ci-robots",
            // IAM refuses to delete a user that still has keys, policies or groups: last.
            "aws iam delete-user --user-name svc-old-jenkins",
        ],
    );
    assert_eq!(
        jenkins.last().map(String::as_str),
        Some("aws iam delete-user --user-name svc-old-jenkins")
    );

    let ci = steps(&all, "svc-ci-deploy");
    in_order(
        ci,
        &[
            "aws iam delete-access-key --user-name svc-ci-deploy --access-key-id \"$ACCESS_KEY_2_ID\"",
            "aws iam remove-user-from-group --user-name svc-ci-deploy --group-name ci-robots",
            "aws iam detach-user-policy --user-name svc-ci-deploy --policy-arn \"$POLICY_ARN\"",
        ],
    );
    assert!(
        !ci.iter().any(|s| s.contains("delete-user ")),
        "a reduce never deletes the user"
    );

    in_order(
        steps(&all, "nw-legacy-batch"),
        &[
            "aws iam delete-role-policy --role-name nw-legacy-batch --policy-name everything",
            "aws iam delete-role --role-name nw-legacy-batch",
        ],
    );
    in_order(
        steps(&all, "nw-vendor-cloudcost"),
        &[
            "POLICY_ARN=$(aws iam list-attached-role-policies --role-name nw-vendor-cloudcost --query 'AttachedPolicies[?PolicyName=='\\''ReadOnlyAccess'\\''].PolicyArn' --output text)",
            "aws iam detach-role-policy --role-name nw-vendor-cloudcost --policy-arn \"$POLICY_ARN\"",
        ],
    );
    assert_eq!(
        steps(&all, "svc-marketing-export"),
        [
            "aws iam delete-user-policy --user-name svc-marketing-export --policy-name export-campaign-data"
        ]
    );
    in_order(
        steps(&all, "svc-legacy-ftp"),
        &[
            "aws iam update-signing-certificate --user-name svc-legacy-ftp --certificate-id \"$CERT_1_ID\" --status Inactive",
            "aws iam delete-signing-certificate --user-name svc-legacy-ftp --certificate-id \"$CERT_1_ID\"",
        ],
    );
}

#[test]
fn gcp_and_azure_commands_follow_gcloud_and_az() {
    let mut r = Review::new();
    decide_every_provider(&mut r);
    let all = r.commands("Q4");
    in_order(
        steps(&all, "Legacy reporting"),
        &[
            "gcloud iam service-accounts disable legacy-reporting@northwind-prod.iam.gserviceaccount.com --project=northwind-prod",
        ],
    );
    let etl = steps(&all, "ETL loader");
    in_order(
        etl,
        &[
            "gcloud iam service-accounts keys delete 3f9c0a7e5b2d4c6a8e1f0b9d7c5a3e1f2d4b6a8c --iam-account=etl-loader@northwind-prod.iam.gserviceaccount.com --project=northwind-prod --quiet",
        ],
    );
    // A binding without a condition says so (--condition=None), one with a condition names it
    // whole: removing by role alone would fail on a project with conditional bindings.
    assert!(etl.contains(&"gcloud projects remove-iam-policy-binding northwind-prod --member=serviceAccount:etl-loader@northwind-prod.iam.gserviceaccount.com --role=roles/bigquery.dataEditor --condition=None".to_owned()), "{etl:#?}");
    assert!(etl.contains(&"gcloud projects remove-iam-policy-binding northwind-prod --member=serviceAccount:etl-loader@northwind-prod.iam.gserviceaccount.com --role=roles/storage.objectAdmin '--condition=expression=resource.name.startsWith(\"projects/_/buckets/nw-staging\"),title=staging-only'".to_owned()), "{etl:#?}");

    in_order(
        steps(&all, "nw-old-crm"),
        &["az ad sp update --id 0a1b2c3d-0010-4000-8000-000000000010 --set accountEnabled=false"],
    );
    let orders = steps(&all, "nw-orders-api");
    in_order(
        orders,
        &[
            "az ad sp credential delete --id 0a1b2c3d-0001-4000-8000-000000000001 --key-id 11111111-aaaa-4aaa-8aaa-000000000001",
            "az ad sp credential delete --id 0a1b2c3d-0001-4000-8000-000000000001 --key-id 22222222-bbbb-4bbb-8bbb-000000000001 --cert",
        ],
    );
    assert!(orders.contains(&"az role assignment delete --assignee 0a1b2c3d-0001-4000-8000-000000000001 --role Contributor --scope /subscriptions/5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c/resourceGroups/nw-orders".to_owned()), "{orders:#?}");
    // A delegated scope: find the grant (client, resource, consenting user), PATCH its scopes.
    assert!(orders.iter().any(|s| s.starts_with("GRANT_ID=$(az rest --method GET --url 'https://graph.microsoft.com/v1.0/oauth2PermissionGrants?$filter=clientId eq '\\''0a1b2c3d-0001-4000-8000-000000000001'\\'' and resourceId eq '\\''0a1b2c3d-0007-4000-8000-000000000007'\\'' and principalId eq ")), "{orders:#?}");
    assert!(orders.contains(&"az rest --method PATCH --url https://graph.microsoft.com/v1.0/oauth2PermissionGrants/\"$GRANT_ID\" --body '{\"scope\": \"'\"$SCOPE_LEFT\"'\"}'".to_owned()), "{orders:#?}");
}

#[test]
fn kubernetes_github_okta_workspace_and_mapped_saas_commands() {
    let mut r = Review::new();
    decide_every_provider(&mut r);
    let all = r.commands("Q4");

    let old = steps(&all, "orders/old-importer");
    assert!(old[0].starts_with("PATCH=$(kubectl --context nw-prod-eks get rolebinding old-importer-admin -o json -n orders | jq -cr "), "{old:#?}");
    in_order(
        old,
        &[
            "kubectl --context nw-prod-eks patch rolebinding old-importer-admin -n orders --type=json -p \"$PATCH\"",
            "kubectl --context nw-prod-eks delete serviceaccount old-importer -n orders",
        ],
    );
    in_order(
        steps(&all, "orders/orders-api"),
        &[
            "kubectl --context nw-prod-eks delete secret orders-api-token-x7k2p -n orders",
            "kubectl --context nw-prod-eks patch rolebinding orders-api-edit -n orders --type=json -p \"$PATCH\"",
        ],
    );

    assert_eq!(
        steps(&all, "old-migration"),
        ["gh api --method POST /orgs/northwind-cargo/personal-access-tokens/5503 -f action=revoke"]
    );
    assert_eq!(
        steps(&all, "old-staging (northwind-cargo/web)"),
        ["gh api --method DELETE /repos/northwind-cargo/web/keys/7003"]
    );
    let app = steps(&all, "old-ci-dashboard");
    assert!(
        app[0].starts_with("# by hand: ")
            && app[0].contains(
                "https://github.com/organizations/northwind-cargo/settings/installations/40100003"
            ),
        "{app:#?}"
    );
    let pat = steps(&all, "org-admin-script");
    assert!(
        pat[0].starts_with("# by hand: an organisation cannot narrow someone's token")
            && pat[0]
                .contains("/orgs/northwind-cargo/personal-access-tokens/5502 -f action=revoke"),
        "{pat:#?}"
    );
    in_order(
        steps(&all, "prod-deployer (northwind-cargo/web)"),
        &["gh api --method DELETE /repos/northwind-cargo/web/keys/7001"],
    );

    let auth = "-H 'Authorization: SSWS '\"$OKTA_API_TOKEN\" -H 'Accept: application/json'";
    assert_eq!(
        steps(&all, "one-off-import"),
        [format!(
            "curl --fail-with-body -sS -X DELETE {auth} https://northwind.okta.com/api/v1/api-tokens/00Tnwtok0002"
        )]
    );
    in_order(
        steps(&all, "nw-old-sync"),
        &[&format!(
            "curl --fail-with-body -sS -X POST {auth} https://northwind.okta.com/api/v1/apps/0oa1nwsvc0003OLDX/lifecycle/deactivate"
        )],
    );
    in_order(
        steps(&all, "nw-user-provisioner"),
        &[
            &format!(
                "curl --fail-with-body -sS -X POST {auth} https://northwind.okta.com/api/v1/apps/0oa1nwsvc0001SCIM/credentials/jwks/nw-prov-2025/lifecycle/deactivate"
            ),
            &format!(
                "curl --fail-with-body -sS -X DELETE {auth} https://northwind.okta.com/api/v1/apps/0oa1nwsvc0001SCIM/credentials/jwks/nw-prov-2025"
            ),
            &format!(
                "curl --fail-with-body -sS -X DELETE {auth} https://northwind.okta.com/api/v1/apps/0oa1nwsvc0001SCIM/grants/\"$GRANT_ID\""
            ),
        ],
    );

    let bearer = "-H 'Authorization: Bearer '\"$GOOGLE_ADMIN_TOKEN\"";
    in_order(
        steps(&all, "Diagrams Online"),
        &[&format!(
            "curl --fail-with-body -sS -X DELETE {bearer} https://admin.googleapis.com/admin/directory/v1/users/114477001/tokens/987654321098-diagrams.apps.googleusercontent.com"
        )],
    );
    in_order(
        steps(&all, "MailMerge Pro"),
        &[&format!(
            "curl --fail-with-body -sS -X DELETE {bearer} https://admin.googleapis.com/admin/directory/v1/users/114477002/tokens/123456789012-mailmerge.apps.googleusercontent.com"
        )],
    );
    let slack = steps(&all, "Old \"Legacy\" Exporter");
    assert!(
        slack.len() == 1
            && slack[0].starts_with("# by hand: do this by hand in slack (northwind.slack.com)"),
        "{slack:#?}"
    );
}

/// A bash found on this machine (the runbook's interpreter).
fn bash() -> Option<PathBuf> {
    ["/bin/bash", "/usr/bin/bash"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn the_runbook_is_inert_to_read_and_a_dry_run_runs_nothing() {
    let mut r = Review::new();
    // A hostile export: a deploy key titled with an escape that writes the clipboard, a line
    // break that would start a command, a quote; imported after the start, so a second
    // campaign reviews it.
    let evil = serde_json::json!([{
        "id": 9001, "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOnlyNotARealKey",
        "url": "https://api.github.com/repos/northwind-cargo/tools/keys/9001",
        "title": "ok\u{1b}]52;c;ZXZpbA==\u{7}\nrm -rf ~ 'x", "verified": true,
        "created_at": "2026-01-01T00:00:00Z", "read_only": false
    }]);
    r.import_at("deploy-keys-tools.json", &evil.to_string(), None, now());
    r.close("Q4", now());
    common::start(&mut r.store, "Q1", now()).expect("start");
    let mut req = common::request(
        "Q1",
        "deploy_key:northwind-cargo/tools/9001",
        Verdict::Revoke,
    );
    req.campaign = "Q1".into();
    review::decide(&mut r.store, &req).expect("decide");
    for (name, verdict, remove) in [
        (
            "arn:aws:iam::210987654321:user/ci/svc-old-jenkins",
            Verdict::Revoke,
            vec![],
        ),
        (
            "0oa1nwsvc0001SCIM",
            Verdict::Reduce,
            vec!["nw-prov-2025".to_owned()],
        ),
    ] {
        let req = DecisionRequest {
            remove,
            ..common::request("Q1", name, verdict)
        };
        review::decide(&mut r.store, &req).expect("decide");
    }
    r.close("Q1", now() + Duration::hours(1));
    let script = r.dir.path().join("runbook.sh");
    let said = r.run(&[
        "remediation",
        "--campaign",
        "Q1",
        "-o",
        script.to_str().expect("utf-8"),
    ]);
    assert!(said.contains("items open"), "{said}");
    let text = std::fs::read_to_string(&script).expect("written");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "no raw control character"
    );
    assert!(text.contains("set -euo pipefail"));
    assert!(text.contains("DRY_RUN=1"));
    assert!(
        !text.lines().any(|l| l.starts_with("rm -rf")),
        "a justification never starts a line"
    );
    assert!(
        text.contains("# [2] revoke github deploy_key ok\\e]52;c;ZXZpbA==\\u{7}↵rm -rf ~ 'x"),
        "inert in a comment:\n{text}"
    );

    let Some(bash) = bash() else { return };
    let syntax = std::process::Command::new(&bash)
        .arg("-n")
        .arg(&script)
        .status()
        .expect("bash -n");
    assert!(syntax.success(), "the runbook parses");
    // With no PATH, any command the dry run tried to run would fail: it must run none.
    let dry = std::process::Command::new(&bash)
        .arg(&script)
        .env_clear()
        .env("PATH", "/nonexistent")
        .output()
        .expect("dry run");
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "dry run failed: {}{out}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        out.contains("would run: aws iam delete-user --user-name svc-old-jenkins"),
        "{out}"
    );
    assert!(
        out.contains("'Authorization: SSWS <OKTA_API_TOKEN>'"),
        "a dry run shows a placeholder, never a token: {out}"
    );
    assert!(out.contains("BY HAND: "));

    assert!(
        out.contains("would run: gh api --method DELETE /repos/northwind-cargo/tools/keys/9001"),
        "{out}"
    );
    let ready = r.run(&["remediation", "--campaign", "Q1", "--execute-ready"]);
    assert!(
        ready.contains("DRY_RUN=0") && ready.contains(": \"${OKTA_API_TOKEN:?"),
        "execute-ready asks for its tokens up front"
    );
    // The runbook may not overwrite the database.
    r.cli()
        .args(["remediation", "--campaign", "Q1", "-o"])
        .arg(&r.db)
        .assert()
        .failure();
    // Markdown with no live markup from an export; CSV one row per item, cells neutralised.
    let md = r.run(&["remediation", "--campaign", "Q1", "--format", "md"]);
    assert!(md.starts_with("# Remediation: campaign Q1") && !md.contains('\u{1b}'));
    let csv = r.run(&["remediation", "--campaign", "Q1", "--format", "csv"]);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rows
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, render::CSV_COLUMNS);
    let items: usize = {
        let info = r.store.campaign("Q1").expect("campaign");
        let c = remediation::closure_counts(&r.store, &info).expect("counts");
        (c.open + c.verified + c.outstanding) as usize
    };
    assert_eq!(rows.records().count(), items, "one ticket row per item");
}

fn example(path: &str) -> String {
    std::fs::read_to_string(common::repo(path)).expect("example")
}

/// The Okta apps example with one key taken off the first app's JWKS.
fn okta_apps_without_key(kid: &str) -> serde_json::Value {
    let mut apps: serde_json::Value =
        serde_json::from_str(&example("examples/okta/apps.json")).expect("json");
    let jwks = &mut apps[0]["settings"]["oauthClient"]["jwks"]["keys"];
    let kept: Vec<serde_json::Value> = jwks
        .as_array()
        .expect("keys")
        .iter()
        .filter(|k| k["kid"] != kid)
        .cloned()
        .collect();
    *jwks = serde_json::Value::Array(kept);
    apps
}

/// JSON of an example with the entries `keep` refuses removed.
fn without(path: &str, keep: impl Fn(&serde_json::Value) -> bool) -> String {
    let v: serde_json::Value = serde_json::from_str(&example(path)).expect("json");
    let list = v
        .as_array()
        .expect("a list")
        .iter()
        .filter(|e| keep(e))
        .cloned()
        .collect();
    serde_json::Value::Array(list).to_string()
}

#[test]
fn the_next_import_shows_what_was_carried_out_and_what_was_not() {
    let mut r = Review::new();
    use Verdict::{Reduce, Revoke};
    r.decide("deploy_key:northwind-cargo/web/7003", Revoke, &[]);
    r.decide("installation:40100003", Revoke, &[]);
    r.decide(
        "0oa1nwsvc0001SCIM",
        Reduce,
        &["nw-prov-2025", "okta.roles.manage"],
    );
    r.decide("pat:5503", Revoke, &[]);
    let closed = now() + Duration::days(1);
    r.close("Q4", closed);
    // Before any import, everything is open.
    assert!(r.closures("Q4").values().all(|c| *c == Closure::Open));

    let later = closed + Duration::days(6);
    // The deploy key was deleted; the app left installed; the old key taken off the Okta app,
    // its grant left; the PAT file not exported again.
    let keys = without("examples/github/deploy-keys-web.json", |k| k["id"] != 7003);
    r.import_at("deploy-keys-web.json", &keys, None, later);
    r.import_at(
        "installations.json",
        &example("examples/github/installations.json"),
        None,
        later,
    );
    let apps = okta_apps_without_key("nw-prov-2025");
    r.import_at("apps.json", &apps.to_string(), None, later);
    r.import_at(
        "app-grants-nw-user-provisioner.json",
        &example("examples/okta/app-grants-nw-user-provisioner.json"),
        None,
        later,
    );

    let c = r.closures("Q4");
    let state = |name: &str, item: &str| {
        c.get(&(name.to_owned(), item.to_owned()))
            .unwrap_or_else(|| panic!("{name} {item}: {c:#?}"))
    };
    match state("old-staging (northwind-cargo/web)", "*") {
        Closure::Verified { source, .. } => {
            assert_eq!(source.as_deref(), Some("deploy-keys-web.json"))
        }
        other => panic!("deploy key: {other:?}"),
    }
    assert!(
        matches!(state("old-ci-dashboard", "*"), Closure::Outstanding { .. }),
        "{:?}",
        state("old-ci-dashboard", "*")
    );
    assert!(matches!(
        state("nw-user-provisioner", "credential:nw-prov-2025"),
        Closure::Verified { .. }
    ));
    assert!(matches!(
        state(
            "nw-user-provisioner",
            "grant:okta.roles.manage@https://northwind.okta.com;via=admin consent"
        ),
        Closure::Outstanding { .. }
    ));
    assert_eq!(
        *state("old-migration", "*"),
        Closure::Open,
        "no import since: nothing to tell"
    );

    // campaign status: counts and the outstanding items.
    let lines: Vec<serde_json::Value> = r
        .run(&["campaign", "status", "Q4", "--format", "json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let counts = lines
        .iter()
        .find(|l| l["by"] == "remediation")
        .expect("remediation line");
    assert_eq!(
        (
            counts["open"].as_u64(),
            counts["verified"].as_u64(),
            counts["outstanding"].as_u64()
        ),
        (Some(1), Some(2), Some(2))
    );
    let outstanding: Vec<&str> = lines
        .iter()
        .filter(|l| l["by"] == "outstanding")
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(outstanding, ["old-ci-dashboard", "nw-user-provisioner"]);
    let table = r.run(&["campaign", "status", "Q4"]);
    assert!(
        table.contains("1 open, 2 verified, 2 outstanding")
            && table.contains("OUTSTANDING revoke old-ci-dashboard"),
        "{table}"
    );

    // remediation --outstanding: only what is left.
    let left = r.run(&[
        "remediation",
        "--campaign",
        "Q4",
        "--outstanding",
        "--format",
        "csv",
    ]);
    let states: Vec<String> = csv::Reader::from_reader(left.as_bytes())
        .records()
        .map(|rec| rec.expect("row")[15].to_owned())
        .collect();
    assert_eq!(states.len(), 3);
    assert!(states.iter().all(|s| s != "verified"), "{states:?}");

    // inventory: the signal on what was not carried out, not on what was.
    let signals_of = |native: &str| -> Vec<String> {
        r.run(&["inventory", "--format", "json", "--include-gone"])
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
            .find(|v| v["native_id"] == native)
            .map(|v| {
                v["signals"]
                    .as_array()
                    .expect("signals")
                    .iter()
                    .map(|s| s["code"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(signals_of("installation:40100003").contains(&"not_carried_out".to_owned()));
    assert!(signals_of("0oa1nwsvc0001SCIM").contains(&"not_carried_out".to_owned()));
    assert!(
        !signals_of("deploy_key:northwind-cargo/web/7003").contains(&"not_carried_out".to_owned())
    );
    assert!(!signals_of("pat:5503").contains(&"not_carried_out".to_owned()));

    // The next campaign starts with it as a signal, and the card says why.
    common::start(&mut r.store, "Q1", later + Duration::days(1)).expect("next campaign");
    let next = r.store.campaign("Q1").expect("Q1");
    let app = r
        .store
        .resolve_identity("installation:40100003")
        .expect("app");
    let member = r.store.member(next.id, app).expect("read").expect("in Q1");
    assert!(
        member
            .signals
            .contains(&nhi_review::signals::SignalCode::NotCarriedOut),
        "{:?}",
        member.signals
    );
    let ctx = review::MemberContext::load(&r.store, &next, app)
        .expect("load")
        .expect("member");
    let detail = ctx
        .signals
        .iter()
        .find(|s| s.code == nhi_review::signals::SignalCode::NotCarriedOut)
        .map(|s| s.detail.clone())
        .expect("the card shows it");
    assert!(detail.contains("campaign 'Q4' decided revoke"), "{detail}");

    // The next campaign's signed evidence lists what the last one decided and was not done.
    let key = r.dir.path().join("key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "lead", "-f"])
        .arg(&key)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    r.close("Q1", later + Duration::days(2));
    let bundle = r.dir.path().join("bundle");
    r.run(&[
        "evidence",
        "--campaign",
        "Q1",
        "--key",
        key.to_str().expect("utf-8"),
        "--signer",
        "lead@example.com",
        "-o",
        bundle.to_str().expect("utf-8"),
    ]);
    let summary = std::fs::read_to_string(bundle.join("summary.md")).expect("summary");
    assert!(
        summary.contains("### Decided earlier, not carried out (2)"),
        "{summary}"
    );
    assert!(
        summary.contains("| old-ci-dashboard | installation:40100003 | Q4 | revoke |"),
        "{summary}"
    );
}

/// Without an import since the close, the counts are read from the gone rows and the decisions
/// rather than item by item; they must be what reading every item says, gone items verified.
#[test]
fn counts_without_an_import_since_the_close_are_what_every_item_says() {
    let mut r = Review::new();
    use Verdict::{Reduce, Revoke};
    r.decide("deploy_key:northwind-cargo/web/7003", Revoke, &[]);
    r.decide("installation:40100003", Revoke, &[]);
    r.decide(
        "0oa1nwsvc0001SCIM",
        Reduce,
        &["nw-prov-2025", "okta.roles.manage"],
    );
    // Carried out before the close, and imported then: the deploy key deleted, the Okta key
    // taken off the app.
    let before = now() + Duration::hours(6);
    let keys = without("examples/github/deploy-keys-web.json", |k| k["id"] != 7003);
    r.import_at("deploy-keys-web.json", &keys, None, before);
    let apps = okta_apps_without_key("nw-prov-2025");
    r.import_at("apps.json", &apps.to_string(), None, before);
    r.close("Q4", now() + Duration::days(1));

    let info = r.store.campaign("Q4").expect("campaign");
    let mut every_item = remediation::ClosureCounts::default();
    remediation::plan(&r.store, &info, |a| {
        every_item.add(&a);
        Ok(())
    })
    .expect("plan");
    let counted = remediation::closure_counts(&r.store, &info).expect("counts");
    assert_eq!(counted, every_item);
    assert_eq!(
        (counted.open, counted.verified, counted.outstanding),
        (2, 2, 0),
        "the deleted deploy key and the removed Okta key are verified; the app and the grant open"
    );

    // The signed summary says the same, from the items it counted while reading the members.
    let key = r.dir.path().join("key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "lead", "-f"])
        .arg(&key)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("ssh-keygen is absent: the summary's counts are not checked");
        return;
    }
    let bundle = r.dir.path().join("bundle");
    r.run(&[
        "evidence",
        "--campaign",
        "Q4",
        "--key",
        key.to_str().expect("utf-8"),
        "--signer",
        "lead@example.com",
        "-o",
        bundle.to_str().expect("utf-8"),
    ]);
    let summary = std::fs::read_to_string(bundle.join("summary.md")).expect("summary");
    assert!(
        summary.contains("revokes and reduces: 2 open (no import since the close), 2 verified (a later import no longer shows them), 0 outstanding"),
        "{summary}"
    );
}
