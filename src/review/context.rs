//! What the review knows about one member of a campaign: its facts, its caches, its signals as
//! of the campaign's start, the suggestion, and how it stood in the previous campaign. The card
//! shows it; decisions are judged against it.

use anyhow::{Context as _, Result};

use crate::db::prelude::*;
use crate::db::{CampaignInfo, MemberState, StandingDecision, Tx};
use crate::model::{IdentityId, IdentityView, Verdict};
use crate::signals::{self, Recommendation, Signal};

/// How the identity stood in the previous campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous {
    /// That campaign's name.
    pub campaign: String,
    /// Its standing decision there, if decided.
    pub decision: Option<StandingDecision>,
    /// What changed since (`+ line` added, `- line` gone); empty when unchanged. The owner
    /// counts as changed only if it differs from the owner in force when that campaign ended.
    pub changes: Vec<String>,
}

/// One member of a campaign, with everything a decision about it depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberContext {
    /// The identity as imported now.
    pub identity: IdentityView,
    /// The member and its caches (owner and function in force, standing verdict).
    pub member: MemberState,
    /// Its signals as of the campaign's start.
    pub signals: Vec<Signal>,
    /// The suggested verdict.
    pub suggestion: Recommendation,
    /// The previous campaign, if the identity was in it.
    pub previous: Option<Previous>,
}

impl MemberContext {
    /// Load a member of `campaign`; `None` if the identity is not in its population.
    pub fn load(
        db: &impl Read,
        campaign: &CampaignInfo,
        identity: IdentityId,
    ) -> Result<Option<MemberContext>> {
        let Some(member) = db.member(campaign.id, identity)? else {
            return Ok(None);
        };
        let identity = db.identity(identity).context("reading the identity")?;
        let previous_campaign = db.previous_campaign(campaign.id)?;
        let before = match &previous_campaign {
            Some(p) => db.standing_in(p.id, identity.row_id)?,
            None => None,
        };
        let mut extra = signals::since_previous(
            previous_campaign.as_ref().map(|p| p.name.as_str()),
            before.is_some(),
        );
        extra.extend(
            crate::remediation::not_carried_out(db, identity.row_id)?
                .filter(|n| n.campaign != campaign.name)
                .map(|n| n.signal()),
        );
        let found = signals::with_previous(
            signals::evaluate(&identity, &campaign.thresholds, campaign.started_at),
            extra,
        );
        let suggestion =
            signals::recommend(&identity, &found, &campaign.thresholds, campaign.started_at);
        let previous = match (previous_campaign, before) {
            (Some(p), Some(before)) => {
                let mut changes = facts_changes(&before.member.snapshot, &member.snapshot);
                if before.member.owner != member.owner {
                    changes.insert(0, owner_line('-', before.member.owner.as_deref()));
                    changes.insert(1, owner_line('+', member.owner.as_deref()));
                }
                Some(Previous {
                    campaign: p.name,
                    decision: before.decision,
                    changes,
                })
            }
            _ => None,
        };
        Ok(Some(MemberContext {
            identity,
            member,
            signals: found,
            suggestion,
            previous,
        }))
    }

    /// Store this member's signals and risk as [`MemberContext::load`] finds them, so that the
    /// queue (which lists, filters and counts the stored codes) says what the card says. Called
    /// in the transaction that changed what they depend on (an owner set in review, an
    /// identity marked unused by design).
    pub fn restate_signals(
        tx: &mut Tx,
        campaign: &CampaignInfo,
        identity: IdentityId,
    ) -> Result<()> {
        if let Some(ctx) = MemberContext::load(tx, campaign, identity)? {
            tx.set_member_signals(
                campaign.id,
                identity,
                signals::risk(&ctx.signals),
                &signals::codes_text(&ctx.signals),
            )?;
        }
        Ok(())
    }

    /// Last campaign's keep, when nothing reviewable changed since: it can be re-attested.
    pub fn carry_forward(&self) -> Option<(&str, &StandingDecision)> {
        let p = self.previous.as_ref()?;
        let d = p.decision.as_ref()?;
        (p.changes.is_empty() && d.verdict == Some(Verdict::Keep))
            .then_some((p.campaign.as_str(), d))
    }

    /// Why it cannot be re-attested, if it cannot.
    pub fn why_not_reattest(&self) -> Option<String> {
        match &self.previous {
            _ if self.carry_forward().is_some() => None,
            None => Some("not reviewed in the previous campaign".to_owned()),
            Some(p) if !p.changes.is_empty() => {
                Some(format!("changed since '{}': decide it afresh", p.campaign))
            }
            Some(p) => Some(format!(
                "only an unchanged keep from '{}' can be re-attested",
                p.campaign
            )),
        }
    }

    /// Whether a keep of it needs a justification, and why.
    pub fn keep_justification(&self) -> Option<&'static str> {
        super::rules::justification_required(
            Verdict::Keep,
            self.suggestion.verdict,
            self.identity.has_admin_grant(),
        )
    }
}

fn owner_line(sign: char, owner: Option<&str>) -> String {
    format!("{sign} owner {}", owner.unwrap_or("(none)"))
}

/// What a reviewer attests to about an identity, one fact per line: its credentials and grants
/// (the owner and function are kept beside it). Equal snapshots mean nothing reviewable changed.
pub fn snapshot(identity: &IdentityView) -> String {
    let mut lines = Vec::new();
    for c in identity.credentials.iter().filter(|c| c.gone_at.is_none()) {
        let created = c
            .created_at
            .map(crate::db::ts)
            .unwrap_or_else(|| "-".into());
        let expires = c
            .expires_at
            .map(crate::db::ts)
            .unwrap_or_else(|| "never".into());
        let state = if c.active { "active" } else { "inactive" };
        lines.push(format!(
            "credential {} {} {state} created {created} expires {expires}",
            c.id, c.kind
        ));
    }
    for g in identity.grants.iter().filter(|g| g.gone_at.is_none()) {
        let mut line = format!(
            "grant {} on {} ({})",
            g.permission,
            g.resource,
            g.tier.as_str()
        );
        if !g.condition.is_empty() {
            line.push_str(&format!(" if {}", g.condition));
        }
        if !g.via.is_empty() {
            line.push_str(&format!(" via {}", g.via));
        }
        lines.push(line);
    }
    lines.sort();
    lines.join("\n")
}

/// What changed between two snapshots' facts, as `- gone` and `+ added` lines. Owner lines of
/// schema-1 snapshots are left out: the owner is compared on its own.
pub fn facts_changes(before: &str, after: &str) -> Vec<String> {
    let facts = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with("owner "))
            .map(str::to_owned)
            .collect()
    };
    let (old, new) = (facts(before), facts(after));
    let mut out: Vec<String> = old
        .iter()
        .filter(|l| !new.contains(l))
        .map(|l| format!("- {l}"))
        .collect();
    out.extend(
        new.iter()
            .filter(|l| !old.contains(l))
            .map(|l| format!("+ {l}")),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::facts_changes;

    #[test]
    fn changes_list_what_went_and_what_came_ignoring_old_owner_lines() {
        let before = "owner a\ngrant x on * (read)";
        let after = "grant x on * (admin)\ncredential k2";
        assert_eq!(
            facts_changes(before, after),
            [
                "- grant x on * (read)",
                "+ grant x on * (admin)",
                "+ credential k2"
            ]
        );
        assert!(facts_changes(before, "owner b\ngrant x on * (read)").is_empty());
    }
}
