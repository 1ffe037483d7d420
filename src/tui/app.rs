//! The review screen's state and its transitions. `update` is pure: it changes state and may
//! ask for an [`Effect`]; the run loop performs effects against the database and feeds the
//! outcome back, so every transition can be tested without a terminal.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::action::Action;
use super::keymap::Layer;
use crate::db::{CampaignInfo, NewDecision, QueueFilter, QueueRow, QueueView, StandingDecision};
use crate::model::{DecisionAction, IdentityView, Verdict};
use crate::signals::{Recommendation, Signal};

/// Rows the queue keeps around the cursor; the rest stays in SQLite.
pub const WINDOW: u64 = 200;
/// Rows a page key moves.
pub const PAGE: u64 = 10;

/// How the identity stood in the previous campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    /// That campaign's name.
    pub campaign: String,
    /// Its standing decision there, if decided.
    pub decision: Option<StandingDecision>,
    /// What changed since (`+ line` added, `- line` gone); empty when unchanged.
    pub changes: Vec<String>,
}

/// The selected identity with what the card shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The identity.
    pub identity: IdentityView,
    /// Its signals as of the campaign start.
    pub signals: Vec<Signal>,
    /// The suggested verdict.
    pub recommendation: Recommendation,
    /// Its decisions in this campaign, newest first: (action, verdict, reviewer, decided_at).
    pub history: Vec<(String, String, String, String)>,
    /// The previous campaign, if the identity was in it.
    pub previous: Option<Previous>,
    /// Standing decisions of all earlier campaigns, newest first: (campaign, verdict, reviewer, at).
    pub earlier: Vec<(String, String, String, String)>,
}

impl Card {
    /// Removable items in card order: credentials, then grants, as decision references.
    pub fn items(&self) -> Vec<String> {
        self.identity
            .credentials
            .iter()
            .filter(|c| !c.platform_managed)
            .map(|c| c.reference())
            .chain(self.identity.grants.iter().map(|g| g.reference()))
            .collect()
    }

    /// Last campaign's keep, when nothing reviewable changed since: one keystroke re-attests it.
    pub fn carry_forward(&self) -> Option<(&str, &StandingDecision)> {
        let p = self.previous.as_ref()?;
        let d = p.decision.as_ref()?;
        (p.changes.is_empty() && d.verdict == Some(Verdict::Keep))
            .then_some((p.campaign.as_str(), d))
    }
}

/// A one-line text field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    /// The text.
    pub value: String,
    /// Cursor, in characters.
    pub cursor: usize,
}

impl TextField {
    /// A field holding `value`, cursor at the end.
    pub fn with(value: &str) -> Self {
        TextField {
            value: value.to_owned(),
            cursor: value.chars().count(),
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Apply an editing action; returns whether it was one. Control characters are refused.
    pub fn edit(&mut self, action: Action) -> bool {
        let len = self.value.chars().count();
        match action {
            Action::Char(c) if c.is_control() => {}
            Action::Char(c) => {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
            }
            Action::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.value.remove(at);
                self.cursor -= 1;
            }
            Action::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            Action::Left => self.cursor = self.cursor.saturating_sub(1),
            Action::Right => self.cursor = (self.cursor + 1).min(len),
            Action::Home => self.cursor = 0,
            Action::End => self.cursor = len,
            Action::Clear => *self = TextField::default(),
            Action::Backspace | Action::Delete => {}
            _ => return false,
        }
        true
    }
}

/// Which text a decision still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The owner (keep needs one).
    Owner,
    /// The business function.
    Function,
    /// The justification.
    Justification,
}

/// What `e` and `o` edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditWhat {
    /// The business function.
    Function,
    /// The owner.
    Owner,
}

/// A decision being put together, for the selected identity or the marked set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Verdict.
    pub verdict: Verdict,
    /// What a reduce removes.
    pub removed: Vec<String>,
    /// Owner typed (keep of an identity without one).
    pub owner: Option<String>,
    /// Business function typed so far.
    pub function: String,
    /// Decide the marked set rather than the selected identity.
    pub bulk: bool,
}

/// What the screen is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Moving through the queue.
    Browse,
    /// Focus on the card; the item cursor moves.
    Card,
    /// Choosing what a reduce removes.
    Select {
        /// Marked item indexes.
        marked: BTreeSet<usize>,
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
    Identity(i64),
    /// At this row.
    Row(u64),
    /// On the first undecided identity.
    FirstUndecided,
}

/// Work for the run loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load the queue window and card around this row.
    Load(u64),
    /// The view changed: recount, place the cursor, load.
    Reload(Anchor),
    /// Set an owner (if any), record these decisions, then reload.
    Record {
        /// Identity row id and owner to set first.
        owner: Option<(i64, String)>,
        /// One decision, or one per marked identity.
        decisions: Vec<NewDecision>,
    },
    /// Set the owner of an identity.
    SetOwner(i64, String),
    /// Set the business function of an identity.
    SetFunction(i64, String),
}

/// A line at the bottom: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// Text.
    pub text: String,
    /// An error rather than news.
    pub is_error: bool,
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
    /// Item cursor in the card.
    pub item: usize,
    /// Lines the card is scrolled by PgDn/PgUp; `None` follows the item cursor.
    pub card_scroll: Option<u16>,
    /// Identities marked for a bulk decision: row id → name.
    pub marked: BTreeMap<i64, (String, Option<String>)>,
    /// Providers and signal codes of the population, for the filter menu.
    pub facets: (Vec<String>, Vec<String>),
    /// Current mode.
    pub mode: Mode,
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
            item: 0,
            card_scroll: None,
            marked: BTreeMap::new(),
            facets: (Vec::new(), Vec::new()),
            mode: Mode::Browse,
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
            Mode::ConfirmRevoke { .. } => Layer::Confirm,
            Mode::Input { .. } | Mode::Edit { .. } => Layer::Input,
            Mode::Search { .. } => Layer::Search,
            Mode::Menu { .. } => Layer::Menu,
            Mode::Help { .. } => Layer::Help,
        }
    }

    /// The queue row at the cursor, when loaded.
    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.cursor
            .checked_sub(self.window_start)
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
        if self.card.as_ref().map(|c| c.identity.row_id) != card.as_ref().map(|c| c.identity.row_id)
        {
            self.item = 0;
        }
        self.card = card;
    }

    /// Take the outcome of recording: news or an error, and the campaign's new counts.
    pub fn recorded(
        &mut self,
        result: Result<(String, CampaignInfo), String>,
        bulk: bool,
    ) -> Option<Effect> {
        match result {
            Ok((news, campaign)) => {
                self.campaign = campaign;
                self.status = Some(StatusLine {
                    text: news,
                    is_error: false,
                });
                self.mode = Mode::Browse;
                if bulk {
                    self.marked.clear();
                    return Some(Effect::Reload(self.anchor_here()));
                }
                // Move on to the next row's identity, which keeps its place even when a filter
                // hides the one just decided.
                let anchor = match self.row_at(self.cursor + 1) {
                    Some(r) => Anchor::Identity(r.identity_id),
                    None => Anchor::Row(self.cursor),
                };
                Some(Effect::Reload(anchor))
            }
            Err(e) => {
                self.status = Some(StatusLine {
                    text: e,
                    is_error: true,
                });
                Some(Effect::Reload(self.anchor_here()))
            }
        }
    }

    /// Take news of a saved owner or function, or an error.
    pub fn saved(&mut self, result: Result<String, String>) -> Option<Effect> {
        let (text, is_error) = match result {
            Ok(t) => (t, false),
            Err(e) => (e, true),
        };
        self.status = Some(StatusLine { text, is_error });
        self.mode = Mode::Browse;
        Some(Effect::Reload(self.anchor_here()))
    }

    fn row_at(&self, row: u64) -> Option<&QueueRow> {
        row.checked_sub(self.window_start)
            .and_then(|i| self.window.get(usize::try_from(i).ok()?))
    }

    fn anchor_here(&self) -> Anchor {
        match &self.card {
            Some(c) => Anchor::Identity(c.identity.row_id),
            None => Anchor::Row(self.cursor),
        }
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            is_error: true,
        });
    }

    fn news(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            is_error: false,
        });
    }

    fn move_to(&mut self, row: u64) -> Option<Effect> {
        let row = row.min(self.total.saturating_sub(1));
        if row == self.cursor {
            return None;
        }
        self.cursor = row;
        self.status = None;
        Some(Effect::Load(row))
    }

    fn standing_verdict(&self) -> Option<Verdict> {
        self.selected_row().and_then(|r| r.verdict)
    }

    fn decision(&self, identity: String, draft: &Draft, justification: &str) -> NewDecision {
        NewDecision {
            campaign: self.campaign.name.clone(),
            identity,
            action: DecisionAction::Decide,
            verdict: Some(draft.verdict),
            remove: draft.removed.clone(),
            business_function: draft.function.clone(),
            justification: justification.to_owned(),
            reviewer: self.reviewer.clone(),
            decided_at: self.now,
        }
    }

    /// Open the text a draft needs next, after `field` (or the first one).
    fn next_field(&mut self, draft: Draft, after: Option<Field>) -> Option<Effect> {
        let card_owner = self.card.as_ref().and_then(|c| c.identity.owner.clone());
        let needs_owner = draft.verdict == Verdict::Keep && !draft.bulk && card_owner.is_none();
        let field = match after {
            None if needs_owner => Field::Owner,
            None | Some(Field::Owner) => Field::Function,
            Some(Field::Function) => Field::Justification,
            Some(Field::Justification) => return None,
        };
        let initial = match field {
            Field::Owner => String::new(),
            Field::Function if !draft.function.is_empty() => draft.function.clone(),
            Field::Function if draft.bulk => String::new(),
            Field::Function => self
                .card
                .as_ref()
                .and_then(|c| c.identity.business_function.clone())
                .unwrap_or_default(),
            Field::Justification => String::new(),
        };
        self.mode = Mode::Input {
            draft,
            field,
            text: TextField::with(&initial),
        };
        None
    }

    fn start(&mut self, verdict: Verdict, bulk: bool, removed: Vec<String>) -> Option<Effect> {
        let draft = Draft {
            verdict,
            removed,
            owner: None,
            function: String::new(),
            bulk,
        };
        self.next_field(draft, None)
    }

    fn filter_menu(&self) -> Vec<(String, QueueFilter)> {
        let mut options = vec![
            ("everything".to_owned(), QueueFilter::All),
            ("undecided".to_owned(), QueueFilter::Undecided),
            (
                "verdict: keep".to_owned(),
                QueueFilter::Verdict(Verdict::Keep),
            ),
            (
                "verdict: reduce".to_owned(),
                QueueFilter::Verdict(Verdict::Reduce),
            ),
            (
                "verdict: revoke".to_owned(),
                QueueFilter::Verdict(Verdict::Revoke),
            ),
            ("no owner".to_owned(), QueueFilter::NoOwner),
        ];
        options.extend(
            self.facets
                .0
                .iter()
                .map(|p| (format!("provider: {p}"), QueueFilter::Provider(p.clone()))),
        );
        options.extend(
            self.facets
                .1
                .iter()
                .map(|c| (format!("signal: {c}"), QueueFilter::Signal(c.clone()))),
        );
        if let Some(owner) = self.card.as_ref().and_then(|c| c.identity.owner.clone()) {
            options.push((format!("owner: {owner}"), QueueFilter::Owner(owner)));
        }
        options
    }

    /// Apply one action.
    pub fn update(&mut self, action: Action) -> Option<Effect> {
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
                    _ => scroll,
                };
                self.mode = Mode::Help { previous, scroll };
                None
            }
            Mode::Browse | Mode::Card => self.browse(action),
            Mode::Select { marked } => self.select(action, marked),
            Mode::ConfirmRevoke { bulk } => {
                match action {
                    Action::Confirm => return self.start(Verdict::Revoke, bulk, Vec::new()),
                    Action::Cancel => {
                        self.mode = Mode::Browse;
                        self.news("revoke cancelled: nothing recorded");
                    }
                    _ => {}
                }
                None
            }
            Mode::Input { draft, field, text } => self.input(action, draft, field, text),
            Mode::Edit { what, mut text } => match action {
                Action::Cancel => {
                    self.mode = Mode::Browse;
                    self.news("edit cancelled");
                    None
                }
                Action::Confirm => {
                    let id = self.card.as_ref()?.identity.row_id;
                    let value = text.value.trim().to_owned();
                    Some(match what {
                        EditWhat::Owner => Effect::SetOwner(id, value),
                        EditWhat::Function => Effect::SetFunction(id, value),
                    })
                }
                other => {
                    if text.edit(other) {
                        self.mode = Mode::Edit { what, text };
                    }
                    None
                }
            },
            Mode::Search { mut text } => match action {
                Action::Confirm => {
                    self.mode = Mode::Browse;
                    None
                }
                Action::Cancel => {
                    self.mode = Mode::Browse;
                    self.view.search.clear();
                    Some(Effect::Reload(self.anchor_here()))
                }
                other => {
                    if !text.edit(other) {
                        return None;
                    }
                    self.view.search = text.value.clone();
                    self.mode = Mode::Search { text };
                    Some(Effect::Reload(Anchor::Row(0)))
                }
            },
            Mode::Menu { options, selected } => match action {
                Action::Next | Action::Prev => {
                    let last = options.len().saturating_sub(1);
                    let selected = if action == Action::Next {
                        (selected + 1).min(last)
                    } else {
                        selected.saturating_sub(1)
                    };
                    self.mode = Mode::Menu { options, selected };
                    None
                }
                Action::Confirm => {
                    self.mode = Mode::Browse;
                    self.view.filter = options
                        .get(selected)
                        .map(|(_, f)| f.clone())
                        .unwrap_or_default();
                    Some(Effect::Reload(self.anchor_here()))
                }
                Action::Cancel => {
                    self.mode = Mode::Browse;
                    None
                }
                _ => None,
            },
        }
    }

    fn browse(&mut self, action: Action) -> Option<Effect> {
        let in_card = self.mode == Mode::Card;
        let items = self.card.as_ref().map_or(0, |c| c.items().len());
        let bulk = !self.marked.is_empty();
        let open = self.campaign.is_open();
        match action {
            Action::Quit => {
                self.quit = true;
                None
            }
            Action::Next if in_card => {
                self.item = (self.item + 1).min(items.saturating_sub(1));
                self.card_scroll = None;
                None
            }
            Action::Prev if in_card => {
                self.item = self.item.saturating_sub(1);
                self.card_scroll = None;
                None
            }
            Action::ScrollDown => {
                self.card_scroll = Some(self.card_scroll.unwrap_or(0).saturating_add(PAGE as u16));
                None
            }
            Action::ScrollUp => {
                self.card_scroll = Some(self.card_scroll.unwrap_or(0).saturating_sub(PAGE as u16));
                None
            }
            Action::Next => self.move_to(self.cursor + 1),
            Action::Prev => self.move_to(self.cursor.saturating_sub(1)),
            Action::PageDown => self.move_to(self.cursor + PAGE),
            Action::PageUp => self.move_to(self.cursor.saturating_sub(PAGE)),
            Action::Top => self.move_to(0),
            Action::Bottom => self.move_to(self.total.saturating_sub(1)),
            Action::ToggleFocus => {
                self.mode = if in_card { Mode::Browse } else { Mode::Card };
                None
            }
            Action::Search => {
                self.mode = Mode::Search {
                    text: TextField::with(&self.view.search),
                };
                None
            }
            Action::Filter => {
                let options = self.filter_menu();
                let selected = options
                    .iter()
                    .position(|(_, f)| *f == self.view.filter)
                    .unwrap_or(0);
                self.mode = Mode::Menu { options, selected };
                None
            }
            Action::Sort => {
                self.view.sort = self.view.sort.next();
                self.news(format!("sorted {}", self.view.sort.label()));
                Some(Effect::Reload(self.anchor_here()))
            }
            Action::ClearView => {
                if bulk {
                    self.marked.clear();
                    self.news("marks cleared");
                    None
                } else if self.view.is_narrowed() {
                    self.view.filter = QueueFilter::All;
                    self.view.search.clear();
                    self.news("showing everything");
                    Some(Effect::Reload(self.anchor_here()))
                } else {
                    None
                }
            }
            _ if self.card.is_none() => {
                self.error("nothing selected");
                None
            }
            Action::Mark => {
                let card = self.card.as_ref()?;
                let id = card.identity.row_id;
                if self.marked.remove(&id).is_none() {
                    self.marked.insert(
                        id,
                        (card.identity.short_id.clone(), card.identity.owner.clone()),
                    );
                }
                self.move_to(self.cursor + 1)
            }
            Action::EditFunction | Action::SetOwner => {
                let identity = &self.card.as_ref()?.identity;
                let (what, value) = if action == Action::SetOwner {
                    (EditWhat::Owner, identity.owner.clone())
                } else {
                    (EditWhat::Function, identity.business_function.clone())
                };
                self.mode = Mode::Edit {
                    what,
                    text: TextField::with(value.as_deref().unwrap_or("")),
                };
                None
            }
            Action::Keep
            | Action::Reduce
            | Action::Revoke
            | Action::Undo
            | Action::Reattest
            | Action::AcceptSuggestion
                if !open =>
            {
                self.error(format!(
                    "campaign '{}' is closed: decisions can no longer change",
                    self.campaign.name
                ));
                None
            }
            Action::Keep if bulk => {
                let missing = self
                    .marked
                    .values()
                    .filter(|(_, owner)| owner.is_none())
                    .count();
                if missing > 0 {
                    self.error(format!(
                        "keep needs an owner: {missing} of the {} marked identities have none (set it with o)",
                        self.marked.len()
                    ));
                    return None;
                }
                self.start(Verdict::Keep, true, Vec::new())
            }
            Action::Keep => self.start(Verdict::Keep, false, Vec::new()),
            Action::Reduce if bulk => {
                self.error("reduce is decided one identity at a time: clear the marks with Esc");
                None
            }
            Action::Reduce => {
                if items == 0 {
                    self.error(
                        "this identity has no credentials or grants to remove: keep or revoke it",
                    );
                } else {
                    self.mode = Mode::Select {
                        marked: BTreeSet::new(),
                    };
                }
                None
            }
            Action::Revoke => {
                self.mode = Mode::ConfirmRevoke { bulk };
                None
            }
            Action::AcceptSuggestion => {
                let card = self.card.as_ref()?;
                let suggestion = card.recommendation.clone();
                let all = card.items();
                match suggestion.verdict {
                    Verdict::Keep => self.start(Verdict::Keep, false, Vec::new()),
                    Verdict::Revoke => {
                        self.mode = Mode::ConfirmRevoke { bulk: false };
                        None
                    }
                    Verdict::Reduce => {
                        let marked = all
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| suggestion.remove.contains(r))
                            .map(|(i, _)| i)
                            .collect();
                        self.mode = Mode::Select { marked };
                        None
                    }
                }
            }
            Action::Reattest => {
                let card = self.card.as_ref()?;
                let Some((campaign, last)) = card.carry_forward() else {
                    self.error(match &card.previous {
                        None => {
                            "nothing to re-attest: not reviewed in the previous campaign".to_owned()
                        }
                        Some(p) if !p.changes.is_empty() => {
                            format!("changed since '{}': decide it afresh", p.campaign)
                        }
                        Some(p) => format!(
                            "only an unchanged keep from '{}' can be re-attested",
                            p.campaign
                        ),
                    });
                    return None;
                };
                let decision = NewDecision {
                    campaign: self.campaign.name.clone(),
                    identity: card.identity.short_id.clone(),
                    action: DecisionAction::Reattest,
                    verdict: Some(Verdict::Keep),
                    remove: Vec::new(),
                    business_function: last.business_function.clone(),
                    justification: format!("unchanged since '{campaign}': re-attested"),
                    reviewer: self.reviewer.clone(),
                    decided_at: self.now,
                };
                Some(Effect::Record {
                    owner: None,
                    decisions: vec![decision],
                })
            }
            Action::Undo => {
                if self.standing_verdict().is_none() {
                    self.error("no decision to undo on this identity");
                    return None;
                }
                let decision = NewDecision {
                    campaign: self.campaign.name.clone(),
                    identity: self.card.as_ref()?.identity.short_id.clone(),
                    action: DecisionAction::Undo,
                    verdict: None,
                    remove: vec![],
                    business_function: String::new(),
                    justification: String::new(),
                    reviewer: self.reviewer.clone(),
                    decided_at: self.now,
                };
                Some(Effect::Record {
                    owner: None,
                    decisions: vec![decision],
                })
            }
            _ => None,
        }
    }

    fn select(&mut self, action: Action, mut marked: BTreeSet<usize>) -> Option<Effect> {
        let items = self.card.as_ref().map(Card::items).unwrap_or_default();
        match action {
            Action::Next => self.item = (self.item + 1).min(items.len().saturating_sub(1)),
            Action::Prev => self.item = self.item.saturating_sub(1),
            Action::ToggleItem => {
                if !marked.remove(&self.item) {
                    marked.insert(self.item);
                }
                self.mode = Mode::Select { marked };
            }
            Action::Confirm => {
                if marked.is_empty() {
                    self.error("mark at least one credential or grant with Space first");
                } else {
                    let removed = marked
                        .iter()
                        .filter_map(|i| items.get(*i).cloned())
                        .collect();
                    return self.start(Verdict::Reduce, false, removed);
                }
            }
            Action::Cancel => {
                self.mode = Mode::Browse;
                self.news("reduce cancelled: nothing recorded");
            }
            _ => {}
        }
        None
    }

    fn input(
        &mut self,
        action: Action,
        mut draft: Draft,
        field: Field,
        mut text: TextField,
    ) -> Option<Effect> {
        match action {
            Action::Cancel => {
                self.mode = Mode::Browse;
                self.news(format!(
                    "{} cancelled: nothing recorded",
                    draft.verdict.as_str()
                ));
                None
            }
            Action::Confirm => {
                let value = text.value.trim().to_owned();
                match field {
                    Field::Owner => {
                        if value.is_empty() {
                            self.error("keep needs an accountable owner (a team or a person)");
                            return None;
                        }
                        draft.owner = Some(value);
                        self.next_field(draft, Some(Field::Owner))
                    }
                    Field::Function => {
                        if draft.verdict == Verdict::Keep && value.is_empty() {
                            self.error("keep needs the business function this identity serves");
                            return None;
                        }
                        draft.function = value;
                        self.next_field(draft, Some(Field::Function))
                    }
                    Field::Justification => {
                        if draft.verdict != Verdict::Keep && value.is_empty() {
                            self.error(format!("{} needs a justification", draft.verdict.as_str()));
                            return None;
                        }
                        let decisions: Vec<NewDecision> = if draft.bulk {
                            self.marked
                                .values()
                                .map(|(id, _)| self.decision(id.clone(), &draft, &value))
                                .collect()
                        } else {
                            let id = self.card.as_ref()?.identity.short_id.clone();
                            vec![self.decision(id, &draft, &value)]
                        };
                        let owner = match (&draft.owner, &self.card) {
                            (Some(o), Some(c)) if !draft.bulk => {
                                Some((c.identity.row_id, o.clone()))
                            }
                            _ => None,
                        };
                        Some(Effect::Record { owner, decisions })
                    }
                }
            }
            other => {
                if text.edit(other) {
                    self.mode = Mode::Input { draft, field, text };
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn editing() -> impl Strategy<Value = Action> {
        prop_oneof![
            any::<char>().prop_map(Action::Char),
            Just(Action::Backspace),
            Just(Action::Delete),
            Just(Action::Left),
            Just(Action::Right),
            Just(Action::Home),
            Just(Action::End),
            Just(Action::Clear),
        ]
    }

    proptest! {
        /// Any editing sequence keeps the cursor inside the text and never lets a control
        /// character in.
        #[test]
        fn text_editing_keeps_its_invariants(actions in prop::collection::vec(editing(), 0..60)) {
            let mut field = TextField::with("héllo");
            for a in actions {
                field.edit(a);
                prop_assert!(field.cursor <= field.value.chars().count());
                prop_assert!(!field.value.chars().any(char::is_control));
            }
        }
    }

    #[test]
    fn typing_inserts_at_the_cursor() {
        let mut f = TextField::with("ac");
        for a in [
            Action::Left,
            Action::Char('b'),
            Action::End,
            Action::Char('é'),
            Action::Home,
            Action::Delete,
        ] {
            f.edit(a);
        }
        assert_eq!((f.value.as_str(), f.cursor), ("bcé", 0));
    }
}
