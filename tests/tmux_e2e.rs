//! End to end in a real terminal: the binary runs in tmux, keys are typed with `send-keys`, the
//! screen is read with `capture-pane`. Waits poll for text (no bare sleeps); the session is
//! killed on drop. Skipped, with a notice, where tmux is not installed.

mod common;

use std::path::Path;
use std::process::Command;

use common::tmux::Tmux;
use common::{NOW, count};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_nhi-review")
}

fn run(db: &Path, args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(args)
        .env("NHI_REVIEW_DB", db)
        .env("NHI_REVIEW_NOW", NOW)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn review_command(db: &Path) -> String {
    format!(
        "env NHI_REVIEW_DB='{}' NHI_REVIEW_NOW='{NOW}' '{}' review 2026-Q4 --reviewer e2e@example.com",
        db.display(),
        bin()
    )
}

#[test]
fn decide_in_the_terminal_survive_sigkill_resume_and_export() {
    if !Tmux::available("the end-to-end terminal test") {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("e2e.db");
    // The whole example organisation, as `demo` imports it, in a database that outlives the run.
    run(
        &db,
        &["--db", &db.display().to_string(), "demo", "--no-review"],
    );
    let population = run(&db, &["export", "inventory", "--campaign", "2026-Q4"]);
    let first_three: Vec<String> = common::column(&population, "name")
        .into_iter()
        .take(3)
        .collect();
    assert_eq!(first_three.len(), 3);

    // Keep the first identity, then kill the process the moment the decision is on screen.
    let tmux = Tmux::start("e2e-a", &review_command(&db), 100, 30);
    tmux.wait_for("Queue 1/78");
    tmux.keys(&["K"]);
    if tmux.wait_for("— ").contains("— owner") {
        tmux.type_text("sre@northwind.example");
        tmux.keys(&["Enter"]);
    }
    tmux.wait_for("— business function");
    tmux.type_text("Exports the ledger for finance");
    tmux.keys(&["Enter"]);
    // The riskiest identity holds admin-tier access: its keep needs a reason.
    tmux.wait_for("Required: ");
    tmux.type_text("Finance signs off monthly");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved #2");
    let pid = tmux.pane_pid();
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    drop(tmux);
    let conn = rusqlite::Connection::open(&db).expect("open");
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM record WHERE kind = 'decision'"),
        1,
        "the decision on screen survived SIGKILL"
    );
    drop(conn);

    // Re-open: it resumes at the first undecided identity; reduce one, revoke the next, quit.
    let tmux = Tmux::start("e2e-b", &review_command(&db), 100, 30);
    tmux.wait_for("Queue 2/78");
    tmux.keys(&["R", "Space", "Enter"]);
    tmux.wait_for("business function (optional)");
    tmux.type_text("Nightly backups");
    tmux.keys(&["Enter"]);
    tmux.wait_for("justification");
    tmux.type_text("Key 2 replaced key 1");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved #3");
    tmux.keys(&["X"]);
    tmux.wait_for("Confirm revoke");
    tmux.keys(&["y"]);
    tmux.wait_for("— justification");
    tmux.type_text("Unused since 2024");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("saved #4");
    assert!(screen.contains("keep 1 · reduce 1 · revoke 1"), "{screen}");
    assert!(
        screen.contains("Queue 4/78"),
        "moved on to the next identity: {screen}"
    );
    tmux.keys(&["q"]);
    drop(tmux);

    let csv = run(&db, &["export", "decisions", "--campaign", "2026-Q4"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("csv");
    let decided: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[col("kind")] == "decision")
        .collect();
    let verdicts: Vec<(&str, &str, &str)> = decided
        .iter()
        .map(|r| {
            (
                &r[col("name")],
                &r[col("verdict")],
                &r[col("justification")],
            )
        })
        .collect();
    let expected: Vec<(&str, &str, &str)> = vec![
        (first_three[0].as_str(), "keep", "Finance signs off monthly"),
        (first_three[1].as_str(), "reduce", "Key 2 replaced key 1"),
        (first_three[2].as_str(), "revoke", "Unused since 2024"),
    ];
    assert_eq!(verdicts, expected);
    assert!(
        decided
            .iter()
            .all(|r| &r[col("reviewer")] == "e2e@example.com")
    );
    assert!(run(&db, &["campaign", "verify", "2026-Q4"]).contains("intact — 4 records"));
}

/// A demo database at 80×24, reviewed by e2e@example.com.
fn demo_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("e2e.db");
    run(
        &db,
        &["--db", &db.display().to_string(), "demo", "--no-review"],
    );
    db
}

fn start_80x24(tag: &str, db: &Path) -> Tmux {
    Tmux::start(&format!("e2e-{tag}"), &review_command(db), 80, 24)
}

#[test]
fn the_card_of_nw_user_provisioner_reads_to_its_last_signal_at_80x24() {
    if !Tmux::available("the end-to-end terminal test") {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_db(dir.path());
    let tmux = start_80x24("card", &db);
    tmux.wait_for("Queue 1/78");
    tmux.keys(&["/"]);
    tmux.type_text("nw-user-provisioner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Queue 1/1");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Identity · line 1/");
    // Section by section to the signals, then line by line to the last one.
    tmux.keys(&["]", "]", "]"]);
    let screen = tmux.wait_for("Signals (");
    assert!(screen.contains("Identity "), "{screen}");
    for _ in 0..6 {
        tmux.keys(&["j"]);
    }
    // Wait for the screen to settle on the last line (the keys may still be arriving):
    // the last signal, wrapped, readable in full.
    let screen = tmux.wait_for("does not track use of all its");
    assert!(screen.contains("UNK NHI1"), "{screen}");
    tmux.keys(&["q"]);
}

#[test]
fn a_filtered_queue_is_revoked_in_five_keys_and_one_justification() {
    if !Tmux::available("the end-to-end terminal test") {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_db(dir.path());
    let tmux = start_80x24("bulk", &db);
    tmux.wait_for("Queue 1/78");
    tmux.keys(&["/"]);
    tmux.type_text("svc-");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("shown for 'svc-'");
    let shown: u64 = screen
        .lines()
        .find_map(|l| l.split(" shown for").next()?.trim().parse().ok())
        .expect("the count of the filter");
    assert!(shown >= 10, "{shown}");
    // V marks all shown, y confirms; X revokes them, y confirms; the justification; Enter.
    tmux.keys(&["V"]);
    tmux.wait_for("Mark all");
    tmux.keys(&["y"]);
    tmux.wait_for("marked");
    tmux.keys(&["X"]);
    tmux.wait_for("Confirm revoke");
    tmux.keys(&["y"]);
    tmux.wait_for("justification (required)");
    tmux.type_text("Service users replaced by roles");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("revoke for {shown} identities"));
    tmux.keys(&["q"]);
    drop(tmux);
    let conn = rusqlite::Connection::open(&db).expect("open");
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM record WHERE kind = 'decision' AND verdict = 'revoke'"
        ),
        shown as i64,
        "one chained record per identity"
    );
    drop(conn);
    assert!(run(&db, &["campaign", "verify", "2026-Q4"]).contains("intact"));
}
