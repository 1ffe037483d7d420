//! The review screen's state and its transitions. `update` is pure: it changes state and may
//! ask for an [`Effect`]; the run loop performs effects against the database and feeds the
//! outcome back, so every transition can be tested without a terminal.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::action::Action;
use super::keymap::Layer;
use crate::db::{CampaignInfo, NewDecision, QueueRow};
use crate::model::{DecisionAction, IdentityView, Verdict};
use crate::signals::Signal;

/// Rows the queue keeps around the cursor; the rest stays in SQLite.
pub const WINDOW: u64 = 200;
/// Rows a page key moves.
pub const PAGE: u64 = 10;

/// The selected identity with what the card shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The identity.
    pub identity: IdentityView,
    /// Its signals as of the campaign start.
    pub signals: Vec<Signal>,
    /// Its decisions in this campaign, newest first: (action, verdict, reviewer, decided_at).
    pub history: Vec<(String, String, String, String)>,
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

    /// Apply an editing action; returns whether it was one.
    pub fn edit(&mut self, action: Action) -> bool {
        let len = self.value.chars().count();
        match action {
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
    /// The business function.
    Function,
    /// The justification.
    Justification,
}

/// A decision being put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Verdict.
    pub verdict: Verdict,
    /// What a reduce removes.
    pub removed: Vec<String>,
    /// Business function typed so far.
    pub function: String,
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
    ConfirmRevoke,
    /// Typing one text of a decision.
    Input {
        /// The decision so far.
        draft: Draft,
        /// Which text.
        field: Field,
        /// The text field.
        text: TextField,
    },
    /// The help overlay, over the mode it came from.
    Help(Box<Mode>),
}

/// Work for the run loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load the queue window and card around this position.
    Load(u64),
    /// Record this decision, then reload.
    Record(NewDecision),
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
    /// Position of the selected identity.
    pub cursor: u64,
    /// First position in `window`.
    pub window_start: u64,
    /// Queue rows around the cursor.
    pub window: Vec<QueueRow>,
    /// The selected identity.
    pub card: Option<Card>,
    /// Item cursor in the card.
    pub item: usize,
    /// Current mode.
    pub mode: Mode,
    /// Status line.
    pub status: Option<StatusLine>,
    /// Time decisions are stamped with (the loop refreshes it).
    pub now: DateTime<Utc>,
    quit: bool,
}

impl App {
    /// A new screen on `campaign`, positioned at `cursor`.
    pub fn new(campaign: CampaignInfo, reviewer: &str, cursor: u64, now: DateTime<Utc>) -> Self {
        App {
            campaign,
            reviewer: reviewer.to_owned(),
            cursor,
            window_start: 0,
            window: Vec::new(),
            card: None,
            item: 0,
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

    /// Number of identities in the campaign.
    pub fn total(&self) -> u64 {
        self.campaign.population_size
    }

    /// The keymap layer in force.
    pub fn layer(&self) -> Layer {
        match &self.mode {
            Mode::Browse => Layer::Queue,
            Mode::Card => Layer::Card,
            Mode::Select { .. } => Layer::Select,
            Mode::ConfirmRevoke => Layer::Confirm,
            Mode::Input { .. } => Layer::Input,
            Mode::Help(_) => Layer::Help,
        }
    }

    /// The queue row at the cursor, when loaded.
    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.cursor
            .checked_sub(self.window_start)
            .and_then(|i| self.window.get(usize::try_from(i).ok()?))
    }

    /// Whether the window covers `position` with margin, so moving needs no query.
    pub fn window_covers(&self, position: u64) -> bool {
        let end = self.window_start + self.window.len() as u64;
        let margin = PAGE * 2;
        position >= self.window_start
            && position < end
            && (position >= self.window_start + margin || self.window_start == 0)
            && (position + margin < end || end >= self.total())
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

    /// Take the outcome of recording a decision.
    pub fn recorded(&mut self, result: Result<(String, CampaignInfo), String>) -> Option<Effect> {
        match result {
            Ok((news, campaign)) => {
                self.campaign = campaign;
                self.status = Some(StatusLine {
                    text: news,
                    is_error: false,
                });
                self.mode = Mode::Browse;
                if self.cursor + 1 < self.total() {
                    self.cursor += 1;
                }
                Some(Effect::Load(self.cursor))
            }
            Err(e) => {
                self.status = Some(StatusLine {
                    text: e,
                    is_error: true,
                });
                Some(Effect::Load(self.cursor))
            }
        }
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            is_error: true,
        });
    }

    fn move_to(&mut self, position: u64) -> Option<Effect> {
        let last = self.total().saturating_sub(1);
        let position = position.min(last);
        if position == self.cursor {
            return None;
        }
        self.cursor = position;
        self.status = None;
        Some(Effect::Load(position))
    }

    fn standing_verdict(&self) -> Option<Verdict> {
        self.selected_row().and_then(|r| r.verdict)
    }

    fn identity_ref(&self) -> Option<String> {
        self.card.as_ref().map(|c| c.identity.short_id.clone())
    }

    fn start_text(&mut self, draft: Draft, field: Field) {
        let initial = match field {
            Field::Function => self
                .card
                .as_ref()
                .and_then(|c| c.identity.business_function.clone())
                .unwrap_or_default(),
            Field::Justification => String::new(),
        };
        let text = if field == Field::Function && !draft.function.is_empty() {
            TextField::with(&draft.function)
        } else {
            TextField::with(&initial)
        };
        self.mode = Mode::Input { draft, field, text };
    }

    fn decision(&self, draft: &Draft, justification: &str) -> Option<Effect> {
        Some(Effect::Record(NewDecision {
            campaign: self.campaign.name.clone(),
            identity: self.identity_ref()?,
            action: DecisionAction::Decide,
            verdict: Some(draft.verdict),
            remove: draft.removed.clone(),
            business_function: draft.function.clone(),
            justification: justification.to_owned(),
            reviewer: self.reviewer.clone(),
            decided_at: self.now,
        }))
    }

    /// Apply one action.
    pub fn update(&mut self, action: Action) -> Option<Effect> {
        if action == Action::Help {
            self.mode = match std::mem::replace(&mut self.mode, Mode::Browse) {
                Mode::Help(prev) => *prev,
                other => Mode::Help(Box::new(other)),
            };
            return None;
        }
        let decidable = self.card.is_some() && self.campaign.is_open();
        match self.mode.clone() {
            Mode::Help(_) => None,
            Mode::Browse | Mode::Card => {
                let in_card = self.mode == Mode::Card;
                let items = self.card.as_ref().map_or(0, |c| c.items().len());
                match action {
                    Action::Quit => {
                        self.quit = true;
                        None
                    }
                    Action::Next if in_card => {
                        self.item = (self.item + 1).min(items.saturating_sub(1));
                        None
                    }
                    Action::Prev if in_card => {
                        self.item = self.item.saturating_sub(1);
                        None
                    }
                    Action::Next => self.move_to(self.cursor + 1),
                    Action::Prev => self.move_to(self.cursor.saturating_sub(1)),
                    Action::PageDown => self.move_to(self.cursor + PAGE),
                    Action::PageUp => self.move_to(self.cursor.saturating_sub(PAGE)),
                    Action::Top => self.move_to(0),
                    Action::Bottom => self.move_to(self.total().saturating_sub(1)),
                    Action::ToggleFocus => {
                        self.mode = if in_card { Mode::Browse } else { Mode::Card };
                        None
                    }
                    Action::Keep | Action::Reduce | Action::Revoke | Action::Undo if !decidable => {
                        self.error(if self.campaign.is_open() {
                            "nothing selected".to_owned()
                        } else {
                            format!(
                                "campaign '{}' is closed: decisions can no longer change",
                                self.campaign.name
                            )
                        });
                        None
                    }
                    Action::Keep => {
                        let draft = Draft {
                            verdict: Verdict::Keep,
                            removed: vec![],
                            function: String::new(),
                        };
                        self.start_text(draft, Field::Function);
                        None
                    }
                    Action::Reduce => {
                        if items == 0 {
                            self.error("this identity has no credentials or grants to remove: keep or revoke it");
                        } else {
                            self.mode = Mode::Select {
                                marked: BTreeSet::new(),
                            };
                        }
                        None
                    }
                    Action::Revoke => {
                        self.mode = Mode::ConfirmRevoke;
                        None
                    }
                    Action::Undo => {
                        if self.standing_verdict().is_none() {
                            self.error("no decision to undo on this identity");
                            return None;
                        }
                        Some(Effect::Record(NewDecision {
                            campaign: self.campaign.name.clone(),
                            identity: self.identity_ref()?,
                            action: DecisionAction::Undo,
                            verdict: None,
                            remove: vec![],
                            business_function: String::new(),
                            justification: String::new(),
                            reviewer: self.reviewer.clone(),
                            decided_at: self.now,
                        }))
                    }
                    _ => None,
                }
            }
            Mode::Select { mut marked } => {
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
                            let draft = Draft {
                                verdict: Verdict::Reduce,
                                removed,
                                function: String::new(),
                            };
                            self.start_text(draft, Field::Function);
                        }
                    }
                    Action::Cancel => {
                        self.mode = Mode::Browse;
                        self.status = Some(StatusLine {
                            text: "reduce cancelled: nothing recorded".into(),
                            is_error: false,
                        });
                    }
                    _ => {}
                }
                None
            }
            Mode::ConfirmRevoke => {
                match action {
                    Action::Confirm => {
                        let draft = Draft {
                            verdict: Verdict::Revoke,
                            removed: vec![],
                            function: String::new(),
                        };
                        self.start_text(draft, Field::Function);
                    }
                    Action::Cancel => {
                        self.mode = Mode::Browse;
                        self.status = Some(StatusLine {
                            text: "revoke cancelled: nothing recorded".into(),
                            is_error: false,
                        });
                    }
                    _ => {}
                }
                None
            }
            Mode::Input {
                mut draft,
                field,
                mut text,
            } => match action {
                Action::Cancel => {
                    self.mode = Mode::Browse;
                    self.status = Some(StatusLine {
                        text: format!("{} cancelled: nothing recorded", draft.verdict.as_str()),
                        is_error: false,
                    });
                    None
                }
                Action::Confirm => {
                    let value = text.value.trim().to_owned();
                    match field {
                        Field::Function => {
                            if draft.verdict == Verdict::Keep && value.is_empty() {
                                self.error("keep needs the business function this identity serves");
                                return None;
                            }
                            draft.function = value;
                            self.start_text(draft, Field::Justification);
                            None
                        }
                        Field::Justification => {
                            if draft.verdict != Verdict::Keep && value.is_empty() {
                                self.error(format!(
                                    "{} needs a justification",
                                    draft.verdict.as_str()
                                ));
                                return None;
                            }
                            self.decision(&draft, &value)
                        }
                    }
                }
                other => {
                    if let Action::Char(c) = other
                        && c.is_control()
                    {
                        return None;
                    }
                    if text.edit(other) {
                        self.mode = Mode::Input { draft, field, text };
                    }
                    None
                }
            },
        }
    }
}
