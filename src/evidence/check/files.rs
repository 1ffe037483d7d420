//! The files against `SHA256SUMS`: each listed file present and matching its hash, every file
//! of the format listed, and no file present that is not listed (what `sha256sum -c` cannot
//! see). Which files changed is kept, so later checks can say which file was edited.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;

use super::BundleReport;
use crate::evidence::files::{self as names, SumLine, parse_sums, sha256_file};

/// What the file checks found.
#[derive(Debug, Clone, Default)]
pub struct FileState {
    /// The lines of `SHA256SUMS`, if it reads.
    pub listed: Vec<SumLine>,
    /// Listed files whose bytes are not what `SHA256SUMS` lists.
    pub changed: BTreeSet<String>,
    /// Listed files that are not there.
    pub missing: BTreeSet<String>,
}

impl FileState {
    /// Whether this file was changed after signing.
    pub fn is_changed(&self, name: &str) -> bool {
        self.changed.contains(name)
    }

    /// The hash `SHA256SUMS` lists for a file.
    pub fn listed_hash(&self, name: &str) -> Option<&str> {
        self.listed
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.sha256.as_str())
    }
}

/// The sha256 of each listed file, two files at a time (the large ones dominate).
fn hash_all(dir: &Path, listed: &[SumLine]) -> Vec<std::io::Result<String>> {
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(line) = listed.get(i) else {
                return done;
            };
            done.push((i, sha256_file(&dir.join(&line.name)).map(|(hex, _)| hex)));
        }
    };
    let mut all: Vec<std::io::Result<String>> = listed
        .iter()
        .map(|_| Err(std::io::Error::other("not hashed")))
        .collect();
    let done = std::thread::scope(|s| {
        let other = s.spawn(work);
        let mut mine = work();
        mine.extend(other.join().unwrap_or_default());
        mine
    });
    for (i, hashed) in done {
        all[i] = hashed;
    }
    all
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(16)]
}

/// Check the files; findings go to `report`.
pub fn check(report: &mut BundleReport, dir: &Path, sums: Option<&str>) -> Result<FileState> {
    let mut state = FileState::default();
    let Some(sums) = sums else {
        report.fail(
            "files",
            "SHA256SUMS is missing: nothing in the bundle is covered by a signature".into(),
        );
        return Ok(state);
    };
    match parse_sums(sums) {
        Ok(lines) => state.listed = lines,
        Err(why) => {
            report.fail("files", format!("SHA256SUMS does not read: {why}"));
            return Ok(state);
        }
    }
    let hashes = hash_all(dir, &state.listed);
    for (line, hashed) in state.listed.iter().zip(hashes) {
        let path = dir.join(&line.name);
        if !path.exists() {
            report.fail(
                "files",
                format!(
                    "'{}' is listed in SHA256SUMS but missing: a signed file was removed",
                    line.name
                ),
            );
            state.missing.insert(line.name.clone());
            continue;
        }
        let hex = hashed?;
        if hex != line.sha256 {
            report.fail(
                "files",
                format!(
                    "'{}' was changed after signing: its sha256 is {}…, SHA256SUMS lists {}…",
                    line.name,
                    short(&hex),
                    short(&line.sha256)
                ),
            );
            state.changed.insert(line.name.clone());
        }
        if !names::SIGNED.contains(&line.name.as_str()) {
            report.fail(
                "files",
                format!(
                    "SHA256SUMS lists '{}', which is not a file of an evidence bundle",
                    line.name
                ),
            );
        }
    }
    for name in names::SIGNED {
        if state.listed_hash(name).is_none() {
            report.fail(
                "files",
                format!("'{name}' is not listed in SHA256SUMS: the signature does not cover it"),
            );
        }
    }
    let mut extra: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name != names::SUMS && name != names::SIGNATURE && state.listed_hash(&name).is_none() {
            extra.push(name);
        }
    }
    extra.sort();
    for name in extra {
        report.fail(
            "files",
            format!("'{name}' is in the bundle but not listed in SHA256SUMS: it was added after signing, and nothing vouches for it"),
        );
    }
    if !report.failed("files") {
        report.checked.push(format!(
            "files: the {} files SHA256SUMS lists are all here and match their sha256; no other file is here",
            state.listed.len()
        ));
    }
    Ok(state)
}
