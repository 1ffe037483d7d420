//! The identity card: facts, owner and function in force, the suggestion, the previous
//! campaign, credentials, grants, signals and the decisions recorded.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::chain::RecordKind;
use crate::model::{Tier, Verdict};
use crate::text::last_used_text;
use crate::tui::app::{App, Card, Mode};
use crate::tui::theme::Theme;

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

/// The card's lines as they are built, with the line of each removable item.
struct Lines<'a> {
    lines: Vec<Line<'a>>,
    items: Vec<usize>,
    theme: &'a Theme,
}

impl<'a> Lines<'a> {
    fn push(&mut self, line: impl Into<Line<'a>>) {
        self.lines.push(line.into());
    }

    fn styled(&mut self, text: String, style: Style) {
        self.lines.push(Line::from(Span::styled(text, style)));
    }

    fn heading(&mut self, text: String) {
        self.styled(text, self.theme.title);
    }

    /// A removable item: checkbox when choosing, highlight at the item cursor.
    fn item(&mut self, app: &App, text: String, style: Style) {
        let idx = self.items.len();
        let check = match &app.mode {
            Mode::Select { marked } if marked.contains(&idx) => "[x] ",
            Mode::Select { .. } => "[ ] ",
            _ => "",
        };
        let selecting = matches!(app.mode, Mode::Select { .. } | Mode::Card);
        let style = if selecting && app.item == idx {
            style.patch(self.theme.selected)
        } else {
            style
        };
        self.items.push(self.lines.len());
        self.styled(format!("{check}{text}"), style);
    }
}

/// The card's lines, and the line index of each removable item.
fn card_lines<'a>(card: &'a Card, app: &App, theme: &'a Theme) -> (Vec<Line<'a>>, Vec<usize>) {
    let mut out = Lines {
        lines: Vec::new(),
        items: Vec::new(),
        theme,
    };
    facts(&mut out, card, app);
    suggestion_and_previous(&mut out, card);
    credentials(&mut out, card, app);
    grants(&mut out, card, app);
    signals_and_history(&mut out, card);
    (out.lines, out.items)
}

fn facts(out: &mut Lines, card: &Card, app: &App) {
    let id = &card.ctx.identity;
    let member = &card.ctx.member;
    let at = app.campaign.started_at;
    out.styled(id.name.clone(), out.theme.title);
    out.push(format!(
        "{} {} in {} · {}",
        id.provider,
        id.kind,
        id.account,
        id.status.as_str()
    ));
    out.styled(id.native_id.clone(), out.theme.muted);
    out.push(format!(
        "owner     {}",
        member.owner.as_deref().unwrap_or("— none —")
    ));
    out.push(format!(
        "function  {}",
        member.function.as_deref().unwrap_or("— not set —")
    ));
    out.push(format!(
        "created   {}{}",
        day(id.created_at),
        age(id.created_at, at)
    ));
    out.push(format!(
        "last used {}",
        last_used_text(id.last_used_at, id.usage_tracked)
    ));
    if id.third_party {
        out.styled("third party".into(), out.theme.warn);
    }
}

fn suggestion_and_previous(out: &mut Lines, card: &Card) {
    let r = &card.ctx.suggestion;
    let mut suggestion = format!("suggested {} — {}", r.verdict, r.reasons.join("; "));
    if !r.remove.is_empty() {
        let items: Vec<String> = r.remove.iter().map(|i| i.reference()).collect();
        suggestion.push_str(&format!(" (remove {})", items.join(", ")));
    }
    out.styled(suggestion, out.theme.ok);
    let Some(p) = &card.ctx.previous else {
        return;
    };
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
        let hint = if card.ctx.carry_forward().is_some() {
            " — A re-attests"
        } else {
            ""
        };
        out.styled(
            format!("unchanged since {}: {last}{hint}", p.campaign),
            out.theme.ok,
        );
        if let Some(d) = &p.decision
            && d.verdict != Some(Verdict::Keep)
        {
            out.styled(
                format!(
                    "{} was decided in {} but nothing changed: not carried out",
                    d.verdict.map_or("", Verdict::as_str),
                    p.campaign
                ),
                out.theme.warn,
            );
        }
        return;
    }
    out.styled(
        format!("changed since {} ({last}):", p.campaign),
        out.theme.warn,
    );
    for change in p.changes.iter().take(6) {
        out.push(format!("  {change}"));
    }
    if p.changes.len() > 6 {
        out.push(format!("  … and {} more", p.changes.len() - 6));
    }
}

fn credentials(out: &mut Lines, card: &Card, app: &App) {
    let id = &card.ctx.identity;
    let at = app.campaign.started_at;
    out.heading(format!("Credentials ({})", id.credentials.len()));
    if id.credentials.is_empty() {
        out.styled("none".into(), out.theme.muted);
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
            out.styled(format!("{text} (platform-managed)"), out.theme.muted);
        } else if c.gone_at.is_some() {
            out.styled(format!("{text} (gone)"), out.theme.muted);
        } else {
            out.item(app, text, Style::new());
        }
    }
}

fn grants(out: &mut Lines, card: &Card, app: &App) {
    let id = &card.ctx.identity;
    out.heading(format!("Grants ({})", id.grants.len()));
    if id.grants.is_empty() {
        out.styled("none in the imported exports".into(), out.theme.muted);
    }
    for g in &id.grants {
        let mut text = format!("{:<7} {} on {}", g.tier.as_str(), g.permission, g.resource);
        if !g.via.is_empty() {
            text.push_str(&format!(" via {}", g.via));
        }
        if !g.condition.is_empty() {
            text.push_str(&format!(" if {}", g.condition));
        }
        if g.gone_at.is_some() {
            out.styled(format!("{text} (gone)"), out.theme.muted);
        } else {
            out.item(app, text, tier_style(g.tier, out.theme));
        }
    }
}

fn signals_and_history(out: &mut Lines, card: &Card) {
    out.heading(format!("Signals ({})", card.ctx.signals.len()));
    for s in &card.ctx.signals {
        out.push(vec![
            Span::styled(format!("{} {} ", s.code.badge(), s.owasp), out.theme.warn),
            Span::raw(s.detail.clone()),
        ]);
    }
    if !card.history.is_empty() {
        out.heading("Records in this campaign".into());
        for h in &card.history {
            let verdict = h.verdict.clone().unwrap_or_default();
            let what = match (h.kind, h.action.as_deref()) {
                (RecordKind::Owner, _) => format!(
                    "owner set to {}",
                    h.owner
                        .as_deref()
                        .filter(|o| !o.is_empty())
                        .unwrap_or("(none)")
                ),
                (RecordKind::Function, _) => format!(
                    "function set to '{}'",
                    h.business_function.as_deref().unwrap_or("")
                ),
                (_, Some("undo")) => "undone".to_owned(),
                (_, Some("reattest")) => format!("re-attested {verdict}"),
                (_, Some("unreviewed")) => "unreviewed at close".to_owned(),
                _ => verdict,
            };
            out.push(format!(
                "#{} {} {what} by {}",
                h.seq,
                h.at.format("%Y-%m-%d %H:%M"),
                h.reviewer
            ));
        }
    }
    if !card.earlier.is_empty() {
        out.heading("Earlier campaigns".into());
        for e in &card.earlier {
            out.push(format!(
                "{}: {} by {} ({})",
                e.campaign,
                e.verdict,
                e.reviewer,
                e.at.get(..10).unwrap_or(&e.at)
            ));
        }
    }
}

pub(super) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
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
