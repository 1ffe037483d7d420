//! `remediation`: the runbook of a campaign's revokes and reduces, and where each stands.

use std::io::Write;

use anyhow::Result;

use crate::RunContext;
use crate::cli::RemediationArgs;
use crate::db::Store;
use crate::db::prelude::*;
use crate::output::SafeFile;
use crate::remediation::render::{Header, Renderer};
use crate::remediation::{ClosureCounts, plan};

fn write(
    store: &Store,
    ctx: &RunContext,
    args: &RemediationArgs,
    w: &mut dyn Write,
) -> Result<ClosureCounts> {
    let campaign = store.campaign(&args.campaign)?;
    let state = match campaign.closed_at {
        Some(t) => format!("closed {}", crate::db::ts(t)),
        None => "open: decisions may still change".into(),
    };
    let header = Header {
        campaign: campaign.name.clone(),
        state,
        generated_at: crate::db::ts(ctx.now),
        outstanding_only: args.outstanding,
        execute_ready: args.execute_ready,
    };
    let mut renderer = Renderer::new(args.format, header, Box::new(w))?;
    let mut counts = ClosureCounts::default();
    plan(store, &campaign, |action| {
        counts.add(&action);
        renderer.action(&action)
    })?;
    renderer.finish(&counts)?;
    Ok(counts)
}

/// `remediation`.
pub fn run(
    store: &Store,
    ctx: &RunContext,
    args: &RemediationArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let Some(path) = &args.output else {
        write(store, ctx, args, out)?;
        return super::finish(out);
    };
    let mut file = SafeFile::create(path, &ctx.protected_paths()?)?;
    let counts = write(store, ctx, args, &mut file)?;
    file.commit()?;
    writeln!(
        out,
        "wrote the remediation of campaign '{}' to '{}': {} items open, {} verified, {} outstanding",
        args.campaign,
        path.display(),
        counts.open,
        counts.verified,
        counts.outstanding
    )?;
    super::finish(out)
}
