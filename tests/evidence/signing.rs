//! Signing: the bundle and what is in it, verified by the stock tools and by nhi-review; the
//! keys (a file, a passphrase-protected file, ssh-agent); what is refused.

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};

use nhi_review::db::Store;
use nhi_review::db::prelude::*;

use crate::common::{self, findings, now, start};
use crate::support::*;

#[test]
fn a_signed_bundle_verifies_with_the_stock_tools_and_with_nhi_review() {
    let env = Env::new();
    let bundle = env.sign(Q4, "evidence-2026-Q4");
    let mut names: Vec<String> = std::fs::read_dir(&bundle)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "SHA256SUMS.sig",
            "VERIFY.md",
            "allowed_signers",
            "decisions.csv",
            "decisions.jsonl",
            "manifest.json",
            "population.csv",
            "report.html",
            "summary.md"
        ]
    );
    assert!(read(&bundle.join("SHA256SUMS.sig")).starts_with("-----BEGIN SSH SIGNATURE-----"));
    if have("ssh-keygen") {
        assert!(
            keygen_verifies(&bundle, &env.trusted(), ALICE, NS),
            "ssh-keygen -Y verify"
        );
    }
    if have("sha256sum") {
        assert!(sums_check(&bundle), "sha256sum --strict -c");
    }
    let trusted = env.trusted();
    let (ok, text) = env.verify(
        &bundle,
        &["--allowed-signers", trusted.to_str().expect("utf-8")],
    );
    assert!(ok, "{text}");
    let fp = ssh_key::PublicKey::read_openssh_file(&env.key.with_extension("pub"))
        .expect("pub")
        .fingerprint(ssh_key::HashAlg::Sha256)
        .to_string();
    assert!(
        text.contains(&format!("signed by: key {fp} as '{ALICE}'")),
        "{text}"
    );
    assert!(text.contains("trusted: yes"), "{text}");
    for check in [
        "signature:",
        "files:",
        "chain:",
        "decisions.csv:",
        "manifest:",
        "population:",
    ] {
        assert!(text.contains(&format!("  - {check}")), "{check} in {text}");
    }
    assert!(text.trim_end().ends_with("verified"), "{text}");
    // A trusted file that happens to hold the same line as the bundle's copy is trusted; the
    // bundle's own copy never is.
    let same = env.path("same_line_allowed_signers");
    std::fs::copy(bundle.join("allowed_signers"), &same).expect("copy");
    let (ok, text) = env.verify(
        &bundle,
        &["--allowed-signers", same.to_str().expect("utf-8")],
    );
    assert!(ok && text.contains("trusted: yes"), "{text}");
    let own = bundle.join("allowed_signers");
    let (ok, text) = env.verify(
        &bundle,
        &["--allowed-signers", own.to_str().expect("utf-8")],
    );
    assert!(
        ok && text.contains("trusted: NO") && text.contains("not a trust anchor"),
        "{text}"
    );
    // Without a trusted allowed_signers it verifies, but says the signer is not trusted.
    let (ok, text) = env.verify(&bundle, &[]);
    assert!(
        ok && text.contains("NOT TRUSTED") && text.contains(&fp),
        "{text}"
    );
}

#[test]
fn the_bundle_holds_the_chain_byte_for_byte_and_says_what_people_need() {
    let env = Env::new();
    let bundle = env.sign(Q4, "out");
    let store = Store::open(&env.db).expect("store");
    let campaign = store.campaign(Q4).expect("campaign");
    let mut stored = String::new();
    store
        .for_each_record(campaign.id, |row| {
            stored.push_str(&row.link.record);
            stored.push('\n');
            Ok(())
        })
        .expect("records");
    assert_eq!(
        read(&bundle.join("decisions.jsonl")),
        stored,
        "byte for byte"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&bundle.join("manifest.json"))).expect("json");
    assert_eq!(manifest["campaign"], Q4);
    assert_eq!(manifest["namespace"], NS);
    assert_eq!(manifest["signer"]["identity"], ALICE);
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["period"]["due_date"], serde_json::Value::Null);
    assert_eq!(manifest["population"]["size"], campaign.population_size);
    assert_eq!(manifest["chain"]["length"], stored.lines().count());
    assert_eq!(
        manifest["counts"]["overrides"], 1,
        "the keep against a revoke"
    );
    assert!(manifest["sources"].as_array().expect("sources").len() >= 10);
    assert!(
        manifest["sources"][0]["sha256"]
            .as_str()
            .expect("sha")
            .len()
            == 64
    );
    let summary = read(&bundle.join("summary.md"));
    assert!(
        summary.contains("| keep | 2 |") && summary.contains("| revoke | 1 |"),
        "{summary}"
    );
    assert!(
        summary.contains("## Overrides of the suggestion (1)")
            && summary.contains("svc-snowflake-loader")
    );
    assert!(summary.contains("| ana@example.com |") && summary.contains("| team-a@example.com |"));
    assert!(
        summary.contains("unreviewed at close") && summary.contains("svc-terraform"),
        "listed by name"
    );
    let html = read(&bundle.join("report.html"));
    assert!(html.matches("<svg").count() == 2, "two charts");
    for fetch in ["<script", "src=", "href=", "url(", "@import", "<link"] {
        assert!(
            !html.contains(fetch),
            "report.html fetches nothing: found '{fetch}'"
        );
    }
    let verify_md = read(&bundle.join("VERIFY.md"));
    assert!(verify_md.contains(&format!("ssh-keygen -Y verify -f ../TRUSTED_allowed_signers -I {ALICE} -n {NS} -s SHA256SUMS.sig < SHA256SUMS")));
    assert!(verify_md.contains("not a trust anchor"));
    let population = read(&bundle.join("population.csv"));
    assert_eq!(
        population.lines().filter(|l| l.starts_with("aws,")).count(),
        26
    );
    // The checkpoint was stored, and campaign verify compares with it.
    let checkpoints = store.checkpoints(campaign.id).expect("checkpoints");
    assert_eq!(checkpoints.len(), 1);
    assert_eq!(
        checkpoints[0].head,
        manifest["chain"]["head"].as_str().expect("head")
    );
    assert_eq!(checkpoints[0].signer, ALICE);
    let out = env
        .cmd()
        .args(["campaign", "verify", Q4])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("compared with 1 signed checkpoint"), "{text}");
}

#[test]
fn an_open_campaign_an_existing_folder_and_a_bad_signer_are_refused() {
    let env = Env::open();
    let mut store = Store::open(&env.db).expect("store");
    start(&mut store, Q4, now()).expect("start");
    drop(store);
    let out = env
        .cmd()
        .args([
            "evidence",
            "--campaign",
            Q4,
            "--signer",
            ALICE,
            "-o",
            "out",
            "--key",
        ])
        .arg(&env.key)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("is open")
            && err.contains("campaign close 2026-Q4")
            && err.contains("--accept-undecided"),
        "{err}"
    );
    assert!(!env.path("out").exists());
    env.campaign("2026-Q1", false);
    std::fs::create_dir(env.path("taken")).expect("dir");
    let out = env
        .cmd()
        .args([
            "evidence",
            "--campaign",
            "2026-Q1",
            "--signer",
            ALICE,
            "-o",
            "taken",
            "--key",
        ])
        .arg(&env.key)
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("already exists"));
    let out = env
        .cmd()
        .args([
            "evidence",
            "--campaign",
            "2026-Q1",
            "--signer",
            "alice smith",
            "--key",
        ])
        .arg(&env.key)
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("signer 'alice smith'"));
    let leftovers = std::fs::read_dir(env.dir.path()).expect("ls").filter(|e| {
        e.as_ref()
            .expect("e")
            .file_name()
            .to_string_lossy()
            .contains("partial")
    });
    assert_eq!(leftovers.count(), 0, "no half bundle left behind");
}

#[test]
fn a_passphrase_protected_key_signs_with_its_passphrase_and_never_prints_it() {
    let env = Env::new();
    let locked = make_key(env.dir.path(), "locked", Some("correct horse battery"));
    let sign = |out: &str, passphrase: Option<&str>| {
        let mut c = env.cmd();
        c.args([
            "evidence",
            "--campaign",
            Q4,
            "--signer",
            ALICE,
            "-o",
            out,
            "--key",
        ])
        .arg(&locked);
        if let Some(p) = passphrase {
            c.env("NHI_REVIEW_KEY_PASSPHRASE", p);
        }
        c.write_stdin("").output().expect("runs")
    };
    let out = sign("a", Some("correct horse battery"));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        !text.contains("correct horse"),
        "the passphrase is never printed"
    );
    let out = sign("b", Some("wrong"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("passphrase does not open"));
    let out = sign("c", None);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("NHI_REVIEW_KEY_PASSPHRASE"),
        "no terminal: says what to do"
    );
    assert!(!env.path("b").exists() && !env.path("c").exists());
    let store = Store::open(&env.db).expect("store");
    let id = store.campaign(Q4).expect("c").id;
    assert_eq!(
        store.checkpoints(id).expect("cp").len(),
        1,
        "only the signed bundle stored one"
    );
    let dump = common::dump(store.connection());
    assert!(
        !dump.contains("correct horse") && !dump.contains("PRIVATE KEY"),
        "no secret stored"
    );
}

/// An ssh-agent on its own socket, killed when dropped.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent(dir: &Path) -> Option<Agent> {
    let socket = dir.join("agent.sock");
    let child = Process::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let agent = Agent { child, socket };
    for _ in 0..250 {
        if agent.socket.exists() {
            return Some(agent);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("ssh-agent did not create its socket");
}

#[test]
fn a_key_held_by_ssh_agent_signs_when_its_pub_file_is_named() {
    let env = Env::new();
    if !have("ssh-agent") || !have("ssh-add") {
        return;
    }
    let agent = agent(env.dir.path()).expect("agent");
    let public = env.key.with_extension("pub");
    let evidence = |out: &str| {
        env.cmd()
            .env("SSH_AUTH_SOCK", &agent.socket)
            .args([
                "evidence",
                "--campaign",
                Q4,
                "--signer",
                ALICE,
                "-o",
                out,
                "--key",
            ])
            .arg(&public)
            .output()
            .expect("runs")
    };
    let out = evidence("before");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ssh-agent does not hold the key"),
        "{out:?}"
    );
    let added = Process::new("ssh-add")
        .arg(&env.key)
        .env("SSH_AUTH_SOCK", &agent.socket)
        .stderr(Stdio::null())
        .status()
        .expect("ssh-add");
    assert!(added.success());
    let out = evidence("through-agent");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundle = env.path("through-agent");
    let trusted = env.trusted();
    let (ok, text) = env.verify(
        &bundle,
        &["--allowed-signers", trusted.to_str().expect("utf-8")],
    );
    assert!(ok && text.contains("trusted: yes"), "{text}");
    if have("ssh-keygen") {
        assert!(keygen_verifies(&bundle, &trusted, ALICE, NS));
    }
}

#[test]
fn a_bundle_signed_by_ssh_keygen_verifies_with_nhi_review() {
    let env = Env::new();
    if !have("ssh-keygen") {
        return;
    }
    let bundle = env.sign(Q4, "out");
    keygen_sign(&bundle, &env.key, NS);
    let trusted = env.trusted();
    let (ok, text) = env.verify(
        &bundle,
        &["--allowed-signers", trusted.to_str().expect("utf-8")],
    );
    assert!(ok && text.contains("trusted: yes"), "{text}");
}

/// A tmux session, killed when dropped.
struct Tmux(String);

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Process::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

impl Tmux {
    fn screen(&self) -> String {
        let out = Process::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[test]
fn the_passphrase_is_asked_on_the_terminal_without_echo() {
    let env = Env::new();
    if !have("tmux") {
        return;
    }
    let locked = make_key(env.dir.path(), "locked", Some("correct horse battery"));
    let command = format!(
        "cd '{}' && env -u NHI_REVIEW_KEY_PASSPHRASE -u SSH_AUTH_SOCK NHI_REVIEW_DB='{}' NHI_REVIEW_NOW={} '{}' evidence --campaign {Q4} --signer {ALICE} -o prompted --key '{}'; echo EXIT=$?; sleep 60",
        env.dir.path().display(),
        env.db.display(),
        common::NOW,
        env!("CARGO_BIN_EXE_nhi-review"),
        locked.display()
    );
    let name = format!("nhi-evidence-{}", std::process::id());
    let started = Process::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "120",
            "-y",
            "30",
            "sh",
            "-c",
            &command,
        ])
        .status()
        .expect("tmux");
    assert!(started.success());
    let tmux = Tmux(name);
    let asking = tmux.wait_for("Passphrase for");
    // Progress is drawn only after the key is open: the prompt has the terminal to itself.
    for phase in ["members", "verifying the chain", "signing"] {
        assert!(
            !asking.contains(phase),
            "{phase} drawn over the prompt:\n{asking}"
        );
    }
    let typed = Process::new("tmux")
        .args(["send-keys", "-t", &tmux.0, "-l", "correct horse battery"])
        .status()
        .expect("keys");
    assert!(typed.success());
    Process::new("tmux")
        .args(["send-keys", "-t", &tmux.0, "Enter"])
        .status()
        .expect("enter");
    let screen = tmux.wait_for("EXIT=");
    assert!(
        screen.contains("EXIT=0") && screen.contains("signed the evidence"),
        "{screen}"
    );
    assert!(
        !screen.contains("correct horse"),
        "typing is not echoed:\n{screen}"
    );
    // The progress of the phases after it was cleared before the result was printed.
    assert!(screen.contains("Passphrase for"), "{screen}");
    for phase in ["members", "writing the summary", "signing"] {
        assert!(!screen.contains(phase), "{phase} left on screen:\n{screen}");
    }
    assert!(env.path("prompted").join("SHA256SUMS.sig").exists());
}

#[test]
fn formula_like_values_are_neutralised_in_the_csv_files_and_still_verify() {
    let env = Env::open();
    let mut store = Store::open(&env.db).expect("store");
    common::import(
        &mut store,
        &common::repo("tests/fixtures/gcp-formula-project.json"),
        false,
    )
    .expect("import");
    drop(store);
    env.campaign(Q4, true);
    let bundle = env.sign(Q4, "out");
    let population = std::fs::read_to_string(bundle.join("population.csv")).expect("csv");
    let row = population
        .lines()
        .find(|l| l.contains("billing-reader@formula-project"))
        .expect("the formula project's account");
    assert!(row.contains(",'@SUM(1+1),"), "{row}");
    assert!(row.contains("\"'=HYPERLINK("), "{row}");
    let trusted = env.trusted();
    let (ok, text) = env.verify(
        &bundle,
        &["--allowed-signers", trusted.to_str().expect("utf-8")],
    );
    assert!(ok, "{text}");
    let html = std::fs::read_to_string(bundle.join("report.html")).expect("html");
    assert!(!html.contains("<a ") && !html.contains("href="));
}

#[test]
fn a_campaign_closed_by_schema_1_signs_and_verifies_with_its_undecided_listed() {
    let fixture = common::repo("tests/fixtures/schema-v1.db");
    if !fixture.exists() {
        eprintln!("skipped: tests/fixtures/schema-v1.db is not in this checkout");
        return;
    }
    let env = Env::open();
    std::fs::copy(&fixture, &env.db).expect("copy the schema-1 database");
    let bundle = env.sign("2026-Q3", "q3");
    let jsonl = std::fs::read_to_string(bundle.join("decisions.jsonl")).expect("jsonl");
    assert!(
        !jsonl.lines().next().expect("first").contains("\"kind\""),
        "schema-1 records first, as written"
    );
    let (ok, text) = env.verify(&bundle, &[]);
    assert!(ok, "{text}");
    let summary = std::fs::read_to_string(bundle.join("summary.md")).expect("summary");
    assert!(
        summary.contains("| undecided | 73 |"),
        "never defaulted: {summary}"
    );
}

/// Overwrite the middle of the root page of one table or index with garbage.
fn damage(db: &Path, name: &str) {
    let (page_size, root): (i64, i64) = {
        let conn = rusqlite::Connection::open(db).expect("open");
        let _: String = conn
            .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .expect("checkpoint into the file");
        let page_size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .expect("page size");
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .expect("a table or index");
        (page_size, root)
    };
    let mut bytes = std::fs::read(db).expect("read");
    let start = usize::try_from((root - 1) * page_size).expect("offset") + 8;
    for b in &mut bytes[start..start + 64] {
        *b = 0xA5;
    }
    std::fs::write(db, bytes).expect("write");
}

/// Evidence checks only the tables the chain does not vouch for with SQLite's quick check;
/// damage anywhere it reads still stops it before anything is signed or stored.
#[test]
fn a_damaged_database_signs_nothing_where_the_damage_lies() {
    // The source files that saw each member: not in the chain, so the quick check covers it.
    let env = Env::new();
    damage(&env.db, "identity_sighting_scope");
    let out = env.try_sign(Q4, "b");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("is damaged"), "{stderr}");
    assert!(!env.path("b").exists());

    // The records: every one is verified against its hash as it is read, so the damage
    // fails the evidence without a whole-file check.
    let env = Env::new();
    damage(&env.db, "record_identity");
    let out = env.try_sign(Q4, "b");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!env.path("b").exists());
    let stored: i64 = rusqlite::Connection::open(&env.db)
        .expect("open")
        .query_row("SELECT COUNT(*) FROM checkpoint", [], |r| r.get(0))
        .unwrap_or(-1);
    assert!(stored <= 0, "no checkpoint was stored ({stored})");
}

/// Owners are counted in the population pass while there are few; past the limit they are
/// grouped in SQLite. Both give the same table, in the same order, as the summary shows it.
#[test]
fn owners_counted_in_memory_and_grouped_in_sqlite_agree() {
    use nhi_review::evidence::tally::{Owners, Tallies, for_each_owner};
    let env = Env::new();
    let store = Store::open_read_only(&env.db).expect("store");
    let campaign = store.campaign(Q4).expect("campaign");
    let (mut kept, mut spilled) = (Tallies::default(), Tallies::default());
    spilled.by_owner = Owners::with_limit(1);
    store
        .for_each_evidence_member(campaign.id, |m| {
            kept.add(&m)?;
            spilled.add(&m)
        })
        .expect("members");
    let table = |t: &Tallies| {
        let mut rows = Vec::new();
        for_each_owner(&store, campaign.id, t, |owner, tally| {
            rows.push((owner.to_owned(), tally.labelled(), tally.total()));
            Ok(())
        })
        .expect("owners");
        rows
    };
    assert!(kept.by_owner.counted() && !spilled.by_owner.counted());
    let (in_memory, grouped) = (table(&kept), table(&spilled));
    assert!(
        in_memory.len() > 2,
        "the example has several owners: {in_memory:?}"
    );
    assert_eq!(in_memory, grouped);
    let members: u64 = in_memory.iter().map(|r| r.2).sum();
    assert_eq!(members, kept.members);
    assert!(
        in_memory.iter().any(|r| r.0.is_empty()),
        "members with no owner form a group"
    );

    let summary = read(&env.sign(Q4, "bundle").join("summary.md"));
    let by_owner = summary
        .split("## By owner in force at close")
        .nth(1)
        .expect("the owner table");
    for (owner, tally, total) in &in_memory {
        let who = if owner.is_empty() {
            "(no owner)"
        } else {
            owner
        };
        let cells: Vec<String> = tally.iter().map(|(_, n)| n.to_string()).collect();
        let row = format!("| {who} | {} | {total} |", cells.join(" | "));
        assert!(by_owner.contains(&row), "{row} in\n{by_owner}");
    }
}

/// The manifest names the sources of the campaign's start and any imported since that last saw
/// one of its members (found in the population pass, not by a query of its own).
#[test]
fn the_manifest_lists_an_import_since_the_start_that_saw_members() {
    let env = Env::new();
    let mut later = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/github/installations.json"),
    )
    .expect("example");
    later.push('\n');
    let file = env.path("installations-december.json");
    std::fs::write(&file, &later).expect("write");
    let report = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/aws/credential-report.csv"),
    )
    .expect("example");
    let header = report.lines().next().expect("header");
    let unseen = env.path("credential-report-new-account.csv");
    std::fs::write(
        &unseen,
        format!("{header}\nsvc-new,arn:aws:iam::999999999999:user/svc-new,2026-11-30T09:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-11-30T09:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"),
    )
    .expect("write");
    for f in [&file, &unseen] {
        env.cmd()
            .env("NHI_REVIEW_NOW", "2026-12-01T09:00:00Z")
            .arg("import")
            .arg(f)
            .assert()
            .success();
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&env.sign(Q4, "bundle").join("manifest.json"))).expect("json");
    let sources = manifest["sources"].as_array().expect("sources");
    let sha = nhi_review::chain::sha256_hex(later.as_bytes());
    assert!(
        sources.iter().any(|s| s["sha256"] == sha.as_str()),
        "the later import is listed: {sources:#?}"
    );
    let unseen_sha = nhi_review::chain::sha256_hex(&std::fs::read(&unseen).expect("read"));
    assert!(
        !sources.iter().any(|s| s["sha256"] == unseen_sha.as_str()),
        "a source that came after the start and saw no member is not the campaign's: {sources:#?}"
    );
}

/// What the population pass reads of each member's latest decision (cached beside the member),
/// compared with what SQLite's JSON functions read of the record itself: the suggestion, the
/// justification and the items.
fn assert_population_reads_like_sqlite(db: &Path, campaign: &str) -> u64 {
    use nhi_review::evidence::tally::Tallies;
    let store = Store::open_read_only(db).expect("store");
    let campaign = store.campaign(campaign).expect("campaign");
    let mut tallies = Tallies::default();
    let mut read = Vec::new();
    store
        .for_each_evidence_member(campaign.id, |m| {
            tallies.add(&m)?;
            read.push((
                m.native_id.clone(),
                m.suggested.clone(),
                m.justification.clone(),
            ));
            Ok(())
        })
        .expect("members");
    assert_eq!(
        tallies.decided_items,
        store.decided_items(campaign.id).expect("sql")
    );
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT i.native_id, COALESCE(json_extract(r.record, '$.suggested'), ''),
                    COALESCE(json_extract(r.record, '$.justification'), '')
             FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             JOIN record r ON r.rowid = (SELECT d.rowid FROM record d
                 WHERE d.campaign_id = ci.campaign_id AND d.identity_id = ci.identity_id
                   AND d.kind IN ('decision', 'legacy') ORDER BY d.seq DESC LIMIT 1)
             WHERE ci.campaign_id = ?1",
        )
        .expect("prepare");
    let by_sqlite: Vec<(String, String, String)> = stmt
        .query_map([campaign.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(!by_sqlite.is_empty());
    for row in &by_sqlite {
        assert!(read.contains(row), "{row:?} read as SQLite reads it");
    }
    tallies.decided_items
}

/// Q4 started, a member decided twice (the second with quotes, a backslash and non-ASCII text
/// in its justification), another reduced by two items.
fn decided_three_ways(env: &Env) -> Store {
    use nhi_review::model::Verdict;
    use nhi_review::review;
    let mut store = Store::open(&env.db).expect("store");
    start(&mut store, Q4, now()).expect("start");
    let mut keep = common::request(Q4, SES, Verdict::Keep);
    keep.justification = "first look".into();
    review::decide(&mut store, &keep).expect("keep");
    let mut revoke = common::request(Q4, SES, Verdict::Revoke);
    revoke.justification = "Sends \"invoices\" from C:\\mail \u{2014} caf\u{e9}".into();
    review::decide(&mut store, &revoke).expect("revoke after all");
    let mut reduce = common::request(Q4, BACKUP, Verdict::Reduce);
    reduce.remove = vec!["access_key_1".into(), "access_key_2".into()];
    review::decide(&mut store, &reduce).expect("reduce two keys");
    store
}

/// The population pass reads each member's latest decision as cached when it was appended: a
/// justification with quotes, a backslash and non-ASCII text, a member decided twice, a reduce
/// of two items, and schema-1 records (cached by the upgrade) read as SQLite reads them.
#[test]
fn the_population_reads_the_latest_decision_as_sqlite_does() {
    use nhi_review::review::{self, CloseRequest};
    let env = Env::open();
    let mut store = decided_three_ways(&env);
    review::close(
        &mut store,
        &CloseRequest {
            campaign: Q4.into(),
            accept_undecided: true,
            reviewer: "lead@example.com".into(),
            at: now(),
        },
    )
    .expect("close");
    drop(store);
    assert_eq!(
        assert_population_reads_like_sqlite(&env.db, Q4),
        3,
        "a revoke and a reduce of two items"
    );
    let store = Store::open_read_only(&env.db).expect("store");
    let campaign = store.campaign(Q4).expect("campaign");
    let mut ses = None;
    store
        .for_each_evidence_member(campaign.id, |m| {
            if m.native_id == SES {
                ses = Some(m.justification);
            }
            Ok(())
        })
        .expect("members");
    assert_eq!(
        ses.as_deref(),
        Some("Sends \"invoices\" from C:\\mail \u{2014} caf\u{e9}"),
        "the latest decision, unescaped"
    );

    let fixture = common::repo("tests/fixtures/schema-v1.db");
    if fixture.exists() {
        let old = env.path("schema-v1.db");
        std::fs::copy(&fixture, &old).expect("copy");
        drop(Store::open(&old).expect("upgraded"));
        assert_population_reads_like_sqlite(&old, "2026-Q3");
    }
}

/// The summary counts unreviewed and undecided members by their cached action: one changed
/// outside the chain is found by `campaign verify`, and nothing is signed.
#[test]
fn an_action_changed_outside_the_chain_is_found_and_nothing_is_signed() {
    let env = Env::new();
    let changed = rusqlite::Connection::open(&env.db)
        .expect("open")
        .execute(
            "UPDATE campaign_identity SET action = NULL
             WHERE identity_id = (SELECT id FROM identity WHERE native_id = ?1)",
            ["arn:aws:iam::210987654321:user/svc-legacy-ftp"],
        )
        .expect("edit");
    assert_eq!(changed, 1);
    let out = env
        .cmd()
        .args(["campaign", "verify", Q4])
        .output()
        .expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("svc-legacy-ftp") && text.contains("recorded action"),
        "{text}"
    );
    let out = env.try_sign(Q4, "b");
    assert!(!out.status.success());
    assert!(!env.path("b").exists());
}

/// A decision's suggestion, justification, items and second-review mark, and each member's
/// latest decision, are kept in columns beside the chain (schema 6): edited there, outside the
/// chain, `campaign verify` names which, and nothing is signed.
#[test]
fn a_latest_decision_changed_outside_the_chain_is_found_and_nothing_is_signed() {
    let env = Env::new();
    // Each edit on a connection of its own, closed before nhi-review runs.
    let edit = |sql: &str| {
        let conn = rusqlite::Connection::open(&env.db).expect("open");
        conn.execute_batch("DROP TRIGGER IF EXISTS record_no_update;")
            .expect("unlock");
        conn.execute(sql, [SES]).expect("edit")
    };
    let member = "identity_id = (SELECT id FROM identity WHERE native_id = ?1)";
    let changed = edit(&format!(
        "UPDATE campaign_identity SET justification = 'approved by the CISO' WHERE {member}"
    ));
    assert_eq!(changed, 1);
    let found = findings(&Store::open(&env.db).expect("store"), Q4);
    assert!(
        found
            .iter()
            .any(|f| f.contains("svc-ses-mailer") && f.contains("latest decision")),
        "{found:?}"
    );
    let out = env.try_sign(Q4, "b");
    assert!(!out.status.success());
    assert!(!env.path("b").exists());

    // Put back, then the record's own column: the walk finds the row disagrees with its record.
    edit(&format!(
        "UPDATE campaign_identity SET justification = (SELECT r.justification FROM record r
             WHERE r.campaign_id = campaign_identity.campaign_id AND r.{member}
               AND r.kind = 'decision' ORDER BY r.seq DESC LIMIT 1)
         WHERE {member}"
    ));
    assert!(findings(&Store::open(&env.db).expect("store"), Q4).is_empty());
    let changed = edit(&format!(
        "UPDATE record SET removed = 7 WHERE kind = 'decision' AND {member}"
    ));
    assert!(changed >= 1);
    let found = findings(&Store::open(&env.db).expect("store"), Q4);
    assert!(
        found
            .iter()
            .any(|f| f.contains("column disagrees") && f.contains("removed items")),
        "{found:?}"
    );
    assert!(!env.try_sign(Q4, "c").status.success());
}

/// The upgrade to schema 6 fills the decision columns and each member's latest decision from
/// the records as they stand, exactly as appending them fills them now.
#[test]
fn the_upgrade_to_schema_6_fills_the_decision_columns_as_appending_does() {
    let env = Env::open();
    drop(decided_three_ways(&env));
    type Columns = Vec<Vec<Option<String>>>;
    let read = |db: &Path| -> (Columns, Columns) {
        let conn = rusqlite::Connection::open(db).expect("open");
        let rows = |sql: &str, n: usize| -> Columns {
            let mut stmt = conn.prepare(sql).expect("prepare");
            stmt.query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                            v => Some(v.as_str()?.to_owned()),
                        })
                    })
                    .collect()
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
        };
        (
            rows(
                "SELECT campaign_id, seq, suggested, justification, removed, second_review
                 FROM record ORDER BY campaign_id, seq",
                6,
            ),
            rows(
                "SELECT campaign_id, identity_id, decided_by, decided_at, suggested, justification,
                        removed
                 FROM campaign_identity ORDER BY campaign_id, identity_id",
                7,
            ),
        )
    };
    let appended = read(&env.db);
    let some = |s: &str| Some(s.to_owned());
    assert!(
        appended
            .1
            .iter()
            .any(|m| m[5] == some("Sends \"invoices\" from C:\\mail \u{2014} caf\u{e9}")),
        "{:?}",
        appended.1
    );
    assert!(
        appended.1.iter().any(|m| m[6] == some("2")),
        "{:?}",
        appended.1
    );
    assert!(
        appended.1.iter().any(|m| m[2].is_none()),
        "an undecided member caches nothing"
    );

    // Back to schema 5 (what a database of the previous release holds), then opened again.
    let conn = rusqlite::Connection::open(&env.db).expect("open");
    conn.execute_batch(
        "ALTER TABLE record DROP COLUMN suggested; ALTER TABLE record DROP COLUMN justification;
         ALTER TABLE record DROP COLUMN removed; ALTER TABLE record DROP COLUMN second_review;
         ALTER TABLE campaign_identity DROP COLUMN decided_by;
         ALTER TABLE campaign_identity DROP COLUMN decided_at;
         ALTER TABLE campaign_identity DROP COLUMN suggested;
         ALTER TABLE campaign_identity DROP COLUMN justification;
         ALTER TABLE campaign_identity DROP COLUMN removed;
         DROP INDEX campaign_identity_expected_unused;
         PRAGMA user_version = 5;",
    )
    .expect("as schema 5");
    drop(conn);
    let store = Store::open(&env.db).expect("upgraded");
    assert!(findings(&store, Q4).is_empty());
    drop(store);
    assert_eq!(read(&env.db), appended);
}

/// Every column beside a record is compared with it, the expected-unused mark and the assignee
/// included (the members' check reads them to fold each member's state).
#[test]
fn an_expected_unused_or_assignee_column_edited_beside_its_record_is_found() {
    let env = Env::new();
    let conn = rusqlite::Connection::open(&env.db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER record_no_update;
         UPDATE record SET expected_unused = 'batch job, runs yearly'
          WHERE seq = (SELECT MIN(seq) FROM record WHERE kind = 'decision');
         UPDATE record SET assignee = 'mallory@example.com'
          WHERE seq = (SELECT MAX(seq) FROM record WHERE kind = 'decision');",
    )
    .expect("edit");
    drop(conn);
    let found = findings(&Store::open(&env.db).expect("store"), Q4);
    for column in ["expected-unused", "assignee"] {
        assert!(
            found
                .iter()
                .any(|f| f.contains(&format!("its {column} column disagrees"))),
            "{column}: {found:?}"
        );
    }
    assert!(!env.try_sign(Q4, "b").status.success());
}

/// The database file is opened only through SQLite: a plain handle opened and closed beside a
/// connection of the same process drops that connection's locks, and another process closing
/// the database then takes it as unused and resets its write-ahead log under it (seen as a
/// "damaged" database when a test held a connection across nhi-review runs).
#[test]
fn a_connection_held_while_the_file_is_opened_again_keeps_its_locks() {
    let env = Env::new();
    let held = rusqlite::Connection::open(&env.db).expect("open");
    let member = "identity_id = (SELECT id FROM identity WHERE native_id = ?1)";
    held.execute(
        &format!("UPDATE campaign_identity SET justification = 'edited' WHERE {member}"),
        [SES],
    )
    .expect("write");
    // This process opens the file again, and so does another one.
    assert!(!findings(&Store::open(&env.db).expect("store"), Q4).is_empty());
    assert!(!env.try_sign(Q4, "b").status.success());
    held.execute(
        &format!(
            "UPDATE campaign_identity SET justification = (SELECT r.justification FROM record r
                 WHERE r.campaign_id = campaign_identity.campaign_id AND r.{member}
                   AND r.kind = 'decision' ORDER BY r.seq DESC LIMIT 1)
             WHERE {member}"
        ),
        [SES],
    )
    .expect("write again");
    assert!(findings(&Store::open(&env.db).expect("still sound"), Q4).is_empty());
}
