//! `decide` and `annotate`: the review's rules from the command line, through the same domain
//! functions the screen calls.

use std::io::Write;

use anyhow::Result;

use crate::RunContext;
use crate::cli::{AnnotateArgs, DecideArgs};
use crate::db::Store;
use crate::model::DecisionAction;
use crate::review::{self, Annotation, DecisionRequest};
use crate::text::inert;

/// Record the decision and print it with its place in the chain.
pub fn run(
    store: &mut Store,
    ctx: &RunContext,
    args: &DecideArgs,
    out: &mut dyn Write,
) -> Result<()> {
    if args.confirm {
        let seq = review::confirm(
            store,
            &review::ConfirmRequest {
                campaign: args.campaign.clone(),
                identity: args.identity.clone(),
                justification: args.justification.clone(),
                reviewer: review::reviewer::resolve(args.reviewer.as_deref())?,
                at: ctx.now,
            },
        )?;
        writeln!(
            out,
            "recorded #{seq} in '{}': second review confirms the keep of {}",
            args.campaign,
            crate::text::inert(&args.identity)
        )?;
        return super::finish(out);
    }
    let action = if args.undo {
        DecisionAction::Undo
    } else if args.reattest {
        DecisionAction::Reattest
    } else {
        DecisionAction::Decide
    };
    let recorded = review::decide(
        store,
        &DecisionRequest {
            campaign: args.campaign.clone(),
            identities: vec![args.identity.clone()],
            action,
            verdict: args.verdict,
            remove: args.remove.clone(),
            owner: args.owner.clone(),
            function: args.function.clone(),
            justification: args.justification.clone(),
            reviewer: review::reviewer::resolve(args.reviewer.as_deref())?,
            at: ctx.now,
        },
    )
    .map_err(|e| review::rules::RuleError::naming_field(e, |field| format!("--{field}")))?;
    for r in recorded {
        let what = match (r.action, r.verdict) {
            (DecisionAction::Undo, _) => "undone: undecided again".to_owned(),
            (DecisionAction::Reattest, _) => "re-attested keep".to_owned(),
            (_, Some(v)) => v.to_string(),
            (_, None) => String::new(),
        };
        writeln!(
            out,
            "recorded #{} in '{}': {what} {} ({}); owner {}; function {}; hash {}",
            r.seq,
            inert(&args.campaign),
            inert(&r.name),
            r.short_id,
            inert(r.owner.as_deref().unwrap_or("(none)")),
            inert(r.function.as_deref().unwrap_or("(none)")),
            r.row_hash
        )?;
        for item in &r.removed {
            writeln!(out, "  removes {}", inert(&item.reference()))?;
        }
        if r.owner_changed {
            writeln!(out, "  owner change recorded as #{}", r.seq - 1)?;
        }
        if r.waits_for_second_review {
            writeln!(
                out,
                "  the keep of admin-tier access stands once a second, different reviewer confirms it: nhi-review decide --campaign {} --identity {} --confirm",
                inert(&args.campaign),
                r.short_id
            )?;
        }
    }
    super::finish(out)
}

/// Record an owner or business-function change.
pub fn annotate(
    store: &mut Store,
    ctx: &RunContext,
    args: &AnnotateArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let done = review::annotate(
        store,
        &Annotation {
            campaign: args.campaign.clone(),
            identity: args.identity.clone(),
            owner: args.owner.clone(),
            function: args.function.clone(),
            expected_unused: args.expected_unused.clone(),
            reviewer: review::reviewer::resolve(args.reviewer.as_deref())?,
            at: ctx.now,
        },
    )?;
    if done.records.is_empty() {
        writeln!(out, "{}: nothing changed", inert(&done.name))?;
    } else {
        let seqs: Vec<String> = done.records.iter().map(|s| format!("#{s}")).collect();
        writeln!(
            out,
            "recorded {} in '{}': {} owner {}, function {}, expected unused {}",
            seqs.join(", "),
            inert(&args.campaign),
            inert(&done.name),
            inert(done.owner.as_deref().unwrap_or("(none)")),
            inert(done.function.as_deref().unwrap_or("(none)")),
            inert(done.expected_unused.as_deref().unwrap_or("(no)"))
        )?;
    }
    super::finish(out)
}
