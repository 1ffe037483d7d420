//! The help overlay, generated from the keymap and the signal table: every key of every layer,
//! and the legend of the queue's badges.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::popup;
use crate::signals::SIGNALS;
use crate::tui::action::Action;
use crate::tui::keymap::{self, BINDINGS, Binding, Layer};
use crate::tui::theme::Theme;

/// One line of the help: a heading, or keys and what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    /// A section title.
    Heading(String),
    /// Keys (as written) and what they do.
    Keys(String, String),
    /// A signal badge and its meaning.
    Badge(String, String),
}

/// Whether a binding repeats one the help already lists (the card's verdict keys are the
/// queue's; the search box edits text as any text field does).
fn repeated(b: &Binding) -> bool {
    let navigation = matches!(
        b.action,
        Action::Next
            | Action::Prev
            | Action::PageDown
            | Action::PageUp
            | Action::Top
            | Action::Bottom
            | Action::NextSection
            | Action::PrevSection
            | Action::ToggleFocus
    );
    let from = match b.layer {
        Layer::Card if !navigation => Layer::Queue,
        Layer::Search if !matches!(b.action, Action::Confirm | Action::Cancel) => Layer::Input,
        _ => return false,
    };
    BINDINGS
        .iter()
        .any(|q| q.layer == from && q.action == b.action && q.keys == b.keys)
}

/// Every line of the help, in order.
pub fn help_lines() -> Vec<HelpLine> {
    let mut out = Vec::new();
    for layer in Layer::HELP_ORDER {
        out.push(HelpLine::Heading(layer.title().to_owned()));
        for b in BINDINGS.iter().filter(|b| b.layer == layer && !repeated(b)) {
            let keys = b
                .keys
                .iter()
                .map(keymap::key_label)
                .collect::<Vec<_>>()
                .join(" ");
            out.push(HelpLine::Keys(keys, b.help.to_owned()));
        }
    }
    out.push(HelpLine::Heading(
        "Signal badges (most severe first; OWASP NHI tag)".to_owned(),
    ));
    for s in SIGNALS {
        out.push(HelpLine::Badge(
            s.badge.to_owned(),
            format!("{} ({}, {})", s.meaning, s.name, s.owasp),
        ));
    }
    out
}

/// Width of the help box: the screen is never narrower than 80 columns, so the box is always
/// this wide and its lines wrap the same way everywhere.
const WIDTH: u16 = 78;

/// The help as screen lines, long ones wrapped under their text.
fn screen_lines(theme: &Theme) -> Vec<Line<'static>> {
    let inner = usize::from(WIDTH - 2);
    let mut out = Vec::new();
    for l in help_lines() {
        match l {
            HelpLine::Heading(t) => out.push(Line::from(Span::styled(t, theme.title))),
            HelpLine::Keys(k, h) => {
                for line in crate::text::wrap(&format!(" {k:<15} {h}"), inner, 17) {
                    out.push(Line::from(line));
                }
            }
            HelpLine::Badge(b, m) => {
                for (i, line) in crate::text::wrap(&m, inner - 6, 0).into_iter().enumerate() {
                    let lead = if i == 0 {
                        format!(" {b}  ")
                    } else {
                        " ".repeat(6)
                    };
                    out.push(Line::from(vec![
                        Span::styled(lead, theme.warn),
                        Span::raw(line),
                    ]));
                }
            }
        }
    }
    out
}

/// How many lines the help has on screen (for scrolling to its end).
pub fn line_count() -> usize {
    screen_lines(&Theme::plain()).len()
}

pub(super) fn render(frame: &mut Frame, scroll: u16, theme: &Theme) {
    let screen = super::above_footer(frame.area());
    let area = popup(screen, WIDTH, screen.height.saturating_sub(2));
    frame.render_widget(Clear, super::dialogs::margin(screen, area));
    let lines = screen_lines(theme);
    let total = lines.len() as u16;
    let inner_height = area.height.saturating_sub(2);
    let scroll = scroll.min(total.saturating_sub(inner_height));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " Keys and badges — {}-{} of {total} · j/k g/G scroll · ? closes ",
            scroll + 1,
            (scroll + inner_height).min(total)
        ))
        .border_style(theme.title);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_the_keymap_is_in_the_help_and_every_key_in_the_help_is_bound() {
        let lines = help_lines();
        let listed: Vec<(String, String)> = lines
            .iter()
            .filter_map(|l| match l {
                HelpLine::Keys(k, h) => Some((k.clone(), h.clone())),
                _ => None,
            })
            .collect();
        for b in BINDINGS.iter().filter(|b| !repeated(b)) {
            let keys = b
                .keys
                .iter()
                .map(keymap::key_label)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                listed.contains(&(keys.clone(), b.help.to_owned())),
                "{keys} ({:?}) missing from the help",
                b.layer
            );
        }
        for (keys, help) in &listed {
            assert!(
                BINDINGS.iter().any(|b| b.help == help
                    && b.keys
                        .iter()
                        .map(keymap::key_label)
                        .collect::<Vec<_>>()
                        .join(" ")
                        == *keys),
                "the help lists {keys} '{help}', which no binding has"
            );
        }
        for b in BINDINGS.iter().filter(|b| repeated(b)) {
            assert!(
                BINDINGS
                    .iter()
                    .any(|q| !repeated(q) && q.action == b.action && q.keys == b.keys),
                "a repeated binding is listed under its first layer"
            );
        }
    }

    #[test]
    fn the_badge_legend_comes_from_the_signal_table() {
        let badges: Vec<String> = help_lines()
            .into_iter()
            .filter_map(|l| match l {
                HelpLine::Badge(b, _) => Some(b),
                _ => None,
            })
            .collect();
        assert_eq!(badges.len(), SIGNALS.len());
        assert_eq!(badges[0], "ADM");
    }
}
