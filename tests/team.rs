//! Many reviewers, one campaign: a scoped start, assignment and delegation, a reviewer in the
//! screen (`--mine`), one in a spreadsheet packet, one delegated, a second review of an admin
//! keep, progress per reviewer at each step, and the chain verifying at the end.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{drive, now};
use nhi_review::db::Store;
use nhi_review::db::prelude::*;
use predicates::prelude::*;

struct Team {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Team {
    fn new() -> Team {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("team.db");
        let team = Team { _dir: dir, db };
        team.cmd()
            .arg("--db")
            .arg(&team.db)
            .args(["demo", "--no-review"])
            .assert()
            .success();
        team
    }

    fn cmd(&self) -> Command {
        common::cli(&self.db)
    }

    fn run(&self, args: &[&str]) -> String {
        common::stdout_of(self.cmd(), args)
    }

    /// The lines of `campaign status --format json`.
    fn status(&self, campaign: &str) -> Vec<serde_json::Value> {
        self.run(&["campaign", "status", campaign, "--format", "json"])
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
            .collect()
    }

    /// One reviewer's line of `campaign status --format json`.
    fn progress(&self, campaign: &str, reviewer: &str) -> serde_json::Value {
        self.status(campaign)
            .into_iter()
            .find(|v| v["by"] == "reviewer" && v["name"] == reviewer)
            .unwrap_or_else(|| panic!("no progress line for {reviewer}"))
    }
}

const C: &str = "Team-Q4";

/// Fill two rows of a packet: keep the ETL loader (non-ASCII function, a justification that
/// looks like a formula), revoke the disabled reporting account.
fn fill(packet: &Path, filled: &Path) {
    let mut reader = csv::Reader::from_path(packet).expect("packet");
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let mut w = csv::Writer::from_path(filled).expect("write");
    w.write_record(&headers).expect("header");
    for row in reader.records() {
        let mut row: Vec<String> = row.expect("row").iter().map(str::to_owned).collect();
        match row[col("name")].as_str() {
            "ETL loader" => {
                row[col("verdict")] = "Keep".into();
                row[col("owner")] = "data-eng@northwind.example".into();
                row[col("function")] = "Lädt Partnerdaten in BigQuery «täglich»".into();
                row[col("justification")] = "=SUM(A1:A3) of the feeds still arrive daily".into();
            }
            "Legacy reporting" => {
                row[col("verdict")] = "revoke".into();
                row[col("justification")] = "Disabled since 2024; nothing reads it".into();
            }
            _ => {}
        }
        w.write_record(&row).expect("row");
    }
    w.flush().expect("flush");
}

#[test]
fn a_whole_campaign_with_three_reviewers_a_packet_a_delegation_and_a_second_review() {
    let team = Team::new();
    team.cmd()
        .args([
            "campaign",
            "start",
            C,
            "--due",
            "2026-12-31",
            "--second-review",
            "admin",
        ])
        .args([
            "--default-reviewer",
            "lead@example.com",
            "--reviewer",
            "lead@example.com",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("every identity has a reviewer"));
    for (provider, to) in [
        ("aws", "ana@example.com"),
        ("gcp", "bo@example.com"),
        ("azure", "cy@example.com"),
    ] {
        team.cmd()
            .args(["campaign", "assign", C, "--provider", provider, "--to", to])
            .args([
                "--reason",
                "Owns the platform",
                "--reviewer",
                "lead@example.com",
            ])
            .assert()
            .success();
    }
    team.cmd()
        .args([
            "campaign",
            "assign",
            C,
            "--from",
            "cy@example.com",
            "--to",
            "dee@example.com",
        ])
        .args(["--reason", "Cy is on leave", "--reviewer", "cy@example.com"])
        .assert()
        .success();
    let ana_total = team.progress(C, "ana@example.com")["total"]
        .as_u64()
        .expect("n");
    assert_eq!(team.progress(C, "dee@example.com")["decided"], 0);

    // Ana, in the screen, sees only her identities: she keeps svc-terraform (admin: it waits
    // for a second review) and revokes the intern project's user.
    {
        let mut store = Store::open(&team.db).expect("store");
        let mut app = nhi_review::tui::open_assigned(
            &store,
            C,
            "ana@example.com",
            Some("ana@example.com".into()),
            now(),
        )
        .expect("open");
        assert_eq!(app.total(), ana_total);
        drive(
            &mut store,
            &mut app,
            "/svc-terraform<Enter>KApplies production<Enter>Reviewed with platform<Enter>\
             <Esc>/svc-intern<Enter>XyProject ended in 2021<Enter>",
            100,
            30,
        );
        assert_eq!(app.campaign.counts.decided(), 2, "{:?}", app.status);
    }
    let ana = team.progress(C, "ana@example.com");
    assert_eq!(
        (
            ana["decided"].as_u64(),
            ana["pending_second_review"].as_u64()
        ),
        (Some(1), Some(1))
    );

    // Ana cannot confirm her own keep; Bo can.
    let terraform = "arn:aws:iam::210987654321:user/platform/svc-terraform";
    team.cmd()
        .args([
            "decide",
            "--campaign",
            C,
            "--identity",
            terraform,
            "--confirm",
        ])
        .args(["--reviewer", "ana@example.com"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "a second review is someone else's",
        ));
    team.cmd()
        .args([
            "decide",
            "--campaign",
            C,
            "--identity",
            terraform,
            "--confirm",
        ])
        .args([
            "--reviewer",
            "bo@example.com",
            "--justification",
            "Checked the pipeline",
        ])
        .assert()
        .success();
    let ana = team.progress(C, "ana@example.com");
    assert_eq!(
        (
            ana["decided"].as_u64(),
            ana["pending_second_review"].as_u64()
        ),
        (Some(2), Some(0))
    );

    // Bo works in a spreadsheet.
    let dir = tempfile::tempdir().expect("dir");
    let packet = dir.path().join("bo.csv");
    team.cmd()
        .args([
            "export",
            "packet",
            "--campaign",
            C,
            "--reviewer",
            "bo@example.com",
            "-o",
        ])
        .arg(&packet)
        .assert()
        .success();
    let filled = dir.path().join("bo-filled.csv");
    fill(&packet, &filled);
    team.cmd()
        .arg("import-decisions")
        .arg(&filled)
        .args(["--campaign", C, "--reviewer", "bo@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 recorded, 0 rejected"));
    assert_eq!(team.progress(C, "bo@example.com")["decided"], 2);

    // What is left for Bo: the same slice without the two he decided.
    let left = dir.path().join("bo-left.csv");
    team.cmd()
        .args(["export", "packet", "--campaign", C])
        .args(["--reviewer", "bo@example.com", "--undecided", "-o"])
        .arg(&left)
        .assert()
        .success();
    let names =
        |path: &Path| common::column(&std::fs::read_to_string(path).expect("packet"), "name");
    let (all, rest) = (names(&packet), names(&left));
    assert_eq!(rest.len() + 2, all.len(), "{all:?} / {rest:?}");
    assert!(rest.iter().all(|n| all.contains(n)));
    assert!(
        !rest
            .iter()
            .any(|n| n == "ETL loader" || n == "Legacy reporting")
    );
    team.cmd()
        .args(["export", "decisions", "--campaign", C, "--undecided"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--undecided is for 'export packet' only",
        ));

    // Dee decides what was delegated to her.
    team.cmd()
        .args(["decide", "--campaign", C, "--identity", "Contoso Expense"])
        .args([
            "--verdict",
            "revoke",
            "--justification",
            "Vendor contract ended",
        ])
        .args(["--reviewer", "dee@example.com"])
        .assert()
        .code(1); // a display name is not an identity reference
    let contoso = team
        .run(&["inventory", "--format", "json", "--provider", "azure"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["name"] == "Contoso Expense")
        .map(|v| v["native_id"].as_str().expect("id").to_owned())
        .expect("listed");
    team.cmd()
        .args(["decide", "--campaign", C, "--identity", &contoso])
        .args([
            "--verdict",
            "revoke",
            "--justification",
            "Vendor contract ended",
        ])
        .args(["--reviewer", "dee@example.com"])
        .assert()
        .success();
    assert_eq!(team.progress(C, "dee@example.com")["decided"], 1);

    // The chain verifies, and says what each reviewer entered.
    team.cmd()
        .args(["campaign", "verify", C])
        .assert()
        .success();
    let store = Store::open(&team.db).expect("store");
    let decided: Vec<(String, String, String, String, String)> = common::decisions(&store, C)
        .into_iter()
        .map(|d| {
            (
                d.identity_native_id,
                d.verdict,
                d.reviewer,
                d.business_function,
                d.justification,
            )
        })
        .collect();
    let by = |who: &str| decided.iter().filter(|d| d.2 == who).count();
    assert_eq!(
        (
            by("ana@example.com"),
            by("bo@example.com"),
            by("dee@example.com")
        ),
        (2, 2, 1)
    );
    let etl = decided
        .iter()
        .find(|d| d.0 == "etl-loader@northwind-prod.iam.gserviceaccount.com")
        .expect("ETL loader decided");
    assert_eq!(
        (etl.1.as_str(), etl.3.as_str(), etl.4.as_str()),
        (
            "keep",
            "Lädt Partnerdaten in BigQuery «täglich»",
            "=SUM(A1:A3) of the feeds still arrive daily"
        )
    );
    let exported = team.run(&["export", "decisions", "--campaign", C]);
    assert!(
        exported.contains("'=SUM(A1:A3)"),
        "neutralised on the way out again"
    );
    let kinds: Vec<String> = common::records(&store, C)
        .iter()
        .map(|(r, _)| r.kind.clone())
        .collect();
    assert!(kinds.iter().filter(|k| *k == "assign").count() >= 3);
    assert_eq!(kinds.iter().filter(|k| *k == "confirm").count(), 1);

    // The keep that needed a second review: its cached flag is checked against its record.
    drop(store);
    let changed = rusqlite::Connection::open(&team.db)
        .expect("open")
        .execute(
            "UPDATE campaign_identity SET second_review = 0 WHERE second_review = 1",
            [],
        )
        .expect("tamper");
    assert_eq!(changed, 1, "one keep needed a second review");
    team.cmd().args(["campaign", "verify", C]).assert().code(1);
}

/// `import-decisions` of a packet some of whose rows are refused (exit 3): what it printed.
fn import_with_refusals(team: &Team, filled: &Path) -> String {
    let out = team
        .cmd()
        .arg("import-decisions")
        .arg(filled)
        .args(["--campaign", C, "--reviewer", "lead@example.com"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}

/// Campaign C started with every identity the lead's, and the lead's packet of it: the folder
/// it is in, its header and its rows.
fn lead_packet(team: &Team) -> (tempfile::TempDir, csv::StringRecord, Vec<Vec<String>>) {
    team.cmd()
        .args([
            "campaign",
            "start",
            C,
            "--default-reviewer",
            "lead@example.com",
        ])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success();
    let dir = tempfile::tempdir().expect("dir");
    let packet = dir.path().join("lead.csv");
    team.cmd()
        .args(["export", "packet", "--campaign", C])
        .args(["--reviewer", "lead@example.com", "-o"])
        .arg(&packet)
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(&packet).expect("packet");
    let headers = reader.headers().expect("headers").clone();
    let rows = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    (dir, headers, rows)
}

#[test]
fn every_invalid_packet_row_is_reported_with_its_reason_and_changes_nothing_else() {
    let team = Team::new();
    let (dir, headers, rows) = lead_packet(&team);
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    assert!(rows.len() >= 9, "{}", rows.len());
    // A decision recorded on row 8's identity after the packet was made.
    team.cmd()
        .args([
            "decide",
            "--campaign",
            C,
            "--identity",
            &rows[7][col("identity_id")],
        ])
        .args([
            "--verdict",
            "revoke",
            "--justification",
            "Decided in the meantime",
        ])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success();
    let mut bad = rows.clone();
    let set = |r: &mut Vec<String>, c: &str, v: &str| r[col(c)] = v.to_owned();
    set(&mut bad[0], "identity_id", "aws-99999");
    set(&mut bad[0], "verdict", "revoke");
    set(&mut bad[1], "verdict", "maybe");
    set(&mut bad[2], "verdict", "keep");
    set(&mut bad[2], "function", "");
    set(&mut bad[2], "owner", "someone@example.com");
    set(&mut bad[3], "verdict", "reduce");
    set(&mut bad[3], "remove", "99");
    set(&mut bad[3], "justification", "x");
    set(&mut bad[4], "verdict", "revoke");
    set(&mut bad[5], "verdict", "revoke");
    set(&mut bad[5], "justification", "y");
    set(&mut bad[5], "check", "0000000000000000");
    set(&mut bad[6], "verdict", "revoke");
    set(&mut bad[6], "justification", "z");
    set(&mut bad[6], "campaign", "Other-Q4");
    set(&mut bad[7], "verdict", "keep");
    set(&mut bad[7], "function", "f");
    set(&mut bad[7], "justification", "j");
    set(&mut bad[8], "verdict", "revoke");
    set(
        &mut bad[8],
        "justification",
        "Good row: the only one recorded",
    );
    let filled = dir.path().join("bad.csv");
    let mut w = csv::Writer::from_path(&filled).expect("write");
    w.write_record(&headers).expect("header");
    for r in &bad {
        w.write_record(r).expect("row");
    }
    w.flush().expect("flush");
    let before = common::records(&Store::open(&team.db).expect("store"), C).len();
    let out = import_with_refusals(&team, &filled);
    for (line, why) in [
        (2, "unknown identity 'aws-99999'"),
        (3, "verdict 'maybe' is none of keep, reduce, revoke"),
        (4, "serves (the 'function' column)"),
        (5, "item 99 is not in the packet's list"),
        (6, "revoke needs a justification"),
        (7, "changed since the packet was made"),
        (8, "the row is from campaign 'Other-Q4'"),
        (9, "was recorded since the packet was made"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("bad.csv row {line} (line ")) && l.contains(why)),
            "line {line} '{why}' not reported:\n{out}"
        );
    }
    assert!(out.contains("1 recorded, 8 rejected"), "{out}");
    let store = Store::open(&team.db).expect("store");
    assert_eq!(
        common::records(&store, C).len(),
        before + 1,
        "only the good row"
    );
    let ident = store
        .find_identity(&rows[2][col("identity_id")])
        .expect("row 3");
    let c = store.campaign(C).expect("c");
    assert_ne!(
        store
            .member(c.id, ident.row_id)
            .expect("m")
            .expect("member")
            .owner
            .as_deref(),
        Some("someone@example.com"),
        "a refused row changes no owner"
    );
}

#[test]
fn an_admin_only_campaign_holds_exactly_the_identities_with_admin_tier_grants() {
    let team = Team::new();
    team.cmd()
        .args([
            "campaign",
            "start",
            "Privileged-Q4",
            "--tier",
            "admin",
            "--reviewer",
            "lead@example.com",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("scope: tier=admin"));
    let store = Store::open(&team.db).expect("store");
    let c = store.campaign("Privileged-Q4").expect("c");
    let everything = store.campaign("2026-Q4").expect("demo campaign");
    let mut admin = 0;
    store
        .for_each_identity(&Default::default(), |i| {
            let holds = i.has_admin_grant();
            let member = store.in_population(c.id, i.row_id)?;
            assert_eq!(member, holds, "{} admin={holds} member={member}", i.name);
            admin += u64::from(holds);
            Ok(())
        })
        .expect("identities");
    assert!(admin > 5 && admin < everything.population_size, "{admin}");
    assert_eq!(c.population_size, admin);
    assert_eq!(c.scope, "tier=admin");
    team.cmd()
        .args(["campaign", "verify", "Privileged-Q4"])
        .assert()
        .success();
}

#[test]
fn a_rejected_packet_row_names_the_line_it_starts_on_in_a_file_saved_with_crlf() {
    let team = Team::new();
    let (dir, headers, mut rows) = lead_packet(&team);
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    // Row 2 holds a justification of two lines; rows 2 and 3 are refused.
    rows[0][col("verdict")] = "maybe".into();
    rows[0][col("justification")] = "first line\nsecond line".into();
    rows[1][col("verdict")] = "perhaps".into();
    // Saved as a spreadsheet saves it: CRLF at the end of every row.
    let filled = dir.path().join("crlf.csv");
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_path(&filled)
        .expect("write");
    w.write_record(&headers).expect("header");
    for r in &rows {
        w.write_record(r).expect("row");
    }
    w.flush().expect("flush");
    let text = std::fs::read_to_string(&filled).expect("read");
    let start_of = |needle: &str| {
        1 + text[..text.find(needle).expect(needle)]
            .matches('\n')
            .count()
    };
    let out = import_with_refusals(&team, &filled);
    // The line each row starts on, counted in the file as written.
    let first = start_of(&rows[0][col("identity_id")]);
    let second = start_of(&rows[1][col("identity_id")]);
    assert!(
        first == 2 && second > first + 1,
        "the fixture as intended (row 2 of several lines):\n{text}"
    );
    for (row, line, verdict) in [(2, first, "maybe"), (3, second, "perhaps")] {
        assert!(
            out.lines()
                .any(|l| l.contains(&format!("crlf.csv row {row} (line {line})"))
                    && l.contains(&format!("verdict '{verdict}'"))),
            "row {row} not reported at line {line}:\n{out}"
        );
    }
}

#[test]
fn assign_takes_the_members_matching_every_selector_and_refuses_a_selection_of_none() {
    let team = Team::new();
    team.cmd()
        .args(["campaign", "start", C, "--reviewer", "lead@example.com"])
        .assert()
        .success();
    let assign = |args: &[&str]| {
        let mut cmd = team.cmd();
        cmd.args(["campaign", "assign", C])
            .args(args)
            .args(["--to", "zed@example.com", "--reason", "Orders on AWS"])
            .args(["--reviewer", "lead@example.com"]);
        cmd.assert()
    };
    // The orders team owns one AWS identity and others elsewhere: both selectors must hold.
    const ORDERS_ON_AWS: [&str; 4] = [
        "--owner",
        "orders-team@northwind.example",
        "--provider",
        "aws",
    ];
    assign(&ORDERS_ON_AWS)
        .success()
        .stdout(predicate::str::contains(
            "assigned 1 identity of 'Team-Q4' to zed@example.com",
        ));
    assert_eq!(team.progress(C, "zed@example.com")["total"], 1);
    assign(&ORDERS_ON_AWS)
        .success()
        .stdout(predicate::str::contains("assigned 0 identities"))
        .stdout(predicate::str::contains(
            "1 matched were assigned to zed@example.com already",
        ));
    // A selector that matches nobody (a typo) is an error, and assigns nothing.
    assign(&["--owner", "orders-tem@northwind.example"])
        .code(1)
        .stderr(predicate::str::contains(
            "no member of campaign 'Team-Q4' matches --owner orders-tem@northwind.example",
        ));
    assign(&[
        "--owner",
        "orders-team@northwind.example",
        "--provider",
        "okta",
    ])
    .code(1)
    .stderr(predicate::str::contains("nothing assigned"));
    assert_eq!(team.progress(C, "zed@example.com")["total"], 1);
}

#[test]
fn an_independent_campaign_hands_nothing_to_its_owner_at_the_start() {
    let team = Team::new();
    team.cmd()
        .args(["campaign", "start", C, "--independent"])
        .args([
            "--default-reviewer",
            "lead@example.com",
            "--reviewer",
            "lead@example.com",
        ])
        .assert()
        .success();
    let reviewers: Vec<String> = team
        .status(C)
        .into_iter()
        .filter(|v| v["by"] == "reviewer")
        .map(|v| v["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    // The example organisation's identities have owners; none may decide its own here, so
    // the default reviewer holds them all until the lead hands them out.
    assert_eq!(reviewers, vec!["lead@example.com".to_owned()]);
    // And the check of the assignments knows the rule the start followed.
    team.cmd()
        .args(["campaign", "verify", C])
        .assert()
        .success()
        .stdout(predicate::str::contains("intact"));
}

#[test]
fn a_keep_waiting_for_its_second_review_says_so_and_a_closed_campaign_makes_no_packet() {
    let team = Team::new();
    team.cmd()
        .args(["campaign", "start", C, "--second-review", "admin"])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success();
    team.cmd()
        .args(["decide", "--campaign", C, "--identity"])
        .arg("arn:aws:iam::210987654321:user/platform/svc-terraform")
        .args(["--verdict", "keep", "--owner", "platform-team@northwind.example"])
        .args(["--function", "Applies the infrastructure", "--reviewer", "ana@example.com"])
        .args(["--justification", "Terraform needs admin to apply IAM changes"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "stands once a second, different reviewer confirms it: nhi-review decide --campaign Team-Q4 --identity aws-",
        ));
    team.cmd()
        .args(["campaign", "close", "2026-Q4", "--accept-undecided"])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success();
    let dir = tempfile::tempdir().expect("dir");
    let packet = dir.path().join("late.csv");
    team.cmd()
        .args([
            "export",
            "packet",
            "--campaign",
            "2026-Q4",
            "--undecided",
            "-o",
        ])
        .arg(&packet)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "campaign '2026-Q4' is closed: a packet is for deciding",
        ));
    assert!(!packet.exists(), "no packet of a closed campaign");
    // What the close recorded is said as it recorded it.
    let status = team.run(&["campaign", "status", "2026-Q4"]);
    assert!(
        status.contains("· closed")
            && status.contains("UNREVIEWED")
            && !status.contains("UNDECIDED"),
        "{status}"
    );
    team.cmd()
        .args(["export", "packet", "--campaign", C, "-o"])
        .arg(dir.path().join("no-such-folder").join("p.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no-such-folder' does not exist"))
        .stderr(predicate::str::contains(".partial").not());
}
