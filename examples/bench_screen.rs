//! The review screen of issue 14 at a million identities, driven in-process through the app
//! loop (`tui::run_loop` on a 100×30 `TestBackend`) with scripted keys: the first frame, and each
//! key class (move, filter, search, sort, decide) as median and 99th percentile, beside the same
//! keys on a small population measured in the same run (rounds alternate small, large).
//!
//! ```sh
//! cargo build --release --examples --bins
//! ./target/release/examples/bench_screen --rows 1000000 --write BENCHMARKS.md
//! ```
//!
//! It prepares each database with the release binaries beside it (`examples/gen_credential_report`,
//! `nhi-review import`, `nhi-review campaign start bench`) in a scratch folder under the system's
//! temporary folder, unless `--db PATH` (and `--base-db PATH`) name databases prepared before:
//! one is made there if missing and kept. Decisions the benchmark records stay in them.
//!
//! Time of a key: from the moment the event source hands the key out to the moment the loop asks
//! for the next event, which is after the update, the effects (queries, saves) and the redraw.
//! The source says no key is pending, so every key is drawn, except where a class is "typed at
//! once": then the keys of the term are pending while it is typed (as when a person types faster
//! than the screen), the loop defers the search's re-query, and the time is from the first key to
//! the ask after the last one, so it holds one query. First frame: from the start of `tui::open`
//! to the loop's first ask for an event; opening the database comes before it and is shown on
//! its own row, opened as `nhi-review review` opens it (`Checked::Beside`: the quick check of
//! the file runs on its own connection and the first save waits for it, so it shows in the
//! first decision of a round if the keys before it took less time than the check).

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use nhi_review::db::Store;
use nhi_review::tui::app::{App, Mode};
use nhi_review::tui::theme::Theme;
use nhi_review::tui::{self, EventSource};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

const NOW: &str = "2026-11-27T12:00:00Z";
const REVIEWER: &str = "bench@example.com";

struct Args {
    rows: u64,
    base_rows: u64,
    db: Option<PathBuf>,
    base_db: Option<PathBuf>,
    rounds: usize,
    moves: usize,
    reps: usize,
    only: Option<String>,
    write: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        rows: 1_000_000,
        base_rows: 10_000,
        db: None,
        base_db: None,
        rounds: 2,
        moves: 200,
        reps: 10,
        only: None,
        write: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--rows" => a.rows = value.parse().expect("--rows N"),
            "--base-rows" => a.base_rows = value.parse().expect("--base-rows N"),
            "--db" => a.db = Some(value.into()),
            "--base-db" => a.base_db = Some(value.into()),
            "--rounds" => a.rounds = value.parse().expect("--rounds N"),
            "--moves" => a.moves = value.parse().expect("--moves N"),
            "--reps" => a.reps = value.parse().expect("--reps N"),
            "--only" => a.only = Some(value),
            "--write" => a.write = Some(value.into()),
            other => panic!("unknown argument {other}: see the module comment"),
        }
    }
    a
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("valid")
}

/// Report rows that import as `identities` identities: the generator makes one row in ten a
/// person, which the import skips.
fn report_rows(identities: u64) -> u64 {
    let mut rows = (identities * 10).div_ceil(9);
    while rows - rows.div_ceil(10) < identities {
        rows += 1;
    }
    rows
}

/// Generate a credential report of `identities` identities, import it, start campaign `bench`.
fn prepare(db: &Path, identities: u64, release: &Path) {
    let bin = release.join("nhi-review");
    let generator = release.join("examples/gen_credential_report");
    assert!(
        bin.exists() && generator.exists(),
        "build first: cargo build --release --examples --bins"
    );
    let report = PathBuf::from(format!("{}.csv", db.display()));
    let t = Instant::now();
    eprintln!("preparing {identities} identities in {}", db.display());
    let status = Command::new(&generator)
        .arg(report_rows(identities).to_string())
        .stdout(std::fs::File::create(&report).expect("report file"))
        .status()
        .expect("generator runs");
    assert!(status.success());
    let db_s = db.to_str().expect("utf-8 path");
    for args in [
        vec![
            "--db",
            db_s,
            "-q",
            "import",
            report.to_str().expect("utf-8"),
        ],
        vec!["--db", db_s, "-q", "campaign", "start", "bench"],
    ] {
        let status = Command::new(&bin)
            .args(&args)
            .env("NHI_REVIEW_NOW", NOW)
            .env_remove("NHI_REVIEW_DB")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("nhi-review runs");
        assert!(status.success(), "nhi-review {args:?} failed");
    }
    let _ = std::fs::remove_file(&report);
    eprintln!(
        "prepared {identities} identities in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// One timed step: keys handed out together, timed as one.
struct Step {
    class: &'static str,
    detail: String,
    keys: Vec<Event>,
    /// The keys after the first are already waiting while the first are handled.
    typed_ahead: bool,
}

/// What the event source saw: the first ask, and each step's time.
#[derive(Default)]
struct Log {
    first_ask: Option<Instant>,
    times: Vec<(&'static str, String, f64)>,
}

/// Hands out scripted keys and times each step up to the loop's next ask.
struct Scripted {
    queue: VecDeque<(usize, usize, Event)>,
    steps: Vec<Step>,
    in_flight: Option<(usize, Instant)>,
    log: Rc<RefCell<Log>>,
}

impl Scripted {
    fn new(steps: Vec<Step>, log: Rc<RefCell<Log>>) -> Self {
        let queue = steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.keys
                    .iter()
                    .enumerate()
                    .map(move |(k, e)| (i, k, e.clone()))
            })
            .collect();
        Scripted {
            queue,
            steps,
            in_flight: None,
            log,
        }
    }
}

impl EventSource for Scripted {
    fn next_event(&mut self) -> Option<Event> {
        let asked = Instant::now();
        let mut log = self.log.borrow_mut();
        log.first_ask.get_or_insert(asked);
        let next = self.queue.pop_front();
        // The step in flight ends when the loop asks for a key of another step.
        if let Some((step, started)) = self.in_flight
            && next.as_ref().is_none_or(|(i, _, _)| *i != step)
        {
            let s = &self.steps[step];
            log.times.push((
                s.class,
                s.detail.clone(),
                (asked - started).as_secs_f64() * 1e3,
            ));
            self.in_flight = None;
        }
        let (step, key, event) = next?;
        if key == 0 {
            self.in_flight = Some((step, Instant::now()));
        }
        Some(event)
    }

    fn pending(&mut self) -> bool {
        // Only the rest of a typed-ahead step is waiting; anything else comes after a redraw.
        match (self.in_flight, self.queue.front()) {
            (Some((step, _)), Some((next, _, _))) => *next == step && self.steps[step].typed_ahead,
            _ => false,
        }
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

fn one(class: &'static str, detail: impl Into<String>, event: Event) -> Step {
    Step {
        class,
        detail: detail.into(),
        keys: vec![event],
        typed_ahead: false,
    }
}

/// Each character its own step (typed slowly: each drawn).
fn typed(class: &'static str, text: &str) -> Vec<Step> {
    text.chars().map(|c| one(class, "", ch(c))).collect()
}

const MOVE: &str = "move: j / k";
const PAGE: &str = "move: PgDn / PgUp";
const FAR: &str = "move: G / g (last, first)";
const MOVE_NARROWED: &str = "move in a filtered view: j, G, g";
const MOVE_SORTED: &str = "move in a sorted view: j, G, g";
const MENU: &str = "filter menu: f, j (no query)";
const FILTER: &str = "filter: apply (Enter)";
const CLEAR: &str = "filter or search: clear (Esc)";
const OPEN_SEARCH: &str = "search: / opens the prompt";
const SEARCH_CHAR: &str = "search: each character, drawn and re-queried";
const SEARCH_AT_ONCE: &str = "search: a term typed at once (one query)";
const SEARCH_ENTER: &str = "search: Enter keeps it";
const SORT: &str = "sort: s";
const PROMPT: &str = "decide: keys of a prompt (K, X, y, Space, a character)";
const KEEP: &str = "decide: keep saved (last Enter)";
const REDUCE: &str = "decide: reduce saved (last Enter)";
const REVOKE: &str = "decide: revoke saved (last Enter)";
const KEEP_NARROWED: &str = "decide: keep saved in the undecided filter";

/// The script of one round on an open screen, in phases (each phase one `run_loop`).
fn script(app: &App, moves: usize, reps: usize, round: usize) -> Vec<(&'static str, Vec<Step>)> {
    let mut phases = Vec::new();
    // Moves in the frozen order.
    let mut s = Vec::new();
    for _ in 0..moves {
        s.push(one(MOVE, "j", ch('j')));
    }
    for _ in 0..moves / 2 {
        s.push(one(MOVE, "k", ch('k')));
    }
    for _ in 0..reps * 2 {
        s.push(one(PAGE, "PgDn", key(KeyCode::PageDown)));
    }
    for _ in 0..reps * 2 {
        s.push(one(PAGE, "PgUp", key(KeyCode::PageUp)));
    }
    for _ in 0..reps {
        s.push(one(FAR, "G", ch('G')));
        s.push(one(FAR, "g", ch('g')));
    }
    phases.push(("move", s));
    // Every filter the menu offers (but "everything" and an owner's), applied and cleared.
    let mut labels = vec![
        "undecided".to_owned(),
        "verdict: keep".into(),
        "verdict: reduce".into(),
        "verdict: revoke".into(),
        "unchanged keeps of the last campaign".into(),
        "no owner".into(),
    ];
    labels.extend(app.facets.0.iter().map(|p| format!("provider: {p}")));
    labels.extend(app.facets.1.iter().map(|c| format!("signal: {}", c.name())));
    let mut s = Vec::new();
    for _ in 0..reps.div_ceil(5).max(1) {
        for (i, label) in labels.iter().enumerate() {
            s.push(one(MENU, "f", ch('f')));
            for _ in 0..=i {
                s.push(one(MENU, "j", ch('j')));
            }
            s.push(one(FILTER, label.clone(), key(KeyCode::Enter)));
            s.push(one(MOVE_NARROWED, "j", ch('j')));
            s.push(one(MOVE_NARROWED, "G", ch('G')));
            s.push(one(MOVE_NARROWED, "g", ch('g')));
            s.push(one(CLEAR, "filter", key(KeyCode::Esc)));
        }
    }
    phases.push(("filter", s));
    // Search: a term typed slowly (each character drawn), then terms typed at once.
    let mut s = Vec::new();
    for r in 0..reps {
        let term = format!("{:06}", (round * reps + r) * 7919 % 1_000_000);
        s.push(one(OPEN_SEARCH, "/", ch('/')));
        s.extend(typed(SEARCH_CHAR, &term));
        s.push(one(SEARCH_ENTER, "", key(KeyCode::Enter)));
        s.push(one(CLEAR, "search", key(KeyCode::Esc)));
        for (what, term) in [
            (
                "one or a few found",
                format!("{:06}", (round * reps + r) * 104_729 % 1_000_000),
            ),
            ("none found", format!("zq{r}")),
            ("all found", "bench".to_owned()),
        ] {
            s.push(one(OPEN_SEARCH, "/", ch('/')));
            s.push(Step {
                class: SEARCH_AT_ONCE,
                detail: what.into(),
                keys: term.chars().map(ch).collect(),
                typed_ahead: true,
            });
            s.push(one(SEARCH_ENTER, "", key(KeyCode::Enter)));
            s.push(one(CLEAR, "search", key(KeyCode::Esc)));
        }
    }
    phases.push(("search", s));
    // Sorts, and moving in each order.
    let mut s = Vec::new();
    let orders = [
        "by name",
        "longest unused first",
        "by provider",
        "riskiest first",
    ];
    for _ in 0..reps.div_ceil(5).max(1) {
        for order in orders {
            s.push(one(SORT, order, ch('s')));
            if order != "riskiest first" {
                s.push(one(MOVE_SORTED, "j", ch('j')));
                s.push(one(MOVE_SORTED, "G", ch('G')));
                s.push(one(MOVE_SORTED, "g", ch('g')));
            }
        }
    }
    phases.push(("sort", s));
    // Decisions through their keys and prompts, in the frozen order.
    let mut s = Vec::new();
    for _ in 0..reps {
        // Keep: owner (none known), business function, justification.
        s.push(one(PROMPT, "K", ch('K')));
        s.extend(typed(PROMPT, "team-a"));
        s.push(one(PROMPT, "Enter", key(KeyCode::Enter)));
        s.extend(typed(PROMPT, "deploys"));
        s.push(one(PROMPT, "Enter", key(KeyCode::Enter)));
        s.extend(typed(PROMPT, "checked"));
        s.push(one(KEEP, "", key(KeyCode::Enter)));
        // Reduce: mark the first removable item, function, justification.
        s.push(one(PROMPT, "R", ch('R')));
        s.push(one(PROMPT, "Space", ch(' ')));
        s.push(one(PROMPT, "Enter", key(KeyCode::Enter)));
        s.extend(typed(PROMPT, "deploys"));
        s.push(one(PROMPT, "Enter", key(KeyCode::Enter)));
        s.extend(typed(PROMPT, "unused"));
        s.push(one(REDUCE, "", key(KeyCode::Enter)));
        // Revoke: confirm, justification.
        s.push(one(PROMPT, "X", ch('X')));
        s.push(one(PROMPT, "y", ch('y')));
        s.extend(typed(PROMPT, "stale"));
        s.push(one(REVOKE, "", key(KeyCode::Enter)));
    }
    phases.push(("decide", s));
    // Keeps in the undecided filter (the view a reviewer works through).
    let mut s = vec![
        one(MENU, "f", ch('f')),
        one(MENU, "j", ch('j')),
        one(FILTER, "undecided", key(KeyCode::Enter)),
    ];
    for _ in 0..reps {
        s.push(one(PROMPT, "K", ch('K')));
        s.extend(typed(PROMPT, "team-b"));
        s.push(one(PROMPT, "Enter", key(KeyCode::Enter)));
        s.extend(typed(PROMPT, "deploys"));
        s.push(one(PROMPT, "Enter", key(KeyCode::Enter)));
        s.extend(typed(PROMPT, "checked"));
        s.push(one(KEEP_NARROWED, "", key(KeyCode::Enter)));
    }
    s.push(one(CLEAR, "filter", key(KeyCode::Esc)));
    phases.push(("decide-filtered", s));
    phases
}

/// Samples of one population.
#[derive(Default)]
struct Samples {
    store_open: Vec<f64>,
    first_frame: Vec<f64>,
    keys: BTreeMap<&'static str, Vec<f64>>,
    details: BTreeMap<(&'static str, String), Vec<f64>>,
}

fn decisions(store: &Store) -> i64 {
    store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM record WHERE kind = 'decision'",
            [],
            |r| r.get(0),
        )
        .expect("count")
}

/// One round on one database: open it, first frames, then the script.
fn round(db: &Path, a: &Args, round: usize, out: &mut Samples) {
    let t = Instant::now();
    let mut store =
        Store::open_checked(db, nhi_review::db::Checked::Beside).expect("open the database");
    out.store_open.push(t.elapsed().as_secs_f64() * 1e3);
    let theme = Theme::plain();
    // First frames: each a new screen on the open store.
    let mut app = None;
    for _ in 0..5 {
        let log = Rc::new(RefCell::new(Log::default()));
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        let t = Instant::now();
        let mut opened = tui::open(&store, "bench", REVIEWER, now()).expect("tui::open");
        tui::run_loop(
            &mut terminal,
            &mut store,
            &mut opened,
            &theme,
            Scripted::new(Vec::new(), log.clone()),
            now,
        )
        .expect("run");
        let first = log.borrow().first_ask.expect("asked");
        out.first_frame.push((first - t).as_secs_f64() * 1e3);
        app = Some(opened);
    }
    let mut app = app.expect("opened");
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    let before = decisions(&store);
    let mut decided = 0;
    for (phase, steps) in script(&app, a.moves, a.reps, round) {
        if a.only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|p| p == phase))
        {
            continue;
        }
        decided += steps
            .iter()
            .filter(|s| [KEEP, REDUCE, REVOKE, KEEP_NARROWED].contains(&s.class))
            .count();
        let log = Rc::new(RefCell::new(Log::default()));
        let t = Instant::now();
        tui::run_loop(
            &mut terminal,
            &mut store,
            &mut app,
            &theme,
            Scripted::new(steps, log.clone()),
            now,
        )
        .expect("run");
        if let Some(status) = app.status.as_ref().filter(|s| s.is_error) {
            panic!("phase {phase} ended on an error: {}", status.text);
        }
        assert_eq!(app.mode, Mode::Browse, "phase {phase} ends in the queue");
        assert!(!app.view.is_narrowed(), "phase {phase} ends unfiltered");
        eprintln!("  {phase}: {:.1} s", t.elapsed().as_secs_f64());
        for (class, detail, ms) in log.borrow().times.iter() {
            out.keys.entry(class).or_default().push(*ms);
            out.details
                .entry((class, detail.clone()))
                .or_default()
                .push(*ms);
        }
    }
    let after = decisions(&store);
    assert_eq!(
        after - before,
        decided as i64,
        "every scripted decision was recorded (a prompt the script did not expect?)"
    );
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Median and 99th percentile (nearest rank).
fn stats(v: &[f64]) -> (f64, f64) {
    let s = sorted(v);
    let p99 = s[((s.len() as f64 * 0.99).ceil() as usize).max(1) - 1];
    (s[s.len() / 2], p99)
}

fn ms(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.0}")
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores ({cpu})")
}

/// The target a class is held to, in ms, and its text.
fn target(class: &str) -> (f64, &'static str) {
    match class {
        FILTER | CLEAR | SEARCH_AT_ONCE | SORT => (100.0, "≤ 100 ms"),
        SEARCH_CHAR => (100.0, "≤ 100 ms"),
        _ => (16.0, "≤ 16 ms"),
    }
}

const ORDER: &[&str] = &[
    MOVE,
    PAGE,
    FAR,
    MOVE_NARROWED,
    MOVE_SORTED,
    MENU,
    FILTER,
    CLEAR,
    OPEN_SEARCH,
    SEARCH_CHAR,
    SEARCH_AT_ONCE,
    SEARCH_ENTER,
    SORT,
    PROMPT,
    KEEP,
    REDUCE,
    REVOKE,
    KEEP_NARROWED,
];

fn main() {
    let a = args();
    let here = std::env::current_exe().expect("exe");
    let release = here
        .parent()
        .and_then(Path::parent)
        .expect("target/release")
        .to_path_buf();
    let scratch = tempfile::tempdir().expect("scratch");
    let large =
        a.db.clone()
            .unwrap_or_else(|| scratch.path().join(format!("screen-{}.db", a.rows)));
    let small = a
        .base_db
        .clone()
        .unwrap_or_else(|| scratch.path().join(format!("screen-{}.db", a.base_rows)));
    for (db, rows) in [(&small, a.base_rows), (&large, a.rows)] {
        if !db.exists() {
            prepare(db, rows, &release);
        }
    }
    let load_before = load();
    let started = Utc::now();
    let (mut big, mut base) = (Samples::default(), Samples::default());
    for r in 0..a.rounds {
        eprintln!(
            "round {} of {}: {} identities",
            r + 1,
            a.rounds,
            a.base_rows
        );
        round(&small, &a, r, &mut base);
        eprintln!("round {} of {}: {} identities", r + 1, a.rounds, a.rows);
        round(&large, &a, r, &mut big);
    }
    let load_after = load();
    let mut rows = Vec::new();
    let verdict = |p99: f64, limit: f64| if p99 <= limit { "met" } else { "**missed**" };
    let (m, p) = stats(&big.store_open);
    let (bm, bp) = stats(&base.store_open);
    rows.push(format!(
        "| opening the database as `review` does (its quick check beside the screen), before the first frame | {} | {} / {} | {} / {} | — | — |",
        big.store_open.len(),
        ms(m),
        ms(p),
        ms(bm),
        ms(bp)
    ));
    let (m, p) = stats(&big.first_frame);
    let (bm, bp) = stats(&base.first_frame);
    rows.push(format!(
        "| first frame (`tui::open` to the loop's first ask) | {} | {} / {} | {} / {} | ≤ 200 ms | {} |",
        big.first_frame.len(),
        ms(m),
        ms(p),
        ms(bm),
        ms(bp),
        verdict(p, 200.0)
    ));
    for class in ORDER {
        let (Some(v), Some(b)) = (big.keys.get(class), base.keys.get(class)) else {
            continue;
        };
        let (m, p) = stats(v);
        let (bm, bp) = stats(b);
        let (limit, text) = target(class);
        rows.push(format!(
            "| {class} | {} | {} / {} | {} / {} | {text} | {} |",
            v.len(),
            ms(m),
            ms(p),
            ms(bm),
            ms(bp),
            verdict(p, limit)
        ));
    }
    let mut detail_rows = Vec::new();
    for ((class, detail), v) in &big.details {
        if detail.is_empty()
            || ![
                FILTER,
                SORT,
                SEARCH_AT_ONCE,
                FAR,
                MOVE_NARROWED,
                MOVE_SORTED,
                CLEAR,
            ]
            .contains(class)
        {
            continue;
        }
        let b = base
            .details
            .get(&(*class, detail.clone()))
            .map(|b| stats(b).0)
            .map_or("—".into(), ms);
        let (m, p) = stats(v);
        detail_rows.push(format!(
            "| {class} | {detail} | {} | {} / {} | {b} |",
            v.len(),
            ms(m),
            ms(p)
        ));
    }
    let table = format!(
        "Measured {} by `examples/bench_screen --rows {} --rounds {} --moves {} --reps {}` on {}; load average {} before, {} after. Rounds alternate {} and {} identities; n is the samples at {} (the same keys at {}). p99 is the nearest rank: with fewer than 100 samples it is the slowest.\n\n| key class | n | {} identities: median / p99 ms | {} identities: median / p99 ms | target | at {} |\n|---|---|---|---|---|---|\n{}\n\nBy filter, sort order and search term, at {} identities (the small population's median beside it):\n\n| class | which | n | median / p99 ms | {}: median ms |\n|---|---|---|---|---|\n{}\n",
        started.format("%Y-%m-%d %H:%M UTC"),
        a.rows,
        a.rounds,
        a.moves,
        a.reps,
        machine(),
        load_before,
        load_after,
        a.base_rows,
        a.rows,
        a.rows,
        a.base_rows,
        a.rows,
        a.base_rows,
        a.rows,
        rows.join("\n"),
        a.rows,
        a.base_rows,
        detail_rows.join("\n"),
    );
    print!("{table}");
    if let Some(path) = a.write {
        let text = std::fs::read_to_string(&path).expect("BENCHMARKS.md");
        let (begin, end) = ("<!-- bench_screen:begin -->", "<!-- bench_screen:end -->");
        let (Some(i), Some(j)) = (text.find(begin), text.find(end)) else {
            panic!("{} has no {begin} … {end} markers", path.display());
        };
        let updated = format!("{}{begin}\n{table}{}", &text[..i], &text[j..]);
        std::fs::write(&path, updated).expect("write BENCHMARKS.md");
    }
}
