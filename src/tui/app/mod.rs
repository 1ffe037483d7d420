//! The review screen's state and its transitions. `update` is pure: it changes state and may
//! ask for an [`Effect`]; the run loop performs effects through the review's domain layer and
//! feeds the outcome back, so every transition is tested without a terminal or a database.
//! The rules a step needs (an owner for a keep, a justification against a revoke suggestion)
//! are asked of [`crate::review::rules`], the same functions that judge the decision.

mod browse;
mod decision;
#[cfg(test)]
mod tests;
mod text;

pub use browse::MARK_ALL_LIMIT;
pub use decision::{Draft, Field};
pub use text::TextField;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::action::Action;
use super::card::Entry;
use super::keymap::Layer;
use crate::db::{CampaignInfo, HistoryEntry, QueueFilter, QueueRow, QueueView};
use crate::model::{IdentityId, ItemRef, Verdict};
use crate::review::{Annotation, DecisionRequest, MemberContext};

/// Rows the queue keeps around the cursor; the rest stays in SQLite.
pub const WINDOW: u64 = 200;
/// Rows a page key moves.
pub const PAGE: u64 = 10;

/// A standing decision of an earlier campaign, for the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// Campaign.
    pub campaign: String,
    /// Verdict standing there.
    pub verdict: Verdict,
    /// Who decided.
    pub reviewer: String,
    /// When (RFC 3339).
    pub at: String,
}

/// The selected identity with what the card shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The member with its facts, caches, signals, suggestion and previous standing.
    pub ctx: MemberContext,
    /// Its records in this campaign, newest first.
    pub history: Vec<HistoryEntry>,
    /// Standing decisions of earlier campaigns, newest first.
    pub earlier: Vec<Earlier>,
}

impl Card {
    /// Removable items in card order: credentials, then grants.
    pub fn items(&self) -> Vec<ItemRef> {
        self.ctx.identity.removable()
    }

    /// The identity's row id.
    pub fn id(&self) -> IdentityId {
        self.ctx.identity.row_id
    }
}

/// What `e` and `o` edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditWhat {
    /// The business function.
    Function,
    /// The owner.
    Owner,
    /// The expected-unused reason.
    ExpectedUnused,
}

/// What the screen is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Moving through the queue.
    Browse,
    /// Focus on the card; the selection moves over its entries.
    Card,
    /// Choosing what a reduce removes; the selection moves over removable items.
    Select {
        /// Indexes (into the identity's removable items) of those marked for removal.
        marked: BTreeSet<usize>,
    },
    /// Asking "mark all N shown?".
    ConfirmMarkAll {
        /// Identities the view shows.
        count: u64,
    },
    /// Asking "revoke?".
    ConfirmRevoke {
        /// Revoke the marked set.
        bulk: bool,
    },
    /// Typing one text of a decision.
    Input {
        /// The decision so far.
        draft: Draft,
        /// Which text.
        field: Field,
        /// The text field.
        text: TextField,
    },
    /// Editing the owner or business function outside a decision.
    Edit {
        /// Which.
        what: EditWhat,
        /// The text field.
        text: TextField,
    },
    /// Typing a search; the queue follows each key.
    Search {
        /// The text field.
        text: TextField,
    },
    /// Choosing a filter.
    Menu {
        /// Labels and filters.
        options: Vec<(String, QueueFilter)>,
        /// Highlighted choice.
        selected: usize,
    },
    /// The help overlay, over the mode it came from.
    Help {
        /// Where to return.
        previous: Box<Mode>,
        /// Lines scrolled.
        scroll: u16,
    },
}

/// Where the cursor lands after the queue is recounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// On this identity if the view still shows it, else at the same row.
    Identity(IdentityId),
    /// At this row.
    Row(u64),
    /// On the first undecided identity.
    FirstUndecided,
}

/// Where the cursor goes once a decision is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// On to the next identity.
    Next,
    /// Stay on this one (undo).
    Stay,
}

/// Work for the run loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load the queue window and card around this row.
    Load(u64),
    /// The view changed: recount, place the cursor, load.
    Reload(Anchor),
    /// Record a decision (one identity, or the marked set) through the review's rules.
    Decide {
        /// The request.
        request: DecisionRequest,
        /// Where the cursor goes after.
        after: After,
    },
    /// Record an owner, business-function or expected-unused change.
    Annotate(Annotation),
    /// Mark every identity the view shows.
    MarkAll,
    /// Record a second review.
    Confirm(crate::review::ConfirmRequest),
}

impl Effect {
    /// Whether it writes to the database (and so may wait for another writer).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Effect::Decide { .. } | Effect::Annotate(_) | Effect::Confirm(_)
        )
    }
}

/// A line at the bottom: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// Text.
    pub text: String,
    /// An error rather than news.
    pub is_error: bool,
}

/// A marked identity, with what a bulk keep must know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    /// Short id.
    pub short_id: String,
    /// Owner in force.
    pub owner: Option<String>,
    /// Why a keep of it needs a justification, if it does.
    pub keep_needs_why: Option<&'static str>,
}

/// The review screen's state.
#[derive(Debug, Clone)]
pub struct App {
    /// Campaign with progress counts.
    pub campaign: CampaignInfo,
    /// Who decides.
    pub reviewer: String,
    /// Filter, search and order.
    pub view: QueueView,
    /// Rows the view shows.
    pub total: u64,
    /// Row of the selected identity in the view.
    pub cursor: u64,
    /// First row in `window`.
    pub window_start: u64,
    /// Queue rows around the cursor.
    pub window: Vec<QueueRow>,
    /// The selected identity.
    pub card: Option<Card>,
    /// The card's entries (recomputed when the card loads).
    pub entries: Vec<Entry>,
    /// Selected entry of the card (card focus and choosing).
    pub card_sel: usize,
    /// Identities marked for a bulk decision.
    pub marked: BTreeMap<IdentityId, Marked>,
    /// Providers and signals of the population, for the filter menu.
    pub facets: (Vec<String>, Vec<crate::signals::SignalCode>),
    /// Current mode.
    pub mode: Mode,
    /// The filter just chosen, to report once the view is recounted.
    pub filter_label: String,
    /// Status line.
    pub status: Option<StatusLine>,
    /// Time decisions are stamped with (the loop refreshes it).
    pub now: DateTime<Utc>,
    quit: bool,
}

impl App {
    /// A new screen on `campaign`, at row `cursor` of the default view.
    pub fn new(campaign: CampaignInfo, reviewer: &str, cursor: u64, now: DateTime<Utc>) -> Self {
        App {
            total: campaign.population_size,
            campaign,
            reviewer: reviewer.to_owned(),
            view: QueueView::default(),
            cursor,
            window_start: 0,
            window: Vec::new(),
            card: None,
            entries: Vec::new(),
            card_sel: 0,
            marked: BTreeMap::new(),
            facets: (Vec::new(), Vec::new()),
            mode: Mode::Browse,
            filter_label: String::new(),
            status: None,
            now,
            quit: false,
        }
    }

    /// Whether the user asked to leave.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Rows the current view shows.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The keymap layer in force.
    pub fn layer(&self) -> Layer {
        match &self.mode {
            Mode::Browse => Layer::Queue,
            Mode::Card => Layer::Card,
            Mode::Select { .. } => Layer::Select,
            Mode::ConfirmRevoke { .. } | Mode::ConfirmMarkAll { .. } => Layer::Confirm,
            Mode::Input { .. } | Mode::Edit { .. } => Layer::Input,
            Mode::Search { .. } => Layer::Search,
            Mode::Menu { .. } => Layer::Menu,
            Mode::Help { .. } => Layer::Help,
        }
    }

    /// The queue row at the cursor, when loaded.
    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.row_at(self.cursor)
    }

    fn row_at(&self, row: u64) -> Option<&QueueRow> {
        row.checked_sub(self.window_start)
            .and_then(|i| self.window.get(usize::try_from(i).ok()?))
    }

    /// Whether the window covers `row` with margin, so moving needs no query.
    pub fn window_covers(&self, row: u64) -> bool {
        let end = self.window_start + self.window.len() as u64;
        let margin = PAGE * 2;
        row >= self.window_start
            && row < end
            && (row >= self.window_start + margin || self.window_start == 0)
            && (row + margin < end || end >= self.total)
    }

    /// Take loaded data from the run loop.
    pub fn loaded(&mut self, window_start: u64, window: Vec<QueueRow>, card: Option<Card>) {
        self.window_start = window_start;
        self.window = window;
        if self.card.as_ref().map(Card::id) != card.as_ref().map(Card::id) {
            self.card_sel = 0;
            if matches!(self.mode, Mode::Card) {
                self.mode = Mode::Browse;
            }
        }
        self.entries = card
            .as_ref()
            .map(|c| super::card::entries(c, self.campaign.started_at))
            .unwrap_or_default();
        self.card_sel = self.card_sel.min(self.entries.len().saturating_sub(1));
        self.card = card;
    }

    /// Take the outcome of recording a decision: news or an error, and the campaign's new
    /// counts.
    pub fn recorded(
        &mut self,
        result: Result<(String, CampaignInfo), String>,
        bulk: bool,
        after: After,
    ) -> Option<Effect> {
        match result {
            Ok((news, campaign)) => {
                self.campaign = campaign;
                self.news(news);
                self.mode = Mode::Browse;
                if bulk {
                    self.marked.clear();
                    return Some(Effect::Reload(self.anchor_here()));
                }
                // Move on to the next row's identity, which keeps its place even when a filter
                // hides the one just decided.
                let anchor = match (after, self.row_at(self.cursor + 1)) {
                    (After::Stay, _) => self.anchor_here(),
                    (After::Next, Some(r)) => Anchor::Identity(r.identity_id),
                    (After::Next, None) => Anchor::Row(self.cursor),
                };
                Some(Effect::Reload(anchor))
            }
            Err(e) => {
                self.failed(e);
                Some(Effect::Reload(self.anchor_here()))
            }
        }
    }

    /// A save that failed: say why; a prompt with typed text stays open with its text, to try
    /// again (Enter) or give up (Esc).
    fn failed(&mut self, e: String) {
        if matches!(self.mode, Mode::Input { .. } | Mode::Edit { .. }) {
            self.error(format!(
                "{e} — your text is kept: Enter tries again, Esc cancels"
            ));
        } else {
            self.error(e);
            self.mode = Mode::Browse;
        }
    }

    /// Take news of a saved owner or function, or an error.
    pub fn saved(&mut self, result: Result<String, String>) -> Option<Effect> {
        match result {
            Ok(t) => {
                self.news(t);
                self.mode = Mode::Browse;
            }
            Err(e) => self.failed(e),
        }
        Some(Effect::Reload(self.anchor_here()))
    }

    fn anchor_here(&self) -> Anchor {
        match &self.card {
            Some(c) => Anchor::Identity(c.id()),
            None => Anchor::Row(self.cursor),
        }
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            is_error: true,
        });
    }

    pub(crate) fn news(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            is_error: false,
        });
    }

    /// Take the identities a "mark all" found, or an error.
    pub fn marked_all(&mut self, result: Result<Vec<(IdentityId, Marked)>, String>) {
        match result {
            Ok(found) => {
                let n = found.len();
                self.marked.extend(found);
                let all = self.marked.len();
                self.news(format!(
                    "{n} marked ({all} in all): K, X or A decides each, one record each"
                ));
            }
            Err(e) => self.error(e),
        }
        self.mode = Mode::Browse;
    }

    /// Apply one action. The status line tells the truth about the last action: whatever it
    /// said is cleared as the next step starts.
    pub fn update(&mut self, action: Action) -> Option<Effect> {
        if action != Action::Help {
            self.status = None;
        }
        if action == Action::Help
            && !matches!(
                self.mode,
                Mode::Input { .. } | Mode::Edit { .. } | Mode::Search { .. }
            )
        {
            self.mode = match std::mem::replace(&mut self.mode, Mode::Browse) {
                Mode::Help { previous, .. } => *previous,
                other => Mode::Help {
                    previous: Box::new(other),
                    scroll: 0,
                },
            };
            return None;
        }
        match self.mode.clone() {
            Mode::Help { previous, scroll } => {
                let scroll = match action {
                    Action::Next => scroll.saturating_add(1),
                    Action::Prev => scroll.saturating_sub(1),
                    Action::PageDown => scroll.saturating_add(10),
                    Action::PageUp => scroll.saturating_sub(10),
                    Action::Top => 0,
                    // The screen shows the last page for anything past it.
                    Action::Bottom => {
                        u16::try_from(crate::tui::ui::help::line_count()).unwrap_or(u16::MAX)
                    }
                    _ => scroll,
                };
                self.mode = Mode::Help { previous, scroll };
                None
            }
            Mode::Browse | Mode::Card => self.browse(action),
            Mode::Select { marked } => self.select(action, marked),
            Mode::ConfirmRevoke { bulk } => self.confirm_revoke(action, bulk),
            Mode::ConfirmMarkAll { .. } => self.confirm_mark_all(action),
            Mode::Input { draft, field, text } => self.input(action, draft, field, text),
            Mode::Edit { what, text } => self.edit(action, what, text),
            Mode::Search { text } => self.search(action, text),
            Mode::Menu { options, selected } => self.menu(action, options, selected),
        }
    }
}
