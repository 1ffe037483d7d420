//! Putting a decision together: which texts a verdict needs (asked of the review's rules), the
//! steps that collect them, and the request the run loop records.

use std::collections::BTreeSet;

use super::{After, App, Effect, Mode, TextField};
use crate::model::{DecisionAction, ItemRef, Verdict};
use crate::review::DecisionRequest;
use crate::review::rules;
use crate::tui::action::Action;
use crate::tui::card::entry_of_item;

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

/// A decision being put together, for the selected identity or the marked set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Verdict.
    pub verdict: Verdict,
    /// Decide or re-attest.
    pub action: DecisionAction,
    /// What a reduce removes.
    pub removed: Vec<ItemRef>,
    /// Owner typed (keep of an identity without one).
    pub owner: Option<String>,
    /// Business function typed (`None`: not asked, the one in force stands).
    pub function: Option<String>,
    /// Decide the marked set rather than the selected identity.
    pub bulk: bool,
}

impl Draft {
    fn new(verdict: Verdict, bulk: bool, removed: Vec<ItemRef>) -> Draft {
        Draft {
            verdict,
            action: DecisionAction::Decide,
            removed,
            owner: None,
            function: None,
            bulk,
        }
    }
}

impl App {
    /// A verdict key (or undo, re-attest, suggestion) in the queue or the card.
    pub(super) fn decision_key(&mut self, action: Action) -> Option<Effect> {
        let deciding = matches!(
            action,
            Action::Keep
                | Action::Reduce
                | Action::Revoke
                | Action::Undo
                | Action::Reattest
                | Action::AcceptSuggestion
                | Action::SecondReview
        );
        if !deciding {
            return None;
        }
        self.status = None;
        if !self.campaign.is_open() {
            self.error(
                rules::RuleError::Closed {
                    campaign: self.campaign.name.clone(),
                }
                .to_string(),
            );
            return None;
        }
        let bulk = !self.marked.is_empty();
        match action {
            Action::Keep if bulk => self.bulk_keep(),
            Action::Keep => self.start(Draft::new(Verdict::Keep, false, Vec::new())),
            Action::Reduce if bulk => {
                self.error("reduce is decided one identity at a time: clear the marks with Esc");
                None
            }
            Action::Reduce => self.start_reduce(BTreeSet::new()),
            Action::Revoke => {
                self.mode = Mode::ConfirmRevoke { bulk };
                None
            }
            Action::AcceptSuggestion if bulk => {
                self.error(
                    "suggestions are taken one identity at a time: clear the marks with Esc",
                );
                None
            }
            Action::AcceptSuggestion => self.accept_suggestion(),
            Action::Reattest if bulk => self.start(Draft {
                action: DecisionAction::Reattest,
                ..Draft::new(Verdict::Keep, true, Vec::new())
            }),
            Action::Reattest => self.reattest(),
            Action::SecondReview if bulk => {
                self.error("second reviews are one identity at a time: clear the marks with Esc");
                None
            }
            Action::SecondReview => self.second_review(),
            Action::Undo if bulk => {
                self.error("undo is one identity at a time: clear the marks with Esc");
                None
            }
            _ => self.undo(),
        }
    }

    fn bulk_keep(&mut self) -> Option<Effect> {
        let missing = self.marked.values().filter(|m| m.owner.is_none()).count();
        if missing > 0 {
            self.error(format!(
                "{}: {missing} of the {} marked identities have none (set each one's owner first)",
                rules::RuleError::KeepNeedsOwner {
                    name: "each marked identity".into()
                },
                self.marked.len()
            ));
            return None;
        }
        self.start(Draft::new(Verdict::Keep, true, Vec::new()))
    }

    fn start_reduce(&mut self, marked: BTreeSet<usize>) -> Option<Effect> {
        if self.card.as_ref().is_none_or(|c| c.items().is_empty()) {
            self.error("this identity has no credentials or grants to remove: keep or revoke it");
            return None;
        }
        let first = marked.iter().next().copied().unwrap_or(0);
        self.card_sel = entry_of_item(&self.entries, first).unwrap_or(0);
        self.mode = Mode::Select { marked };
        None
    }

    /// The removable item at the card's selection, if it is one.
    fn selected_item(&self) -> Option<usize> {
        self.entries.get(self.card_sel).and_then(|e| e.item)
    }

    /// Move the selection to the next (or previous) removable item.
    fn step_item(&mut self, forward: bool) {
        let items = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.item.is_some())
            .map(|(i, _)| i);
        let to = if forward {
            items.filter(|i| *i > self.card_sel).min()
        } else {
            items.filter(|i| *i < self.card_sel).max()
        };
        if let Some(to) = to {
            self.card_sel = to;
        }
    }

    fn accept_suggestion(&mut self) -> Option<Effect> {
        let card = self.card.as_ref()?;
        let suggestion = card.ctx.suggestion.clone();
        match suggestion.verdict {
            Verdict::Keep => self.start(Draft::new(Verdict::Keep, false, Vec::new())),
            Verdict::Revoke => {
                self.mode = Mode::ConfirmRevoke { bulk: false };
                None
            }
            Verdict::Reduce => {
                let marked = card
                    .items()
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| suggestion.remove.contains(r))
                    .map(|(i, _)| i)
                    .collect();
                self.start_reduce(marked)
            }
        }
    }

    fn reattest(&mut self) -> Option<Effect> {
        let card = self.card.as_ref()?;
        if let Some(why) = card.ctx.why_not_reattest() {
            self.error(format!("nothing to re-attest: {why}"));
            return None;
        }
        let draft = Draft {
            action: DecisionAction::Reattest,
            ..Draft::new(Verdict::Keep, false, Vec::new())
        };
        if card.ctx.keep_justification().is_some() {
            return self.start(draft);
        }
        Some(self.request(&draft, ""))
    }

    fn second_review(&mut self) -> Option<Effect> {
        let card = self.card.as_ref()?;
        let m = &card.ctx.member;
        if !(m.verdict == Some(Verdict::Keep) && m.second_review && m.confirmed_by.is_none()) {
            self.error("no keep of this identity waits for a second review");
            return None;
        }
        Some(Effect::Confirm(crate::review::ConfirmRequest {
            campaign: self.campaign.name.clone(),
            identity: card.ctx.identity.short_id.clone(),
            justification: String::new(),
            reviewer: self.reviewer.clone(),
            at: self.now,
        }))
    }

    fn undo(&mut self) -> Option<Effect> {
        let card = self.card.as_ref()?;
        if let Err(e) = rules::check_undo(card.ctx.member.verdict, &card.ctx.identity.name) {
            self.error(e.to_string());
            return None;
        }
        let request = DecisionRequest {
            campaign: self.campaign.name.clone(),
            identities: vec![card.ctx.identity.short_id.clone()],
            action: DecisionAction::Undo,
            verdict: None,
            remove: Vec::new(),
            owner: None,
            function: None,
            justification: String::new(),
            reviewer: self.reviewer.clone(),
            at: self.now,
        };
        Some(Effect::Decide {
            request,
            after: After::Stay,
        })
    }

    /// Why the justification is required for this draft, if it is.
    pub fn justification_needed(&self, draft: &Draft) -> Option<&'static str> {
        if draft.bulk {
            return match draft.verdict {
                Verdict::Keep => self.marked.values().find_map(|m| m.keep_needs_why),
                v => rules::justification_required(v, v, false),
            };
        }
        let card = self.card.as_ref()?;
        rules::justification_required(
            draft.verdict,
            card.ctx.suggestion.verdict,
            card.ctx.identity.has_admin_grant(),
        )
    }

    /// Open the text a draft needs next, after `field` (or the first one); record the decision
    /// when none is left.
    pub(super) fn next_field(&mut self, draft: Draft, after: Option<Field>) -> Option<Effect> {
        let owner_in_force = self.card.as_ref().and_then(|c| c.ctx.member.owner.clone());
        let deciding = draft.action == DecisionAction::Decide;
        let needs_owner = deciding
            && rules::needs_owner(draft.verdict)
            && !draft.bulk
            && owner_in_force.is_none();
        let asks_function = deciding && draft.verdict != Verdict::Revoke;
        let asks_justification = deciding || self.justification_needed(&draft).is_some();
        let order = [
            (Field::Owner, needs_owner),
            (Field::Function, asks_function),
            (Field::Justification, asks_justification),
        ];
        let from = match after {
            None => 0,
            Some(f) => order.iter().position(|(o, _)| *o == f).map_or(0, |i| i + 1),
        };
        let Some((field, _)) = order[from..].iter().find(|(_, asked)| *asked) else {
            return Some(self.request(&draft, ""));
        };
        let initial = match field {
            Field::Function => draft.function.clone().unwrap_or_else(|| {
                if draft.bulk {
                    String::new()
                } else {
                    self.card
                        .as_ref()
                        .and_then(|c| c.ctx.member.function.clone())
                        .unwrap_or_default()
                }
            }),
            _ => String::new(),
        };
        self.mode = Mode::Input {
            draft,
            field: *field,
            text: TextField::with(&initial),
        };
        None
    }

    pub(super) fn start(&mut self, draft: Draft) -> Option<Effect> {
        self.next_field(draft, None)
    }

    /// The request that records a draft.
    fn request(&self, draft: &Draft, justification: &str) -> Effect {
        let identities = if draft.bulk {
            self.marked.values().map(|m| m.short_id.clone()).collect()
        } else {
            self.card
                .iter()
                .map(|c| c.ctx.identity.short_id.clone())
                .collect()
        };
        Effect::Decide {
            request: DecisionRequest {
                campaign: self.campaign.name.clone(),
                identities,
                action: draft.action,
                verdict: Some(draft.verdict),
                remove: draft.removed.iter().map(ItemRef::reference).collect(),
                owner: draft.owner.clone(),
                function: draft.function.clone(),
                justification: justification.to_owned(),
                reviewer: self.reviewer.clone(),
                at: self.now,
            },
            after: After::Next,
        }
    }

    pub(super) fn confirm_revoke(&mut self, action: Action, bulk: bool) -> Option<Effect> {
        match action {
            Action::Confirm => return self.start(Draft::new(Verdict::Revoke, bulk, Vec::new())),
            Action::Cancel => {
                self.mode = Mode::Browse;
                self.news("revoke cancelled: nothing recorded");
            }
            _ => {}
        }
        None
    }

    pub(super) fn select(&mut self, action: Action, mut marked: BTreeSet<usize>) -> Option<Effect> {
        let items = self.card.as_ref().map(|c| c.items()).unwrap_or_default();
        match action {
            Action::Next => self.step_item(true),
            Action::Prev => self.step_item(false),
            Action::ToggleItem => {
                if let Some(item) = self.selected_item()
                    && !marked.remove(&item)
                {
                    marked.insert(item);
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
                    self.status = None;
                    return self.start(Draft::new(Verdict::Reduce, false, removed));
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

    pub(super) fn input(
        &mut self,
        action: Action,
        mut draft: Draft,
        field: Field,
        mut text: TextField,
    ) -> Option<Effect> {
        match action {
            Action::Cancel => {
                self.mode = Mode::Browse;
                self.news(format!("{} cancelled: nothing recorded", draft.verdict));
                None
            }
            Action::Confirm => {
                let value = text.value.trim().to_owned();
                let refused = match field {
                    Field::Owner if value.is_empty() => Some(
                        rules::RuleError::KeepNeedsOwner {
                            name: self.subject_name(&draft),
                        }
                        .to_string(),
                    ),
                    Field::Function if value.is_empty() && rules::needs_function(draft.verdict) => {
                        Some(
                            rules::RuleError::KeepNeedsFunction {
                                name: self.subject_name(&draft),
                            }
                            .to_string(),
                        )
                    }
                    Field::Justification if value.is_empty() => {
                        self.justification_needed(&draft).map(|why| {
                            rules::RuleError::NeedsJustification {
                                verdict: draft.verdict,
                                why,
                            }
                            .to_string()
                        })
                    }
                    _ => None,
                };
                if let Some(e) = refused {
                    self.error(e);
                    return None;
                }
                self.status = None;
                match field {
                    Field::Owner => draft.owner = Some(value),
                    Field::Function => draft.function = Some(value),
                    Field::Justification => return Some(self.request(&draft, &value)),
                }
                self.next_field(draft, Some(field))
            }
            other => {
                if text.edit(other) {
                    self.mode = Mode::Input { draft, field, text };
                }
                None
            }
        }
    }

    fn subject_name(&self, draft: &Draft) -> String {
        if draft.bulk {
            crate::text::counted(
                self.marked.len() as u64,
                "marked identity",
                "marked identities",
            )
        } else {
            self.card
                .as_ref()
                .map(|c| c.ctx.identity.name.clone())
                .unwrap_or_default()
        }
    }
}
