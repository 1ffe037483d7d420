//! The identity card as a list of entries: one per fact, credential, grant, signal and record,
//! grouped in sections. Pure: the app moves a selection over it (and jumps between sections),
//! the drawing wraps each entry to the width it has. Every text that came from an export is
//! made inert here, once.

use chrono::{DateTime, Utc};

use super::app::Card;
use crate::chain::RecordKind;
use crate::model::{Tier, Verdict};
use crate::text::{inert, last_used_text};

/// A part of the card that can be jumped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Name, kind, owner, function, dates.
    Facts,
    /// The suggestion and the previous campaign.
    Suggestion,
    /// Credentials.
    Credentials,
    /// Grants.
    Grants,
    /// Signals.
    Signals,
    /// Records of this campaign and standing decisions of earlier ones.
    History,
}

impl Section {
    /// Heading shown at the section's start.
    pub fn title(self) -> &'static str {
        match self {
            Section::Facts => "Identity",
            Section::Suggestion => "Suggestion",
            Section::Credentials => "Credentials",
            Section::Grants => "Grants",
            Section::Signals => "Signals",
            Section::History => "History",
        }
    }
}

/// How a piece of text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Ordinary text.
    Plain,
    /// The identity's name and section headings.
    Title,
    /// Secondary.
    Muted,
    /// Good news, the suggestion.
    Ok,
    /// A warning, a signal badge, a write-tier grant.
    Warn,
    /// An admin-tier grant.
    Danger,
}

/// One entry of the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its section.
    pub section: Section,
    /// A heading rather than content.
    pub heading: bool,
    /// A short label before the text, in its own tone (a signal's badge, a grant's tier).
    pub label: Option<(String, Tone)>,
    /// The text (inert: no control or invisible characters).
    pub text: String,
    /// Tone of the text.
    pub tone: Tone,
    /// Index into the identity's removable items, for credentials and grants a reduce can
    /// remove.
    pub item: Option<usize>,
}

impl Entry {
    fn new(section: Section, text: String, tone: Tone) -> Entry {
        Entry {
            section,
            heading: false,
            label: None,
            text,
            tone,
            item: None,
        }
    }

    fn heading(section: Section, text: String) -> Entry {
        Entry {
            heading: true,
            ..Entry::new(section, text, Tone::Title)
        }
    }
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d").to_string())
}

fn age(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    t.map_or_else(String::new, |t| {
        format!(" ({} days ago)", (now - t).num_days())
    })
}

/// The card's entries, in order.
pub fn entries(card: &Card, started_at: DateTime<Utc>) -> Vec<Entry> {
    let mut out = Vec::new();
    facts(&mut out, card, started_at);
    suggestion(&mut out, card);
    credentials(&mut out, card, started_at);
    grants(&mut out, card);
    signals(&mut out, card);
    history(&mut out, card);
    out
}

fn facts(out: &mut Vec<Entry>, card: &Card, at: DateTime<Utc>) {
    use Section::Facts as S;
    let id = &card.ctx.identity;
    let m = &card.ctx.member;
    out.push(Entry::heading(S, inert(&id.name)));
    out.push(Entry::new(
        S,
        format!(
            "{} {} in {} · {}",
            id.provider,
            id.kind,
            inert(&id.account),
            id.status.as_str()
        ),
        Tone::Plain,
    ));
    if id.native_id != id.name {
        out.push(Entry::new(S, inert(&id.native_id), Tone::Muted));
    }
    let owner = m.owner.as_deref().map_or("— none —".into(), inert);
    out.push(Entry::new(S, format!("owner: {owner}"), Tone::Plain));
    let function = m.function.as_deref().map_or("— not set —".into(), inert);
    out.push(Entry::new(S, format!("function: {function}"), Tone::Plain));
    if m.verdict == Some(Verdict::Keep) && m.second_review {
        out.push(match &m.confirmed_by {
            Some(by) => Entry::new(
                S,
                format!("second review: confirmed by {}", inert(by)),
                Tone::Ok,
            ),
            None => Entry::new(
                S,
                "this keep waits for a second review: another reviewer confirms it with C".into(),
                Tone::Warn,
            ),
        });
    }
    if let Some(assignee) = &m.assignee {
        out.push(Entry::new(
            S,
            format!("assigned to {}", inert(assignee)),
            Tone::Muted,
        ));
    }
    if let Some(why) = &m.expected_unused {
        out.push(Entry::new(
            S,
            format!("unused by design: {}", inert(why)),
            Tone::Ok,
        ));
    }
    out.push(Entry::new(
        S,
        format!(
            "created {}{} · last used {}",
            id.created_at
                .map_or_else(|| "on an unknown date".to_owned(), |t| day(Some(t))),
            age(id.created_at, at),
            last_used_text(id.last_used_at, id.usage_tracked)
        ),
        Tone::Plain,
    ));
    if id.third_party {
        out.push(Entry::new(S, "belongs to a third party".into(), Tone::Warn));
    }
}

fn suggestion(out: &mut Vec<Entry>, card: &Card) {
    use Section::Suggestion as S;
    let r = &card.ctx.suggestion;
    let mut text = format!("suggested {}: {}", r.verdict, r.reasons.join("; "));
    if !r.remove.is_empty() {
        let items: Vec<String> = r.remove.iter().map(|i| inert(&i.reference())).collect();
        text.push_str(&format!(" (remove {})", items.join(", ")));
    }
    out.push(Entry::new(S, text, Tone::Ok));
    let Some(p) = &card.ctx.previous else {
        return;
    };
    // No verdict stood there at its end: left undecided, undone, or recorded unreviewed at its
    // close (all three read the same from here).
    let last = p.decision.as_ref().map_or_else(
        || "no verdict".to_owned(),
        |d| {
            let verdict = d.verdict.map_or("", Verdict::as_str);
            let function = if d.business_function.is_empty() {
                String::new()
            } else {
                format!(", '{}'", inert(&d.business_function))
            };
            format!("{verdict} by {}{function}", inert(&d.reviewer))
        },
    );
    if p.changes.is_empty() {
        let hint = if card.ctx.carry_forward().is_some() {
            " — A re-attests it"
        } else {
            ""
        };
        out.push(Entry::new(
            S,
            format!("unchanged since {}: {last}{hint}", p.campaign),
            Tone::Ok,
        ));
        if let Some(d) = &p.decision
            && d.verdict.is_some_and(|v| v != Verdict::Keep)
        {
            out.push(Entry::new(
                S,
                format!(
                    "{} was decided in {} but nothing changed since: not carried out",
                    d.verdict.map_or("", Verdict::as_str),
                    p.campaign
                ),
                Tone::Warn,
            ));
        }
        return;
    }
    out.push(Entry::new(
        S,
        format!("changed since {} ({last}):", p.campaign),
        Tone::Warn,
    ));
    for change in &p.changes {
        out.push(Entry::new(S, format!("  {}", inert(change)), Tone::Plain));
    }
}

fn credentials(out: &mut Vec<Entry>, card: &Card, at: DateTime<Utc>) {
    use Section::Credentials as S;
    let id = &card.ctx.identity;
    out.push(Entry::heading(
        S,
        format!("Credentials ({})", id.credentials.len()),
    ));
    if id.credentials.is_empty() {
        out.push(Entry::new(S, "none".into(), Tone::Muted));
    }
    let items = id.removable();
    for c in &id.credentials {
        let state = if c.active { "active" } else { "inactive" };
        let used = match (c.last_used_at, c.usage_tracked) {
            (Some(t), _) => format!("used {}", day(Some(t))),
            (None, true) => "never used".into(),
            (None, false) => "use unknown".into(),
        };
        let expires = c
            .expires_at
            .map(|e| format!(" · expires {}", day(Some(e))))
            .unwrap_or_default();
        let mut text = format!(
            "{} · {state} · rotated {}{} · {used}{expires}",
            c.kind,
            day(c.created_at),
            age(c.created_at, at)
        );
        let mut entry = Entry::new(S, String::new(), Tone::Plain);
        entry.label = Some((inert(&c.id), Tone::Title));
        if c.platform_managed {
            text.push_str(" (platform-managed: not up for review)");
            entry.tone = Tone::Muted;
        } else if c.gone_at.is_some() {
            text.push_str(" (gone from its export)");
            entry.tone = Tone::Muted;
        } else {
            entry.item = items.iter().position(|i| *i == c.item());
        }
        entry.text = text;
        out.push(entry);
    }
}

fn grants(out: &mut Vec<Entry>, card: &Card) {
    use Section::Grants as S;
    let id = &card.ctx.identity;
    out.push(Entry::heading(S, format!("Grants ({})", id.grants.len())));
    if id.grants.is_empty() {
        out.push(Entry::new(
            S,
            "none in the imported exports".into(),
            Tone::Muted,
        ));
    }
    let items = id.removable();
    for g in &id.grants {
        let mut text = format!("{} on {}", inert(&g.permission), inert(&g.resource));
        if !g.via.is_empty() {
            text.push_str(&format!(" via {}", inert(&g.via)));
        }
        if !g.condition.is_empty() {
            text.push_str(&format!(" if {}", inert(&g.condition)));
        }
        let tone = match g.tier {
            Tier::Admin => Tone::Danger,
            Tier::Write => Tone::Warn,
            _ => Tone::Plain,
        };
        let mut entry = Entry::new(S, text, Tone::Plain);
        entry.label = Some((g.tier.as_str().to_owned(), tone));
        if g.gone_at.is_some() {
            entry.text.push_str(" (gone from its export)");
            entry.tone = Tone::Muted;
        } else {
            entry.item = items.iter().position(|i| *i == g.item());
        }
        out.push(entry);
    }
}

fn signals(out: &mut Vec<Entry>, card: &Card) {
    use Section::Signals as S;
    out.push(Entry::heading(
        S,
        format!("Signals ({})", card.ctx.signals.len()),
    ));
    if card.ctx.signals.is_empty() {
        out.push(Entry::new(S, "none".into(), Tone::Muted));
    }
    for s in &card.ctx.signals {
        let mut entry = Entry::new(S, inert(&s.detail), Tone::Plain);
        entry.label = Some((format!("{} {}", s.code.badge(), s.owasp), Tone::Warn));
        out.push(entry);
    }
}

fn history(out: &mut Vec<Entry>, card: &Card) {
    use Section::History as S;
    out.push(Entry::heading(
        S,
        format!("History ({} in this campaign)", card.history.len()),
    ));
    if card.history.is_empty() && card.earlier.is_empty() {
        out.push(Entry::new(S, "nothing recorded yet".into(), Tone::Muted));
    }
    for h in &card.history {
        let verdict = h.verdict.clone().unwrap_or_default();
        let what = match (h.kind, h.action.as_deref()) {
            (RecordKind::Owner, _) => format!(
                "owner set to {}",
                h.owner
                    .as_deref()
                    .filter(|o| !o.is_empty())
                    .map_or("(none)".into(), inert)
            ),
            (RecordKind::Function, _) => format!(
                "function set to '{}'",
                inert(h.business_function.as_deref().unwrap_or(""))
            ),
            (RecordKind::ExpectedUnused, _) => match h.expected_unused.as_deref() {
                Some(reason) if !reason.is_empty() => {
                    format!("marked unused by design: {}", inert(reason))
                }
                _ => "unused-by-design mark withdrawn".to_owned(),
            },
            (RecordKind::Assign, _) => format!(
                "assigned to {}",
                inert(h.assignee.as_deref().unwrap_or("(nobody)"))
            ),
            (RecordKind::Confirm, _) => "confirmed the decision (second review)".to_owned(),
            (_, Some("undo")) => "undone".to_owned(),
            (_, Some("reattest")) => format!("re-attested {verdict}"),
            (_, Some("unreviewed")) => "unreviewed at close".to_owned(),
            _ => verdict,
        };
        out.push(Entry::new(
            S,
            format!(
                "#{} {} {what} by {}",
                h.seq,
                h.at.format("%Y-%m-%d %H:%M"),
                inert(&h.reviewer)
            ),
            Tone::Plain,
        ));
    }
    for e in &card.earlier {
        out.push(Entry::new(
            S,
            format!(
                "{}: {} by {} ({})",
                e.campaign,
                e.verdict,
                inert(&e.reviewer),
                e.at.get(..10).unwrap_or(&e.at)
            ),
            Tone::Muted,
        ));
    }
}

/// Index of the entry of removable item `item`.
pub fn entry_of_item(entries: &[Entry], item: usize) -> Option<usize> {
    entries.iter().position(|e| e.item == Some(item))
}

/// The heading after (`forward`) or before the entry at `from`, if any.
pub fn next_heading(entries: &[Entry], from: usize, forward: bool) -> Option<usize> {
    let headings = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.heading)
        .map(|(i, _)| i);
    if forward {
        headings.filter(|i| *i > from).min()
    } else {
        headings.filter(|i| *i < from).max()
    }
}
