//! Drawing the review screen from `App`; no I/O and no state changes.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Row, Table, TableState, Wrap};

use super::action::Action;
use super::app::{App, Card, EditWhat, Field, Mode, TextField};
use super::keymap::{self, BINDINGS, Layer};
use super::theme::Theme;
use crate::db::QueueFilter;
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
        Mode::ConfirmRevoke { bulk } => render_confirm(frame, app, *bulk, theme),
        Mode::Input { .. } | Mode::Edit { .. } => render_input(frame, app, theme),
        Mode::Menu { options, selected } => render_menu(frame, options, *selected, theme),
        Mode::Help { scroll, .. } => render_help(frame, *scroll, theme),
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
    let spans = vec![
        Span::styled(" nhi-review ", theme.title),
        Span::raw(format!(
            " campaign {}  {due}{state}  reviewer {}",
            c.name, app.reviewer
        )),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), header);
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

fn filter_label(f: &QueueFilter) -> Option<String> {
    match f {
        QueueFilter::All => None,
        QueueFilter::Undecided => Some("undecided".into()),
        QueueFilter::Verdict(v) => Some(v.as_str().into()),
        QueueFilter::Provider(p) => Some(p.clone()),
        QueueFilter::Signal(s) => Some(s.clone()),
        QueueFilter::NoOwner => Some("no owner".into()),
        QueueFilter::Owner(o) => Some(format!("owner {o}")),
    }
}

fn render_queue(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
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
            let mut badges: Vec<&str> = Vec::new();
            for b in r.signals.iter().map(|s| signals::badge(s)) {
                if !badges.contains(&b) {
                    badges.push(b);
                }
            }
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

fn heading<'a>(text: String, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(text, theme.title))
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
    let r = &card.recommendation;
    let mut suggestion = format!(
        "suggested {} — {}",
        r.verdict.as_str(),
        r.reasons.join("; ")
    );
    if !r.remove.is_empty() {
        suggestion.push_str(&format!(" (remove {})", r.remove.join(", ")));
    }
    lines.push(Line::from(Span::styled(suggestion, theme.ok)));
    if let Some(p) = &card.previous {
        let last = p.decision.as_ref().map_or_else(
            || "undecided".to_owned(),
            |d| {
                let verdict = d.verdict.map_or("", Verdict::as_str);
                let function = if d.business_function.is_empty() {
                    String::new()
                } else {
                    format!(", '{}'", d.business_function)
                };
                format!("{verdict} by {}{function}", d.reviewer)
            },
        );
        if p.changes.is_empty() {
            let hint = if card.carry_forward().is_some() {
                " — A re-attests"
            } else {
                ""
            };
            lines.push(Line::from(Span::styled(
                format!("unchanged since {}: {last}{hint}", p.campaign),
                theme.ok,
            )));
            if let Some(d) = &p.decision
                && d.verdict != Some(Verdict::Keep)
            {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} was decided in {} but nothing changed: not carried out",
                        d.verdict.map_or("", Verdict::as_str),
                        p.campaign
                    ),
                    theme.warn,
                )));
            }
        } else {
            lines.push(Line::from(Span::styled(
                format!("changed since {} ({last}):", p.campaign),
                theme.warn,
            )));
            for change in p.changes.iter().take(6) {
                lines.push(Line::from(format!("  {change}")));
            }
            if p.changes.len() > 6 {
                lines.push(Line::from(format!("  … and {} more", p.changes.len() - 6)));
            }
        }
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
    lines.push(heading(
        format!("Credentials ({})", id.credentials.len()),
        theme,
    ));
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
        let gone = if c.gone_at.is_some() { " (gone)" } else { "" };
        let text = format!(
            "{} {} {state} rotated {}{} {used}{expires}{gone}",
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
    lines.push(heading(format!("Grants ({})", id.grants.len()), theme));
    if id.grants.is_empty() {
        lines.push(Line::from(Span::styled(
            "none in the imported exports",
            theme.muted,
        )));
    }
    for g in &id.grants {
        let mut text = format!("{:<7} {} on {}", g.tier.as_str(), g.permission, g.resource);
        if !g.via.is_empty() {
            text.push_str(&format!(" via {}", g.via));
        }
        if !g.condition.is_empty() {
            text.push_str(" (conditional)");
        }
        push_item(&mut lines, text, tier_style(g.tier, theme), item);
        item += 1;
    }
    lines.push(heading(format!("Signals ({})", card.signals.len()), theme));
    for s in &card.signals {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", s.owasp), theme.warn),
            Span::raw(s.detail.clone()),
        ]));
    }
    if !card.history.is_empty() {
        lines.push(heading("Decisions in this campaign".into(), theme));
        for (action, verdict, reviewer, at) in &card.history {
            let what = match action.as_str() {
                "undo" => "undone".to_owned(),
                "reattest" => format!("re-attested {verdict}"),
                _ => verdict.clone(),
            };
            lines.push(Line::from(format!("{at} {what} by {reviewer}")));
        }
    }
    if !card.earlier.is_empty() {
        lines.push(heading("Earlier campaigns".into(), theme));
        for (campaign, verdict, reviewer, at) in &card.earlier {
            lines.push(Line::from(format!(
                "{campaign}: {verdict} by {reviewer} ({})",
                at.get(..10).unwrap_or(at)
            )));
        }
    }
    (lines, item_lines)
}

fn render_card(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = matches!(app.mode, Mode::Card | Mode::Select { .. });
    let title = match &app.mode {
        Mode::Select { marked } => format!(" Reduce: mark items ({} marked) ", marked.len()),
        _ => " Identity ".to_owned(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused { theme.title } else { Style::new() });
    let Some(card) = &app.card else {
        let text = if app.total() == 0 {
            "No identity to show."
        } else {
            "Loading…"
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let (lines, item_lines) = card_lines(card, app, theme);
    let inner = area.height.saturating_sub(2) as usize;
    let follow_item = item_lines
        .get(app.item)
        .map_or(0, |l| l.saturating_sub(inner.saturating_sub(3)));
    let scroll = match (focused, app.card_scroll) {
        // Paged by hand: never past the point where the last line reaches the middle.
        (true, Some(s)) => (s as usize).min(lines.len().saturating_sub(inner / 2)),
        (true, None) => follow_item,
        (false, _) => 0,
    };
    let para = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll as u16, 0));
    frame.render_widget(para, area);
}

fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Mode::Search { text } = &app.mode {
        let line = Line::from(vec![
            Span::styled(" / ", theme.title),
            Span::raw(text.value.clone()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + 3 + text.cursor as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    if let Some(s) = &app.status {
        let style = if s.is_error { theme.error } else { theme.ok };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}", s.text), style)),
            area,
        );
    }
}

/// The layer's hints that fit the width, in keymap order; `? help` is always shown when the
/// layer has it, so every other key stays one keystroke away.
fn render_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let hints = keymap::hints(app.layer());
    let help = hints.iter().find(|h| h.starts_with("? "));
    let room = (area.width as usize).saturating_sub(2 + help.map_or(0, |h| h.chars().count() + 3));
    let mut shown: Vec<&str> = Vec::new();
    let mut used = 0;
    for h in hints.iter().filter(|h| Some(*h) != help) {
        let cost = h.chars().count() + if shown.is_empty() { 0 } else { 3 };
        if used + cost > room {
            break;
        }
        used += cost;
        shown.push(h);
    }
    if let Some(h) = help {
        shown.push(h);
    }
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {}", shown.join(" · ")), theme.muted)),
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

fn subject(app: &App, bulk: bool) -> String {
    if bulk {
        format!("{} marked identities", app.marked.len())
    } else {
        format!(
            "'{}'",
            clip(
                app.card.as_ref().map_or("", |c| c.identity.name.as_str()),
                30
            )
        )
    }
}

fn render_confirm(frame: &mut Frame, app: &App, bulk: bool, theme: &Theme) {
    let area = popup(frame.area(), 60, 7);
    frame.render_widget(Clear, area);
    let what = if bulk {
        "each identity"
    } else {
        "the identity"
    };
    let text = vec![
        Line::from(format!("Revoke {}?", subject(app, bulk))),
        Line::from(format!(
            "This records a decision to remove {what} and all its access."
        )),
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn render_input(frame: &mut Frame, app: &App, theme: &Theme) {
    let (title, context, text): (String, Vec<String>, &TextField) = match &app.mode {
        Mode::Input { draft, field, text } => {
            let (what, required) = match (field, draft.verdict) {
                (Field::Owner, _) => ("owner", true),
                (Field::Function, Verdict::Keep) => ("business function", true),
                (Field::Function, _) => ("business function", false),
                (Field::Justification, Verdict::Keep) => ("justification", false),
                (Field::Justification, _) => ("justification", true),
            };
            let title = format!(
                " {} {} — {what}{} ",
                capitalise(draft.verdict.as_str()),
                subject(app, draft.bulk),
                if required { "" } else { " (optional)" }
            );
            let mut context = Vec::new();
            if !draft.removed.is_empty() {
                context.push(format!("removes: {}", draft.removed.join(", ")));
            }
            if *field == Field::Owner {
                context.push("keep needs an accountable owner: a team or a person".into());
            }
            if *field == Field::Justification && !draft.function.is_empty() {
                context.push(format!("function: {}", draft.function));
            }
            (title, context, text)
        }
        Mode::Edit { what, text } => {
            let what = match what {
                EditWhat::Owner => "owner",
                EditWhat::Function => "business function",
            };
            (
                format!(" Set the {what} of {} ", subject(app, false)),
                vec!["empty clears it".into()],
                text,
            )
        }
        _ => return,
    };
    let area = popup(frame.area(), 72, 6 + context.len() as u16);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = context
        .into_iter()
        .map(|c| Line::from(Span::styled(c, theme.muted)))
        .collect();
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

fn render_menu(
    frame: &mut Frame,
    options: &[(String, QueueFilter)],
    selected: usize,
    theme: &Theme,
) {
    let height = (options.len() as u16 + 3).min(frame.area().height.saturating_sub(2));
    let area = popup(frame.area(), 40, height);
    frame.render_widget(Clear, area);
    let visible = height.saturating_sub(3) as usize;
    let first = selected.saturating_sub(visible.saturating_sub(1));
    let mut lines: Vec<Line> = options
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(i, (label, _))| {
            let style = if i == selected {
                theme.selected
            } else {
                Style::new()
            };
            Line::from(Span::styled(format!(" {label}"), style))
        })
        .collect();
    lines.push(Line::from(Span::styled(
        keymap::hints(Layer::Menu).join(" · "),
        theme.muted,
    )));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Show only ")
        .border_style(theme.title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

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

fn render_help(frame: &mut Frame, scroll: u16, theme: &Theme) {
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
