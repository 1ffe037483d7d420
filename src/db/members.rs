//! A campaign's members: the population frozen at start (staged in SQLite and numbered there,
//! never held in memory), each member's facts at start, and the per-member caches of the chain
//! (standing verdict, owner and business function in force).

use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, Row, params};

use super::{InventoryFilter, Read, Tx};
use crate::chain::{PopulationHasher, Record, population_line};
use crate::model::{CampaignId, DecisionAction, IdentityId, IdentityView, ItemRef, Verdict};
use crate::progress::{Measure, Progress, Ticker};
use crate::signals::SignalCode;

/// What the review decided about one member at start, from the domain's evaluation.
#[derive(Debug, Clone)]
pub struct MemberFacts {
    /// Risk score (higher is reviewed first).
    pub risk: u32,
    /// Signal codes, as stored (`signals::codes_text`).
    pub signals: String,
    /// Facts the reviewer attests to, one per line.
    pub snapshot: String,
    /// Owner in force at start.
    pub owner: Option<String>,
    /// Business function in force at start.
    pub function: Option<String>,
    /// Why it is unused by design, if marked.
    pub expected_unused: Option<String>,
    /// The reviewer assigned at start.
    pub assignee: Option<String>,
}

/// A member of a campaign with its caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    /// The identity.
    pub identity: IdentityId,
    /// Place in the frozen (risk) order, from 0.
    pub position: u64,
    /// Risk at start.
    pub risk: u32,
    /// Signals at start.
    pub signals: Vec<SignalCode>,
    /// Facts at start.
    pub snapshot: String,
    /// Owner in force at start.
    pub owner_at_start: Option<String>,
    /// Function in force at start.
    pub function_at_start: Option<String>,
    /// Owner in force now.
    pub owner: Option<String>,
    /// Function in force now.
    pub function: Option<String>,
    /// Expected-unused reason in force at start.
    pub expected_unused_at_start: Option<String>,
    /// Expected-unused reason in force now.
    pub expected_unused: Option<String>,
    /// The reviewer assigned.
    pub assignee: Option<String>,
    /// Whether the standing keep needs a second reviewer's confirmation.
    pub second_review: bool,
    /// Who confirmed the standing keep, if anyone.
    pub confirmed_by: Option<String>,
    /// Standing verdict.
    pub verdict: Option<Verdict>,
    /// Action of the latest decision record, if any.
    pub action: Option<DecisionAction>,
}

/// The standing decision of a member, read from its latest decision record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingDecision {
    /// `decide` or `reattest` (or, with no verdict, `undo` / `unreviewed`).
    pub action: DecisionAction,
    /// The verdict.
    pub verdict: Option<Verdict>,
    /// What a reduce removes.
    pub removed: Vec<ItemRef>,
    /// Business function.
    pub business_function: String,
    /// Justification.
    pub justification: String,
    /// Reviewer.
    pub reviewer: String,
    /// When (RFC 3339).
    pub decided_at: String,
}

/// How an identity stood in a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The member with its caches (owner and function in force at the end).
    pub member: MemberState,
    /// The decision standing there, if one with a verdict.
    pub decision: Option<StandingDecision>,
}

const MEMBER_COLUMNS: &str = "identity_id, position, risk, signals, snapshot, owner_at_start,
    function_at_start, owner, business_function, verdict, action, expected_unused_at_start,
    expected_unused, assignee, second_review, confirmed_by";

fn member_from_row(r: &Row) -> rusqlite::Result<MemberState> {
    let signals: String = r.get(3)?;
    let action: Option<String> = r.get(10)?;
    Ok(MemberState {
        identity: r.get(0)?,
        position: r.get(1)?,
        risk: r.get(2)?,
        signals: dedup(crate::signals::parse_codes(&signals).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?),
        snapshot: r.get(4)?,
        owner_at_start: r.get(5)?,
        function_at_start: r.get(6)?,
        owner: r.get(7)?,
        function: r.get(8)?,
        expected_unused_at_start: r.get(11)?,
        expected_unused: r.get(12)?,
        assignee: r.get(13)?,
        second_review: r.get(14)?,
        confirmed_by: r.get(15)?,
        verdict: r.get(9)?,
        action: action
            .map(|a| {
                DecisionAction::parse(&a).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        10,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })
            })
            .transpose()?,
    })
}

/// Schema-1 members may list a code twice; a set has it once.
fn dedup(mut codes: Vec<SignalCode>) -> Vec<SignalCode> {
    codes.sort();
    codes.dedup();
    codes
}

/// A decision record as the standing decision it records.
pub(crate) fn standing_decision(record: &Record) -> Result<Option<StandingDecision>> {
    let d = match record {
        Record::Decision(d) => StandingDecision {
            action: DecisionAction::parse(&d.action)?,
            verdict: parse_verdict(&d.verdict)?,
            removed: d
                .removed
                .iter()
                .map(|i| i.to_ref().map_err(anyhow::Error::msg))
                .collect::<Result<_>>()?,
            business_function: d.business_function.clone(),
            justification: d.justification.clone(),
            reviewer: d.reviewer.clone(),
            decided_at: d.at.clone(),
        },
        Record::Legacy(d) => StandingDecision {
            action: DecisionAction::parse(&d.action)?,
            verdict: parse_verdict(&d.verdict)?,
            removed: d.removed.iter().map(|r| legacy_item(r)).collect(),
            business_function: d.business_function.clone(),
            justification: d.justification.clone(),
            reviewer: d.reviewer.clone(),
            decided_at: d.decided_at.clone(),
        },
        _ => return Ok(None),
    };
    Ok(Some(d))
}

fn parse_verdict(s: &str) -> Result<Option<Verdict>> {
    Ok(if s.is_empty() {
        None
    } else {
        Some(Verdict::parse(s)?)
    })
}

/// A schema-1 removal (`credential:ID`, `grant:PERMISSION@RESOURCE`) as an item.
fn legacy_item(text: &str) -> ItemRef {
    match text.split_once(':') {
        Some(("grant", rest)) => {
            let (permission, resource) = rest.split_once('@').unwrap_or((rest, ""));
            ItemRef::Grant {
                permission: permission.to_owned(),
                resource: resource.to_owned(),
                condition: String::new(),
                via: String::new(),
            }
        }
        Some(("credential", id)) => ItemRef::Credential { id: id.to_owned() },
        _ => ItemRef::Credential {
            id: text.to_owned(),
        },
    }
}

/// Reading members.
pub trait MemberReads: Read {
    /// One member of a campaign, if the identity is in its population.
    fn member(&self, campaign: CampaignId, identity: IdentityId) -> Result<Option<MemberState>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2"
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![campaign, identity], member_from_row)
            .optional()?)
    }

    /// Whether an identity is in a campaign's population.
    fn in_population(&self, campaign: CampaignId, identity: IdentityId) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2",
            )?
            .query_row(params![campaign, identity], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// How an identity stood in a campaign: the member and its standing decision.
    fn standing_in(&self, campaign: CampaignId, identity: IdentityId) -> Result<Option<Standing>> {
        let Some(member) = self.member(campaign, identity)? else {
            return Ok(None);
        };
        let bytes: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT record FROM record WHERE campaign_id = ?1 AND identity_id = ?2
                   AND kind IN ('decision', 'legacy') ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![campaign, identity], |r| r.get(0))
            .optional()?;
        let decision = match bytes {
            Some(b) => {
                let record = Record::parse(&b)
                    .map_err(|e| anyhow::anyhow!("a stored record does not read back: {e}"))?;
                standing_decision(&record)?.filter(|d| d.verdict.is_some())
            }
            None => None,
        };
        Ok(Some(Standing { member, decision }))
    }

    /// Standing verdicts of one identity in campaigns before this one, newest first:
    /// (campaign, verdict, reviewer, decided at).
    fn earlier_decisions(
        &self,
        campaign: CampaignId,
        identity: IdentityId,
    ) -> Result<Vec<(String, Verdict, String, String)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT c.name, ci.verdict, r.reviewer, r.at
             FROM campaign c JOIN campaign_identity ci ON ci.campaign_id = c.id
             JOIN record r ON r.campaign_id = c.id AND r.identity_id = ci.identity_id
             WHERE c.id < ?1 AND ci.identity_id = ?2 AND ci.verdict IS NOT NULL
               AND r.seq = (SELECT MAX(d.seq) FROM record d WHERE d.campaign_id = c.id
                            AND d.identity_id = ci.identity_id AND d.kind IN ('decision', 'legacy'))
             ORDER BY c.id DESC",
        )?;
        let rows = stmt.query_map(params![campaign, identity], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Names of members with no reviewer assigned (at most `limit`), in review order.
    fn unassigned_members(&self, campaign: CampaignId, limit: u64) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare(
            "SELECT i.name FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1 AND ci.assignee IS NULL ORDER BY ci.position LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![campaign, i64::try_from(limit)?], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many members have no reviewer assigned.
    fn unassigned_count(&self, campaign: CampaignId) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM campaign_identity WHERE campaign_id = ?1 AND assignee IS NULL",
            [campaign],
            |r| r.get(0),
        )?)
    }

    /// Members that match each list given (an empty list matches every member): owner in force,
    /// provider, assignee.
    fn select_members(
        &self,
        campaign: CampaignId,
        owners: &[String],
        providers: &[String],
        assignees: &[String],
    ) -> Result<Vec<IdentityId>> {
        let json = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let mut stmt = self.conn().prepare(
            "SELECT ci.identity_id FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1
               AND (?2 = '[]' OR lower(ci.owner) IN (SELECT lower(value) FROM json_each(?2)))
               AND (?3 = '[]' OR i.provider IN (SELECT value FROM json_each(?3)))
               AND (?4 = '[]' OR ci.assignee IN (SELECT value FROM json_each(?4)))
             ORDER BY ci.position",
        )?;
        let rows = stmt.query_map(
            params![campaign, json(owners), json(providers), json(assignees)],
            |r| r.get(0),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Members grouped by assignee or by owner in force: (name, total, decided, keeps waiting
    /// for a second review), busiest first.
    fn progress_by(&self, campaign: CampaignId, by: &str) -> Result<Vec<(String, u64, u64, u64)>> {
        let column = match by {
            "assignee" => "assignee",
            "owner" => "owner",
            other => anyhow::bail!("no progress by '{other}'"),
        };
        let sql = format!(
            "SELECT COALESCE({column}, ''), COUNT(*),
                    SUM(verdict IS NOT NULL AND NOT (second_review = 1 AND confirmed_by IS NULL)),
                    SUM(verdict IS NOT NULL AND second_review = 1 AND confirmed_by IS NULL)
             FROM campaign_identity WHERE campaign_id = ?1
             GROUP BY 1 ORDER BY 2 DESC, 1"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map([campaign], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Identities of a campaign with no standing verdict, or a keep still waiting for its
    /// second review, in review order.
    fn undecided_members(&self, campaign: CampaignId) -> Result<Vec<IdentityId>> {
        let mut stmt = self.conn().prepare(
            "SELECT identity_id FROM campaign_identity WHERE campaign_id = ?1
               AND (verdict IS NULL OR (second_review = 1 AND confirmed_by IS NULL))
             ORDER BY position",
        )?;
        let rows = stmt.query_map([campaign], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Members and their standing verdicts (from the cache), counted.
    fn recount(&self, campaign: CampaignId) -> Result<(u64, super::VerdictCounts)> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT verdict, COUNT(*) FROM campaign_identity WHERE campaign_id = ?1 GROUP BY verdict",
        )?;
        let mut counts = super::VerdictCounts::default();
        let mut members = 0;
        let mut rows = stmt.query([campaign])?;
        while let Some(r) = rows.next()? {
            let verdict: Option<Verdict> = r.get(0)?;
            let n: u64 = r.get(1)?;
            members += n;
            if let Some(v) = verdict {
                for _ in 0..n {
                    counts.add(v);
                }
            }
        }
        Ok((members, counts))
    }

    /// The population hash recomputed from the members as stored, and their number.
    fn population_hash(&self, campaign: CampaignId) -> Result<(String, u64)> {
        population_hash_of(self.conn(), campaign)
    }
}

impl<T: Read> MemberReads for T {}

pub(super) fn population_hash_of(
    conn: &rusqlite::Connection,
    campaign: CampaignId,
) -> Result<(String, u64)> {
    let mut stmt = conn.prepare(
        "SELECT i.provider, i.account, i.native_id, ci.owner_at_start, ci.function_at_start, ci.snapshot,
                ci.expected_unused_at_start
         FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
         WHERE ci.campaign_id = ?1 ORDER BY i.provider, i.account, i.native_id",
    )?;
    let mut rows = stmt.query([campaign])?;
    let mut hasher = PopulationHasher::default();
    while let Some(r) = rows.next()? {
        let (p, a, n): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let owner: Option<String> = r.get(3)?;
        let function: Option<String> = r.get(4)?;
        let snapshot: String = r.get(5)?;
        let expected_unused: Option<String> = r.get(6)?;
        hasher.add(&population_line(
            (&p, &a, &n),
            owner.as_deref().unwrap_or(""),
            function.as_deref().unwrap_or(""),
            &snapshot,
            expected_unused.as_deref().unwrap_or(""),
        ));
    }
    Ok(hasher.finish())
}

/// A change to a member's caches after a record.
#[derive(Debug, Clone, Default)]
pub struct MemberUpdate {
    /// New standing verdict (`Some(None)`: none stands).
    pub verdict: Option<Option<Verdict>>,
    /// New latest decision action.
    pub action: Option<DecisionAction>,
    /// New owner in force (`Some(None)`: none).
    pub owner: Option<Option<String>>,
    /// New function in force (`Some(None)`: none).
    pub function: Option<Option<String>>,
    /// New expected-unused reason (`Some(None)`: not marked).
    pub expected_unused: Option<Option<String>>,
    /// New assignee (`Some(None)`: nobody).
    pub assignee: Option<Option<String>>,
    /// Whether the standing keep now needs a second review, and who confirmed it (`None`
    /// leaves both as they are).
    pub second_review: Option<(bool, Option<String>)>,
}

impl Tx<'_> {
    /// Stage every identity the domain keeps (`evaluate` returns its facts, or `None` to leave
    /// it out), then number them in risk order into the campaign. Streams: the identities are
    /// read one at a time and ordered in SQLite. Returns the population `(hash, size)`.
    pub fn freeze_population(
        &mut self,
        campaign: CampaignId,
        previous: Option<CampaignId>,
        progress: &mut dyn Progress,
        mut evaluate: impl FnMut(&IdentityView, bool) -> Result<Option<MemberFacts>>,
    ) -> Result<(String, u64)> {
        self.tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS staged_member (
                identity_id INTEGER NOT NULL, risk INTEGER NOT NULL, signals TEXT NOT NULL,
                fingerprint TEXT NOT NULL, snapshot TEXT NOT NULL, owner TEXT, function TEXT,
                expected_unused TEXT, assignee TEXT, sort_name TEXT NOT NULL, native_id TEXT NOT NULL);
             DELETE FROM temp.staged_member;",
        )?;
        let all = InventoryFilter {
            include_gone: true,
            ..Default::default()
        };
        let known: u64 = self
            .tx
            .query_row("SELECT COUNT(*) FROM identity", [], |r| r.get(0))?;
        {
            let mut read = Ticker::start(
                progress,
                "freezing the population",
                "identities",
                Measure::OutOf(known),
            );
            let mut stage = self.tx.prepare(
                "INSERT INTO temp.staged_member (identity_id, risk, signals, fingerprint, snapshot, owner,
                    function, expected_unused, assignee, sort_name, native_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            super::inventory::for_each_identity_by_id(&self.tx, &all, |identity| {
                read.step();
                let was_reviewed = match previous {
                    Some(p) => self.in_population(p, identity.row_id)?,
                    None => false,
                };
                let Some(facts) = evaluate(&identity, was_reviewed)? else {
                    return Ok(());
                };
                stage.execute(params![
                    identity.row_id,
                    facts.risk,
                    facts.signals,
                    crate::chain::sha256_hex(facts.snapshot.as_bytes()),
                    facts.snapshot,
                    facts.owner,
                    facts.function,
                    facts.expected_unused,
                    facts.assignee,
                    identity.name.to_lowercase(),
                    identity.native_id
                ])?;
                Ok(())
            })?;
        }
        progress.phase("ordering the population by risk", "", Measure::Nothing);
        self.tx.execute(
            "INSERT INTO campaign_identity (campaign_id, identity_id, position, risk, signals, fingerprint,
                snapshot, owner_at_start, function_at_start, owner, business_function,
                expected_unused_at_start, expected_unused, assignee)
             SELECT ?1, identity_id, ROW_NUMBER() OVER (ORDER BY risk DESC, sort_name, native_id) - 1,
                    risk, signals, fingerprint, snapshot, owner, function, owner, function,
                    expected_unused, expected_unused, assignee
             FROM temp.staged_member",
            [campaign],
        )?;
        self.tx.execute("DELETE FROM temp.staged_member", [])?;
        population_hash_of(&self.tx, campaign)
    }

    /// A member's risk and signal codes, as the domain restated them.
    pub fn set_member_signals(
        &mut self,
        campaign: CampaignId,
        identity: IdentityId,
        risk: u32,
        codes: &str,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE campaign_identity SET risk = ?3, signals = ?4 WHERE campaign_id = ?1 AND identity_id = ?2",
            )?
            .execute(params![campaign, identity, risk, codes])?;
        Ok(())
    }

    /// Update a member's caches after a record, and carry the owner and function over to the
    /// identity for later campaigns.
    pub fn update_member(
        &mut self,
        campaign: CampaignId,
        identity: IdentityId,
        u: &MemberUpdate,
    ) -> Result<()> {
        if let Some(verdict) = u.verdict {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET verdict = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, verdict])?;
        }
        if let Some(action) = u.action {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET action = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, action])?;
        }
        if let Some(owner) = &u.owner {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET owner = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, owner])?;
            self.tx
                .prepare_cached("UPDATE identity SET review_owner = ?2 WHERE id = ?1")?
                .execute(params![identity, owner])?;
        }
        if let Some(reason) = &u.expected_unused {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET expected_unused = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, reason])?;
            self.tx
                .prepare_cached("UPDATE identity SET expected_unused = ?2 WHERE id = ?1")?
                .execute(params![identity, reason])?;
        }
        if let Some(assignee) = &u.assignee {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET assignee = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, assignee])?;
        }
        if let Some((needed, by)) = &u.second_review {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET second_review = ?3, confirmed_by = ?4
                     WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, needed, by])?;
        }
        if let Some(function) = &u.function {
            self.tx
                .prepare_cached(
                    "UPDATE campaign_identity SET business_function = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
                )?
                .execute(params![campaign, identity, function])?;
            self.tx
                .prepare_cached("UPDATE identity SET business_function = ?2 WHERE id = ?1")?
                .execute(params![identity, function])
                .context("carrying the business function over")?;
        }
        Ok(())
    }
}
