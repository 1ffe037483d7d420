//! `campaign status`: progress per reviewer and per owner, as a table or JSON Lines.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::RunContext;
use crate::cli::ListFormat;
use crate::db::Store;
use crate::output::CsvOut;
use crate::review::{self, Progress};
use crate::text::{inert, pad};

/// One JSON Lines object: a remediation item still outstanding.
#[derive(Serialize)]
struct Outstanding<'a> {
    campaign: &'a str,
    by: &'a str,
    #[serde(flatten)]
    item: &'a review::OutstandingItem,
}

/// One JSON Lines object: a row of the status, by reviewer or by owner.
#[derive(Serialize)]
struct Line<'a> {
    campaign: &'a str,
    by: &'a str,
    #[serde(flatten)]
    progress: &'a Progress,
}

fn rows(status: &review::Status) -> impl Iterator<Item = (&'static str, &Progress)> {
    status
        .reviewers
        .iter()
        .map(|p| ("reviewer", p))
        .chain(status.owners.iter().map(|p| ("owner", p)))
}

/// Print the status of `campaign`.
pub fn run(
    store: &Store,
    ctx: &RunContext,
    campaign: &str,
    format: ListFormat,
    out: &mut dyn Write,
) -> Result<()> {
    let status = review::status(store, campaign, ctx.now.date_naive())?;
    match format {
        ListFormat::Json => {
            for (by, progress) in rows(&status) {
                serde_json::to_writer(
                    &mut *out,
                    &Line {
                        campaign: &status.campaign,
                        by,
                        progress,
                    },
                )?;
                writeln!(out)?;
            }
            let r = &status.remediation;
            serde_json::to_writer(
                &mut *out,
                &serde_json::json!({
                    "campaign": status.campaign, "by": "remediation",
                    "open": r.open, "verified": r.verified, "outstanding": r.outstanding,
                }),
            )?;
            writeln!(out)?;
            for item in &status.outstanding {
                serde_json::to_writer(
                    &mut *out,
                    &Outstanding {
                        campaign: &status.campaign,
                        by: "outstanding",
                        item,
                    },
                )?;
                writeln!(out)?;
            }
        }
        ListFormat::Csv => {
            let mut w = CsvOut::new(&mut *out);
            w.row([
                "campaign",
                "by",
                "name",
                "total",
                "decided",
                "pending_second_review",
                "undecided",
                "overdue",
            ])?;
            for (by, p) in rows(&status) {
                w.row([
                    status.campaign.clone(),
                    by.to_owned(),
                    p.name.clone(),
                    p.total.to_string(),
                    p.decided.to_string(),
                    p.pending_second_review.to_string(),
                    p.undecided.to_string(),
                    p.overdue.to_string(),
                ])?;
            }
            let r = &status.remediation;
            for (name, n) in [
                ("open", r.open),
                ("verified", r.verified),
                ("outstanding", r.outstanding),
            ] {
                w.row([
                    status.campaign.as_str(),
                    "remediation",
                    name,
                    &n.to_string(),
                    "",
                    "",
                    "",
                    "",
                ])?;
            }
            w.finish()?;
        }
        ListFormat::Table => table(&status, out)?,
    }
    super::finish(out)
}

fn table(status: &review::Status, out: &mut dyn Write) -> Result<()> {
    let due = match (status.due_date, status.overdue) {
        (Some(d), true) => format!("due {d}: OVERDUE"),
        (Some(d), false) => format!("due {d}"),
        (None, _) => "no due date".to_owned(),
    };
    let closed = if status.closed { " · closed" } else { "" };
    writeln!(
        out,
        "campaign '{}' · {due}{closed}",
        inert(&status.campaign)
    )?;
    for (title, list, none) in [
        ("BY REVIEWER", &status.reviewers, "(unassigned)"),
        ("BY OWNER", &status.owners, "(no owner)"),
    ] {
        writeln!(
            out,
            "\n{}  {:>6} {:>8} {:>8} {:>11} {:>8}",
            pad(title, 32),
            "TOTAL",
            "DECIDED",
            "2ND REV",
            if status.closed {
                "UNREVIEWED"
            } else {
                "UNDECIDED"
            },
            "OVERDUE"
        )?;
        for p in list {
            let name = if p.name.is_empty() {
                none.to_owned()
            } else {
                inert(&p.name)
            };
            writeln!(
                out,
                "{}  {:>6} {:>8} {:>8} {:>11} {:>8}",
                pad(&name, 32),
                p.total,
                p.decided,
                p.pending_second_review,
                p.undecided,
                p.overdue
            )?;
        }
    }
    let r = &status.remediation;
    if r.open + r.verified + r.outstanding > 0 {
        writeln!(
            out,
            "\nREMEDIATION  {} items of its revokes and reduces: {} open, {} verified, {} outstanding",
            r.open + r.verified + r.outstanding,
            r.open,
            r.verified,
            r.outstanding
        )?;
        const SHOWN: usize = 30;
        for item in status.outstanding.iter().take(SHOWN) {
            writeln!(
                out,
                "  OUTSTANDING {} {} ({}): {}; still in the import of {}",
                item.verdict.as_str(),
                inert(&item.name),
                item.identity,
                if item.item.is_empty() {
                    "the whole identity".to_owned()
                } else {
                    inert(&item.item)
                },
                item.seen_at
            )?;
        }
        if status.outstanding.len() > SHOWN {
            writeln!(out, "  … and {} more", status.outstanding.len() - SHOWN)?;
        }
        if r.open + r.outstanding > 0 {
            writeln!(
                out,
                "  what is left: nhi-review remediation --campaign {} --outstanding",
                crate::remediation::render::quote(&status.campaign)
            )?;
        }
    }
    Ok(())
}
