//! The conventions of a well-made command-line tool: completions, a man page, examples in every
//! `--help`, one machine-readable output convention.

mod common;

use assert_cmd::Command;
use clap::CommandFactory;
use nhi_review::cli::Cli;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("nhi-review").expect("binary");
    cmd.env_remove("NHI_REVIEW_DB");
    // The tests' own environment never filters the logs they read.
    cmd.env_remove("RUST_LOG");
    cmd
}

/// Words of one example line as a shell would split them (quotes, no expansion), up to a
/// redirection or a pipe.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '>' | '|') if !in_word => break,
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Every subcommand, nested ones included, with its full name.
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("{prefix} {}", sub.get_name()).trim().to_owned();
        out.push((name.clone(), sub.clone()));
        subcommands(sub, &name, out);
    }
}

#[test]
fn every_help_ends_with_examples_that_parse() {
    let mut all = Vec::new();
    subcommands(&Cli::command(), "", &mut all);
    assert!(all.len() > 15, "{}", all.len());
    for (name, sub) in &all {
        let after = sub
            .get_after_help()
            .unwrap_or_else(|| panic!("'{name} --help' has no examples"))
            .to_string();
        assert!(after.starts_with("Examples:\n"), "{name}: {after}");
        let lines: Vec<&str> = after.lines().skip(1).map(str::trim).collect();
        assert!((1..=2).contains(&lines.len()), "{name}: {after}");
        for line in lines {
            let words = shell_words(line);
            assert_eq!(words[0], "nhi-review", "{name}: {line}");
            assert!(
                line.starts_with(&format!("nhi-review {name}")),
                "an example of '{name}' runs another command: {line}"
            );
            if let Err(e) = Cli::try_parse_from_words(&words) {
                panic!("the example '{line}' of '{name}' does not parse: {e}");
            }
        }
    }
}

/// Parse without exiting.
trait TryParseWords {
    fn try_parse_from_words(words: &[String]) -> Result<(), clap::Error>;
}

impl TryParseWords for Cli {
    fn try_parse_from_words(words: &[String]) -> Result<(), clap::Error> {
        Cli::command().try_get_matches_from(words).map(|_| ())
    }
}

#[test]
fn readme_command_examples_parse() {
    let readme = std::fs::read_to_string(common::repo("README.md")).expect("README");
    let section = readme
        .split("## Commands")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("Commands section");
    let mut n = 0;
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let example = row
            .trim_end_matches('|')
            .rsplit(" | ")
            .next()
            .expect("cells")
            .trim()
            .trim_matches('`');
        if !example.starts_with("nhi-review ") {
            continue;
        }
        let words = shell_words(example);
        if let Err(e) = Cli::try_parse_from_words(&words) {
            panic!("the README example '{example}' does not parse: {e}");
        }
        n += 1;
    }
    assert!(n > 15, "{n} examples found");
}

#[test]
fn completions_generate_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().expect("run");
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        for word in [
            "nhi-review",
            "import",
            "inventory",
            "campaign",
            "export",
            "completions",
        ] {
            assert!(text.contains(word), "{shell} completions lack '{word}'");
        }
    }
    bin().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("nhi-review.1");
    bin().arg("man").arg("-o").arg(&page).assert().success();
    let roff = std::fs::read_to_string(&page).expect("page");
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH nhi-review 1"),
        "{roff}"
    );
    for sub in ["import", "campaign", "export", "completions", "man"] {
        assert!(roff.contains(sub), "the man page lacks '{sub}'");
    }
    // Standard output gives the same page.
    let stdout = bin().arg("man").output().expect("run").stdout;
    assert_eq!(String::from_utf8(stdout).expect("utf-8"), roff);

    // Rendered by man itself where it is installed (it is not on every CI image).
    let has_man = std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_man {
        eprintln!("man is not installed: the page was generated but not rendered");
        return;
    }
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .expect("man");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
        assert!(
            text.contains(heading),
            "rendered page lacks {heading}: {text}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stderr).trim().is_empty(),
        "man warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A database with the example organisation imported and its campaign started.
fn demo_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    bin()
        .env("NHI_REVIEW_NOW", common::NOW)
        .arg("--db")
        .arg(&db)
        .args(["demo", "--no-review"])
        .assert()
        .success();
    (dir, db)
}

fn run_on(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    bin()
        .env("NHI_REVIEW_NOW", common::NOW)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run")
}

/// Every value under a key ending in `_at` is RFC 3339 UTC with `Z`, whole seconds.
fn assert_times(value: &serde_json::Value, context: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if (k.ends_with("_at") || k == "at")
                    && let Some(t) = v.as_str()
                {
                    assert!(
                        t.len() == 20
                            && t.ends_with('Z')
                            && chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                        "{context}: {k} = {t}"
                    );
                }
                assert_times(v, context);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| assert_times(v, context)),
        _ => {}
    }
}

#[test]
fn every_listing_is_json_lines_with_one_timestamp_form() {
    let (_dir, db) = demo_db();
    let listings: &[&[&str]] = &[
        &["sources"],
        &["inventory"],
        &["inventory", "--include-gone"],
        &["campaign", "list"],
        &["campaign", "status", "2026-Q4"],
        &["campaign", "verify", "2026-Q4"],
        &["check"],
    ];
    for args in listings {
        let name = args.join(" ");
        let out = run_on(&db, &[args, &["--format", "json"][..]].concat());
        assert!(out.status.success(), "{name}: {out:?}");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(!text.is_empty(), "{name} printed nothing");
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {line}"));
            assert!(value.is_object(), "{name}: {line}");
            assert_times(&value, &name);
        }
        // CSV: a header, then rows with as many cells.
        let out = run_on(&db, &[args, &["--format", "csv"][..]].concat());
        assert!(out.status.success(), "{name}: {out:?}");
        let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
        let width = csv.headers().expect("header").len();
        assert!(width > 1, "{name}");
        for record in csv.records() {
            assert_eq!(record.expect("row").len(), width, "{name}");
        }
        // Table: still for people.
        assert!(run_on(&db, args).status.success(), "{name}");
    }
}

#[test]
fn sources_json_is_kept_as_an_alias() {
    let (_dir, db) = demo_db();
    let old = run_on(&db, &["sources", "--json"]);
    let new = run_on(&db, &["sources", "--format", "json"]);
    assert!(old.status.success());
    assert_eq!(old.stdout, new.stdout);
    assert_eq!(
        run_on(&db, &["sources", "--json", "--format", "csv"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn campaign_list_keys_are_the_documented_ones() {
    let (_dir, db) = demo_db();
    let out = run_on(&db, &["campaign", "list", "--format", "json"]);
    let line = String::from_utf8(out.stdout).expect("utf-8");
    let value: serde_json::Value = serde_json::from_str(line.trim()).expect("json");
    let keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "name",
        "status",
        "started_at",
        "due_date",
        "decided",
        "undecided",
        "head_hash",
    ] {
        assert!(keys.contains(&key), "{key} missing from {line}");
    }
    assert_eq!(value["name"], "2026-Q4");
    assert_eq!(value["started_at"], common::NOW);
}

#[test]
fn progress_is_absent_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("p.db");
    let out = bin()
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(common::repo("examples/aws/credential-report.csv"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A closed campaign of the example organisation, its evidence signed into `ev` with the
/// key `k` (no passphrase), in the folder returned.
fn signed_demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = demo_db();
    let key =
        ssh_key::PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
            .expect("key");
    key.write_openssh_file(&dir.path().join("k"), ssh_key::LineEnding::LF)
        .expect("write key");
    let out = run_on(&db, &["campaign", "close", "2026-Q4", "--accept-undecided"]);
    assert!(out.status.success(), "{out:?}");
    (dir, db)
}

/// What runs quietly when standard error is not a terminal: every command with progress.
fn commands_with_progress(dir: &std::path::Path) -> Vec<Vec<String>> {
    let d = |name: &str| dir.join(name).display().to_string();
    [
        vec!["campaign", "start", "2027-Q1"],
        vec![
            "export",
            "decisions",
            "--campaign",
            "2026-Q4",
            "-o",
            &d("dec.csv"),
        ],
        vec!["export", "inventory", "--campaign", "2026-Q4"],
        // A packet is for deciding: of the campaign just started (the closed one makes none).
        vec![
            "export",
            "packet",
            "--campaign",
            "2027-Q1",
            "-o",
            &d("packet.csv"),
        ],
        vec![
            "export",
            "access-review",
            "--campaign",
            "2026-Q4",
            "--style",
            "grants",
            "-o",
            &d("grants.csv"),
        ],
        vec![
            "evidence",
            "--campaign",
            "2026-Q4",
            "--key",
            &d("k"),
            "--signer",
            "alice@example.com",
            "-o",
            &d("ev"),
        ],
        vec![
            "verify",
            &d("ev"),
            "--allowed-signers",
            &d("ev/allowed_signers"),
        ],
    ]
    .into_iter()
    .map(|c| c.into_iter().map(str::to_owned).collect())
    .collect()
}

#[test]
fn progress_is_absent_off_a_terminal_for_every_command_that_has_it() {
    let (dir, db) = signed_demo();
    for args in commands_with_progress(dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_on(&db, &args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?} wrote to standard error: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// On a terminal, each command draws its phases, and `-q` silences them (the bar is cleared
/// before the command's own output).
#[test]
fn progress_of_every_command_shows_on_a_terminal_unless_quiet() {
    if !has_script() {
        return;
    }
    let (dir, db) = signed_demo();
    let bin = assert_cmd::cargo::cargo_bin("nhi-review");
    let run = |args: &[String], quiet: bool| {
        let words: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let command = format!(
            "'{}' --db '{}' {} {}",
            bin.display(),
            db.display(),
            if quiet { "-q" } else { "" },
            words.join(" ")
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("NHI_REVIEW_DB")
            .env("NHI_REVIEW_NOW", common::NOW)
            .output()
            .expect("script");
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let all = commands_with_progress(dir.path());
    let expected = [
        "freezing the population",
        "exporting",
        "",
        "exporting",
        "exporting",
        "signing",
        "checking the chain",
    ];
    for (args, shown) in all.iter().zip(expected) {
        let text = run(args, false);
        assert!(
            text.contains(shown),
            "{args:?} did not show '{shown}': {text}"
        );
    }
    // Again, quietly, into new places.
    let quiet_dir = tempfile::tempdir().expect("dir");
    for args in commands_with_progress(quiet_dir.path()) {
        let mut args = args;
        if args[0] == "campaign" {
            args[2] = "2027-Q2".into();
        }
        if args[0] == "evidence" {
            let pos = args.iter().position(|a| a == "--key").expect("--key") + 1;
            args[pos] = dir.path().join("k").display().to_string();
        }
        let text = run(&args, true);
        for shown in ["freezing", "exporting", "signing", "checking the chain"] {
            assert!(
                !text.contains(shown),
                "{args:?} -q showed '{shown}': {text}"
            );
        }
    }
}

fn has_script() -> bool {
    let has = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        eprintln!("script(1) is not installed: no pseudo-terminal to draw on");
    }
    has
}

/// On a terminal (a pseudo-terminal through `script`, where installed) the import draws its
/// progress, and `-q` silences it.
#[test]
fn progress_shows_on_a_terminal_unless_quiet() {
    if !has_script() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = assert_cmd::cargo::cargo_bin("nhi-review");
    let file = common::repo("examples/aws/credential-report.csv");
    let run = |db: &str, quiet: bool| {
        let command = format!(
            "'{}' --db '{}' import {} '{}'",
            bin.display(),
            dir.path().join(db).display(),
            if quiet { "-q" } else { "" },
            file.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("NHI_REVIEW_DB")
            .output()
            .expect("script");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run("a.db", false).contains("importing "));
    let quiet = run("b.db", true);
    assert!(!quiet.contains("importing "), "{quiet}");
    assert!(quiet.contains("records read"), "{quiet}");
}

#[test]
fn verbose_says_what_was_assumed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("v.db");
    let out = bin()
        .env("NHI_REVIEW_NOW", common::NOW)
        .arg("-v")
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(common::repo("examples/aws/credential-report.csv"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("(from --db)"), "{err}");
    assert!(
        err.contains(&format!(
            "now is {} (pinned by NHI_REVIEW_NOW)",
            common::NOW
        )),
        "{err}"
    );
    // Without -v, nothing on standard error.
    let out = bin()
        .arg("--db")
        .arg(&db)
        .args(["campaign", "list"])
        .output()
        .expect("run");
    assert!(out.stderr.is_empty());
}

fn import_verbosely(verbose: &str, rust_log: Option<&str>) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = bin();
    if let Some(filter) = rust_log {
        cmd.env("RUST_LOG", filter);
    }
    if !verbose.is_empty() {
        cmd.arg(verbose);
    }
    let out = cmd
        .arg("--db")
        .arg(dir.path().join("v.db"))
        .arg("import")
        .arg(common::repo("examples/aws/credential-report.csv"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    out
}

#[test]
fn verbose_names_the_detected_format_and_why() {
    let out = import_verbosely("-v", None);
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("detected as aws-credential-report"))
        .unwrap_or_else(|| panic!("no detection line in: {err}"));
    assert!(line.contains("INFO"), "{line}");
    assert!(line.contains("credential-report.csv"), "{line}");
    assert!(line.contains("header"), "the line says why: {line}");
    // Debug lines only from -vv.
    assert!(!err.contains("DEBUG"), "{err}");
    let out = import_verbosely("-vv", None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DEBUG") && err.contains("pragmas:"), "{err}");
    // Logs are for standard error: standard output is what it was.
    assert_eq!(out.stdout, import_verbosely("", None).stdout);
}

#[test]
fn rust_log_decides_over_verbose() {
    let out = import_verbosely("", Some("debug"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DEBUG"), "{err}");
    assert!(err.contains("detected as aws-credential-report"), "{err}");
    let out = import_verbosely("-vv", Some("nhi_review=warn"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A filter that does not parse is said, and -v's level used.
    let out = import_verbosely("-v", Some("nhi_review=[bad"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("RUST_LOG='nhi_review=[bad' does not parse"),
        "{err}"
    );
    assert!(err.contains("detected as"), "{err}");
}

#[test]
fn listings_print_the_same_json_lines_with_verbose() {
    let (_dir, db) = demo_db();
    let listings: &[&[&str]] = &[
        &["sources"],
        &["inventory"],
        &["campaign", "list"],
        &["campaign", "status", "2026-Q4"],
        &["campaign", "verify", "2026-Q4"],
        &["check"],
    ];
    for args in listings {
        let name = args.join(" ");
        let args = [args, &["--format", "json"][..]].concat();
        let plain = run_on(&db, &args);
        let verbose = run_on(&db, &[&["-vv"][..], &args].concat());
        assert!(plain.status.success() && verbose.status.success(), "{name}");
        assert_eq!(
            plain.stdout, verbose.stdout,
            "{name}: -vv changed standard output"
        );
        assert!(!verbose.stderr.is_empty(), "{name}: -vv logged nothing");
        for line in String::from_utf8(verbose.stdout).expect("utf-8").lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {line}"));
        }
    }
}

/// Text from an export is data: logged inert, never as terminal commands.
#[test]
fn logged_export_text_is_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("odd.csv");
    std::fs::write(
        &file,
        "name\u{1b}]0;pwned\u{7},\u{1b}[31mred,\u{202e}x\nsvc,a,b\n",
    )
    .expect("write");
    let out = bin()
        .arg("-vv")
        .arg("--db")
        .arg(dir.path().join("o.db"))
        .arg("import")
        .arg(&file)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("starts with: name"), "{err}");
    // Escape sequences and a bidirectional override (which the log formatter itself lets
    // through) are shown as escapes.
    assert!(err.contains("name\\e]0;pwned"), "{err:?}");
    for hidden in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!err.contains(hidden), "{hidden:?} in {err:?}");
    }
}

/// Both crates of the workspace package (as `cargo publish` would, without uploading): the
/// importers crate is versioned, the manifests carry what crates.io requires.
#[test]
fn the_workspace_packages() {
    let target = tempfile::tempdir().expect("dir");
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "package",
            "--workspace",
            "--allow-dirty",
            "--no-verify",
            "--offline",
            "--target-dir",
        ])
        .arg(target.path())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let packaged: Vec<String> = std::fs::read_dir(target.path().join("package"))
        .expect("package folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".crate"))
        .collect();
    for name in ["nhi-review-", "nhi-importers-"] {
        assert!(
            packaged.iter().any(|p| p.starts_with(name)),
            "{name}*.crate in {packaged:?}"
        );
    }
}
