//! The review database on in-memory SQLite: imports, re-imports, campaigns, decisions and the
//! hash chain, through the same `Store` API the commands use.

mod common;

use common::{count, dump, fixture, import, now, repo};
use nhi_review::chain::ChainBreak;
use nhi_review::db::{NewDecision, QueueFilter, QueueSort, QueueView, Store};
use nhi_review::model::{DecisionAction, Thresholds, Verdict};

const CI_DEPLOY: &str = "arn:aws:iam::555566667777:user/ci/svc-ci-deploy";
const BACKUP: &str = "arn:aws:iam::555566667777:user/svc-backup";
const FTP: &str = "arn:aws:iam::555566667777:user/svc-legacy-ftp";

fn loaded() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    import(&mut store, &fixture("aws/credential-report.csv"), false).expect("import");
    store
}

fn decision(identity: &str, verdict: Verdict) -> NewDecision {
    NewDecision {
        campaign: "2026-Q4".into(),
        identity: identity.into(),
        action: DecisionAction::Decide,
        verdict: Some(verdict),
        remove: vec![],
        business_function: "Deploys the storefront".into(),
        justification: "Checked with the owning team".into(),
        reviewer: "ana@example.com".into(),
        decided_at: now(),
    }
}

fn with_campaign() -> Store {
    let mut store = loaded();
    store
        .start_campaign("2026-Q4", None, Thresholds::default(), now())
        .expect("campaign");
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
    store
        .record_decision(&decision(FTP, Verdict::Keep))
        .expect("decide");
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
        count(conn, "SELECT COUNT(*) FROM decision"),
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
    store
        .record_decision(&decision(CI_DEPLOY, Verdict::Keep))
        .expect("decide");
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
    assert!(queue[0].signals.iter().any(|s| s == "stale_credential"));
    let mut store = store;
    let err = store
        .start_campaign("2026-Q4", None, Thresholds::default(), now())
        .expect_err("duplicate");
    assert!(err.to_string().contains("already exists"));
}

#[test]
fn decisions_chain_and_the_chain_verifies() {
    let mut store = with_campaign();
    let first = store
        .record_decision(&decision(CI_DEPLOY, Verdict::Keep))
        .expect("keep");
    assert_eq!(first.seq, 1);
    assert_eq!(first.prev_hash, "0".repeat(64));
    let mut reduce = decision(BACKUP, Verdict::Reduce);
    reduce.remove = vec!["access_key_1".into()];
    let second = store.record_decision(&reduce).expect("reduce");
    assert_eq!(second.prev_hash, first.row_hash);
    assert_eq!(second.removed, ["credential:access_key_1"]);
    let third = store
        .record_decision(&decision(FTP, Verdict::Revoke))
        .expect("revoke");
    let (head, n) = store
        .verify_chain("2026-Q4")
        .expect("read")
        .expect("intact");
    assert_eq!((head, n), (third.row_hash.clone(), 3));
    let counts = store.campaign("2026-Q4").expect("c").counts;
    assert_eq!((counts.keep, counts.reduce, counts.revoke), (1, 1, 1));
    // The business function is remembered on the identity.
    let ci = store.find_identity(CI_DEPLOY).expect("ci");
    assert_eq!(
        ci.business_function.as_deref(),
        Some("Deploys the storefront")
    );
}

#[test]
fn stored_decisions_cannot_be_changed_through_the_schema() {
    let mut store = with_campaign();
    store
        .record_decision(&decision(CI_DEPLOY, Verdict::Keep))
        .expect("keep");
    let conn = store.connection();
    let update = conn.execute("UPDATE decision SET verdict = 'revoke'", []);
    assert!(
        update
            .expect_err("trigger")
            .to_string()
            .contains("append-only")
    );
    assert!(conn.execute("DELETE FROM decision", []).is_err());
}

#[test]
fn editing_a_decision_in_sql_breaks_the_chain() {
    let mut store = with_campaign();
    for id in [CI_DEPLOY, BACKUP, FTP] {
        store
            .record_decision(&decision(id, Verdict::Keep))
            .expect("keep");
    }
    let conn = store.connection();
    conn.execute_batch("DROP TRIGGER decision_no_update; DROP TRIGGER decision_no_delete;")
        .expect("drop");
    // An attacker edits the hashed record.
    conn.execute("UPDATE decision SET record = replace(record, 'keep', 'revoke'), verdict = 'revoke' WHERE seq = 2", [])
        .expect("edit");
    assert_eq!(
        store.verify_chain("2026-Q4").expect("read"),
        Err(ChainBreak::Hash { seq: 2 })
    );
}

#[test]
fn editing_only_a_column_or_deleting_a_row_breaks_the_chain() {
    let mut store = with_campaign();
    for id in [CI_DEPLOY, BACKUP, FTP] {
        store
            .record_decision(&decision(id, Verdict::Keep))
            .expect("keep");
    }
    let conn = store.connection();
    conn.execute_batch("DROP TRIGGER decision_no_update; DROP TRIGGER decision_no_delete;")
        .expect("drop");
    conn.execute(
        "UPDATE decision SET justification = 'edited' WHERE seq = 1",
        [],
    )
    .expect("edit");
    assert!(matches!(
        store.verify_chain("2026-Q4").expect("read"),
        Err(ChainBreak::Record { seq: 1, .. })
    ));
    conn.execute(
        "UPDATE decision SET justification = 'Checked with the owning team' WHERE seq = 1",
        [],
    )
    .expect("restore");
    assert!(store.verify_chain("2026-Q4").expect("read").is_ok());
    conn.execute("DELETE FROM decision WHERE seq = 2", [])
        .expect("delete");
    assert_eq!(
        store.verify_chain("2026-Q4").expect("read"),
        Err(ChainBreak::Sequence {
            expected: 2,
            found: 3
        })
    );
}

#[test]
fn the_rules_of_each_verdict_are_enforced() {
    let mut store = with_campaign();
    let mut keep = decision(CI_DEPLOY, Verdict::Keep);
    keep.business_function = "  ".into();
    assert!(
        store
            .record_decision(&keep)
            .expect_err("no function")
            .to_string()
            .contains("business function")
    );
    let reduce = decision(CI_DEPLOY, Verdict::Reduce);
    assert!(
        store
            .record_decision(&reduce)
            .expect_err("no items")
            .to_string()
            .contains("at least one")
    );
    let mut revoke = decision(CI_DEPLOY, Verdict::Revoke);
    revoke.justification = String::new();
    assert!(
        store
            .record_decision(&revoke)
            .expect_err("no reason")
            .to_string()
            .contains("justification")
    );
    let mut control = decision(CI_DEPLOY, Verdict::Keep);
    control.justification = "line one\nline two".into();
    assert!(
        store
            .record_decision(&control)
            .expect_err("newline")
            .to_string()
            .contains("control character")
    );
    let mut wrong_item = decision(CI_DEPLOY, Verdict::Reduce);
    wrong_item.remove = vec!["access_key_9".into()];
    let e = store
        .record_decision(&wrong_item)
        .expect_err("unknown item")
        .to_string();
    assert!(
        e.contains("access_key_9") && e.contains("access_key_1"),
        "{e}"
    );
    let mut nobody = decision(CI_DEPLOY, Verdict::Keep);
    nobody.reviewer = String::new();
    assert!(store.record_decision(&nobody).is_err());
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM decision"),
        0,
        "nothing recorded"
    );
}

#[test]
fn undo_supersedes_and_the_identity_is_undecided_again() {
    let mut store = with_campaign();
    let c = store.campaign("2026-Q4").expect("c");
    let first = store
        .queue_window(c.id, &QueueView::default(), 0, 1)
        .expect("q")[0]
        .clone();
    let mut undo = decision(&first.short_id, Verdict::Keep);
    undo.action = DecisionAction::Undo;
    undo.verdict = None;
    assert!(
        store
            .record_decision(&undo)
            .expect_err("nothing to undo")
            .to_string()
            .contains("no decision")
    );
    store
        .record_decision(&decision(&first.short_id, Verdict::Keep))
        .expect("keep");
    assert_eq!(
        store
            .first_undecided(c.id, &QueueView::default())
            .expect("pos"),
        Some(1)
    );
    store.record_decision(&undo).expect("undo");
    assert_eq!(
        store
            .first_undecided(c.id, &QueueView::default())
            .expect("pos"),
        Some(0)
    );
    assert_eq!(store.campaign("2026-Q4").expect("c").counts.decided(), 0);
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM decision"),
        2,
        "history kept"
    );
    assert!(store.verify_chain("2026-Q4").expect("read").is_ok());
}

#[test]
fn a_closed_campaign_and_late_identities_refuse_decisions() {
    let mut store = with_campaign();
    // An identity imported after the start is not in the population.
    import(
        &mut store,
        &repo("examples/aws/credential-report.csv"),
        false,
    )
    .expect("example");
    let late = "arn:aws:iam::210987654321:user/platform/svc-terraform";
    assert!(
        store
            .record_decision(&decision(late, Verdict::Keep))
            .expect_err("late")
            .to_string()
            .contains("not in campaign")
    );
    store.close_campaign("2026-Q4", now()).expect("close");
    let e = store
        .record_decision(&decision(CI_DEPLOY, Verdict::Keep))
        .expect_err("closed");
    assert!(e.to_string().contains("closed"));
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
    store
        .start_campaign("2026-Q4", None, Thresholds::default(), now())
        .expect("campaign");
    let c = store.campaign("2026-Q4").expect("c");
    let view = |filter: QueueFilter, search: &str, sort: QueueSort| QueueView {
        filter,
        search: search.into(),
        sort,
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
        QueueFilter::Signal("never_used".into()),
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
    let keep = decision_in(
        &c.name,
        "arn:aws:iam::210987654321:user/svc-ses-mailer",
        Verdict::Keep,
    );
    store.record_decision(&keep).expect("keep");
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
        22
    );
}

fn decision_in(campaign: &str, identity: &str, verdict: Verdict) -> NewDecision {
    NewDecision {
        campaign: campaign.into(),
        ..decision(identity, verdict)
    }
}

#[test]
fn a_campaign_with_nothing_to_review_is_refused_and_leaves_nothing_behind() {
    let mut store = Store::open_in_memory().expect("store");
    let err = store
        .start_campaign("2026-Q4", None, Thresholds::default(), now())
        .expect_err("empty");
    assert!(err.to_string().contains("import exports first"));
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM campaign"),
        0
    );
    assert!(store.campaigns().expect("list").is_empty());
}
