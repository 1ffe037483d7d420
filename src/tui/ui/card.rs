//! The identity card: its entries (see [`crate::tui::card`]) wrapped at word and path
//! boundaries to the card's width, as a list whose selection stays in view at every size, with
//! a scroll bar and the position in the title.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Block, Borders, List, ListItem, ListState, Paragraph, Scrollbar, ScrollbarOrientation,
    ScrollbarState,
};

use crate::text::wrap;
use crate::tui::app::{App, Mode};
use crate::tui::card::{Entry, Tone};
use crate::tui::theme::Theme;

fn style(tone: Tone, theme: &Theme) -> Style {
    match tone {
        Tone::Plain => Style::new(),
        Tone::Title => theme.title,
        Tone::Muted => theme.muted,
        Tone::Ok => theme.ok,
        Tone::Warn => theme.warn,
        Tone::Danger => theme.danger,
    }
}

/// One entry as lines of at most `cols` columns: its label (if any) in its own tone, then the
/// text; continuation lines indented.
fn lines<'a>(entry: &Entry, cols: usize, check: &str, theme: &Theme) -> Text<'a> {
    let label = entry.label.as_ref().map(|(l, _)| format!("{l} "));
    let head = format!("{check}{}", label.as_deref().unwrap_or(""));
    let full = format!("{head}{}", entry.text);
    let indent = if entry.heading { 0 } else { 2 };
    let mut out = Vec::new();
    for (i, line) in wrap(&full, cols, indent).into_iter().enumerate() {
        if i == 0 && entry.label.is_some() {
            let split = line
                .char_indices()
                .nth(head.chars().count())
                .map_or(line.len(), |(b, _)| b);
            let (l, rest) = line.split_at(split);
            let tone = entry.label.as_ref().map_or(Tone::Plain, |(_, t)| *t);
            out.push(Line::from(vec![
                Span::styled(l.to_owned(), style(tone, theme)),
                Span::styled(rest.to_owned(), style(entry.tone, theme)),
            ]));
        } else {
            out.push(Line::from(Span::styled(line, style(entry.tone, theme))));
        }
    }
    Text::from(out)
}

pub(super) fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    state: &mut ListState,
) {
    let focused = matches!(app.mode, Mode::Card | Mode::Select { .. });
    let marked = match &app.mode {
        Mode::Select { marked } => Some(marked),
        _ => None,
    };
    let Some(_) = &app.card else {
        let text = if app.total() == 0 {
            "No identity to show."
        } else {
            "Loading…"
        };
        let block = Block::default().borders(Borders::ALL).title(" Identity ");
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let cols = area.width.saturating_sub(3) as usize;
    let texts: Vec<Text> = app
        .entries
        .iter()
        .map(|e| {
            let check = match (marked, e.item) {
                (Some(m), Some(i)) if m.contains(&i) => "[x] ",
                (Some(_), Some(_)) => "[ ] ",
                _ => "",
            };
            lines(e, cols, check, theme)
        })
        .collect();
    let heights: Vec<usize> = texts.iter().map(Text::height).collect();
    let total_lines: usize = heights.iter().sum();
    let items: Vec<ListItem> = texts.into_iter().map(ListItem::new).collect();
    // The card's own cursor (a line of it), not the queue's: said so, beside "Queue 3/22".
    let position = if focused {
        format!(" · line {}/{}", app.card_sel + 1, app.entries.len())
    } else {
        String::new()
    };
    let title = match &app.mode {
        Mode::Select { marked } => format!(" Reduce ({} marked){position} ", marked.len()),
        _ => format!(" Identity{position} "),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused { theme.title } else { Style::new() });
    let list = List::new(items)
        .block(block)
        .highlight_style(theme.selected);
    if focused {
        state.select(Some(app.card_sel));
    } else {
        *state = ListState::default();
    }
    frame.render_stateful_widget(list, area, state);
    let inner = area.height.saturating_sub(2) as usize;
    if total_lines > inner {
        let first_line: usize = heights.iter().take(state.offset()).sum();
        let mut bar = ScrollbarState::new(total_lines.saturating_sub(inner))
            .position(first_line.min(total_lines.saturating_sub(inner)));
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area.inner(Margin {
                vertical: 1,
                horizontal: 0,
            }),
            &mut bar,
        );
    }
}
