//! The queue: the campaign's members around the cursor, riskiest first unless sorted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

use crate::db::QueueFilter;
use crate::model::Verdict;
use crate::text::{clip, last_used_text};
use crate::tui::app::{App, Mode};
use crate::tui::theme::Theme;

fn verdict_mark(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Keep) => "K",
        Some(Verdict::Reduce) => "R",
        Some(Verdict::Revoke) => "X",
        None => "·",
    }
}

fn filter_label(f: &QueueFilter) -> Option<String> {
    match f {
        QueueFilter::All => None,
        QueueFilter::Undecided => Some("undecided".into()),
        QueueFilter::Verdict(v) => Some(v.as_str().into()),
        QueueFilter::Provider(p) => Some(p.clone()),
        QueueFilter::Signal(s) => Some(s.badge().into()),
        QueueFilter::NoOwner => Some("no owner".into()),
        QueueFilter::Owner(o) => Some(format!("owner {o}")),
    }
}

pub(super) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = matches!(app.mode, Mode::Browse | Mode::Search { .. });
    let mut title = format!(
        " Queue {}/{} ",
        (app.cursor + 1).min(app.total()),
        app.total()
    );
    if !app.marked.is_empty() {
        title.push_str(&format!("· {} marked ", app.marked.len()));
    }
    if let Some(f) = filter_label(&app.view.filter) {
        title.push_str(&format!("[{f}] "));
    }
    if !app.view.search.is_empty() {
        title.push_str(&format!("'{}' ", clip(&app.view.search, 12)));
    }
    if app.view.sort != Default::default() {
        title.push_str(&format!("{} ", app.view.sort.label()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused { theme.title } else { Style::new() });
    let inner_height = area.height.saturating_sub(3) as u64; // borders + header row
    let wide = area.width >= 50;
    let rows: Vec<Row> = app
        .window
        .iter()
        .map(|r| {
            let badges: Vec<&str> = r.signals.iter().map(|s| s.badge()).collect();
            let mark = if app.marked.contains_key(&r.identity_id) {
                "*"
            } else {
                " "
            };
            let mut cells = vec![format!("{mark}{}", verdict_mark(r.verdict)), r.name.clone()];
            if wide {
                cells.push(r.provider.clone());
            }
            cells.push(last_used_text(r.last_used_at, r.usage_tracked));
            cells.push(badges.join(" "));
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(2), Constraint::Fill(3)];
    let mut header = vec!["", "NAME"];
    if wide {
        widths.push(Constraint::Length(6));
        header.push("PROV");
    }
    widths.extend([Constraint::Length(10), Constraint::Fill(2)]);
    header.extend(["LAST USED", "SIGNALS"]);
    let empty = app.window.is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.title))
        .row_highlight_style(theme.selected)
        .block(block);
    let selected = app.cursor.checked_sub(app.window_start).map(|i| i as usize);
    // Keep the cursor visible without remembering scroll state: centre it when possible.
    let offset = selected.map_or(0, |s| s.saturating_sub((inner_height / 2) as usize));
    let mut state = TableState::default()
        .with_selected(selected)
        .with_offset(offset);
    frame.render_stateful_widget(table, area, &mut state);
    if empty && app.view.is_narrowed() {
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 2,
        };
        frame.render_widget(
            Paragraph::new("Nothing matches. Esc shows everything.")
                .style(theme.muted)
                .wrap(Wrap { trim: true }),
            inner,
        );
    }
}
