//! The review screen: terminal lifecycle and the run loop, generic over the backend and the
//! event source so tests can drive it with scripted keys on a `TestBackend`.

pub mod action;
pub mod app;
pub mod keymap;
pub mod theme;
pub mod ui;

use anyhow::{Context, Result};
use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event};

use self::app::{App, Card, Effect, WINDOW};
use self::theme::Theme;
use crate::db::Store;
use crate::model::{DecisionAction, Verdict};
use crate::signals;

/// Open the review of `campaign` in the real terminal; restores the terminal on exit and panic.
pub fn run_terminal(store: &mut Store, campaign: &str, reviewer: &str) -> Result<()> {
    let mut app = open(store, campaign, reviewer, crate::clock())?;
    let theme = Theme::from_env();
    let mut terminal = ratatui::init();
    let events = std::iter::from_fn(|| event::read().ok());
    let result = run_loop(&mut terminal, store, &mut app, &theme, events, crate::clock);
    ratatui::restore();
    result
}

/// Build the screen state for a campaign, positioned at the first undecided identity.
pub fn open(
    store: &Store,
    campaign: &str,
    reviewer: &str,
    now: chrono::DateTime<Utc>,
) -> Result<App> {
    let info = store.campaign(campaign)?;
    let start = store.first_undecided(info.id)?.unwrap_or(0);
    let mut app = App::new(info, reviewer, start, now);
    load(store, &mut app, start)?;
    Ok(app)
}

/// Fetch the queue window (only when the cursor nears its edge) and the card at `position`.
fn load(store: &Store, app: &mut App, position: u64) -> Result<()> {
    let (start, window) = if app.window_covers(position) && !app.window.is_empty() {
        // Still refresh the visible rows' verdicts: a decision changes them.
        (
            app.window_start,
            store.queue_window(app.campaign.id, app.window_start, app.window.len() as u64)?,
        )
    } else {
        let start = position.saturating_sub(WINDOW / 2);
        (start, store.queue_window(app.campaign.id, start, WINDOW)?)
    };
    let row = window.iter().find(|r| r.position == position);
    let card = match row {
        Some(r) => {
            let identity = store.identity(r.identity_id)?;
            let found =
                signals::evaluate(&identity, &app.campaign.thresholds, app.campaign.started_at);
            let history = store.identity_history(app.campaign.id, r.identity_id)?;
            Some(Card {
                identity,
                signals: found,
                history,
            })
        }
        None => None,
    };
    app.loaded(start, window, card);
    Ok(())
}

/// Perform one effect and feed its outcome back into the app.
fn perform(store: &mut Store, app: &mut App, effect: Effect) -> Result<()> {
    let mut next = Some(effect);
    while let Some(effect) = next.take() {
        match effect {
            Effect::Load(position) => load(store, app, position)?,
            Effect::Record(decision) => {
                let outcome = store
                    .record_decision(&decision)
                    .and_then(|row| Ok((row, store.campaign(&app.campaign.name)?)))
                    .map(|(row, campaign)| {
                        let what = match (decision.action, decision.verdict) {
                            (DecisionAction::Undo, _) => "undone: back to undecided".to_owned(),
                            (_, Some(Verdict::Keep)) => "kept".to_owned(),
                            (_, Some(Verdict::Reduce)) => {
                                format!("reduce: {} to remove", row.removed.len())
                            }
                            (_, Some(Verdict::Revoke)) => "revoke".to_owned(),
                            (_, None) => String::new(),
                        };
                        (format!("saved #{}: {} {what}", row.seq, row.name), campaign)
                    })
                    .map_err(|e| format!("not saved: {e:#}"));
                next = app.recorded(outcome);
            }
        }
    }
    Ok(())
}

/// Draw, read an event, update, perform effects; until the user quits or events end.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    store: &mut Store,
    app: &mut App,
    theme: &Theme,
    events: impl IntoIterator<Item = Event>,
    clock: impl Fn() -> chrono::DateTime<Utc>,
) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut events = events.into_iter();
    loop {
        terminal
            .draw(|f| ui::render(f, app, theme))
            .context("drawing the screen")?;
        if app.should_quit() {
            return Ok(());
        }
        let Some(ev) = events.next() else {
            return Ok(());
        };
        let Event::Key(key) = ev else { continue };
        let Some(action) = keymap::resolve(app.layer(), key) else {
            continue;
        };
        app.now = clock();
        if let Some(effect) = app.update(action) {
            perform(store, app, effect)?;
        }
    }
}
