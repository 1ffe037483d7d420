//! Dialogs over the screen: confirmations, the text prompts of a decision (which say what is
//! asked, why, and whether it is required, with an example from the identity's own facts), and
//! the filter menu.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{popup, subject};
use crate::db::QueueFilter;
use crate::model::Verdict;
use crate::review::rules;
use crate::text::{clip, inert, width, wrap};
use crate::tui::app::{App, Draft, EditWhat, Field, Mode, TextField};
use crate::tui::keymap::{self, Layer};
use crate::tui::theme::Theme;

/// `area` and one blank cell around it (within the screen), so no background text touches a
/// dialog's border.
pub(super) fn margin(screen: Rect, area: Rect) -> Rect {
    let x = area.x.saturating_sub(1).max(screen.x);
    let y = area.y.saturating_sub(1).max(screen.y);
    let right = (area.right() + 1).min(screen.right());
    let bottom = (area.bottom() + 1).min(screen.bottom());
    Rect {
        x,
        y,
        width: right - x,
        height: bottom - y,
    }
}

/// A bordered dialog of wrapped lines, cleared beneath.
fn dialog(frame: &mut Frame, title: String, lines: Vec<Line>, border: Style) -> Rect {
    let screen = super::above_footer(frame.area());
    let area = popup(screen, 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, margin(screen, area));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(border);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), inner);
    inner
}

/// Wrapped, muted lines of a paragraph of text, at the dialog's width.
fn para<'a>(text: &str, theme: &Theme) -> Vec<Line<'a>> {
    wrap(text, 72, 0)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, theme.muted)))
        .collect()
}

pub(super) fn confirm_revoke(frame: &mut Frame, app: &App, bulk: bool, theme: &Theme) {
    let what = if bulk {
        "each of them, one record each"
    } else {
        "the identity and all its access"
    };
    let mut lines = vec![Line::from(format!("Revoke {}?", subject(app, bulk)))];
    lines.extend(para(
        &format!("This records a decision to remove {what}. A justification is asked next."),
        theme,
    ));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "y revoke · n/Esc cancel",
        theme.muted,
    )));
    dialog(frame, " Confirm revoke ".into(), lines, theme.danger);
}

pub(super) fn confirm_mark_all(frame: &mut Frame, app: &App, count: u64, theme: &Theme) {
    let mut lines = vec![Line::from(format!(
        "Mark {} the queue shows?",
        if count == 1 {
            "the one identity".to_owned()
        } else {
            format!("all {count} identities")
        }
    ))];
    lines.extend(para(
        "Then K keeps, X revokes or A re-attests each of them with one justification; each is its own chained record. Esc clears the marks.",
        theme,
    ));
    if !app.marked.is_empty() {
        lines.push(Line::from(format!(
            "{} are marked already.",
            app.marked.len()
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "y mark · n/Esc cancel",
        theme.muted,
    )));
    dialog(frame, " Mark all shown ".into(), lines, theme.title);
}

/// What the business function is, with an example from the identity's own facts.
fn function_teaching(app: &App, bulk: bool) -> Vec<String> {
    let mut out = vec![
        "What does it do for the business? Name the service, job or process it serves, so next quarter's reviewer can tell whether it is still needed.".to_owned(),
    ];
    let Some(card) = app.card.as_ref().filter(|_| !bulk) else {
        out.push("e.g. \"Nightly backups of the orders database\"".into());
        return out;
    };
    let id = &card.ctx.identity;
    let holds = id.grants.iter().find(|g| g.gone_at.is_none()).map_or(
        "no grant in the exports".to_owned(),
        |g| {
            format!(
                "it holds {} on {}",
                inert(&g.permission),
                inert(&g.resource)
            )
        },
    );
    out.push(format!(
        "e.g. \"Nightly backups of the orders database\" — {holds}; last used {}",
        crate::text::last_used_text(id.last_used_at, id.usage_tracked)
    ));
    if let Some(d) = card.ctx.previous.as_ref().and_then(|p| {
        p.decision
            .as_ref()
            .map(|d| (p.campaign.as_str(), d.business_function.as_str()))
    }) && !d.1.is_empty()
    {
        out.push(format!("last campaign ({}): '{}'", d.0, inert(d.1)));
    }
    out
}

/// The owner a keep will record, said in its prompts.
fn owner_line(app: &App, draft: &Draft) -> Option<String> {
    if draft.verdict != Verdict::Keep || draft.bulk {
        return None;
    }
    let owner = draft
        .owner
        .clone()
        .or_else(|| app.card.as_ref().and_then(|c| c.ctx.member.owner.clone()))?;
    Some(format!("owner recorded with the keep: {}", inert(&owner)))
}

fn decision_prompt(app: &App, draft: &Draft, field: Field) -> (String, Vec<String>) {
    let why = app.justification_needed(draft);
    let (what, required) = match field {
        Field::Owner => ("accountable owner", true),
        Field::Function => ("business function", rules::needs_function(draft.verdict)),
        Field::Justification => ("justification", why.is_some()),
    };
    let verdict = if draft.action == crate::model::DecisionAction::Reattest {
        "Re-attest".to_owned()
    } else {
        let v = draft.verdict.as_str();
        format!("{}{}", v[..1].to_uppercase(), &v[1..])
    };
    let title = format!(
        " {verdict} {} — {what} ({}) ",
        subject(app, draft.bulk),
        if required { "required" } else { "optional" }
    );
    let mut context = Vec::new();
    match field {
        Field::Owner => context.push(
            "Who is accountable for it: a team or a person, e.g. sre@northwind.example. A keep is recorded with its owner.".into(),
        ),
        Field::Function => context.extend(function_teaching(app, draft.bulk)),
        Field::Justification => {
            context.push(match why {
                Some(w) => format!("Why this verdict? Required: {w}."),
                None => "Why this verdict? Optional for this keep.".into(),
            });
            if !draft.removed.is_empty() {
                let items: Vec<String> = draft.removed.iter().map(|i| inert(&i.reference())).collect();
                context.push(format!("removes: {}", items.join(", ")));
            }
            if let Some(f) = draft.function.as_deref().filter(|f| !f.is_empty()) {
                context.push(format!("function: {}", inert(f)));
            }
        }
    }
    context.extend(owner_line(app, draft));
    (title, context)
}

fn edit_prompt(app: &App, what: EditWhat) -> (String, Vec<String>) {
    let (what, help) = match what {
        EditWhat::Owner => (
            "accountable owner",
            vec!["A team or a person accountable for it; recorded in the chain. Empty clears it.".to_owned()],
        ),
        EditWhat::Function => {
            let mut help = function_teaching(app, false);
            help.push("Recorded in the chain; empty clears it.".into());
            ("business function", help)
        }
        EditWhat::ExpectedUnused => (
            "unused-by-design reason",
            vec![
                "e.g. \"Disaster-recovery restores only; tested each March\". Its signals stop calling it unused, here and in later campaigns. Empty withdraws the mark.".to_owned(),
            ],
        ),
    };
    (format!(" Set the {what} of {} ", subject(app, false)), help)
}

pub(super) fn input(frame: &mut Frame, app: &App, theme: &Theme) {
    let (title, context, text): (String, Vec<String>, &TextField) = match &app.mode {
        Mode::Input { draft, field, text } => {
            let (title, context) = decision_prompt(app, draft, *field);
            (title, context, text)
        }
        Mode::Edit { what, text } => {
            let (title, context) = edit_prompt(app, *what);
            (title, context, text)
        }
        _ => return,
    };
    let mut lines: Vec<Line> = context.iter().flat_map(|c| para(c, theme)).collect();
    let field_row = lines.len() as u16;
    // Show the end of long text so the cursor stays in view.
    let room = 70usize;
    let before: String = text.value.chars().take(text.cursor).collect();
    let skip = width(&before).saturating_sub(room);
    let visible: String = text.value.chars().skip(skip).collect();
    lines.push(Line::from(vec![
        Span::styled("> ", theme.title),
        Span::styled(
            clip(&visible, room + 1),
            Style::new().add_modifier(Modifier::UNDERLINED),
        ),
    ]));
    lines.push(Line::from(Span::styled(
        keymap::footer(Layer::Input, 72).join(" · "),
        theme.muted,
    )));
    let inner = dialog(frame, title, lines, theme.title);
    let x = inner.x + 2 + width(&before).saturating_sub(skip) as u16;
    frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + field_row));
}

pub(super) fn menu(
    frame: &mut Frame,
    options: &[(String, QueueFilter)],
    selected: usize,
    theme: &Theme,
) {
    let screen = super::above_footer(frame.area());
    let height = (options.len() as u16 + 3).min(screen.height.saturating_sub(2));
    let area = popup(screen, 64, height);
    frame.render_widget(Clear, margin(screen, area));
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
            Line::from(Span::styled(format!(" {}", clip(label, 60)), style))
        })
        .collect();
    lines.push(Line::from(Span::styled(
        keymap::hints(Layer::Menu).join(" · "),
        theme.muted,
    )));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Show only ({}/{}) ", selected + 1, options.len()))
        .border_style(theme.title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
