//! Campaign rows: created at start, listed, closed; their standing-verdict counts are a cache
//! of the chain, kept up to date with each decision (never recounted per decision).

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Read, Tx, get_json, get_ts, get_ts_required, ts};
use crate::model::{CampaignId, CampaignStatus, Thresholds, Verdict};

/// A campaign with its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignInfo {
    /// Row id.
    #[serde(skip)]
    pub id: CampaignId,
    /// Name, e.g. `2026-Q4`.
    pub name: String,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// When the population was frozen; also the reference time of its signals.
    pub started_at: DateTime<Utc>,
    /// When closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Open or closed.
    pub status: CampaignStatus,
    /// Thresholds in force.
    pub thresholds: Thresholds,
    /// Identities in scope.
    pub population_size: u64,
    /// sha256 over the population's members.
    pub population_hash: String,
    /// Which identities are in scope, empty for all.
    pub scope: String,
    /// Who started it.
    pub started_by: String,
    /// Reviewer of identities without an owner, empty for none.
    pub default_reviewer: String,
    /// Which keeps need a second reviewer: `admin`, or empty.
    pub second_review: String,
    /// Whether nobody may decide an identity they own.
    pub independent: bool,
    /// Standing verdicts.
    pub counts: VerdictCounts,
}

impl CampaignInfo {
    /// Still accepting decisions.
    pub fn is_open(&self) -> bool {
        self.status == CampaignStatus::Open
    }

    /// Identities with no standing verdict.
    pub fn undecided(&self) -> u64 {
        self.population_size.saturating_sub(self.counts.decided())
    }
}

/// Standing verdicts of a campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    /// Kept.
    pub keep: u64,
    /// Reduced.
    pub reduce: u64,
    /// Revoked.
    pub revoke: u64,
}

impl VerdictCounts {
    /// Identities with a standing verdict.
    pub fn decided(&self) -> u64 {
        self.keep + self.reduce + self.revoke
    }

    fn slot(&mut self, v: Verdict) -> &mut u64 {
        match v {
            Verdict::Keep => &mut self.keep,
            Verdict::Reduce => &mut self.reduce,
            Verdict::Revoke => &mut self.revoke,
        }
    }

    /// Count one more of `v`.
    pub fn add(&mut self, v: Verdict) {
        *self.slot(v) += 1;
    }
}

/// A campaign to create.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    /// Name.
    pub name: &'a str,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Thresholds in force.
    pub thresholds: Thresholds,
    /// When.
    pub started_at: DateTime<Utc>,
    /// Scope, empty for all.
    pub scope: &'a str,
    /// Who.
    pub started_by: &'a str,
    /// Reviewer of identities without an owner.
    pub default_reviewer: &'a str,
    /// Which keeps need a second reviewer.
    pub second_review: &'a str,
    /// Nobody may decide an identity they own.
    pub independent: bool,
}

const COLUMNS: &str =
    "id, name, due_date, started_at, closed_at, status, thresholds, population_size,
    population_hash, scope, started_by, keep_count, reduce_count, revoke_count, default_reviewer,
    second_review, independent";

fn from_row(r: &Row) -> rusqlite::Result<CampaignInfo> {
    let due: Option<String> = r.get(2)?;
    let due_date = due
        .map(|d| {
            d.parse::<NaiveDate>().map_err(|_| {
                rusqlite::Error::FromSqlConversionFailure(
                    2,
                    rusqlite::types::Type::Text,
                    format!("stored due date '{d}' does not read back").into(),
                )
            })
        })
        .transpose()?;
    Ok(CampaignInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        due_date,
        started_at: get_ts_required(r, 3)?,
        closed_at: get_ts(r, 4)?,
        status: r.get(5)?,
        thresholds: get_json(r, 6, "thresholds")?,
        population_size: r.get(7)?,
        population_hash: r.get(8)?,
        scope: r.get(9)?,
        started_by: r.get(10)?,
        default_reviewer: r.get(14)?,
        second_review: r.get(15)?,
        independent: r.get(16)?,
        counts: VerdictCounts {
            keep: r.get(11)?,
            reduce: r.get(12)?,
            revoke: r.get(13)?,
        },
    })
}

/// Reading campaigns.
pub trait CampaignReads: Read {
    /// A campaign by name, if there is one.
    fn find_campaign(&self, name: &str) -> Result<Option<CampaignInfo>> {
        let sql = format!("SELECT {COLUMNS} FROM campaign WHERE name = ?1");
        self.conn()
            .prepare_cached(&sql)?
            .query_row([name], from_row)
            .optional()
            .with_context(|| format!("reading campaign '{name}'"))
    }

    /// A campaign by name.
    fn campaign(&self, name: &str) -> Result<CampaignInfo> {
        if let Some(found) = self.find_campaign(name)? {
            return Ok(found);
        }
        // Names differ in case or by a typo: one spelt alike (case aside) is named.
        let alike: Option<String> = self
            .conn()
            .query_row(
                "SELECT name FROM campaign WHERE lower(name) = lower(?1) ORDER BY id DESC LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        let shown = crate::text::inert(name);
        match alike {
            Some(other) => anyhow::bail!(
                "no campaign '{shown}': did you mean '{}'? (names are exact; 'nhi-review campaign list' shows them)",
                crate::text::inert(&other)
            ),
            None => anyhow::bail!(
                "no campaign '{shown}': 'nhi-review campaign list' shows them, 'campaign start NAME' makes one"
            ),
        }
    }

    /// A campaign by row id.
    fn campaign_by_id(&self, id: CampaignId) -> Result<CampaignInfo> {
        let sql = format!("SELECT {COLUMNS} FROM campaign WHERE id = ?1");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([id], from_row)?)
    }

    /// All campaigns, newest first.
    fn campaigns(&self) -> Result<Vec<CampaignInfo>> {
        let sql = format!("SELECT {COLUMNS} FROM campaign ORDER BY id DESC");
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The most recently started campaign, if any.
    fn latest_campaign(&self) -> Result<Option<CampaignInfo>> {
        let sql = format!("SELECT {COLUMNS} FROM campaign ORDER BY id DESC LIMIT 1");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([], from_row)
            .optional()?)
    }

    /// The campaign started just before this one, if any.
    fn previous_campaign(&self, id: CampaignId) -> Result<Option<CampaignInfo>> {
        let sql = format!("SELECT {COLUMNS} FROM campaign WHERE id < ?1 ORDER BY id DESC LIMIT 1");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([id], from_row)
            .optional()?)
    }
}

impl<T: Read> CampaignReads for T {}

impl Tx<'_> {
    /// Create a campaign row (population filled in later, in the same transaction).
    pub fn insert_campaign(&mut self, c: &NewCampaign) -> Result<CampaignId> {
        self.tx.execute(
            "INSERT INTO campaign (name, due_date, started_at, status, thresholds, population_size,
                population_hash, scope, started_by, default_reviewer, second_review, independent)
             VALUES (?1, ?2, ?3, 'open', ?4, 0, '', ?5, ?6, ?7, ?8, ?9)",
            params![
                c.name,
                c.due_date.map(|d| d.to_string()),
                ts(c.started_at),
                serde_json::to_string(&c.thresholds)?,
                c.scope,
                c.started_by,
                c.default_reviewer,
                c.second_review,
                c.independent
            ],
        )?;
        Ok(CampaignId(self.tx.last_insert_rowid()))
    }

    /// Record the frozen population's size and hash.
    pub fn set_population(&mut self, id: CampaignId, size: u64, hash: &str) -> Result<()> {
        self.tx.execute(
            "UPDATE campaign SET population_size = ?2, population_hash = ?3 WHERE id = ?1",
            params![id, size, hash],
        )?;
        Ok(())
    }

    /// Mark a campaign closed (its close record is appended by the caller).
    pub fn set_closed(&mut self, id: CampaignId, at: DateTime<Utc>) -> Result<()> {
        self.tx.execute(
            "UPDATE campaign SET status = 'closed', closed_at = ?2 WHERE id = ?1",
            params![id, ts(at)],
        )?;
        Ok(())
    }

    /// Move one identity's standing verdict in the counts cache.
    pub fn shift_count(
        &mut self,
        id: CampaignId,
        from: Option<Verdict>,
        to: Option<Verdict>,
    ) -> Result<()> {
        if from == to {
            return Ok(());
        }
        let column = |v: Verdict| match v {
            Verdict::Keep => "keep_count",
            Verdict::Reduce => "reduce_count",
            Verdict::Revoke => "revoke_count",
        };
        if let Some(v) = from {
            let sql = format!("UPDATE campaign SET {0} = {0} - 1 WHERE id = ?1", column(v));
            self.tx.prepare_cached(&sql)?.execute([id])?;
        }
        if let Some(v) = to {
            let sql = format!("UPDATE campaign SET {0} = {0} + 1 WHERE id = ?1", column(v));
            self.tx.prepare_cached(&sql)?.execute([id])?;
        }
        Ok(())
    }
}
