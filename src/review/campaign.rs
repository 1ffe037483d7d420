//! Starting a campaign (its population frozen in risk order and its start record chained) and
//! closing it (in the write transaction, so no decision can slip in after; its close record
//! chained).

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};

use super::appender::Appender;
use super::context::snapshot;
use super::rules::{self, RuleError};
use super::scope::Scope;
use crate::chain::{CloseRecord, DecisionRecord, Record, StartRecord};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, MemberFacts, MemberUpdate, NewCampaign, Store};
use crate::model::{DecisionAction, Thresholds};
use crate::progress::Progress;
use crate::signals;

/// A campaign to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// Name, e.g. `2026-Q4`.
    pub name: String,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// Thresholds in force.
    pub thresholds: Thresholds,
    /// Who starts it.
    pub started_by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Which identities are in scope.
    pub scope: Scope,
    /// Reviewer of identities without an owner.
    pub default_reviewer: Option<String>,
    /// Keeps of admin-tier access need a second, different reviewer's confirmation.
    pub second_review_admin: bool,
    /// Nobody may decide an identity they own.
    pub independent: bool,
}

impl StartRequest {
    /// A campaign of everything, with no assignment rules beyond owners.
    pub fn new(name: &str, at: DateTime<Utc>, started_by: &str) -> StartRequest {
        StartRequest {
            name: name.to_owned(),
            due: None,
            thresholds: Thresholds::default(),
            started_by: started_by.to_owned(),
            at,
            scope: Scope::default(),
            default_reviewer: None,
            second_review_admin: false,
            independent: false,
        }
    }
}

fn check_name(name: &str) -> Result<()> {
    let ok = rules::clean_text("the campaign name", name)
        .is_ok_and(|n| !n.is_empty() && n == name && n.len() <= 100);
    if !ok {
        bail!("campaign name '{name}' must be 1 to 100 printable characters, e.g. '2026-Q4'");
    }
    Ok(())
}

/// Freeze the population of a new campaign: every identity not gone, plus those the previous
/// campaign reviewed that have gone since (so the reviewer confirms them), in risk order; then
/// chain its start record. Streams: members are staged in SQLite, never held in memory.
pub fn start(store: &mut Store, req: &StartRequest) -> Result<CampaignInfo> {
    start_with_progress(store, req, &mut ())
}

/// [`start`], telling `progress` how far freezing the population got.
pub fn start_with_progress(
    store: &mut Store,
    req: &StartRequest,
    progress: &mut dyn Progress,
) -> Result<CampaignInfo> {
    check_name(&req.name)?;
    if req.thresholds.rotation_days < 1 || req.thresholds.inactivity_days < 1 {
        bail!("--rotation-days and --inactivity-days must be at least 1");
    }
    let started_by = rules::clean_text("the reviewer name", &req.started_by)?;
    let default_reviewer = req
        .default_reviewer
        .as_deref()
        .map(|r| rules::clean_text("the default reviewer", r))
        .transpose()?
        .unwrap_or_default();
    let scope = req.scope.text();
    let second_review = if req.second_review_admin { "admin" } else { "" };
    store.write(|tx| {
        if tx.find_campaign(&req.name)?.is_some() {
            bail!(
                "campaign '{}' already exists: pick another name, or review it with 'nhi-review review {}'",
                req.name,
                req.name
            );
        }
        let previous = tx.latest_campaign()?;
        let id = tx.insert_campaign(&NewCampaign {
            name: &req.name,
            due_date: req.due,
            thresholds: req.thresholds,
            started_at: req.at,
            scope: &scope,
            started_by: &started_by,
            default_reviewer: &default_reviewer,
            second_review,
            independent: req.independent,
        })?;
        let previous_name = previous.as_ref().map(|p| p.name.clone());
        match &previous_name {
            Some(p) => tracing::info!(
                "identities gone since campaign '{}' and reviewed in it are kept in the population, for the reviewer to confirm",
                crate::text::inert(p)
            ),
            None => tracing::info!("no previous campaign: identities already gone are left out"),
        }
        if !req.scope.is_everything() {
            tracing::info!("only identities in the scope '{}'", crate::text::inert(&scope));
        }
        let undone = crate::remediation::not_carried_out_all(tx)?;
        let (population_hash, size) =
            tx.freeze_population(id, previous.map(|p| p.id), progress, |identity, was_reviewed| {
                if (identity.gone_at.is_some() && !was_reviewed) || !req.scope.covers(identity) {
                    return Ok(None);
                }
                let mut extra = signals::since_previous(previous_name.as_deref(), was_reviewed);
                extra.extend(undone.get(&identity.row_id).map(|n| n.signal()));
                let found = signals::with_previous(
                    signals::evaluate(identity, &req.thresholds, req.at),
                    extra,
                );
                Ok(Some(MemberFacts {
                    risk: signals::risk(&found),
                    signals: signals::codes_text(&found),
                    snapshot: snapshot(identity),
                    owner: identity.owner.clone(),
                    function: identity.business_function.clone(),
                    expected_unused: identity.expected_unused.clone(),
                    assignee: rules::first_reviewer(
                        identity.owner.as_deref(),
                        &default_reviewer,
                        req.independent,
                    ),
                }))
            })?;
        if size == 0 && req.scope.is_everything() {
            bail!("no identities to review: import exports first ('nhi-review import FILE')");
        }
        if size == 0 {
            bail!("no identity is in the scope '{scope}': widen it, or check the imports");
        }
        tx.set_population(id, size, &population_hash)?;
        let mut chain = Appender::open(tx, id)?;
        let record = Record::Start(StartRecord {
            at: crate::db::ts(req.at),
            campaign: req.name.clone(),
            default_reviewer: default_reviewer.clone(),
            due_date: req.due.map(|d| d.to_string()).unwrap_or_default(),
            inactivity_days: req.thresholds.inactivity_days,
            independent: u64::from(req.independent),
            kind: "start".into(),
            legacy_records: 0,
            population_hash,
            population_size: size,
            prev_hash: String::new(),
            rotation_days: req.thresholds.rotation_days,
            scope: scope.clone(),
            second_review: second_review.into(),
            seq: 0,
            started_by,
        });
        chain.push(tx, None, record)?;
        tx.campaign_by_id(id)
    })
}

/// A campaign to close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRequest {
    /// Campaign name.
    pub campaign: String,
    /// Record every undecided identity as unreviewed instead of refusing.
    pub accept_undecided: bool,
    /// Who closes it.
    pub reviewer: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// What closing did.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    /// The campaign, closed.
    pub campaign: CampaignInfo,
    /// Identities recorded as unreviewed.
    pub unreviewed: u64,
    /// The close record's place and hash: the head to write down.
    pub head: (u64, String),
}

/// Close a campaign. Undecided identities (and keeps still waiting for their second review)
/// refuse the close unless accepted, in which case each is recorded as unreviewed (never
/// defaulted to a verdict).
pub fn close(store: &mut Store, req: &CloseRequest) -> Result<Closed> {
    let reviewer = rules::clean_text("the reviewer name", &req.reviewer)?;
    store.write(|tx| {
        let campaign = tx.campaign(&req.campaign)?;
        if !campaign.is_open() {
            return Err(RuleError::Closed {
                campaign: campaign.name,
            }
            .into());
        }
        let undecided = tx.undecided_members(campaign.id)?;
        if !undecided.is_empty() && !req.accept_undecided {
            bail!(
                "{} of {} identities in '{}' are undecided or wait for a second review: decide or confirm them, or close with --accept-undecided to record each as unreviewed",
                undecided.len(),
                campaign.population_size,
                campaign.name
            );
        }
        let mut chain = Appender::open(tx, campaign.id)?;
        for id in &undecided {
            let identity = tx.identity(*id)?;
            let member = tx
                .member(campaign.id, *id)?
                .context("an undecided identity outside the population")?;
            let record = Record::Decision(DecisionRecord {
                action: DecisionAction::Unreviewed.as_str().into(),
                at: crate::db::ts(req.at),
                business_function: member.function.clone().unwrap_or_default(),
                campaign: campaign.name.clone(),
                identity_account: identity.account,
                identity_native_id: identity.native_id,
                identity_provider: identity.provider,
                justification: "not reviewed before the campaign closed".into(),
                kind: "decision".into(),
                owner: member.owner.clone().unwrap_or_default(),
                prev_hash: String::new(),
                removed: Vec::new(),
                reviewer: reviewer.clone(),
                second_review: String::new(),
                seq: 0,
                suggested: String::new(),
                verdict: String::new(),
            });
            chain.push(tx, Some(*id), record)?;
            tx.update_member(
                campaign.id,
                *id,
                &MemberUpdate {
                    action: Some(DecisionAction::Unreviewed),
                    verdict: Some(None),
                    second_review: Some((false, None)),
                    ..Default::default()
                },
            )?;
            tx.shift_count(campaign.id, member.verdict, None)?;
        }
        let counts = tx.campaign_by_id(campaign.id)?.counts;
        let record = Record::Close(CloseRecord {
            at: crate::db::ts(req.at),
            campaign: campaign.name.clone(),
            keep: counts.keep,
            kind: "close".into(),
            prev_hash: String::new(),
            reduce: counts.reduce,
            revoke: counts.revoke,
            reviewer,
            seq: 0,
            unreviewed: undecided.len() as u64,
        });
        let head = chain.push(tx, None, record)?;
        tx.set_closed(campaign.id, req.at)?;
        Ok(Closed {
            campaign: tx.campaign_by_id(campaign.id)?,
            unreviewed: undecided.len() as u64,
            head,
        })
    })
}
