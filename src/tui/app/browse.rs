//! Moving through the queue and the card, searching, filtering, sorting, marking (one by one or
//! everything a filter shows), and editing the owner, business function or expected-unused mark.

use super::{Anchor, App, EditWhat, Effect, Marked, Mode, PAGE, TextField};
use crate::db::QueueFilter;
use crate::model::Verdict;
use crate::review::Annotation;
use crate::tui::action::Action;
use crate::tui::card::next_heading;
use crate::tui::keymap;

/// "Mark all" stops here: a bulk decision over more is better scripted (`decide`).
pub const MARK_ALL_LIMIT: u64 = 100_000;

impl App {
    pub(super) fn move_to(&mut self, row: u64) -> Option<Effect> {
        let row = row.min(self.total.saturating_sub(1));
        if row == self.cursor {
            return None;
        }
        self.cursor = row;
        Some(Effect::Load(row))
    }

    /// Move the card's selection (card focus).
    fn select_entry(&mut self, to: usize) {
        self.card_sel = to.min(self.entries.len().saturating_sub(1));
    }

    fn card_key(&mut self, action: Action) -> Option<Option<Effect>> {
        let last = self.entries.len().saturating_sub(1);
        let page = PAGE as usize;
        let to = match action {
            Action::Next => self.card_sel + 1,
            Action::Prev => self.card_sel.saturating_sub(1),
            Action::PageDown => self.card_sel + page,
            Action::PageUp => self.card_sel.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => last,
            Action::NextSection => next_heading(&self.entries, self.card_sel, true)?,
            Action::PrevSection => next_heading(&self.entries, self.card_sel, false)?,
            _ => return None,
        };
        self.select_entry(to);
        Some(None)
    }

    pub(super) fn browse(&mut self, action: Action) -> Option<Effect> {
        let in_card = self.mode == Mode::Card;
        if in_card && let Some(done) = self.card_key(action) {
            return done;
        }
        match action {
            Action::Quit => {
                self.quit = true;
                None
            }
            Action::Next => self.move_to(self.cursor + 1),
            Action::Prev => self.move_to(self.cursor.saturating_sub(1)),
            Action::PageDown => self.move_to(self.cursor + PAGE),
            Action::PageUp => self.move_to(self.cursor.saturating_sub(PAGE)),
            Action::Top => self.move_to(0),
            Action::Bottom => self.move_to(self.total.saturating_sub(1)),
            Action::NextSection | Action::PrevSection => None,
            Action::ToggleFocus => {
                self.mode = if in_card { Mode::Browse } else { Mode::Card };
                self.card_sel = 0;
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
            Action::ClearView => self.clear_view(),
            Action::MarkAll => self.ask_mark_all(),
            Action::Misfire(c) => {
                self.error(keymap::misfire_text(c));
                None
            }
            Action::Unbound(c) => {
                self.error(format!("unknown key '{c}' — ? for help"));
                None
            }
            _ if self.card.is_none() => {
                self.error("nothing selected");
                None
            }
            Action::Mark => self.toggle_mark(),
            Action::EditFunction | Action::SetOwner | Action::ExpectUnused => {
                self.start_edit(action)
            }
            other => self.decision_key(other),
        }
    }

    fn clear_view(&mut self) -> Option<Effect> {
        if !self.marked.is_empty() {
            self.marked.clear();
            self.news("marks cleared");
            None
        } else if self.view.is_narrowed() {
            self.view.filter = QueueFilter::All;
            self.view.search.clear();
            self.news("filter and search cleared: showing everything");
            Some(Effect::Reload(self.anchor_here()))
        } else {
            None
        }
    }

    fn toggle_mark(&mut self) -> Option<Effect> {
        let card = self.card.as_ref()?;
        let id = card.id();
        if self.marked.remove(&id).is_none() {
            self.marked.insert(
                id,
                Marked {
                    short_id: card.ctx.identity.short_id.clone(),
                    owner: card.ctx.member.owner.clone(),
                    keep_needs_why: card.ctx.keep_justification(),
                },
            );
        }
        self.move_to(self.cursor + 1)
    }

    fn ask_mark_all(&mut self) -> Option<Effect> {
        if self.total == 0 {
            self.error("nothing shown to mark");
        } else if self.total > MARK_ALL_LIMIT {
            self.error(format!(
                "{} shown: narrow the filter or search to {MARK_ALL_LIMIT} or fewer, or script it with 'nhi-review decide'",
                self.total
            ));
        } else {
            self.mode = Mode::ConfirmMarkAll { count: self.total };
        }
        None
    }

    pub(super) fn confirm_mark_all(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Confirm => Some(Effect::MarkAll),
            Action::Cancel => {
                self.mode = Mode::Browse;
                self.news("nothing marked");
                None
            }
            _ => None,
        }
    }

    fn start_edit(&mut self, action: Action) -> Option<Effect> {
        if !self.campaign.is_open() {
            self.error(format!(
                "campaign '{}' is closed: nothing can change",
                self.campaign.name
            ));
            return None;
        }
        let member = &self.card.as_ref()?.ctx.member;
        let (what, value) = match action {
            Action::SetOwner => (EditWhat::Owner, member.owner.clone()),
            Action::ExpectUnused => (EditWhat::ExpectedUnused, member.expected_unused.clone()),
            _ => (EditWhat::Function, member.function.clone()),
        };
        self.mode = Mode::Edit {
            what,
            text: TextField::with(value.as_deref().unwrap_or("")),
        };
        None
    }

    pub(super) fn edit(
        &mut self,
        action: Action,
        what: EditWhat,
        mut text: TextField,
    ) -> Option<Effect> {
        match action {
            Action::Cancel => {
                self.mode = Mode::Browse;
                self.news("edit cancelled: nothing recorded");
                None
            }
            Action::Confirm => {
                let card = self.card.as_ref()?;
                let value = text.value.trim().to_owned();
                let (mut owner, mut function, mut expected_unused) = (None, None, None);
                match what {
                    EditWhat::Owner => owner = Some(value),
                    EditWhat::Function => function = Some(value),
                    EditWhat::ExpectedUnused => expected_unused = Some(value),
                }
                Some(Effect::Annotate(Annotation {
                    campaign: self.campaign.name.clone(),
                    identity: card.ctx.identity.short_id.clone(),
                    owner,
                    function,
                    expected_unused,
                    reviewer: self.reviewer.clone(),
                    at: self.now,
                }))
            }
            other => {
                if text.edit(other) {
                    self.mode = Mode::Edit { what, text };
                }
                None
            }
        }
    }

    pub(super) fn search(&mut self, action: Action, mut text: TextField) -> Option<Effect> {
        match action {
            Action::Confirm => {
                self.mode = Mode::Browse;
                self.news(format!(
                    "{} shown for '{}' — Esc clears the search",
                    self.total, self.view.search
                ));
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
        }
    }

    pub(super) fn menu(
        &mut self,
        action: Action,
        options: Vec<(String, QueueFilter)>,
        selected: usize,
    ) -> Option<Effect> {
        match action {
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
                let (label, filter) = options.get(selected).cloned().unwrap_or_default();
                self.view.filter = filter;
                self.filter_label = label;
                Some(Effect::Reload(self.anchor_here()))
            }
            Action::Cancel => {
                self.mode = Mode::Browse;
                None
            }
            _ => None,
        }
    }

    pub(super) fn filter_menu(&self) -> Vec<(String, QueueFilter)> {
        let mut options = vec![
            ("everything".to_owned(), QueueFilter::All),
            ("undecided".to_owned(), QueueFilter::Undecided),
        ];
        for v in Verdict::ALL {
            options.push((format!("verdict: {v}"), QueueFilter::Verdict(*v)));
        }
        options.push((
            "unchanged keeps of the last campaign (A re-attests)".to_owned(),
            QueueFilter::CarryForward,
        ));
        options.push(("no owner".to_owned(), QueueFilter::NoOwner));
        options.extend(
            self.facets
                .0
                .iter()
                .map(|p| (format!("provider: {p}"), QueueFilter::Provider(p.clone()))),
        );
        options.extend(self.facets.1.iter().map(|c| {
            (
                format!("{} {}", c.badge(), c.info().meaning),
                QueueFilter::Signal(*c),
            )
        }));
        if let Some(owner) = self.card.as_ref().and_then(|c| c.ctx.member.owner.clone()) {
            options.push((
                format!("owner: {}", crate::text::inert(&owner)),
                QueueFilter::Owner(owner),
            ));
        }
        options
    }

    /// After a reload, say what the filter now shows (the count is known only then).
    pub fn filtered(&mut self) {
        if self.filter_label.is_empty() {
            return;
        }
        let label = std::mem::take(&mut self.filter_label);
        if self.view.filter == QueueFilter::All {
            self.news(format!(
                "showing everything: {}",
                crate::text::counted(self.total, "identity", "identities")
            ));
        } else {
            self.news(format!(
                "showing only {label}: {} — Esc shows everything",
                self.total
            ));
        }
    }
}
