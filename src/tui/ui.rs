//! Drawing the review screen from `App`; no I/O, no state changes beyond scroll offsets.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Row, Table, TableState, Wrap};

use super::action::Action;
use super::app::{App, Card, Field, Mode};
use super::keymap::{self, BINDINGS, Layer};
use super::theme::Theme;
use crate::model::{Tier, Verdict};
use crate::signals;
use crate::text::{clip, last_used_text};

/// Draw the whole screen.
pub fn render(frame: &mut Frame, app: &App, theme: &Theme) {
    let [header, gauge, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(frame, header, gauge, app, theme);
    let queue_width = if body.width >= 100 {
        body.width * 9 / 20
    } else {
        body.width / 2
    };
    let [queue, card] =
        Layout::horizontal([Constraint::Length(queue_width), Constraint::Min(20)]).areas(body);
    render_queue(frame, queue, app, theme);
    render_card(frame, card, app, theme);
    render_status(frame, status, app, theme);
    render_footer(frame, footer, app, theme);
    match &app.mode {
        Mode::ConfirmRevoke => render_confirm(frame, app, theme),
        Mode::Input { .. } => render_input(frame, app, theme),
        Mode::Help(_) => render_help(frame, theme),
        _ => {}
    }
}

fn verdict_mark(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Keep) => "K",
        Some(Verdict::Reduce) => "R",
        Some(Verdict::Revoke) => "X",
        None => "·",
    }
}

fn render_header(frame: &mut Frame, header: Rect, gauge: Rect, app: &App, theme: &Theme) {
    let c = &app.campaign;
    let due = c
        .due_date
        .map(|d| format!("due {d}"))
        .unwrap_or_else(|| "no due date".into());
    let state = if c.is_open() { "" } else { "  [closed]" };
    let line = Line::from(vec![
        Span::styled(" nhi-review ", theme.title),
        Span::raw(format!(
            " campaign {}  {due}{state}  reviewer {}",
            c.name, app.reviewer
        )),
    ]);
    frame.render_widget(Paragraph::new(line), header);
    let decided = c.counts.decided();
    let ratio = if c.population_size == 0 {
        0.0
    } else {
        decided as f64 / c.population_size as f64
    };
    let label = format!(
        "{decided}/{} decided · keep {} · reduce {} · revoke {} · undecided {}",
        c.population_size,
        c.counts.keep,
        c.counts.reduce,
        c.counts.revoke,
        c.population_size - decided
    );
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.gauge)
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label),
        gauge,
    );
}

fn render_queue(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = matches!(app.mode, Mode::Browse);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " Queue {}/{} ",
            (app.cursor + 1).min(app.total()),
            app.total()
        ))
        .border_style(if focused { theme.title } else { Style::new() });
    let inner_height = area.height.saturating_sub(3) as u64; // borders + header row
    let wide = area.width >= 50;
    let rows: Vec<Row> = app
        .window
        .iter()
        .map(|r| {
            let mut badges: Vec<&str> = Vec::new();
            for b in r.signals.iter().map(|s| signals::badge(s)) {
                if !badges.contains(&b) {
                    badges.push(b);
                }
            }
            let badges = badges.join(" ");
            let used = last_used_text(r.last_used_at, r.usage_tracked);
            let mut cells = vec![verdict_mark(r.verdict).to_owned(), r.name.clone()];
            if wide {
                cells.push(r.provider.clone());
            }
            cells.push(used);
            cells.push(badges);
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(1), Constraint::Fill(3)];
    let mut header = vec!["", "NAME"];
    if wide {
        widths.push(Constraint::Length(5));
        header.push("PROV");
    }
    widths.extend([Constraint::Length(10), Constraint::Fill(2)]);
    header.extend(["LAST USED", "SIGNALS"]);
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
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d").to_string())
}

fn age(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    t.map_or_else(String::new, |t| format!(" ({}d)", (now - t).num_days()))
}

fn tier_style(tier: Tier, theme: &Theme) -> Style {
    match tier {
        Tier::Admin => theme.danger,
        Tier::Write => theme.warn,
        _ => Style::new(),
    }
}

/// The card's lines, and the line index of each removable item.
fn card_lines<'a>(card: &'a Card, app: &App, theme: &Theme) -> (Vec<Line<'a>>, Vec<usize>) {
    let id = &card.identity;
    let at = app.campaign.started_at;
    let mut lines = vec![
        Line::from(Span::styled(id.name.clone(), theme.title)),
        Line::from(format!(
            "{} {} in {} · {}",
            id.provider,
            id.kind,
            id.account,
            id.status.as_str()
        )),
        Line::from(Span::styled(id.native_id.clone(), theme.muted)),
        Line::from(format!(
            "owner     {}",
            id.owner.as_deref().unwrap_or("— none —")
        )),
        Line::from(format!(
            "function  {}",
            id.business_function.as_deref().unwrap_or("— not set —")
        )),
        Line::from(format!(
            "created   {}{}",
            day(id.created_at),
            age(id.created_at, at)
        )),
        Line::from(format!(
            "last used {}",
            last_used_text(id.last_used_at, id.usage_tracked)
        )),
    ];
    if id.third_party {
        lines.push(Line::from(Span::styled("third party", theme.warn)));
    }
    if let Some(g) = id.gone_at {
        lines.push(Line::from(Span::styled(
            format!("absent from the newest export since {}", day(Some(g))),
            theme.warn,
        )));
    }
    let marked: Vec<usize> = match &app.mode {
        Mode::Select { marked } => marked.iter().copied().collect(),
        _ => Vec::new(),
    };
    let selecting = matches!(app.mode, Mode::Select { .. } | Mode::Card);
    let mut item_lines = Vec::new();
    let mut item = 0usize;
    let mut push_item = |lines: &mut Vec<Line<'a>>, text: String, style: Style, idx: usize| {
        let check = if matches!(app.mode, Mode::Select { .. }) {
            if marked.contains(&idx) {
                "[x] "
            } else {
                "[ ] "
            }
        } else {
            ""
        };
        let mut st = style;
        if selecting && app.item == idx {
            st = st.patch(theme.selected);
        }
        item_lines.push(lines.len());
        lines.push(Line::from(Span::styled(format!("{check}{text}"), st)));
    };
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Credentials ({})", id.credentials.len()),
        theme.title,
    )));
    if id.credentials.is_empty() {
        lines.push(Line::from(Span::styled("none", theme.muted)));
    }
    for c in &id.credentials {
        let state = if c.active { "active" } else { "inactive" };
        let used = match (c.last_used_at, c.usage_tracked) {
            (Some(t), _) => format!("used {}", day(Some(t))),
            (None, true) => "never used".into(),
            (None, false) => "use unknown".into(),
        };
        let expires = c
            .expires_at
            .map(|e| format!(" expires {}", day(Some(e))))
            .unwrap_or_default();
        let text = format!(
            "{} {} {state} rotated {}{} {used}{expires}",
            c.id,
            c.kind,
            day(c.created_at),
            age(c.created_at, at)
        );
        if c.platform_managed {
            lines.push(Line::from(Span::styled(
                format!("{text} (platform-managed)"),
                theme.muted,
            )));
        } else {
            push_item(&mut lines, text, Style::new(), item);
            item += 1;
        }
    }
    lines.push(Line::from(Span::styled(
        format!("Grants ({})", id.grants.len()),
        theme.title,
    )));
    if id.grants.is_empty() {
        lines.push(Line::from(Span::styled(
            "none in the imported exports",
            theme.muted,
        )));
    }
    for g in &id.grants {
        let text = format!("{:<7} {} on {}", g.tier.as_str(), g.permission, g.resource);
        push_item(&mut lines, text, tier_style(g.tier, theme), item);
        item += 1;
    }
    lines.push(Line::from(Span::styled(
        format!("Signals ({})", card.signals.len()),
        theme.title,
    )));
    for s in &card.signals {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", s.owasp), theme.warn),
            Span::raw(s.detail.clone()),
        ]));
    }
    if !card.history.is_empty() {
        lines.push(Line::from(Span::styled(
            "Decisions in this campaign",
            theme.title,
        )));
        for (action, verdict, reviewer, at) in &card.history {
            let what = if action == "undo" {
                "undone".to_owned()
            } else {
                format!("{action} {verdict}")
            };
            lines.push(Line::from(format!("{at} {what} by {reviewer}")));
        }
    }
    (lines, item_lines)
}

fn render_card(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = matches!(app.mode, Mode::Card | Mode::Select { .. });
    let title = match &app.mode {
        Mode::Select { marked } => {
            format!(" Reduce: mark items ({} marked) ", marked.len())
        }
        _ => " Identity ".to_owned(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused { theme.title } else { Style::new() });
    let Some(card) = &app.card else {
        let text = if app.total() == 0 {
            "This campaign has no identities."
        } else {
            "Loading…"
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let (lines, item_lines) = card_lines(card, app, theme);
    let inner = area.height.saturating_sub(2) as usize;
    let scroll = if focused {
        item_lines
            .get(app.item)
            .map_or(0, |l| l.saturating_sub(inner.saturating_sub(3)))
    } else {
        0
    };
    let para = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll as u16, 0));
    frame.render_widget(para, area);
}

fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(s) = &app.status {
        let style = if s.is_error { theme.error } else { theme.ok };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}", s.text), style)),
            area,
        );
    }
}

fn render_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let text = keymap::hints(app.layer()).join(" · ");
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {text}"), theme.muted)),
        area,
    );
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn render_confirm(frame: &mut Frame, app: &App, theme: &Theme) {
    let name = app.card.as_ref().map_or("", |c| c.identity.name.as_str());
    let area = popup(frame.area(), 60, 7);
    frame.render_widget(Clear, area);
    let text = vec![
        Line::from(format!("Revoke '{name}'?")),
        Line::from("This records a decision to remove the identity and all its access."),
        Line::from(""),
        Line::from(Span::styled(
            keymap::hints(Layer::Confirm).join(" · "),
            theme.muted,
        )),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Confirm revoke ")
        .border_style(theme.danger);
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(block),
        area,
    );
}

fn render_input(frame: &mut Frame, app: &App, theme: &Theme) {
    let Mode::Input { draft, field, text } = &app.mode else {
        return;
    };
    let name = app.card.as_ref().map_or("", |c| c.identity.name.as_str());
    let (what, required) = match (field, draft.verdict) {
        (Field::Function, Verdict::Keep) => ("business function", true),
        (Field::Function, _) => ("business function", false),
        (Field::Justification, Verdict::Keep) => ("justification", false),
        (Field::Justification, _) => ("justification", true),
    };
    let area = popup(frame.area(), 72, 8);
    frame.render_widget(Clear, area);
    let title = format!(
        " {} '{}' — {what}{} ",
        capitalise(draft.verdict.as_str()),
        clip(name, 30),
        if required { "" } else { " (optional)" }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if !draft.removed.is_empty() {
        lines.push(Line::from(format!("removes: {}", draft.removed.join(", "))));
    }
    if *field == Field::Justification && !draft.function.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("function: {}", draft.function),
            theme.muted,
        )));
    }
    let field_row = lines.len() as u16;
    // Show the end of long text so the cursor stays in view.
    let width = inner.width.saturating_sub(3) as usize;
    let skip = text.cursor.saturating_sub(width);
    let visible: String = text.value.chars().skip(skip).take(width).collect();
    lines.push(Line::from(vec![
        Span::styled("> ", theme.title),
        Span::styled(visible, Style::new().add_modifier(Modifier::UNDERLINED)),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        keymap::hints(Layer::Input).join(" · "),
        theme.muted,
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    let x = inner.x + 2 + (text.cursor - skip) as u16;
    frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + field_row));
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Help lines of one layer; the card's copies of queue keys are not repeated.
fn help_lines(layer: Layer, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(layer.title(), theme.title))];
    for b in BINDINGS.iter().filter(|b| b.layer == layer) {
        let moves = matches!(b.action, Action::Next | Action::Prev);
        let repeated = layer == Layer::Card
            && !moves
            && BINDINGS
                .iter()
                .any(|q| q.layer == Layer::Queue && q.action == b.action && q.keys == b.keys);
        if repeated {
            continue;
        }
        let keys = b
            .keys
            .iter()
            .map(keymap::key_label)
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(Line::from(format!(" {keys:<11}  {}", b.help)));
    }
    lines
}

fn render_help(frame: &mut Frame, theme: &Theme) {
    let area = popup(frame.area(), 78, frame.area().height.saturating_sub(2));
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Keys — ? or Esc closes ")
        .border_style(theme.title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let left: Vec<Line> = [Layer::Queue, Layer::Card]
        .into_iter()
        .flat_map(|l| help_lines(l, theme))
        .collect();
    let right: Vec<Line> = [Layer::Select, Layer::Confirm, Layer::Input]
        .into_iter()
        .flat_map(|l| help_lines(l, theme))
        .collect();
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}
