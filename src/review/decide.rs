//! Decisions: decide, bulk decide, undo and re-attest, each identity its own chained record,
//! all of a request in one transaction (all recorded, or none).

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};

use super::appender::Appender;
use super::context::MemberContext;
use super::rules::{self, Proposal, RuleError};
use crate::chain::{DecisionRecord, Item, OwnerRecord, Record};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, MemberUpdate, Store, Tx};
use crate::model::{DecisionAction, IdentityId, ItemRef, Verdict};

/// A seq after every record (SQLite integers are signed).
const END_OF_CHAIN: u64 = i64::MAX as u64;

/// A decision as asked for, on one identity or (bulk) several.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRequest {
    /// Campaign name.
    pub campaign: String,
    /// Identities: short id or native id, one or more.
    pub identities: Vec<String>,
    /// Decide, undo or re-attest.
    pub action: DecisionAction,
    /// The verdict (decide); none for undo; keep (or none) for re-attest.
    pub verdict: Option<Verdict>,
    /// Credentials and grants to remove (reduce), as references.
    pub remove: Vec<String>,
    /// Accountable owner to set with the decision (the change is recorded before it).
    pub owner: Option<String>,
    /// Business function; `None` keeps the one in force (re-attest: last campaign's).
    pub function: Option<String>,
    /// Justification.
    pub justification: String,
    /// Who decides.
    pub reviewer: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Place in the chain.
    pub seq: u64,
    /// Its hash.
    pub row_hash: String,
    /// The identity.
    pub identity: IdentityId,
    /// Its short id.
    pub short_id: String,
    /// Its name.
    pub name: String,
    /// What was done.
    pub action: DecisionAction,
    /// The verdict now standing (none after an undo).
    pub verdict: Option<Verdict>,
    /// What a reduce removes.
    pub removed: Vec<ItemRef>,
    /// Owner in force.
    pub owner: Option<String>,
    /// Business function in force.
    pub function: Option<String>,
    /// Whether an owner change was recorded before it.
    pub owner_changed: bool,
    /// Whether the keep stands only once a second, different reviewer confirms it.
    pub waits_for_second_review: bool,
}

/// Record a decision on every identity of the request, in one transaction: if any is refused,
/// none is recorded, and no owner is changed.
pub fn decide(store: &mut Store, req: &DecisionRequest) -> Result<Vec<Recorded>> {
    if req.identities.is_empty() {
        bail!("no identity to decide");
    }
    let asked = Asked::new(req)?;
    store.write(|tx| {
        let campaign = tx.campaign(&req.campaign)?;
        if !campaign.is_open() {
            return Err(RuleError::Closed {
                campaign: campaign.name,
            }
            .into());
        }
        let mut chain = Appender::open(tx, campaign.id)?;
        let mut out = Vec::with_capacity(req.identities.len());
        for reference in &req.identities {
            let id = tx.resolve_identity(reference)?;
            let ctx = MemberContext::load(tx, &campaign, id)?.with_context(|| {
                format!(
                    "'{reference}' is not in campaign '{}' (it was imported after the campaign started, or is outside its scope)",
                    campaign.name
                )
            })?;
            out.push(record_one(tx, &mut chain, &campaign, &ctx, &asked)?);
        }
        Ok(out)
    })
}

/// Record the decision `asked` on one member, under every rule, inside the caller's
/// transaction; nothing is written unless every rule holds.
pub(super) fn record_one(
    tx: &mut Tx,
    chain: &mut Appender,
    campaign: &CampaignInfo,
    ctx: &MemberContext,
    asked: &Asked,
) -> Result<Recorded> {
    match asked.req.action {
        DecisionAction::Undo => undo(tx, chain, campaign, ctx, asked),
        _ => decide_one(tx, chain, campaign, ctx, asked),
    }
}

/// The request's texts, checked once.
pub(super) struct Asked<'a> {
    req: &'a DecisionRequest,
    reviewer: String,
    justification: String,
    owner: Option<String>,
    function: Option<String>,
}

impl<'a> Asked<'a> {
    /// Check the request's free texts.
    pub(super) fn new(req: &'a DecisionRequest) -> Result<Asked<'a>> {
        let clean = |what, v: Option<&str>| -> Result<Option<String>> {
            Ok(v.map(|v| rules::clean_text(what, v)).transpose()?)
        };
        Ok(Asked {
            req,
            reviewer: rules::clean_text("the reviewer name", &req.reviewer)?,
            justification: rules::clean_text("the justification", &req.justification)?,
            owner: clean("the owner", req.owner.as_deref())?,
            function: clean("the business function", req.function.as_deref())?,
        })
    }
}

fn natural(ctx: &MemberContext) -> (String, String, String) {
    (
        ctx.identity.provider.clone(),
        ctx.identity.account.clone(),
        ctx.identity.native_id.clone(),
    )
}

/// Decide or re-attest one identity.
fn decide_one(
    tx: &mut Tx,
    chain: &mut Appender,
    campaign: &CampaignInfo,
    ctx: &MemberContext,
    asked: &Asked,
) -> Result<Recorded> {
    let reattest = asked.req.action == DecisionAction::Reattest;
    let (verdict, carried_function) = verdict_of(ctx, asked)?;
    let removed = rules::resolve_removals(&ctx.identity, &asked.req.remove)?;
    let owner_after = asked.owner.clone().or_else(|| ctx.member.owner.clone());
    let owner_after = owner_after.filter(|o| !o.is_empty());
    let function_after = asked
        .function
        .clone()
        .or(carried_function)
        .or_else(|| ctx.member.function.clone())
        .unwrap_or_default();
    let has_admin = ctx.identity.has_admin_grant();
    rules::check(&Proposal {
        verdict,
        removed: &removed,
        owner: owner_after.as_deref(),
        function: &function_after,
        justification: &asked.justification,
        suggested: ctx.suggestion.verdict,
        has_admin,
        name: &ctx.identity.name,
    })?;
    rules::check_independent(
        campaign.independent,
        &asked.reviewer,
        &[ctx.member.owner.as_deref(), owner_after.as_deref()],
        &ctx.identity.name,
    )?;
    let second = rules::needs_second_review(&campaign.second_review, verdict, has_admin);
    let owner_changed = owner_after != ctx.member.owner;
    if owner_changed {
        record_owner(tx, chain, campaign, ctx, owner_after.as_deref(), asked)?;
    }
    let justification = match (&asked.justification, ctx.previous.as_ref()) {
        (j, Some(p)) if j.is_empty() && reattest => {
            format!("unchanged since '{}': re-attested", p.campaign)
        }
        (j, _) => j.clone(),
    };
    let (p, a, n) = natural(ctx);
    let record = Record::Decision(DecisionRecord {
        action: asked.req.action.as_str().into(),
        at: crate::db::ts(asked.req.at),
        business_function: function_after.clone(),
        campaign: campaign.name.clone(),
        identity_account: a,
        identity_native_id: n,
        identity_provider: p,
        justification,
        kind: "decision".into(),
        owner: owner_after.clone().unwrap_or_default(),
        prev_hash: String::new(),
        removed: removed.iter().map(Item::from).collect(),
        reviewer: asked.reviewer.clone(),
        second_review: if second { "required" } else { "" }.into(),
        seq: 0,
        suggested: ctx.suggestion.verdict.as_str().into(),
        verdict: verdict.as_str().into(),
    });
    let (seq, row_hash) = chain.push(tx, Some(ctx.identity.row_id), record)?;
    let function = (!function_after.is_empty()).then_some(function_after);
    tx.update_member(
        campaign.id,
        ctx.identity.row_id,
        &MemberUpdate {
            verdict: Some(Some(verdict)),
            action: Some(asked.req.action),
            function: Some(function.clone()),
            second_review: Some((second, None)),
            ..Default::default()
        },
    )?;
    tx.shift_count(campaign.id, ctx.member.verdict, Some(verdict))?;
    Ok(Recorded {
        seq,
        row_hash,
        identity: ctx.identity.row_id,
        short_id: ctx.identity.short_id.clone(),
        name: ctx.identity.name.clone(),
        action: asked.req.action,
        verdict: Some(verdict),
        removed,
        owner: owner_after,
        function,
        owner_changed,
        waits_for_second_review: second,
    })
}

/// The verdict asked for and, for a re-attest, the function last campaign's keep recorded.
fn verdict_of(ctx: &MemberContext, asked: &Asked) -> Result<(Verdict, Option<String>)> {
    if asked.req.action != DecisionAction::Reattest {
        let verdict = asked
            .req
            .verdict
            .context("a decision needs a verdict: keep, reduce or revoke")?;
        return Ok((verdict, None));
    }
    let Some((_, last)) = ctx.carry_forward() else {
        let why = ctx.why_not_reattest().unwrap_or_default();
        return Err(RuleError::CannotReattest { why }.into());
    };
    if asked.req.verdict.is_some_and(|v| v != Verdict::Keep) {
        return Err(RuleError::CannotReattest {
            why: "only a keep is re-attested".into(),
        }
        .into());
    }
    Ok((Verdict::Keep, Some(last.business_function.clone())))
}

/// Record an owner change before the decision that needs it.
fn record_owner(
    tx: &mut Tx,
    chain: &mut Appender,
    campaign: &CampaignInfo,
    ctx: &MemberContext,
    owner: Option<&str>,
    asked: &Asked,
) -> Result<()> {
    let (p, a, n) = natural(ctx);
    let record = Record::Owner(OwnerRecord {
        at: crate::db::ts(asked.req.at),
        business_function: ctx.member.function.clone().unwrap_or_default(),
        campaign: campaign.name.clone(),
        identity_account: a,
        identity_native_id: n,
        identity_provider: p,
        kind: "owner".into(),
        owner: owner.unwrap_or_default().to_owned(),
        prev_hash: String::new(),
        previous_owner: ctx.member.owner.clone().unwrap_or_default(),
        reviewer: asked.reviewer.clone(),
        seq: 0,
    });
    chain.push(tx, Some(ctx.identity.row_id), record)?;
    tx.update_member(
        campaign.id,
        ctx.identity.row_id,
        &MemberUpdate {
            owner: Some(owner.map(str::to_owned)),
            ..Default::default()
        },
    )?;
    MemberContext::restate_signals(tx, campaign, ctx.identity.row_id)
}

/// Withdraw the standing decision: the identity is undecided again, and the business function
/// goes back to what it was before the undone decision (unless changed since on its own).
fn undo(
    tx: &mut Tx,
    chain: &mut Appender,
    campaign: &CampaignInfo,
    ctx: &MemberContext,
    asked: &Asked,
) -> Result<Recorded> {
    rules::check_undo(ctx.member.verdict, &ctx.identity.name)?;
    rules::check_independent(
        campaign.independent,
        &asked.reviewer,
        &[ctx.member.owner.as_deref()],
        &ctx.identity.name,
    )?;
    let standing = tx
        .last_decision_seq(campaign.id, ctx.identity.row_id)?
        .context("a standing verdict without its decision record: run 'campaign verify'")?;
    // The latest record that set the function: if it is the undone decision, restore what
    // stood before it; a later change of its own stands.
    let latest_setter = tx.function_before(campaign.id, ctx.identity.row_id, END_OF_CHAIN)?;
    let function = match latest_setter {
        Some((seq, _)) if seq == standing => tx
            .function_before(campaign.id, ctx.identity.row_id, standing)?
            .map(|(_, f)| f)
            .or_else(|| ctx.member.function_at_start.clone()),
        _ => ctx.member.function.clone(),
    }
    .filter(|f| !f.is_empty());
    let (p, a, n) = natural(ctx);
    let record = Record::Decision(DecisionRecord {
        action: DecisionAction::Undo.as_str().into(),
        at: crate::db::ts(asked.req.at),
        business_function: function.clone().unwrap_or_default(),
        campaign: campaign.name.clone(),
        identity_account: a,
        identity_native_id: n,
        identity_provider: p,
        justification: asked.justification.clone(),
        kind: "decision".into(),
        owner: ctx.member.owner.clone().unwrap_or_default(),
        prev_hash: String::new(),
        removed: Vec::new(),
        reviewer: asked.reviewer.clone(),
        second_review: String::new(),
        seq: 0,
        suggested: String::new(),
        verdict: String::new(),
    });
    let (seq, row_hash) = chain.push(tx, Some(ctx.identity.row_id), record)?;
    tx.update_member(
        campaign.id,
        ctx.identity.row_id,
        &MemberUpdate {
            verdict: Some(None),
            action: Some(DecisionAction::Undo),
            function: Some(function.clone()),
            second_review: Some((false, None)),
            ..Default::default()
        },
    )?;
    tx.shift_count(campaign.id, ctx.member.verdict, None)?;
    Ok(Recorded {
        seq,
        row_hash,
        identity: ctx.identity.row_id,
        short_id: ctx.identity.short_id.clone(),
        name: ctx.identity.name.clone(),
        action: DecisionAction::Undo,
        verdict: None,
        removed: Vec::new(),
        owner: ctx.member.owner.clone(),
        function,
        owner_changed: false,
        waits_for_second_review: false,
    })
}
