//! Progress on standard error, only when it is a terminal and `-q` was not given: a bar people
//! watch, never bytes in a log or a pipe.

use std::io::{IsTerminal, Read};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether progress may be drawn: standard error is a terminal and the run is not quiet.
pub fn enabled(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A reader that advances a bar of bytes read (cleared when dropped).
pub struct Reading<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Reading<R> {
    /// Wrap `inner`, named `name`, of `len` bytes when known; draw only when `show`.
    pub fn new(inner: R, name: &str, len: Option<u64>, show: bool) -> Self {
        let bar = show.then(|| {
            let bar = match len {
                Some(len) => ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template(
                            "{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {eta}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                    .with_style(
                        ProgressStyle::with_template("{spinner} {msg} {binary_bytes}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    ),
            };
            bar.set_message(format!("importing {}", crate::text::inert(name)));
            bar
        });
        Reading { inner, bar }
    }
}

impl<R: Read> Read for Reading<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

impl<R> Drop for Reading<R> {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
