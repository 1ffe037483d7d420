//! Issue 9, database side: the rules an import keeps when files meet in one review database —
//! joins on the provider's real natural key, complementary files that never undo each other,
//! facts never erased by a file that lacks them, rejected rows that mark nothing gone, and the
//! stop before an import marks more than half of a source gone. Fixtures are hand-written in
//! each provider's shape (importers/tests/fixtures).

mod common;

use std::path::Path;

use common::{count, dump, fixture, now};
use nhi_importers::{Format, ImportOptions};
use nhi_review::commands::{ImportInput, import_one};
use nhi_review::db::{ImportReport, Store};

fn import_as(
    store: &mut Store,
    path: &Path,
    forced: Option<Format>,
    options: ImportOptions,
) -> anyhow::Result<ImportReport> {
    let file = std::fs::File::open(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    import_one(
        store,
        ImportInput {
            name,
            path: Some(path.to_path_buf()),
            reader: file,
        },
        forced,
        &options,
        now(),
    )
}

fn import(store: &mut Store, path: &str, account: Option<&str>) -> ImportReport {
    let options = ImportOptions {
        account: account.map(str::to_owned),
        ..Default::default()
    };
    import_as(store, &fixture(path), None, options).expect(path)
}

fn text(store: &Store, sql: &str) -> Option<String> {
    store
        .connection()
        .query_row(sql, [], |r| r.get(0))
        .expect(sql)
}

fn write(dir: &Path, name: &str, contents: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

#[test]
fn an_iam_user_is_one_identity_whatever_path_each_export_shows() {
    for order in [
        [
            "aws/credential-report-acme.csv",
            "aws/authorization-details-acme.json",
        ],
        [
            "aws/authorization-details-acme.json",
            "aws/credential-report-acme.csv",
        ],
    ] {
        let mut store = Store::open_in_memory().expect("store");
        for path in order {
            import(&mut store, path, None);
        }
        let conn = store.connection();
        assert_eq!(
            count(conn, "SELECT COUNT(*) FROM identity WHERE name = 'ci-bot'"),
            1,
            "{order:?}"
        );
        let bot = count(conn, "SELECT id FROM identity WHERE name = 'ci-bot'");
        assert_eq!(
            count(
                conn,
                &format!("SELECT COUNT(*) FROM credential WHERE identity_id = {bot}")
            ),
            1,
            "the key from the report"
        );
        assert_eq!(
            count(
                conn,
                &format!("SELECT COUNT(*) FROM grant_ WHERE identity_id = {bot}")
            ),
            2,
            "the policies from the details"
        );
        // Use is the report's to say, in either order.
        assert_eq!(
            count(
                conn,
                &format!("SELECT usage_tracked FROM identity WHERE id = {bot}")
            ),
            1
        );
        // maria.lopez is a person in the report (user/maria.lopez) and never imported from
        // the details (user/people/maria.lopez), in either order.
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) FROM identity WHERE name = 'maria.lopez'"
            ),
            0,
            "{order:?}"
        );
    }
}

#[test]
fn cluster_role_bindings_and_role_bindings_never_undo_each_other() {
    let live = |store: &Store| {
        count(
            store.connection(),
            "SELECT COUNT(*) FROM grant_ WHERE gone_at IS NULL",
        )
    };
    for order in [
        ["k8s/clusterrolebindings.json", "k8s/rolebindings.json"],
        ["k8s/rolebindings.json", "k8s/clusterrolebindings.json"],
    ] {
        let mut store = Store::open_in_memory().expect("store");
        for path in order {
            let r = import(&mut store, path, Some("acme-prod"));
            assert_eq!(r.grants_gone, 0, "{path}");
        }
        assert_eq!(live(&store), 16, "{order:?}");
        // Again, in the other order: still 16.
        for path in order.iter().rev() {
            import(&mut store, path, Some("acme-prod"));
        }
        assert_eq!(live(&store), 16);
    }
    // A newer cluster role binding list without one binding marks only its two grants gone.
    let mut store = Store::open_in_memory().expect("store");
    import(
        &mut store,
        "k8s/clusterrolebindings.json",
        Some("acme-prod"),
    );
    import(&mut store, "k8s/rolebindings.json", Some("acme-prod"));
    let mut list: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("k8s/clusterrolebindings.json")).expect("read"),
    )
    .expect("json");
    list["items"].as_array_mut().expect("items").remove(1);
    let dir = tempfile::tempdir().expect("dir");
    let newer = write(dir.path(), "crb-newer.json", &list.to_string());
    let r = import_as(
        &mut store,
        &newer,
        None,
        ImportOptions {
            account: Some("acme-prod".into()),
            ..Default::default()
        },
    )
    .expect("newer");
    assert_eq!(r.grants_gone, 2);
    assert_eq!(live(&store), 14);
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM grant_ WHERE gone_at IS NOT NULL AND via LIKE 'RoleBinding/%'"
        ),
        0
    );
}

#[test]
fn role_assignments_of_two_subscriptions_never_undo_each_other() {
    let mut store = Store::open_in_memory().expect("store");
    import(
        &mut store,
        "azure/role-assignments-sub-a.json",
        Some("tenant-1"),
    );
    let r = import(
        &mut store,
        "azure/role-assignments-sub-b.json",
        Some("tenant-1"),
    );
    assert_eq!(r.grants_gone, 0);
    let r = import(
        &mut store,
        "azure/role-assignments-sub-a.json",
        Some("tenant-1"),
    );
    assert_eq!(r.grants_gone, 0);
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM grant_ WHERE gone_at IS NULL"
        ),
        3
    );
}

#[test]
fn a_key_file_never_erases_what_the_keys_list_said() {
    let key = "5e1d9a3c7b2f4e6a8c0b1d3f5a7c9e2b4d6f8a1c";
    let facts = |store: &Store| {
        store
            .connection()
            .query_row(
                "SELECT created_at, active, kind FROM credential WHERE native_id = ?1",
                [key],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, bool>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .expect("key")
    };
    let want = (
        Some("2024-02-14T09:10:11Z".to_owned()),
        false,
        "sa_key".to_owned(),
    );
    for order in [
        ["gcp/keys-ci-builder.json", "gcp/key-file-ci-builder.json"],
        ["gcp/key-file-ci-builder.json", "gcp/keys-ci-builder.json"],
    ] {
        let mut store = Store::open_in_memory().expect("store");
        for path in order {
            import(&mut store, path, None);
        }
        assert_eq!(facts(&store), want, "{order:?}");
    }
    // The keys list still owns the key: a newer list without it marks it gone.
    let mut store = Store::open_in_memory().expect("store");
    import(&mut store, "gcp/keys-ci-builder.json", None);
    import(&mut store, "gcp/key-file-ci-builder.json", None);
    let list: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(fixture("gcp/keys-ci-builder.json")).expect("read"),
    )
    .expect("json");
    let dir = tempfile::tempdir().expect("dir");
    let newer = write(
        dir.path(),
        "keys-newer.json",
        &serde_json::to_string(&list[1..]).expect("json"),
    );
    let r = import_as(&mut store, &newer, None, ImportOptions::default()).expect("newer");
    assert_eq!(r.credentials_gone, 1);
}

#[test]
fn an_identity_on_several_rows_of_a_mapped_csv_has_its_earliest_creation_in_any_order() {
    for csv in ["saas/acme-tokens.csv", "saas/acme-tokens-reordered.csv"] {
        let mut store = Store::open_in_memory().expect("store");
        import(&mut store, csv, None);
        assert_eq!(
            text(
                &store,
                "SELECT created_at FROM identity WHERE native_id = 'A1'"
            )
            .as_deref(),
            Some("2023-01-15T08:30:00Z"),
            "{csv}"
        );
        assert_eq!(
            count(
                store.connection(),
                "SELECT COUNT(DISTINCT holder) FROM credential c JOIN identity i ON i.id = c.identity_id WHERE i.native_id = 'A1'"
            ),
            2
        );
    }
}

/// A credential report with `n` machine users (svc-000 …) in account 444455556666.
fn report(n: usize, bad: Option<usize>) -> String {
    let header = std::fs::read_to_string(fixture("aws/credential-report-acme.csv"))
        .expect("read")
        .lines()
        .next()
        .expect("header")
        .to_owned();
    let mut out = vec![
        header,
        "<root_account>,arn:aws:iam::444455556666:root,2019-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A".to_owned(),
    ];
    for i in 0..n {
        let created = if bad == Some(i) {
            "yesterday"
        } else {
            "2024-01-01T00:00:00+00:00"
        };
        out.push(format!(
            "svc-{i:03},arn:aws:iam::444455556666:user/svc-{i:03},{created},false,N/A,N/A,N/A,false,true,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
        ));
    }
    out.join("\n") + "\n"
}

#[test]
fn rejected_rows_never_mark_anything_gone() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open_in_memory().expect("store");
    let full = write(dir.path(), "report.csv", &report(10, None));
    import_as(&mut store, &full, None, ImportOptions::default()).expect("full");
    // svc-003's row is bad and svc-009 is really gone: with a rejected row nothing is marked.
    let text_with_reject = report(9, Some(3));
    let newer = write(dir.path(), "report-newer.csv", &text_with_reject);
    let r = import_as(
        &mut store,
        &newer,
        None,
        ImportOptions {
            skip_bad_rows: true,
            ..Default::default()
        },
    )
    .expect("imports the rest");
    assert_eq!(r.tally.rejected, 1);
    assert_eq!(
        (r.identities_gone, r.credentials_gone, r.grants_gone),
        (0, 0, 0)
    );
    assert!(
        r.tally
            .notes
            .iter()
            .any(|n| n.contains("nothing is marked gone")),
        "{:?}",
        r.tally.notes
    );
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM identity WHERE gone_at IS NOT NULL"
        ),
        0
    );
}

#[test]
fn an_import_that_would_mark_most_of_a_source_gone_stops_unless_accepted() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open_in_memory().expect("store");
    let full = write(dir.path(), "report.csv", &report(10, None));
    import_as(&mut store, &full, None, ImportOptions::default()).expect("full");
    let before = dump(store.connection());
    // Cut at a row boundary: 3 of 10 users left.
    let cut = write(dir.path(), "report-cut.csv", &report(3, None));
    let err = import_as(&mut store, &cut, None, ImportOptions::default()).expect_err("stops");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("report-cut.csv")
            && msg.contains("7 of the 10 identities of 'aws-credential-report:444455556666'")
            && msg.contains("--accept-removals"),
        "{msg}"
    );
    assert_eq!(dump(store.connection()), before, "nothing changed");
    // Half exactly is not more than half.
    let half = write(dir.path(), "report-half.csv", &report(5, None));
    let r = import_as(&mut store, &half, None, ImportOptions::default()).expect("half");
    assert_eq!(r.identities_gone, 5);
    import_as(&mut store, &full, None, ImportOptions::default()).expect("back");
    let r = import_as(
        &mut store,
        &cut,
        None,
        ImportOptions {
            accept_removals: true,
            ..Default::default()
        },
    )
    .expect("accepted");
    assert_eq!(r.identities_gone, 7);
}

#[test]
fn trust_usage_windows_and_holders_are_stored() {
    let mut store = Store::open_in_memory().expect("store");
    import(&mut store, "aws/authorization-details-acme.json", None);
    assert_eq!(
        text(
            &store,
            "SELECT public_trust FROM identity WHERE name = 'open-door'"
        )
        .as_deref(),
        Some("Principal {\"AWS\": \"*\"}")
    );
    assert_eq!(
        text(
            &store,
            "SELECT cross_account_trust FROM identity WHERE name = 'partner-read'"
        )
        .as_deref(),
        Some("123412341234,777788889999")
    );
    assert_eq!(
        text(
            &store,
            "SELECT public_trust FROM identity WHERE name = 'app-runner'"
        ),
        None
    );
    let conn = store.connection();
    assert_eq!(
        count(
            conn,
            "SELECT usage_tracked * 1000 + unused_within_days FROM identity WHERE name = 'batch-legacy'"
        ),
        400,
        "untracked, no use in 400 days"
    );
    assert_eq!(
        count(
            conn,
            "SELECT usage_tracked FROM identity WHERE name = 'app-runner'"
        ),
        0
    );
    assert_eq!(
        count(
            conn,
            "SELECT COUNT(*) FROM grant_ WHERE tier = 'read' AND permission = 'SecurityAudit'"
        ),
        2
    );
    // Two users each granted the app one token: two credentials, two holders.
    for user in ["118800112233", "118800445566"] {
        import(
            &mut store,
            &format!("workspace/tokens-user-{user}.json"),
            Some("acme.example"),
        );
    }
    assert_eq!(
        text(
            &store,
            "SELECT group_concat(holder, ',') FROM (SELECT holder FROM credential WHERE kind = 'oauth_token' ORDER BY holder)"
        )
        .as_deref(),
        Some("user:118800112233,user:118800445566")
    );
}

#[test]
fn a_forced_format_that_reads_nothing_is_an_error_and_records_no_source() {
    let mut store = Store::open_in_memory().expect("store");
    let err = import_as(
        &mut store,
        &fixture("okta/apps-no-self-link.json"),
        Some(Format::WorkspaceTokens),
        ImportOptions {
            skip_bad_rows: true,
            ..Default::default()
        },
    )
    .expect_err("refused");
    assert!(
        format!("{err:#}").contains("nothing in it reads as workspace-oauth-tokens"),
        "{err:#}"
    );
    assert!(store.sources().expect("sources").is_empty());
}

#[test]
fn an_older_database_gets_join_keys_and_parts_on_upgrade() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(include_str!("../src/db/migrations/0001_init.sql"))
            .expect("schema 1");
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO scope (id, name) VALUES (1, 'k8s-role-bindings:acme-prod'), (2, 'aws-credential-report:444455556666');
             INSERT INTO source_file (id, provider, format, name, sha256, size, scope_id, imported_at)
                VALUES (1, 'k8s', 'k8s-role-bindings', 'rb.json', 'x', 1, 1, '2026-01-01T00:00:00Z');
             INSERT INTO identity (id, provider, account, native_id, kind, name, status, usage_tracked, third_party, first_seen_at, last_seen_at)
                VALUES (1, 'k8s', 'acme-prod', 'payments/api', 'k8s_service_account', 'payments/api', 'unknown', 0, 0, 't', 't'),
                       (2, 'aws', '444455556666', 'arn:aws:iam::444455556666:user/service-accounts/CI-Bot', 'iam_user', 'CI-Bot', 'active', 1, 0, 't', 't');
             INSERT INTO grant_ (identity_id, permission, resource, via, tier, scope_id, source_id, first_seen_at, last_seen_at)
                VALUES (1, 'ClusterRole/view', 'cluster', 'ClusterRoleBinding/a', 'read', 1, 1, 't', 't'),
                       (1, 'ClusterRole/edit', 'namespace/payments', 'RoleBinding/b', 'write', 1, 1, 't', 't');",
        )
        .expect("rows");
    }
    let mut store = Store::open(&path).expect("upgrades");
    assert_eq!(
        text(&store, "SELECT join_key FROM identity WHERE id = 2").as_deref(),
        Some("user/ci-bot")
    );
    assert_eq!(
        text(
            &store,
            "SELECT group_concat(s.name, ' ') FROM (SELECT s.name FROM grant_ g JOIN scope s ON s.id = g.scope_id ORDER BY g.id) s"
        )
        .as_deref(),
        Some("k8s-role-bindings:acme-prod:ClusterRoleBinding k8s-role-bindings:acme-prod:RoleBinding:payments")
    );
    // The report names the user without its path: the stored identity is updated, not doubled.
    import(&mut store, "aws/credential-report-acme.csv", None);
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM identity WHERE lower(name) = 'ci-bot'"
        ),
        1
    );
}

/// The statistics that let `decide --identity ARN` skip-scan the natural-key index are taken
/// by the first import and again only once the identities have doubled (or halved): not by
/// every file of an estate of thousands.
#[test]
fn statistics_are_taken_first_and_again_when_the_identities_double() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open_in_memory().expect("store");
    let stat = |store: &Store| {
        text(
            store,
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'identity' AND idx LIKE 'sqlite_autoindex%'",
        )
    };
    let first = write(dir.path(), "a.csv", &report(40, None));
    import_as(&mut store, &first, None, ImportOptions::default()).expect("first");
    let taken = stat(&store).expect("statistics after the first import");
    assert!(taken.starts_with("40 "), "{taken}");

    // A file of another account with 30 more identities (70 < 2 × 40): kept as they were.
    let other = report(30, None).replace("444455556666", "777788889999");
    let second = write(dir.path(), "b.csv", &other);
    import_as(&mut store, &second, None, ImportOptions::default()).expect("second");
    assert_eq!(stat(&store).as_deref(), Some(taken.as_str()));

    // 60 more (130 > 2 × 40): taken again, and right.
    let third = write(
        dir.path(),
        "c.csv",
        &report(60, None).replace("444455556666", "121212121212"),
    );
    import_as(&mut store, &third, None, ImportOptions::default()).expect("third");
    let again = stat(&store).expect("statistics");
    assert!(again.starts_with("130 "), "{again}");
}

#[test]
fn a_member_met_by_id_alone_keeps_its_key_when_a_later_export_names_its_tenant() {
    let mut store = Store::open_in_memory().expect("store");
    common::import(
        &mut store,
        &common::repo("examples/azure/role-assignments.json"),
        false,
    )
    .expect("role assignments: principals by id alone");
    common::start(&mut store, "2026-Q4", common::now()).expect("start");
    assert!(common::findings(&store, "2026-Q4").is_empty());
    // The service principals' export names their tenant: a member of a campaign keeps the key
    // its population was hashed with (as one with decisions always did).
    common::import(
        &mut store,
        &common::repo("examples/azure/service-principals.json"),
        false,
    )
    .expect("service principals");
    assert_eq!(common::findings(&store, "2026-Q4"), Vec::<String>::new());
}
