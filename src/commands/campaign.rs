//! `campaign start|list|close|verify`.

use std::io::Write;

use anyhow::{Result, bail};

use crate::RunContext;
use crate::cli::CampaignCommand;
use crate::db::prelude::*;
use crate::db::{CampaignInfo, Store};
use crate::model::Thresholds;
use crate::review::{self, CloseRequest, StartRequest};

/// The newest open campaign's name, for `review` without a name.
pub fn newest_open(store: &Store) -> Result<String> {
    match store.campaigns()?.into_iter().find(CampaignInfo::is_open) {
        Some(c) => Ok(c.name),
        None => bail!("no open campaign: start one with 'nhi-review campaign start NAME'"),
    }
}

fn progress(c: &CampaignInfo) -> String {
    format!(
        "{}/{} decided (keep {}, reduce {}, revoke {})",
        c.counts.decided(),
        c.population_size,
        c.counts.keep,
        c.counts.reduce,
        c.counts.revoke
    )
}

/// Run a campaign subcommand.
pub fn run(
    store: &mut Store,
    ctx: &RunContext,
    cmd: CampaignCommand,
    out: &mut dyn Write,
) -> Result<()> {
    match cmd {
        CampaignCommand::Start {
            name,
            due,
            rotation_days,
            inactivity_days,
            reviewer,
        } => {
            let c = review::start(
                store,
                &StartRequest {
                    name,
                    due,
                    thresholds: Thresholds {
                        rotation_days,
                        inactivity_days,
                    },
                    started_by: review::reviewer::resolve(reviewer.as_deref())?,
                    at: ctx.now,
                },
            )?;
            writeln!(
                out,
                "started campaign '{}': {} identities in scope{}, rotation {} days, inactivity {} days; population sha256 {}",
                c.name,
                c.population_size,
                c.due_date.map(|d| format!(", due {d}")).unwrap_or_default(),
                c.thresholds.rotation_days,
                c.thresholds.inactivity_days,
                c.population_hash
            )?;
            writeln!(out, "review it with: nhi-review review {}", c.name)?;
        }
        CampaignCommand::List => list(store, out)?,
        CampaignCommand::Close {
            name,
            accept_undecided,
            reviewer,
        } => {
            let closed = review::close(
                store,
                &CloseRequest {
                    campaign: name,
                    accept_undecided,
                    reviewer: review::reviewer::resolve(reviewer.as_deref())?,
                    at: ctx.now,
                },
            )?;
            let c = &closed.campaign;
            writeln!(out, "closed campaign '{}': {}", c.name, progress(c))?;
            if closed.unreviewed > 0 {
                writeln!(
                    out,
                    "{} identities recorded as unreviewed (not decided before the close)",
                    closed.unreviewed
                )?;
            }
            writeln!(
                out,
                "chain head #{} {} (write it down: 'campaign verify' prints it too)",
                closed.head.0, closed.head.1
            )?;
        }
        CampaignCommand::Verify { name } => verify(store, &name, out)?,
    }
    super::finish(out)
}

fn list(store: &Store, out: &mut dyn Write) -> Result<()> {
    let all = store.campaigns()?;
    if all.is_empty() {
        writeln!(out, "no campaigns yet: nhi-review campaign start NAME")?;
    }
    for c in all {
        let head = match store.chain_head(c.id)? {
            Some((seq, hash)) => format!("head #{seq} {}", &hash[..hash.len().min(12)]),
            None => "no records".to_owned(),
        };
        writeln!(
            out,
            "{:<16} {:<6} started {}  due {:<10}  {}  {}",
            c.name,
            c.status,
            c.started_at.format("%Y-%m-%d"),
            c.due_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            progress(&c),
            head
        )?;
    }
    Ok(())
}

fn verify(store: &Store, name: &str, out: &mut dyn Write) -> Result<()> {
    let report = review::verify(store, name)?;
    if report.is_intact() {
        let (seq, head) = report.head.clone().unwrap_or_default();
        writeln!(
            out,
            "campaign '{}': intact — {} records, {} members; head #{seq} {head}",
            report.campaign, report.length, report.population
        )?;
        writeln!(out, "checked:")?;
        for check in review::verify::CHECKS {
            writeln!(out, "  - {check}")?;
        }
        if report.checkpoints == 0 {
            writeln!(
                out,
                "not checkable yet: the last records cut off with their caches, a forged record appended, or a chain recomputed from scratch; the signed checkpoint stored by 'nhi-review evidence' catches those"
            )?;
        } else {
            writeln!(
                out,
                "compared with {} signed checkpoint(s): nothing cut off, appended or recomputed since sign-off",
                report.checkpoints
            )?;
        }
        return Ok(());
    }
    for f in &report.findings {
        writeln!(out, "{f}")?;
    }
    super::finish(out)?;
    bail!(
        "campaign '{}' does not verify: {} finding(s) above",
        report.campaign,
        report.findings.len()
    )
}
