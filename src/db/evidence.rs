//! What an evidence bundle reads from a campaign: its members in natural-key order (the order
//! of the population hash) with their facts at start, standing verdicts and latest decision,
//! the source files they came from, and members grouped by owner. Everything streams row by
//! row, or groups in SQLite: memory does not grow with the population.

use anyhow::Result;
use rusqlite::Row;
use rusqlite::types::Type;

use super::Read;
use crate::model::{CampaignId, Verdict};

/// One member of a campaign as the bundle lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceMember {
    /// Natural key: provider.
    pub provider: String,
    /// Natural key: account.
    pub account: String,
    /// Natural key: native id.
    pub native_id: String,
    /// Kind.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Owner in force at start (hashed into the population).
    pub owner_at_start: Option<String>,
    /// Business function in force at start (hashed into the population).
    pub function_at_start: Option<String>,
    /// Facts at start (hashed into the population).
    pub snapshot: String,
    /// Risk at start.
    pub risk: u32,
    /// Place in the review order, from 0.
    pub position: u64,
    /// Signal codes at start, as stored.
    pub signals: String,
    /// Standing verdict.
    pub verdict: Option<Verdict>,
    /// Action of the latest decision record.
    pub action: Option<String>,
    /// Owner in force at the end.
    pub owner: Option<String>,
    /// Business function in force at the end.
    pub function: Option<String>,
    /// Row ids of the source files that last saw it.
    pub sources: Vec<i64>,
    /// Who recorded its latest decision record, if any.
    pub decided_by: Option<String>,
    /// When, if any.
    pub decided_at: Option<String>,
    /// The verdict suggested to that record (empty for none).
    pub suggested: String,
    /// Its justification (empty for none).
    pub justification: String,
    /// Unused-by-design mark in force at start (hashed into the population when set).
    pub expected_unused_at_start: Option<String>,
    /// Items its standing verdict asks to remove ([`super::remediation::decided_items_of`]).
    pub items: u64,
}

fn member_from_row(r: &Row) -> rusqlite::Result<EvidenceMember> {
    let sources: Option<String> = r.get(15)?;
    let verdict = r.get(11)?;
    let suggested: Option<String> = r.get(18)?;
    let justification: Option<String> = r.get(20)?;
    let removed: Option<u64> = r.get(21)?;
    Ok(EvidenceMember {
        provider: r.get(0)?,
        account: r.get(1)?,
        native_id: r.get(2)?,
        kind: r.get(3)?,
        name: r.get(4)?,
        owner_at_start: r.get(5)?,
        function_at_start: r.get(6)?,
        snapshot: r.get(7)?,
        risk: r.get(8)?,
        position: r.get(9)?,
        signals: r.get(10)?,
        verdict,
        action: r.get(12)?,
        owner: r.get(13)?,
        function: r.get(14)?,
        sources: sources
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse().map_err(|_| {
                    rusqlite::Error::FromSqlConversionFailure(
                        15,
                        Type::Text,
                        format!("source id '{s}' does not read back").into(),
                    )
                })
            })
            .collect::<rusqlite::Result<_>>()?,
        decided_by: r.get(16)?,
        decided_at: r.get(17)?,
        suggested: suggested.unwrap_or_default(),
        justification: justification.unwrap_or_default(),
        expected_unused_at_start: r.get(19)?,
        items: super::remediation::decided_items_of(verdict, removed.unwrap_or(0)),
    })
}

/// `(group, verdict, action, members)` of a grouped count.
pub type GroupCount = (String, Option<Verdict>, Option<String>, u64);

/// Reads for evidence bundles.
pub trait EvidenceReads: Read {
    /// Every member of a campaign in natural-key order (provider, account, native id: the order
    /// the population hash covers), streamed to `each`.
    fn for_each_evidence_member(
        &self,
        campaign: CampaignId,
        mut each: impl FnMut(EvidenceMember) -> Result<()>,
    ) -> Result<()> {
        // Read through the identities' unique index, so nothing is sorted; the latest decision
        // as cached beside each member (schema 6), not looked up record by record.
        let mut stmt = self.conn().prepare(
            "SELECT i.provider, i.account, i.native_id, i.kind, i.name, ci.owner_at_start,
                    ci.function_at_start, ci.snapshot, ci.risk, ci.position, ci.signals, ci.verdict,
                    ci.action, ci.owner, ci.business_function,
                    (SELECT group_concat(s.source_id) FROM identity_sighting s WHERE s.identity_id = i.id),
                    ci.decided_by, ci.decided_at, ci.suggested, ci.expected_unused_at_start,
                    ci.justification, ci.removed
             FROM identity i CROSS JOIN campaign_identity ci
                  ON ci.campaign_id = ?1 AND ci.identity_id = i.id
             ORDER BY i.provider, i.account, i.native_id",
        )?;
        let mut rows = stmt.query([campaign])?;
        while let Some(r) = rows.next()? {
            each(member_from_row(r)?)?;
        }
        Ok(())
    }

    /// Members marked unused by design at the end, in review order: (name, native id, reason).
    fn expected_unused_members(
        &self,
        campaign: CampaignId,
    ) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self.conn().prepare(
            "SELECT i.name, i.native_id, ci.expected_unused FROM campaign_identity ci
             JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1 AND ci.expected_unused IS NOT NULL AND ci.expected_unused <> ''
             ORDER BY ci.position",
        )?;
        let rows = stmt.query_map([campaign], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Members counted by owner in force, verdict and action, in owner order.
    fn members_by_owner(
        &self,
        campaign: CampaignId,
        each: impl FnMut(GroupCount) -> Result<()>,
    ) -> Result<()> {
        grouped(
            self.conn(),
            "SELECT COALESCE(ci.owner, ''), ci.verdict, ci.action, COUNT(*) FROM campaign_identity ci
             WHERE ci.campaign_id = ?1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            campaign,
            each,
        )
    }
}

impl<T: Read> EvidenceReads for T {}

fn grouped(
    conn: &rusqlite::Connection,
    sql: &str,
    campaign: CampaignId,
    mut each: impl FnMut(GroupCount) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([campaign])?;
    while let Some(r) = rows.next()? {
        each((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))?;
    }
    Ok(())
}

impl super::Store {
    /// Read the database through a memory map for a pass that reads all of it: pages are not
    /// copied out of the page cache one `pread` at a time (a quarter of the CPU time of an
    /// evidence run on a million decisions went there; BENCHMARKS.md). The mapped pages are the
    /// file's, shared with the page cache, not memory this process allocates. Writes are
    /// unaffected.
    pub fn map_for_reading(&self) -> Result<()> {
        self.conn.pragma_update(None, "mmap_size", 1i64 << 40)?;
        Ok(())
    }
}
