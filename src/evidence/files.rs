//! The files of a bundle: their names, hashing while writing or reading, and `SHA256SUMS` in
//! the coreutils format (`<hex>  <name>`) that `sha256sum --strict -c` checks.

use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::chain::to_hex;

/// `manifest.json`.
pub const MANIFEST: &str = "manifest.json";
/// `population.csv`.
pub const POPULATION: &str = "population.csv";
/// `decisions.jsonl`.
pub const DECISIONS_JSONL: &str = "decisions.jsonl";
/// `decisions.csv`.
pub const DECISIONS_CSV: &str = "decisions.csv";
/// `summary.md`.
pub const SUMMARY: &str = "summary.md";
/// `report.html`.
pub const REPORT: &str = "report.html";
/// `allowed_signers` (a convenience copy: never a trust anchor).
pub const ALLOWED_SIGNERS: &str = "allowed_signers";
/// `VERIFY.md`.
pub const VERIFY: &str = "VERIFY.md";
/// `SHA256SUMS`.
pub const SUMS: &str = "SHA256SUMS";
/// `SHA256SUMS.sig`.
pub const SIGNATURE: &str = "SHA256SUMS.sig";

/// The files `SHA256SUMS` lists, in its (byte) order.
pub const SIGNED: &[&str] = &[
    VERIFY,
    ALLOWED_SIGNERS,
    DECISIONS_CSV,
    DECISIONS_JSONL,
    MANIFEST,
    POPULATION,
    REPORT,
    SUMMARY,
];

/// The files the manifest records the hashes of (those written before it).
pub const DATA: &[&str] = &[
    ALLOWED_SIGNERS,
    DECISIONS_CSV,
    DECISIONS_JSONL,
    POPULATION,
    REPORT,
    SUMMARY,
];

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Hash what is written to `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The writer back, with the sha256 (hex) and length of everything written.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, to_hex(&self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// sha256 (hex) and length of a file, read in blocks.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((to_hex(&hasher.finalize()), bytes))
}

/// One line of `SHA256SUMS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumLine {
    /// The file name.
    pub name: String,
    /// Its sha256, lowercase hex.
    pub sha256: String,
}

/// `SHA256SUMS` text for these lines, as `sha256sum` writes it.
pub fn sums_text(lines: &[SumLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{}  {}\n", l.sha256, l.name))
        .collect()
}

/// Read `SHA256SUMS` strictly: every line `<64 hex>  <name>` (or ` *<name>`), a plain file name
/// with no folder, each name once.
pub fn parse_sums(text: &str) -> Result<Vec<SumLine>, String> {
    let mut out: Vec<SumLine> = Vec::new();
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("its last line does not end with a newline".into());
    }
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let (hex, rest) = line
            .split_at_checked(64)
            .ok_or_else(|| format!("line {n} is not '<sha256>  <file>'"))?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("line {n} does not start with a sha256"));
        }
        let name = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or_else(|| format!("line {n} is not '<sha256>  <file>'"))?;
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(format!(
                "line {n} names '{name}', which is not a file of the bundle"
            ));
        }
        if out.iter().any(|l| l.name == name) {
            return Err(format!("'{name}' is listed twice"));
        }
        out.push(SumLine {
            name: name.to_owned(),
            sha256: hex.to_ascii_lowercase(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_round_trip_and_strangers_are_refused() {
        let lines = vec![
            SumLine {
                name: "a.txt".into(),
                sha256: "0".repeat(64),
            },
            SumLine {
                name: "b.txt".into(),
                sha256: "f".repeat(64),
            },
        ];
        let text = sums_text(&lines);
        assert_eq!(parse_sums(&text).expect("parses"), lines);
        assert!(parse_sums(&format!("{}  ../x\n", "0".repeat(64))).is_err());
        assert!(parse_sums(&format!("{} x\n", "0".repeat(64))).is_err());
        assert!(parse_sums(&format!("{}{}", text, text)).is_err(), "twice");
        assert!(parse_sums("zz  x\n").is_err());
    }

    #[test]
    fn the_hashing_writer_hashes_what_it_writes() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").expect("write");
        let (inner, hex, n) = w.finish();
        assert_eq!(inner, b"abc");
        assert_eq!(n, 3);
        assert_eq!(hex, crate::chain::sha256_hex(b"abc"));
    }

    #[test]
    fn the_signed_list_is_in_byte_order() {
        let mut sorted = SIGNED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, SIGNED);
    }
}
