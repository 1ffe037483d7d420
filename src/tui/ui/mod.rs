//! Drawing the review screen from `App`; no I/O and no state changes. One file per panel:
//! [`queue`], [`card`], [`dialogs`] (confirm, text input, filter menu), [`help`].

mod card;
mod dialogs;
mod help;
mod queue;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::app::{App, Mode};
use super::keymap;
use super::theme::Theme;
use crate::text::clip;

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
    queue::render(frame, queue, app, theme);
    card::render(frame, card, app, theme);
    render_status(frame, status, app, theme);
    render_footer(frame, footer, app, theme);
    match &app.mode {
        Mode::ConfirmRevoke { bulk } => dialogs::confirm(frame, app, *bulk, theme),
        Mode::Input { .. } | Mode::Edit { .. } => dialogs::input(frame, app, theme),
        Mode::Menu { options, selected } => dialogs::menu(frame, options, *selected, theme),
        Mode::Help { scroll, .. } => help::render(frame, *scroll, theme),
        _ => {}
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

pub(super) fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub(super) fn subject(app: &App, bulk: bool) -> String {
    if bulk {
        format!("{} marked identities", app.marked.len())
    } else {
        format!(
            "'{}'",
            clip(
                app.card
                    .as_ref()
                    .map_or("", |c| c.ctx.identity.name.as_str()),
                30
            )
        )
    }
}
