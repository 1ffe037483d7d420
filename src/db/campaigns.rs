//! Campaigns: freezing a population in risk order, listing, closing, and the paged queue the
//! review screen reads.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

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

/// The standing decision of an identity in a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingDecision {
    /// `decide` or `reattest`.
    pub action: String,
    /// The verdict.
    pub verdict: Option<Verdict>,
    /// What a reduce removes.
    pub removed: Vec<String>,
    /// Business function.
    pub business_function: String,
    /// Justification.
    pub justification: String,
    /// Reviewer.
    pub reviewer: String,
    /// When.
    pub decided_at: String,
}

/// An identity as a campaign froze it, and how it was decided there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Hash of the snapshot.
    pub fingerprint: String,
    /// Owner, credentials and grants at that campaign's start, one per line.
    pub snapshot: String,
    /// The standing decision there, if decided.
    pub decision: Option<StandingDecision>,
}

/// Which identities the queue shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum QueueFilter {
    /// Everything.
    #[default]
    All,
    /// No standing verdict.
    Undecided,
    /// This standing verdict.
    Verdict(Verdict),
    /// One provider.
    Provider(String),
    /// Carrying this signal code.
    Signal(String),
    /// No owner known.
    NoOwner,
    /// Owner contains this text.
    Owner(String),
}

/// Queue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// Riskiest first (the campaign's frozen order).
    #[default]
    Risk,
    /// By name.
    Name,
    /// Longest unused first (never used first, unknown last).
    LastUsed,
    /// By provider, then risk.
    Provider,
}

impl QueueSort {
    /// All orders, in the order `s` cycles through them.
    pub const ALL: [QueueSort; 4] = [
        QueueSort::Risk,
        QueueSort::Name,
        QueueSort::LastUsed,
        QueueSort::Provider,
    ];

    /// Shown in the queue title.
    pub fn label(self) -> &'static str {
        match self {
            QueueSort::Risk => "riskiest first",
            QueueSort::Name => "by name",
            QueueSort::LastUsed => "longest unused first",
            QueueSort::Provider => "by provider",
        }
    }

    /// The next order.
    pub fn next(self) -> QueueSort {
        let i = QueueSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        QueueSort::ALL[(i + 1) % QueueSort::ALL.len()]
    }

    /// The sort key; ties fall back to the frozen position.
    fn key_expr(self) -> &'static str {
        match self {
            QueueSort::Risk => "''",
            QueueSort::Name => "lower(i.name)",
            // Never used (tracked, no date) first, then oldest use; unknown use last.
            QueueSort::LastUsed => {
                "CASE WHEN i.usage_tracked = 0 THEN '9' WHEN i.last_used_at IS NULL THEN '0' ELSE '1' || i.last_used_at END"
            }
            QueueSort::Provider => "i.provider",
        }
    }

    fn order_by(self) -> String {
        format!("{}, ci.position", self.key_expr())
    }
}

/// Filter, search text and order of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueView {
    /// Filter.
    pub filter: QueueFilter,
    /// Case-insensitive text to find in name, native id or owner.
    pub search: String,
    /// Order.
    pub sort: QueueSort,
}

impl QueueView {
    /// SQL condition (over `ci` and `i`) and its arguments. Only fixed SQL text is built here;
    /// every value is a bound argument.
    fn where_clause(&self, campaign_id: i64) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut clause = String::from("ci.campaign_id = ?");
        let mut args = vec![Value::Integer(campaign_id)];
        match &self.filter {
            QueueFilter::All => {}
            QueueFilter::Undecided => clause.push_str(" AND ci.verdict IS NULL"),
            QueueFilter::Verdict(v) => {
                clause.push_str(" AND ci.verdict = ?");
                args.push(Value::Text(v.as_str().into()));
            }
            QueueFilter::Provider(p) => {
                clause.push_str(" AND i.provider = ?");
                args.push(Value::Text(p.clone()));
            }
            QueueFilter::Signal(code) => {
                clause.push_str(" AND (',' || ci.signals || ',') LIKE ?");
                args.push(Value::Text(format!("%,{code},%")));
            }
            QueueFilter::NoOwner => {
                clause.push_str(" AND COALESCE(i.review_owner, i.owner) IS NULL")
            }
            QueueFilter::Owner(text) => {
                clause.push_str(" AND COALESCE(i.review_owner, i.owner) LIKE ? ESCAPE '\\'");
                args.push(Value::Text(like_pattern(text)));
            }
        }
        if !self.search.trim().is_empty() {
            clause.push_str(
                " AND (i.name LIKE ?1x ESCAPE '\\' OR i.native_id LIKE ?1x ESCAPE '\\' OR COALESCE(i.review_owner, i.owner, '') LIKE ?1x ESCAPE '\\')",
            );
            let pattern = like_pattern(self.search.trim());
            clause = clause.replace("?1x", "?");
            for _ in 0..3 {
                args.push(Value::Text(pattern.clone()));
            }
        }
        (clause, args)
    }

    /// Whether the view needs identity columns to filter or sort (otherwise the campaign's own
    /// table and its indexes answer alone).
    fn needs_identity(&self) -> bool {
        !self.search.trim().is_empty()
            || matches!(
                self.filter,
                QueueFilter::Provider(_) | QueueFilter::NoOwner | QueueFilter::Owner(_)
            )
            || self.sort != QueueSort::Risk
    }

    /// The rows to filter and sort: the campaign's members, joined to identities only if needed.
    fn rows_clause(&self) -> &'static str {
        if self.needs_identity() {
            "campaign_identity ci JOIN identity i ON i.id = ci.identity_id"
        } else {
            "campaign_identity ci"
        }
    }

    /// The frozen risk order, unfiltered: row N is position N.
    fn is_frozen_order(&self) -> bool {
        self.filter == QueueFilter::All
            && self.search.trim().is_empty()
            && self.sort == QueueSort::Risk
    }

    /// Whether anything narrows the queue.
    pub fn is_narrowed(&self) -> bool {
        self.filter != QueueFilter::All || !self.search.trim().is_empty()
    }
}

/// `%text%` with LIKE's wildcards escaped.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One line of the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    /// Place in the campaign's frozen (risk) order, from 0.
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

/// What a reviewer attests to, one fact per line (owner, credentials, grants), and its hash.
/// Equal snapshots in two campaigns mean nothing reviewable changed; their line differences say
/// what did.
pub(crate) fn snapshot(identity: &IdentityView) -> (String, String) {
    let mut lines = vec![format!(
        "owner {}",
        identity.owner.as_deref().unwrap_or("(none)")
    )];
    for c in identity.credentials.iter().filter(|c| c.gone_at.is_none()) {
        let created = c.created_at.map(ts).unwrap_or_else(|| "-".into());
        let expires = c.expires_at.map(ts).unwrap_or_else(|| "never".into());
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
    let text = lines.join("\n");
    let hash = sha256_hex(text.as_bytes());
    (hash, text)
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().any(char::is_control) || name.len() > 100 {
        bail!("campaign name '{name}' must be 1 to 100 printable characters, e.g. '2026-Q4'");
    }
    Ok(())
}

impl Store {
    /// Freeze the population of a new campaign in risk order: every identity not gone, plus
    /// those the previous campaign reviewed that have gone since (so the reviewer confirms them).
    /// Streams: members are staged in SQLite and ordered there, never held in memory.
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
        let previous = self.latest_campaign()?;
        // `for_each_identity` reads through `&self` while the staging rows are written on the
        // same connection, inside this one transaction (rolled back on any error).
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO campaign (name, due_date, started_at, status, thresholds, population_size, population_hash)
             VALUES (?1, ?2, ?3, 'open', ?4, 0, '')",
            params![name, due_date.map(|d| d.to_string()), ts(now), serde_json::to_string(&thresholds)?],
        )?;
        let campaign_id = tx.last_insert_rowid();
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS staged_member (
                identity_id INTEGER NOT NULL, risk INTEGER NOT NULL, signals TEXT NOT NULL,
                fingerprint TEXT NOT NULL, snapshot TEXT NOT NULL, sort_name TEXT NOT NULL, native_id TEXT NOT NULL);
             DELETE FROM temp.staged_member;",
        )?;
        let all = InventoryFilter {
            include_gone: true,
            ..Default::default()
        };
        let mut stage = tx.prepare(
            "INSERT INTO temp.staged_member (identity_id, risk, signals, fingerprint, snapshot, sort_name, native_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        self.for_each_identity(&all, |identity| {
            let was_reviewed = match &previous {
                Some(p) => self.in_population(p.id, identity.row_id)?,
                None => false,
            };
            if identity.gone_at.is_some() && !was_reviewed {
                return Ok(());
            }
            let mut found = signals::evaluate(&identity, &thresholds, now);
            found.extend(signals::since_previous(
                previous.as_ref().map(|p| p.name.as_str()),
                was_reviewed,
            ));
            let codes = found.iter().map(|s| s.code).collect::<Vec<_>>().join(",");
            let (fingerprint, snapshot) = snapshot(&identity);
            stage.execute(params![
                identity.row_id,
                signals::risk(&found),
                codes,
                fingerprint,
                snapshot,
                identity.name.to_lowercase(),
                identity.native_id
            ])?;
            Ok(())
        })?;
        drop(stage);
        let size = tx.execute(
            "INSERT INTO campaign_identity (campaign_id, identity_id, position, risk, signals, fingerprint, snapshot)
             SELECT ?1, identity_id, ROW_NUMBER() OVER (ORDER BY risk DESC, sort_name, native_id) - 1,
                    risk, signals, fingerprint, snapshot
             FROM temp.staged_member",
            [campaign_id],
        )?;
        tx.execute("DELETE FROM temp.staged_member", [])?;
        if size == 0 {
            bail!("no identities to review: import exports first ('nhi-review import FILE')");
        }
        // sha256 over the sorted natural keys, one "provider\taccount\tnative_id\n" line each.
        let mut hasher = Sha256::new();
        {
            let mut stmt = tx.prepare(
                "SELECT i.provider, i.account, i.native_id FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
                 WHERE ci.campaign_id = ?1 ORDER BY i.provider, i.account, i.native_id",
            )?;
            let mut rows = stmt.query([campaign_id])?;
            while let Some(r) = rows.next()? {
                let (p, a, n): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
                hasher.update(format!("{p}\t{a}\t{n}\n").as_bytes());
            }
        }
        let population_hash: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        tx.execute(
            "UPDATE campaign SET population_size = ?2, population_hash = ?3 WHERE id = ?1",
            params![campaign_id, size as i64, population_hash],
        )?;
        tx.commit()?;
        self.campaign(name)
    }

    /// The most recently started campaign, if any.
    pub fn latest_campaign(&self) -> Result<Option<CampaignInfo>> {
        let name: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM campaign ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        name.map(|n| self.campaign(&n)).transpose()
    }

    /// The campaign started just before this one, if any.
    pub fn previous_campaign(&self, campaign_id: i64) -> Result<Option<CampaignInfo>> {
        let name: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM campaign WHERE id < ?1 ORDER BY id DESC LIMIT 1",
                [campaign_id],
                |r| r.get(0),
            )
            .optional()?;
        name.map(|n| self.campaign(&n)).transpose()
    }

    /// How an identity stood in another campaign: its snapshot at that campaign's start and the
    /// decision standing there (if any).
    pub fn standing_in(&self, campaign_id: i64, identity_id: i64) -> Result<Option<Standing>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT fingerprint, snapshot FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2",
                params![campaign_id, identity_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((fingerprint, snapshot)) = row else {
            return Ok(None);
        };
        let decision = self
            .conn
            .query_row(
                "SELECT action, verdict, removed, business_function, justification, reviewer, decided_at FROM decision
                 WHERE campaign_id = ?1 AND identity_id = ?2 ORDER BY seq DESC LIMIT 1",
                params![campaign_id, identity_id],
                |r| {
                    let removed: String = r.get(2)?;
                    Ok(StandingDecision {
                        action: r.get(0)?,
                        verdict: r.get::<_, Option<String>>(1)?.as_deref().and_then(Verdict::from_name),
                        removed: serde_json::from_str(&removed).unwrap_or_default(),
                        business_function: r.get(3)?,
                        justification: r.get(4)?,
                        reviewer: r.get(5)?,
                        decided_at: r.get(6)?,
                    })
                },
            )
            .optional()?
            .filter(|d| d.verdict.is_some());
        Ok(Some(Standing {
            fingerprint,
            snapshot,
            decision,
        }))
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
            "SELECT verdict, COUNT(*) FROM campaign_identity WHERE campaign_id = ?1 AND verdict IS NOT NULL GROUP BY verdict",
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

    /// How many queue rows a view shows.
    pub fn queue_count(&self, campaign_id: i64, view: &QueueView) -> Result<u64> {
        if view.is_frozen_order() {
            return Ok(self
                .conn
                .prepare_cached("SELECT population_size FROM campaign WHERE id = ?1")?
                .query_row([campaign_id], |r| r.get(0))?);
        }
        let (clause, args) = view.where_clause(campaign_id);
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {clause}", view.rows_clause());
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
    }

    /// Up to `len` rows of a view from row `offset` on. Rows are chosen on the campaign's table
    /// (and identities only when the view needs them), then the few chosen are joined for display;
    /// the frozen order seeks by position.
    pub fn queue_window(
        &self,
        campaign_id: i64,
        view: &QueueView,
        offset: u64,
        len: u64,
    ) -> Result<Vec<QueueRow>> {
        let (clause, mut args) = view.where_clause(campaign_id);
        let order = view.sort.order_by();
        let chosen = if view.is_frozen_order() {
            args.push(rusqlite::types::Value::Integer(offset as i64));
            args.push(rusqlite::types::Value::Integer(len as i64));
            format!(
                "SELECT ci.* FROM campaign_identity ci WHERE {clause} AND ci.position >= ? ORDER BY ci.position LIMIT ?"
            )
        } else {
            args.push(rusqlite::types::Value::Integer(len as i64));
            args.push(rusqlite::types::Value::Integer(offset as i64));
            format!(
                "SELECT ci.* FROM {} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
                view.rows_clause()
            )
        };
        let sql = format!(
            "SELECT ci.position, i.id, i.provider || '-' || i.id, i.provider, i.kind, i.name, COALESCE(i.review_owner, i.owner),
                    i.last_used_at, i.usage_tracked, ci.risk, ci.signals, ci.verdict
             FROM ({chosen}) ci JOIN identity i ON i.id = ci.identity_id ORDER BY {order}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
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

    /// Row index, in a view, of the first identity without a standing verdict.
    pub fn first_undecided(&self, campaign_id: i64, view: &QueueView) -> Result<Option<u64>> {
        let undecided = QueueView {
            filter: QueueFilter::Undecided,
            ..view.clone()
        };
        let (clause, args) = undecided.where_clause(campaign_id);
        let sql = format!(
            "SELECT ci.identity_id FROM {} WHERE {clause} ORDER BY {} LIMIT 1",
            undecided.rows_clause(),
            view.sort.order_by()
        );
        let first: Option<i64> = self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))
            .optional()?;
        match first {
            Some(id) => self.row_of(campaign_id, view, id),
            None => Ok(None),
        }
    }

    /// Row index of an identity in a view (None when the view hides it).
    pub fn row_of(
        &self,
        campaign_id: i64,
        view: &QueueView,
        identity_id: i64,
    ) -> Result<Option<u64>> {
        if view.is_frozen_order() {
            return Ok(self
                .conn
                .prepare_cached("SELECT position FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2")?
                .query_row(params![campaign_id, identity_id], |r| r.get(0))
                .optional()?);
        }
        if !self.in_view(campaign_id, view, identity_id)? {
            return Ok(None);
        }
        // Rows before it in the view's order: compare on the sort key, then position.
        let (clause, mut args) = view.where_clause(campaign_id);
        let key = view.sort.key_expr();
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM {from} WHERE {clause} AND ({key}, ci.position) < (t.k, t.p))
             FROM (SELECT {key} AS k, ci.position AS p FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
                   WHERE ci.campaign_id = ? AND ci.identity_id = ?) t",
            from = view.rows_clause()
        );
        args.push(rusqlite::types::Value::Integer(campaign_id));
        args.push(rusqlite::types::Value::Integer(identity_id));
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))
            .optional()?)
    }

    fn in_view(&self, campaign_id: i64, view: &QueueView, identity_id: i64) -> Result<bool> {
        let (clause, mut args) = view.where_clause(campaign_id);
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {clause} AND ci.identity_id = ?)",
            view.rows_clause()
        );
        args.push(rusqlite::types::Value::Integer(identity_id));
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
    }

    /// Distinct providers and signal codes of a campaign's population, for the filter menu.
    pub fn queue_facets(&self, campaign_id: i64) -> Result<(Vec<String>, Vec<String>)> {
        // Every imported provider (its index answers at once); a campaign rarely lacks one.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT provider FROM identity ORDER BY 1")?;
        let providers = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT signals FROM campaign_identity WHERE campaign_id = ?1",
        )?;
        let mut codes: Vec<String> = Vec::new();
        for row in stmt.query_map([campaign_id], |r| r.get::<_, String>(0))? {
            for code in row?.split(',').filter(|c| !c.is_empty()) {
                if !codes.iter().any(|c| c == code) {
                    codes.push(code.to_owned());
                }
            }
        }
        codes.sort();
        Ok((providers, codes))
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
