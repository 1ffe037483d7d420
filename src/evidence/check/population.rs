//! `population.csv` against the population hash: each row's `member` line (exactly what the
//! hash covers) in natural-key order, hashed as it streams past and compared with the start
//! record's hash and size; each row's readable columns against its line; the standing verdicts
//! added up against the close record and the manifest; every source it names listed in the
//! manifest.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Result;

use super::BundleReport;
use super::chain::ChainFacts;
use super::files::FileState;
use crate::chain::{PopulationHasher, sha256_hex};
use crate::evidence::files::{MANIFEST, POPULATION};
use crate::evidence::manifest::Manifest;
use crate::evidence::rows::{POPULATION_COLUMNS, pop};
use crate::evidence::tally::{VerdictTally, is_override};
use crate::model::Verdict;
use crate::output::neutralise;

/// What streaming the rows found.
#[derive(Default)]
pub struct Seen {
    rows: u64,
    hasher: PopulationHasher,
    last_key: Option<[String; 3]>,
    verdicts: VerdictTally,
    overrides: u64,
    problem: Option<String>,
}

/// A snapshot cell may carry the apostrophe that neutralised it: either reading must hash.
fn snapshot_matches(cell: &str, sha: &str) -> bool {
    sha256_hex(cell.as_bytes()) == sha
        || cell
            .strip_prefix('\'')
            .is_some_and(|rest| sha256_hex(rest.as_bytes()) == sha)
}

/// The first thing wrong with one row, if any.
fn check_row(seen: &mut Seen, row: &csv::StringRecord, sources: &BTreeSet<&str>) -> Option<String> {
    let n = seen.rows;
    let cell = |i: usize| row.get(i).unwrap_or("");
    let member = cell(pop::MEMBER);
    let Ok(fields) = serde_json::from_str::<[String; 6]>(member) else {
        return Some(format!(
            "population.csv row {n}: its member column is not a population line"
        ));
    };
    seen.hasher.add(&format!("{member}\n"));
    let key = [fields[0].clone(), fields[1].clone(), fields[2].clone()];
    if seen.last_key.as_ref().is_some_and(|last| *last >= key) {
        return Some(format!(
            "population.csv row {n} is out of the natural-key order the population hash covers: rows were reordered or one inserted"
        ));
    }
    seen.last_key = Some(key);
    for (col, value) in [
        (pop::PROVIDER, &fields[0]),
        (pop::ACCOUNT, &fields[1]),
        (pop::NATIVE_ID, &fields[2]),
        (pop::OWNER_AT_START, &fields[3]),
        (pop::FUNCTION_AT_START, &fields[4]),
        (pop::SNAPSHOT_SHA256, &fields[5]),
    ] {
        if cell(col) != neutralise(value) {
            return Some(format!(
                "population.csv row {n}: its '{}' column does not say what its member line says: population.csv was edited",
                POPULATION_COLUMNS[col]
            ));
        }
    }
    if !snapshot_matches(cell(pop::SNAPSHOT), &fields[5]) {
        return Some(format!(
            "population.csv row {n}: its snapshot does not hash to its snapshot_sha256: population.csv was edited"
        ));
    }
    let verdict = match cell(pop::VERDICT) {
        "" => None,
        v => match Verdict::parse(v) {
            Ok(v) => Some(v),
            Err(e) => return Some(format!("population.csv row {n}: {e}")),
        },
    };
    let action = cell(pop::ACTION);
    seen.verdicts
        .add(verdict, (!action.is_empty()).then_some(action));
    if is_override(verdict, cell(pop::SUGGESTED)) {
        seen.overrides += 1;
    }
    let unlisted = cell(pop::SOURCE_SHA256)
        .split("; ")
        .find(|h| !h.is_empty() && !sources.contains(h));
    if let Some(h) = unlisted {
        return Some(format!(
            "population.csv row {n} names a source file with sha256 {}… that the manifest does not list",
            &h[..h.len().min(16)]
        ));
    }
    None
}

/// What streaming `population.csv` gave: the rows seen, or why it could not be read.
pub enum Streamed {
    /// Not there (the file checks said so).
    Missing,
    /// Unreadable as a population file.
    Unreadable(String),
    /// Read to the end.
    Read(Box<Seen>),
}

/// Stream `population.csv` (independent of the other checks, so it can run beside them).
pub fn stream(dir: &Path, m: &Manifest) -> Result<Streamed> {
    let Ok(file) = File::open(dir.join(POPULATION)) else {
        return Ok(Streamed::Missing);
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    let mut row = csv::StringRecord::new();
    if !matches!(reader.read_record(&mut row), Ok(true))
        || row.iter().ne(POPULATION_COLUMNS.iter().copied())
    {
        return Ok(Streamed::Unreadable(
            "population.csv does not have the columns of an evidence bundle: it was replaced or edited".into(),
        ));
    }
    let sources: BTreeSet<&str> = m.sources.iter().map(|s| s.sha256.as_str()).collect();
    let mut seen = Seen::default();
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Ok(Streamed::Unreadable(format!(
                    "population.csv row {} does not read ({e})",
                    seen.rows + 1
                )));
            }
        }
        seen.rows += 1;
        if seen.problem.is_none() {
            seen.problem = check_row(&mut seen, &row, &sources);
        } else {
            seen.hasher
                .add(&format!("{}\n", row.get(pop::MEMBER).unwrap_or("")));
        }
    }
    Ok(Streamed::Read(Box::new(seen)))
}

/// Judge what streaming `population.csv` saw against the chain and the manifest.
pub fn judge(
    report: &mut BundleReport,
    streamed: Streamed,
    m: &Manifest,
    facts: Option<&ChainFacts>,
    state: &FileState,
) {
    let mut seen = match streamed {
        Streamed::Missing => return,
        Streamed::Unreadable(why) => return report.fail("population", why),
        Streamed::Read(seen) => seen,
    };
    if let Some(problem) = seen.problem.take() {
        let problem = if problem.contains("manifest does not list") {
            let who = if state.is_changed(MANIFEST) {
                "the manifest's sources were edited"
            } else {
                "population.csv or the manifest was edited"
            };
            format!("{problem}: {who}")
        } else {
            problem
        };
        report.fail("population", problem);
    }
    let rows = seen.rows;
    let (hash, size) = std::mem::take(&mut seen.hasher).finish();
    let (want_hash, want_size) = match facts {
        Some(f) => (f.start.population_hash.clone(), f.start.population_size),
        None => (m.population.hash.clone(), m.population.size),
    };
    if size != want_size {
        report.fail(
            "population",
            format!("population.csv lists {size} members, the start record froze {want_size}: members were added or removed"),
        );
    } else if hash != want_hash {
        report.fail(
            "population",
            "population.csv's members do not hash to the start record's population hash: a member line was edited".into(),
        );
    }
    if let Some((_, close)) = facts.and_then(|f| f.close.as_ref()) {
        let closed = (close.keep, close.reduce, close.revoke, close.unreviewed);
        let v = &seen.verdicts;
        // Undecided members without an unreviewed record are only possible in a campaign closed
        // by schema 1, whose close record (written at the upgrade) counts none: not compared.
        if (v.keep, v.reduce, v.revoke, v.unreviewed) != closed {
            report.fail(
                "population",
                format!(
                    "population.csv's standing verdicts (keep {}, reduce {}, revoke {}, unreviewed {}) are not the close record's (keep {}, reduce {}, revoke {}, unreviewed {})",
                    v.keep, v.reduce, v.revoke, v.unreviewed, closed.0, closed.1, closed.2, closed.3
                ),
            );
        }
    }
    if seen.overrides != m.counts.overrides {
        report.fail(
            "population",
            format!(
                "population.csv shows {} overrides of the suggestion, the manifest counts {}",
                seen.overrides, m.counts.overrides
            ),
        );
    }
    if !report.failed("population") {
        report.checked.push(format!(
            "population: population.csv's {rows} members, in natural-key order, hash to the start record's population hash; their standing verdicts add up to the close record's"
        ));
    }
}
