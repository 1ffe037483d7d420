//! The real binary: commands, output, exit codes and files, as a user or a script sees them.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{NOW, count, dump, fixture, repo};
use predicates::prelude::*;

struct Env {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("review.db");
        Env { _dir: dir, db }
    }

    fn cmd(&self) -> Command {
        common::cli(&self.db)
    }

    fn import(&self, path: &Path) -> assert_cmd::assert::Assert {
        self.cmd().arg("import").arg(path).assert()
    }

    fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).expect("open db")
    }

    /// `demo --no-review` into this environment's database, named on the command line.
    fn demo(&self) -> assert_cmd::assert::Assert {
        self.cmd()
            .arg("--db")
            .arg(&self.db)
            .args(["demo", "--no-review"])
            .assert()
    }

    fn stdout(&self, args: &[&str]) -> String {
        common::stdout_of(self.cmd(), args)
    }
}

fn example() -> PathBuf {
    repo("examples/aws/credential-report.csv")
}

/// Numbers in "N records read = A identities + B people skipped + C root skipped + D rejected".
fn reconciliation(line: &str) -> (u64, Vec<u64>) {
    let (_, rest) = line.split_once(", ").expect("format");
    let (read, sum) = rest.split_once(" records read = ").expect("read");
    let sum = sum.split(';').next().expect("sum");
    assert!(sum.contains("imported"), "{line}");
    let parts = sum
        .split(" + ")
        .map(|p| p.split(' ').next().expect("n").parse().expect("number"))
        .collect();
    (read.parse().expect("read"), parts)
}

#[test]
fn import_prints_a_reconciliation_line_whose_counts_add_up() {
    let env = Env::new();
    let out = env.import(&example()).success().get_output().stdout.clone();
    let line = String::from_utf8(out).expect("utf-8");
    assert!(
        line.starts_with(&format!(
            "{}: aws-credential-report, 29 records read",
            example().display()
        )),
        "{line}"
    );
    assert!(
        line.contains(
            "22 imported + 6 people skipped + 1 skipped (root) + 0 rejected; 22 identities"
        ),
        "{line}"
    );
    let (read, parts) = reconciliation(&line);
    assert_eq!(read, parts.iter().sum::<u64>());
    assert!(line.contains("27 credentials"), "{line}");
}

#[test]
fn importing_twice_leaves_one_copy() {
    let env = Env::new();
    env.import(&example()).success();
    env.import(&example()).success();
    let conn = env.conn();
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM identity"), 22);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM credential"), 27);
}

#[test]
fn the_json_form_of_the_report_imports_from_stdin() {
    let env = Env::new();
    let json = std::fs::read(fixture("aws/credential-report.json")).expect("read");
    env.cmd()
        .args(["import", "-"])
        .write_stdin(json)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "-: aws-credential-report-json, 7 records read = 4 imported",
        ));
}

#[test]
fn malformed_files_fail_with_file_line_and_field_and_change_nothing() {
    let env = Env::new();
    env.import(&example()).success();
    let before = dump(&env.conn());
    let cases = [
        ("aws/bad-date.csv", "line 4, field 'user_creation_time'"),
        (
            "aws/bad-header.csv",
            "line 1, field 'access_key_1_last_rotated'",
        ),
        ("aws/truncated.csv", "line 5"),
    ];
    for (file, place) in cases {
        let path = fixture(file);
        env.import(&path)
            .code(1)
            .stderr(predicate::str::contains(path.display().to_string()))
            .stderr(predicate::str::contains(place))
            .stderr(predicate::str::contains("nothing from"));
        assert_eq!(dump(&env.conn()), before, "{file} changed the database");
    }
}

#[test]
fn skip_bad_rows_imports_the_rest_and_exits_3() {
    let env = Env::new();
    env.cmd()
        .args(["import", "--skip-bad-rows"])
        .arg(fixture("aws/bad-date.csv"))
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "3 imported + 2 people skipped + 1 skipped (root) + 1 rejected",
        ))
        .stdout(predicate::str::contains(
            "rejected line 4, field 'user_creation_time'",
        ));
    assert!(env.stdout(&["sources"]).contains("bad-date.csv"));
}

#[test]
fn an_unknown_shape_is_refused_with_the_supported_formats() {
    let env = Env::new();
    let dir = tempfile::tempdir().expect("dir");
    let odd = dir.path().join("odd.json");
    std::fs::write(&odd, r#"{"an": ["unknown", "shape"]}"#).expect("write");
    env.import(&odd)
        .code(1)
        .stderr(predicate::str::contains(
            "JSON of a shape nhi-review does not know",
        ))
        // One format a line, as `--help` lists them; not one long line of ↵.
        .stderr(predicate::str::contains("\n  aws-credential-report "))
        .stderr(predicate::str::contains("\n  k8s-role-bindings "))
        .stderr(predicate::str::contains("↵").not());
    // A file name is still shown inert, though the message keeps its own line breaks.
    let named = dir.path().join("odd\u{1b}[2Jname.json");
    std::fs::write(&named, r#"{"an": ["unknown", "shape"]}"#).expect("write");
    env.import(&named)
        .code(1)
        .stderr(predicate::str::contains("odd\\e[2Jname.json"))
        .stderr(predicate::str::contains("\u{1b}").not());
}

#[test]
fn inventory_json_lines_have_the_contract_keys_and_honest_nulls() {
    let env = Env::new();
    env.import(&example()).success();
    let out = env.stdout(&["inventory", "--format", "json"]);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.len(), 22);
    for key in [
        "id",
        "provider",
        "account",
        "native_id",
        "kind",
        "name",
        "owner",
        "status",
        "created_at",
        "last_used_at",
        "third_party",
        "credentials",
        "grants",
        "signals",
    ] {
        assert!(rows.iter().all(|r| r.get(key).is_some()), "missing {key}");
    }
    assert!(
        !out.contains("\"N/A\"")
            && !out.contains("no_information")
            && !out.contains("not_supported")
    );
    let loader = rows
        .iter()
        .find(|r| r["name"] == "svc-snowflake-loader")
        .expect("loader");
    assert_eq!(
        loader["credentials"][0]["last_used_at"],
        serde_json::Value::Null
    );
    assert_eq!(
        loader["credentials"][0]["created_at"],
        "2024-06-18T08:31:00Z"
    );
    assert!(
        loader["signals"]
            .as_array()
            .expect("signals")
            .iter()
            .any(|s| s["code"] == "never_used")
    );
    let signer = rows
        .iter()
        .find(|r| r["name"] == "svc-cert-signer")
        .expect("signer");
    let codes: Vec<&str> = signer["signals"]
        .as_array()
        .expect("s")
        .iter()
        .filter_map(|s| s["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"usage_unknown") && !codes.contains(&"never_used"),
        "{codes:?}"
    );
    // Humans are not there.
    assert!(!out.contains("maria.schmidt"));
}

#[test]
fn inventory_table_and_csv_list_every_identity() {
    let env = Env::new();
    env.import(&example()).success();
    let table = env.stdout(&["inventory"]);
    assert!(table.contains("svc-old-jenkins") && table.contains("22 identities"));
    let csv = env.stdout(&["inventory", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 23);
    assert!(csv.starts_with("id,provider,account,native_id,kind,name,owner"));
}

#[test]
fn decide_then_export_round_trips_and_the_chain_verifies() {
    let env = Env::new();
    env.import(&example()).success();
    env.cmd()
        .args(["campaign", "start", "2026-Q4", "--due", "2026-12-31"])
        .assert()
        .success();
    let decide = |identity: &str, verdict: &str, extra: &[&str]| {
        env.cmd()
            .args([
                "decide",
                "--campaign",
                "2026-Q4",
                "--identity",
                identity,
                "--verdict",
                verdict,
            ])
            .args(extra)
            .args(["--reviewer", "ana@example.com"])
            .assert()
    };
    decide(
        "arn:aws:iam::210987654321:user/platform/svc-terraform",
        "keep",
        &[
            "--owner",
            "platform-team@northwind.example",
            "--function",
            "Infrastructure as code",
            "--justification",
            "Daily pipeline, key rotated",
        ],
    )
    .success()
    .stdout(predicate::str::contains("owner change recorded as #2"));
    decide(
        "arn:aws:iam::210987654321:user/svc-backup-nightly",
        "reduce",
        &[
            "--remove",
            "access_key_1",
            "--function",
            "Nightly backups",
            "--justification",
            "Key 2 replaced it",
        ],
    )
    .success();
    decide(
        "arn:aws:iam::210987654321:user/svc-intern-project-2021",
        "revoke",
        &["--justification", "Project ended in 2021, \"no owner\""],
    )
    .success()
    .stdout(predicate::str::contains("recorded #5"));
    decide(
        "arn:aws:iam::210987654321:user/svc-intern-project-2021",
        "reduce",
        &["--justification", "x"],
    )
    .code(1);

    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("decisions.csv");
    env.cmd()
        .args(["export", "decisions", "--campaign", "2026-Q4", "-o"])
        .arg(&out)
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(&out).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    for col in [
        "seq",
        "campaign",
        "kind",
        "identity_id",
        "provider",
        "account",
        "native_id",
        "verdict",
        "suggested",
        "removed",
        "owner",
        "business_function",
        "justification",
        "reviewer",
        "at",
        "prev_hash",
        "row_hash",
    ] {
        assert!(headers.iter().any(|h| h == col), "missing column {col}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let kinds: Vec<&str> = rows.iter().map(|r| &r[col("kind")]).collect();
    assert_eq!(
        kinds,
        ["start", "owner", "decision", "decision", "decision"]
    );
    assert!(rows[0][col("detail")].contains("population 22 sha256"));
    assert_eq!(&rows[2][col("owner")], "platform-team@northwind.example");
    assert_eq!(&rows[3][col("verdict")], "reduce");
    assert_eq!(&rows[3][col("removed")], "credential:access_key_1");
    assert_eq!(
        &rows[4][col("justification")],
        "Project ended in 2021, \"no owner\""
    );
    assert_eq!(&rows[4][col("suggested")], "revoke");
    assert_eq!(&rows[4][col("reviewer")], "ana@example.com");
    assert_eq!(&rows[4][col("at")], NOW);
    assert_eq!(&rows[1][col("prev_hash")], &rows[0][col("row_hash")]);
    assert_eq!(&rows[0][col("campaign")], "2026-Q4");

    env.cmd()
        .args(["campaign", "verify", "2026-Q4"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "intact — 5 records, 22 members; head #5",
        ))
        // No evidence signed yet: the checkpoint check is said not to be made, not listed.
        .stdout(predicate::str::contains("every signed checkpoint").not())
        .stdout(predicate::str::contains("not checkable yet"));
    assert!(
        env.stdout(&["campaign", "list"])
            .contains("3/22 decided (keep 1, reduce 1, revoke 1)")
    );

    // Tamper in SQL: the check fails and says where.
    let conn = env.conn();
    conn.execute_batch("DROP TRIGGER record_no_update;")
        .expect("drop trigger");
    conn.execute("UPDATE record SET record = replace(record, 'Key 2 replaced it', 'Approved by CISO') WHERE seq = 4", [])
        .expect("tamper");
    env.cmd()
        .args(["campaign", "verify", "2026-Q4"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "record #4 does not match its hash",
        ))
        .stderr(predicate::str::contains("does not verify"));
}

#[test]
fn the_database_is_private_to_its_owner() {
    let env = Env::new();
    env.import(&example()).success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env.db)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn usage_errors_exit_2_and_runtime_errors_exit_1() {
    let env = Env::new();
    env.cmd().arg("frobnicate").assert().code(2);
    env.cmd()
        .args(["decide", "--campaign", "x"])
        .assert()
        .code(2);
    env.import(&example()).success();
    env.cmd()
        .args(["campaign", "close", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no campaign 'nope'"));
    env.cmd()
        .args(["import", "/no/such/file.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot open"));
}

#[test]
fn demo_without_the_screen_imports_the_example_into_a_fresh_database() {
    let env = Env::new();
    // NHI_REVIEW_DB (set by Env) names a real review database: the demo leaves it alone.
    env.import(&example()).success();
    let before = dump(&env.conn());
    env.cmd()
        .args(["demo", "--no-review"])
        .assert()
        .success()
        .stdout(predicate::str::contains("22 imported + 6 people skipped"))
        .stdout(predicate::str::contains(
            "started campaign '2026-Q4' with 78 identities in a temporary database",
        ));
    assert_eq!(dump(&env.conn()), before);
    // Named on its command line, a database with data in it is refused; a new one is used.
    env.demo()
        .code(1)
        .stderr(predicate::str::contains("fresh database"));
    let dir = tempfile::tempdir().expect("dir");
    let fresh = dir.path().join("demo.db");
    env.cmd()
        .arg("--db")
        .arg(&fresh)
        .args(["demo", "--no-review"])
        .assert()
        .success();
    assert!(fresh.exists());
}

/// Secret values in the example exports (all invented): none may reach the database or output.
const SECRETS: &[&str] = &[
    "BEGIN PRIVATE KEY",
    "Tk9UQUtFWS1OT1JUSFdJTkQ",
    "5Aep861NWEXAMPLEONLY",
    "NWdeleteTOKENexample",
    "NWrequestTOKENexample",
    "xoxb-NOT-A-REAL-TOKEN",
    "xoxp-NOT-A-REAL-TOKEN",
];

#[test]
fn no_secret_from_any_example_reaches_the_database_or_any_output() {
    let env = Env::new();
    let mut outputs =
        vec![String::from_utf8_lossy(&env.demo().success().get_output().stdout).into_owned()];
    for args in [
        &["sources"][..],
        &["inventory"],
        &["inventory", "--format", "json"],
        &["inventory", "--format", "csv"],
        &["export", "inventory", "--campaign", "2026-Q4"],
        &["export", "decisions", "--campaign", "2026-Q4"],
    ] {
        outputs.push(env.stdout(args));
    }
    // Importing the secret-bearing files again directly, with the mapping found beside them.
    for file in [
        "examples/gcp/key-file-etl-loader.json",
        "examples/saas/salesforce-oauth-tokens.csv",
        "examples/saas/slack-integrations.csv",
    ] {
        let out = env
            .cmd()
            .arg("import")
            .arg(repo(file))
            .assert()
            .success()
            .get_output()
            .clone();
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    assert!(
        outputs[0].contains("1 secret values dropped (private_key)"),
        "{}",
        outputs[0]
    );
    assert!(outputs[0].contains("secret values dropped (ACCESSTOKEN, DELETETOKEN, REQUESTTOKEN)"));
    // The database file and its write-ahead log, byte for byte.
    let mut stored = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", env.db.display()));
        if let Ok(bytes) = std::fs::read(&path) {
            stored.extend(bytes);
        }
    }
    let stored = String::from_utf8_lossy(&stored);
    for secret in SECRETS {
        assert!(!stored.contains(secret), "'{secret}' is in the database");
        for out in &outputs {
            assert!(!out.contains(secret), "'{secret}' was printed");
        }
    }
    // The key id is kept instead.
    assert!(outputs[3].contains("3f9c0a7e5b2d4c6a8e1f0b9d7c5a3e1f2d4b6a8c"));
}

#[test]
fn a_bad_json_field_names_its_path_and_the_database_stays_as_it_was() {
    let env = Env::new();
    env.import(&example()).success();
    let before = dump(&env.conn());
    let bad = fixture("gcp/keys-bad-date.json");
    env.import(&bad)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "'{}' at $[1].validAfterTime, field 'validAfterTime'",
            bad.display()
        )));
    assert_eq!(dump(&env.conn()), before);
    env.cmd()
        .args(["import", "--skip-bad-rows"])
        .arg(&bad)
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "5 records read = 4 imported + 0 people skipped + 1 rejected",
        ))
        .stdout(predicate::str::contains(
            "rejected at $[1].validAfterTime, field 'validAfterTime'",
        ));
}

#[test]
fn any_csv_imports_through_a_mapping_given_or_found_beside_it() {
    let env = Env::new();
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("apps.csv");
    std::fs::copy(repo("examples/saas/slack-integrations.csv"), &csv).expect("copy");
    env.import(&csv)
        .code(1)
        .stderr(predicate::str::contains("--mapping FILE"));
    env.cmd()
        .args(["import", "--mapping"])
        .arg(repo("examples/saas/slack.mapping.toml"))
        .arg(&csv)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "mapped-csv, 4 records read = 4 imported",
        ));
    std::fs::copy(
        repo("examples/saas/slack.mapping.toml"),
        dir.path().join("slack.mapping.toml"),
    )
    .expect("copy");
    env.import(&csv).success();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "provider = \"x\"\naccount = \"y\"\n[columns]\nid = \"App ID\"\ntoken = \"Token\"\n",
    )
    .expect("write");
    env.cmd()
        .args(["import", "--mapping"])
        .arg(&broken)
        .arg(&csv)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("broken.toml")
                .and(predicate::str::contains("unknown field `token`")),
        );
}

#[test]
fn sources_and_inventory_show_provenance_and_joined_identities() {
    let env = Env::new();
    env.demo().success();
    let sources = env.stdout(&["sources"]);
    assert!(
        sources.contains("#1   examples/aws/credential-report.csv"),
        "{sources}"
    );
    assert!(
        sources.contains("sha256 5ed76ef2cbcbc87c6e1dd425cb0c5053fcdcc9d95427fdb35146715729ad4ec9")
    );
    assert!(sources.contains("10 secret values dropped (ACCESSTOKEN, DELETETOKEN, REQUESTTOKEN)"));
    let json: Vec<serde_json::Value> = env
        .stdout(&["sources", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(json.len(), nhi_review::examples::FILES.len());
    assert!(json.iter().all(
        |s| s["sha256"].as_str().is_some_and(|h| h.len() == 64) && s["size"].as_i64() > Some(0)
    ));
    let inventory = env.stdout(&["inventory", "--format", "json", "--provider", "aws"]);
    let ci: serde_json::Value = inventory
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["name"] == "svc-ci-deploy")
        .expect("joined user");
    assert_eq!(ci["credentials"].as_array().map(Vec::len), Some(2));
    let tiers: Vec<(&str, &str)> = ci["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| {
            (
                g["permission"].as_str().unwrap_or(""),
                g["tier"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        tiers,
        [("nw-ci-deploy", "admin"), ("inline:read-artifacts", "read")]
    );
    let vendor = env.stdout(&["inventory", "--format", "json", "--provider", "azure"]);
    assert!(
        vendor
            .lines()
            .any(|l| l.contains("\"name\":\"Contoso Expense\"")
                && l.contains("\"third_party\":true"))
    );
}

#[test]
fn the_reviewer_comes_from_the_flag_the_environment_the_config_file_or_the_login() {
    let env = Env::new();
    env.import(&example()).success();
    env.cmd()
        .args(["campaign", "start", "2026-Q4"])
        .assert()
        .success();
    let config = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(config.path().join("nhi-review")).expect("mkdir");
    let config_file = config.path().join("nhi-review/config.toml");
    std::fs::write(&config_file, "reviewer = \"cfg@example.com\"\n").expect("write");
    let revoke = |id: &str, extra: &[&str], envs: &[(&str, &str)]| {
        let mut c = env.cmd();
        c.env("XDG_CONFIG_HOME", config.path())
            .env_remove("NHI_REVIEW_REVIEWER")
            .env_remove("USER")
            .env_remove("LOGNAME");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.args([
            "decide",
            "--campaign",
            "2026-Q4",
            "--verdict",
            "revoke",
            "--justification",
            "unused",
            "--identity",
            id,
        ])
        .args(extra)
        .assert()
    };
    revoke(
        "arn:aws:iam::210987654321:user/platform/svc-terraform",
        &["--reviewer", "flag@example.com"],
        &[("NHI_REVIEW_REVIEWER", "env@example.com")],
    )
    .success();
    revoke(
        "arn:aws:iam::210987654321:user/svc-ses-mailer",
        &[],
        &[("NHI_REVIEW_REVIEWER", "env@example.com")],
    )
    .success();
    revoke(
        "arn:aws:iam::210987654321:user/observability/svc-sns-alerts",
        &[],
        &[],
    )
    .success();
    // With $USER unset and no setting, the login name comes from the user database.
    std::fs::remove_file(&config_file).expect("rm config");
    revoke("arn:aws:iam::210987654321:user/svc-no-keys", &[], &[]).success();
    let login = std::process::Command::new("id")
        .arg("-un")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .expect("id -un");
    let out = env.stdout(&["export", "decisions", "--campaign", "2026-Q4"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let reviewers: Vec<String> = reader
        .records()
        .map(|r| r.expect("row"))
        .filter(|r| &r[col("kind")] == "decision")
        .map(|r| r[col("reviewer")].to_owned())
        .collect();
    assert_eq!(
        reviewers,
        [
            "flag@example.com",
            "env@example.com",
            "cfg@example.com",
            login.as_str()
        ]
    );
    assert_ne!(login, "", "the user database names this user");
    // A broken config file is an error naming it, and nothing is recorded.
    std::fs::write(&config_file, "reviewer = 7\n").expect("write");
    revoke("arn:aws:iam::210987654321:user/svc-cost-reporter", &[], &[])
        .code(1)
        .stderr(predicate::str::contains("config.toml"));
    // An invisible character in the name is refused.
    revoke(
        "arn:aws:iam::210987654321:user/svc-cost-reporter",
        &["--reviewer", "ana\u{200b}"],
        &[],
    )
    .code(1)
    .stderr(predicate::str::contains("U+200B"));
}

#[test]
fn a_forced_format_overrides_detection_and_a_wrong_one_fails_cleanly() {
    let env = Env::new();
    env.cmd()
        .args([
            "import",
            "--format",
            "gcp-iam-policy",
            "--account",
            "northwind-prod",
        ])
        .arg(repo("examples/gcp/iam-policy.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("gcp-iam-policy, 14 records read"));
    env.cmd()
        .args(["import", "--format", "aws-authorization-details"])
        .arg(example())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid JSON"));
    env.cmd()
        .args(["import", "--format", "no-such-format"])
        .arg(example())
        .assert()
        .code(2);
}

#[test]
fn only_an_import_makes_a_database_a_mistyped_path_is_an_error() {
    let env = Env::new();
    let commands: [&[&str]; 7] = [
        &["campaign", "start", "2026-Q4"],
        &["campaign", "close", "2026-Q4"],
        &[
            "decide",
            "--campaign",
            "2026-Q4",
            "--identity",
            "aws-1",
            "--verdict",
            "revoke",
        ],
        &[
            "annotate",
            "--campaign",
            "2026-Q4",
            "--identity",
            "aws-1",
            "--owner",
            "a@example.com",
        ],
        &["import-decisions", "packet.csv", "--campaign", "2026-Q4"],
        &["campaign", "status", "2026-Q4"],
        &[
            "evidence",
            "--campaign",
            "2026-Q4",
            "--key",
            "k",
            "--signer",
            "a@example.com",
            "-o",
            "ev",
        ],
    ];
    for args in commands {
        env.cmd()
            .args(args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no review database at"))
            .stderr(predicate::str::contains("nhi-review import"));
        assert!(!env.db.exists(), "{args:?} made a database");
    }
    env.cmd().args(["review", "2026-Q4"]).assert().code(1);
    assert!(!env.db.exists(), "the review screen made a database");
    env.import(&example()).success();
    assert!(env.db.exists(), "the import made it");
}

#[test]
fn the_review_screen_without_a_terminal_says_so_instead_of_panicking() {
    let env = Env::new();
    env.cmd()
        .arg("demo")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("needs a terminal")
                .and(predicate::str::contains("--no-review")),
        )
        .stderr(predicate::str::contains("panicked").not());
    assert!(!env.db.exists(), "nothing was created");
}

/// The example organisation's credential report and a started campaign.
fn with_campaign() -> Env {
    let env = Env::new();
    env.import(&example()).success();
    env.cmd()
        .args([
            "campaign",
            "start",
            "2026-Q4",
            "--reviewer",
            "lead@example.com",
        ])
        .assert()
        .success();
    env
}

fn decide_cmd(env: &Env, identity: &str) -> Command {
    let mut c = env.cmd();
    c.args(["decide", "--campaign", "2026-Q4", "--identity", identity])
        .args(["--reviewer", "ana@example.com"]);
    c
}

#[test]
fn keep_needs_an_owner_from_the_command_line_too_and_a_refused_decision_sets_no_owner() {
    let env = with_campaign();
    let ses = "arn:aws:iam::210987654321:user/svc-ses-mailer";
    decide_cmd(&env, ses)
        .args(["--verdict", "keep", "--function", "Sends receipts"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("keep needs an accountable owner"))
        .stderr(predicate::str::contains("or set it first (--owner)"));
    // The owner given with a decision that is then refused is not kept either.
    decide_cmd(&env, ses)
        .args(["--verdict", "keep", "--owner", "mail@example.com"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("business function"));
    assert_eq!(
        count(
            &env.conn(),
            "SELECT COUNT(*) FROM record WHERE kind <> 'start'"
        ),
        0
    );
    let inventory = env.stdout(&["inventory", "--format", "json", "--provider", "aws"]);
    let line = inventory
        .lines()
        .find(|l| l.contains("svc-ses-mailer"))
        .expect("listed");
    assert!(line.contains("\"owner\":null"), "{line}");
    decide_cmd(&env, ses)
        .args(["--verdict", "keep", "--owner", "mail@example.com"])
        .args(["--function", "Sends receipts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("owner mail@example.com"));
    env.cmd()
        .args(["annotate", "--campaign", "2026-Q4", "--identity", ses])
        .args([
            "--function",
            "Sends receipts and alerts",
            "--reviewer",
            "ana@example.com",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("recorded #4"));
    // Undo from the command line; then a keep needs a justification against a revoke suggestion.
    decide_cmd(&env, ses).arg("--undo").assert().success();
    decide_cmd(
        &env,
        "arn:aws:iam::210987654321:user/vendors/svc-snowflake-loader",
    )
    .args([
        "--verdict",
        "keep",
        "--owner",
        "data@example.com",
        "--function",
        "Loads",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("suggestion is to revoke"));
    env.cmd()
        .args(["campaign", "verify", "2026-Q4"])
        .assert()
        .success();
}

#[test]
fn close_refuses_undecided_identities_and_records_them_when_accepted() {
    let env = with_campaign();
    env.cmd()
        .args([
            "campaign",
            "close",
            "2026-Q4",
            "--reviewer",
            "lead@example.com",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("22 of 22 identities"))
        .stderr(predicate::str::contains("--accept-undecided"));
    env.cmd()
        .args(["campaign", "close", "2026-Q4", "--accept-undecided"])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "22 identities recorded as unreviewed",
        ))
        .stdout(predicate::str::contains("chain head #24"));
    env.cmd()
        .args(["campaign", "verify", "2026-Q4"])
        .assert()
        .success()
        .stdout(predicate::str::contains("head #24"));
}

#[test]
fn exports_never_overwrite_the_database_and_appear_whole_and_private() {
    let env = with_campaign();
    let before = std::fs::read(&env.db).expect("db");
    for target in [
        env.db.clone(),
        PathBuf::from(format!("{}-wal", env.db.display())),
    ] {
        env.cmd()
            .args(["export", "decisions", "--campaign", "2026-Q4", "-o"])
            .arg(&target)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("is the review database"));
    }
    assert_eq!(std::fs::read(&env.db).expect("db"), before, "untouched");
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("decisions.csv");
    std::fs::write(&out, "last quarter's export\n").expect("old");
    env.cmd()
        .args(["export", "decisions", "--campaign", "2026-Q9", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no campaign '2026-Q9'"));
    assert_eq!(
        std::fs::read_to_string(&out).expect("old"),
        "last quarter's export\n",
        "a failed export leaves the file as it was"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        1,
        "no leftovers"
    );
    env.cmd()
        .args(["export", "inventory", "--campaign", "2026-Q4", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&out)
            .expect("new")
            .starts_with("position,")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn every_text_cell_of_every_csv_is_neutralised() {
    let env = Env::new();
    env.import(&repo("tests/fixtures/gcp-formula-project.json"))
        .success();
    env.cmd()
        .args([
            "campaign",
            "start",
            "2026-Q4",
            "--reviewer",
            "lead@example.com",
        ])
        .assert()
        .success();
    let id = "billing-reader@formula-project.iam.gserviceaccount.com";
    decide_cmd(&env, id)
        .args([
            "--verdict",
            "revoke",
            "--justification",
            "=cmd|' /C calc'!A0",
        ])
        .assert()
        .success();
    for args in [
        vec!["inventory", "--format", "csv"],
        vec!["export", "inventory", "--campaign", "2026-Q4"],
        vec!["export", "decisions", "--campaign", "2026-Q4"],
    ] {
        let out = env.stdout(&args);
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        for row in reader.records() {
            for cell in row.expect("row").iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']),
                    "{args:?}: a cell a spreadsheet would run: {cell}"
                );
            }
        }
        assert!(out.contains("'=HYPERLINK"), "{args:?}: {out}");
    }
}

/// What an export says reaches the terminal as visible text: a title set (OSC 0), a clipboard
/// write (OSC 52), a screen clear, a right-to-left override, a zero-width space, a line break,
/// in an identity's name and owner, in a file's name, and in an import error that quotes a cell.
#[test]
fn hostile_export_text_is_inert_on_the_command_line() {
    let env = Env::new();
    let dir = tempfile::tempdir().expect("dir");
    let hostile_name = dir.path().join("keys\u{1b}]0;pwned\u{7}\u{202e}.json");
    std::fs::copy(
        common::repo("tests/fixtures/hostile/deploy-keys.json"),
        &hostile_name,
    )
    .expect("copy");
    let raw = ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}'];
    let check = |what: &str, text: &str| {
        for c in raw {
            assert!(
                !text.contains(c),
                "{what}: {c:?} reached the terminal:\n{text}"
            );
        }
    };
    let imported = env.stdout(&["import", hostile_name.to_str().expect("utf-8")]);
    check("import", &imported);
    assert!(
        imported.contains("keys\\e]0;pwned\\u{7}\\u{202e}.json"),
        "{imported}"
    );
    let inventory = env.stdout(&["inventory"]);
    check("inventory", &inventory);
    assert!(inventory.contains("deploy\\e]52;c;ZXZpbA=="), "{inventory}");
    assert_eq!(
        inventory.lines().count(),
        3,
        "a line break in a name never breaks a row"
    );
    let sources = env.stdout(&["sources"]);
    check("sources", &sources);
    env.stdout(&["campaign", "start", "Q4"]);
    let decided = env.stdout(&[
        "decide",
        "--campaign",
        "Q4",
        "--identity",
        "deploy_key:northwind-cargo/hostile/9001",
        "--verdict",
        "revoke",
        "--justification",
        "Unknown key",
        "--reviewer",
        "ana@example.com",
    ]);
    check("decide", &decided);
    assert!(
        decided.contains(
            "revoke deploy\\e]52;c;ZXZpbA==\\u{7}\\e[2Jkey\\u{202e}yek\\u{200b}↵second line"
        ),
        "{decided}"
    );
    let failed = env
        .cmd()
        .arg("import")
        .arg(common::repo("tests/fixtures/hostile/deploy-keys-bad.json"))
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    check("import error", &stderr);
    assert!(
        stderr.contains("'yesterday\\e[2J\\e]0;title\\u{7}' is not a timestamp"),
        "{stderr}"
    );
}

/// The inventory table pads by display width: a name with an emoji (two columns wide) does not
/// shift the columns after it.
#[test]
fn inventory_columns_hold_with_wide_characters() {
    use unicode_width::UnicodeWidthStr;
    let env = Env::new();
    env.demo().success();
    let table = env.stdout(&["inventory"]);
    let header = table.lines().next().expect("header");
    let owner_at = header.find("OWNER").expect("owner column");
    let row = table
        .lines()
        .find(|l| l.contains("Standup Bot"))
        .expect("the example's Slack app with an emoji in its name");
    let before_owner = &row[..row.find("tom.nakamura").expect("its owner")];
    assert_eq!(before_owner.width(), owner_at, "{header}\n{row}");
}

#[test]
fn each_account_applies_to_the_files_after_it() {
    let env = Env::new();
    let sa = repo("examples/k8s/serviceaccounts.json");
    let report = example();
    let path = |p: &PathBuf| p.display().to_string();
    // The report names its own accounts; each cluster's list follows its own --account.
    let out = env
        .cmd()
        .args(["import", &path(&report)])
        .args(["--account", "cluster-a", &path(&sa)])
        .args(["--account", "cluster-b", &path(&sa)])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .filter(|l| l.contains("k8s-service-accounts"))
            .count(),
        2
    );
    let conn = env.conn();
    let per_cluster = |account: &str| {
        count(
            &conn,
            &format!(
                "SELECT COUNT(*) FROM identity WHERE provider = 'k8s' AND account = '{account}'"
            ),
        )
    };
    assert!(per_cluster("cluster-a") > 0);
    assert_eq!(per_cluster("cluster-a"), per_cluster("cluster-b"));
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM identity WHERE provider = 'aws' AND account LIKE 'cluster-%'"
        ),
        0,
        "the report took no --account"
    );

    // Given once, --account is for every file, wherever it stands.
    env.cmd()
        .args(["import", &path(&sa), "--account", "cluster-c"])
        .assert()
        .success();
    assert_eq!(per_cluster("cluster-c"), per_cluster("cluster-a"));

    // An --account with no file after it is a mistake, told before anything is read.
    let before = dump(&conn);
    env.cmd()
        .args([
            "import",
            "--account",
            "cluster-d",
            &path(&sa),
            "--account",
            "cluster-e",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "--account cluster-e is followed by no file",
        ));
    assert_eq!(dump(&conn), before);
}

#[test]
fn campaign_list_lines_up_its_columns() {
    let env = with_campaign();
    env.cmd()
        .args(["campaign", "close", "2026-Q4", "--accept-undecided"])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success();
    env.cmd()
        .args(["campaign", "start", "2027-Q1-privileged-access"])
        .args(["--reviewer", "lead@example.com"])
        .assert()
        .success();
    let list = env.stdout(&["campaign", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    // A name typed in another case is not found, but named.
    env.cmd()
        .args(["campaign", "status", "2026-q4"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no campaign '2026-q4': did you mean '2026-Q4'?",
        ));
    for column in [" started ", "  due ", "  head #"] {
        let at: Vec<Option<usize>> = lines.iter().map(|l| l.find(column)).collect();
        assert!(
            at[0].is_some() && at.iter().all(|a| *a == at[0]),
            "'{column}' not lined up:\n{list}"
        );
    }
}
