//! `decide`: one decision from the command line.

use std::io::Write;

use anyhow::Result;

use crate::RunContext;
use crate::cli::DecideArgs;
use crate::db::{NewDecision, Store};
use crate::model::DecisionAction;

/// Record the decision and print it with its place in the chain.
pub fn run(
    store: &mut Store,
    ctx: &RunContext,
    args: &DecideArgs,
    out: &mut dyn Write,
) -> Result<()> {
    if let Some(owner) = &args.owner {
        let identity = store.find_identity(&args.identity)?;
        store.set_owner(identity.row_id, owner)?;
    }
    let row = store.record_decision(&NewDecision {
        campaign: args.campaign.clone(),
        identity: args.identity.clone(),
        action: DecisionAction::Decide,
        verdict: Some(args.verdict),
        remove: args.remove.clone(),
        business_function: args.function.clone(),
        justification: args.justification.clone(),
        reviewer: crate::reviewer_name(args.reviewer.as_deref())?,
        decided_at: ctx.now,
    })?;
    writeln!(
        out,
        "recorded #{} in '{}': {} {} ({}) by {}; hash {}",
        row.seq, row.campaign, row.verdict, row.name, row.identity_id, row.reviewer, row.row_hash
    )?;
    super::finish(out)
}
