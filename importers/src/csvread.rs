//! Reading CSV exports row by row within the limits: a row may not grow past
//! [`MAX_ROW_BYTES`] while it is read (an endless line stops there), a header has at most
//! [`MAX_COLUMNS`] distinct columns, every row has exactly the header's number of fields, each
//! field is at most [`MAX_FIELD_BYTES`] of UTF-8. Faults of one row are row errors (skippable with
//! `--skip-bad-rows`); faults of the header or of the stream stop the file.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use csv::{ByteRecord, StringRecord};

use crate::limits::{self, MAX_COLUMNS, MAX_FIELD_BYTES, MAX_ROW_BYTES};
use crate::lines::{LineIndex, Tracked};
use crate::{ImportError, Location};

/// What is wrong with one row: the field at fault (empty: the row) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Header name of the field at fault; empty when the row as a whole is.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// One row read: its line, and the row or what is wrong with it.
pub type Row = (u64, Result<StringRecord, RowError>);

/// The csv reader's look-ahead: a row is counted a little past its end.
const SLACK: u64 = 64 * 1024;

/// Counts bytes since the last row began and stops the read past the row limit.
struct Capped<R> {
    inner: R,
    since_row: Rc<Cell<u64>>,
}

/// The error a [`Capped`] reader stops with.
#[derive(Debug)]
struct RowTooLong;

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a row longer than {} (the limit): is this really a CSV export, or is a quote never closed?",
            limits::human(MAX_ROW_BYTES)
        )
    }
}

impl std::error::Error for RowTooLong {}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.since_row.get() + n as u64;
        self.since_row.set(total);
        if total > MAX_ROW_BYTES + SLACK {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RowTooLong));
        }
        Ok(n)
    }
}

/// A CSV export being read: its header, then its rows.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<Capped<Tracked<R>>>,
    lines: LineIndex,
    since_row: Rc<Cell<u64>>,
    header: Vec<String>,
    file: String,
    at: Box<dyn Fn(u64) -> Location>,
    buffer: ByteRecord,
    /// Rows read so far (blank rows included).
    pub rows: u64,
}

impl<R: Read> CsvRows<R> {
    /// Open `input` and read its header. `at` turns a line number into a location (a line of
    /// the file, or of text decoded from inside it).
    pub fn open(
        input: R,
        file: &str,
        at: Box<dyn Fn(u64) -> Location>,
    ) -> Result<Self, ImportError> {
        let (tracked, lines) = crate::lines::track(input);
        let since_row = Rc::new(Cell::new(0));
        let capped = Capped {
            inner: tracked,
            since_row: since_row.clone(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(capped);
        let header_err = |m: String| ImportError::new(file, at(1), None, m);
        let raw = reader
            .byte_headers()
            .map_err(|e| header_err(stream_message(e, "the header")))?
            .clone();
        if raw.len() > MAX_COLUMNS {
            return Err(header_err(format!(
                "the header has {} columns, more than the limit of {MAX_COLUMNS}",
                raw.len()
            )));
        }
        let mut header: Vec<String> = Vec::with_capacity(raw.len());
        for (i, h) in raw.iter().enumerate() {
            if h.len() > MAX_FIELD_BYTES {
                return Err(header_err(format!(
                    "column {} of the header is longer than {} (the limit)",
                    i + 1,
                    limits::human(MAX_FIELD_BYTES as u64)
                )));
            }
            let name = std::str::from_utf8(h).map_err(|e| {
                header_err(format!(
                    "column {} of the header is not UTF-8 text (byte {} of it): save the file as UTF-8",
                    i + 1,
                    e.valid_up_to() + 1
                ))
            })?;
            let name = name.trim().trim_start_matches('\u{feff}').trim().to_owned();
            if let Some(first) = header.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
                return Err(ImportError::new(
                    file,
                    at(1),
                    Some(&name),
                    format!(
                        "the header names column '{}' twice (columns {} and {}): which one to read is anyone's guess",
                        crate::stream::printable(&name),
                        first + 1,
                        i + 1
                    ),
                ));
            }
            header.push(name);
        }
        since_row.set(0);
        Ok(CsvRows {
            reader,
            lines,
            since_row,
            header,
            file: file.to_owned(),
            at,
            buffer: ByteRecord::new(),
            rows: 0,
        })
    }

    /// Where line `line` is, for messages.
    pub fn location(&self, line: u64) -> Location {
        (self.at)(line)
    }

    /// The header's column names, trimmed, without a byte-order mark.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The next row with its line: the row, or what is wrong with it. `Ok(None)` at the end.
    #[allow(clippy::type_complexity)]
    pub fn next_row(
        &mut self,
    ) -> Result<Option<(u64, Result<StringRecord, RowError>)>, ImportError> {
        let start = self.reader.position().byte();
        let start_line = self.lines.line(start);
        let more = self
            .reader
            .read_byte_record(&mut self.buffer)
            .map_err(|e| {
                let line = e
                    .position()
                    .map_or(start_line, |p| self.lines.line(p.byte()));
                ImportError::new(
                    &self.file,
                    (self.at)(line),
                    None,
                    stream_message(e, "a row"),
                )
            })?;
        self.since_row.set(0);
        if !more {
            return Ok(None);
        }
        self.rows += 1;
        let line = self
            .buffer
            .position()
            .map_or(start_line, |p| self.lines.line(p.byte()));
        Ok(Some((line, self.check())))
    }

    fn check(&mut self) -> Result<StringRecord, RowError> {
        let fields = self.buffer.len();
        // A row of one empty field is a blank line: the callers skip it.
        let blank = fields == 1 && self.buffer.get(0).is_some_and(<[u8]>::is_empty);
        if fields != self.header.len() && !blank {
            let field = if fields < self.header.len() {
                self.header.get(fields).cloned().unwrap_or_default()
            } else {
                String::new()
            };
            return Err(RowError {
                field,
                message: format!(
                    "row has {fields} fields, the header has {}{}",
                    self.header.len(),
                    if fields < self.header.len() {
                        " (truncated row?)"
                    } else {
                        " (an unquoted comma in a value?)"
                    }
                ),
            });
        }
        for (i, f) in self.buffer.iter().enumerate() {
            let name = self.header.get(i).cloned().unwrap_or_default();
            if f.len() > MAX_FIELD_BYTES {
                return Err(RowError {
                    field: name,
                    message: format!(
                        "value of {} is longer than {} (the limit for one field)",
                        limits::human(f.len() as u64),
                        limits::human(MAX_FIELD_BYTES as u64)
                    ),
                });
            }
            if let Err(e) = std::str::from_utf8(f) {
                return Err(RowError {
                    field: name,
                    message: format!(
                        "not UTF-8 text (byte {} of the value is 0x{:02X}): save the export as UTF-8",
                        e.valid_up_to() + 1,
                        f[e.valid_up_to()]
                    ),
                });
            }
        }
        let bytes = std::mem::take(&mut self.buffer);
        match StringRecord::from_byte_record(bytes) {
            Ok(record) => Ok(record),
            Err(e) => {
                self.buffer = e.into_byte_record();
                Err(RowError {
                    field: String::new(),
                    message: "not UTF-8 text".into(),
                })
            }
        }
    }

    /// Hand the buffer back once a row is done with, so the next row reuses it.
    pub fn recycle(&mut self, record: StringRecord) {
        self.buffer = record.into_byte_record();
    }
}

/// A message for a csv error: the row limit, an unreadable stream, or malformed CSV.
fn stream_message(e: csv::Error, what: &str) -> String {
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(inner) = io.get_ref()
            && inner.is::<RowTooLong>()
        {
            return inner.to_string();
        }
        return format!("cannot read {what}: {io}");
    }
    format!("unreadable CSV in {what}: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Result<Vec<String>, RowError>)>;

    fn rows(text: &[u8]) -> Result<Rows, ImportError> {
        let mut r = CsvRows::open(text, "f", Box::new(Location::Line))?;
        let mut out = Vec::new();
        while let Some((line, row)) = r.next_row()? {
            out.push((line, row.map(|rec| rec.iter().map(str::to_owned).collect())));
        }
        Ok(out)
    }

    #[test]
    fn rows_must_match_the_header() {
        let out = rows(b"a,b\r\n1,2\r\n1,2,3\r\n1\r\n").expect("reads");
        assert_eq!(out[0], (2, Ok(vec!["1".into(), "2".into()])));
        assert!(matches!(&out[1], (3, Err(e)) if e.message.contains("row has 3 fields")));
        assert!(
            matches!(&out[2], (4, Err(e)) if e.field == "b" && e.message.contains("truncated"))
        );
    }

    #[test]
    fn headers_with_a_column_twice_are_refused() {
        let e = rows(b"\xEF\xBB\xBFuser,arn,User\n")
            .map(|_| ())
            .expect_err("twice");
        assert!(e.message.contains("'User' twice (columns 1 and 3)"), "{e}");
    }

    #[test]
    fn bad_bytes_and_huge_fields_are_row_errors() {
        let out = rows(b"a,b\nx,caf\xE9\n").expect("reads");
        assert!(
            matches!(&out[0], (2, Err(e)) if e.field == "b" && e.message.contains("0xE9")),
            "{out:?}"
        );
        let mut big = b"a,b\n1,".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES + 1));
        big.extend(b"\n2,3\n");
        let out = rows(&big).expect("reads");
        assert!(
            matches!(&out[0], (2, Err(e)) if e.field == "b" && e.message.contains("longer than 1 MiB"))
        );
        assert_eq!(out[1], (3, Ok(vec!["2".into(), "3".into()])));
    }

    #[test]
    fn an_endless_row_stops_at_the_limit() {
        let endless = std::io::repeat(b'x').take(64 * 1024 * 1024);
        let mut r = CsvRows::open(
            std::io::Cursor::new(b"a,b\n".to_vec()).chain(endless),
            "f",
            Box::new(Location::Line),
        )
        .expect("header");
        let e = r.next_row().map(|_| ()).expect_err("too long");
        assert!(e.message.contains("longer than 4 MiB"), "{e}");
        assert_eq!(e.location, Location::Line(2));
    }
}
