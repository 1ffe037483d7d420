//! A database that cannot or must not change: read-only files and folders are read without a
//! write, a newer schema and a file that is not a review database are refused untouched, a
//! damaged file is found by `check` and never written into.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A demo database (campaign 2026-Q4 started, examples imported) in its own folder.
fn demo(dir: &Path) -> PathBuf {
    let folder = dir.join("db");
    std::fs::create_dir(&folder).expect("folder");
    let db = folder.join("review.db");
    common::cli(&db)
        .arg("--db")
        .arg(&db)
        .args(["demo", "--no-review"])
        .assert()
        .success();
    db
}

/// Every file of a folder with its bytes and mode.
fn snapshot(folder: &Path) -> Vec<(String, Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out: Vec<_> = std::fs::read_dir(folder)
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            let meta = e.metadata().expect("meta");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
                meta.permissions().mode(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Whether this process runs as root (which reads and writes through any permission).
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The command, as an unprivileged user when the tests run as root, so that file permissions
/// apply to it.
fn as_user(db: &Path) -> Command {
    let mut c = common::cli(db);
    if is_root() {
        use std::os::unix::process::CommandExt;
        let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("nhi-review"));
        std_cmd
            .env("NHI_REVIEW_DB", db)
            .env("NHI_REVIEW_NOW", common::NOW)
            .env_remove("NHI_REVIEW_REVIEWER")
            .env_remove("RUST_LOG")
            .env("HOME", "/nonexistent")
            .uid(65534)
            .gid(65534);
        c = Command::from_std(std_cmd);
    }
    c
}

#[test]
fn a_read_only_database_and_folder_are_read_without_a_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let db = demo(dir.path());
    let folder = db.parent().expect("folder").to_path_buf();
    if is_root() {
        for p in [&folder, &db] {
            std::os::unix::fs::chown(p, Some(65534), Some(65534)).expect("chown");
        }
    }
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).expect("chmod file");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o500)).expect("chmod dir");
    let before = snapshot(&folder);

    let inventory = as_user(&db).args(["inventory"]).assert().success();
    let out = String::from_utf8_lossy(&inventory.get_output().stdout).into_owned();
    assert!(out.contains("svc-terraform"), "{out}");
    let verify = as_user(&db)
        .args(["campaign", "verify", "2026-Q4"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&verify.get_output().stdout).contains("intact"));
    let check = as_user(&db).args(["check"]).assert().success();
    assert!(String::from_utf8_lossy(&check.get_output().stdout).starts_with("ok: integrity"));
    as_user(&db)
        .args(["campaign", "status", "2026-Q4"])
        .assert()
        .success();
    as_user(&db)
        .args(["export", "decisions", "--campaign", "2026-Q4"])
        .assert()
        .success();
    // A write is refused with SQLite's reason, and changes nothing either.
    let refused = as_user(&db)
        .args([
            "annotate",
            "--campaign",
            "2026-Q4",
            "--identity",
            "aws-1",
            "--owner",
            "x@example.com",
            "--reviewer",
            "r@example.com",
        ])
        .assert()
        .failure();
    assert!(!refused.get_output().stderr.is_empty());

    assert!(
        snapshot(&folder) == before,
        "something in the folder changed"
    );
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("restore");
}

#[test]
fn a_newer_schema_is_refused_and_left_byte_identical() {
    let dir = tempfile::tempdir().expect("dir");
    let db = demo(dir.path());
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        // Back to a rollback journal, so that any later journal-mode switch would show.
        let _: String = conn
            .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .expect("mode");
    }
    let folder = db.parent().expect("folder").to_path_buf();
    let before = snapshot(&folder);
    for args in [
        &["inventory"][..],
        &["import", "/nonexistent.csv"],
        &["check"],
        &["campaign", "list"],
    ] {
        let failed = common::cli(&db).args(args).assert().failure();
        let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
        assert!(
            stderr.contains("schema version 99, newer than this nhi-review reads"),
            "{args:?}: {stderr}"
        );
        assert!(snapshot(&folder) == before, "{args:?} changed the folder");
    }
}

#[test]
fn a_file_that_is_not_a_review_database_is_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("export.csv");
    std::fs::write(&csv, "user,arn\nsvc,arn:aws:iam::1:user/svc\n").expect("write");
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).expect("mode");
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .expect("open")
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
        .expect("other db");
    for path in [&csv, &other] {
        let before = snapshot(dir.path());
        for args in [&["inventory"][..], &["campaign", "start", "Q"]] {
            let failed = common::cli(path).args(args).assert().failure();
            let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
            assert!(
                stderr.contains("not a nhi-review database") && stderr.contains("left as it was"),
                "{stderr}"
            );
        }
        assert!(
            snapshot(dir.path()) == before,
            "{} was changed",
            path.display()
        );
    }
}

/// Overwrite the middle of the root page of one index with garbage.
fn damage_an_index(db: &Path) {
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
                "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = 'credential_scope'",
                [],
                |r| r.get(0),
            )
            .expect("an index");
        (page_size, root)
    };
    let mut bytes = std::fs::read(db).expect("read");
    let start = usize::try_from((root - 1) * page_size).expect("offset") + 8;
    for b in &mut bytes[start..start + 64] {
        *b = 0xA5;
    }
    std::fs::write(db, bytes).expect("write");
}

#[test]
fn a_damaged_file_is_found_and_never_written_into() {
    let dir = tempfile::tempdir().expect("dir");
    let db = demo(dir.path());
    damage_an_index(&db);
    let folder = db.parent().expect("folder").to_path_buf();
    let before = std::fs::read(&db).expect("read");

    let check = common::cli(&db).arg("check").assert().failure();
    let out = String::from_utf8_lossy(&check.get_output().stdout).into_owned();
    assert!(out.lines().any(|l| l.starts_with("integrity: ")), "{out}");
    common::cli(&db)
        .args(["campaign", "verify", "2026-Q4"])
        .assert()
        .failure();

    let import = common::cli(&db)
        .arg("import")
        .arg(common::repo("examples/github/installations.json"))
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&import.get_output().stderr).into_owned();
    assert!(
        stderr.contains("is damaged")
            && stderr.contains("nothing was written")
            && stderr.contains("nhi-review check"),
        "{stderr}"
    );
    assert!(
        std::fs::read(&db).expect("read") == before,
        "the damaged file was written into"
    );
    assert!(
        !folder.join("review.db-wal").exists(),
        "no journal was started on it"
    );
}

/// The commands that check the file beside their work (import, campaign, the review screen)
/// refuse a damaged file at their first commit: the error names the damage, not what the
/// work tripped over, and nothing is committed into the file or its journal.
#[test]
fn a_damaged_file_checked_beside_the_work_is_refused_at_the_first_commit() {
    let dir = tempfile::tempdir().expect("dir");
    let db = demo(dir.path());
    damage_an_index(&db);
    // Back in write-ahead-log mode, as every review database is (damage_an_index left it in
    // rollback mode): opening it for writing then changes nothing in the file.
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .expect("wal");
        assert_eq!(mode, "wal");
    }
    let before = std::fs::read(&db).expect("read");
    let sources = || common::stdout_of(common::cli(&db), &["sources", "--format", "json"]);
    let sources_before = sources();
    let refused = |args: &[&str]| {
        let run = common::cli(&db).args(args).assert().failure();
        let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
        assert!(
            stderr.contains("is damaged") && stderr.contains("nothing was written"),
            "{args:?}: {stderr}"
        );
    };
    let github = common::repo("examples/github/installations.json");
    refused(&["import", github.to_str().expect("utf-8")]);
    refused(&["campaign", "start", "2027-Q1", "--due", "2027-03-31"]);
    // The review screen's decisions go through Store::write on a store opened so.
    let mut store = nhi_review::db::Store::open_checked(&db, nhi_review::db::Checked::Beside)
        .expect("opens: the check answers at the first commit");
    let err = store
        .write(|_| Ok(()))
        .expect_err("the first commit is refused");
    assert!(format!("{err:#}").contains("is damaged"), "{err:#}");
    drop(store);
    assert!(
        std::fs::read(&db).expect("read") == before,
        "the damaged file was written into"
    );
    assert_eq!(
        sources(),
        sources_before,
        "nothing was committed to the journal"
    );
}

/// A database of an older schema is read through an upgraded temporary copy: the read-only
/// commands see what the upgraded file shows, and the file stays byte-identical.
#[test]
fn an_older_schema_is_read_through_a_copy_and_left_byte_identical() {
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path().join("db");
    std::fs::create_dir(&folder).expect("folder");
    let old = folder.join("review.db");
    std::fs::copy(common::repo("tests/fixtures/schema-v1.db"), &old).expect("copy");
    let upgraded = dir.path().join("upgraded.db");
    std::fs::copy(&old, &upgraded).expect("copy");
    let before = std::fs::read(&old).expect("bytes");
    let read = |db: &Path, args: &[&str]| -> String {
        let out = common::cli(db).args(args).output().expect("runs");
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listings: [&[&str]; 3] = [
        &["campaign", "list", "--format", "json"],
        &["inventory", "--format", "json"],
        &["campaign", "verify", "2026-Q3", "--format", "json"],
    ];
    let from_copy: Vec<String> = listings.iter().map(|a| read(&old, a)).collect();
    assert!(
        std::fs::read(&old).expect("bytes") == before,
        "the older file is byte-identical"
    );
    nhi_review::db::Store::open(&upgraded).expect("upgrades in place");
    let from_file: Vec<String> = listings.iter().map(|a| read(&upgraded, a)).collect();
    assert!(from_copy[1].lines().count() > 5, "{}", from_copy[1]);
    assert_eq!(from_copy, from_file);
}
