//! Reads behind remediation and its closure: which members a campaign revoked or reduced, the
//! newest closed campaign that decided an identity, and which import showed a change.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::campaigns::CampaignReads;
use super::{CampaignInfo, Read, ts};
use crate::model::{CampaignId, IdentityId, ItemRef, Verdict};

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
