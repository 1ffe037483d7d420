//! Many reviewers, one campaign: assigning identities (and reassigning, delegating), the second
//! review of keeps that need one, and progress per reviewer and per owner.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::appender::Appender;
use super::rules::{self, RuleError};
use crate::chain::{AssignRecord, ConfirmRecord, Record};
use crate::db::prelude::*;
use crate::db::{MemberUpdate, Store};
use crate::model::{IdentityId, Verdict};

/// Which members to assign: those that match every kind of selector given (within a kind, any
/// of its values: `--owner a --owner b --provider aws` is a's and b's AWS identities).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Members whose owner in force is one of these.
    pub owners: Vec<String>,
    /// Members of these providers.
    pub providers: Vec<String>,
    /// These identities (short or native ids).
    pub identities: Vec<String>,
    /// Members now assigned to one of these reviewers (a delegation).
    pub assignees: Vec<String>,
}

/// An assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignRequest {
    /// Campaign name.
    pub campaign: String,
    /// Which members.
    pub selection: Selection,
    /// The reviewer to assign them to.
    pub to: String,
    /// Why (required: an auditor reads it).
    pub reason: String,
    /// Who assigns.
    pub reviewer: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Assign every selected member to a reviewer, one chained record each (members already
/// assigned to them are left alone); returns how many were reassigned.
/// What an assignment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assigned {
    /// Members the selection matched.
    pub matched: u64,
    /// Of them, those assigned (the others were assigned to that reviewer already).
    pub assigned: u64,
}

/// Assign the selected members of an open campaign to a reviewer: one chained record each. A
/// selection that matches no member is an error (a typo assigns nothing, silently).
pub fn assign(store: &mut Store, req: &AssignRequest) -> Result<Assigned> {
    let to = rules::clean_text("the reviewer assigned", &req.to)?;
    let reason = rules::clean_text("the reason", &req.reason)?;
    let reviewer = rules::clean_text("the reviewer name", &req.reviewer)?;
    if to.is_empty() || reason.is_empty() {
        bail!("an assignment needs a reviewer (--to) and a reason (--reason)");
    }
    let s = &req.selection;
    if s.owners.is_empty()
        && s.providers.is_empty()
        && s.identities.is_empty()
        && s.assignees.is_empty()
    {
        bail!("say which identities: --owner, --provider, --identity or --from (repeatable)");
    }
    store.write(|tx| {
        let campaign = tx.campaign(&req.campaign)?;
        if !campaign.is_open() {
            return Err(RuleError::Closed {
                campaign: campaign.name,
            }
            .into());
        }
        let mut named = Vec::new();
        for reference in &s.identities {
            let id = tx.resolve_identity(reference)?;
            if tx.member(campaign.id, id)?.is_none() {
                bail!("'{reference}' is not in campaign '{}'", campaign.name);
            }
            named.push(id);
        }
        let mut ids: Vec<IdentityId> =
            if s.owners.is_empty() && s.providers.is_empty() && s.assignees.is_empty() {
                named
            } else {
                let mut selected =
                    tx.select_members(campaign.id, &s.owners, &s.providers, &s.assignees)?;
                if !named.is_empty() {
                    selected.retain(|id| named.contains(id));
                }
                selected
            };
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            bail!(
                "no member of campaign '{}' matches {}: nothing assigned ('nhi-review campaign status {}' lists the owners and reviewers)",
                campaign.name,
                describe_selection(s),
                campaign.name
            );
        }
        let matched = ids.len() as u64;
        let mut chain = Appender::open(tx, campaign.id)?;
        let mut n = 0;
        for id in ids {
            let member = tx.member(campaign.id, id)?.context("a member vanished")?;
            if member.assignee.as_deref() == Some(to.as_str()) {
                continue;
            }
            let identity = tx.identity(id)?;
            let record = Record::Assign(AssignRecord {
                assignee: to.clone(),
                at: crate::db::ts(req.at),
                campaign: campaign.name.clone(),
                identity_account: identity.account,
                identity_native_id: identity.native_id,
                identity_provider: identity.provider,
                kind: "assign".into(),
                prev_hash: String::new(),
                previous_assignee: member.assignee.unwrap_or_default(),
                reason: reason.clone(),
                reviewer: reviewer.clone(),
                seq: 0,
            });
            chain.push(tx, Some(id), record)?;
            tx.update_member(
                campaign.id,
                id,
                &MemberUpdate {
                    assignee: Some(Some(to.clone())),
                    ..Default::default()
                },
            )?;
            n += 1;
        }
        Ok(Assigned {
            matched,
            assigned: n,
        })
    })
}

/// A selection as typed, for messages: `--owner a --provider aws`.
fn describe_selection(s: &Selection) -> String {
    let mut parts = Vec::new();
    for (flag, values) in [
        ("--owner", &s.owners),
        ("--provider", &s.providers),
        ("--identity", &s.identities),
        ("--from", &s.assignees),
    ] {
        for v in values {
            parts.push(format!("{flag} {}", crate::text::inert(v)));
        }
    }
    parts.join(" ")
}

/// A second review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmRequest {
    /// Campaign name.
    pub campaign: String,
    /// The identity: short or native id.
    pub identity: String,
    /// Why (optional).
    pub justification: String,
    /// Who confirms: never who decided.
    pub reviewer: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Confirm a keep that waits for its second review; returns the confirm record's seq.
pub fn confirm(store: &mut Store, req: &ConfirmRequest) -> Result<u64> {
    let reviewer = rules::clean_text("the reviewer name", &req.reviewer)?;
    let justification = rules::clean_text("the justification", &req.justification)?;
    store.write(|tx| {
        let campaign = tx.campaign(&req.campaign)?;
        if !campaign.is_open() {
            return Err(RuleError::Closed {
                campaign: campaign.name,
            }
            .into());
        }
        let id = tx.resolve_identity(&req.identity)?;
        let member = tx.member(campaign.id, id)?.with_context(|| {
            format!("'{}' is not in campaign '{}'", req.identity, campaign.name)
        })?;
        let identity = tx.identity(id)?;
        let waiting = member.verdict == Some(Verdict::Keep)
            && member.second_review
            && member.confirmed_by.is_none();
        let standing = tx.last_decision_seq(campaign.id, id)?.unwrap_or(0);
        let decided_by = tx
            .record_at(campaign.id, standing)?
            .map(|r| r.reviewer().to_owned())
            .unwrap_or_default();
        rules::check_confirm(waiting, &decided_by, &reviewer)?;
        rules::check_independent(
            campaign.independent,
            &reviewer,
            &[member.owner.as_deref()],
            &identity.name,
        )?;
        let mut chain = Appender::open(tx, campaign.id)?;
        let record = Record::Confirm(ConfirmRecord {
            at: crate::db::ts(req.at),
            campaign: campaign.name.clone(),
            confirms: standing,
            identity_account: identity.account,
            identity_native_id: identity.native_id,
            identity_provider: identity.provider,
            justification,
            kind: "confirm".into(),
            prev_hash: String::new(),
            reviewer: reviewer.clone(),
            seq: 0,
        });
        let (seq, _) = chain.push(tx, Some(id), record)?;
        tx.update_member(
            campaign.id,
            id,
            &MemberUpdate {
                second_review: Some((true, Some(reviewer))),
                ..Default::default()
            },
        )?;
        Ok(seq)
    })
}

/// Progress of one reviewer or owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The reviewer (or owner); empty for none.
    pub name: String,
    /// Identities.
    pub total: u64,
    /// With a standing verdict (keeps waiting for a second review not counted).
    pub decided: u64,
    /// Keeps waiting for a second review.
    pub pending_second_review: u64,
    /// Without a standing verdict.
    pub undecided: u64,
    /// Undecided or pending after the due date.
    pub overdue: u64,
}

/// A campaign's progress per reviewer and per owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Campaign name.
    pub campaign: String,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Whether the due date has passed with work left.
    pub overdue: bool,
    /// Whether the campaign is closed (its undecided members were recorded as unreviewed).
    pub closed: bool,
    /// Per assigned reviewer (empty name: unassigned).
    pub reviewers: Vec<Progress>,
    /// Per owner in force (empty name: no owner).
    pub owners: Vec<Progress>,
    /// Remediation items of its revokes and reduces, by closure.
    pub remediation: crate::remediation::ClosureCounts,
    /// The items an import after the close still shows.
    pub outstanding: Vec<OutstandingItem>,
}

/// A remediation item an import made after the close still shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutstandingItem {
    /// Inventory id.
    pub identity: String,
    /// Display name.
    pub name: String,
    /// Revoke or reduce.
    pub verdict: Verdict,
    /// The item (`credential:…`, `grant:…`), or empty for the whole identity.
    pub item: String,
    /// When an import last showed it.
    pub seen_at: String,
}

/// Progress of a campaign as of `today`.
pub fn status(db: &impl Read, campaign: &str, today: NaiveDate) -> Result<Status> {
    let c = db.campaign(campaign)?;
    let overdue = c.due_date.is_some_and(|d| d < today) && c.is_open();
    let group = |by: &str| -> Result<Vec<Progress>> {
        Ok(db
            .progress_by(c.id, by)?
            .into_iter()
            .map(|(name, total, decided, pending)| {
                let undecided = total - decided - pending;
                Progress {
                    name,
                    total,
                    decided,
                    pending_second_review: pending,
                    undecided,
                    overdue: if overdue { undecided + pending } else { 0 },
                }
            })
            .collect())
    };
    let mut outstanding = Vec::new();
    let remediation = crate::remediation::closure_counts_with(db, &c, |a| {
        for item in &a.items {
            if let crate::remediation::Closure::Outstanding { seen_at } = &item.closure {
                outstanding.push(OutstandingItem {
                    identity: a.identity.short_id.clone(),
                    name: a.identity.name.clone(),
                    verdict: a.verdict,
                    item: item
                        .item
                        .as_ref()
                        .map(|i| i.reference())
                        .unwrap_or_default(),
                    seen_at: seen_at.clone(),
                });
            }
        }
    })?;
    Ok(Status {
        campaign: c.name.clone(),
        due_date: c.due_date,
        overdue,
        closed: !c.is_open(),
        reviewers: group("assignee")?,
        owners: group("owner")?,
        remediation,
        outstanding,
    })
}
