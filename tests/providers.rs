//! Every provider's exports together in one database: joins across files, people known from
//! one export kept out of another, idempotent re-import of the whole example organisation.

mod common;

use common::{count, import, import_examples, repo};
use nhi_review::db::prelude::*;
use nhi_review::db::{InventoryFilter, Store};

fn counts(store: &Store) -> Vec<i64> {
    let conn = store.connection();
    [
        "SELECT COUNT(*) FROM identity",
        "SELECT COUNT(*) FROM identity WHERE gone_at IS NOT NULL",
        "SELECT COUNT(*) FROM credential",
        "SELECT COUNT(*) FROM credential WHERE gone_at IS NOT NULL",
        "SELECT COUNT(*) FROM grant_",
        "SELECT COUNT(*) FROM grant_ WHERE gone_at IS NOT NULL",
        "SELECT COUNT(*) FROM person",
    ]
    .iter()
    .map(|sql| count(conn, sql))
    .collect()
}

#[test]
fn the_whole_example_organisation_imports_twice_with_every_count_unchanged() {
    let mut store = Store::open_in_memory().expect("store");
    let first = import_examples(&mut store);
    assert!(
        first.iter().all(|r| r.tally.reconciles()),
        "every reconciliation line adds up"
    );
    let before = counts(&store);
    // 66 credentials: the key file names a key the keys list has; 80 grants: maria's are not imported.
    assert_eq!(before, vec![78, 0, 66, 0, 80, 0, 6]);
    let second = import_examples(&mut store);
    assert_eq!(counts(&store), before);
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.tally, b.tally, "{}", a.name);
        assert_eq!(
            (b.identities_gone, b.credentials_gone, b.grants_gone),
            (0, 0, 0),
            "{}",
            b.name
        );
    }
}

#[test]
fn an_aws_user_is_one_identity_with_keys_from_the_report_and_grants_from_the_details() {
    let mut store = Store::open_in_memory().expect("store");
    import_examples(&mut store);
    let ci = store
        .find_identity("arn:aws:iam::210987654321:user/ci/svc-ci-deploy")
        .expect("joined");
    assert_eq!(
        ci.credentials
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["access_key_1", "access_key_2"]
    );
    let grants: Vec<(&str, &str)> = ci
        .grants
        .iter()
        .map(|g| (g.permission.as_str(), g.via.as_str()))
        .collect();
    assert_eq!(
        grants,
        [
            ("nw-ci-deploy", ""),
            ("inline:read-artifacts", "group:ci-robots")
        ]
    );
    assert_eq!(ci.owner.as_deref(), Some("platform-team@northwind.example"));
    // Azure: one principal with its secrets, its role assignment and its delegated grants.
    let api = store
        .find_identity("0a1b2c3d-0001-4000-8000-000000000001")
        .expect("joined");
    assert_eq!(
        (
            api.credentials.len(),
            api.grants.len(),
            api.account.as_str()
        ),
        (2, 3, "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d")
    );
    // GCP: a service account with its keys (from two files) and its IAM roles.
    let etl = store
        .find_identity("etl-loader@northwind-prod.iam.gserviceaccount.com")
        .expect("joined");
    assert_eq!(
        (etl.credentials.len(), etl.grants.len(), etl.described),
        (5, 2, true)
    );
    // A subject that no identity list has is flagged as such.
    let dangling = store.find_identity("orders/old-importer").expect("kept");
    assert!(!dangling.described);
}

#[test]
fn people_stay_out_whichever_aws_file_comes_first() {
    for report_first in [true, false] {
        let mut store = Store::open_in_memory().expect("store");
        let report = repo("examples/aws/credential-report.csv");
        let details = repo("examples/aws/authorization-details.json");
        let order = if report_first {
            [&report, &details]
        } else {
            [&details, &report]
        };
        let reports: Vec<_> = order
            .iter()
            .map(|p| import(&mut store, p, false).expect("imports"))
            .collect();
        let mut names = Vec::new();
        store
            .for_each_identity(&InventoryFilter::default(), |i| {
                names.push(i.name);
                Ok(())
            })
            .expect("list");
        assert!(
            !names.iter().any(|n| n == "maria.schmidt"),
            "report first: {report_first}"
        );
        assert_eq!(
            names.len(),
            22 + 4,
            "22 users from the report, 4 roles from the details"
        );
        if report_first {
            assert_eq!(
                reports[1].tally.humans_skipped, 1,
                "the details know maria is a person"
            );
        }
    }
}

#[test]
fn a_newer_token_list_of_one_user_leaves_other_users_apps_alone() {
    let mut store = Store::open_in_memory().expect("store");
    import_examples(&mut store);
    // User 114477001 revoked everything: an empty list for them.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tokens.json");
    std::fs::write(&path, r#"{"kind": "admin#directory#tokenList", "etag": "\"x\"", "items": [
        {"kind": "admin#directory#token", "clientId": "987654321098-diagrams.apps.googleusercontent.com",
         "displayText": "Diagrams Online", "anonymous": false, "nativeApp": false, "userKey": "114477001", "scopes": ["openid"]}]}"#)
        .expect("write");
    let options = nhi_importers::ImportOptions {
        account: Some("northwind.example".into()),
        ..Default::default()
    };
    let input = nhi_review::commands::ImportInput {
        name: "tokens.json".into(),
        path: None,
        reader: std::fs::File::open(&path).expect("open"),
    };
    let report = nhi_review::commands::import_one(&mut store, input, None, &options, common::now())
        .expect("import");
    // MailMerge is still in user 114477002's list; only user 1's token and grants for it went.
    let mail = store
        .find_identity("123456789012-mailmerge.apps.googleusercontent.com")
        .expect("app");
    assert!(mail.gone_at.is_none());
    assert!(
        mail.credentials
            .iter()
            .any(|c| c.id == "user:114477001" && c.gone_at.is_some())
    );
    assert!(
        mail.credentials
            .iter()
            .any(|c| c.id == "user:114477002" && c.gone_at.is_none())
    );
    let anon = store
        .find_identity("anonymous:114477001:anonymous")
        .expect("app");
    assert!(anon.gone_at.is_some(), "only user 1 had it");
    assert_eq!(report.identities_gone, 1);
}
