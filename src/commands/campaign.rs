//! `campaign start|list|close|verify`.

use std::io::Write;

use anyhow::{Result, bail};

use crate::RunContext;
use crate::cli::CampaignCommand;
use crate::db::{CampaignInfo, Store};
use crate::model::Thresholds;

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
        } => {
            if rotation_days < 1 || inactivity_days < 1 {
                bail!("--rotation-days and --inactivity-days must be at least 1");
            }
            let thresholds = Thresholds {
                rotation_days,
                inactivity_days,
            };
            let c = store.start_campaign(&name, due, thresholds, ctx.now)?;
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
        CampaignCommand::List => {
            let all = store.campaigns()?;
            if all.is_empty() {
                writeln!(out, "no campaigns yet: nhi-review campaign start NAME")?;
            }
            for c in all {
                let chain = match store.verify_chain(&c.name)? {
                    Ok((_, n)) => format!("chain ok ({n} records)"),
                    Err(e) => format!("CHAIN BROKEN: {e}"),
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
                    chain
                )?;
            }
        }
        CampaignCommand::Close { name } => {
            let c = store.close_campaign(&name, ctx.now)?;
            let undecided = c.population_size - c.counts.decided();
            writeln!(out, "closed campaign '{}': {}", c.name, progress(&c))?;
            if undecided > 0 {
                writeln!(out, "warning: {undecided} identities were left undecided")?;
            }
        }
        CampaignCommand::Verify { name } => match store.verify_chain(&name)? {
            Ok((head, n)) => writeln!(
                out,
                "campaign '{name}': decision chain intact, {n} records, head {head}"
            )?,
            Err(e) => bail!("campaign '{name}': decision chain broken: {e}"),
        },
    }
    super::finish(out)
}
