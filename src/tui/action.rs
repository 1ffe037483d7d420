//! Every intent the review screen understands, named after what the user means, not the key.

/// One user intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Next identity (or next entry of the card, next item while choosing).
    Next,
    /// Previous identity (or entry, or item).
    Prev,
    /// A page down.
    PageDown,
    /// A page up.
    PageUp,
    /// First identity (or first entry of the card).
    Top,
    /// Last identity (or last entry of the card).
    Bottom,
    /// The card's next section.
    NextSection,
    /// The card's previous section.
    PrevSection,
    /// Move focus between the queue and the card.
    ToggleFocus,
    /// Start a keep decision.
    Keep,
    /// Start a reduce decision.
    Reduce,
    /// Start a revoke decision.
    Revoke,
    /// Withdraw the standing decision (recorded as a superseding record).
    Undo,
    /// Mark or unmark the item under the cursor for removal.
    ToggleItem,
    /// Accept the current step.
    Confirm,
    /// Leave the current step without recording anything.
    Cancel,
    /// Show or hide the key help.
    Help,
    /// Re-attest last campaign's keep for an unchanged identity.
    Reattest,
    /// Confirm, as a second reviewer, a keep that waits for its second review.
    SecondReview,
    /// Start the suggested verdict's flow.
    AcceptSuggestion,
    /// Edit the business function.
    EditFunction,
    /// Set the owner.
    SetOwner,
    /// Search by text.
    Search,
    /// Choose a filter.
    Filter,
    /// Next sort order.
    Sort,
    /// Mark or unmark for a bulk decision.
    Mark,
    /// Mark every identity the current filter and search show.
    MarkAll,
    /// Mark the identity unused by design, with a reason (or change or withdraw the mark).
    ExpectUnused,
    /// Clear marks, then search and filter.
    ClearView,
    /// Leave the review.
    Quit,
    /// A lowercase verdict letter: the verdict is on the capital, so a stray key never decides.
    Misfire(char),
    /// A key bound to nothing here.
    Unbound(char),
    /// Text entry: type a character.
    Char(char),
    /// Text entry: delete before the cursor.
    Backspace,
    /// Text entry: delete at the cursor.
    Delete,
    /// Text entry: cursor left.
    Left,
    /// Text entry: cursor right.
    Right,
    /// Text entry: cursor to start.
    Home,
    /// Text entry: cursor to end.
    End,
    /// Text entry: clear the line.
    Clear,
}

impl Action {
    /// Whether the action is for changing the review (a decision, an edit, a mark that records,
    /// marking identities for a decision): none is possible in a closed campaign, so the
    /// footer does not offer them.
    pub fn changes_the_review(self) -> bool {
        matches!(
            self,
            Action::Mark
                | Action::MarkAll
                | Action::Keep
                | Action::Reduce
                | Action::Revoke
                | Action::Undo
                | Action::Reattest
                | Action::SecondReview
                | Action::AcceptSuggestion
                | Action::EditFunction
                | Action::SetOwner
                | Action::ExpectUnused
        )
    }
}
