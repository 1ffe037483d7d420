//! Reads behind remediation and its closure: which members a campaign revoked or reduced, the
//! newest closed campaign that decided an identity, and which import showed a change.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::campaigns::CampaignReads;
use super::{CampaignInfo, Read, ts};
use crate::model::{CampaignId, IdentityId, ItemRef, Verdict};

/// The items a member's standing verdict asks to remove, from its latest decision record `r`
/// joined to the member `ci`: a revoke is one (the identity), a reduce its removed items,
/// anything else none. One expression for every count of them (remediation, evidence).
pub const DECIDED_ITEMS: &str = "CASE ci.verdict WHEN 'revoke' THEN 1
    WHEN 'reduce' THEN COALESCE(ci.removed, 0) ELSE 0 END";

/// [`DECIDED_ITEMS`] of one member, for a pass that reads its row in Rust: its standing verdict
/// and the number of items its latest decision removes (0 where none).
pub fn decided_items_of(verdict: Option<Verdict>, removed: u64) -> u64 {
    match verdict {
        Some(Verdict::Revoke) => 1,
        Some(Verdict::Reduce) => removed,
        Some(Verdict::Keep) | None => 0,
    }
}

/// Reading what remediation needs.
pub trait RemediationReads: Read + Sized {
    /// Members of a campaign whose standing verdict is one of `verdicts`, by provider and
    /// account (one operator, one set of credentials), then in review order.
    fn members_with_verdicts(
        &self,
        campaign: CampaignId,
        verdicts: &[Verdict],
    ) -> Result<Vec<IdentityId>> {
        let names: Vec<&str> = verdicts.iter().map(|v| v.as_str()).collect();
        let mut stmt = self.conn().prepare_cached(
            "SELECT ci.identity_id FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1 AND ci.verdict IN (SELECT value FROM json_each(?2))
             ORDER BY i.provider, i.account, ci.position",
        )?;
        let rows = stmt.query_map(params![campaign, serde_json::to_string(&names)?], |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Members with a standing revoke or reduce whose identity, or a credential or grant of it,
    /// an import marked gone, in the order of [`Self::members_with_verdicts`]. Found through the
    /// partial indexes of gone rows: the cost is the gone rows, not the population.
    fn decided_with_gone(&self, campaign: CampaignId) -> Result<Vec<IdentityId>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT ci.identity_id FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1 AND ci.verdict IN ('revoke', 'reduce')
               AND ci.identity_id IN (SELECT id FROM identity WHERE gone_at IS NOT NULL
                                      UNION SELECT identity_id FROM credential WHERE gone_at IS NOT NULL
                                      UNION SELECT identity_id FROM grant_ WHERE gone_at IS NOT NULL)
             ORDER BY i.provider, i.account, ci.position",
        )?;
        let rows = stmt.query_map([campaign], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Members with a standing revoke or reduce that no campaign in `newer` decided (any
    /// verdict), in the order of [`Self::members_with_verdicts`].
    fn decided_here_last(
        &self,
        campaign: CampaignId,
        newer: &[CampaignId],
    ) -> Result<Vec<IdentityId>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT ci.identity_id FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1 AND ci.verdict IN ('revoke', 'reduce')
               AND NOT EXISTS (SELECT 1 FROM campaign_identity n WHERE n.identity_id = ci.identity_id
                                 AND n.verdict IS NOT NULL
                                 AND n.campaign_id IN (SELECT value FROM json_each(?2)))
             ORDER BY i.provider, i.account, ci.position",
        )?;
        let newer: Vec<i64> = newer.iter().map(|c| c.0).collect();
        let rows = stmt.query_map(params![campaign, serde_json::to_string(&newer)?], |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The items the standing decisions of a campaign name: one per revoke (the identity), each
    /// removed item per reduce (as its latest decision, cached beside the member, says).
    fn decided_items(&self, campaign: CampaignId) -> Result<u64> {
        Ok(self.conn().query_row(
            &format!(
                "SELECT COALESCE(SUM({DECIDED_ITEMS}), 0) FROM campaign_identity ci
                 WHERE ci.campaign_id = ?1 AND ci.verdict IN ('revoke', 'reduce')"
            ),
            [campaign],
            |r| r.get(0),
        )?)
    }

    /// Whether a file was imported after `at`: only an import can show an item again.
    fn imported_after(&self, at: DateTime<Utc>) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM source_file WHERE imported_at > ?1)",
            [ts(at)],
            |r| r.get(0),
        )?)
    }

    /// The newest closed campaign in which an identity had a standing verdict.
    fn latest_closed_decision(&self, identity: IdentityId) -> Result<Option<CampaignInfo>> {
        let id: Option<CampaignId> = self
            .conn()
            .prepare_cached(
                "SELECT c.id FROM campaign c JOIN campaign_identity ci ON ci.campaign_id = c.id
                 WHERE ci.identity_id = ?1 AND ci.verdict IS NOT NULL AND c.closed_at IS NOT NULL
                 ORDER BY c.id DESC LIMIT 1",
            )?
            .query_row([identity], |r| r.get(0))
            .optional()?;
        id.map(|id| self.campaign_by_id(id)).transpose()
    }

    /// The files imported at `at` (one import run) into the export families that showed the
    /// identity (`item: None`) or the item: the import that told of a change to it.
    fn source_of_change(
        &self,
        identity: IdentityId,
        item: Option<&ItemRef>,
        at: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let scopes = match item {
            None => "SELECT scope_id FROM identity_sighting WHERE identity_id = ?1",
            Some(ItemRef::Credential { .. }) => {
                "SELECT scope_id FROM credential WHERE identity_id = ?1 AND native_id = ?3"
            }
            Some(ItemRef::Grant { .. }) => {
                "SELECT scope_id FROM grant_ WHERE identity_id = ?1 AND permission = ?3
                   AND resource = ?4 AND condition = ?5 AND via = ?6"
            }
        };
        let mut texts = vec![ts(at)];
        match item {
            Some(ItemRef::Credential { id }) => texts.push(id.clone()),
            Some(ItemRef::Grant {
                permission,
                resource,
                condition,
                via,
            }) => {
                texts.extend([permission, resource, condition, via].map(String::clone));
            }
            None => {}
        }
        let sql = format!(
            "SELECT name FROM source_file WHERE imported_at = ?2 AND scope_id IN ({scopes}) ORDER BY id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut bind: Vec<&dyn rusqlite::ToSql> = vec![&identity];
        bind.extend(texts.iter().map(|t| t as &dyn rusqlite::ToSql));
        let names: Vec<String> = stmt
            .query_map(bind.as_slice(), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok((!names.is_empty()).then(|| names.join(", ")))
    }
}

impl<T: Read> RemediationReads for T {}
