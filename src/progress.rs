//! Progress of a long loop, told through a small trait: the domain says what it is doing and how
//! far it got, and never how (or whether) that is shown. The command line draws a bar on
//! standard error (`commands::progress`); the screen, packets and tests pass `&mut ()`.

/// How a phase measures how far it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Steps out of a total known in advance (a bar with an estimate of the time left).
    OutOf(u64),
    /// Steps counted, with no total known (a count that grows).
    Count,
    /// Not counted: only that it is under way.
    Nothing,
}

/// Someone who follows a long operation.
pub trait Progress {
    /// A phase begins: what is being done (lower case, e.g. "checking the chain"), and what
    /// its steps are (e.g. "records") with how they are measured.
    fn phase(&mut self, what: &str, unit: &str, measure: Measure);

    /// `done` steps of the current phase are done. Called every [`EVERY`] steps, not each one.
    fn reached(&mut self, done: u64);
}

/// Nobody follows: the no-op.
impl Progress for () {
    fn phase(&mut self, _what: &str, _unit: &str, _measure: Measure) {}
    fn reached(&mut self, _done: u64) {}
}

/// How many steps pass between two reports: a loop of a million rows pays one increment and
/// one mask per row, and a call through the trait every 1,024.
pub const EVERY: u64 = 1024;

/// Counts the steps of one phase and reports every [`EVERY`]th, and the last when finished.
pub struct Ticker<'a> {
    progress: &'a mut dyn Progress,
    done: u64,
}

impl<'a> Ticker<'a> {
    /// Start the phase `what` of `unit`s, measured by `measure`.
    pub fn start(
        progress: &'a mut dyn Progress,
        what: &str,
        unit: &str,
        measure: Measure,
    ) -> Ticker<'a> {
        progress.phase(what, unit, measure);
        Ticker { progress, done: 0 }
    }

    /// One more step done.
    pub fn step(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(EVERY) {
            self.progress.reached(self.done);
        }
    }

    /// The steps done so far.
    pub fn done(&self) -> u64 {
        self.done
    }
}

impl Drop for Ticker<'_> {
    fn drop(&mut self) {
        // The last partial stretch, so a finished phase shows its whole count.
        if !self.done.is_multiple_of(EVERY) {
            self.progress.reached(self.done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Seen(Vec<String>);

    impl Progress for Seen {
        fn phase(&mut self, what: &str, unit: &str, measure: Measure) {
            self.0.push(format!("{what} {unit} {measure:?}"));
        }
        fn reached(&mut self, done: u64) {
            self.0.push(done.to_string());
        }
    }

    #[test]
    fn a_ticker_reports_every_1024th_step_and_the_last() {
        let mut seen = Seen::default();
        {
            let mut t = Ticker::start(&mut seen, "reading", "rows", Measure::OutOf(2050));
            for _ in 0..2050 {
                t.step();
            }
            assert_eq!(t.done(), 2050);
        }
        assert_eq!(seen.0, ["reading rows OutOf(2050)", "1024", "2048", "2050"]);
    }

    #[test]
    fn a_ticker_on_an_exact_multiple_reports_it_once() {
        let mut seen = Seen::default();
        {
            let mut t = Ticker::start(&mut seen, "x", "rows", Measure::Count);
            for _ in 0..1024 {
                t.step();
            }
        }
        assert_eq!(seen.0, ["x rows Count", "1024"]);
    }

    #[test]
    fn nobody_following_is_fine() {
        let mut nobody = ();
        let mut t = Ticker::start(&mut nobody, "x", "rows", Measure::Nothing);
        t.step();
    }
}
