//! Dialogs over the screen: the revoke confirmation, text input, the filter menu.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{popup, subject};
use crate::db::QueueFilter;
use crate::review::rules;
use crate::tui::app::{App, EditWhat, Field, Mode, TextField};
use crate::tui::keymap::{self, Layer};
use crate::tui::theme::Theme;

pub(super) fn confirm(frame: &mut Frame, app: &App, bulk: bool, theme: &Theme) {
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

pub(super) fn input(frame: &mut Frame, app: &App, theme: &Theme) {
    let (title, context, text): (String, Vec<String>, &TextField) = match &app.mode {
        Mode::Input { draft, field, text } => {
            let why = app.justification_needed(draft);
            let (what, required) = match field {
                Field::Owner => ("owner", true),
                Field::Function => ("business function", rules::needs_function(draft.verdict)),
                Field::Justification => ("justification", why.is_some()),
            };
            let title = format!(
                " {} {} — {what}{} ",
                capitalise(draft.verdict.as_str()),
                subject(app, draft.bulk),
                if required { "" } else { " (optional)" }
            );
            let mut context = Vec::new();
            if !draft.removed.is_empty() {
                let items: Vec<String> = draft.removed.iter().map(|i| i.reference()).collect();
                context.push(format!("removes: {}", items.join(", ")));
            }
            if *field == Field::Owner {
                context.push("keep needs an accountable owner: a team or a person".into());
            }
            if *field == Field::Justification {
                if let Some(f) = draft.function.as_deref().filter(|f| !f.is_empty()) {
                    context.push(format!("function: {f}"));
                }
                if let Some(why) = why {
                    context.push(format!("required: {why}"));
                }
            }
            (title, context, text)
        }
        Mode::Edit { what, text } => {
            let what = match what {
                EditWhat::Owner => "owner",
                EditWhat::Function => "business function",
                EditWhat::ExpectedUnused => "reason it is unused by design",
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

pub(super) fn menu(
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
