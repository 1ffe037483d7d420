//! `campaign start|list|close|verify`.

use std::io::Write;

use anyhow::{Result, bail};

use crate::RunContext;
use crate::cli::{CampaignCommand, ListFormat};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, Store};
use crate::model::Thresholds;
use crate::review::{self, CloseRequest, StartRequest};
use crate::text::{inert, pad, width};

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

/// Run a campaign subcommand: `list`, `status` and `verify` on the database opened read-only.
pub fn run(ctx: &RunContext, cmd: CampaignCommand, out: &mut dyn Write) -> Result<()> {
    let read_only = matches!(
        cmd,
        CampaignCommand::List { .. }
            | CampaignCommand::Status { .. }
            | CampaignCommand::Verify { .. }
    );
    let mut store = if read_only {
        super::open_store_read_only(ctx)?
    } else {
        super::open_store_checking_beside(ctx)?
    };
    let store = &mut store;
    match cmd {
        CampaignCommand::Start {
            name,
            due,
            rotation_days,
            inactivity_days,
            reviewer,
            scope,
            default_reviewer,
            second_review,
            independent,
        } => {
            let request = StartRequest {
                name,
                due,
                thresholds: Thresholds {
                    rotation_days,
                    inactivity_days,
                },
                started_by: review::reviewer::resolve(reviewer.as_deref())?,
                at: ctx.now,
                scope: scope_of(&scope)?,
                default_reviewer,
                second_review_admin: second_review.is_some(),
                independent,
            };
            let _note = crate::db::wait::Note::leave(
                &ctx.db_path()?,
                &format!("campaign start '{}' is running", request.name),
                &crate::db::ts(chrono::Utc::now()),
            );
            start(store, ctx, &request, out)?;
        }
        CampaignCommand::List {
            format: ListFormat::Table,
        } => list(store, out)?,
        CampaignCommand::List { format } => super::listings::campaigns(store, format, out)?,
        CampaignCommand::Assign {
            name,
            owner,
            provider,
            identity,
            from,
            to,
            reason,
            reviewer,
        } => {
            let done = review::assign(
                store,
                &review::AssignRequest {
                    campaign: name.clone(),
                    selection: review::Selection {
                        owners: owner,
                        providers: provider,
                        identities: identity,
                        assignees: from,
                    },
                    to: to.clone(),
                    reason,
                    reviewer: review::reviewer::resolve(reviewer.as_deref())?,
                    at: ctx.now,
                },
            )?;
            let to = inert(&to);
            writeln!(
                out,
                "assigned {} of '{name}' to {to}",
                crate::text::counted(done.assigned, "identity", "identities")
            )?;
            if done.assigned < done.matched {
                writeln!(
                    out,
                    "{} matched were assigned to {to} already",
                    done.matched - done.assigned
                )?;
            }
        }
        CampaignCommand::Status { name, format } => {
            super::status::run(store, ctx, &name, format, out)?;
        }
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
        CampaignCommand::Verify {
            name,
            format: ListFormat::Table,
        } => verify(store, &name, out)?,
        CampaignCommand::Verify { name, format } => {
            let result = super::listings::verify(store, &name, format, out);
            super::finish(out)?;
            result?
        }
    }
    super::finish(out)
}

/// `campaign start`: freeze the population, say what is in scope and who has no reviewer.
fn start(
    store: &mut Store,
    ctx: &RunContext,
    request: &StartRequest,
    out: &mut dyn Write,
) -> Result<()> {
    let mut bar = super::progress::Bar::new(ctx.quiet);
    let c = review::start_with_progress(store, request, &mut bar)?;
    bar.clear();
    if c.due_date.is_some_and(|d| d < ctx.now.date_naive()) {
        writeln!(
            out,
            "warning: the due date {} is already past",
            c.due_date.map(|d| d.to_string()).unwrap_or_default()
        )?;
    }
    writeln!(
        out,
        "started campaign '{}': {} identities in scope{}, rotation {} days, inactivity {} days; population sha256 {}",
        inert(&c.name),
        c.population_size,
        c.due_date.map(|d| format!(", due {d}")).unwrap_or_default(),
        c.thresholds.rotation_days,
        c.thresholds.inactivity_days,
        c.population_hash
    )?;
    if !c.scope.is_empty() {
        writeln!(out, "scope: {}", inert(&c.scope))?;
    }
    unassigned(store, &c, out)?;
    writeln!(out, "review it with: nhi-review review {}", inert(&c.name))?;
    Ok(())
}

/// The tiers and filters of `campaign start`.
fn scope_of(args: &crate::cli::ScopeArgs) -> Result<review::scope::Scope> {
    let tiers = args
        .tiers
        .iter()
        .map(|t| {
            crate::model::Tier::from_name(t).ok_or_else(|| anyhow::anyhow!("unknown tier '{t}'"))
        })
        .collect::<Result<_>>()?;
    Ok(review::scope::Scope {
        providers: args.providers.clone(),
        accounts: args.accounts.clone(),
        kinds: args.kinds.clone(),
        tiers,
        owners: args.owners.clone(),
    })
}

/// Say which identities have no reviewer: never silently dropped.
fn unassigned(store: &Store, c: &CampaignInfo, out: &mut dyn Write) -> Result<()> {
    let names = store.unassigned_members(c.id, 10)?;
    let total = store.unassigned_count(c.id)?;
    if total == 0 {
        writeln!(out, "every identity has a reviewer")?;
        return Ok(());
    }
    writeln!(
        out,
        "{total} identities have no owner and no reviewer (assign them with 'nhi-review campaign assign {} --identity ID --to REVIEWER --reason …', or start with --default-reviewer):",
        c.name
    )?;
    for n in &names {
        writeln!(out, "  {}", inert(n))?;
    }
    if total > names.len() as u64 {
        writeln!(out, "  … and {} more", total - names.len() as u64)?;
    }
    Ok(())
}

fn list(store: &Store, out: &mut dyn Write) -> Result<()> {
    let all = store.campaigns()?;
    if all.is_empty() {
        writeln!(out, "no campaigns yet: nhi-review campaign start NAME")?;
    }
    // Columns as wide as their widest cell (names and progress vary), one line per campaign.
    let mut rows = Vec::with_capacity(all.len());
    for c in &all {
        let head = match store.chain_head(c.id)? {
            Some((seq, hash)) => format!("head #{seq} {}", &hash[..hash.len().min(12)]),
            None => "no records".to_owned(),
        };
        let unassigned = store.unassigned_count(c.id)?;
        let unassigned = if unassigned > 0 {
            format!("  {unassigned} unassigned")
        } else {
            String::new()
        };
        rows.push((inert(&c.name), progress(c), head, unassigned));
    }
    let name_width = rows.iter().map(|r| width(&r.0)).max().unwrap_or(0).max(16);
    let progress_width = rows.iter().map(|r| width(&r.1)).max().unwrap_or(0);
    for (c, (name, progress, head, unassigned)) in all.iter().zip(rows) {
        writeln!(
            out,
            "{} {:<6} started {}  due {:<10}  {}  {head}{unassigned}",
            pad(&name, name_width),
            c.status.to_string(),
            c.started_at.format("%Y-%m-%d"),
            c.due_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            pad(&progress, progress_width),
        )?;
    }
    Ok(())
}

fn verify(store: &Store, name: &str, out: &mut dyn Write) -> Result<()> {
    let (damage, report) = store.damage_while(|s| review::verify(s, name));
    if let Some(damage) = damage? {
        writeln!(out, "database: damaged ({})", inert(&damage))?;
        super::finish(out)?;
        bail!(
            "the database file is damaged: 'nhi-review check' lists every problem; restore it from a backup"
        );
    }
    let report = report?;
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
        if report.checkpoints > 0 {
            writeln!(out, "  - {}", review::verify::CHECKPOINT_CHECK)?;
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
