//! Counting a population as it streams past: standing verdicts overall, by provider, by
//! signal and by reviewer, signals by provider, and overrides of the suggestion. Keyed by
//! providers, signal codes and reviewers, so memory grows with how many of those there are,
//! never with the population; owners, who can be as many as the identities, are grouped in
//! SQLite instead.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::db::EvidenceMember;
use crate::model::{DecisionAction, Verdict};
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
    /// By signal present at start (a member with two signals counts under both).
    pub by_signal: BTreeMap<SignalCode, VerdictTally>,
    /// Members with each signal, by provider.
    pub signals_by_provider: BTreeMap<String, BTreeMap<SignalCode, u64>>,
    /// By who recorded each member's latest decision record (`""` for none).
    pub by_reviewer: BTreeMap<String, VerdictTally>,
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
        match self.by_reviewer.get_mut(reviewer) {
            Some(t) => t.add(m.verdict, action),
            None => {
                let mut t = VerdictTally::default();
                t.add(m.verdict, action);
                self.by_reviewer.insert(reviewer.to_owned(), t);
            }
        }
        if is_override(m.verdict, &m.suggested) {
            self.overrides += 1;
        }
        Ok(())
    }
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
