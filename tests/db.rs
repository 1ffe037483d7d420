//! The review database on in-memory SQLite: imports, re-imports, campaign populations and the
//! queue, through the same `Store` API the commands use. The review's rules and its chain are
//! tested in `review.rs`.

mod common;

use common::{count, dump, fixture, import, now, repo, request, start};
use nhi_review::db::prelude::*;
use nhi_review::db::{QueueFilter, QueueSort, QueueView, Store};
use nhi_review::model::Verdict;
use nhi_review::review;
use nhi_review::signals::SignalCode;

const CI_DEPLOY: &str = "arn:aws:iam::555566667777:user/ci/svc-ci-deploy";
const BACKUP: &str = "arn:aws:iam::555566667777:user/svc-backup";
const FTP: &str = "arn:aws:iam::555566667777:user/svc-legacy-ftp";

fn loaded() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    import(&mut store, &fixture("aws/credential-report.csv"), false).expect("import");
    store
}

fn with_campaign() -> Store {
    let mut store = loaded();
    start(&mut store, "2026-Q4", now()).expect("campaign");
    store
}

#[test]
fn importing_the_same_file_twice_keeps_one_copy_of_everything() {
    let mut store = loaded();
    let before = (
        count(store.connection(), "SELECT COUNT(*) FROM identity"),
        count(store.connection(), "SELECT COUNT(*) FROM credential"),
    );
    assert_eq!(before, (4, 6));
    let again = import(&mut store, &fixture("aws/credential-report.csv"), false).expect("again");
    assert_eq!(again.identities_gone + again.credentials_gone, 0);
    let after = (
        count(store.connection(), "SELECT COUNT(*) FROM identity"),
        count(store.connection(), "SELECT COUNT(*) FROM credential"),
    );
    assert_eq!(before, after);
    // Both imports are on record with the same hash.
    let sources = store.sources().expect("sources");
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0].sha256, sources[1].sha256);
    assert_eq!(sources[0].sha256.len(), 64);
}

#[test]
fn stored_facts_match_the_file_and_unknowns_stay_null() {
    let store = loaded();
    let ci = store.find_identity(CI_DEPLOY).expect("found");
    assert_eq!(ci.credentials.len(), 2);
    assert_eq!(ci.credentials[0].id, "access_key_1");
    assert_eq!(
        ci.credentials[0]
            .last_used_at
            .map(nhi_importers::time::format_utc)
            .as_deref(),
        Some("2026-11-26T03:14:00Z")
    );
    let backup = store.find_identity(BACKUP).expect("found");
    assert_eq!(
        backup.credentials[0].last_used_at, None,
        "never used stays null"
    );
    let ftp = store.find_identity(FTP).expect("found");
    assert!(
        !ftp.usage_tracked,
        "an active certificate makes last use unknown"
    );
    // Looked up by short id too.
    assert_eq!(
        store
            .find_identity(&ci.short_id)
            .expect("by short id")
            .native_id,
        CI_DEPLOY
    );
}

#[test]
fn a_newer_export_marks_what_disappeared_and_keeps_decisions() {
    let mut store = with_campaign();
    review::decide(&mut store, &request("2026-Q4", FTP, Verdict::Keep)).expect("decide");
    // The newer report: svc-legacy-ftp deleted, svc-ci-deploy's second key deleted.
    let text = std::fs::read_to_string(fixture("aws/credential-report.csv")).expect("read");
    let newer: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("svc-legacy-ftp,"))
        .map(|l| {
            if l.starts_with("svc-ci-deploy,") {
                l.replace(
                    "false,2024-03-02T11:00:00+00:00,2024-07-30T22:10:00+00:00,us-east-1,s3",
                    "false,N/A,N/A,N/A,N/A",
                )
            } else {
                l.to_owned()
            }
        })
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("report-newer.csv");
    std::fs::write(&path, newer.join("\n")).expect("write");
    let report = import(&mut store, &path, false).expect("import newer");
    assert_eq!(
        (report.identities_gone, report.credentials_gone),
        (1, 3),
        "ftp + its key and cert, ci key 2"
    );
    let conn = store.connection();
    assert_eq!(
        count(conn, "SELECT COUNT(*) FROM identity"),
        4,
        "nothing deleted"
    );
    assert_eq!(
        count(
            conn,
            "SELECT COUNT(*) FROM identity WHERE gone_at IS NOT NULL"
        ),
        1
    );
    assert_eq!(store.identity_count().expect("count"), 3);
    assert_eq!(
        count(conn, "SELECT COUNT(*) FROM record WHERE kind = 'decision'"),
        1,
        "decisions kept"
    );
    let ci = store.find_identity(CI_DEPLOY).expect("ci");
    assert!(
        ci.credentials
            .iter()
            .any(|c| c.id == "access_key_2" && c.gone_at.is_some())
    );
    // Re-importing the old report brings them back.
    import(&mut store, &fixture("aws/credential-report.csv"), false).expect("old again");
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM identity WHERE gone_at IS NOT NULL"
        ),
        0
    );
}

#[test]
fn a_failed_import_leaves_every_row_as_it_was() {
    let mut store = with_campaign();
    review::decide(&mut store, &request("2026-Q4", CI_DEPLOY, Verdict::Keep)).expect("decide");
    let before = dump(store.connection());
    for bad in [
        "aws/bad-date.csv",
        "aws/bad-header.csv",
        "aws/truncated.csv",
    ] {
        let err = import(&mut store, &fixture(bad), false).expect_err(bad);
        let text = format!("{err:#}");
        assert!(
            text.contains(bad.trim_start_matches("aws/")) && text.contains("line"),
            "{text}"
        );
        assert_eq!(
            dump(store.connection()),
            before,
            "{bad} changed the database"
        );
    }
}

#[test]
fn skipped_bad_rows_are_recorded_with_their_place() {
    let mut store = Store::open_in_memory().expect("store");
    let report = import(&mut store, &fixture("aws/bad-date.csv"), true).expect("imports the rest");
    assert_eq!(report.tally.rejected, 1);
    let rejects = store.rejects(report.source_id).expect("rejects");
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].0, "line 4");
    assert_eq!(rejects[0].1.as_deref(), Some("user_creation_time"));
}

#[test]
fn a_campaign_freezes_the_population_riskiest_first() {
    let store = with_campaign();
    let c = store.campaign("2026-Q4").expect("campaign");
    assert_eq!(c.population_size, 4);
    assert_eq!(c.population_hash.len(), 64);
    let queue = store
        .queue_window(c.id, &QueueView::default(), 0, 10)
        .expect("queue");
    let risks: Vec<u32> = queue.iter().map(|r| r.risk).collect();
    let mut sorted = risks.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(risks, sorted, "riskiest first");
    assert!(queue[0].signals.contains(&SignalCode::StaleCredential));
    let mut store = store;
    let err = start(&mut store, "2026-Q4", now()).expect_err("duplicate");
    assert!(err.to_string().contains("already exists"));
}

#[test]
fn queue_views_filter_search_and_sort_in_sql() {
    let mut store = Store::open_in_memory().expect("store");
    import(
        &mut store,
        &repo("examples/aws/credential-report.csv"),
        false,
    )
    .expect("import");
    start(&mut store, "2026-Q4", now()).expect("campaign");
    let c = store.campaign("2026-Q4").expect("c");
    let view = |filter: QueueFilter, search: &str, sort: QueueSort| QueueView {
        filter,
        search: search.into(),
        sort,
        assignee: None,
    };
    let names = |store: &Store, v: &QueueView| -> Vec<String> {
        store
            .queue_window(c.id, v, 0, 100)
            .expect("window")
            .into_iter()
            .map(|r| r.name)
            .collect()
    };
    let all = QueueView::default();
    assert_eq!(store.queue_count(c.id, &all).expect("count"), 22);
    let never = view(
        QueueFilter::Signal(SignalCode::NeverUsed),
        "",
        QueueSort::Risk,
    );
    assert_eq!(
        names(&store, &never),
        ["svc-dr-restore", "svc-snowflake-loader"],
        "riskiest first; svc-no-keys is too new"
    );
    // LIKE wildcards in the search are literal.
    assert_eq!(
        store
            .queue_count(c.id, &view(QueueFilter::All, "%", QueueSort::Risk))
            .expect("count"),
        0
    );
    assert_eq!(
        store
            .queue_count(c.id, &view(QueueFilter::All, "svc_", QueueSort::Risk))
            .expect("count"),
        0
    );
    assert_eq!(
        names(&store, &view(QueueFilter::All, "JENKINS", QueueSort::Risk)),
        ["svc-old-jenkins"]
    );
    let by_name = names(&store, &view(QueueFilter::All, "", QueueSort::Name));
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    assert_eq!(
        names(
            &store,
            &view(QueueFilter::Provider("gcp".into()), "", QueueSort::Risk)
        )
        .len(),
        0
    );
    // Verdict filters and row positions follow decisions.
    let keep = request(
        &c.name,
        "arn:aws:iam::210987654321:user/svc-ses-mailer",
        Verdict::Keep,
    );
    review::decide(&mut store, &keep).expect("keep");
    assert_eq!(
        names(
            &store,
            &view(QueueFilter::Verdict(Verdict::Keep), "", QueueSort::Risk)
        ),
        ["svc-ses-mailer"]
    );
    assert_eq!(
        store
            .queue_count(c.id, &view(QueueFilter::Undecided, "", QueueSort::Risk))
            .expect("n"),
        21
    );
    let ses = store
        .find_identity("arn:aws:iam::210987654321:user/svc-ses-mailer")
        .expect("ses");
    let by_name_view = view(QueueFilter::All, "", QueueSort::Name);
    let row = store
        .row_of(c.id, &by_name_view, ses.row_id)
        .expect("row")
        .expect("shown");
    assert_eq!(by_name[row as usize], "svc-ses-mailer");
    assert_eq!(
        store
            .row_of(
                c.id,
                &view(QueueFilter::Undecided, "", QueueSort::Risk),
                ses.row_id
            )
            .expect("row"),
        None
    );
    assert_eq!(
        store
            .queue_count(c.id, &view(QueueFilter::NoOwner, "", QueueSort::Risk))
            .expect("n"),
        21,
        "the keep set an owner"
    );
}

#[test]
fn a_campaign_with_nothing_to_review_is_refused_and_leaves_nothing_behind() {
    let mut store = Store::open_in_memory().expect("store");
    let err = start(&mut store, "2026-Q4", now()).expect_err("empty");
    assert!(err.to_string().contains("import exports first"));
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM campaign"),
        0
    );
    assert!(store.campaigns().expect("list").is_empty());
}

/// After an import, finding an identity by its native id alone (as `decide --identity ARN`
/// does) searches the natural-key index instead of reading every identity: one lookup costs
/// the same at a hundred identities and at a million.
#[test]
fn a_native_id_is_found_without_reading_every_identity() {
    let mut store = Store::open_in_memory().expect("store");
    common::import_examples(&mut store);
    // One account with many users: the shape of a real estate (SQLite skips over the leading
    // columns of an index only where they repeat).
    let dir = tempfile::tempdir().expect("dir");
    let report = dir.path().join("report.csv");
    let mut text = std::fs::read_to_string(common::repo("examples/aws/credential-report.csv"))
        .expect("example")
        .lines()
        .next()
        .expect("header")
        .to_owned();
    for i in 0..500 {
        text.push_str(&format!(
            "\nsvc-gen-{i},arn:aws:iam::123456789012:user/svc-gen-{i},2025-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
        ));
    }
    std::fs::write(&report, text).expect("write");
    common::import(&mut store, &report, false).expect("import");
    let plan: Vec<String> = store
        .connection()
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM identity WHERE native_id = ?1 LIMIT 2")
        .expect("plan")
        .query_map(["x"], |r| r.get::<_, String>(3))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("plan rows");
    assert!(
        plan.iter().any(|p| p.starts_with("SEARCH identity")),
        "{plan:?}"
    );
}

/// The merge campaign start reads identities with reads every identity as the per-identity
/// queries of `inventory` do, credentials and grants in the same order, on the example
/// organisation (identities with none to many of each; a filter leaving some out).
#[test]
fn the_merge_reads_every_identity_as_the_queries_do() {
    let mut store = Store::open_in_memory().expect("store");
    common::import_examples(&mut store);
    for filter in [
        nhi_review::db::InventoryFilter {
            include_gone: true,
            ..Default::default()
        },
        nhi_review::db::InventoryFilter {
            provider: Some("aws".into()),
            ..Default::default()
        },
    ] {
        let mut queried = Vec::new();
        store
            .for_each_identity(&filter, |i| {
                queried.push(i);
                Ok(())
            })
            .expect("queries");
        let mut merged = Vec::new();
        store
            .for_each_identity_by_id(&filter, |i| {
                merged.push(i);
                Ok(())
            })
            .expect("merge");
        queried.sort_by_key(|i| i.row_id.0);
        assert!(queried.len() > 10, "{}", queried.len());
        assert!(
            filter.provider.is_some()
                || queried.iter().any(|i| i.grants.len() > 2)
                    && queried.iter().any(|i| i.credentials.len() > 1),
            "the example has identities with several of each"
        );
        assert_eq!(merged, queried);
    }
}
