//! `-v` / `RUST_LOG`: what the run assumed and why, as `tracing` events written to standard
//! error (never standard output, which carries the data). `-v` shows this crate's `info`
//! events, `-vv` its `debug` events, `-vvv` `trace`; `RUST_LOG`, when set, decides instead
//! (e.g. `RUST_LOG=nhi_review=debug`). No colour unless standard error is a terminal and
//! `NO_COLOR` is unset. Lines lift a progress bar while they are written; while the review
//! screen owns the terminal they are held and written when it closes.
//!
//! Events never carry a secret (a passphrase, a key, an access key's value), and any text that
//! came from an export is made inert ([`crate::text::inert`]) before it is logged.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// The directives `-v` stands for: this crate and the importers, at one level.
fn directives(verbose: u8) -> String {
    let level = match verbose {
        0 => "off",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    format!("nhi_review={level},nhi_importers={level}")
}

/// Install the subscriber for this run (once per process; a second call changes nothing).
pub fn init(verbose: u8) {
    let rust_log = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let filter = match rust_log {
        Some(value) => match EnvFilter::builder().parse(&value) {
            Ok(filter) => filter,
            Err(e) => {
                eprintln!(
                    "warning: RUST_LOG='{}' does not parse ({e}): it was ignored (example: RUST_LOG=nhi_review=debug)",
                    crate::text::inert(&value)
                );
                EnvFilter::new(directives(verbose))
            }
        },
        None => EnvFilter::new(directives(verbose)),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Stderr)
        .with_ansi(!no_color && std::io::stderr().is_terminal())
        .with_timer(Uptime(std::time::Instant::now()))
        .with_target(false)
        .try_init();
}

/// Seconds since the run began, to the millisecond: where the time went, and how long a wait
/// lasted, without a wall-clock stamp nobody asked for.
struct Uptime(std::time::Instant);

impl FormatTime for Uptime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        write!(w, "{:>7.3}s", self.0.elapsed().as_secs_f64())
    }
}

/// Whether log lines are held back (the review screen owns the terminal).
static HELD: AtomicBool = AtomicBool::new(false);

/// The lines held back, written when the screen closes. Bounded: past this, lines are dropped
/// and counted.
static HELD_LINES: Mutex<(Vec<u8>, u64)> = Mutex::new((Vec::new(), 0));

/// At most this many bytes of log lines are held while the screen is open.
const HOLD_AT_MOST: usize = 1 << 20;

/// Hold log lines back while the review screen owns the terminal.
pub fn hold() {
    HELD.store(true, Ordering::Relaxed);
}

/// Write the lines held back, and write new ones as they come again.
pub fn release() {
    HELD.store(false, Ordering::Relaxed);
    if let Ok(mut held) = HELD_LINES.lock() {
        let (lines, dropped) = std::mem::take(&mut *held);
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(&lines);
        if dropped > 0 {
            let _ = writeln!(
                err,
                "({dropped} more log lines, written while the review screen was open, were dropped)"
            );
        }
    }
}

/// Standard error, for `tracing_subscriber`.
struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine
    }
}

/// One event's line (the formatter writes it whole, in one `write_all`).
struct LogLine;

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if HELD.load(Ordering::Relaxed) {
            if let Ok(mut held) = HELD_LINES.lock() {
                if held.0.len() + buf.len() <= HOLD_AT_MOST {
                    held.0.extend_from_slice(buf);
                } else {
                    held.1 += 1;
                }
            }
            return Ok(buf.len());
        }
        crate::commands::progress::suspend(|| std::io::stderr().lock().write_all(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_maps_to_levels_for_both_crates() {
        assert_eq!(directives(0), "nhi_review=off,nhi_importers=off");
        assert_eq!(directives(1), "nhi_review=info,nhi_importers=info");
        assert_eq!(directives(2), "nhi_review=debug,nhi_importers=debug");
        assert_eq!(directives(7), "nhi_review=trace,nhi_importers=trace");
        for v in 0..4 {
            assert!(EnvFilter::builder().parse(directives(v)).is_ok());
        }
    }
}
