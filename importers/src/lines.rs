//! Line numbers of CSV records, counted here: the csv crate miscounts lines in CRLF files (its
//! records come out one line early), and error messages must name the right line. A reader
//! wrapper notes where each newline falls; records ask for the line of their byte offset. Only
//! newlines not yet passed are kept, so memory stays bounded by the csv reader's buffer.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

type Offsets = Rc<RefCell<VecDeque<u64>>>;

/// Wraps the input; pair it with the [`LineIndex`] from [`track`].
pub struct Tracked<R> {
    inner: R,
    offset: u64,
    newlines: Offsets,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = self.newlines.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Answers "which line is byte N on", for increasing N.
pub struct LineIndex {
    newlines: Offsets,
    passed: u64,
}

impl LineIndex {
    /// 1-based line of the byte at `offset`; offsets must not decrease between calls.
    pub fn line(&mut self, offset: u64) -> u64 {
        let mut newlines = self.newlines.borrow_mut();
        // In CRLF files the csv crate puts a record at the `\n` ending the line before it.
        while newlines.front().is_some_and(|&n| n <= offset) {
            newlines.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// Wrap `input` so that record offsets can be turned into line numbers.
pub fn track<R: Read>(input: R) -> (Tracked<R>, LineIndex) {
    let newlines: Offsets = Rc::default();
    (
        Tracked {
            inner: input,
            offset: 0,
            newlines: newlines.clone(),
        },
        LineIndex {
            newlines,
            passed: 0,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &str) -> Vec<u64> {
        let (input, mut index) = track(data.as_bytes());
        let mut r = csv::ReaderBuilder::new().from_reader(input);
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::new();
        while r.read_record(&mut rec).expect("read") {
            out.push(index.line(rec.position().map_or(0, |p| p.byte())));
        }
        out
    }

    #[test]
    fn crlf_and_lf_count_the_same() {
        assert_eq!(lines("h1,h2\r\na,b\r\nc,d\r\n"), [2, 3]);
        assert_eq!(lines("h1,h2\na,b\nc,d\n"), [2, 3]);
        assert_eq!(lines("\u{feff}h1,h2\r\n\"multi\nline\",b\r\nc,d"), [2, 4]);
    }
}
