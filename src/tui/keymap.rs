//! Keys as data: one table maps (mode, key) to an action with its hint. The footer and the help
//! overlay are generated from it, so they can never disagree with what the keys do.

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
    /// Confirming a revoke.
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
            Layer::Card => "Identity card",
            Layer::Select => "Choosing what to remove (reduce)",
            Layer::Confirm => "Confirming a revoke",
            Layer::Input => "Typing text",
            Layer::Search => "Searching",
            Layer::Menu => "Filter menu",
            Layer::Help => "Help",
        }
    }

    /// Layers in help order.
    pub const HELP_ORDER: [Layer; 7] = [
        Layer::Queue,
        Layer::Card,
        Layer::Select,
        Layer::Confirm,
        Layer::Input,
        Layer::Search,
        Layer::Menu,
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

use KeyCode::{Backspace, Delete, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Up};

/// The default keymap.
pub const BINDINGS: &[Binding] = &[
    Binding {
        layer: Layer::Queue,
        keys: &[ch('j'), code(Down)],
        action: Action::Next,
        hint: "j/k move",
        help: "next identity",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('k'), code(Up)],
        action: Action::Prev,
        hint: "",
        help: "previous identity",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[code(PageDown), ctrl('d')],
        action: Action::PageDown,
        hint: "",
        help: "page down",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[code(PageUp), ctrl('u')],
        action: Action::PageUp,
        hint: "",
        help: "page up",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('g'), code(Home)],
        action: Action::Top,
        hint: "",
        help: "first identity",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('G'), code(End)],
        action: Action::Bottom,
        hint: "",
        help: "last identity",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[code(Enter), code(KeyCode::Tab)],
        action: Action::ToggleFocus,
        hint: "Enter card",
        help: "open the identity card",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('K')],
        action: Action::Keep,
        hint: "K keep",
        help: "keep: name the function",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('R')],
        action: Action::Reduce,
        hint: "R reduce",
        help: "reduce: mark, justify",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('X')],
        action: Action::Revoke,
        hint: "X revoke",
        help: "revoke: confirm, justify",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('A')],
        action: Action::Reattest,
        hint: "",
        help: "re-attest unchanged keep",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('a')],
        action: Action::AcceptSuggestion,
        hint: "a suggested",
        help: "take the suggestion",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('u')],
        action: Action::Undo,
        hint: "",
        help: "undo standing decision",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('e')],
        action: Action::EditFunction,
        hint: "",
        help: "edit business function",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('o')],
        action: Action::SetOwner,
        hint: "",
        help: "set the owner",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('/')],
        action: Action::Search,
        hint: "/ search",
        help: "search name, id, owner",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('f')],
        action: Action::Filter,
        hint: "f filter",
        help: "filter the queue",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('s')],
        action: Action::Sort,
        hint: "",
        help: "next sort order",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('v')],
        action: Action::Mark,
        hint: "",
        help: "mark for a bulk decision",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[code(Esc)],
        action: Action::ClearView,
        hint: "",
        help: "clear marks, then filters",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('?')],
        action: Action::Help,
        hint: "? help",
        help: "show all keys",
    },
    Binding {
        layer: Layer::Queue,
        keys: &[ch('q'), ctrl('c')],
        action: Action::Quit,
        hint: "q quit",
        help: "quit (all is saved)",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('j'), code(Down)],
        action: Action::Next,
        hint: "j/k item",
        help: "next item",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('k'), code(Up)],
        action: Action::Prev,
        hint: "",
        help: "previous item",
    },
    Binding {
        layer: Layer::Card,
        keys: &[code(PageDown), ctrl('d')],
        action: Action::ScrollDown,
        hint: "PgDn/PgUp scroll",
        help: "scroll the card down",
    },
    Binding {
        layer: Layer::Card,
        keys: &[code(PageUp), ctrl('u')],
        action: Action::ScrollUp,
        hint: "",
        help: "scroll the card up",
    },
    Binding {
        layer: Layer::Card,
        keys: &[code(Esc), code(KeyCode::Tab)],
        action: Action::ToggleFocus,
        hint: "Esc queue",
        help: "back to the queue",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('K')],
        action: Action::Keep,
        hint: "K keep",
        help: "keep: name the function",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('R')],
        action: Action::Reduce,
        hint: "R reduce",
        help: "reduce: mark, justify",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('X')],
        action: Action::Revoke,
        hint: "X revoke",
        help: "revoke: confirm, justify",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('A')],
        action: Action::Reattest,
        hint: "",
        help: "re-attest unchanged keep",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('a')],
        action: Action::AcceptSuggestion,
        hint: "a suggested",
        help: "take the suggestion",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('u')],
        action: Action::Undo,
        hint: "",
        help: "undo standing decision",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('e')],
        action: Action::EditFunction,
        hint: "",
        help: "edit business function",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('o')],
        action: Action::SetOwner,
        hint: "",
        help: "set the owner",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('?')],
        action: Action::Help,
        hint: "? help",
        help: "show all keys",
    },
    Binding {
        layer: Layer::Card,
        keys: &[ch('q'), ctrl('c')],
        action: Action::Quit,
        hint: "q quit",
        help: "quit (all is saved)",
    },
    Binding {
        layer: Layer::Select,
        keys: &[ch('j'), code(Down)],
        action: Action::Next,
        hint: "j/k item",
        help: "next item",
    },
    Binding {
        layer: Layer::Select,
        keys: &[ch('k'), code(Up)],
        action: Action::Prev,
        hint: "",
        help: "previous item",
    },
    Binding {
        layer: Layer::Select,
        keys: &[ch(' ')],
        action: Action::ToggleItem,
        hint: "Space mark",
        help: "mark/unmark to remove",
    },
    Binding {
        layer: Layer::Select,
        keys: &[code(Enter)],
        action: Action::Confirm,
        hint: "Enter next",
        help: "done: go on to justify",
    },
    Binding {
        layer: Layer::Select,
        keys: &[code(Esc)],
        action: Action::Cancel,
        hint: "Esc cancel",
        help: "cancel the reduce",
    },
    Binding {
        layer: Layer::Confirm,
        keys: &[ch('y'), code(Enter)],
        action: Action::Confirm,
        hint: "y revoke",
        help: "yes, revoke",
    },
    Binding {
        layer: Layer::Confirm,
        keys: &[ch('n'), code(Esc)],
        action: Action::Cancel,
        hint: "n/Esc cancel",
        help: "no, cancel",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Enter)],
        action: Action::Confirm,
        hint: "Enter accept",
        help: "accept the text",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Esc)],
        action: Action::Cancel,
        hint: "Esc cancel",
        help: "cancel",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Backspace)],
        action: Action::Backspace,
        hint: "",
        help: "delete before cursor",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Delete)],
        action: Action::Delete,
        hint: "",
        help: "delete at cursor",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Left)],
        action: Action::Left,
        hint: "",
        help: "cursor left",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Right)],
        action: Action::Right,
        hint: "",
        help: "cursor right",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(Home), ctrl('a')],
        action: Action::Home,
        hint: "",
        help: "start of line",
    },
    Binding {
        layer: Layer::Input,
        keys: &[code(End), ctrl('e')],
        action: Action::End,
        hint: "",
        help: "end of line",
    },
    Binding {
        layer: Layer::Input,
        keys: &[ctrl('u')],
        action: Action::Clear,
        hint: "",
        help: "clear the line",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Enter)],
        action: Action::Confirm,
        hint: "Enter done",
        help: "keep the search",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Esc)],
        action: Action::Cancel,
        hint: "Esc clear",
        help: "clear the search",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Backspace)],
        action: Action::Backspace,
        hint: "",
        help: "delete before cursor",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Delete)],
        action: Action::Delete,
        hint: "",
        help: "delete at cursor",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Left)],
        action: Action::Left,
        hint: "",
        help: "cursor left",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Right)],
        action: Action::Right,
        hint: "",
        help: "cursor right",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(Home), ctrl('a')],
        action: Action::Home,
        hint: "",
        help: "start of line",
    },
    Binding {
        layer: Layer::Search,
        keys: &[code(End), ctrl('e')],
        action: Action::End,
        hint: "",
        help: "end of line",
    },
    Binding {
        layer: Layer::Search,
        keys: &[ctrl('u')],
        action: Action::Clear,
        hint: "",
        help: "clear the line",
    },
    Binding {
        layer: Layer::Menu,
        keys: &[ch('j'), code(Down)],
        action: Action::Next,
        hint: "j/k choose",
        help: "next choice",
    },
    Binding {
        layer: Layer::Menu,
        keys: &[ch('k'), code(Up)],
        action: Action::Prev,
        hint: "",
        help: "previous choice",
    },
    Binding {
        layer: Layer::Menu,
        keys: &[code(Enter)],
        action: Action::Confirm,
        hint: "Enter apply",
        help: "apply the filter",
    },
    Binding {
        layer: Layer::Menu,
        keys: &[code(Esc)],
        action: Action::Cancel,
        hint: "Esc cancel",
        help: "leave it as it was",
    },
    Binding {
        layer: Layer::Help,
        keys: &[ch('?'), code(Esc), ch('q')],
        action: Action::Help,
        hint: "? close",
        help: "close the help",
    },
    Binding {
        layer: Layer::Help,
        keys: &[ch('j'), code(Down)],
        action: Action::Next,
        hint: "j/k scroll",
        help: "scroll down",
    },
    Binding {
        layer: Layer::Help,
        keys: &[ch('k'), code(Up)],
        action: Action::Prev,
        hint: "",
        help: "scroll up",
    },
];

/// Resolve a key event in a layer. In text entry, unbound printable keys type themselves.
pub fn resolve(layer: Layer, event: KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl_held = event.modifiers.contains(KeyModifiers::CONTROL);
    let pressed = Key {
        code: event.code,
        ctrl: ctrl_held,
    };
    let bound = BINDINGS
        .iter()
        .find(|b| b.layer == layer && b.keys.contains(&pressed))
        .map(|b| b.action);
    if bound.is_some() {
        return bound;
    }
    match (layer, event.code) {
        (Layer::Input | Layer::Search, KeyCode::Char(c)) if !ctrl_held => Some(Action::Char(c)),
        _ => None,
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
    BINDINGS
        .iter()
        .filter(|b| b.layer == layer && !b.hint.is_empty())
        .map(|b| b.hint)
        .collect()
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
            (Layer::Queue, KeyCode::Char('z'), None),
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
    fn footer_hints_come_from_the_table() {
        assert_eq!(hints(Layer::Confirm), ["y revoke", "n/Esc cancel"]);
        assert!(hints(Layer::Queue).contains(&"/ search"));
        assert!(hints(Layer::Queue).contains(&"K keep"));
    }
}
