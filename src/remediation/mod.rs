//! Remediation: every standing revoke and reduce of a campaign turned into the provider's own
//! commands, spelled out in full (native ids, full resources, conditions), never executed here;
//! and the closure of each item — verified when a later import no longer shows it, outstanding
//! when an import made after the close still does.

mod aws;
mod cloud;
pub mod render;
mod saas;

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::prelude::*;
use crate::db::{CampaignInfo, StandingDecision};
use crate::model::{CampaignId, IdentityId, IdentityView, ItemRef, Verdict};

/// One argument of a command: literal text (quoted when written out) or a variable an earlier
/// lookup set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Text, from the export or fixed.
    Lit(String),
    /// `"$NAME"`.
    Var(String),
    /// Parts written as one word (`'https://…/grants/'"$GRANT_ID"`).
    Joined(Vec<Arg>),
}

/// What a step asks the operator to run or do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// A command line.
    Command(Vec<Arg>),
    /// A read-only command whose output (an id) a later command needs.
    Lookup {
        /// Variable it sets.
        var: String,
        /// The command.
        argv: Vec<Arg>,
        /// A `jq` program its output goes through, when the command cannot filter by itself.
        jq: Option<String>,
    },
    /// Something no CLI does: where to do it by hand.
    ByHand(String),
}

/// One step of an item's remediation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What it does, for people.
    pub does: String,
    /// How.
    pub run: Run,
}

/// A command of literal words.
pub(crate) fn cmd(does: impl Into<String>, words: &[&str]) -> Step {
    Step {
        does: does.into(),
        run: Run::Command(words.iter().map(|w| Arg::Lit((*w).to_owned())).collect()),
    }
}

/// A command of arguments, some of them variables.
pub(crate) fn cmd_args(does: impl Into<String>, args: Vec<Arg>) -> Step {
    Step {
        does: does.into(),
        run: Run::Command(args),
    }
}

/// Literal arguments.
pub(crate) fn lits(words: &[&str]) -> Vec<Arg> {
    words.iter().map(|w| Arg::Lit((*w).to_owned())).collect()
}

/// A lookup setting `var`.
pub(crate) fn lookup(does: impl Into<String>, var: &str, words: &[&str]) -> Step {
    Step {
        does: does.into(),
        run: Run::Lookup {
            var: var.to_owned(),
            argv: lits(words),
            jq: None,
        },
    }
}

/// A lookup whose output goes through a `jq` program.
pub(crate) fn lookup_jq(does: impl Into<String>, var: &str, argv: Vec<Arg>, jq: String) -> Step {
    Step {
        does: does.into(),
        run: Run::Lookup {
            var: var.to_owned(),
            argv,
            jq: Some(jq),
        },
    }
}

/// A literal argument.
pub(crate) fn lit(s: impl Into<String>) -> Arg {
    Arg::Lit(s.into())
}

/// A variable argument.
pub(crate) fn var(name: &str) -> Arg {
    Arg::Var(name.to_owned())
}

/// One word of parts.
pub(crate) fn joined(parts: Vec<Arg>) -> Arg {
    Arg::Joined(parts)
}

/// Something to do by hand.
pub(crate) fn by_hand(does: impl Into<String>, how: impl Into<String>) -> Step {
    Step {
        does: does.into(),
        run: Run::ByHand(how.into()),
    }
}

/// Where an item stands after the campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Closure {
    /// No import since the campaign closed (or it is still open): nothing to tell yet.
    Open,
    /// A later import no longer shows it (or shows it disabled or deactivated).
    Verified {
        /// When that import ran.
        at: String,
        /// How it shows: gone, disabled, deactivated.
        how: String,
        /// The import that showed it, when known.
        source: Option<String>,
    },
    /// An import made after the close still shows it.
    Outstanding {
        /// When it was last seen.
        seen_at: String,
    },
}

impl Closure {
    /// One word.
    pub fn word(&self) -> &'static str {
        match self {
            Closure::Open => "open",
            Closure::Verified { .. } => "verified",
            Closure::Outstanding { .. } => "outstanding",
        }
    }
}

/// One thing to remove: the identity (revoke) or one of its items (reduce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item, or `None` for the whole identity.
    pub item: Option<ItemRef>,
    /// The steps, in the order they must run.
    pub steps: Vec<Step>,
    /// Where it stands.
    pub closure: Closure,
}

/// The remediation of one standing decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The identity as imported now.
    pub identity: IdentityView,
    /// Revoke or reduce.
    pub verdict: Verdict,
    /// The standing decision.
    pub decision: StandingDecision,
    /// Its place in the chain.
    pub seq: u64,
    /// What to remove.
    pub items: Vec<Item>,
}

impl Action {
    /// Whether anything is left to do.
    pub fn is_outstanding(&self) -> bool {
        self.items
            .iter()
            .any(|i| !matches!(i.closure, Closure::Verified { .. }))
    }
}

fn ts(t: DateTime<Utc>) -> String {
    crate::db::ts(t)
}

/// The steps that remove the whole identity.
fn revoke_steps(identity: &IdentityView) -> Vec<Step> {
    match identity.provider.as_str() {
        "aws" => aws::revoke(identity),
        "gcp" => cloud::gcp_revoke(identity),
        "azure" => cloud::azure_revoke(identity),
        "k8s" => saas::k8s_revoke(identity),
        "github" => saas::github_revoke(identity),
        "okta" => saas::okta_revoke(identity),
        "workspace" => saas::workspace_revoke(identity),
        _ => vec![saas::by_hand_revoke(identity)],
    }
}

/// The steps that remove one item.
fn remove_steps(identity: &IdentityView, item: &ItemRef) -> Vec<Step> {
    match identity.provider.as_str() {
        "aws" => aws::remove(identity, item),
        "gcp" => cloud::gcp_remove(identity, item),
        "azure" => cloud::azure_remove(identity, item),
        "k8s" => saas::k8s_remove(identity, item),
        "github" => saas::github_remove(identity, item),
        "okta" => saas::okta_remove(identity, item),
        "workspace" => saas::workspace_remove(identity, item),
        _ => vec![saas::by_hand_remove(identity, item)],
    }
}

/// Where the whole identity stands after `closed_at`.
fn identity_closure(
    db: &impl Read,
    i: &IdentityView,
    closed_at: Option<DateTime<Utc>>,
) -> Result<Closure> {
    if let Some(gone) = i.gone_at {
        return Ok(Closure::Verified {
            at: ts(gone),
            how: "gone from its export".into(),
            source: db.source_of_change(i.row_id, None, gone)?,
        });
    }
    let Some(closed) = closed_at.filter(|c| i.last_seen_at > *c) else {
        return Ok(Closure::Open);
    };
    let _ = closed;
    // Disabled is not removed: it counts only when nothing is left to use (a suspended app that
    // keeps its grants, or an account disabled before the review, is still there).
    let holds = i
        .credentials
        .iter()
        .any(|c| c.active && c.gone_at.is_none())
        || i.grants.iter().any(|g| g.gone_at.is_none());
    if i.status == crate::model::Status::Disabled && !holds {
        return Ok(Closure::Verified {
            at: ts(i.last_seen_at),
            how: "disabled, holds no credential or grant".into(),
            source: db.source_of_change(i.row_id, None, i.last_seen_at)?,
        });
    }
    Ok(Closure::Outstanding {
        seen_at: ts(i.last_seen_at),
    })
}

/// Where one item stands after `closed_at`.
fn item_closure(
    db: &impl Read,
    i: &IdentityView,
    item: &ItemRef,
    closed_at: Option<DateTime<Utc>>,
) -> Result<Closure> {
    let (gone, seen, inactive) = match item {
        ItemRef::Credential { id } => match i.credentials.iter().find(|c| &c.id == id) {
            Some(c) => (c.gone_at, c.last_seen_at, !c.active),
            None => (Some(i.last_seen_at), i.last_seen_at, false),
        },
        ItemRef::Grant { .. } => match i.grants.iter().find(|g| g.item() == *item) {
            Some(g) => (g.gone_at, g.last_seen_at, false),
            None => (Some(i.last_seen_at), i.last_seen_at, false),
        },
    };
    if let Some(gone) = gone.or(i.gone_at) {
        return Ok(Closure::Verified {
            at: ts(gone),
            how: "gone from its export".into(),
            source: db.source_of_change(i.row_id, Some(item), gone)?,
        });
    }
    match closed_at {
        Some(c) if seen > c && inactive => Ok(Closure::Verified {
            at: ts(seen),
            how: "deactivated".into(),
            source: db.source_of_change(i.row_id, Some(item), seen)?,
        }),
        Some(c) if seen > c => Ok(Closure::Outstanding { seen_at: ts(seen) }),
        _ => Ok(Closure::Open),
    }
}

/// The remediation of one identity's standing decision in `campaign`, if it is a revoke or a
/// reduce.
pub fn action_for(
    db: &impl Read,
    campaign: &CampaignInfo,
    id: IdentityId,
) -> Result<Option<Action>> {
    let Some(standing) = db.standing_in(campaign.id, id)? else {
        return Ok(None);
    };
    let Some(decision) = standing.decision else {
        return Ok(None);
    };
    let verdict = match decision.verdict {
        Some(v @ (Verdict::Revoke | Verdict::Reduce)) => v,
        _ => return Ok(None),
    };
    let identity = db.identity(id)?;
    let seq = db.last_decision_seq(campaign.id, id)?.unwrap_or(0);
    let items = if verdict == Verdict::Revoke {
        vec![Item {
            item: None,
            steps: revoke_steps(&identity),
            closure: identity_closure(db, &identity, campaign.closed_at)?,
        }]
    } else {
        decision
            .removed
            .iter()
            .map(|item| {
                Ok(Item {
                    item: Some(item.clone()),
                    steps: remove_steps(&identity, item),
                    closure: item_closure(db, &identity, item, campaign.closed_at)?,
                })
            })
            .collect::<Result<_>>()?
    };
    Ok(Some(Action {
        identity,
        verdict,
        decision,
        seq,
        items,
    }))
}

/// Every standing revoke and reduce of a campaign, in review order, streamed to `each`.
pub fn plan(
    db: &impl Read,
    campaign: &CampaignInfo,
    mut each: impl FnMut(Action) -> Result<()>,
) -> Result<()> {
    for id in db.members_with_verdicts(campaign.id, &[Verdict::Revoke, Verdict::Reduce])? {
        if let Some(action) = action_for(db, campaign, id)? {
            each(action)?;
        }
    }
    Ok(())
}

/// Counts of items by closure, for status and evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClosureCounts {
    /// Items with nothing to tell yet.
    pub open: u64,
    /// Items a later import shows removed.
    pub verified: u64,
    /// Items an import after the close still shows.
    pub outstanding: u64,
}

impl ClosureCounts {
    /// Count the items of one action.
    pub fn add(&mut self, a: &Action) {
        for i in &a.items {
            match i.closure {
                Closure::Open => self.open += 1,
                Closure::Verified { .. } => self.verified += 1,
                Closure::Outstanding { .. } => self.outstanding += 1,
            }
        }
    }
}

/// Whether an import came after the campaign closed: only then can an item be seen again
/// (outstanding, or verified as deactivated).
fn seen_since_close(db: &impl Read, campaign: &CampaignInfo) -> Result<bool> {
    match campaign.closed_at {
        Some(at) => db.imported_after(at),
        None => Ok(false),
    }
}

/// How a campaign's remediation stands; `each` gets every action that may hold an item that is
/// not open (the others are counted without being read one by one).
///
/// An item is open unless its identity or the item is gone, or an import after the close saw
/// it. So without an import since the close, only the members with something gone are read
/// through [`action_for`] (found through the indexes of gone rows); every other revoke or
/// reduce has all of its items open, counted from the decisions in one query. This holds
/// because the items of a reviewed identity are never deleted (an import deletes only
/// identities no review refers to), so each removed item is found. With an import since the
/// close, every action is read.
pub fn closure_counts_with(
    db: &impl Read,
    campaign: &CampaignInfo,
    each: impl FnMut(&Action),
) -> Result<ClosureCounts> {
    closure_counts_from(db, campaign, || db.decided_items(campaign.id), each)
}

/// [`closure_counts`] for a caller that has already counted the items of the campaign's
/// standing revokes and reduces (`RemediationReads::decided_items`; evidence counts them while
/// it reads every member).
pub fn closure_counts_knowing(
    db: &impl Read,
    campaign: &CampaignInfo,
    decided_items: u64,
) -> Result<ClosureCounts> {
    closure_counts_from(db, campaign, || Ok(decided_items), |_| {})
}

fn closure_counts_from(
    db: &impl Read,
    campaign: &CampaignInfo,
    decided_items: impl FnOnce() -> Result<u64>,
    mut each: impl FnMut(&Action),
) -> Result<ClosureCounts> {
    let mut counts = ClosureCounts::default();
    if seen_since_close(db, campaign)? {
        plan(db, campaign, |a| {
            counts.add(&a);
            each(&a);
            Ok(())
        })?;
        return Ok(counts);
    }
    let mut read = 0u64;
    for id in db.decided_with_gone(campaign.id)? {
        if let Some(a) = action_for(db, campaign, id)? {
            read += a.items.len() as u64;
            counts.add(&a);
            each(&a);
        }
    }
    counts.open += decided_items()?.saturating_sub(read);
    Ok(counts)
}

/// How a campaign's remediation stands.
pub fn closure_counts(db: &impl Read, campaign: &CampaignInfo) -> Result<ClosureCounts> {
    closure_counts_with(db, campaign, |_| {})
}

/// A revoke or reduce of a closed campaign that an import made after the close still shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCarriedOut {
    /// The campaign.
    pub campaign: String,
    /// Revoke or reduce.
    pub verdict: Verdict,
    /// Who decided.
    pub reviewer: String,
    /// When an import last showed it.
    pub seen_at: String,
    /// How many of its items are left.
    pub left: usize,
}

impl NotCarriedOut {
    fn of(campaign: &CampaignInfo, action: &Action) -> Option<NotCarriedOut> {
        let outstanding: Vec<&String> = action
            .items
            .iter()
            .filter_map(|i| match &i.closure {
                Closure::Outstanding { seen_at } => Some(seen_at),
                _ => None,
            })
            .collect();
        let seen_at = outstanding.iter().max()?;
        Some(NotCarriedOut {
            campaign: campaign.name.clone(),
            verdict: action.verdict,
            reviewer: action.decision.reviewer.clone(),
            seen_at: (*seen_at).clone(),
            left: outstanding.len(),
        })
    }

    /// As a risk signal.
    pub fn signal(&self) -> crate::signals::Signal {
        crate::signals::not_carried_out(
            &self.campaign,
            self.verdict,
            &self.reviewer,
            &self.seen_at,
            self.left,
        )
    }
}

/// Whether the newest closed campaign that decided an identity revoked or reduced it, and an
/// import since still shows it (the `not_carried_out` signal).
pub fn not_carried_out(db: &impl Read, id: IdentityId) -> Result<Option<NotCarriedOut>> {
    let Some(campaign) = db.latest_closed_decision(id)? else {
        return Ok(None);
    };
    Ok(action_for(db, &campaign, id)?.and_then(|a| NotCarriedOut::of(&campaign, &a)))
}

/// [`not_carried_out`] for every identity at once: each closed campaign planned once, newest
/// first, an identity judged by the newest closed campaign that decided it. A campaign with no
/// import since its close has nothing outstanding and is not read at all.
pub fn not_carried_out_all(db: &impl Read) -> Result<HashMap<IdentityId, NotCarriedOut>> {
    let mut found = HashMap::new();
    let closed: Vec<CampaignInfo> = db
        .campaigns()?
        .into_iter()
        .filter(|c| c.closed_at.is_some())
        .collect();
    for (k, campaign) in closed.iter().enumerate() {
        if !seen_since_close(db, campaign)? {
            continue;
        }
        let newer: Vec<CampaignId> = closed[..k].iter().map(|c| c.id).collect();
        for id in db.decided_here_last(campaign.id, &newer)? {
            if let Some(n) =
                action_for(db, campaign, id)?.and_then(|a| NotCarriedOut::of(campaign, &a))
            {
                found.insert(id, n);
            }
        }
    }
    Ok(found)
}
