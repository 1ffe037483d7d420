//! The review screen: terminal lifecycle and the run loop, generic over the backend and the
//! event source so tests can drive it with scripted keys on a `TestBackend`.

pub mod action;
pub mod app;
pub mod card;
pub mod effects;
pub mod keymap;
pub mod theme;
pub mod ui;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event};

use self::action::Action;
use self::app::{App, Effect};
use self::effects::perform;
use self::theme::Theme;
use crate::db::prelude::*;
use crate::db::{QueueView, Store};

/// Open the review of `campaign` in the real terminal (only the identities assigned to
/// `assignee`, when given); restores the terminal on exit and panic.
pub fn run_terminal(
    store: &mut Store,
    campaign: &str,
    reviewer: &str,
    assignee: Option<String>,
) -> Result<()> {
    let mut app = open_assigned(store, campaign, reviewer, assignee, crate::clock())?;
    let theme = Theme::from_env();
    require_terminal()?;
    // ratatui::try_init sets up the terminal and a panic hook that restores it.
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    // The screen owns the terminal: a wait for another writer shows on the status line.
    crate::db::wait::set_quiet(true);
    crate::logging::hold();
    let result = run_loop(
        &mut terminal,
        store,
        &mut app,
        &theme,
        TerminalEvents,
        crate::clock,
    );
    ratatui::restore();
    crate::logging::release();
    result
}

/// Fail with a clear message when standard input or output is not a terminal.
pub fn require_terminal() -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the review screen needs a terminal: run it in one, or script with 'nhi-review decide' and 'nhi-review export' (demo: --no-review)"
        );
    }
    Ok(())
}

/// Build the screen state for a campaign, positioned at the first undecided identity.
pub fn open(store: &Store, campaign: &str, reviewer: &str, now: DateTime<Utc>) -> Result<App> {
    open_assigned(store, campaign, reviewer, None, now)
}

/// The screen on the identities of `campaign` assigned to `assignee` (all when `None`).
pub fn open_assigned(
    store: &Store,
    campaign: &str,
    reviewer: &str,
    assignee: Option<String>,
    now: DateTime<Utc>,
) -> Result<App> {
    let info = store.campaign(campaign)?;
    let view = QueueView {
        assignee,
        ..QueueView::default()
    };
    let start = store.first_undecided(info.id, &view)?.unwrap_or(0);
    let facets = store.queue_facets(info.id)?;
    let mut app = App::new(info, reviewer, start, now);
    app.view = view;
    app.total = store.queue_count(app.campaign.id, &app.view)?;
    app.facets = facets;
    effects::load(store, &mut app, start, false)?;
    Ok(app)
}

/// Where key events come from, and whether more are already waiting (so typing ahead is
/// handled before the screen is redrawn or the queue re-queried).
pub trait EventSource {
    /// The next event; `None` ends the loop.
    fn next_event(&mut self) -> Option<Event>;
    /// Whether another event is ready without waiting.
    fn pending(&mut self) -> bool;
}

/// The real terminal.
struct TerminalEvents;

impl EventSource for TerminalEvents {
    fn next_event(&mut self) -> Option<Event> {
        event::read().ok()
    }
    fn pending(&mut self) -> bool {
        event::poll(std::time::Duration::ZERO).unwrap_or(false)
    }
}

/// Scripted events (tests): a peekable iterator.
impl<I: Iterator<Item = Event>> EventSource for std::iter::Peekable<I> {
    fn next_event(&mut self) -> Option<Event> {
        self.next()
    }
    fn pending(&mut self) -> bool {
        self.peek().is_some()
    }
}

/// Draw, read events, update, perform effects; until the user quits or events end. Input
/// typed ahead is drained before the next draw, and a search's re-query waits until the typing
/// stops (yazi's rule: handle everything queued, then render once).
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    store: &mut Store,
    app: &mut App,
    theme: &Theme,
    mut events: impl EventSource,
    clock: impl Fn() -> DateTime<Utc>,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut deferred: Option<Effect> = None;
    let mut view = ui::ViewState::default();
    loop {
        if !events.pending() {
            if let Some(effect) = deferred.take() {
                perform(store, app, effect)?;
            }
            terminal
                .draw(|f| ui::render(f, app, theme, &mut view))
                .context("drawing the screen")?;
        }
        if app.should_quit() {
            return Ok(());
        }
        let Some(ev) = events.next_event() else {
            if let Some(effect) = deferred.take() {
                perform(store, app, effect)?;
                terminal
                    .draw(|f| ui::render(f, app, theme, &mut view))
                    .context("drawing the screen")?;
            }
            return Ok(());
        };
        let Event::Key(key) = ev else { continue };
        let Some(action) = keymap::resolve(app.layer(), key) else {
            continue;
        };
        let searching = matches!(app.mode, app::Mode::Search { .. });
        // A deferred search runs before anything but more typing: Enter then counts what the
        // search finds, not what the queue held before the last keys.
        let typing = searching && !matches!(action, Action::Confirm | Action::Cancel);
        if !typing && let Some(effect) = deferred.take() {
            perform(store, app, effect)?;
        }
        app.now = clock();
        match app.update(action) {
            // Re-query only once the typing stops.
            Some(effect @ Effect::Reload(_)) if searching && events.pending() => {
                deferred = Some(effect)
            }
            Some(effect) => {
                if let Some(earlier) = deferred.take() {
                    perform(store, app, earlier)?;
                }
                // Another process writing (an import): say so before this save waits on it.
                if effect.writes()
                    && let Some(other) = crate::db::wait::current_other_writer()
                {
                    app.news(format!(
                        "waiting to save: {other}; your entry is kept (up to {} s)",
                        crate::db::wait::bound().as_secs()
                    ));
                    terminal
                        .draw(|f| ui::render(f, app, theme, &mut view))
                        .context("drawing the screen")?;
                }
                perform(store, app, effect)?;
            }
            None => {}
        }
    }
}
