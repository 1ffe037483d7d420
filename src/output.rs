//! Where commands write files: outputs never destroy inputs. A file named with `-o` is written
//! to a temporary file beside it and renamed into place only when complete, readable by its
//! owner only; the review database and its journal files are refused as outputs. Every text
//! cell of a CSV goes through one neutralising writer, so no spreadsheet reads a formula.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The files an output must never be: the database and the files SQLite keeps beside it.
pub fn protected_paths(db: &Path) -> Vec<PathBuf> {
    let mut out = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal", "-writer"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        out.push(PathBuf::from(name));
    }
    out
}

/// An absolute, symlink-free form of a path whose file may not exist yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(path.file_name()?))
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Path, _: &Path) -> bool {
    false
}

/// Refuse `target` if it is one of the protected files, by name or by identity (a hard link
/// or a symbolic link to it).
pub fn refuse_protected(target: &Path, protected: &[PathBuf]) -> Result<()> {
    let t = resolved(target);
    for p in protected {
        if same_file(target, p) || (t.is_some() && t == resolved(p)) {
            bail!(
                "'{}' is the review database (or a file SQLite keeps beside it): writing there would destroy the review; name another output file",
                target.display()
            );
        }
    }
    Ok(())
}

/// A file being written: it appears under its name only when [`SafeFile::commit`] succeeds,
/// owner-only (0600). Dropped without commit, it leaves nothing behind and the previous file,
/// if any, untouched.
pub struct SafeFile {
    tmp: io::BufWriter<tempfile::NamedTempFile>,
    target: PathBuf,
    /// Bytes written since the last writeback began.
    unsynced: u64,
    /// [`WRITEBACK_EVERY`] (smaller in tests).
    writeback_every: u64,
    /// The thread that syncs what is written so far, once the file is large.
    writeback: Option<Writeback>,
}

/// Bytes written after which what is written so far is synced by another thread while the
/// writing goes on, so the sync at commit waits only for the last of it (an evidence bundle's
/// 1.2 GB of decisions took a second to sync at the end, with both cores idle).
const WRITEBACK_EVERY: u64 = 64 << 20;

/// A thread syncing a file (through its own handle) each time it is asked to.
struct Writeback {
    ask: std::sync::mpsc::SyncSender<()>,
    /// Ends with the first failure to sync, if any.
    thread: std::thread::JoinHandle<io::Result<()>>,
}

impl Writeback {
    /// `None` where the handle or the thread cannot be had: the sync at commit does it all.
    fn start(file: &std::fs::File) -> Option<Writeback> {
        let file = file.try_clone().ok()?;
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("writeback".into())
            .spawn(move || {
                // The handle shares the file's write-back errors: one seen here is not seen
                // again by the sync at commit, so it is kept and told there.
                for () in asked {
                    file.sync_data()?;
                }
                Ok(())
            })
            .ok()?;
        Some(Writeback { ask, thread })
    }

    /// Ask for a sync; one already asked for and not begun covers this one too.
    fn ask(&self) {
        let _ = self.ask.try_send(());
    }

    /// Wait for the syncs asked for; the first failure, if any.
    fn finish(self) -> io::Result<()> {
        drop(self.ask);
        self.thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writeback thread stopped")))
    }
}

impl SafeFile {
    /// Start writing `target` (refused if it is a protected file).
    pub fn create(target: &Path, protected: &[PathBuf]) -> Result<SafeFile> {
        refuse_protected(target, protected)?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if target.is_dir() {
            bail!("'{}' is a folder: name a file to write", target.display());
        }
        if !dir.is_dir() {
            bail!(
                "cannot write '{}': the folder '{}' does not exist (create it first, or name another)",
                target.display(),
                dir.display()
            );
        }
        // tempfile creates the file with mode 0600.
        let tmp = tempfile::Builder::new()
            .prefix(".nhi-review-")
            .suffix(".partial")
            .tempfile_in(&dir)
            .with_context(|| format!("creating a file in '{}'", dir.display()))?;
        Ok(SafeFile {
            tmp: io::BufWriter::new(tmp),
            target: target.to_path_buf(),
            unsynced: 0,
            writeback_every: WRITEBACK_EVERY,
            writeback: None,
        })
    }

    /// The name it will have.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flush, sync and rename into place.
    pub fn commit(mut self) -> Result<()> {
        if let Some(w) = self.writeback.take() {
            w.finish()
                .with_context(|| format!("writing '{}'", self.target.display()))?;
        }
        let tmp = self
            .tmp
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing '{}'", self.target.display()))?;
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("writing '{}'", self.target.display()))?;
        tmp.persist(&self.target)
            .map_err(|e| e.error)
            .with_context(|| format!("writing '{}'", self.target.display()))?;
        Ok(())
    }
}

impl Write for SafeFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.tmp.write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= self.writeback_every {
            self.unsynced = 0;
            if self.writeback.is_none() {
                self.writeback = Writeback::start(self.tmp.get_ref().as_file());
            }
            if let Some(w) = &self.writeback {
                w.ask();
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// A cell as a spreadsheet must see it: text that a spreadsheet would run as a formula
/// (leading `=`, `+`, `-`, `@`, tab or carriage return) gets a leading apostrophe.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A cell read back from a spreadsheet: the apostrophe [`neutralise`] added is removed.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A CSV writer that neutralises every cell: no column can skip it.
pub struct CsvOut<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    /// Write CSV to `w`.
    pub fn new(w: W) -> Self {
        CsvOut {
            w: csv::Writer::from_writer(w),
        }
    }

    /// One row; every cell neutralised.
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // Field by field: a cell is copied only when it is neutralised (a copy of every cell
        // was 8 % of an evidence run's CPU).
        for cell in cells {
            self.w.write_field(neutralise(cell.as_ref()).as_bytes())?;
        }
        self.w.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Flush and give back the writer.
    pub fn finish(self) -> Result<W> {
        self.w
            .into_inner()
            .map_err(|e| anyhow::Error::new(e.into_error()).context("writing CSV"))
    }
}

/// A writer for a terminal: whatever passes through, no escape sequence, control character,
/// bidirectional override or zero-width character reaches the terminal as itself (line breaks
/// and tabs do). Used for standard output whenever it is a terminal, whatever the format: a
/// CSV or JSON value from an export is data, not a command to the terminal.
pub struct TerminalSafe<W: Write> {
    inner: W,
    /// The bytes of a character split across two writes.
    partial: Vec<u8>,
}

impl<W: Write> TerminalSafe<W> {
    /// Wrap `inner`.
    pub fn new(inner: W) -> Self {
        TerminalSafe {
            inner,
            partial: Vec::new(),
        }
    }

    fn emit(&mut self, text: &str) -> io::Result<()> {
        for line in text.split_inclusive(['\n', '\t']) {
            let (body, end) = match line.char_indices().last() {
                Some((i, c @ ('\n' | '\t'))) => (&line[..i], Some(c)),
                _ => (line, None),
            };
            self.inner
                .write_all(crate::text::inert_cow(body).as_bytes())?;
            if let Some(c) = end {
                self.inner.write_all(&[c as u8])?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.partial.extend_from_slice(buf);
        let bytes = std::mem::take(&mut self.partial);
        let (text, rest) = match std::str::from_utf8(&bytes) {
            Ok(t) => (t, &[][..]),
            // An incomplete character at the end waits for the next write; invalid bytes are
            // shown as the replacement character.
            Err(e) if e.error_len().is_none() => {
                let (ok, rest) = bytes.split_at(e.valid_up_to());
                (std::str::from_utf8(ok).unwrap_or_default(), rest)
            }
            Err(_) => {
                let lossy = String::from_utf8_lossy(&bytes).into_owned();
                self.emit(&lossy)?;
                return Ok(buf.len());
            }
        };
        self.emit(text)?;
        self.partial = rest.to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            let lossy = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            self.emit(&lossy)?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_never_sees_an_escape() {
        let mut out = TerminalSafe::new(Vec::new());
        let hostile = "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[2J\u{202e}c\u{200b}\u{9b}d\tline\n";
        // Byte by byte: characters split across writes still come out whole.
        for b in hostile.as_bytes() {
            out.write_all(&[*b]).expect("write");
        }
        out.flush().expect("flush");
        let text = String::from_utf8(out.inner).expect("utf-8");
        assert_eq!(
            text,
            "a\\e]52;c;ZXZpbA==\\u{7}b\\e[2J\\u{202e}c\\u{200b}\\u{9b}d\tline\n"
        );
    }

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for f in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(neutralise(f).starts_with('\''), "{f}");
            assert_eq!(restore(&neutralise(f)), f);
        }
        assert_eq!(neutralise("plain"), "plain");
        assert_eq!(restore("'quoted"), "'quoted", "a real apostrophe stays");
    }

    #[test]
    fn the_database_and_its_journals_are_refused_by_name_and_by_link() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("review.db");
        std::fs::write(&db, b"db").expect("db");
        let protected = protected_paths(&db);
        assert!(SafeFile::create(&db, &protected).is_err());
        assert!(SafeFile::create(&dir.path().join("review.db-wal"), &protected).is_err());
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("sub");
        assert!(SafeFile::create(&sub.join("../review.db"), &protected).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&db, &link).expect("symlink");
            assert!(SafeFile::create(&link, &protected).is_err());
        }
        assert_eq!(std::fs::read(&db).expect("db"), b"db");
    }

    #[test]
    fn a_file_appears_only_when_committed_and_private() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("out.csv");
        std::fs::write(&out, b"before").expect("before");
        {
            let mut f = SafeFile::create(&out, &[]).expect("create");
            f.write_all(b"half").expect("write");
        }
        assert_eq!(std::fs::read(&out).expect("read"), b"before");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        let mut f = SafeFile::create(&out, &[]).expect("create");
        f.write_all(b"after").expect("write");
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&out).expect("read"), b"after");
        // A large file is synced by another thread as it is written; committed, it is whole;
        // dropped, it leaves nothing, its writeback thread ended with it.
        let mut f = SafeFile::create(&out, &[]).expect("create");
        f.writeback_every = 4096;
        let block: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        for _ in 0..20 {
            f.write_all(&block).expect("write");
        }
        assert!(f.writeback.is_some(), "writeback started");
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&out).expect("read"), block.repeat(20));
        {
            let mut f = SafeFile::create(&dir.path().join("dropped.csv"), &[]).expect("create");
            f.writeback_every = 4096;
            f.write_all(&block).expect("write");
            assert!(f.writeback.is_some());
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
