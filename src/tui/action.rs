//! Every intent the review screen understands, named after what the user means, not the key.

/// One user intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Next identity (or next item in the card).
    Next,
    /// Previous identity (or item).
    Prev,
    /// A page down.
    PageDown,
    /// A page up.
    PageUp,
    /// First identity.
    Top,
    /// Last identity.
    Bottom,
    /// Scroll the identity card down a page.
    ScrollDown,
    /// Scroll the identity card up a page.
    ScrollUp,
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
    /// Clear marks, then search and filter.
    ClearView,
    /// Leave the review.
    Quit,
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
