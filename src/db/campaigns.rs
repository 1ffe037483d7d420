//! Campaigns: freezing a population in risk order, listing, closing, and the paged queue the
//! review screen reads.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{InventoryFilter, Store, parse_ts, ts};
use crate::chain::sha256_hex;
use crate::model::{IdentityView, Thresholds, Verdict};
use crate::signals;

/// A campaign with its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignInfo {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Name, e.g. `2026-Q4`.
    pub name: String,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// When the population was frozen; also the reference time of its signals.
    pub started_at: DateTime<Utc>,
    /// When closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// `open` or `closed`.
    pub status: String,
    /// Thresholds in force.
    pub thresholds: Thresholds,
    /// Identities in scope.
    pub population_size: u64,
    /// sha256 over the population's natural keys.
    pub population_hash: String,
    /// Standing verdicts.
    pub counts: VerdictCounts,
}

impl CampaignInfo {
    /// Still accepting decisions.
    pub fn is_open(&self) -> bool {
        self.status == "open"
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
}

/// One line of the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    /// Place in the campaign's review order, from 0.
    pub position: u64,
    /// Identity row id.
    pub identity_id: i64,
    /// Short id.
    pub short_id: String,
    /// Provider.
    pub provider: String,
    /// Kind.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Owner.
    pub owner: Option<String>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether use is tracked.
    pub usage_tracked: bool,
    /// Risk score at start.
    pub risk: u32,
    /// Signal codes at start.
    pub signals: Vec<String>,
    /// Standing verdict, if any.
    pub verdict: Option<Verdict>,
}

/// Hash of what a reviewer attests to: owner, credentials and grants. Equal fingerprints in two
/// campaigns mean nothing reviewable changed.
pub(crate) fn fingerprint(identity: &IdentityView) -> String {
    let mut text = format!("owner={}\n", identity.owner.as_deref().unwrap_or(""));
    for c in identity.credentials.iter().filter(|c| c.gone_at.is_none()) {
        let created = c.created_at.map(ts).unwrap_or_default();
        let expires = c.expires_at.map(ts).unwrap_or_default();
        text.push_str(&format!(
            "cred={}|{}|{}|{created}|{expires}\n",
            c.id, c.kind, c.active
        ));
    }
    for g in identity.grants.iter().filter(|g| g.gone_at.is_none()) {
        text.push_str(&format!(
            "grant={}|{}|{}|{}|{}\n",
            g.permission,
            g.resource,
            g.tier.as_str(),
            g.condition,
            g.via
        ));
    }
    sha256_hex(text.as_bytes())
}

/// One member of a population being frozen.
struct Member {
    identity_id: i64,
    risk: u32,
    codes: String,
    fingerprint: String,
    sort_key: (String, String),
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().any(char::is_control) || name.len() > 100 {
        bail!("campaign name '{name}' must be 1 to 100 printable characters, e.g. '2026-Q4'");
    }
    Ok(())
}

impl Store {
    /// Freeze today's identities (not gone) as the population of a new campaign, in risk order.
    pub fn start_campaign(
        &mut self,
        name: &str,
        due_date: Option<NaiveDate>,
        thresholds: Thresholds,
        now: DateTime<Utc>,
    ) -> Result<CampaignInfo> {
        check_name(name)?;
        if self.find_campaign(name)?.is_some() {
            bail!(
                "campaign '{name}' already exists: pick another name, or review it with 'nhi-review review {name}'"
            );
        }
        // Only what ordering and freezing need is kept, never the identities' facts.
        let mut population: Vec<Member> = Vec::new();
        let mut keys = Vec::new();
        self.for_each_identity(&InventoryFilter::default(), |identity| {
            let found = signals::evaluate(&identity, &thresholds, now);
            let codes = found.iter().map(|s| s.code).collect::<Vec<_>>().join(",");
            keys.push(format!(
                "{}\t{}\t{}\n",
                identity.provider, identity.account, identity.native_id
            ));
            population.push(Member {
                identity_id: identity.row_id,
                risk: signals::risk(&found),
                codes,
                fingerprint: fingerprint(&identity),
                sort_key: (identity.name.to_lowercase(), identity.native_id.clone()),
            });
            Ok(())
        })?;
        if population.is_empty() {
            bail!("no identities to review: import exports first ('nhi-review import FILE')");
        }
        population.sort_by(|a, b| {
            b.risk
                .cmp(&a.risk)
                .then_with(|| a.sort_key.cmp(&b.sort_key))
        });
        keys.sort();
        let population_hash = sha256_hex(keys.concat().as_bytes());

        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO campaign (name, due_date, started_at, status, thresholds, population_size, population_hash)
             VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6)",
            params![
                name,
                due_date.map(|d| d.to_string()),
                ts(now),
                serde_json::to_string(&thresholds)?,
                population.len() as i64,
                population_hash
            ],
        )?;
        let campaign_id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO campaign_identity (campaign_id, identity_id, position, risk, signals, fingerprint)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (position, m) in population.iter().enumerate() {
                insert.execute(params![
                    campaign_id,
                    m.identity_id,
                    position as i64,
                    m.risk,
                    m.codes,
                    m.fingerprint
                ])?;
            }
        }
        tx.commit()?;
        self.campaign(name)
    }

    fn find_campaign(&self, name: &str) -> Result<Option<CampaignInfo>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, name, due_date, started_at, closed_at, status, thresholds, population_size, population_hash
                 FROM campaign WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, u64>(7)?,
                        r.get::<_, String>(8)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, name, due, started, closed, status, thresholds, size, hash)) = row else {
            return Ok(None);
        };
        Ok(Some(CampaignInfo {
            id,
            name,
            due_date: due.and_then(|d| d.parse().ok()),
            started_at: parse_ts(started).unwrap_or_default(),
            closed_at: parse_ts(closed),
            status,
            thresholds: serde_json::from_str(&thresholds).context("reading campaign thresholds")?,
            population_size: size,
            population_hash: hash,
            counts: self.verdict_counts(id)?,
        }))
    }

    /// A campaign by name.
    pub fn campaign(&self, name: &str) -> Result<CampaignInfo> {
        self.find_campaign(name)?.with_context(|| {
            format!("no campaign '{name}': 'nhi-review campaign list' shows them, 'campaign start NAME' makes one")
        })
    }

    /// All campaigns, newest first.
    pub fn campaigns(&self) -> Result<Vec<CampaignInfo>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM campaign ORDER BY id DESC")?;
        let names: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        names.iter().map(|n| self.campaign(n)).collect()
    }

    /// Close a campaign: no further decisions.
    pub fn close_campaign(&mut self, name: &str, now: DateTime<Utc>) -> Result<CampaignInfo> {
        let info = self.campaign(name)?;
        if !info.is_open() {
            bail!("campaign '{name}' is already closed");
        }
        self.conn.execute(
            "UPDATE campaign SET status = 'closed', closed_at = ?2 WHERE id = ?1",
            params![info.id, ts(now)],
        )?;
        self.campaign(name)
    }

    /// Standing verdicts of a campaign.
    pub fn verdict_counts(&self, campaign_id: i64) -> Result<VerdictCounts> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.verdict, COUNT(*) FROM decision d
             JOIN (SELECT identity_id, MAX(seq) AS seq FROM decision WHERE campaign_id = ?1 GROUP BY identity_id) last
               ON last.identity_id = d.identity_id AND last.seq = d.seq
             WHERE d.campaign_id = ?1 AND d.verdict IS NOT NULL GROUP BY d.verdict",
        )?;
        let mut counts = VerdictCounts::default();
        let rows = stmt.query_map([campaign_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
        })?;
        for row in rows {
            let (verdict, n) = row?;
            match Verdict::from_name(&verdict) {
                Some(Verdict::Keep) => counts.keep = n,
                Some(Verdict::Reduce) => counts.reduce = n,
                Some(Verdict::Revoke) => counts.revoke = n,
                None => {}
            }
        }
        Ok(counts)
    }

    /// Up to `len` queue rows from `position` on, in review order.
    pub fn queue_window(&self, campaign_id: i64, position: u64, len: u64) -> Result<Vec<QueueRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ci.position, i.id, i.short_id, i.provider, i.kind, i.name, i.owner, i.last_used_at,
                    i.usage_tracked, ci.risk, ci.signals,
                    (SELECT d.verdict FROM decision d WHERE d.campaign_id = ci.campaign_id
                       AND d.identity_id = ci.identity_id ORDER BY d.seq DESC LIMIT 1)
             FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
             WHERE ci.campaign_id = ?1 AND ci.position >= ?2 ORDER BY ci.position LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![campaign_id, position as i64, len as i64], |r| {
            let signals: String = r.get(10)?;
            let verdict: Option<String> = r.get(11)?;
            Ok(QueueRow {
                position: r.get(0)?,
                identity_id: r.get(1)?,
                short_id: r.get(2)?,
                provider: r.get(3)?,
                kind: r.get(4)?,
                name: r.get(5)?,
                owner: r.get(6)?,
                last_used_at: parse_ts(r.get(7)?),
                usage_tracked: r.get(8)?,
                risk: r.get(9)?,
                signals: signals
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                verdict: verdict.as_deref().and_then(Verdict::from_name),
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Position of the first identity without a standing verdict, if any.
    pub fn first_undecided(&self, campaign_id: i64) -> Result<Option<u64>> {
        let pos: Option<u64> = self.conn.query_row(
            "SELECT MIN(ci.position) FROM campaign_identity ci WHERE ci.campaign_id = ?1 AND
               (SELECT d.verdict FROM decision d WHERE d.campaign_id = ci.campaign_id
                  AND d.identity_id = ci.identity_id ORDER BY d.seq DESC LIMIT 1) IS NULL",
            [campaign_id],
            |r| r.get(0),
        )?;
        Ok(pos)
    }

    /// Whether an identity is in a campaign's population.
    pub(crate) fn in_population(&self, campaign_id: i64, identity_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2",
                params![campaign_id, identity_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}
