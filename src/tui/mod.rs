//! The review screen: terminal lifecycle and the run loop, generic over the backend and the
//! event source so tests can drive it with scripted keys on a `TestBackend`.

pub mod action;
pub mod app;
pub mod keymap;
pub mod theme;
pub mod ui;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event};

use self::app::{Anchor, App, Card, Effect, Previous, WINDOW};
use self::theme::Theme;
use crate::db::{QueueView, Store};
use crate::model::{DecisionAction, Verdict};
use crate::signals;

/// Open the review of `campaign` in the real terminal; restores the terminal on exit and panic.
pub fn run_terminal(store: &mut Store, campaign: &str, reviewer: &str) -> Result<()> {
    let mut app = open(store, campaign, reviewer, crate::clock())?;
    let theme = Theme::from_env();
    require_terminal()?;
    // ratatui::try_init sets up the terminal and a panic hook that restores it.
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    let result = run_loop(
        &mut terminal,
        store,
        &mut app,
        &theme,
        TerminalEvents,
        crate::clock,
    );
    ratatui::restore();
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
    let info = store.campaign(campaign)?;
    let view = QueueView::default();
    let start = store.first_undecided(info.id, &view)?.unwrap_or(0);
    let facets = store.queue_facets(info.id)?;
    let mut app = App::new(info, reviewer, start, now);
    app.facets = facets;
    load(store, &mut app, start, false)?;
    Ok(app)
}

/// What changed between two snapshots, as `+ added` and `- gone` lines.
pub fn changes(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    let mut out: Vec<String> = old
        .iter()
        .filter(|l| !new.contains(l))
        .map(|l| format!("- {l}"))
        .collect();
    out.extend(
        new.iter()
            .filter(|l| !old.contains(l))
            .map(|l| format!("+ {l}")),
    );
    out
}

/// Everything the card shows about one identity.
fn card(store: &Store, app: &App, identity_id: i64) -> Result<Card> {
    let campaign = &app.campaign;
    let identity = store.identity(identity_id)?;
    let previous_campaign = store.previous_campaign(campaign.id)?;
    let before = match &previous_campaign {
        Some(p) => store.standing_in(p.id, identity_id)?,
        None => None,
    };
    let mut found = signals::evaluate(&identity, &campaign.thresholds, campaign.started_at);
    found.extend(signals::since_previous(
        previous_campaign.as_ref().map(|p| p.name.as_str()),
        before.is_some(),
    ));
    let recommendation =
        signals::recommend(&identity, &found, &campaign.thresholds, campaign.started_at);
    let previous = match (previous_campaign, before) {
        (Some(p), Some(before)) => {
            let now = store.standing_in(campaign.id, identity_id)?;
            let changed = now
                .map(|n| changes(&before.snapshot, &n.snapshot))
                .unwrap_or_default();
            Some(Previous {
                campaign: p.name,
                decision: before.decision,
                changes: changed,
            })
        }
        _ => None,
    };
    Ok(Card {
        history: store.identity_history(campaign.id, identity_id)?,
        earlier: store.earlier_decisions(campaign.id, identity_id)?,
        identity,
        signals: found,
        recommendation,
        previous,
    })
}

/// Fetch the queue window (only when the cursor nears its edge, or `fresh`) and the card.
fn load(store: &Store, app: &mut App, row: u64, fresh: bool) -> Result<()> {
    let (start, window) = if !fresh && app.window_covers(row) && !app.window.is_empty() {
        // Still refresh the visible rows' verdicts: a decision changes them.
        (
            app.window_start,
            store.queue_window(
                app.campaign.id,
                &app.view,
                app.window_start,
                app.window.len() as u64,
            )?,
        )
    } else {
        let start = row.saturating_sub(WINDOW / 2);
        (
            start,
            store.queue_window(app.campaign.id, &app.view, start, WINDOW)?,
        )
    };
    let selected = row
        .checked_sub(start)
        .and_then(|i| window.get(usize::try_from(i).ok()?))
        .map(|r| r.identity_id);
    let card = selected.map(|id| card(store, app, id)).transpose()?;
    app.loaded(start, window, card);
    Ok(())
}

/// Recount the view and place the cursor.
fn reload(store: &Store, app: &mut App, anchor: Anchor) -> Result<()> {
    let id = app.campaign.id;
    app.total = store.queue_count(id, &app.view)?;
    let last = app.total.saturating_sub(1);
    let row = match anchor {
        Anchor::Identity(identity) => store
            .row_of(id, &app.view, identity)?
            .unwrap_or(app.cursor.min(last)),
        Anchor::Row(r) => r.min(last),
        Anchor::FirstUndecided => store.first_undecided(id, &app.view)?.unwrap_or(0),
    };
    app.cursor = row;
    load(store, app, row, true)
}

/// Perform one effect and feed its outcome back into the app.
fn perform(store: &mut Store, app: &mut App, effect: Effect) -> Result<()> {
    let mut next = Some(effect);
    while let Some(effect) = next.take() {
        match effect {
            Effect::Load(row) => load(store, app, row, false)?,
            Effect::Reload(anchor) => reload(store, app, anchor)?,
            Effect::Record { owner, decisions } => {
                let bulk = decisions.len() > 1;
                let outcome = owner
                    .map_or(Ok(()), |(id, o)| store.set_owner(id, &o))
                    .and_then(|()| store.record_decisions(&decisions))
                    .and_then(|rows| Ok((rows, store.campaign(&app.campaign.name)?)))
                    .map(|(rows, campaign)| {
                        let first = &decisions[0];
                        let what = match (first.action, first.verdict) {
                            (DecisionAction::Undo, _) => "undone: back to undecided".to_owned(),
                            (DecisionAction::Reattest, _) => "re-attested keep".to_owned(),
                            (_, Some(Verdict::Reduce)) => {
                                format!("reduce: {} to remove", rows[0].removed.len())
                            }
                            (_, Some(v)) => v.as_str().to_owned(),
                            (_, None) => String::new(),
                        };
                        let news = match rows.as_slice() {
                            [one] => format!("saved #{}: {} {what}", one.seq, one.name),
                            many => format!(
                                "saved #{}–#{}: {what} for {} identities",
                                many[0].seq,
                                many[many.len() - 1].seq,
                                many.len()
                            ),
                        };
                        (news, campaign)
                    })
                    .map_err(|e| format!("not saved: {e:#}"));
                next = app.recorded(outcome, bulk);
            }
            Effect::SetOwner(id, owner) => {
                // A marked identity remembers its owner for the bulk keep's check.
                if let Some((_, marked_owner)) = app.marked.get_mut(&id) {
                    *marked_owner = (!owner.is_empty()).then(|| owner.clone());
                }
                let outcome = store
                    .set_owner(id, &owner)
                    .map(|()| {
                        if owner.is_empty() {
                            "owner cleared".to_owned()
                        } else {
                            format!("owner set to {owner}")
                        }
                    })
                    .map_err(|e| format!("not saved: {e:#}"));
                next = app.saved(outcome);
            }
            Effect::SetFunction(id, function) => {
                let outcome = store
                    .set_business_function(id, &function)
                    .map(|()| format!("business function set to '{function}'"))
                    .map_err(|e| format!("not saved: {e:#}"));
                next = app.saved(outcome);
            }
        }
    }
    Ok(())
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
    loop {
        if !events.pending() {
            if let Some(effect) = deferred.take() {
                perform(store, app, effect)?;
            }
            terminal
                .draw(|f| ui::render(f, app, theme))
                .context("drawing the screen")?;
        }
        if app.should_quit() {
            return Ok(());
        }
        let Some(ev) = events.next_event() else {
            if let Some(effect) = deferred.take() {
                perform(store, app, effect)?;
                terminal
                    .draw(|f| ui::render(f, app, theme))
                    .context("drawing the screen")?;
            }
            return Ok(());
        };
        let Event::Key(key) = ev else { continue };
        let Some(action) = keymap::resolve(app.layer(), key) else {
            continue;
        };
        let searching = matches!(app.mode, app::Mode::Search { .. });
        if !searching && let Some(effect) = deferred.take() {
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
                perform(store, app, effect)?;
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::changes;

    #[test]
    fn changes_list_what_went_and_what_came() {
        let before = "owner a\ngrant x on * (read)";
        let after = "owner a\ngrant x on * (admin)\ncredential k2";
        assert_eq!(
            changes(before, after),
            [
                "- grant x on * (read)",
                "+ grant x on * (admin)",
                "+ credential k2"
            ]
        );
        assert!(changes(before, before).is_empty());
    }
}
