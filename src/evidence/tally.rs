//! Counting a population as it streams past: standing verdicts overall, by provider, by
//! signal, by reviewer and by owner, signals by provider, and overrides of the suggestion. Keyed
//! by providers, signal codes, reviewers and owners, so memory grows with how many of those
//! there are, never with the population. Owners can be as many as the identities: past
//! [`OWNERS_IN_MEMORY`] of them the owner counts are dropped and grouped in SQLite instead
//! ([`for_each_owner`]), as they all were before (two sorts of the whole campaign, 2 s of the
//! 13 s of evidence at a million).

use std::collections::BTreeMap;

use anyhow::Result;

use crate::db::prelude::*;
use crate::db::{EvidenceMember, GroupCount};
use crate::model::{CampaignId, DecisionAction, Verdict};
use crate::signals::SignalCode;

/// Members by how they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictTally {
    /// Standing keeps.
    pub keep: u64,
    /// Standing reduces.
    pub reduce: u64,
    /// Standing revokes.
    pub revoke: u64,
    /// Recorded unreviewed at close.
    pub unreviewed: u64,
    /// No verdict and not recorded unreviewed.
    pub undecided: u64,
}

impl VerdictTally {
    /// Count one member.
    pub fn add(&mut self, verdict: Option<Verdict>, action: Option<&str>) {
        match verdict {
            Some(Verdict::Keep) => self.keep += 1,
            Some(Verdict::Reduce) => self.reduce += 1,
            Some(Verdict::Revoke) => self.revoke += 1,
            None if action == Some(DecisionAction::Unreviewed.as_str()) => self.unreviewed += 1,
            None => self.undecided += 1,
        }
    }

    /// Add another tally.
    pub fn merge(&mut self, n: u64, verdict: Option<Verdict>, action: Option<&str>) {
        let mut one = VerdictTally::default();
        one.add(verdict, action);
        self.keep += one.keep * n;
        self.reduce += one.reduce * n;
        self.revoke += one.revoke * n;
        self.unreviewed += one.unreviewed * n;
        self.undecided += one.undecided * n;
    }

    /// Members counted.
    pub fn total(&self) -> u64 {
        self.keep + self.reduce + self.revoke + self.unreviewed + self.undecided
    }

    /// `[(label, count)]` in display order.
    pub fn labelled(&self) -> [(&'static str, u64); 5] {
        [
            ("keep", self.keep),
            ("reduce", self.reduce),
            ("revoke", self.revoke),
            ("unreviewed", self.unreviewed),
            ("undecided", self.undecided),
        ]
    }
}

/// The counts of a population.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    /// Members.
    pub members: u64,
    /// Overall.
    pub verdicts: VerdictTally,
    /// By provider.
    pub by_provider: BTreeMap<String, VerdictTally>,
    /// By signal as the review stated it (at the start; restated when a reviewer set an owner
    /// or marked the identity unused by design); a member with two signals counts under both.
    pub by_signal: BTreeMap<SignalCode, VerdictTally>,
    /// Members with each signal, by provider.
    pub signals_by_provider: BTreeMap<String, BTreeMap<SignalCode, u64>>,
    /// By who recorded each member's latest decision record (`""` for none).
    pub by_reviewer: BTreeMap<String, VerdictTally>,
    /// By owner in force at the end (`""` for none), while there are few enough owners.
    pub by_owner: Owners,
    /// Standing verdicts that are not the one suggested.
    pub overrides: u64,
    /// Items the standing revokes and reduces ask to remove.
    pub decided_items: u64,
}

impl Tallies {
    /// Count one member.
    pub fn add(&mut self, m: &EvidenceMember) -> Result<()> {
        let action = m.action.as_deref();
        self.members += 1;
        self.decided_items += m.items;
        self.verdicts.add(m.verdict, action);
        self.by_provider
            .entry(m.provider.clone())
            .or_default()
            .add(m.verdict, action);
        let codes = crate::signals::parse_codes(&m.signals)?;
        let per_provider = self
            .signals_by_provider
            .entry(m.provider.clone())
            .or_default();
        for code in codes {
            self.by_signal
                .entry(code)
                .or_default()
                .add(m.verdict, action);
            *per_provider.entry(code).or_default() += 1;
        }
        let reviewer = m.decided_by.as_deref().unwrap_or("");
        count_in(&mut self.by_reviewer, reviewer, m.verdict, action);
        self.by_owner
            .add(m.owner.as_deref().unwrap_or(""), m.verdict, action);
        if is_override(m.verdict, &m.suggested) {
            self.overrides += 1;
        }
        Ok(())
    }
}

/// Count a member in `group` without allocating when the group is known.
fn count_in(
    groups: &mut BTreeMap<String, VerdictTally>,
    group: &str,
    verdict: Option<Verdict>,
    action: Option<&str>,
) {
    match groups.get_mut(group) {
        Some(t) => t.add(verdict, action),
        None => {
            let mut t = VerdictTally::default();
            t.add(verdict, action);
            groups.insert(group.to_owned(), t);
        }
    }
}

/// Owners counted in memory: a few MB at most, then none.
pub const OWNERS_IN_MEMORY: usize = 20_000;

/// Members by owner, counted as they stream past until there are more than `limit` owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owners {
    /// The counts; `None` once past the limit.
    groups: Option<BTreeMap<String, VerdictTally>>,
    limit: usize,
}

impl Default for Owners {
    fn default() -> Owners {
        Owners::with_limit(OWNERS_IN_MEMORY)
    }
}

impl Owners {
    /// Counting up to `limit` owners.
    pub fn with_limit(limit: usize) -> Owners {
        Owners {
            groups: Some(BTreeMap::new()),
            limit,
        }
    }

    /// Whether the owners are still counted here (not past the limit).
    pub fn counted(&self) -> bool {
        self.groups.is_some()
    }

    fn add(&mut self, owner: &str, verdict: Option<Verdict>, action: Option<&str>) {
        if let Some(groups) = &mut self.groups {
            count_in(groups, owner, verdict, action);
            if groups.len() > self.limit {
                self.groups = None;
            }
        }
    }
}

/// Members by owner in force at the end (`""` for none), in owner order (bytes, as SQLite's
/// `ORDER BY` gives them): from the counts taken in the population pass, or grouped in SQLite
/// when there were too many owners to keep. The one place summary and report read owners from.
pub fn for_each_owner(
    db: &impl Read,
    campaign: CampaignId,
    tallies: &Tallies,
    mut emit: impl FnMut(&str, &VerdictTally) -> Result<()>,
) -> Result<()> {
    match &tallies.by_owner.groups {
        Some(groups) => groups.iter().try_for_each(|(g, t)| emit(g, t)),
        None => fold_groups(|each| db.members_by_owner(campaign, each), emit),
    }
}

/// Group rows arrive sorted by group: sum consecutive rows of one group, emit each group once.
fn fold_groups(
    each_row: impl FnOnce(&mut dyn FnMut(GroupCount) -> Result<()>) -> Result<()>,
    mut emit: impl FnMut(&str, &VerdictTally) -> Result<()>,
) -> Result<()> {
    let mut current: Option<(String, VerdictTally)> = None;
    each_row(&mut |(group, verdict, action, n)| {
        if current.as_ref().is_some_and(|(g, _)| *g != group)
            && let Some((g, t)) = current.take()
        {
            emit(&g, &t)?;
        }
        let (_, t) = current.get_or_insert_with(|| (group, VerdictTally::default()));
        t.merge(n, verdict, action.as_deref());
        Ok(())
    })?;
    if let Some((g, t)) = current {
        emit(&g, &t)?;
    }
    Ok(())
}

/// Whether a standing verdict overrides the suggestion made to it.
pub fn is_override(verdict: Option<Verdict>, suggested: &str) -> bool {
    verdict.is_some_and(|v| !suggested.is_empty() && suggested != v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_counted_once_per_signal_and_provider() {
        let mut t = Tallies::default();
        let mut m = EvidenceMember {
            provider: "aws".into(),
            account: "1".into(),
            native_id: "a".into(),
            kind: "iam_user".into(),
            name: "a".into(),
            owner_at_start: None,
            function_at_start: None,
            snapshot: String::new(),
            risk: 0,
            position: 0,
            signals: "admin_grant,inactive".into(),
            verdict: Some(Verdict::Keep),
            action: Some("decide".into()),
            owner: None,
            function: None,
            sources: vec![],
            decided_by: None,
            decided_at: None,
            suggested: "revoke".into(),
            justification: String::new(),
            expected_unused_at_start: None,
            items: 0,
        };
        t.add(&m).expect("adds");
        m.provider = "gcp".into();
        m.verdict = None;
        m.action = Some("unreviewed".into());
        m.suggested = String::new();
        t.add(&m).expect("adds");
        assert_eq!(t.members, 2);
        assert_eq!((t.verdicts.keep, t.verdicts.unreviewed), (1, 1));
        assert_eq!(t.by_signal[&SignalCode::AdminGrant].total(), 2);
        assert_eq!(t.signals_by_provider["gcp"][&SignalCode::Inactive], 1);
        assert_eq!(t.overrides, 1);
    }
}
