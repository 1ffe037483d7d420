//! The only place the review screen does I/O: loading the queue window and the card from the
//! database, and recording decisions and annotations through the review's domain layer. Each
//! outcome goes back into the app as news or an error.

use anyhow::Result;

use super::app::{Anchor, App, Card, Earlier, Effect, MARK_ALL_LIMIT, Marked, WINDOW};
use crate::db::prelude::*;
use crate::db::{QueueSort, Store, WindowSeek};
use crate::model::{DecisionAction, IdentityId, Verdict};
use crate::review::{self, MemberContext, Recorded};

/// Everything the card shows about one identity.
pub fn card(store: &Store, app: &App, identity: IdentityId) -> Result<Option<Card>> {
    let Some(ctx) = MemberContext::load(store, &app.campaign, identity)? else {
        return Ok(None);
    };
    let earlier = store
        .earlier_decisions(app.campaign.id, identity)?
        .into_iter()
        .map(|(campaign, verdict, reviewer, at)| Earlier {
            campaign,
            verdict,
            reviewer,
            at,
        })
        .collect();
    Ok(Some(Card {
        history: store.identity_history(app.campaign.id, identity)?,
        earlier,
        ctx,
    }))
}

/// Fetch the queue window (only when the cursor nears its edge, or `fresh`) and the card.
pub fn load(store: &Store, app: &mut App, row: u64, fresh: bool) -> Result<()> {
    // Still refresh the visible rows when the window covers the row: a decision (here or by
    // another reviewer) changes their verdicts.
    let (start, len) = if !fresh && app.window_covers(row) && !app.window.is_empty() {
        (app.window_start, app.window.len() as u64)
    } else {
        (row.saturating_sub(WINDOW / 2), WINDOW)
    };
    // A window that starts on a loaded row seeks from that row's position (risk order), so a
    // move costs the same at any depth; anything else is found by its row, from the nearer end.
    let by_row = WindowSeek::RowOf {
        row: start,
        total: app.total,
    };
    let seek = match (app.window.first(), start.checked_sub(app.window_start)) {
        _ if fresh || app.view.sort != QueueSort::Risk => by_row,
        (Some(_), Some(i)) => app
            .window
            .get(usize::try_from(i)?)
            .map_or(by_row, |r| WindowSeek::Position(r.position)),
        // Moving up: the new window begins a little before the loaded one.
        (Some(first), None) if app.window_start - start <= WINDOW => WindowSeek::Before {
            position: first.position,
            back: app.window_start - start,
        },
        _ => by_row,
    };
    let window = store.queue_window_seek(app.campaign.id, &app.view, seek, len)?;
    let selected = row
        .checked_sub(start)
        .and_then(|i| window.get(usize::try_from(i).ok()?))
        .map(|r| r.identity_id);
    let card = match selected {
        Some(id) => card(store, app, id)?,
        None => None,
    };
    app.loaded(start, window, card);
    Ok(())
}

/// Recount the view and place the cursor.
pub fn reload(store: &Store, app: &mut App, anchor: Anchor) -> Result<()> {
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

/// What the status line says of recorded decisions.
fn news(rows: &[Recorded]) -> String {
    let Some(first) = rows.first() else {
        return "nothing recorded".into();
    };
    let what = match (first.action, first.verdict) {
        (DecisionAction::Undo, _) => "undone: undecided again".to_owned(),
        (DecisionAction::Reattest, _) => "re-attested keep".to_owned(),
        (_, Some(Verdict::Reduce)) => format!("reduce: {} to remove", first.removed.len()),
        (_, Some(v)) => v.to_string(),
        (_, None) => String::new(),
    };
    let owner = first
        .owner
        .as_deref()
        .filter(|_| first.verdict == Some(Verdict::Keep))
        .map(|o| format!(", owner {o}"))
        .unwrap_or_default();
    match rows {
        [one] => format!("saved #{}: {} {what}{owner}", one.seq, one.name),
        many => format!(
            "saved #{}–#{}: {what} for {} identities",
            many[0].seq,
            many[many.len() - 1].seq,
            many.len()
        ),
    }
}

/// Perform one effect and feed its outcome back into the app, until no effect follows.
pub fn perform(store: &mut Store, app: &mut App, effect: Effect) -> Result<()> {
    let mut next = Some(effect);
    while let Some(effect) = next.take() {
        match effect {
            Effect::Load(row) => load(store, app, row, false)?,
            Effect::Reload(anchor) => {
                reload(store, app, anchor)?;
                app.filtered();
            }
            Effect::Confirm(request) => {
                let outcome = review::confirm(store, &request)
                    .and_then(|seq| {
                        Ok((
                            format!("saved #{seq}: second review confirms the keep"),
                            store.campaign(&app.campaign.name)?,
                        ))
                    })
                    .map_err(|e| format!("not saved: {e:#}"));
                next = app.recorded(outcome, false, super::app::After::Stay);
            }
            Effect::MarkAll => {
                let found = store
                    .view_members(app.campaign.id, &app.view, MARK_ALL_LIMIT)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(id, short_id, owner)| {
                                let marked = Marked {
                                    short_id,
                                    owner,
                                    keep_needs_why: Some(
                                        "a marked identity may hold admin-tier access or be suggested for revoke",
                                    ),
                                };
                                (id, marked)
                            })
                            .collect()
                    })
                    .map_err(|e| format!("nothing marked: {e:#}"));
                app.marked_all(found);
                load(store, app, app.cursor, true)?;
            }
            Effect::Decide { request, after } => {
                let bulk = request.identities.len() > 1 || !app.marked.is_empty();
                let outcome = review::decide(store, &request)
                    .and_then(|rows| Ok((news(&rows), store.campaign(&app.campaign.name)?)))
                    .map_err(|e| format!("not saved: {e:#}"));
                next = app.recorded(outcome, bulk, after);
            }
            Effect::Annotate(annotation) => {
                let outcome = review::annotate(store, &annotation)
                    .map(|done| {
                        if done.records.is_empty() {
                            "nothing changed".to_owned()
                        } else if annotation.owner.is_some() {
                            format!(
                                "saved #{}: owner {}",
                                done.records.last().copied().unwrap_or_default(),
                                done.owner.as_deref().unwrap_or("cleared")
                            )
                        } else {
                            format!(
                                "saved #{}: business function {}",
                                done.records.last().copied().unwrap_or_default(),
                                done.function
                                    .as_deref()
                                    .map(|f| format!("'{f}'"))
                                    .unwrap_or_else(|| "cleared".into())
                            )
                        }
                    })
                    .map_err(|e| format!("not saved: {e:#}"));
                // A marked identity remembers its owner for the bulk keep's check.
                if let (Ok(_), Some(owner)) = (&outcome, &annotation.owner)
                    && let Some(card) = &app.card
                    && let Some(m) = app.marked.get_mut(&card.id())
                {
                    m.owner = (!owner.is_empty()).then(|| owner.clone());
                }
                next = app.saved(outcome);
            }
        }
    }
    Ok(())
}
