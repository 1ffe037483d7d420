//! The paged queue the review screen reads: filters, search and sort evaluated in SQL over the
//! campaign's members, so the screen never holds the population in memory.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Read, get_ts};
use crate::model::{CampaignId, IdentityId, Verdict};
use crate::signals::SignalCode;

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
    /// Carrying this signal.
    Signal(SignalCode),
    /// No owner known.
    NoOwner,
    /// Kept in the previous campaign and unchanged since: re-attestable.
    CarryForward,
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

    /// The sort key before the frozen position, which breaks ties; none for the frozen order
    /// itself. (Not a constant key: `ORDER BY '', position` makes SQLite sort every row the
    /// view shows, where `ORDER BY position` walks an index and stops at the window's end.)
    fn key_expr(self) -> Option<&'static str> {
        match self {
            QueueSort::Risk => None,
            QueueSort::Name => Some("lower(i.name)"),
            // Never used (tracked, no date) first, then oldest use; unknown use last.
            QueueSort::LastUsed => Some(
                "CASE WHEN i.usage_tracked = 0 THEN '9' WHEN i.last_used_at IS NULL THEN '0' ELSE '1' || i.last_used_at END",
            ),
            QueueSort::Provider => Some("i.provider"),
        }
    }

    fn order_by(self) -> String {
        self.order_by_dir("")
    }

    /// The order, ascending (`""`) or reversed (`" DESC"`): position is unique, so the reversed
    /// order is exactly the rows backwards.
    fn order_by_dir(self, dir: &str) -> String {
        match self.key_expr() {
            Some(key) => format!("{key}{dir}, ci.position{dir}"),
            None => format!("ci.position{dir}"),
        }
    }
}

/// Where a window of the queue begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSeek {
    /// At this row of the view: the rows before it are stepped over (`OFFSET`).
    Row(u64),
    /// At this row of a view that shows `total` rows: read backwards from the end when that is
    /// nearer, so the last rows cost what the first do.
    RowOf {
        /// The window's first row.
        row: u64,
        /// Rows the view shows (as counted for the screen).
        total: u64,
    },
    /// At the member with this frozen position, or the first after it that the view shows: a
    /// seek on the position, whatever the depth. Only in the frozen (risk) order.
    Position(u64),
    /// `back` rows before the member with this frozen position (at the view's first row when
    /// fewer come before it): a seek, then a walk back. Only in the frozen (risk) order.
    Before {
        /// Frozen position of a member the view shows.
        position: u64,
        /// Rows before it.
        back: u64,
    },
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
    /// Only the identities assigned to this reviewer (`review --mine`, `--assigned-to`); not
    /// cleared with the filter.
    pub assignee: Option<String>,
}

impl QueueView {
    /// SQL condition (over `ci` and `i`) and its arguments. Only fixed SQL text is built here;
    /// every value is a bound argument.
    fn where_clause(&self, campaign_id: CampaignId) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut clause = String::from("ci.campaign_id = ?");
        let mut args = vec![Value::Integer(campaign_id.0)];
        if let Some(a) = &self.assignee {
            clause.push_str(" AND ci.assignee = ?");
            args.push(Value::Text(a.clone()));
        }
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
                args.push(Value::Text(format!("%,{},%", code.name())));
            }
            QueueFilter::NoOwner => clause.push_str(" AND ci.owner IS NULL"),
            QueueFilter::CarryForward => clause.push_str(
                " AND EXISTS (SELECT 1 FROM campaign_identity p WHERE p.campaign_id =
                    (SELECT MAX(c.id) FROM campaign c WHERE c.id < ci.campaign_id)
                  AND p.identity_id = ci.identity_id AND p.verdict = 'keep'
                  AND p.fingerprint = ci.fingerprint AND p.owner IS ci.owner)",
            ),
            QueueFilter::Owner(text) => {
                clause.push_str(" AND ci.owner LIKE ? ESCAPE '\\'");
                args.push(Value::Text(like_pattern(text)));
            }
        }
        if !self.search.trim().is_empty() {
            clause.push_str(
                " AND (i.name LIKE ?1x ESCAPE '\\' OR i.native_id LIKE ?1x ESCAPE '\\' OR COALESCE(ci.owner, '') LIKE ?1x ESCAPE '\\')",
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
            || matches!(self.filter, QueueFilter::Provider(_))
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
            && self.assignee.is_none()
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
    pub identity_id: IdentityId,
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
    /// Signals at start.
    pub signals: Vec<SignalCode>,
    /// Standing verdict, if any.
    pub verdict: Option<Verdict>,
    /// A keep waiting for its second review.
    pub pending: bool,
}

/// Stored signal codes as a set, or an error naming the stranger.
fn stored_codes(idx: usize, text: &str) -> rusqlite::Result<Vec<SignalCode>> {
    let mut codes = crate::signals::parse_codes(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// Reading the queue.
pub trait QueueReads: Read {
    /// How many queue rows a view shows.
    fn queue_count(&self, campaign_id: CampaignId, view: &QueueView) -> Result<u64> {
        // The campaign keeps its population and verdict counts with every decision: the plain
        // verdict filters are read there, not counted over the members' index.
        let cached = match &view.filter {
            _ if !view.search.trim().is_empty() || view.assignee.is_some() => None,
            QueueFilter::All => Some("population_size"),
            QueueFilter::Undecided => {
                Some("population_size - keep_count - reduce_count - revoke_count")
            }
            QueueFilter::Verdict(Verdict::Keep) => Some("keep_count"),
            QueueFilter::Verdict(Verdict::Reduce) => Some("reduce_count"),
            QueueFilter::Verdict(Verdict::Revoke) => Some("revoke_count"),
            _ => None,
        };
        if let Some(count) = cached {
            return Ok(self
                .conn()
                .prepare_cached(&format!("SELECT {count} FROM campaign WHERE id = ?1"))?
                .query_row([campaign_id], |r| r.get(0))?);
        }
        let (clause, args) = view.where_clause(campaign_id);
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {clause}", view.rows_clause());
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
    }

    /// Up to `len` rows of a view from row `offset` on. Rows are chosen on the campaign's table
    /// (and identities only when the view needs them), then the few chosen are joined for display;
    /// the frozen order seeks by position.
    fn queue_window(
        &self,
        campaign_id: CampaignId,
        view: &QueueView,
        offset: u64,
        len: u64,
    ) -> Result<Vec<QueueRow>> {
        self.queue_window_seek(campaign_id, view, WindowSeek::Row(offset), len)
    }

    /// Up to `len` rows of a view from where `seek` says, in the view's order.
    fn queue_window_seek(
        &self,
        campaign_id: CampaignId,
        view: &QueueView,
        seek: WindowSeek,
        len: u64,
    ) -> Result<Vec<QueueRow>> {
        use rusqlite::types::Value;
        let (clause, mut args) = view.where_clause(campaign_id);
        let order = view.sort.order_by();
        let rows = view.rows_clause();
        let seek = match seek {
            // Row N of the frozen order is position N.
            WindowSeek::Row(row) | WindowSeek::RowOf { row, .. } if view.is_frozen_order() => {
                WindowSeek::Position(row)
            }
            WindowSeek::RowOf { row, total } if total.saturating_sub(row) >= row => {
                WindowSeek::Row(row)
            }
            other => other,
        };
        let chosen = match seek {
            WindowSeek::Position(position) => {
                anyhow::ensure!(
                    view.sort == QueueSort::Risk,
                    "a window seeks by position only in the frozen order"
                );
                args.push(Value::Integer(i64::try_from(position)?));
                args.push(Value::Integer(i64::try_from(len)?));
                format!(
                    "SELECT ci.* FROM {rows} WHERE {clause} AND ci.position >= ? ORDER BY ci.position LIMIT ?"
                )
            }
            WindowSeek::Before { position, back } => {
                anyhow::ensure!(
                    view.sort == QueueSort::Risk,
                    "a window seeks by position only in the frozen order"
                );
                let again = args.clone();
                args.extend(again);
                args.push(Value::Integer(i64::try_from(position)?));
                args.push(Value::Integer(i64::try_from(back.saturating_sub(1))?));
                args.push(Value::Integer(i64::try_from(len)?));
                format!(
                    "SELECT ci.* FROM {rows} WHERE {clause} AND ci.position >= COALESCE(
                        (SELECT ci.position FROM {rows} WHERE {clause} AND ci.position < ?
                         ORDER BY ci.position DESC LIMIT 1 OFFSET ?), 0)
                     ORDER BY ci.position LIMIT ?"
                )
            }
            WindowSeek::Row(offset) => {
                args.push(Value::Integer(i64::try_from(len)?));
                args.push(Value::Integer(i64::try_from(offset)?));
                format!("SELECT ci.* FROM {rows} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?")
            }
            WindowSeek::RowOf { row, total } => {
                // Rows [row, end) are, backwards, the `end - row` after the last `total - end`.
                let end = total.min(row.saturating_add(len));
                args.push(Value::Integer(i64::try_from(end.saturating_sub(row))?));
                args.push(Value::Integer(i64::try_from(total - end)?));
                format!(
                    "SELECT ci.* FROM {rows} WHERE {clause} ORDER BY {} LIMIT ? OFFSET ?",
                    view.sort.order_by_dir(" DESC")
                )
            }
        };
        let sql = format!(
            "SELECT ci.position, i.id, i.provider || '-' || i.id, i.provider, i.kind, i.name, ci.owner,
                    i.last_used_at, i.usage_tracked, ci.risk, ci.signals, ci.verdict,
                    ci.second_review = 1 AND ci.confirmed_by IS NULL
             FROM ({chosen}) ci JOIN identity i ON i.id = ci.identity_id ORDER BY {order}"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            let signals: String = r.get(10)?;
            Ok(QueueRow {
                position: r.get(0)?,
                identity_id: r.get(1)?,
                short_id: r.get(2)?,
                provider: r.get(3)?,
                kind: r.get(4)?,
                name: r.get(5)?,
                owner: r.get(6)?,
                last_used_at: get_ts(r, 7)?,
                usage_tracked: r.get(8)?,
                risk: r.get(9)?,
                signals: stored_codes(10, &signals)?,
                verdict: r.get(11)?,
                pending: r.get(12)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Every identity a view shows (at most `limit`), with its short id and owner in force, in
    /// the view's order: what "mark all" marks.
    fn view_members(
        &self,
        campaign_id: CampaignId,
        view: &QueueView,
        limit: u64,
    ) -> Result<Vec<(IdentityId, String, Option<String>)>> {
        let (clause, mut args) = view.where_clause(campaign_id);
        args.push(rusqlite::types::Value::Integer(i64::try_from(limit)?));
        let sql = format!(
            "SELECT ci.identity_id, (SELECT provider || '-' || id FROM identity WHERE id = ci.identity_id), ci.owner
             FROM {} WHERE {clause} ORDER BY {} LIMIT ?",
            view.rows_clause(),
            view.sort.order_by()
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Row index, in a view, of the first identity without a standing verdict.
    fn first_undecided(&self, campaign_id: CampaignId, view: &QueueView) -> Result<Option<u64>> {
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
        let first: Option<IdentityId> = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))
            .optional()?;
        match first {
            Some(id) => self.row_of(campaign_id, view, id),
            None => Ok(None),
        }
    }

    /// Row index of an identity in a view (None when the view hides it).
    fn row_of(
        &self,
        campaign_id: CampaignId,
        view: &QueueView,
        identity_id: IdentityId,
    ) -> Result<Option<u64>> {
        if view.is_frozen_order() {
            return Ok(self
                .conn()
                .prepare_cached("SELECT position FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2")?
                .query_row(params![campaign_id, identity_id], |r| r.get(0))
                .optional()?);
        }
        if !self.in_view(campaign_id, view, identity_id)? {
            return Ok(None);
        }
        // Rows before it in the view's order: compare on the sort key, then position.
        let (clause, mut args) = view.where_clause(campaign_id);
        // In the frozen order, a range of the position index.
        let (key, before) = match view.sort.key_expr() {
            Some(key) => (key, format!("({key}, ci.position) < (t.k, t.p)")),
            None => ("NULL", "ci.position < t.p".to_owned()),
        };
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM {from} WHERE {clause} AND {before})
             FROM (SELECT {key} AS k, ci.position AS p FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
                   WHERE ci.campaign_id = ? AND ci.identity_id = ?) t",
            from = view.rows_clause()
        );
        args.push(rusqlite::types::Value::Integer(campaign_id.0));
        args.push(rusqlite::types::Value::Integer(identity_id.0));
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))
            .optional()?)
    }

    /// Whether a view shows this identity.
    fn in_view(
        &self,
        campaign_id: CampaignId,
        view: &QueueView,
        identity_id: IdentityId,
    ) -> Result<bool> {
        let (clause, mut args) = view.where_clause(campaign_id);
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {clause} AND ci.identity_id = ?)",
            view.rows_clause()
        );
        args.push(rusqlite::types::Value::Integer(identity_id.0));
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
    }

    /// Distinct providers and signal codes of a campaign's population, for the filter menu.
    fn queue_facets(&self, campaign_id: CampaignId) -> Result<(Vec<String>, Vec<SignalCode>)> {
        // Every imported provider (its index answers at once); a campaign rarely lacks one.
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT DISTINCT provider FROM identity ORDER BY 1")?;
        let providers = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT DISTINCT signals FROM campaign_identity WHERE campaign_id = ?1",
        )?;
        let mut codes: Vec<SignalCode> = Vec::new();
        for row in stmt.query_map([campaign_id], |r| stored_codes(0, &r.get::<_, String>(0)?))? {
            codes.extend(row?);
        }
        codes.sort();
        codes.dedup();
        Ok((providers, codes))
    }
}

impl<T: Read> QueueReads for T {}
