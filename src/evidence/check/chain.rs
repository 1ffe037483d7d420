//! `decisions.jsonl` as a hash chain, read line by line and hashed exactly as written (never
//! re-serialised), and `decisions.csv` against it in the same pass. At the first break the
//! line's own number, previous hash and the next line tell which tampering it was: a record
//! edited, deleted, inserted, renumbered or reordered, or the last ones cut off.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::Result;

use super::BundleReport;
use super::files::FileState;
use crate::chain::verify::Verifier;
use crate::chain::{CloseRecord, GENESIS, Record, StartRecord, StoredLink, sha256_hex};
use crate::evidence::files::{DECISIONS_CSV, DECISIONS_JSONL};
use crate::evidence::manifest::{Counts, Manifest};
use crate::evidence::rows::{DECISION_COLUMNS, DECISION_NAME, decision_cells};
use crate::output::neutralise;
use crate::progress::{Measure, Progress, Ticker};

/// What a chain that verified says.
#[derive(Debug, Clone)]
pub struct ChainFacts {
    /// Records.
    pub length: u64,
    /// Hash of the last.
    pub head: String,
    /// The start record.
    pub start: StartRecord,
    /// The close record and its place, if any.
    pub close: Option<(u64, CloseRecord)>,
    /// Records by kind.
    pub counts: Counts,
}

/// Lines with one line of lookahead, each with its newline removed.
struct Lines {
    reader: BufReader<File>,
    peeked: Option<Option<Vec<u8>>>,
    unterminated: bool,
}

impl Lines {
    fn read(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut buf = Vec::new();
        if self.reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else {
            self.unterminated = true;
        }
        Ok(Some(buf))
    }

    fn next(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        match self.peeked.take() {
            Some(line) => Ok(line),
            None => self.read(),
        }
    }

    /// The next line's seq, if it is a record.
    fn peek_seq(&mut self) -> std::io::Result<Option<u64>> {
        if self.peeked.is_none() {
            self.peeked = Some(self.read()?);
        }
        Ok(self
            .peeked
            .as_ref()
            .and_then(|l| l.as_ref())
            .and_then(|l| std::str::from_utf8(l).ok())
            .and_then(|t| Record::parse(t).ok())
            .map(|r| r.seq()))
    }
}

/// Where the chain stands before each line.
struct Walk {
    /// Records accepted.
    n: u64,
    /// Hash of record #n.
    head: String,
    /// Hash of record #n-1.
    before: String,
}

/// Which tampering a line that does not follow shows.
fn classify(w: &Walk, seq: u64, prev: &str, next_seq: Option<u64>) -> String {
    let want = w.n + 1;
    let last = w.n;
    if seq == want {
        return if last >= 1 && prev == w.before {
            format!(
                "a record was inserted at #{last}: record #{want} links to the record before it, and the records after it were renumbered"
            )
        } else {
            format!(
                "record #{last} was edited: its bytes no longer hash to what record #{want} links to"
            )
        };
    }
    if prev == w.head {
        return format!(
            "record #{want} was renumbered #{seq}: it links to record #{last} but carries another number"
        );
    }
    if seq > want {
        return if next_seq == Some(want) {
            format!("records were reordered: #{seq} comes before #{want}")
        } else if seq == want + 1 {
            format!("record #{want} was deleted: decisions.jsonl goes from #{last} to #{seq}")
        } else {
            format!(
                "records #{want} to #{} were deleted: decisions.jsonl goes from #{last} to #{seq}",
                seq - 1
            )
        };
    }
    if seq + 1 == want && last >= 1 && prev == w.before {
        return format!("a record was inserted before record #{seq}: two records claim #{seq}");
    }
    format!("records were reordered: #{seq} comes again after #{last}")
}

fn clip(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

/// `decisions.csv`, compared row by row with the records as they are accepted.
struct CsvCheck {
    reader: csv::Reader<BufReader<File>>,
    row: u64,
    done: bool,
    csv_changed: bool,
    jsonl_changed: bool,
}

impl CsvCheck {
    fn open(report: &mut BundleReport, dir: &Path, state: &FileState) -> Option<CsvCheck> {
        let file = File::open(dir.join(DECISIONS_CSV)).ok()?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(BufReader::new(file));
        let mut header = csv::StringRecord::new();
        if !matches!(reader.read_record(&mut header), Ok(true))
            || header.iter().ne(DECISION_COLUMNS.iter().copied())
        {
            report.fail(
                "decisions.csv",
                "decisions.csv does not have the columns of an evidence bundle: it was replaced or edited".into(),
            );
            return None;
        }
        Some(CsvCheck {
            reader,
            row: 0,
            done: false,
            csv_changed: state.is_changed(DECISIONS_CSV),
            jsonl_changed: state.is_changed(DECISIONS_JSONL),
        })
    }

    fn blame(&self, row: u64, seq: u64, what: &str) -> String {
        match (self.csv_changed, self.jsonl_changed) {
            (false, true) => format!(
                "decisions.jsonl record #{seq} does not say what decisions.csv row {row} says ({what}): decisions.jsonl was edited"
            ),
            (true, _) => format!(
                "decisions.csv row {row} does not say what record #{seq} says ({what}): decisions.csv was edited"
            ),
            (false, false) => format!(
                "decisions.csv row {row} does not say what record #{seq} of decisions.jsonl says ({what})"
            ),
        }
    }

    fn compare(&mut self, report: &mut BundleReport, record: &Record, hash: &str) -> Result<()> {
        if self.done {
            return Ok(());
        }
        self.row += 1;
        let mut raw = csv::StringRecord::new();
        let read = self.reader.read_record(&mut raw);
        if !matches!(read, Ok(true)) {
            self.done = true;
            let msg = match read {
                Err(e) => format!("decisions.csv row {} does not read ({e})", self.row),
                _ => format!(
                    "decisions.csv ends before record #{}: rows were deleted from decisions.csv",
                    record.seq()
                ),
            };
            report.fail("decisions.csv", msg);
            return Ok(());
        }
        let name = raw.get(DECISION_NAME).unwrap_or("");
        let expected = decision_cells(record, hash, name)?;
        let differs = expected
            .iter()
            .enumerate()
            .find(|(i, e)| raw.get(*i) != Some(neutralise(e).as_ref()));
        if let Some((i, e)) = differs {
            self.done = true;
            let what = format!(
                "column '{}': '{}' in the CSV, '{}' in the record",
                DECISION_COLUMNS[i],
                clip(raw.get(i).unwrap_or("")),
                clip(e)
            );
            report.fail("decisions.csv", self.blame(self.row, record.seq(), &what));
        }
        Ok(())
    }

    fn finish(&mut self, report: &mut BundleReport) {
        if self.done {
            return;
        }
        let mut raw = csv::StringRecord::new();
        if matches!(self.reader.read_record(&mut raw), Ok(true)) {
            let msg = if self.jsonl_changed && !self.csv_changed {
                format!(
                    "decisions.jsonl ends at record #{}, before the last row of decisions.csv: records were removed from decisions.jsonl",
                    self.row
                )
            } else {
                format!(
                    "decisions.csv has rows after row {}, the last record of decisions.jsonl: rows were added to decisions.csv",
                    self.row
                )
            };
            report.fail("decisions.csv", msg);
        } else {
            report.checked.push(format!(
                "decisions.csv: its {} rows say, column by column, what the records of decisions.jsonl say, hashes included",
                self.row
            ));
        }
    }
}

fn count(counts: &mut Counts, record: &Record) {
    match record {
        Record::Decision(_) | Record::Legacy(_) => counts.decision_records += 1,
        Record::Owner(_) => counts.owner_changes += 1,
        Record::Function(_) => counts.function_changes += 1,
        Record::Start(_)
        | Record::Close(_)
        | Record::ExpectedUnused(_)
        | Record::Assign(_)
        | Record::Confirm(_) => {}
    }
}

/// One line as a record, or a finding saying why it is not one.
fn read_record(report: &mut BundleReport, at: u64, line: Vec<u8>) -> Option<(String, Record)> {
    let Ok(text) = String::from_utf8(line) else {
        report.fail(
            "chain",
            format!("line {at} of decisions.jsonl is not UTF-8 text"),
        );
        return None;
    };
    match Record::parse(&text) {
        Ok(record) => Some((text, record)),
        Err(why) => {
            report.fail(
                "chain",
                format!("line {at} of decisions.jsonl is not a chain record ({why})"),
            );
            None
        }
    }
}

/// Walk `decisions.jsonl`; the facts when the chain holds.
pub fn check(
    report: &mut BundleReport,
    dir: &Path,
    m: &Manifest,
    state: &FileState,
    progress: &mut dyn Progress,
) -> Result<Option<ChainFacts>> {
    let Ok(file) = File::open(dir.join(DECISIONS_JSONL)) else {
        if !state.missing.contains(DECISIONS_JSONL) {
            report.fail("chain", "decisions.jsonl is missing".into());
        }
        return Ok(None);
    };
    let mut lines = Lines {
        reader: BufReader::with_capacity(1 << 20, file),
        peeked: None,
        unterminated: false,
    };
    let mut csv = CsvCheck::open(report, dir, state);
    let mut verifier = Verifier::new(&m.campaign);
    let mut walk = Walk {
        n: 0,
        head: GENESIS.to_owned(),
        before: GENESIS.to_owned(),
    };
    let mut counts = Counts::default();
    // The manifest's length only sizes the bar: the chain itself is what is checked.
    let mut checked = Ticker::start(
        progress,
        "checking the chain",
        "records",
        Measure::OutOf(m.chain.length),
    );
    while let Some(line) = lines.next()? {
        checked.step();
        let at = walk.n + 1;
        let Some((text, record)) = read_record(report, at, line) else {
            return Ok(None);
        };
        let hash = sha256_hex(text.as_bytes());
        if record.seq() != at || record.prev_hash() != walk.head {
            let next = lines.peek_seq()?;
            report.fail(
                "chain",
                classify(&walk, record.seq(), record.prev_hash(), next),
            );
            return Ok(None);
        }
        let link = StoredLink {
            seq: record.seq(),
            prev_hash: record.prev_hash().to_owned(),
            row_hash: hash.clone(),
            record: text,
        };
        if let Err(e) = verifier.push(&link) {
            report.fail("chain", format!("decisions.jsonl: {e}"));
            return Ok(None);
        }
        count(&mut counts, &record);
        if let Some(c) = csv.as_mut() {
            c.compare(report, &record, &hash)?;
        }
        walk.before = std::mem::replace(&mut walk.head, hash);
        walk.n = at;
    }
    if lines.unterminated {
        report.fail(
            "chain",
            "the last line of decisions.jsonl does not end with a newline: the file was cut".into(),
        );
    }
    if let Some(c) = csv.as_mut() {
        c.finish(report);
    }
    let summary = match verifier.finish() {
        Ok(s) => s,
        Err(e) => {
            report.fail("chain", format!("decisions.jsonl: {e}"));
            return Ok(None);
        }
    };
    tail(report, m, state, &summary.head, summary.length);
    if !report.failed("chain") {
        report.checked.push(format!(
            "chain: decisions.jsonl holds {} records of campaign '{}', each hashing to what the next links to from #1, start first, close last",
            summary.length, m.campaign
        ));
    }
    Ok(Some(ChainFacts {
        length: summary.length,
        head: summary.head,
        start: summary.start,
        close: summary.close,
        counts,
    }))
}

/// The end of the chain against the head the manifest signed, when decisions.jsonl changed.
fn tail(report: &mut BundleReport, m: &Manifest, state: &FileState, head: &str, length: u64) {
    if !state.is_changed(DECISIONS_JSONL) {
        return;
    }
    if length < m.chain.length {
        report.fail(
            "chain",
            format!(
                "the last {} record(s) were deleted: decisions.jsonl ends at #{length}, the manifest signed {} records",
                m.chain.length - length,
                m.chain.length
            ),
        );
    } else if length == m.chain.length && head != m.chain.head {
        report.fail(
            "chain",
            format!("the last record (#{length}) was edited: it no longer hashes to the chain head the manifest signed"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(n: u64) -> Walk {
        Walk {
            n,
            head: "h".into(),
            before: "b".into(),
        }
    }

    #[test]
    fn each_break_is_named() {
        assert!(classify(&walk(4), 5, "x", None).contains("#4 was edited"));
        assert!(classify(&walk(4), 5, "b", None).contains("inserted at #4"));
        assert!(classify(&walk(4), 6, "x", Some(7)).contains("#5 was deleted"));
        assert!(classify(&walk(4), 8, "x", Some(9)).contains("#5 to #7 were deleted"));
        assert!(classify(&walk(4), 6, "x", Some(5)).contains("reordered"));
        assert!(classify(&walk(4), 9, "h", None).contains("renumbered #9"));
        assert!(classify(&walk(4), 4, "b", None).contains("two records claim #4"));
        assert!(classify(&walk(4), 2, "x", None).contains("reordered"));
    }
}
