//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::popup;
use crate::tui::action::Action;
use crate::tui::keymap::{self, BINDINGS, Layer};
use crate::tui::theme::Theme;

/// Help lines of one layer, generated from the keymap. The card's copies of queue keys and the
/// search box's copies of text-editing keys are not repeated.
fn help_lines(layer: Layer, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(layer.title(), theme.title))];
    for b in BINDINGS.iter().filter(|b| b.layer == layer) {
        let moves = matches!(b.action, Action::Next | Action::Prev);
        let repeated_from = match layer {
            Layer::Card if !moves => Some(Layer::Queue),
            Layer::Search if !matches!(b.action, Action::Confirm | Action::Cancel) => {
                Some(Layer::Input)
            }
            _ => None,
        };
        let repeated = repeated_from.is_some_and(|from| {
            BINDINGS
                .iter()
                .any(|q| q.layer == from && q.action == b.action && q.keys == b.keys)
        });
        if repeated {
            continue;
        }
        let keys = b
            .keys
            .iter()
            .map(keymap::key_label)
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(Line::from(format!(" {keys:<11} {}", b.help)));
    }
    lines
}

pub(super) fn render(frame: &mut Frame, scroll: u16, theme: &Theme) {
    let area = popup(frame.area(), 78, frame.area().height.saturating_sub(2));
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Keys — j/k scroll, ? or Esc closes ")
        .border_style(theme.title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    let first: Vec<Line> = help_lines(Layer::Queue, theme);
    let rest: Vec<Line> = Layer::HELP_ORDER[1..]
        .iter()
        .flat_map(|l| help_lines(*l, theme))
        .collect();
    frame.render_widget(Paragraph::new(first).scroll((scroll, 0)), left);
    frame.render_widget(Paragraph::new(rest).scroll((scroll, 0)), right);
}
