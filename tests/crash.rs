//! Crashes and company: the binary is killed with SIGKILL at many points of an import and of a
//! review session, and run as two or three processes at once on one database. Afterwards the
//! database is whole (`integrity_check`), an import is all or nothing, every decision the
//! screen showed as saved is in the chain and the chain verifies, and no secret of the example
//! files reached the database file. Each test prints one line of numbers (see TESTING.md).
//!
//! Every wait is a bounded poll; the whole file runs in seconds in a debug build.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{NOW, count, dump, repo};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_nhi-review")
}

/// The binary on a database at the pinned time, nothing from the environment's reviewer.
fn nhi(db: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env("NHI_REVIEW_DB", db)
        .env("NHI_REVIEW_NOW", NOW)
        .env_remove("NHI_REVIEW_REVIEWER")
        .env_remove("NHI_REVIEW_WAIT");
    c
}

/// Run to completion; must succeed; standard output.
fn run(db: &Path, args: &[&str]) -> String {
    let out = nhi(db).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// A synthetic AWS credential report of `n` rows, the shape of
/// `examples/gen_credential_report.rs`; `variant` moves the last-used dates so that a second
/// import of another variant updates every identity in place.
fn credential_report(path: &Path, n: u64, variant: u64) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(w, "{HEADER}").expect("write");
    for i in 0..n {
        let day = 1 + (i + variant) % 28;
        let month = 1 + (i / 28) % 12;
        let person = i % 10 == 0;
        let second = if i % 3 == 0 {
            format!("true,2026-{month:02}-{day:02}T08:00:00+00:00,N/A,N/A,N/A")
        } else {
            "false,N/A,N/A,N/A,N/A".to_owned()
        };
        writeln!(
            w,
            "svc-crash-{i:07},arn:aws:iam::123456789012:user/crash/svc-crash-{i:07},2024-{month:02}-{day:02}T09:30:00+00:00,{},N/A,N/A,N/A,false,true,2025-{month:02}-{day:02}T00:00:00+00:00,2026-{:02}-{day:02}T03:14:00+00:00,eu-west-1,s3,{second},false,N/A,false,N/A",
            if person { "true" } else { "false" },
            10 + variant % 2,
        )
        .expect("write");
    }
    w.flush().expect("flush");
}

/// Copy a closed database (and its WAL, if one was left) to `to`.
fn copy_db(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy db");
    for suffix in ["-wal", "-shm"] {
        let mut f = from.as_os_str().to_owned();
        f.push(suffix);
        let mut t = to.as_os_str().to_owned();
        t.push(suffix);
        if Path::new(&f).exists() {
            std::fs::copy(&f, &t).expect("copy side file");
        }
    }
}

/// Open as any later process would (recovering a hot journal or WAL), check integrity, dump.
fn integrity_and_dump(db: &Path) -> (bool, String) {
    let conn = rusqlite::Connection::open(db).expect("open");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    (integrity == "ok", dump(&conn))
}

/// Wait (bounded) until a killed process is gone.
fn wait_gone(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The private key material of the example key file, which the importer must drop.
fn secret_material() -> Vec<String> {
    let text =
        std::fs::read_to_string(repo("examples/gcp/key-file-etl-loader.json")).expect("key file");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let key = json["private_key"]
        .as_str()
        .expect("a private key")
        .to_owned();
    let body: Vec<String> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    assert!(!body.is_empty(), "the fixture carries key material");
    let mut out = body;
    out.push("BEGIN PRIVATE KEY".to_owned());
    out
}

#[test]
fn the_secret_check_finds_the_key_where_it_is() {
    // The check the other tests rely on, on a file that does hold the key: it must see it.
    let dir = tempfile::tempdir().expect("dir");
    let leaky = dir.path().join("leaky.db");
    std::fs::copy(repo("examples/gcp/key-file-etl-loader.json"), &leaky).expect("copy");
    assert!(secrets_found(&leaky) > 0);
}

/// How many of the secrets appear in the bytes of the database and its side files.
fn secrets_found(db: &Path) -> usize {
    let secrets = secret_material();
    let mut found = 0;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let Ok(bytes) = std::fs::read(PathBuf::from(p)) else {
            continue;
        };
        for s in &secrets {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                found += 1;
            }
        }
    }
    found
}

/// A small xorshift generator: the kill points vary from run to run, and a failing run is
/// replayed with `NHI_CRASH_SEED=<the seed it printed>`.
struct Rng {
    seed: u64,
    state: u64,
}

impl Rng {
    fn from_env() -> Rng {
        let seed = std::env::var("NHI_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        Rng {
            seed,
            state: seed | 1,
        }
    }

    /// Uniform in [0, 1).
    fn next_unit(&mut self) -> f64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn sigkill_during_an_import_leaves_the_database_before_or_after_it() {
    let dir = tempfile::tempdir().expect("dir");
    let base_csv = dir.path().join("base.csv");
    let next_csv = dir.path().join("next.csv");
    // The next export updates every identity of the base and adds as many again.
    credential_report(&base_csv, 4_000, 0);
    credential_report(&next_csv, 9_000, 1);

    let before_db = dir.path().join("before.db");
    run(&before_db, &["import", &base_csv.display().to_string()]);
    let (ok, before) = integrity_and_dump(&before_db);
    assert!(ok);

    // One complete import, timed, gives the state after and the span to kill across.
    let after_db = dir.path().join("after.db");
    copy_db(&before_db, &after_db);
    let started = Instant::now();
    run(&after_db, &["import", &next_csv.display().to_string()]);
    let mut span = started.elapsed();
    let timed = span;
    let (ok, after) = integrity_and_dump(&after_db);
    assert!(ok);
    assert_ne!(before, after, "the import changes the database");

    // Fifteen kills that land while the import runs; a run that ends before its kill is
    // checked all the same and tried again, up to twice as many runs in all.
    let kills = 15;
    let mut rng = Rng::from_env();
    let (mut injected, mut runs, mut finished) = (0, 0, 0);
    let (mut as_before, mut as_after, mut corrupted) = (0, 0, 0);
    while injected < kills && runs < 2 * kills {
        let db = dir.path().join(format!("kill-{runs}.db"));
        copy_db(&before_db, &db);
        let mut child = nhi(&db)
            .args(["import", &next_csv.display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // A random point of each fifteenth of 1.3 spans: a loaded machine runs some imports
        // slower than the timed one, and the end of the import (its commit) must be hit too.
        let slot = (f64::from(runs % kills) + rng.next_unit()) / f64::from(kills);
        let delay = span.mul_f64(1.3 * slot);
        std::thread::sleep(delay);
        if child.try_wait().expect("status").is_some() {
            // Imports run faster than the timed one (it may have met a busy moment): aim
            // within the time this one took at most.
            finished += 1;
            span = span.min(delay.mul_f64(0.95));
        } else {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
            injected += 1;
        }
        runs += 1;
        let (ok, state) = integrity_and_dump(&db);
        if !ok {
            corrupted += 1;
        }
        if state == before {
            as_before += 1;
        } else if state == after {
            as_after += 1;
        } else {
            panic!(
                "run {runs}, killed after {delay:?} (NHI_CRASH_SEED={}), left a state that is neither before nor after",
                rng.seed
            );
        }
        std::fs::remove_file(&db).ok();
    }
    println!(
        "import: {injected} kills injected across {timed:?} (aimed within {span:?} at the end; seed {}; {finished} more runs ended before their kill; {as_before} left it before, {as_after} after the import), databases corrupted: {corrupted}",
        rng.seed
    );
    assert_eq!(corrupted, 0);
    assert!(injected > 0, "some kills landed during the import");
    assert_eq!(as_before + as_after, runs);
}

/// What the crash test does in a review session, on top of the shared driver.
trait Review {
    fn revoke(&self, justification: &str, seq: Option<usize>);
    fn kill_process(&self);
}

impl Review for Tmux {
    /// Revoke the identity under the cursor with this justification, answering whatever the
    /// screen asks on the way, until it shows `saved #{seq}` (with `None`: until the
    /// justification is sent, not waiting for the save).
    fn revoke(&self, justification: &str, seq: Option<usize>) {
        self.keys(&["X"]);
        let saved = seq.map_or_else(|| "\u{0}never".to_owned(), |n| format!("saved #{n}"));
        let (mut confirmed, mut owner, mut function, mut justified) = (false, false, false, false);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(&saved) {
                return;
            }
            if !confirmed && screen.contains("Confirm revoke") {
                self.keys(&["y"]);
                confirmed = true;
            } else if !owner && screen.contains("— owner") {
                self.type_text("sre@northwind.example");
                self.keys(&["Enter"]);
                owner = true;
            } else if !function && screen.contains("— business function") {
                self.type_text("Crash test");
                self.keys(&["Enter"]);
                function = true;
            } else if !justified && screen.contains("— justification") {
                self.type_text(justification);
                self.keys(&["Enter"]);
                justified = true;
                if seq.is_none() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {saved:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    fn kill_process(&self) {
        let pid = self.pane_pid();
        let killed = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        wait_gone(pid);
    }
}

fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("demo.db");
    run(
        &db,
        &["--db", &db.display().to_string(), "demo", "--no-review"],
    );
    db
}

#[test]
fn sigkill_during_a_review_session_keeps_every_decision_the_screen_showed() {
    if !Tmux::available("the review-session kill test") {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_db(dir.path());
    let command = format!(
        "env NHI_REVIEW_DB='{}' NHI_REVIEW_NOW='{NOW}' '{}' review 2026-Q4 --reviewer crash@example.com",
        db.display(),
        bin()
    );
    let sessions = 4;
    let per_session = 2;
    // Decisions the screen showed as saved, and those whose save a kill may have cut.
    let mut shown: Vec<String> = Vec::new();
    let (mut in_flight, mut landed) = (0, 0);
    let mut kills = 0;
    let mut lost = 0;
    for s in 0..sessions {
        let tmux = Tmux::start(&format!("crash-s{s}"), &command, 100, 30);
        tmux.wait_for(&format!("Queue {}/78", shown.len() + 1));
        for d in 0..per_session {
            let justification = format!("Crash session {s} decision {d}");
            // The chain holds the start record, then one record per decision.
            tmux.revoke(&justification, Some(shown.len() + 2));
            shown.push(justification);
        }
        // Then the session dies: idle on a saved decision, in the middle of typing the next
        // justification, or the instant the next justification is sent (its save may or may
        // not have happened; either way the chain must verify).
        let cut = format!("Crash session {s} cut");
        match s % 3 {
            1 => {
                tmux.keys(&["X"]);
                tmux.wait_for("— ");
                tmux.type_text("half typ");
            }
            2 => {
                tmux.revoke(&cut, None);
                in_flight += 1;
            }
            _ => {}
        }
        tmux.kill_process();
        kills += 1;
        drop(tmux);

        let conn = rusqlite::Connection::open(&db).expect("open");
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(integrity, "ok");
        let mut decisions = count(&conn, "SELECT COUNT(*) FROM record WHERE kind = 'decision'");
        if s % 3 == 2 && decisions == shown.len() as i64 + 1 {
            // The cut save landed whole: it is one more decision, with its own text.
            landed += 1;
            shown.push(cut);
            decisions = shown.len() as i64;
        }
        for j in &shown {
            let n: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM record WHERE kind = 'decision' AND record LIKE ?1",
                    [format!("%{j}%")],
                    |r| r.get(0),
                )
                .expect("count");
            if n != 1 {
                lost += 1;
            }
        }
        assert_eq!(
            decisions,
            shown.len() as i64,
            "one decision record per decision shown as saved, none more"
        );
        drop(conn);
        assert!(
            run(&db, &["campaign", "verify", "2026-Q4"]).contains("intact"),
            "the chain verifies after kill {kills}"
        );
    }
    run(&db, &["check"]);
    let secrets = secrets_found(&db);
    println!(
        "review: {kills} kills injected after {} decisions shown as saved ({landed} of {in_flight} saves cut by a kill landed whole), decisions lost: {lost}, databases corrupted: 0, secrets found: {secrets}",
        shown.len() - landed
    );
    assert_eq!(lost, 0);
    assert_eq!(secrets, 0);
}

/// Every non-blank line of standard error says something: not a bare prefix, not SQLite's code.
fn unexplained_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            let rest = l
                .trim()
                .trim_start_matches("Error:")
                .trim_start_matches("error:")
                .trim();
            rest.chars().filter(|c| c.is_alphabetic()).count() < 3
                || rest.ends_with(':')
                || rest.contains("Error code")
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn an_import_and_two_deciders_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = demo_db(dir.path());
    let csv_a = dir.path().join("a.csv");
    let csv_b = dir.path().join("b.csv");
    credential_report(&csv_a, 8_000, 0);
    credential_report(&csv_b, 8_000, 1);

    let population = run(&db, &["export", "inventory", "--campaign", "2026-Q4"]);
    let ids = common::column(&population, "identity_id");
    let per_decider = 6;
    assert!(ids.len() >= 2 * per_decider);

    let importer = {
        let db = db.clone();
        let files = [csv_a.clone(), csv_b.clone(), csv_a.clone()];
        std::thread::spawn(move || {
            let mut outcomes = Vec::new();
            for f in files {
                let out = nhi(&db)
                    .args(["import", &f.display().to_string()])
                    .output()
                    .expect("import runs");
                outcomes.push((
                    out.status.success(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                ));
            }
            outcomes
        })
    };
    let deciders: Vec<_> = (0..2)
        .map(|k| {
            let db = db.clone();
            let mine: Vec<String> = ids[k * per_decider..(k + 1) * per_decider].to_vec();
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                for id in mine {
                    let out = nhi(&db)
                        .args([
                            "decide",
                            "--campaign",
                            "2026-Q4",
                            "--identity",
                            &id,
                            "--verdict",
                            "revoke",
                            "--justification",
                            "x",
                            "--reviewer",
                            "r@example.com",
                        ])
                        .output()
                        .expect("decide runs");
                    outcomes.push((
                        out.status.success(),
                        String::from_utf8_lossy(&out.stderr).into_owned(),
                    ));
                }
                outcomes
            })
        })
        .collect();

    let mut outcomes = importer.join().expect("importer");
    for d in deciders {
        outcomes.extend(d.join().expect("decider"));
    }
    let failed: Vec<&(bool, String)> = outcomes.iter().filter(|(ok, _)| !ok).collect();
    assert!(failed.is_empty(), "every run succeeds: {failed:?}");
    let unexplained: Vec<String> = outcomes
        .iter()
        .flat_map(|(_, e)| unexplained_lines(e))
        .collect();
    assert!(unexplained.is_empty(), "{unexplained:?}");

    let conn = rusqlite::Connection::open(&db).expect("open");
    let decisions = count(&conn, "SELECT COUNT(*) FROM record WHERE kind = 'decision'");
    let lost = (2 * per_decider) as i64 - decisions;
    let waits = outcomes
        .iter()
        .flat_map(|(_, e)| e.lines())
        .filter(|l| l.starts_with("waiting:"))
        .count();
    drop(conn);
    run(&db, &["check"]);
    let secrets = secrets_found(&db);
    println!(
        "concurrency: 3 imports and {} decides at once ({waits} said they waited for a writer), {} runs failed, decisions lost: {lost}, databases corrupted: 0, secrets found: {secrets}",
        2 * per_decider,
        failed.len()
    );
    assert_eq!(lost, 0);
    assert_eq!(secrets, 0);
}
