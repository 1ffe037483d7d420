//! The review database: the one place that speaks SQL. Opening sets the pragmas, creates the
//! file owner-only and applies the embedded migrations; public methods speak domain terms and
//! run one transaction per user-level operation.

mod campaigns;
mod decisions;
mod import;
mod inventory;

pub use campaigns::{
    CampaignInfo, QueueFilter, QueueRow, QueueSort, QueueView, Standing, StandingDecision,
};
pub use decisions::{DecisionRow, NewDecision};
pub use import::ImportReport;
pub use inventory::InventoryFilter;

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Embedded migrations, applied in order; `PRAGMA user_version` counts how many ran.
/// A shipped migration is never edited: add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0003_import_facts.sql"),
];

/// SQLite's default page cache, in KiB, restored after imports.
pub(crate) const DEFAULT_CACHE_KIB: i64 = 2000;

/// The open review database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating if needed, with mode 0600) the database at `path` and migrate it.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the directory '{}'", dir.display()))?;
        }
        create_private(path)?;
        let conn = Connection::open(path)
            .with_context(|| format!("opening database '{}'", path.display()))?;
        Store::setup(conn).with_context(|| format!("preparing database '{}'", path.display()))
    }

    /// A fresh in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // WAL: readers never block the writer; a killed process loses nothing committed.
        let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// The underlying connection, for tests that inspect or tamper with rows.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Schema version after migrations.
    pub fn schema_version(&self) -> Result<usize> {
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }
}

/// Create the file with owner-only permissions before SQLite opens it; SQLite gives its WAL and
/// shared-memory files the same mode.
fn create_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating database '{}'", path.display()))?;
        let meta = file.metadata()?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("making '{}' private (0600)", path.display()))?;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = usize::try_from(current).unwrap_or(0);
    if current > MIGRATIONS.len() {
        bail!(
            "the database is at schema version {current}, newer than this nhi-review knows ({}); upgrade nhi-review",
            MIGRATIONS.len()
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("applying migration {}", i + 1))?;
        tx.pragma_update(None, "user_version", i64::try_from(i + 1)?)?;
        tx.commit()?;
    }
    Ok(())
}

/// Stored form of a time: RFC 3339 UTC, whole seconds, `Z`.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    nhi_importers::time::format_utc(t)
}

/// Read back a stored time.
pub(crate) fn parse_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Resolve an identity reference (short id `provider-N` or native id) to its row id.
pub(crate) fn resolve_identity(conn: &Connection, reference: &str) -> Result<i64> {
    if let Some((provider, n)) = reference.rsplit_once('-')
        && let Ok(id) = n.parse::<i64>()
    {
        let found: Option<i64> = conn
            .query_row(
                "SELECT id FROM identity WHERE id = ?1 AND provider = ?2",
                params![id, provider],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = found {
            return Ok(id);
        }
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM identity WHERE native_id = ?1 LIMIT 2")?;
    let ids: Vec<i64> = stmt
        .query_map([reference], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => bail!(
            "no identity '{reference}': use the id or native id that 'nhi-review inventory' prints"
        ),
        _ => bail!(
            "'{reference}' names more than one identity: use the short id from 'nhi-review inventory'"
        ),
    }
}

/// Row id of the identity with this natural key, if imported. An account of `*` matches any
/// account of the provider (for exports that name principals by a globally unique id only),
/// provided exactly one identity has that id.
pub(crate) fn resolve_natural(
    conn: &Connection,
    key: &nhi_importers::IdentityKey,
) -> rusqlite::Result<Option<i64>> {
    if key.account == nhi_importers::ANY_ACCOUNT {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM identity WHERE provider = ?1 AND native_id = ?2 LIMIT 2",
        )?;
        let ids: Vec<i64> = stmt
            .query_map(rusqlite::params![key.provider, key.native_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        return Ok(if ids.len() == 1 { Some(ids[0]) } else { None });
    }
    conn.prepare_cached(
        "SELECT id FROM identity WHERE provider = ?1 AND account = ?2 AND native_id = ?3",
    )?
    .query_row(
        rusqlite::params![key.provider, key.account, key.native_id],
        |r| r.get(0),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_to_a_fresh_database_and_are_idempotent() {
        let store = Store::open_in_memory().expect("opens");
        assert_eq!(store.schema_version().expect("version"), MIGRATIONS.len());
        let mut conn = Connection::open_in_memory().expect("conn");
        migrate(&mut conn).expect("first");
        migrate(&mut conn).expect("second is a no-op");
    }

    #[test]
    fn pragmas_are_set_and_the_file_is_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("review.db");
        let store = Store::open(&path).expect("opens");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("fk");
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("jm");
        assert_eq!((fk, mode.as_str()), (1, "wal"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().expect("conn");
        conn.pragma_update(None, "user_version", 99).expect("set");
        let err = migrate(&mut conn).expect_err("refused");
        assert!(err.to_string().contains("upgrade nhi-review"));
    }

    #[test]
    fn verdicts_outside_the_vocabulary_are_rejected_by_the_schema() {
        let store = Store::open_in_memory().expect("opens");
        let err = store.conn.execute_batch(
            "INSERT INTO campaign (name, started_at, status, thresholds, population_size, population_hash)
             VALUES ('c', '2026-01-01T00:00:00Z', 'open', '{}', 0, '');
             INSERT INTO identity (provider, account, native_id, kind, name, status, usage_tracked, third_party, first_seen_at, last_seen_at)
             VALUES ('aws', 'a', 'n', 'iam_user', 'n', 'active', 1, 0, 't', 't');
             INSERT INTO decision (campaign_id, identity_id, seq, action, verdict, removed, business_function, justification, reviewer, decided_at, prev_hash, row_hash, record)
             VALUES (1, 1, 1, 'decide', 'maybe', '[]', '', '', '', '', '', '', '');",
        );
        assert!(err.is_err());
    }
}
