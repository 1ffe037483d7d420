//! `export access-review`: the example campaign in the shapes GRC tools and auditors take.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn bin(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("nhi-review").expect("binary");
    cmd.env_remove("NHI_REVIEW_DB")
        .env("NHI_REVIEW_NOW", common::NOW)
        .arg("--db")
        .arg(db);
    cmd
}

/// The example organisation with its campaign started and one identity revoked.
fn example() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("demo.db");
    bin(&db).args(["demo", "--no-review"]).assert().success();
    bin(&db)
        .args([
            "decide",
            "--campaign",
            "2026-Q4",
            "--identity",
            "arn:aws:iam::210987654321:role/nw-legacy-batch",
            "--verdict",
            "revoke",
            "--function",
            "Legacy batch",
            "--justification",
            "Unused for 400 days",
            "--reviewer",
            "ana@example.com",
        ])
        .assert()
        .success();
    (dir, db)
}

fn rows(db: &Path, style: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let out = bin(db)
        .args([
            "export",
            "access-review",
            "--campaign",
            "2026-Q4",
            "--style",
            style,
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
    let header = csv
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = csv
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn vanta_style_has_the_documented_columns_and_one_row_per_identity() {
    let (_dir, db) = example();
    let (header, rows) = rows(&db, "vanta");
    assert_eq!(
        header,
        [
            "Account name",
            "Account owner",
            "Role",
            "Status",
            "Access Appropriate",
            "Date created (UTC)",
            "Date deactivated (UTC)"
        ]
    );
    assert_eq!(rows.len(), 78, "one row per identity of the population");
    for row in &rows {
        assert!(!row[1].is_empty(), "an owner, or 'Not a person': {row:?}");
        assert!(
            ["Active", "Deactivated"].contains(&row[3].as_str()),
            "Vanta takes only these: {row:?}"
        );
        assert!(["Yes", "No", ""].contains(&row[4].as_str()), "{row:?}");
        for t in [&row[5], &row[6]] {
            assert!(
                t.is_empty() || chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok(),
                "YYYY-MM-DD: {row:?}"
            );
        }
    }
    assert!(rows.iter().any(|r| r[1] == "Not a person"));
    let batch = rows
        .iter()
        .find(|r| r[0] == "nw-legacy-batch")
        .expect("the revoked role");
    assert_eq!(batch[1], "Not a person");
    assert_eq!(batch[2], "inline:everything", "its admin-tier grant");
    assert_eq!(batch[4], "No", "revoked: access not appropriate");
    assert!(
        rows.iter().any(|r| r[3] == "Deactivated") && rows.iter().any(|r| !r[5].is_empty()),
        "the example has disabled identities and creation dates"
    );
    assert_eq!(
        rows.iter().filter(|r| r[4].is_empty()).count(),
        77,
        "the others are undecided"
    );
}

#[test]
fn grants_style_has_one_row_per_grant_with_verdict_and_removal() {
    let (_dir, db) = example();
    let (header, rows) = rows(&db, "grants");
    assert_eq!(
        header,
        [
            "campaign",
            "identity_id",
            "provider",
            "account",
            "native_id",
            "name",
            "owner",
            "permission",
            "resource",
            "tier",
            "via",
            "condition",
            "verdict",
            "removed"
        ]
    );
    assert!(rows.len() > 50, "{}", rows.len());
    let batch: Vec<_> = rows.iter().filter(|r| r[5] == "nw-legacy-batch").collect();
    assert!(!batch.is_empty());
    for r in &batch {
        assert_eq!((r[12].as_str(), r[13].as_str()), ("revoke", "yes"), "{r:?}");
    }
    assert!(
        rows.iter()
            .filter(|r| r[5] != "nw-legacy-batch")
            .all(|r| r[13] == "no" && r[12].is_empty())
    );
}

#[test]
fn access_review_goes_to_a_file_and_style_belongs_to_it() {
    let (dir, db) = example();
    let file = dir.path().join("vanta.csv");
    bin(&db)
        .args(["export", "access-review", "--campaign", "2026-Q4", "-o"])
        .arg(&file)
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).expect("file");
    assert!(
        text.starts_with("Account name,Account owner,Role,Status,Access Appropriate,Date created (UTC),Date deactivated (UTC)\n")
    );
    bin(&db)
        .args([
            "export",
            "decisions",
            "--campaign",
            "2026-Q4",
            "--style",
            "vanta",
        ])
        .assert()
        .failure();
}
