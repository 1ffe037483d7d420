//! The queue: the campaign's members around the cursor, riskiest first unless sorted. Columns
//! are dropped by priority when the width is short (last use first), never the name cut short;
//! a provider marker always shows; badges show the most severe that fit, then `+N`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

use crate::db::{QueueFilter, QueueRow};
use crate::model::Verdict;
use crate::signals::SignalCode;
use crate::text::{clip, inert, last_used_text, width};
use crate::tui::app::{App, Mode};
use crate::tui::theme::Theme;

fn verdict_mark(v: Option<Verdict>, pending: bool) -> &'static str {
    match v {
        Some(Verdict::Keep) if pending => "k",
        Some(Verdict::Keep) => "K",
        Some(Verdict::Reduce) => "R",
        Some(Verdict::Revoke) => "X",
        None => "·",
    }
}

/// A short marker per provider, so sorting by provider reads at any width.
pub fn provider_marker(provider: &str) -> String {
    match provider {
        "azure" => "az".into(),
        "github" => "gh".into(),
        "workspace" => "gws".into(),
        "salesforce" => "sf".into(),
        "slack" => "slk".into(),
        other => other.chars().take(4).collect(),
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
        QueueFilter::Owner(o) => Some(format!("owner {}", clip(&inert(o), 16))),
        QueueFilter::CarryForward => Some("unchanged keeps".into()),
    }
}

/// The most severe badges that fit `room` columns, then `+N` for the rest.
pub fn badges(signals: &[SignalCode], room: usize) -> String {
    let mut shown = String::new();
    for (i, s) in signals.iter().enumerate() {
        let rest = signals.len() - i - 1;
        let more = if rest > 0 {
            format!(" +{rest}")
        } else {
            String::new()
        };
        let next = if shown.is_empty() {
            s.badge().to_owned()
        } else {
            format!("{shown} {}", s.badge())
        };
        if width(&next) + width(&more) > room {
            let left = signals.len() - i;
            return if shown.is_empty() {
                format!("+{left}")
            } else {
                format!("{shown} +{left}")
            };
        }
        shown = next;
    }
    shown
}

/// Which columns fit, in priority order: mark, provider, name, badges; last use if room.
struct Columns {
    name: u16,
    last_used: bool,
    badges: u16,
}

fn columns(inner: u16) -> Columns {
    const MARK: u16 = 2;
    const PROVIDER: u16 = 4;
    const LAST_USED: u16 = 10;
    const NAME_MIN: u16 = 18;
    const BADGES_MIN: u16 = 7;
    let fixed = MARK + PROVIDER + 3;
    let last_used = inner > fixed + NAME_MIN + BADGES_MIN + LAST_USED;
    let rest = inner.saturating_sub(fixed + if last_used { LAST_USED + 1 } else { 0 });
    let badges = (rest / 3).clamp(BADGES_MIN, 15);
    Columns {
        name: rest.saturating_sub(badges),
        last_used,
        badges,
    }
}

fn row<'a>(app: &App, r: &QueueRow, cols: &Columns) -> Row<'a> {
    let mark = if app.marked.contains_key(&r.identity_id) {
        "*"
    } else {
        " "
    };
    let mut cells = vec![
        format!("{mark}{}", verdict_mark(r.verdict, r.pending)),
        provider_marker(&r.provider),
        clip(&inert(&r.name), cols.name as usize),
    ];
    if cols.last_used {
        cells.push(last_used_text(r.last_used_at, r.usage_tracked));
    }
    cells.push(badges(&r.signals, cols.badges as usize));
    Row::new(cells)
}

fn title(app: &App) -> String {
    let mut title = format!(
        " Queue {}/{} ",
        (app.cursor + 1).min(app.total()),
        app.total()
    );
    if let Some(a) = &app.view.assignee {
        title.push_str(&format!("· {} ", clip(&inert(a), 18)));
    }
    if !app.marked.is_empty() {
        title.push_str(&format!("· {} marked ", app.marked.len()));
    }
    if let Some(f) = filter_label(&app.view.filter) {
        title.push_str(&format!("[{f}] "));
    }
    if !app.view.search.is_empty() {
        title.push_str(&format!("'{}' ", clip(&inert(&app.view.search), 12)));
    }
    if app.view.sort != Default::default() {
        title.push_str(&format!("{} ", app.view.sort.label()));
    }
    title
}

pub(super) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = matches!(app.mode, Mode::Browse | Mode::Search { .. });
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(app))
        .border_style(if focused { theme.title } else { Style::new() });
    let inner_height = area.height.saturating_sub(3) as usize; // borders + header row
    let cols = columns(area.width.saturating_sub(2));
    let rows: Vec<Row> = app.window.iter().map(|r| row(app, r, &cols)).collect();
    let mut widths = vec![
        Constraint::Length(2),
        Constraint::Length(4),
        Constraint::Length(cols.name),
    ];
    let mut header = vec!["", "PROV", "NAME"];
    if cols.last_used {
        widths.push(Constraint::Length(10));
        header.push("LAST USED");
    }
    widths.push(Constraint::Length(cols.badges));
    header.push("SIGNALS");
    let empty = app.window.is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.title))
        .row_highlight_style(theme.selected)
        .block(block);
    let selected = app.cursor.checked_sub(app.window_start).map(|i| i as usize);
    // Centre the cursor when possible, but never leave rows blank below the last identity.
    let last_offset = app.window.len().saturating_sub(inner_height);
    let offset = selected
        .map_or(0, |s| s.saturating_sub(inner_height / 2))
        .min(last_offset);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_show_the_most_severe_that_fit_then_a_count() {
        let all = [
            SignalCode::AdminGrant,
            SignalCode::StaleCredential,
            SignalCode::MultipleActiveKeys,
            SignalCode::NoOwner,
        ];
        assert_eq!(badges(&all, 15), "ADM ROT 2KY OWN");
        assert_eq!(badges(&all, 12), "ADM ROT +2");
        assert_eq!(badges(&all, 7), "ADM +3");
        assert_eq!(badges(&all, 3), "+4");
        assert_eq!(badges(&[], 7), "");
    }

    #[test]
    fn the_name_keeps_its_room_and_last_use_goes_first() {
        let narrow = columns(38);
        assert!(!narrow.last_used && narrow.name >= 18, "{}", narrow.name);
        let wide = columns(56);
        assert!(wide.last_used && wide.name >= 18);
    }
}
