//! Progress on standard error, only when it is a terminal and `-q` was not given: a bar people
//! watch, never bytes in a log or a pipe. At most one bar is shown at a time; log lines
//! (`-v`) are written with it lifted, so they never tear it.

use std::io::{IsTerminal, Read};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::{Measure, Progress};

/// Whether progress may be drawn: standard error is a terminal and the run is not quiet.
pub fn enabled(quiet: bool) -> bool {
    let show = !quiet && std::io::stderr().is_terminal();
    tracing::debug!(
        "progress {}",
        match (show, quiet) {
            (true, _) => "drawn on standard error (a terminal)",
            (false, true) => "not drawn (-q)",
            (false, false) => "not drawn (standard error is not a terminal)",
        }
    );
    show
}

/// The bar on screen now, if any: log lines lift it while they are written.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn set_shown(bar: Option<&ProgressBar>) {
    if let Ok(mut shown) = SHOWN.lock() {
        *shown = bar.cloned();
    }
}

/// Run `f` (which writes to standard error) with the bar on screen, if any, lifted.
pub(crate) fn suspend<R>(f: impl FnOnce() -> R) -> R {
    // Cloned out of the lock: drawing takes the bar's own lock, never this one.
    let bar = SHOWN.lock().ok().and_then(|shown| shown.clone());
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Clear `bar` from the screen and forget it.
fn clear(bar: &ProgressBar) {
    bar.finish_and_clear();
    set_shown(None);
}

/// The bar of a command's phases ([`Progress`]), drawn only when [`enabled`]. Nothing is drawn
/// before the first phase begins, so a passphrase asked before it (evidence) has the terminal
/// to itself. [`Bar::clear`] it before writing to standard output; it clears itself when
/// dropped (an error on the way out).
pub struct Bar {
    show: bool,
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar for this run: drawn unless `quiet` or standard error is not a terminal.
    pub fn new(quiet: bool) -> Bar {
        Bar {
            show: enabled(quiet),
            bar: None,
        }
    }

    /// A bar never drawn.
    pub fn hidden() -> Bar {
        Bar {
            show: false,
            bar: None,
        }
    }

    /// Take the bar off the screen (before anything is written to standard output).
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            clear(&bar);
        }
    }
}

impl Progress for Bar {
    fn phase(&mut self, what: &str, unit: &str, measure: Measure) {
        tracing::debug!("{what}");
        if !self.show {
            return;
        }
        // A new bar for each phase, styled before it is first drawn (changing a bar's style,
        // length and message one by one drew the states in between).
        self.clear();
        let (len, template) = match measure {
            Measure::OutOf(total) => (
                Some(total),
                format!("{{msg}} {{wide_bar}} {{human_pos}}/{{human_len}} {unit} {{eta}}"),
            ),
            Measure::Count => (None, format!("{{spinner}} {{msg}}: {{human_pos}} {unit}")),
            Measure::Nothing => (None, "{spinner} {msg}".to_owned()),
        };
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr())
            .with_style(style(&template))
            .with_message(what.to_owned());
        if len.is_none() {
            // Nothing may move for a while (a sort, a signature): the spinner says it runs.
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        // Drawn now, not at the first tick: a short phase (a signature) would otherwise come and
        // go unseen, depending on how busy the machine is.
        bar.tick();
        set_shown(Some(&bar));
        self.bar = Some(bar);
    }

    fn reached(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.clear();
    }
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
            let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr())
                .with_style(match len {
                    Some(_) => style("{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {eta}"),
                    None => style("{spinner} {msg} {binary_bytes}"),
                })
                .with_message(format!("importing {}", crate::text::inert(name)));
            set_shown(Some(&bar));
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
            clear(bar);
        }
    }
}
