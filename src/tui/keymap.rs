//! Keys as data: one table maps (layer, key) to an action with its hint and help text. The
//! footer, the help overlay and the messages about keys are generated from it, so they can never
//! disagree with what the keys do. Verdicts are on capital letters: a stray lowercase key never
//! decides anything.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;

/// Which bindings are live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Moving through the queue.
    Queue,
    /// Focus on the identity card.
    Card,
    /// Choosing what a reduce removes.
    Select,
    /// Confirming a revoke or a "mark all".
    Confirm,
    /// Typing a business function, owner or justification.
    Input,
    /// Typing a search.
    Search,
    /// Choosing from a menu (filters).
    Menu,
    /// The help overlay.
    Help,
}

impl Layer {
    /// Title in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Layer::Queue => "Queue",
            Layer::Card => "Identity card (Enter from the queue; the queue's keys work too)",
            Layer::Select => "Choosing what a reduce removes",
            Layer::Confirm => "Confirming",
            Layer::Input => "Typing text",
            Layer::Search => "Searching",
            Layer::Menu => "Filter menu",
            Layer::Help => "Help",
        }
    }

    /// Layers in help order.
    pub const HELP_ORDER: [Layer; 8] = [
        Layer::Queue,
        Layer::Card,
        Layer::Select,
        Layer::Confirm,
        Layer::Input,
        Layer::Search,
        Layer::Menu,
        Layer::Help,
    ];
}

/// A key: code plus whether Ctrl is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Key code.
    pub code: KeyCode,
    /// Ctrl held.
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// One binding.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies.
    pub layer: Layer,
    /// The keys (the first is shown in hints).
    pub keys: &'static [Key],
    /// What it does.
    pub action: Action,
    /// Short footer hint; empty keeps it out of the footer.
    pub hint: &'static str,
    /// Help text.
    pub help: &'static str,
}

use KeyCode::{
    Backspace, Delete, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up,
};

macro_rules! bindings {
    ($($layer:ident [$($key:expr),+] $action:expr, $hint:literal, $help:literal;)+) => {
        /// The default keymap.
        pub const BINDINGS: &[Binding] = &[
            $(Binding { layer: Layer::$layer, keys: &[$($key),+], action: $action, hint: $hint, help: $help },)+
        ];
    };
}

bindings! {
    Queue [ch('j'), code(Down)] Action::Next, "j/k move", "next identity";
    Queue [ch('k'), code(Up)] Action::Prev, "", "previous identity";
    Queue [code(PageDown), ctrl('d')] Action::PageDown, "", "page down";
    Queue [code(PageUp), ctrl('u')] Action::PageUp, "", "page up";
    Queue [ch('g'), code(Home)] Action::Top, "", "first identity";
    Queue [ch('G'), code(End)] Action::Bottom, "", "last identity";
    Queue [code(Enter), code(Tab)] Action::ToggleFocus, "Enter card", "read the identity card";
    Queue [ch('K')] Action::Keep, "K keep", "keep: owner, business function";
    Queue [ch('R')] Action::Reduce, "R reduce", "reduce: mark items, justify";
    Queue [ch('X')] Action::Revoke, "X revoke", "revoke: confirm, justify";
    Queue [ch('a')] Action::AcceptSuggestion, "a suggested", "start the suggested verdict";
    Queue [ch('A')] Action::Reattest, "", "re-attest last campaign's unchanged keep";
    Queue [ch('u')] Action::Undo, "", "undo the standing decision";
    Queue [ch('C')] Action::SecondReview, "", "confirm a keep as second reviewer";
    Queue [ch('o')] Action::SetOwner, "", "set the accountable owner";
    Queue [ch('e')] Action::EditFunction, "", "edit the business function";
    Queue [ch('U')] Action::ExpectUnused, "", "mark unused by design (a reason)";
    Queue [ch('/')] Action::Search, "/ search", "search name, id, owner";
    Queue [ch('f')] Action::Filter, "f filter", "show only…";
    Queue [ch('s')] Action::Sort, "", "next sort order";
    Queue [ch('v')] Action::Mark, "v mark", "mark for a bulk decision";
    Queue [ch('V')] Action::MarkAll, "V mark all", "mark everything shown";
    Queue [code(Esc)] Action::ClearView, "", "clear marks, then filter";
    Queue [ch('?')] Action::Help, "? help", "all keys and signal badges";
    Queue [ch('q'), ctrl('c')] Action::Quit, "q quit", "quit (all is saved)";
    Card [ch('j'), code(Down)] Action::Next, "j/k read", "next line of the card";
    Card [ch('k'), code(Up)] Action::Prev, "", "previous line";
    Card [code(PageDown), ctrl('d')] Action::PageDown, "", "page down the card";
    Card [code(PageUp), ctrl('u')] Action::PageUp, "", "page up the card";
    Card [ch(']')] Action::NextSection, "]/[ section", "next section";
    Card [ch('[')] Action::PrevSection, "", "previous section";
    Card [ch('g'), code(Home)] Action::Top, "", "top of the card";
    Card [ch('G'), code(End)] Action::Bottom, "", "end of the card";
    Card [code(Esc), code(Tab)] Action::ToggleFocus, "Esc queue", "back to the queue";
    Card [ch('K')] Action::Keep, "K keep", "keep";
    Card [ch('R')] Action::Reduce, "R reduce", "reduce";
    Card [ch('X')] Action::Revoke, "X revoke", "revoke";
    Card [ch('a')] Action::AcceptSuggestion, "", "start the suggested verdict";
    Card [ch('A')] Action::Reattest, "", "re-attest";
    Card [ch('u')] Action::Undo, "", "undo";
    Card [ch('C')] Action::SecondReview, "", "confirm as second reviewer";
    Card [ch('o')] Action::SetOwner, "", "set the owner";
    Card [ch('e')] Action::EditFunction, "", "edit the function";
    Card [ch('U')] Action::ExpectUnused, "", "mark unused by design";
    Card [ch('?')] Action::Help, "? help", "help";
    Card [ch('q'), ctrl('c')] Action::Quit, "q quit", "quit";
    Select [ch('j'), code(Down)] Action::Next, "j/k item", "next removable item";
    Select [ch('k'), code(Up)] Action::Prev, "", "previous removable item";
    Select [ch(' ')] Action::ToggleItem, "Space mark", "mark or unmark for removal";
    Select [code(Enter)] Action::Confirm, "Enter next", "done: on to the justification";
    Select [code(Esc)] Action::Cancel, "Esc cancel", "cancel the reduce";
    Confirm [ch('y'), code(Enter)] Action::Confirm, "y yes", "yes";
    Confirm [ch('n'), code(Esc)] Action::Cancel, "n/Esc no", "no, nothing happens";
    Input [code(Enter)] Action::Confirm, "Enter accept", "accept the text";
    Input [code(Esc)] Action::Cancel, "Esc cancel", "cancel: nothing recorded";
    Input [code(Backspace)] Action::Backspace, "", "delete before the cursor";
    Input [code(Delete)] Action::Delete, "", "delete at the cursor";
    Input [code(Left)] Action::Left, "", "cursor left";
    Input [code(Right)] Action::Right, "", "cursor right";
    Input [code(Home), ctrl('a')] Action::Home, "", "start of line";
    Input [code(End), ctrl('e')] Action::End, "", "end of line";
    Input [ctrl('u')] Action::Clear, "", "clear the line";
    Search [code(Enter)] Action::Confirm, "Enter keep", "keep the search";
    Search [code(Esc)] Action::Cancel, "Esc clear", "clear the search";
    Search [code(Backspace)] Action::Backspace, "", "delete before the cursor";
    Search [code(Delete)] Action::Delete, "", "delete at the cursor";
    Search [code(Left)] Action::Left, "", "cursor left";
    Search [code(Right)] Action::Right, "", "cursor right";
    Search [code(Home), ctrl('a')] Action::Home, "", "start of line";
    Search [code(End), ctrl('e')] Action::End, "", "end of line";
    Search [ctrl('u')] Action::Clear, "", "clear the line";
    Menu [ch('j'), code(Down)] Action::Next, "j/k choose", "next choice";
    Menu [ch('k'), code(Up)] Action::Prev, "", "previous choice";
    Menu [code(Enter)] Action::Confirm, "Enter apply", "show only this";
    Menu [code(Esc)] Action::Cancel, "Esc cancel", "leave it as it was";
    Help [ch('?'), code(Esc), ch('q')] Action::Help, "? close", "close the help";
    Help [ch('j'), code(Down)] Action::Next, "j/k scroll", "scroll down";
    Help [ch('k'), code(Up)] Action::Prev, "", "scroll up";
    Help [code(PageDown), ch(' '), ctrl('d')] Action::PageDown, "", "page down";
    Help [code(PageUp), ctrl('u')] Action::PageUp, "", "page up";
    Help [ch('g'), code(Home)] Action::Top, "", "top";
    Help [ch('G'), code(End)] Action::Bottom, "", "end";
}

/// Resolve a key event in a layer. In text entry, unbound printable keys type themselves; in
/// the queue and the card, a lowercase verdict letter is a misfire and any other unbound
/// letter is unknown (both say so instead of doing nothing in silence).
pub fn resolve(layer: Layer, event: KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl_held = event.modifiers.contains(KeyModifiers::CONTROL);
    let pressed = Key {
        code: event.code,
        ctrl: ctrl_held,
    };
    let find = |layer: Layer| {
        BINDINGS
            .iter()
            .find(|b| b.layer == layer && b.keys.contains(&pressed))
            .map(|b| b.action)
    };
    // The card answers the queue's keys too (search, filter, marks): they act on the queue.
    let bound = find(layer).or_else(|| (layer == Layer::Card).then(|| find(Layer::Queue))?);
    if bound.is_some() {
        return bound;
    }
    match (layer, event.code) {
        (Layer::Input | Layer::Search, KeyCode::Char(c)) if !ctrl_held => Some(Action::Char(c)),
        (Layer::Queue | Layer::Card, KeyCode::Char(c)) if !ctrl_held => Some(
            if verdict_key(c.to_ascii_uppercase()).is_some() && c.is_lowercase() {
                Action::Misfire(c)
            } else {
                Action::Unbound(c)
            },
        ),
        _ => None,
    }
}

/// The verdict binding of a queue key, if it is one.
fn verdict_key(c: char) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| {
        b.layer == Layer::Queue
            && b.keys.contains(&ch(c))
            && matches!(b.action, Action::Keep | Action::Reduce | Action::Revoke)
    })
}

/// What the status line says of a lowercase verdict letter.
pub fn misfire_text(c: char) -> String {
    let upper = c.to_ascii_uppercase();
    match verdict_key(upper) {
        Some(b) => format!(
            "'{c}' does nothing: {} is {upper} (capital), so a stray key never decides",
            b.help.split(':').next().unwrap_or(b.help)
        ),
        None => format!("unknown key '{c}' — ? for help"),
    }
}

/// How a key is written in hints and help.
pub fn key_label(key: &Key) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        other => format!("{other:?}"),
    };
    if key.ctrl {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

/// Footer hints of a layer, in table order.
pub fn hints(layer: Layer) -> Vec<&'static str> {
    hints_where(layer, |_| true)
}

fn hints_where(layer: Layer, offered: impl Fn(Action) -> bool) -> Vec<&'static str> {
    BINDINGS
        .iter()
        .filter(|b| b.layer == layer && !b.hint.is_empty() && offered(b.action))
        .map(|b| b.hint)
        .collect()
}

/// The hints that fit `width` columns, in table order, always keeping help and quit (the ways
/// to every other key and out).
pub fn footer(layer: Layer, width: usize) -> Vec<&'static str> {
    fit(hints(layer), width)
}

/// [`footer`] of a closed campaign: nothing that would change the review is offered.
pub fn footer_closed(layer: Layer, width: usize) -> Vec<&'static str> {
    fit(hints_where(layer, |a| !a.changes_the_review()), width)
}

fn fit(all: Vec<&'static str>, width: usize) -> Vec<&'static str> {
    fn kept(h: &str) -> bool {
        h.starts_with("? ") || h.starts_with("q ")
    }
    let sep = 3;
    let reserved: usize = all
        .iter()
        .filter(|h| kept(h))
        .map(|h| crate::text::width(h) + sep)
        .sum();
    let mut room = width.saturating_sub(1 + reserved);
    let mut shown = Vec::new();
    for h in &all {
        if kept(h) {
            shown.push(*h);
            continue;
        }
        let cost = crate::text::width(h) + sep;
        if cost <= room {
            room -= cost;
            shown.push(*h);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_resolve_per_layer() {
        let cases = [
            (Layer::Queue, KeyCode::Char('j'), Some(Action::Next)),
            (Layer::Queue, KeyCode::Down, Some(Action::Next)),
            (Layer::Queue, KeyCode::Char('K'), Some(Action::Keep)),
            (Layer::Queue, KeyCode::Char('X'), Some(Action::Revoke)),
            (Layer::Queue, KeyCode::Char('x'), Some(Action::Misfire('x'))),
            (Layer::Queue, KeyCode::Char('r'), Some(Action::Misfire('r'))),
            (Layer::Queue, KeyCode::Char('z'), Some(Action::Unbound('z'))),
            (Layer::Card, KeyCode::Char(']'), Some(Action::NextSection)),
            (Layer::Card, KeyCode::Char('/'), Some(Action::Search)),
            (Layer::Card, KeyCode::Char('x'), Some(Action::Misfire('x'))),
            (Layer::Select, KeyCode::Char(' '), Some(Action::ToggleItem)),
            (Layer::Confirm, KeyCode::Char('y'), Some(Action::Confirm)),
            (Layer::Confirm, KeyCode::Char('X'), None),
            (Layer::Input, KeyCode::Char('K'), Some(Action::Char('K'))),
            (Layer::Input, KeyCode::Char('q'), Some(Action::Char('q'))),
            (Layer::Input, KeyCode::Esc, Some(Action::Cancel)),
            (Layer::Search, KeyCode::Char('j'), Some(Action::Char('j'))),
            (Layer::Queue, KeyCode::Char('/'), Some(Action::Search)),
            (Layer::Menu, KeyCode::Enter, Some(Action::Confirm)),
        ];
        for (layer, code, want) in cases {
            assert_eq!(resolve(layer, press(code)), want, "{layer:?} {code:?}");
        }
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(resolve(Layer::Queue, ctrl_c), Some(Action::Quit));
        assert_eq!(
            resolve(Layer::Input, ctrl_c),
            None,
            "Ctrl-C does not type a c"
        );
    }

    #[test]
    fn a_lowercase_verdict_says_which_key_decides() {
        assert_eq!(
            misfire_text('x'),
            "'x' does nothing: revoke is X (capital), so a stray key never decides"
        );
        assert!(misfire_text('r').contains("reduce is R"));
    }

    #[test]
    fn no_key_is_bound_twice_in_a_layer() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.layer == b.layer {
                    for k in a.keys {
                        assert!(
                            !b.keys.contains(k),
                            "{:?} bound twice in {:?}",
                            key_label(k),
                            a.layer
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_footer_fits_and_always_keeps_help_and_quit() {
        for width in [40, 60, 80, 120] {
            let shown = footer(Layer::Queue, width);
            let text = shown.join(" · ");
            assert!(crate::text::width(&text) < width, "{width}: {text}");
            assert!(
                shown.contains(&"? help") && shown.contains(&"q quit"),
                "{width}"
            );
        }
        assert!(footer(Layer::Queue, 200).contains(&"/ search"));
        assert_eq!(hints(Layer::Confirm), ["y yes", "n/Esc no"]);
    }

    #[test]
    fn a_closed_campaign_s_footer_offers_no_decision_or_edit() {
        for layer in [Layer::Queue, Layer::Card] {
            let open = footer(layer, 300);
            let closed = footer_closed(layer, 300);
            assert!(open.contains(&"K keep"), "{open:?}");
            for gone in ["K keep", "R reduce", "X revoke"] {
                assert!(!closed.contains(&gone), "{layer:?}: {closed:?}");
            }
            assert!(closed.contains(&"? help") && closed.contains(&"q quit"));
            assert!(closed.len() < open.len());
        }
    }
}
