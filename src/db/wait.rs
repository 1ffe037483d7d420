//! Waiting for another writer. SQLite lets one process write at a time; a writer that finds
//! the database busy waits as long as the other holds it (up to a bound the user sets), says
//! what it waits for, and fails with that said rather than "database is locked".
//!
//! A long writer (an import, a campaign start) leaves a note beside the database
//! (`<db>-writer`: its process id, what it does, since when) for the others to read; the note
//! goes when it finishes, and a note whose process has died is ignored.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The default bound on a wait, in seconds.
pub const DEFAULT_WAIT_SECS: u64 = 600;

static BOUND_SECS: AtomicU64 = AtomicU64::new(DEFAULT_WAIT_SECS);
static QUIET: AtomicBool = AtomicBool::new(false);
static DB_PATH: Mutex<Option<PathBuf>> = Mutex::new(None);

thread_local! {
    static STARTED: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
    static SAID: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Wait at most this long for another writer.
pub fn set_bound(secs: u64) {
    BOUND_SECS.store(secs, Ordering::Relaxed);
}

/// The bound in force.
pub fn bound() -> Duration {
    Duration::from_secs(BOUND_SECS.load(Ordering::Relaxed))
}

/// Say nothing on standard error while waiting (the review screen owns the terminal).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub(super) fn set_path(path: &Path) {
    if let Ok(mut p) = DB_PATH.lock() {
        *p = Some(path.to_path_buf());
    }
}

/// Path of the note a long writer leaves beside the database.
pub fn note_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-writer");
    PathBuf::from(name)
}

/// What another live process is writing, from its note: `None` when there is no note or its
/// process is gone.
pub fn other_writer(db: &Path) -> Option<String> {
    let text = std::fs::read_to_string(note_path(db)).ok()?;
    let (pid, what) = text.trim().split_once(' ')?;
    let pid: u32 = pid.parse().ok()?;
    if pid == std::process::id() || !alive(pid) {
        return None;
    }
    Some(crate::text::inert(what))
}

#[cfg(target_os = "linux")]
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn alive(_pid: u32) -> bool {
    true
}

/// What another live process is writing to the database this process opened, if anything.
pub fn current_other_writer() -> Option<String> {
    DB_PATH.lock().ok()?.as_deref().and_then(other_writer)
}

/// A note that this process is writing for a while; removed when dropped.
pub struct Note {
    path: Option<PathBuf>,
}

impl Note {
    /// Leave a note beside `db` saying what this process writes (best effort: a folder that
    /// cannot take it only means others wait without knowing why).
    pub fn leave(db: &Path, what: &str, since: &str) -> Note {
        let path = note_path(db);
        let text = format!("{} {what} (since {since})\n", std::process::id());
        let written = {
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&path)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
            }
            #[cfg(not(unix))]
            {
                std::fs::write(&path, text)
            }
        };
        Note {
            path: written.is_ok().then_some(path),
        }
    }
}

impl Drop for Note {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// SQLite's busy handler: called while another connection holds the lock, `count` times so
/// far; `true` to try again.
pub(super) fn busy(count: i32) -> bool {
    let started = STARTED.with(|s| {
        if count == 0 || s.get().is_none() {
            tracing::debug!(
                "the database is busy (another connection writes): waiting up to {} s",
                bound().as_secs()
            );
            s.set(Some(Instant::now()));
            SAID.with(|said| said.set(false));
        }
        s.get().unwrap_or_else(Instant::now)
    });
    let waited = started.elapsed();
    if waited >= bound() {
        STARTED.with(|s| s.set(None));
        tracing::debug!(
            "gave up after {:.1} s and {count} tries: the bound is {} s",
            waited.as_secs_f64(),
            bound().as_secs()
        );
        return false;
    }
    // Say once, after a moment, what it waits for.
    if waited >= Duration::from_millis(500)
        && !SAID.with(|s| s.replace(true))
        && !QUIET.load(Ordering::Relaxed)
    {
        eprintln!("{}", waiting_message());
    }
    std::thread::sleep(step(count));
    true
}

/// The pause before the next try: short at first, then a fifth of a second.
fn step(count: i32) -> Duration {
    Duration::from_millis(match count {
        0..=4 => 5,
        5..=20 => 25,
        _ => 200,
    })
}

/// "waiting: an import of … is running; up to 600 s (--wait SECONDS)".
pub fn waiting_message() -> String {
    let what = DB_PATH
        .lock()
        .ok()
        .and_then(|p| p.as_deref().and_then(other_writer))
        .unwrap_or_else(|| "another nhi-review is writing to the database".into());
    format!(
        "waiting: {what}; up to {} s (--wait SECONDS to change)",
        bound().as_secs()
    )
}

/// Whether an error is SQLite giving up on a busy database.
pub fn is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<rusqlite::Error>().is_some_and(|r| {
            matches!(
                r.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        })
    })
}
