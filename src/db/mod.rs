//! The review database: the one place that speaks SQL. Opening sets the pragmas, creates the
//! file owner-only and applies the embedded migrations. It persists and queries; the rules of
//! the review live in [`crate::review`], which reads through [`Read`] and writes through a
//! [`Tx`] (one transaction per user-level operation). A stored value that does not read back
//! is an error, never a default.

mod campaigns;
mod checkpoints;
mod evidence;
mod import;
mod inventory;
mod members;
mod migrate;
mod queue;
mod records;
mod remediation;
pub mod wait;

pub use campaigns::{CampaignInfo, NewCampaign, VerdictCounts};
pub use checkpoints::Checkpoint;
pub use evidence::{EvidenceMember, GroupCount};
pub use import::{ImportReport, SourceRow};
pub use inventory::InventoryFilter;
pub use members::{MemberFacts, MemberState, MemberUpdate, Standing, StandingDecision};
pub use queue::{QueueFilter, QueueRow, QueueSort, QueueView, WindowSeek};
pub use records::{HistoryEntry, RecordRef, RecordRow, StoredRecord};

/// The read traits: `use crate::db::prelude::*` gives every query on a [`Store`] and a [`Tx`].
pub mod prelude {
    pub use super::Read;
    pub use super::campaigns::CampaignReads;
    pub use super::checkpoints::CheckpointReads;
    pub use super::evidence::EvidenceReads;
    pub use super::inventory::IdentityReads;
    pub use super::members::MemberReads;
    pub use super::queue::QueueReads;
    pub use super::records::RecordReads;
    pub use super::remediation::RemediationReads;
}

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::model::IdentityId;

/// Embedded migrations, applied in order; `PRAGMA user_version` counts how many ran.
/// A shipped migration is never edited: add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("migrations/0001_init.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0002_chain.sql"),
        then: Some(migrate::chain_everything),
    },
    Migration {
        sql: include_str!("migrations/0003_import_facts.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0004_checkpoints.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0005_gone_indexes.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0006_latest_decision.sql"),
        then: None,
    },
];

/// One migration: SQL, then (for upgrades that need hashing) a step in Rust, in the same
/// transaction.
struct Migration {
    sql: &'static str,
    then: Option<fn(&rusqlite::Transaction) -> Result<()>>,
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// SQLite's default page cache, in KiB, restored after imports.
pub(crate) const DEFAULT_CACHE_KIB: i64 = 2000;

/// The open review database.
pub struct Store {
    /// The quick check running beside the work ([`Checked::Beside`]): the first commit waits
    /// for it, and a damaged file is refused there with nothing written. Declared before the
    /// connection so that it is dropped first: the writing connection, closing last, is the
    /// one that folds and removes the write-ahead log, so a refused run leaves no trace.
    beside: Option<Beside>,
    conn: Connection,
}

/// A quick check of the file as it stood when opened, on a read-only connection of its own.
struct Beside {
    path: PathBuf,
    check: Option<std::thread::JoinHandle<Result<Option<String>>>>,
    /// Stops the check when its answer is no longer wanted (the run ended before a commit).
    stop: rusqlite::InterruptHandle,
}

impl Beside {
    /// Start the quick check of `path` on a read-only connection, in a thread of its own.
    fn start(path: &Path) -> Result<Beside> {
        let (conn, _) = open_read_only_conn(path)?;
        let stop = conn.get_interrupt_handle();
        Ok(Beside {
            path: path.to_path_buf(),
            check: Some(std::thread::spawn(move || first_damage(&conn))),
            stop,
        })
    }
}

impl Beside {
    /// Wait for the check's answer: `Err` when the file is damaged or could not be checked.
    fn wait(mut self) -> Result<()> {
        let Some(check) = self.check.take() else {
            return Ok(());
        };
        let damage = check
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the quick check stopped unexpectedly")))
            .with_context(|| format!("checking '{}' before writing", self.path.display()))?;
        match damage {
            Some(first) => Err(damaged(&self.path, &first)),
            None => {
                tracing::debug!("quick_check beside the work: ok");
                Ok(())
            }
        }
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        if let Some(check) = self.check.take() {
            self.stop.interrupt();
            let _ = check.join();
        }
    }
}

/// Wait for the quick check beside the work, if one runs: `Err` when the file is damaged (or
/// could not be checked). Called before every commit, so nothing is written into a damaged
/// file; uncommitted pages never reach the database file, so rolling back leaves it as it was.
fn settle(beside: &mut Option<Beside>) -> Result<()> {
    beside.take().map_or(Ok(()), Beside::wait)
}

/// After `failure` of the work: if SQLite failed (as it may on a damaged file), wait for the
/// check and tell the damage instead; a refusal of the rules or of an export is told at once,
/// the check left running for the next commit.
fn settle_after(beside: &mut Option<Beside>, failure: anyhow::Error) -> anyhow::Error {
    if failure.chain().any(|c| c.is::<rusqlite::Error>())
        && let Err(damage) = settle(beside)
    {
        return damage;
    }
    failure
}

/// The refusal of a damaged file: what SQLite found first, and what to do.
fn damaged(path: &Path, first: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "'{}' is damaged ({}): nothing was written. Run 'nhi-review check' for the details, and restore the file from a backup (the evidence bundles hold every decision's chain)",
        path.display(),
        crate::text::inert(first)
    )
}

/// Reads, on the store or inside a write transaction: the same queries either way.
pub trait Read {
    /// The connection the queries run on.
    fn conn(&self) -> &Connection;
}

impl Read for Store {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// A write transaction: the rules read through it ([`Read`]) and write through its methods;
/// it commits only if the whole operation succeeds.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
}

impl Read for Tx<'_> {
    fn conn(&self) -> &Connection {
        &self.tx
    }
}

/// What is at a database path, found without changing anything there.
enum Found {
    /// Nothing: a new database may be made.
    Missing,
    /// An empty file: a new database may be made in it.
    Empty,
    /// A nhi-review database at this schema version; `wal` when it is in write-ahead-log mode
    /// (so that opening it for writing changes nothing in it).
    Database { version: usize, wal: bool },
}

/// The schema version of the database at `path`; an error saying how to make one where there
/// is none yet.
fn existing_version(path: &Path) -> Result<usize> {
    match inspect(path)? {
        Found::Missing | Found::Empty => Err(no_database(path)),
        Found::Database { version, .. } => Ok(version),
    }
}

/// The error for a path with no review database yet.
fn no_database(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "no review database at '{}' yet: import exports first ('nhi-review import FILE'), or check --db",
        crate::text::inert(&path.display().to_string())
    )
}

/// Whether SQLite said the file is not a database.
fn not_a_database(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<rusqlite::Error>()
            .and_then(rusqlite::Error::sqlite_error_code)
            == Some(rusqlite::ErrorCode::NotADatabase)
    })
}

/// Look at `path` without writing to it: refuse anything that is not a nhi-review database of
/// a schema this version reads (before any pragma, mode or journal change could touch it).
fn inspect(path: &Path) -> Result<Found> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(e).with_context(|| format!("reading '{}'", path.display())),
    };
    if meta.is_dir() {
        bail!(
            "'{}' is a folder, not a review database: give --db a file",
            path.display()
        );
    }
    if meta.len() == 0 {
        return Ok(Found::Empty);
    }
    // Read through SQLite, which writes nothing to a file that is not its own. The database
    // file is never opened here but through SQLite: closing any other handle on it would drop
    // every lock this process holds on it, its connections' included, and another process
    // could then take the database as unused and reset its write-ahead log under them.
    let (conn, _) = match open_read_only_conn(path) {
        Err(e) if not_a_database(&e) => bail!(
            "'{}' is not a nhi-review database (not an SQLite file); it was left as it was: check --db or NHI_REVIEW_DB",
            path.display()
        ),
        opened => opened?,
    };
    let version =
        usize::try_from(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?)?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if version > SCHEMA_VERSION {
        bail!(
            "'{}' is at schema version {version}, newer than this nhi-review reads ({SCHEMA_VERSION}); it was left as it was: upgrade nhi-review",
            path.display()
        );
    }
    let ours = if version == 0 {
        tables.is_empty()
    } else {
        tables.iter().any(|t| t == "identity") && tables.iter().any(|t| t == "source_file")
    };
    if !ours {
        bail!(
            "'{}' is not a nhi-review database (an SQLite database of something else); it was left as it was: check --db or NHI_REVIEW_DB",
            path.display()
        );
    }
    if version == 0 {
        return Ok(Found::Empty);
    }
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    Ok(Found::Database {
        version,
        wal: mode.eq_ignore_ascii_case("wal"),
    })
}

/// A read-only connection that writes nothing, not even a journal: opened read-only, or, where
/// the folder cannot take SQLite's shared-memory file (a read-only file system), as an
/// immutable file. The flag says whether it had to be immutable.
fn open_read_only_conn(path: &Path) -> Result<(Connection, bool)> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let probe = |c: &Connection| {
        c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
    };
    if let Ok(conn) = Connection::open_with_flags(path, flags)
        && probe(&conn).is_ok()
    {
        return Ok((conn, false));
    }
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let conn = Connection::open_with_flags(&uri, flags)
        .with_context(|| format!("opening '{}' read-only", path.display()))?;
    probe(&conn).with_context(|| format!("reading '{}'", path.display()))?;
    Ok((conn, true))
}

/// The last record appended to any campaign: every change a check reads appends one.
fn last_record(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT MAX(rowid) FROM record", [], |r| r.get(0))?)
}

/// SQLite's quick check of a connection's file: `None` when sound, else its first complaint.
fn first_damage(conn: &Connection) -> Result<Option<String>> {
    let first: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
    Ok((first != "ok").then_some(first))
}

/// SQLite's quick check of some tables (each with its indexes) only.
fn first_damage_in(conn: &Connection, tables: &[&str]) -> Result<Option<String>> {
    for table in tables {
        let first: String = conn.query_row(
            &format!("PRAGMA quick_check(\"{}\")", table.replace('"', "\"\"")),
            [],
            |r| r.get(0),
        )?;
        if first != "ok" {
            return Ok(Some(first));
        }
    }
    Ok(None)
}

/// What SQLite's quick check covers when a database is opened for writing.
#[derive(Debug, Clone, Copy)]
pub enum Checked<'a> {
    /// The whole file, before anything else: what every writing command checks.
    Whole,
    /// The whole file, on a connection of its own beside the work, the first commit waiting
    /// for it: for a command whose work outlasts the check (an import, the review screen,
    /// campaign start), which then costs no time before its first write or screen. A command
    /// opened so must commit to learn of damage; one that only reads opens read-only.
    Beside,
    /// These tables and their indexes: for a writer whose every other read is verified
    /// against the decision chain (evidence), so that a 2 GB file is not checked twice.
    Tables(&'a [&'a str]),
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for b in path.to_string_lossy().bytes() {
        match b {
            b'%' | b'?' | b'#' => out.push_str(&format!("%{b:02X}")),
            _ => out.push(char::from(b)),
        }
    }
    out
}

impl Store {
    /// Open (creating if needed, with mode 0600) the database at `path` for writing, and
    /// migrate it. Nothing is touched unless it is a new or empty file or a nhi-review database
    /// this version reads; a damaged database is refused with what to do.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_checked(path, Checked::Whole)
    }

    /// [`Store::open`], with the quick check before writing covering `checked`. An older
    /// schema is always checked whole, as its upgrade writes every table.
    pub fn open_checked(path: &Path, checked: Checked) -> Result<Store> {
        Store::open_found(path, inspect(path)?, checked)
    }

    /// [`Store::open_checked`] of a database that must be there already: only an import (or
    /// the demo) makes one, so a mistyped `--db` is an error, not a new empty file. The file is
    /// inspected once.
    pub fn open_existing(path: &Path, checked: Checked) -> Result<Store> {
        match inspect(path)? {
            Found::Missing | Found::Empty => Err(no_database(path)),
            found => Store::open_found(path, found, checked),
        }
    }

    /// [`Store::open_checked`] once the file was inspected.
    fn open_found(path: &Path, found: Found, checked: Checked) -> Result<Store> {
        let shown = crate::text::inert(&path.display().to_string());
        match found {
            Found::Missing => tracing::info!("no database at '{shown}' yet: creating one"),
            Found::Empty => tracing::info!("'{shown}' is empty: making it a new database"),
            Found::Database { version, .. } => {
                tracing::debug!(
                    "'{shown}' is a nhi-review database at schema {version}, opened for writing"
                )
            }
        }
        if matches!(found, Found::Missing)
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the directory '{}'", dir.display()))?;
        }
        create_private(path)?;
        let conn = Connection::open(path)
            .with_context(|| format!("opening database '{}'", path.display()))?;
        wait::set_path(path);
        let store = Store { conn, beside: None };
        // Before anything is written, even a journal mode.
        let mut beside = None;
        if let Found::Database { version, wal } = found {
            let checked = match checked {
                _ if version != SCHEMA_VERSION => Checked::Whole,
                // Opening a file of another journal mode writes its header: checked first.
                Checked::Beside if !wal => Checked::Whole,
                c => c,
            };
            if let Checked::Beside = checked {
                // Its snapshot is the file as committed: this connection commits nothing
                // before the check has answered.
                beside = Some(Beside::start(path)?);
            } else {
                store.quick_check(path, checked)?;
                tracing::debug!("quick_check before writing ({checked:?}): ok");
            }
        }
        let mut store = Store::setup(store.conn)
            .with_context(|| format!("preparing database '{}'", path.display()));
        if let Ok(store) = &mut store {
            store.beside = beside;
        } else if beside.is_some() {
            // A failure to prepare a damaged file is told as its damage.
            settle(&mut beside)?;
        }
        store
    }

    /// Refuse a path where there is no review database yet: only an import (or the demo) makes
    /// one, so a mistyped `--db` is an error, not a new empty file.
    pub fn require(path: &Path) -> Result<()> {
        existing_version(path).map(|_| ())
    }

    /// Whether the database at `path` exists at the schema this build writes (else opening it
    /// for writing would create or upgrade it).
    pub fn is_current(path: &Path) -> Result<bool> {
        Ok(matches!(inspect(path)?, Found::Database { version, .. } if version == SCHEMA_VERSION))
    }

    /// Open the database at `path` for reading only: nothing is written to the file or beside
    /// it, it works on a read-only file or file system, and a database of an older schema is
    /// read through an upgraded temporary copy.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let version = existing_version(path)?;
        let (conn, immutable) = open_read_only_conn(path)?;
        let shown = crate::text::inert(&path.display().to_string());
        if immutable {
            tracing::info!(
                "'{shown}' opened as an immutable file: its folder cannot take SQLite's shared-memory file (a read-only file system?)"
            );
        } else {
            tracing::debug!("'{shown}' opened read-only (query_only): nothing is written");
        }
        if immutable && wal_has_data(path) {
            eprintln!(
                "warning: '{}' is read-only and its write-ahead journal was not merged into it: what is shown may miss the last changes",
                crate::text::inert(&path.display().to_string())
            );
        }
        conn.pragma_update(None, "query_only", "ON")?;
        if version == SCHEMA_VERSION {
            conn.busy_handler(Some(wait::busy))?;
            return Ok(Store { conn, beside: None });
        }
        // An older schema: read an upgraded copy, leave the file as it is.
        tracing::info!(
            "'{shown}' is at schema {version} (this build writes {SCHEMA_VERSION}): read through an upgraded temporary copy, the file left as it is"
        );
        // SQLite's private temporary database (an empty name): on disk in the temporary folder,
        // deleted when closed, its cache bounded. A copy in memory took as much memory as the
        // file (2.4 GB for `campaign status` on a 2 GB database); in memory only where no
        // temporary file can be made.
        let mut copy = Connection::open("").or_else(|_| Connection::open_in_memory())?;
        rusqlite::backup::Backup::new(&conn, &mut copy)?.run_to_completion(
            1024,
            std::time::Duration::ZERO,
            None,
        )?;
        copy.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut copy)
            .with_context(|| format!("reading '{}' (schema {version})", path.display()))?;
        Ok(Store {
            conn: copy,
            beside: None,
        })
    }

    /// SQLite's quick check: `None` when the file is sound, else its first complaint.
    pub fn damage(&self) -> Result<Option<String>> {
        first_damage(&self.conn)
    }

    /// [`Store::damage`] on a connection of its own, in a thread, while `work` runs on this one:
    /// a pass that reads the whole file anyway need not wait for the check first. (A copy in
    /// memory, of an older schema, is checked first instead.)
    pub fn damage_while<T>(&self, work: impl FnOnce(&Store) -> T) -> (Result<Option<String>>, T) {
        let Some(path) = self.file() else {
            return (self.damage(), work(self));
        };
        std::thread::scope(|s| {
            let check = s.spawn(move || first_damage(&open_read_only_conn(&path)?.0));
            let out = work(self);
            (crate::joined(check, "the quick check"), out)
        })
    }

    /// The database's file; `None` for a database in memory or in SQLite's temporary files.
    fn file(&self) -> Option<PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    }

    /// [`Store::open_read_only`], mapped for a pass that reads all of its part.
    pub fn open_reading_all(path: &std::path::Path) -> Result<Store> {
        let store = Store::open_read_only(path)?;
        store.map_for_reading()?;
        Ok(store)
    }

    /// Run `work` with `n` more connections to this database's file (read-only, mapped for
    /// passes that each read all of their part) that read the same state of the database as
    /// this one: each, this one included, in a read transaction begun at the same last record.
    /// `work` gets `None` where the database is not a file (an upgraded copy in SQLite's
    /// temporary files) or when a write landed while they opened; it then reads on this
    /// connection alone, which stays in its one read transaction until `work` is done.
    pub fn with_readers<T>(
        &self,
        n: usize,
        work: impl FnOnce(Option<Vec<Store>>) -> Result<T>,
    ) -> Result<T> {
        let began = self.conn.is_autocommit();
        if began {
            self.conn.execute_batch("BEGIN")?;
        }
        let out = self.readers_at_this_state(n).and_then(work);
        if began {
            let ended = self.conn.execute_batch("ROLLBACK");
            // The work's own failure comes first.
            let out = out?;
            ended?;
            return Ok(out);
        }
        out
    }

    /// [`Self::with_readers`]' connections, or `None`.
    fn readers_at_this_state(&self, n: usize) -> Result<Option<Vec<Store>>> {
        // The first read of a transaction fixes the state it reads.
        let here = last_record(&self.conn)?;
        let Some(path) = self.file() else {
            return Ok(None);
        };
        let mut readers = Vec::with_capacity(n);
        for _ in 0..n {
            let reader = Self::open_reading_all(&path)?;
            reader.conn.execute_batch("BEGIN")?;
            if last_record(&reader.conn)? != here {
                tracing::debug!(
                    "a write landed while the readers opened: reading on one connection"
                );
                return Ok(None);
            }
            readers.push(reader);
        }
        Ok(Some(readers))
    }

    /// `PRAGMA quick_check` before writing: a damaged file is refused, never written into.
    fn quick_check(&self, path: &Path, checked: Checked) -> Result<()> {
        let damage = match checked {
            Checked::Whole | Checked::Beside => self.damage()?,
            Checked::Tables(tables) => first_damage_in(&self.conn, tables)?,
        };
        match damage {
            Some(first) => Err(damaged(path, &first)),
            None => Ok(()),
        }
    }

    /// A fresh in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_handler(Some(wait::busy))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // WAL: readers never block the writer; a killed process loses nothing committed.
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        tracing::debug!(
            "pragmas: foreign_keys=ON, journal_mode={mode} (WAL: readers never block the writer), synchronous=FULL (a commit survives a power cut); another writer is waited for up to {} s",
            wait::bound().as_secs()
        );
        migrate(&mut conn)?;
        Ok(Store { conn, beside: None })
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
        Ok(usize::try_from(v)?)
    }

    /// Run `f` in one immediate write transaction; commit if it succeeds, roll back otherwise.
    /// Every check `f` makes sees the state it writes on: nothing can change in between.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Tx) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tx = Tx { tx };
        // A failure on a damaged file is told as its damage; the transaction rolls back.
        let out = match f(&mut tx) {
            Ok(out) => out,
            Err(e) => return Err(settle_after(&mut self.beside, e)),
        };
        settle(&mut self.beside)?;
        tx.tx.commit().context("committing")?;
        Ok(out)
    }
}

/// Whether a `-wal` journal beside the database holds anything.
fn wal_has_data(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(std::path::PathBuf::from(wal)).is_ok_and(|m| m.len() > 0)
}

/// Create the file with owner-only permissions before SQLite opens it; SQLite gives its WAL and
/// shared-memory files the same mode.
fn create_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // An existing file is never opened here, only looked at (see inspect for why).
        if !path.exists() {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("creating database '{}'", path.display()))?;
        }
        let meta = std::fs::metadata(path)?;
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
    let current = usize::try_from(current)?;
    if current > MIGRATIONS.len() {
        bail!(
            "the database is at schema version {current}, newer than this nhi-review knows ({}); upgrade nhi-review",
            MIGRATIONS.len()
        );
    }
    match current {
        0 => tracing::debug!("a new database: creating schema {}", MIGRATIONS.len()),
        c if c < MIGRATIONS.len() => tracing::info!(
            "upgrading the database from schema {c} to {} (each step in its own transaction)",
            MIGRATIONS.len()
        ),
        _ => {}
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)
            .with_context(|| format!("applying migration {}", i + 1))?;
        if let Some(step) = m.then {
            step(&tx).with_context(|| format!("applying migration {}", i + 1))?;
        }
        tx.pragma_update(None, "user_version", i64::try_from(i + 1)?)?;
        tx.commit()?;
    }
    Ok(())
}

/// Stored form of a time: RFC 3339 UTC, whole seconds, `Z`.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    nhi_importers::time::format_utc(t)
}

/// A stored time that does not parse: the error names the column and the value.
fn bad_value(idx: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        Type::Text,
        format!("stored {what} '{value}' does not read back").into(),
    )
}

/// Read a stored time (NULL is `None`; anything else must parse).
pub(crate) fn get_ts(r: &Row, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let Some(s) = r.get::<_, Option<String>>(idx)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&s)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| bad_value(idx, "time", &s))
}

/// Read a stored time that must be there.
pub(crate) fn get_ts_required(r: &Row, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    get_ts(r, idx)?.ok_or_else(|| bad_value(idx, "time", "NULL"))
}

/// Read stored JSON.
pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    r: &Row,
    idx: usize,
    what: &str,
) -> rusqlite::Result<T> {
    let s: String = r.get(idx)?;
    serde_json::from_str(&s).map_err(|_| bad_value(idx, what, &s))
}

/// Resolve an identity reference (short id `provider-N` or native id) to its row id.
pub(crate) fn resolve_identity(conn: &Connection, reference: &str) -> Result<IdentityId> {
    if let Some((provider, n)) = reference.rsplit_once('-')
        && let Ok(id) = n.parse::<i64>()
    {
        let found: Option<i64> = conn
            .prepare_cached("SELECT id FROM identity WHERE id = ?1 AND provider = ?2")?
            .query_row(params![id, provider], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            return Ok(IdentityId(id));
        }
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM identity WHERE native_id = ?1 LIMIT 2")?;
    let ids: Vec<i64> = stmt
        .query_map([reference], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [id] => Ok(IdentityId(*id)),
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
    fn record_kinds_outside_the_vocabulary_are_rejected_by_the_schema() {
        let store = Store::open_in_memory().expect("opens");
        let err = store.conn.execute_batch(
            "INSERT INTO campaign (name, started_at, status, thresholds, population_size, population_hash)
             VALUES ('c', '2026-01-01T00:00:00Z', 'open', '{}', 0, '');
             INSERT INTO record (campaign_id, seq, kind, reviewer, at, prev_hash, row_hash, record)
             VALUES (1, 1, 'maybe', '', '', '', '', '');",
        );
        assert!(err.is_err());
    }
}
