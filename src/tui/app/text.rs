//! A one-line text field with a cursor; refuses what the review's rules refuse in free text.

use super::super::action::Action;
use crate::review::rules::is_invisible;

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

    /// Apply an editing action; returns whether it was one. Control and invisible characters
    /// (bidirectional overrides, zero-width) are refused.
    pub fn edit(&mut self, action: Action) -> bool {
        let len = self.value.chars().count();
        match action {
            Action::Char(c) if c.is_control() || is_invisible(c) => {}
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
        /// Any editing sequence keeps the cursor inside the text and never lets a control or
        /// invisible character in.
        #[test]
        fn text_editing_keeps_its_invariants(actions in prop::collection::vec(editing(), 0..60)) {
            let mut field = TextField::with("héllo");
            for a in actions {
                field.edit(a);
                prop_assert!(field.cursor <= field.value.chars().count());
                prop_assert!(!field.value.chars().any(|c| c.is_control() || is_invisible(c)));
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
            Action::Char('\u{202e}'),
            Action::Home,
            Action::Delete,
        ] {
            f.edit(a);
        }
        assert_eq!((f.value.as_str(), f.cursor), ("bcé", 0));
    }
}
