//! Every file of the broken-input corpus (tests/corpus/<format>/, README there) through the real
//! binary, against a database that already holds the format's good example: each is refused
//! with exit 1 and a message naming the file, the place and what was expected, the database
//! file is byte-identical afterwards (compared once the process has exited, so the write-ahead
//! log is folded in), and nothing panics. With `--skip-bad-rows` the exit is 1, or 3 where the
//! fault is in skippable rows. Files named `ok-*` once crashed an importer: they import.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_nhi-review");

/// Each format's good example, and what its import needs.
struct Case {
    format: &'static str,
    good: &'static str,
    account: Option<&'static str>,
    mapping: Option<&'static str>,
}

const TENANT: &str = "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d";

const CASES: &[Case] = &[
    case(
        "aws-credential-report",
        "examples/aws/credential-report.csv",
        None,
    ),
    case(
        "aws-credential-report-json",
        "importers/tests/fixtures/aws/credential-report.json",
        None,
    ),
    case(
        "aws-authorization-details",
        "examples/aws/authorization-details.json",
        None,
    ),
    case(
        "gcp-service-accounts",
        "examples/gcp/service-accounts.json",
        None,
    ),
    case(
        "gcp-service-account-keys",
        "examples/gcp/keys-etl-loader.json",
        None,
    ),
    case(
        "gcp-iam-policy",
        "examples/gcp/iam-policy.json",
        Some("northwind-prod"),
    ),
    case(
        "gcp-key-file",
        "examples/gcp/key-file-etl-loader.json",
        None,
    ),
    case(
        "azure-service-principals",
        "examples/azure/service-principals.json",
        Some(TENANT),
    ),
    case(
        "azure-role-assignments",
        "examples/azure/role-assignments.json",
        Some(TENANT),
    ),
    case(
        "azure-oauth2-grants",
        "examples/azure/oauth2-permission-grants.json",
        Some(TENANT),
    ),
    case(
        "k8s-service-accounts",
        "examples/k8s/serviceaccounts.json",
        Some("nw-prod-eks"),
    ),
    case(
        "k8s-role-bindings",
        "examples/k8s/rolebindings.json",
        Some("nw-prod-eks"),
    ),
    case(
        "github-installations",
        "examples/github/installations.json",
        None,
    ),
    case(
        "github-personal-access-tokens",
        "examples/github/personal-access-tokens.json",
        Some("northwind-cargo"),
    ),
    case(
        "github-deploy-keys",
        "examples/github/deploy-keys-web.json",
        None,
    ),
    case("okta-apps", "examples/okta/apps.json", None),
    case("okta-api-tokens", "examples/okta/api-tokens.json", None),
    case(
        "okta-app-grants",
        "examples/okta/app-grants-nw-user-provisioner.json",
        None,
    ),
    case(
        "workspace-oauth-tokens",
        "examples/workspace/tokens-user-114477001.json",
        Some("northwind.example"),
    ),
    Case {
        format: "mapped-csv",
        good: "examples/saas/slack-integrations.csv",
        account: None,
        mapping: Some("examples/saas/slack.mapping.toml"),
    },
];

const fn case(format: &'static str, good: &'static str, account: Option<&'static str>) -> Case {
    Case {
        format,
        good,
        account,
        mapping: None,
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// What the message of each kind of broken file must say (besides the file and the place).
fn expected(file: &str) -> &'static [&'static str] {
    let stem = file.split('.').next().unwrap_or(file);
    match stem {
        "empty" => &["empty (0 bytes)"],
        "binary" => &["gzip-compressed"],
        "utf16-bom" => &["UTF-16 (little-endian)", "byte-order mark"],
        "deep-nesting" => &["nested deeper than 64 levels"],
        "duplicate-columns" => &["twice"],
        "invalid-utf8" => &["not UTF-8 text"],
        "huge-field" => &["longer than 1 MiB"],
        "extra-field" => &["row has", "fields, the header has"],
        "truncated" => &[],
        "wrong-header" | "header-only" => &[],
        _ => &[],
    }
}

/// Whether a message names a place in the file (a line, a JSON path, a byte offset), or is
/// about the file as a whole (empty, an encoding, binary data).
fn names_a_place(stderr: &str) -> bool {
    [
        "line ",
        " at $",
        "(decoded) line",
        "offset ",
        "(0 bytes)",
        "UTF-16",
        "gzip",
    ]
    .iter()
    .any(|p| stderr.contains(p))
}

fn run(db: &Path, args: &[&str], file: &Path) -> Output {
    Command::new(BIN)
        .env("NHI_REVIEW_NOW", "2026-11-27T12:00:00Z")
        .env_remove("NHI_REVIEW_DB")
        .arg("--db")
        .arg(db)
        .args(args)
        .arg(file)
        .output()
        .expect("runs")
}

/// sha256 of the database file and any write-ahead log or shared-memory file beside it.
fn hash_db(db: &Path) -> String {
    let mut h = Sha256::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(bytes) = std::fs::read(&path) {
            h.update(suffix.as_bytes());
            h.update(&bytes);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A good file with one value grown past the 1 MiB field limit (too big to commit).
fn huge_field(good: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(good).expect("good");
    let big = "x".repeat(2 * 1024 * 1024);
    let grown = if good.extension().is_some_and(|e| e == "csv") {
        // A row whose first field is the big one (the rest empty: the size is checked first).
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let columns = lines[0].split(',').count();
        lines[2] = format!("{big}{}", ",".repeat(columns - 1));
        lines.join("\n") + "\n"
    } else {
        // Into the first string value after the first key.
        let at = text
            .find("\": \"")
            .map(|i| i + 4)
            .or_else(|| text.find("\":\"").map(|i| i + 3))
            .expect("a string value");
        format!("{}{big}{}", &text[..at], &text[at..])
    };
    let ext = good.extension().and_then(|e| e.to_str()).unwrap_or("json");
    let path = dir.join(format!("huge-field.{ext}"));
    std::fs::write(&path, grown).expect("write");
    path
}

fn check_format(case: &Case) -> Vec<String> {
    let mut failures = Vec::new();
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("review.db");
    let mut common: Vec<String> = Vec::new();
    if let Some(a) = case.account {
        common.extend(["--account".into(), a.into()]);
    }
    if let Some(m) = case.mapping {
        common.extend(["--mapping".into(), repo(m).display().to_string()]);
    }
    let common: Vec<&str> = common.iter().map(String::as_str).collect();
    fn with<'a>(extra: &[&'a str], common: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["import"];
        a.extend_from_slice(extra);
        a.extend_from_slice(common);
        a
    }
    let import = |extra: &[&'static str]| with(extra, &common);
    let good = run(&db, &import(&[]), &repo(case.good));
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}: the good file fails: {}",
        case.format,
        String::from_utf8_lossy(&good.stderr)
    );
    let before = hash_db(&db);
    let corpus = repo("tests/corpus").join(case.format);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files.push(huge_field(&repo(case.good), dir.path()));
    assert!(files.len() >= 9, "{}: corpus too small", case.format);
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let what = format!("{}/{name}", case.format);
        if name.starts_with("ok-") {
            let scratch = dir.path().join("scratch-ok.db");
            std::fs::copy(&db, &scratch).expect("copy");
            let out = run(&scratch, &import(&[]), &file);
            if out.status.code() != Some(0) {
                failures.push(format!(
                    "{what}: once crashed, must import: exit {:?}: {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            continue;
        }
        for forced in [true, false] {
            let args = if forced {
                import(&["--format", case.format])
            } else {
                import(&[])
            };
            let out = run(&db, &args, &file);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let how = if forced { "forced" } else { "detected" };
            if out.status.code() != Some(1) || stderr.contains("panicked") {
                failures.push(format!(
                    "{what} ({how}): exit {:?}, want 1: {stderr}",
                    out.status.code()
                ));
                continue;
            }
            if !stderr.contains(&file.display().to_string()) || !stderr.contains("nothing from") {
                failures.push(format!(
                    "{what} ({how}): the message names no file: {stderr}"
                ));
            }
            if forced {
                if !names_a_place(&stderr) {
                    failures.push(format!("{what}: the message names no place: {stderr}"));
                }
                for want in expected(&name) {
                    if !stderr.contains(want) {
                        failures.push(format!("{what}: the message lacks '{want}': {stderr}"));
                    }
                }
            }
            if hash_db(&db) != before {
                failures.push(format!("{what} ({how}): the database changed"));
                return failures;
            }
        }
        // With --skip-bad-rows (on a copy: a skipped row changes the database).
        let scratch = dir.path().join("scratch.db");
        std::fs::copy(&db, &scratch).expect("copy");
        let out = run(
            &scratch,
            &import(&["--skip-bad-rows", "--format", case.format]),
            &file,
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(1) if !stderr.contains("panicked") => {}
            Some(3) if stdout.contains("rejected ") && names_a_place(&stdout) => {}
            code => failures.push(format!(
                "{what} (--skip-bad-rows): exit {code:?}: {stdout} {stderr}"
            )),
        }
    }
    failures
}

#[test]
fn every_broken_file_is_refused_and_leaves_the_database_as_it_was() {
    let failures: Vec<String> = std::thread::scope(|s| {
        let halves = CASES.split_at(CASES.len() / 2);
        let handles = [halves.0, halves.1]
            .map(|cases| s.spawn(move || cases.iter().flat_map(check_format).collect::<Vec<_>>()));
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_corpus_has_every_kind_of_broken_file_for_every_format() {
    for case in CASES {
        let dir = repo("tests/corpus").join(case.format);
        let ext = if case.format.ends_with("csv") || case.format == "aws-credential-report" {
            "csv"
        } else {
            "json"
        };
        let mut kinds = vec![
            "empty",
            "header-only",
            "truncated",
            "wrong-header",
            "duplicate-columns",
            "utf16-bom",
            "invalid-utf8",
            "binary",
        ];
        // CSV has no nesting; its counterpart is a row with a field too many.
        kinds.push(if ext == "csv" {
            "extra-field"
        } else {
            "deep-nesting"
        });
        for kind in kinds {
            let path = dir.join(format!("{kind}.{ext}"));
            assert!(path.exists(), "missing {}", path.display());
        }
    }
}
