//! Drawing the review screen from `App`; no I/O, and the only state it changes is its own
//! [`ViewState`] (scroll offsets). One file per panel: [`queue`], [`card`], [`dialogs`] (confirm,
//! text input, filter menu), [`help`]. Below [`MIN_WIDTH`]×[`MIN_HEIGHT`] it says so instead of
//! drawing a broken screen.

mod card;
pub(crate) mod dialogs;
pub mod help;
mod queue;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{ListState, Paragraph, Wrap};

use super::app::{App, Mode};
use super::keymap;
use super::theme::Theme;
use crate::model::IdentityId;
use crate::text::{clip, inert};

/// The smallest terminal the screen is drawn in.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the screen is drawn in.
pub const MIN_HEIGHT: u16 = 24;

/// What drawing remembers between frames: where the card is scrolled to.
#[derive(Debug, Default)]
pub struct ViewState {
    /// The card's list: its offset keeps the selected entry in view.
    pub card: ListState,
    /// The identity the card's offset belongs to.
    card_of: Option<IdentityId>,
}

/// Draw the whole screen.
pub fn render(frame: &mut Frame, app: &App, theme: &Theme, view: &mut ViewState) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    let [header, progress, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(frame, header, progress, app, theme);
    let queue_width = (body.width * 9 / 20).max(body.width / 2 - 2).min(60);
    let [queue, card] =
        Layout::horizontal([Constraint::Length(queue_width), Constraint::Min(20)]).areas(body);
    queue::render(frame, queue, app, theme);
    let shown = app.card.as_ref().map(super::app::Card::id);
    if view.card_of != shown {
        view.card = ListState::default();
        view.card_of = shown;
    }
    card::render(frame, card, app, theme, &mut view.card);
    render_status(frame, status, app, theme);
    render_footer(frame, footer, app, theme);
    match &app.mode {
        Mode::ConfirmRevoke { bulk } => dialogs::confirm_revoke(frame, app, *bulk, theme),
        Mode::ConfirmMarkAll { count } => dialogs::confirm_mark_all(frame, app, *count, theme),
        Mode::Input { .. } | Mode::Edit { .. } => dialogs::input(frame, app, theme),
        Mode::Menu { options, selected } => dialogs::menu(frame, options, *selected, theme),
        Mode::Help { scroll, .. } => help::render(frame, *scroll, theme),
        _ => {}
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::from(Span::styled("Terminal too small", theme.title)),
        Line::from(format!(
            "This is {}×{}; the review needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window (nothing is lost), or press q to quit."),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A bar of `width` cells, `ratio` filled.
fn bar(ratio: f64, width: usize) -> String {
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round()) as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "░".repeat(width - filled.min(width))
    )
}

fn render_header(frame: &mut Frame, header: Rect, progress: Rect, app: &App, theme: &Theme) {
    let c = &app.campaign;
    let today = app.now.date_naive();
    let due = match c.due_date {
        Some(d) if d < today && c.is_open() => {
            Span::styled(format!("OVERDUE since {d}"), theme.danger)
        }
        Some(d) => Span::raw(format!("due {d}")),
        None => Span::raw("no due date"),
    };
    let state = if c.is_open() { "" } else { " · closed" };
    let room = header.width as usize;
    let spans = vec![
        Span::styled(" nhi-review ", theme.title),
        Span::raw(format!(" {} · ", inert(&c.name))),
        due,
        Span::raw(format!(
            "{state} · reviewer {}",
            clip(&inert(&app.reviewer), room / 3)
        )),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), header);
    let decided = c.counts.decided();
    let ratio = if c.population_size == 0 {
        0.0
    } else {
        decided as f64 / c.population_size as f64
    };
    let line = Line::from(vec![
        Span::raw(format!(" {decided}/{} decided ", c.population_size)),
        Span::styled(bar(ratio, 16), theme.gauge),
        Span::raw(format!(
            " keep {} · reduce {} · revoke {} · {} {}",
            c.counts.keep,
            c.counts.reduce,
            c.counts.revoke,
            // The close recorded every member left undecided as unreviewed.
            if c.is_open() {
                "undecided"
            } else {
                "unreviewed"
            },
            c.undecided()
        )),
    ]);
    frame.render_widget(Paragraph::new(line), progress);
}

fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Mode::Search { text } = &app.mode {
        let line = Line::from(vec![
            Span::styled(" / ", theme.title),
            Span::raw(text.value.clone()),
            Span::styled(
                format!(
                    "   {} — Enter keeps, Esc clears",
                    crate::text::counted(app.total(), "match", "matches")
                ),
                theme.muted,
            ),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + 3 + crate::text::width(&text.value) as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    if let Some(s) = &app.status {
        let style = if s.is_error { theme.error } else { theme.ok };
        let text = clip(&inert(&s.text), area.width.saturating_sub(2) as usize);
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {text}"), style)),
            area,
        );
    }
}

/// The layer's hints that fit the width, in keymap order; help and quit always shown.
fn render_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = area.width as usize;
    let shown = if app.campaign.is_open() {
        keymap::footer(app.layer(), width)
    } else {
        keymap::footer_closed(app.layer(), width)
    };
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {}", shown.join(" · ")), theme.muted)),
        area,
    );
}

/// Where pop-ups go: the screen above the footer, which stays in view (what the keys do in the
/// pop-up, `?` and `q` among them).
pub(super) fn above_footer(screen: Rect) -> Rect {
    Rect {
        height: screen.height.saturating_sub(1),
        ..screen
    }
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
        crate::text::counted(
            app.marked.len() as u64,
            "marked identity",
            "marked identities",
        )
    } else {
        format!(
            "'{}'",
            clip(
                &inert(
                    app.card
                        .as_ref()
                        .map_or("", |c| c.ctx.identity.name.as_str())
                ),
                30
            )
        )
    }
}
