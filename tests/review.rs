//! The review's rules and its chain, through the domain layer the command line and the screen
//! both call: every rule once, every record chained, every tampering found.

mod common;

use common::{count, decisions, findings, import, import_examples, now, records, request, start};
use nhi_review::chain::{Record, RecordKind};
use nhi_review::db::Store;
use nhi_review::db::prelude::*;
use nhi_review::model::{DecisionAction, ItemRef, Verdict};
use nhi_review::review::{self, Annotation, CloseRequest, DecisionRequest};

const TERRAFORM: &str = "arn:aws:iam::210987654321:user/platform/svc-terraform";
const SNOWFLAKE: &str = "arn:aws:iam::210987654321:user/vendors/svc-snowflake-loader";
const SES: &str = "arn:aws:iam::210987654321:user/svc-ses-mailer";
const BACKUP: &str = "arn:aws:iam::210987654321:user/svc-backup-nightly";
const INTERN: &str = "arn:aws:iam::210987654321:user/svc-intern-project-2021";
const Q4: &str = "2026-Q4";

fn example() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    import_examples(&mut store);
    start(&mut store, Q4, now()).expect("campaign");
    store
}

fn decide(store: &mut Store, req: DecisionRequest) -> anyhow::Result<Vec<review::Recorded>> {
    review::decide(store, &req)
}

fn kinds(store: &Store) -> Vec<RecordKind> {
    records(store, Q4).iter().map(|(_, r)| r.kind()).collect()
}

fn close(store: &mut Store, accept: bool) -> anyhow::Result<review::Closed> {
    review::close(
        store,
        &CloseRequest {
            campaign: Q4.into(),
            accept_undecided: accept,
            reviewer: "lead@example.com".into(),
            at: now(),
        },
    )
}

/// Drop the append-only triggers, as someone with `sqlite3` and the file would.
fn unlock(store: &Store) {
    store
        .connection()
        .execute_batch("DROP TRIGGER record_no_update; DROP TRIGGER record_no_delete;")
        .expect("drop triggers");
}

#[test]
fn the_chain_begins_with_the_start_and_every_decision_carries_owner_and_function() {
    let mut store = example();
    let c = store.campaign(Q4).expect("campaign");
    let start_record = match &records(&store, Q4)[0].1 {
        Record::Start(s) => s.clone(),
        other => panic!("first record is {:?}", other.kind()),
    };
    assert_eq!(start_record.population_hash, c.population_hash);
    assert_eq!(start_record.population_size, c.population_size);
    assert_eq!(start_record.started_by, "lead@example.com");
    decide(&mut store, request(Q4, SES, Verdict::Keep)).expect("keep");
    let mut reduce = request(Q4, BACKUP, Verdict::Reduce);
    reduce.remove = vec!["access_key_1".into()];
    reduce.owner = None;
    decide(&mut store, reduce).expect("reduce");
    let mut revoke = request(Q4, INTERN, Verdict::Revoke);
    revoke.owner = None;
    decide(&mut store, revoke).expect("revoke");
    assert_eq!(
        kinds(&store),
        [
            RecordKind::Start,
            RecordKind::Owner,
            RecordKind::Decision,
            RecordKind::Decision,
            RecordKind::Decision
        ],
        "svc-ses-mailer had no owner: the keep recorded one first"
    );
    let d = decisions(&store, Q4);
    assert_eq!(
        (d[0].owner.as_str(), d[0].business_function.as_str()),
        ("team-a@example.com", "Deploys the storefront")
    );
    assert_eq!(
        d[1].owner, "sre@northwind.example",
        "the export's owner stands"
    );
    assert_eq!(d[1].removed[0].id, "access_key_1");
    assert_eq!(d[2].suggested, "revoke");
    let c = store.campaign(Q4).expect("campaign");
    assert_eq!((c.counts.keep, c.counts.reduce, c.counts.revoke), (1, 1, 1));
    assert!(
        findings(&store, Q4).is_empty(),
        "{:?}",
        findings(&store, Q4)
    );
    assert_eq!(
        store
            .find_identity(SES)
            .expect("ses")
            .business_function
            .as_deref(),
        Some("Deploys the storefront"),
        "the function carries over to later campaigns"
    );
}

#[test]
fn keep_needs_an_owner_and_a_refused_decision_changes_no_owner() {
    let mut store = example();
    let mut keep = request(Q4, SNOWFLAKE, Verdict::Keep);
    keep.owner = None;
    keep.justification = "Needed for the nightly load".into();
    let err = decide(&mut store, keep.clone()).expect_err("no owner");
    assert!(
        err.to_string().contains("keep needs an accountable owner"),
        "{err}"
    );
    // With an owner but no function: refused, and the owner is not changed either.
    keep.owner = Some("data-team@example.com".into());
    keep.function = Some(String::new());
    let err = decide(&mut store, keep.clone()).expect_err("no function");
    assert!(err.to_string().contains("business function"), "{err}");
    assert_eq!(kinds(&store), [RecordKind::Start], "nothing recorded");
    assert_eq!(store.find_identity(SNOWFLAKE).expect("id").owner, None);
    keep.function = Some("Loads the warehouse".into());
    decide(&mut store, keep).expect("with owner and function");
    assert_eq!(
        kinds(&store),
        [RecordKind::Start, RecordKind::Owner, RecordKind::Decision]
    );
}

#[test]
fn owner_and_function_changes_are_chained_records() {
    let mut store = example();
    let annotate = |store: &mut Store, owner: Option<&str>, function: Option<&str>| {
        review::annotate(
            store,
            &Annotation {
                campaign: Q4.into(),
                identity: SES.into(),
                owner: owner.map(str::to_owned),
                function: function.map(str::to_owned),
                expected_unused: None,
                reviewer: "ana@example.com".into(),
                at: now(),
            },
        )
    };
    let done = annotate(&mut store, Some("mail@example.com"), Some("Sends receipts")).expect("ok");
    assert_eq!(done.records, [2, 3]);
    let all = records(&store, Q4);
    match (&all[1].1, &all[2].1) {
        (Record::Owner(o), Record::Function(f)) => {
            assert_eq!(
                (o.previous_owner.as_str(), o.owner.as_str()),
                ("", "mail@example.com")
            );
            assert_eq!(f.business_function, "Sends receipts");
            assert_eq!(f.owner, "mail@example.com");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        annotate(&mut store, Some("mail@example.com"), None)
            .expect("same")
            .records
            .is_empty(),
        "no change, no record"
    );
    let mut keep = request(Q4, SES, Verdict::Keep);
    keep.owner = None;
    keep.function = None;
    decide(&mut store, keep).expect("keep with what is in force");
    let d = decisions(&store, Q4);
    assert_eq!(
        (d[0].owner.as_str(), d[0].business_function.as_str()),
        ("mail@example.com", "Sends receipts")
    );
    assert!(findings(&store, Q4).is_empty());
}

#[test]
fn a_keep_against_a_revoke_suggestion_or_of_admin_access_needs_a_justification() {
    let mut store = example();
    let mut keep = request(Q4, SNOWFLAKE, Verdict::Keep);
    keep.justification = String::new();
    let err = decide(&mut store, keep.clone()).expect_err("revoke suggested");
    assert!(err.to_string().contains("suggestion is to revoke"), "{err}");
    let mut admin = request(Q4, TERRAFORM, Verdict::Keep);
    admin.justification = String::new();
    let err = decide(&mut store, admin.clone()).expect_err("admin");
    assert!(err.to_string().contains("admin-tier"), "{err}");
    admin.justification = "Applies all of production; reviewed with the platform team".into();
    decide(&mut store, admin).expect("justified");
    keep.justification = "Loads nightly from Monday on".into();
    decide(&mut store, keep).expect("justified");
}

#[test]
fn a_grant_held_twice_is_named_in_full() {
    let mut store = Store::open_in_memory().expect("store");
    import(
        &mut store,
        &common::repo("tests/fixtures/aws-admin-twice.json"),
        false,
    )
    .expect("import");
    start(&mut store, Q4, now()).expect("campaign");
    let id = "arn:aws:iam::444455556666:user/ops/svc-breakglass";
    let mut reduce = request(Q4, id, Verdict::Reduce);
    reduce.remove = vec!["AdministratorAccess".into()];
    let err = decide(&mut store, reduce.clone()).expect_err("ambiguous");
    let text = err.to_string();
    assert!(
        text.contains("grant:AdministratorAccess@*;via=group:admins")
            && text.contains("grant:AdministratorAccess@*,"),
        "{text}"
    );
    reduce.remove = vec!["grant:AdministratorAccess@*;via=group:admins".into()];
    let done = decide(&mut store, reduce).expect("named in full");
    assert_eq!(
        done[0].removed,
        [ItemRef::Grant {
            permission: "AdministratorAccess".into(),
            resource: "*".into(),
            condition: String::new(),
            via: "group:admins".into()
        }]
    );
    assert_eq!(decisions(&store, Q4)[0].removed[0].via, "group:admins");
}

#[test]
fn close_refuses_undecided_identities_unless_each_is_recorded_unreviewed() {
    let mut store = example();
    decide(&mut store, request(Q4, SES, Verdict::Keep)).expect("keep");
    let err = close(&mut store, false).expect_err("undecided");
    assert!(err.to_string().contains("--accept-undecided"), "{err}");
    assert!(store.campaign(Q4).expect("c").is_open());
    let closed = close(&mut store, true).expect("accepted");
    let population = closed.campaign.population_size;
    assert_eq!(closed.unreviewed, population - 1);
    let all = records(&store, Q4);
    assert_eq!(all.len() as u64, 1 + 2 + (population - 1) + 1);
    assert_eq!(closed.head.0, all.len() as u64);
    match &all.last().expect("close").1 {
        Record::Close(c) => assert_eq!((c.keep, c.unreviewed), (1, population - 1)),
        other => panic!("{other:?}"),
    }
    let unreviewed = decisions(&store, Q4)
        .iter()
        .filter(|d| d.action == "unreviewed" && d.verdict.is_empty())
        .count() as u64;
    assert_eq!(unreviewed, population - 1, "never defaulted to a verdict");
    assert!(
        findings(&store, Q4).is_empty(),
        "{:?}",
        findings(&store, Q4)
    );
    let err = decide(&mut store, request(Q4, BACKUP, Verdict::Revoke)).expect_err("closed");
    assert!(err.to_string().contains("closed"), "{err}");
}

#[test]
fn nothing_is_recorded_after_close_returns_even_with_deciders_running() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("review.db");
    {
        let mut store = Store::open(&path).expect("store");
        import_examples(&mut store);
        start(&mut store, Q4, now()).expect("campaign");
    }
    let ids: Vec<String> = {
        let store = Store::open(&path).expect("store");
        let c = store.campaign(Q4).expect("c");
        store
            .queue_window(c.id, &Default::default(), 0, 100)
            .expect("queue")
            .into_iter()
            .map(|r| r.short_id)
            .collect()
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let deciders: Vec<_> = (0..3)
        .map(|t| {
            let (path, ids, stop) = (path.clone(), ids.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut store = Store::open(&path).expect("store");
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let id = &ids[(n * 3 + t) % ids.len()];
                    let mut revoke = request(Q4, id, Verdict::Revoke);
                    revoke.owner = None;
                    let _ = review::decide(&mut store, &revoke);
                    n += 1;
                    // A reviewer's pace, not a tight loop that starves every other writer.
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut store = Store::open(&path).expect("store");
    let closed = close(&mut store, true).expect("close");
    let after_close = count(
        store.connection(),
        "SELECT COUNT(*) FROM record r JOIN campaign c ON c.id = r.campaign_id WHERE r.seq > (SELECT MAX(seq) FROM record WHERE kind = 'close')",
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for d in deciders {
        d.join().expect("decider");
    }
    assert_eq!(after_close, 0);
    let head = store.chain_head(closed.campaign.id).expect("head");
    assert_eq!(
        head.map(|h| h.0),
        Some(closed.head.0),
        "the close is the last record"
    );
    assert!(
        findings(&store, Q4).is_empty(),
        "{:?}",
        findings(&store, Q4)
    );
}

#[test]
fn undo_restores_the_function_in_force_before_the_undone_decision() {
    let mut store = example();
    let mut first = request(Q4, SES, Verdict::Keep);
    first.function = Some("Sends receipts".into());
    decide(&mut store, first).expect("keep");
    let mut second = request(Q4, SES, Verdict::Keep);
    second.function = Some("Sends marketing mail".into());
    decide(&mut store, second).expect("keep again");
    let mut undo = request(Q4, SES, Verdict::Keep);
    undo.action = DecisionAction::Undo;
    undo.verdict = None;
    let done = decide(&mut store, undo.clone()).expect("undo");
    assert_eq!(done[0].function.as_deref(), Some("Sends receipts"));
    let c = store.campaign(Q4).expect("c");
    let ses = store.find_identity(SES).expect("ses");
    let member = store.member(c.id, ses.row_id).expect("m").expect("member");
    assert_eq!(
        (member.verdict, member.function.as_deref()),
        (None, Some("Sends receipts"))
    );
    assert_eq!(c.counts.decided(), 0);
    let err = decide(&mut store, undo).expect_err("nothing stands");
    assert!(err.to_string().contains("no decision to undo"), "{err}");
    // The next keep, with no function typed, takes the one in force, not the undone one.
    let mut again = request(Q4, SES, Verdict::Keep);
    again.function = None;
    assert_eq!(
        decide(&mut store, again).expect("keep")[0]
            .function
            .as_deref(),
        Some("Sends receipts")
    );
    assert!(findings(&store, Q4).is_empty());
}

/// Q3 with a keep of svc-ses-mailer whose owner was set during the keep, closed; then Q4.
fn two_campaigns() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    import_examples(&mut store);
    let earlier = now() - chrono::Duration::days(90);
    start(&mut store, "2026-Q3", earlier).expect("q3");
    let mut keep = request("2026-Q3", SES, Verdict::Keep);
    keep.owner = Some("mail-team@example.com".into());
    keep.at = earlier;
    review::decide(&mut store, &keep).expect("keep in q3");
    let mut admin = request("2026-Q3", TERRAFORM, Verdict::Keep);
    admin.at = earlier;
    review::decide(&mut store, &admin).expect("admin keep in q3");
    review::close(
        &mut store,
        &CloseRequest {
            campaign: "2026-Q3".into(),
            accept_undecided: true,
            reviewer: "lead@example.com".into(),
            at: earlier,
        },
    )
    .expect("close q3");
    start(&mut store, Q4, now()).expect("q4");
    store
}

#[test]
fn reattest_accepts_an_owner_set_during_the_previous_keep() {
    let mut store = two_campaigns();
    let mut reattest = request(Q4, SES, Verdict::Keep);
    reattest.action = DecisionAction::Reattest;
    reattest.owner = None;
    reattest.function = None;
    reattest.justification = String::new();
    let done = decide(&mut store, reattest).expect("unchanged: the owner set in Q3 stands");
    assert_eq!(done[0].action, DecisionAction::Reattest);
    let d = decisions(&store, Q4);
    assert_eq!(d[0].owner, "mail-team@example.com");
    assert_eq!(d[0].business_function, "Deploys the storefront");
    assert!(d[0].justification.contains("unchanged since '2026-Q3'"));
}

#[test]
fn reattesting_admin_access_needs_a_justification_and_a_changed_identity_cannot_be() {
    let mut store = two_campaigns();
    let mut reattest = request(Q4, TERRAFORM, Verdict::Keep);
    reattest.action = DecisionAction::Reattest;
    reattest.justification = String::new();
    let err = decide(&mut store, reattest.clone()).expect_err("admin");
    assert!(err.to_string().contains("admin-tier"), "{err}");
    reattest.justification = "Still applies production".into();
    decide(&mut store, reattest).expect("justified");
    let mut never = request(Q4, BACKUP, Verdict::Keep);
    never.action = DecisionAction::Reattest;
    let err = decide(&mut store, never).expect_err("not kept in Q3");
    assert!(err.to_string().contains("cannot re-attest"), "{err}");
}

/// A campaign with three decisions (keep, reduce, revoke), closed.
fn decided_and_closed() -> Store {
    let mut store = example();
    decide(&mut store, request(Q4, SES, Verdict::Keep)).expect("keep");
    let mut reduce = request(Q4, BACKUP, Verdict::Reduce);
    reduce.remove = vec!["access_key_1".into()];
    decide(&mut store, reduce).expect("reduce");
    decide(&mut store, request(Q4, INTERN, Verdict::Revoke)).expect("revoke");
    close(&mut store, true).expect("close");
    assert!(findings(&store, Q4).is_empty());
    store
}

fn tampered(sql: &str) -> Vec<String> {
    let store = decided_and_closed();
    unlock(&store);
    store.connection().execute_batch(sql).expect("tamper");
    let found = findings(&store, Q4);
    assert!(!found.is_empty(), "{sql} went unnoticed");
    assert_eq!(
        in_a_file(&store),
        found,
        "after {sql}, the passes at once on a file found otherwise than one connection"
    );
    found
}

/// `campaign verify` of a copy of `store` in a file: its three passes run at once, each on a
/// connection of its own (on a database in memory they run one after another).
fn in_a_file(store: &Store) -> Vec<String> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("copy.db");
    store
        .connection()
        .execute("VACUUM INTO ?1", [path.to_str().expect("a UTF-8 path")])
        .expect("copy into a file");
    findings(&Store::open_read_only(&path).expect("open the copy"), Q4)
}

#[test]
fn verify_reads_one_state_even_when_a_decision_lands_while_it_opens_its_connections() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("review.db");
    let mut store = Store::open(&path).expect("open");
    import_examples(&mut store);
    start(&mut store, Q4, now()).expect("campaign");
    let mut colleague = Store::open(&path).expect("a second connection");
    // This connection's state is fixed by its first read; the colleague's decision lands after
    // it, so connections opened now would see one more record and member decided than it does.
    store.connection().execute_batch("BEGIN").expect("begin");
    let length = count(
        store.connection(),
        "SELECT COUNT(*) FROM record WHERE campaign_id = 1",
    );
    decide(&mut colleague, request(Q4, SES, Verdict::Keep)).expect("keep");
    let report = review::verify(&store, Q4).expect("verify");
    assert_eq!(
        report.findings,
        vec![],
        "half of one state, half of another"
    );
    assert_eq!(report.length, length as u64);
    store.connection().execute_batch("COMMIT").expect("end");
    let now_long = count(
        store.connection(),
        "SELECT COUNT(*) FROM record WHERE campaign_id = 1",
    );
    assert!(now_long > length, "the decision appended its records");
    let report = review::verify(&store, Q4).expect("verify");
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.length, now_long as u64, "the decision, seen now");
}

fn one_says(found: &[String], check: &str, text: &str) {
    assert!(
        found
            .iter()
            .any(|f| f.starts_with(check) && f.contains(text)),
        "no '{check}' finding saying '{text}' in {found:#?}"
    );
}

#[test]
fn a_standing_verdict_changed_outside_the_chain_is_found() {
    let found = tampered("UPDATE campaign_identity SET verdict = 'keep' WHERE verdict = 'revoke'");
    one_says(&found, "verdicts", "shows keep but its chain says revoke");
}

#[test]
fn deleted_population_rows_are_found() {
    let found = tampered(
        "DELETE FROM campaign_identity WHERE verdict IS NULL AND identity_id IN (SELECT identity_id FROM campaign_identity LIMIT 3)",
    );
    one_says(&found, "population", "members were deleted or added");
}

#[test]
fn an_edited_population_hash_or_size_is_found() {
    let found = tampered(
        "UPDATE campaign SET population_hash = replace(population_hash, substr(population_hash, 1, 1), 'x')",
    );
    one_says(&found, "start", "population hash");
    let found = tampered("UPDATE campaign SET population_size = population_size - 1");
    one_says(&found, "start", "population size");
}

#[test]
fn a_member_edited_at_start_is_found() {
    let found = tampered(
        "UPDATE campaign_identity SET owner_at_start = 'mallory@example.com' WHERE position = 0",
    );
    one_says(&found, "population", "do not hash");
}

#[test]
fn a_reopened_campaign_is_found() {
    let found = tampered("UPDATE campaign SET status = 'open', closed_at = NULL");
    one_says(&found, "status", "re-opened");
}

#[test]
fn a_decision_moved_to_another_campaign_is_found_in_both() {
    let mut store = decided_and_closed();
    let later = now() + chrono::Duration::days(1);
    start(&mut store, "2027-Q1", later).expect("q1");
    unlock(&store);
    // Move Q4's last decision (before the close) to the new campaign, renumbered to fit.
    store
        .connection()
        .execute_batch(
            "UPDATE record SET campaign_id = 2, seq = 2
             WHERE campaign_id = 1 AND seq = (SELECT MAX(seq) FROM record WHERE campaign_id = 1 AND kind = 'decision' AND verdict = 'revoke')",
        )
        .expect("move");
    one_says(&findings(&store, Q4), "chain", "expected record #");
    one_says(
        &findings(&store, "2027-Q1"),
        "chain",
        "belongs to campaign '2026-Q4'",
    );
}

#[test]
fn the_last_decision_cut_with_its_close_leaves_caches_that_disagree() {
    let found = tampered(
        "DELETE FROM record WHERE campaign_id = 1 AND seq >= (SELECT MAX(seq) FROM record WHERE kind = 'decision' AND verdict = 'revoke')",
    );
    one_says(
        &found,
        "verdicts",
        "shows revoke but its chain says undecided",
    );
    one_says(&found, "status", "no close record");
}

#[test]
fn every_record_deleted_is_found() {
    let found = tampered("DELETE FROM record");
    one_says(&found, "chain", "the chain is empty");
    one_says(&found, "counts", "changed outside the chain");
}

#[test]
fn edited_records_columns_counts_and_owners_are_each_found() {
    let found = tampered(
        "UPDATE record SET record = replace(record, '\"reduce\"', '\"keep\"') WHERE kind = 'decision' AND verdict = 'reduce'",
    );
    one_says(&found, "chain", "does not match its hash");
    let found = tampered("UPDATE record SET reviewer = 'mallory' WHERE seq = 2");
    one_says(&found, "columns", "reviewer column");
    let found = tampered("UPDATE campaign SET keep_count = keep_count + 5");
    one_says(&found, "counts", "keep 6");
    let found = tampered(
        "UPDATE campaign_identity SET owner = 'mallory@example.com' WHERE verdict = 'keep'",
    );
    one_says(&found, "owners", "changed outside the chain");
    let found = tampered(
        "UPDATE campaign_identity SET business_function = 'Nothing to see' WHERE verdict = 'keep'",
    );
    one_says(&found, "functions", "changed outside the chain");
}

#[test]
fn a_stored_value_that_does_not_read_back_is_an_error_not_a_default() {
    let store = decided_and_closed();
    store
        .connection()
        .execute("UPDATE campaign SET started_at = 'last tuesday'", [])
        .expect("edit");
    let err = store.campaign(Q4).expect_err("bad time");
    assert!(
        format!("{err:#}").contains("'last tuesday' does not read back"),
        "{err:#}"
    );
    store
        .connection()
        .execute(
            "UPDATE campaign SET started_at = '2026-11-27T12:00:00Z', thresholds = 'ninety'",
            [],
        )
        .expect("edit");
    assert!(store.campaign(Q4).is_err());
    store
        .connection()
        .execute(
            "UPDATE campaign SET thresholds = '{\"rotation_days\":90,\"inactivity_days\":90}'",
            [],
        )
        .expect("restore");
    store
        .connection()
        .execute(
            "UPDATE campaign_identity SET signals = 'admin_grant,frobnicated' WHERE position = 0",
            [],
        )
        .expect("edit");
    let c = store.campaign(Q4).expect("campaign reads");
    let err = store
        .queue_window(c.id, &Default::default(), 0, 5)
        .expect_err("bad signal");
    assert!(format!("{err:#}").contains("frobnicated"), "{err:#}");
}

#[test]
fn a_schema_1_database_upgrades_with_every_decision_and_a_valid_chain() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v1.db");
    std::fs::copy(common::repo("tests/fixtures/schema-v1.db"), &path).expect("copy");
    let before: Vec<(i64, i64, String)> = {
        let conn = rusqlite::Connection::open(&path).expect("open v1");
        let mut stmt = conn
            .prepare("SELECT campaign_id, seq, record FROM decision ORDER BY campaign_id, seq")
            .expect("v1 decisions");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read")
    };
    assert_eq!(before.len(), 10);
    let mut store = Store::open(&path).expect("upgrades");
    assert_eq!(
        store.schema_version().expect("v"),
        nhi_review::db::SCHEMA_VERSION
    );
    let after: Vec<(i64, i64, String)> = {
        let mut stmt = store
            .connection()
            .prepare("SELECT campaign_id, seq, record FROM record WHERE kind = 'legacy' ORDER BY campaign_id, seq")
            .expect("legacy");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read")
    };
    assert_eq!(before, after, "every decision kept byte for byte");
    for name in ["2026-Q3", Q4] {
        assert!(
            findings(&store, name).is_empty(),
            "{name}: {:?}",
            findings(&store, name)
        );
    }
    let q3: Vec<RecordKind> = records(&store, "2026-Q3")
        .iter()
        .map(|(_, r)| r.kind())
        .collect();
    assert_eq!(q3.len(), 8);
    assert_eq!(&q3[6..], [RecordKind::Start, RecordKind::Close]);
    let q4 = store.campaign(Q4).expect("q4");
    assert_eq!(
        (q4.counts.keep, q4.counts.revoke),
        (1, 1),
        "re-attested keep and revoke stand"
    );
    // The upgraded campaign goes on: a decision chains after the start written at the upgrade.
    let mut revoke = request(
        Q4,
        "arn:aws:iam::210987654321:user/svc-intern-project-2021",
        Verdict::Revoke,
    );
    revoke.owner = None;
    decide(&mut store, revoke).expect("decide after the upgrade");
    assert!(
        findings(&store, Q4).is_empty(),
        "{:?}",
        findings(&store, Q4)
    );
    assert_eq!(kinds(&store).last(), Some(&RecordKind::Decision));
}

#[test]
fn an_identity_marked_unused_by_design_is_not_suggested_for_revoke_here_or_next_quarter() {
    let mut store = example();
    let dr = "arn:aws:iam::210987654321:user/svc-dr-restore";
    let c = store.campaign(Q4).expect("c");
    let id = store.resolve_identity(dr).expect("id");
    let before = review::MemberContext::load(&store, &c, id)
        .expect("ctx")
        .expect("member");
    assert_eq!(before.suggestion.verdict, Verdict::Revoke);
    let mark = |store: &mut Store, campaign: &str, reason: &str| {
        review::annotate(
            store,
            &Annotation {
                campaign: campaign.into(),
                identity: dr.into(),
                owner: None,
                function: None,
                expected_unused: Some(reason.into()),
                reviewer: "ana@example.com".into(),
                at: now(),
            },
        )
        .expect("mark")
    };
    mark(
        &mut store,
        Q4,
        "Restores from backup only during a disaster",
    );
    let after = review::MemberContext::load(&store, &c, id)
        .expect("ctx")
        .expect("member");
    assert_eq!(after.suggestion.verdict, Verdict::Keep);
    assert!(
        !after
            .signals
            .iter()
            .any(|s| s.code == nhi_review::signals::SignalCode::NeverUsed)
    );
    assert_eq!(kinds(&store).last(), Some(&RecordKind::ExpectedUnused));
    assert!(
        findings(&store, Q4).is_empty(),
        "{:?}",
        findings(&store, Q4)
    );
    close(&mut store, true).expect("close");
    start(&mut store, "2027-Q1", now() + chrono::Duration::days(90)).expect("next");
    let next = store.campaign("2027-Q1").expect("next");
    let member = store.member(next.id, id).expect("m").expect("member");
    assert_eq!(
        member.expected_unused_at_start.as_deref(),
        Some("Restores from backup only during a disaster"),
        "carried into the next campaign, hashed into its population"
    );
    assert!(
        !member
            .signals
            .contains(&nhi_review::signals::SignalCode::NeverUsed)
    );
    assert!(findings(&store, "2027-Q1").is_empty());
    unlock(&store);
    store
        .connection()
        .execute_batch("UPDATE campaign_identity SET expected_unused = 'nothing to see' WHERE campaign_id = 2 AND expected_unused IS NOT NULL")
        .expect("tamper");
    one_says(
        &findings(&store, "2027-Q1"),
        "expectations",
        "changed outside the chain",
    );
}
