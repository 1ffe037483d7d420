//! The chain table: appending canonical records (the caller built and hashed them), reading the
//! head, streaming the links back for verification, and an identity's history.

use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};

use super::{Read, Tx, get_ts_required};
use crate::chain::{Record, RecordKind, StoredLink, sha256_hex};
use crate::model::{CampaignId, IdentityId};

/// A record ready to append: the canonical record (seq and prev_hash set) and the row it names.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// The campaign.
    pub campaign: CampaignId,
    /// The identity the record is about, if one.
    pub identity: Option<IdentityId>,
    /// The record.
    pub record: Record,
}

/// A stored record with the columns that sit beside it, for verification and export.
#[derive(Debug, Clone)]
pub struct RecordRow {
    /// The link.
    pub link: StoredLink,
    /// `kind` column.
    pub kind: String,
    /// Natural key of `identity_id` (provider, account, native id), if set.
    pub identity: Option<(String, String, String)>,
    /// Short id of the identity, if set.
    pub short_id: Option<String>,
    /// Display name of the identity, if set.
    pub name: Option<String>,
    /// `action` column.
    pub action: Option<String>,
    /// `verdict` column.
    pub verdict: Option<String>,
    /// `owner` column.
    pub owner: Option<String>,
    /// `business_function` column.
    pub business_function: Option<String>,
    /// `expected_unused` column.
    pub expected_unused: Option<String>,
    /// `assignee` column.
    pub assignee: Option<String>,
    /// `reviewer` column.
    pub reviewer: String,
    /// `at` column.
    pub at: String,
    /// `suggested`, `justification`, `removed` and `second_review` columns, for the records
    /// that decide.
    pub decision: (Option<String>, Option<String>, Option<u64>, Option<String>),
}

/// A stored record with its columns, borrowed from the row being read: for a pass that checks
/// every record and keeps little of it (owned copies of every column of 1.3 million rows cost
/// as much as reading them). [`RecordRef::to_row`] makes the owned [`RecordRow`].
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// `seq` column.
    pub seq: u64,
    /// `prev_hash` column.
    pub prev_hash: &'a str,
    /// `row_hash` column.
    pub row_hash: &'a str,
    /// The stored canonical bytes.
    pub record: &'a str,
    /// `kind` column.
    pub kind: &'a str,
    /// Natural key of `identity_id`, if set.
    pub identity: Option<(&'a str, &'a str, &'a str)>,
    /// Short id of the identity, if set.
    pub short_id: Option<&'a str>,
    /// Display name of the identity, if set.
    pub name: Option<&'a str>,
    /// `action` column.
    pub action: Option<&'a str>,
    /// `verdict` column.
    pub verdict: Option<&'a str>,
    /// `owner` column.
    pub owner: Option<&'a str>,
    /// `business_function` column.
    pub business_function: Option<&'a str>,
    /// `expected_unused` column.
    pub expected_unused: Option<&'a str>,
    /// `assignee` column.
    pub assignee: Option<&'a str>,
    /// `reviewer` column.
    pub reviewer: &'a str,
    /// `at` column.
    pub at: &'a str,
    /// `suggested`, `justification`, `removed` and `second_review` columns.
    pub decision: (
        Option<&'a str>,
        Option<&'a str>,
        Option<u64>,
        Option<&'a str>,
    ),
}

impl RecordRef<'_> {
    /// The link, owned.
    pub fn link(&self) -> StoredLink {
        StoredLink {
            seq: self.seq,
            prev_hash: self.prev_hash.to_owned(),
            row_hash: self.row_hash.to_owned(),
            record: self.record.to_owned(),
        }
    }

    /// The owned row.
    pub fn to_row(&self) -> RecordRow {
        let owned = |s: Option<&str>| s.map(str::to_owned);
        let (suggested, justification, removed, second_review) = self.decision;
        RecordRow {
            link: self.link(),
            kind: self.kind.to_owned(),
            identity: self
                .identity
                .map(|(p, a, n)| (p.to_owned(), a.to_owned(), n.to_owned())),
            short_id: owned(self.short_id),
            name: owned(self.name),
            action: owned(self.action),
            verdict: owned(self.verdict),
            owner: owned(self.owner),
            business_function: owned(self.business_function),
            expected_unused: owned(self.expected_unused),
            assignee: owned(self.assignee),
            reviewer: self.reviewer.to_owned(),
            at: self.at.to_owned(),
            decision: (
                owned(suggested),
                owned(justification),
                removed,
                owned(second_review),
            ),
        }
    }
}

/// One decision of an identity's history in a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Place in the chain.
    pub seq: u64,
    /// Kind.
    pub kind: RecordKind,
    /// Decision action, for decisions.
    pub action: Option<String>,
    /// Verdict, when one stands after the record.
    pub verdict: Option<String>,
    /// Owner after the record, for kinds that carry it.
    pub owner: Option<String>,
    /// Function after the record, for kinds that carry it.
    pub business_function: Option<String>,
    /// The reason an expected-unused record sets (empty: the mark withdrawn).
    pub expected_unused: Option<String>,
    /// The reviewer an assign record assigns.
    pub assignee: Option<String>,
    /// Who.
    pub reviewer: String,
    /// When (RFC 3339).
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The head of a campaign's chain: `(seq, row_hash)` of its last record.
pub(super) fn head(
    conn: &rusqlite::Connection,
    campaign: CampaignId,
) -> Result<Option<(u64, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT seq, row_hash FROM record WHERE campaign_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([campaign], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

impl Tx<'_> {
    /// Append one record (its seq and prev_hash already set to follow the head); returns its
    /// hash. The columns for queries are taken from the record itself.
    pub fn append_record(&mut self, r: &StoredRecord) -> Result<String> {
        insert_record(&self.tx, r)
    }
}

/// Insert a record row; the query columns come from the record itself.
pub(super) fn insert_record(conn: &rusqlite::Connection, r: &StoredRecord) -> Result<String> {
    let bytes = r.record.to_canonical();
    let row_hash = sha256_hex(bytes.as_bytes());
    let (action, verdict) = match r.record.decision() {
        Some((a, v)) => (Some(a), (!v.is_empty()).then_some(v)),
        None => (None, None),
    };
    let (owner, function) = match r.record.in_force() {
        Some((o, f)) => (Some(o), Some(f)),
        None => (None, None),
    };
    let facts = r.record.decision_facts();
    let (seq, kind) = (r.record.seq(), r.record.kind().as_str());
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &r.campaign,
        &seq,
        &kind,
        &r.identity,
        &action,
        &verdict,
        &owner,
        &function,
    ];
    let (reviewer, at, prev_hash) = (r.record.reviewer(), r.record.at(), r.record.prev_hash());
    let (expected_unused, assignee) = (r.record.expected_unused(), r.record.assignee());
    values.extend::<[&dyn rusqlite::ToSql; 7]>([
        &reviewer,
        &at,
        &prev_hash,
        &row_hash,
        &bytes,
        &expected_unused,
        &assignee,
    ]);
    // A record that decides has four columns more. Only such records name them: the upgrade to
    // schema 2, which appends start and close records, runs before those columns exist.
    let sql = match &facts {
        Some(f) => {
            values.extend::<[&dyn rusqlite::ToSql; 4]>([
                &f.suggested,
                &f.justification,
                &f.removed,
                &f.second_review,
            ]);
            "INSERT INTO record (campaign_id, seq, kind, identity_id, action, verdict, owner,
                business_function, reviewer, at, prev_hash, row_hash, record, expected_unused,
                assignee, suggested, justification, removed, second_review)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
        }
        None => {
            "INSERT INTO record (campaign_id, seq, kind, identity_id, action, verdict, owner,
                business_function, reviewer, at, prev_hash, row_hash, record, expected_unused,
                assignee)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        }
    };
    conn.prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(values))
        .context("appending to the chain")?;
    // The member's latest decision, as cached beside it.
    if let (Some(identity), Some(facts)) = (r.identity, facts) {
        conn.prepare_cached(
            "UPDATE campaign_identity SET decided_by = ?3, decided_at = ?4, suggested = ?5,
                justification = ?6, removed = ?7
             WHERE campaign_id = ?1 AND identity_id = ?2",
        )?
        .execute(params![
            r.campaign,
            identity,
            facts.reviewer,
            facts.at,
            facts.suggested,
            facts.justification,
            facts.removed
        ])
        .context("caching the member's latest decision")?;
    }
    Ok(row_hash)
}

/// Reading the chain.
pub trait RecordReads: Read {
    /// The head of a campaign's chain: `(seq, row_hash)`, or `None` for an empty chain.
    fn chain_head(&self, campaign: CampaignId) -> Result<Option<(u64, String)>> {
        head(self.conn(), campaign)
    }

    /// Every record of a campaign in chain order, with its columns, streamed to `each`.
    fn for_each_record(
        &self,
        campaign: CampaignId,
        mut each: impl FnMut(RecordRow) -> Result<()>,
    ) -> Result<()> {
        self.for_each_record_ref(campaign, |row| each(row.to_row()))
    }

    /// [`RecordReads::for_each_record`], each row borrowed while `each` looks at it.
    fn for_each_record_ref(
        &self,
        campaign: CampaignId,
        mut each: impl FnMut(&RecordRef<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare(
            "SELECT r.seq, r.prev_hash, r.row_hash, r.record, r.kind, i.provider, i.account, i.native_id,
                    r.action, r.verdict, r.owner, r.business_function, r.reviewer, r.at,
                    i.provider || '-' || i.id, i.name, r.expected_unused, r.suggested,
                    r.justification, r.removed, r.second_review, r.assignee
             FROM record r LEFT JOIN identity i ON i.id = r.identity_id
             WHERE r.campaign_id = ?1 ORDER BY r.seq",
        )?;
        let mut rows = stmt.query([campaign])?;
        while let Some(r) = rows.next()? {
            let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str()?) };
            let maybe = |i: usize| -> rusqlite::Result<Option<&str>> {
                Ok(r.get_ref(i)?.as_str_or_null()?)
            };
            let identity = match maybe(5)? {
                Some(p) => Some((p, text(6)?, text(7)?)),
                None => None,
            };
            each(&RecordRef {
                seq: r.get(0)?,
                prev_hash: text(1)?,
                row_hash: text(2)?,
                record: text(3)?,
                kind: text(4)?,
                identity,
                action: maybe(8)?,
                verdict: maybe(9)?,
                owner: maybe(10)?,
                business_function: maybe(11)?,
                reviewer: text(12)?,
                at: text(13)?,
                short_id: maybe(14)?,
                name: maybe(15)?,
                expected_unused: maybe(16)?,
                decision: (maybe(17)?, maybe(18)?, r.get(19)?, maybe(20)?),
                assignee: maybe(21)?,
            })?;
        }
        Ok(())
    }

    /// An identity's records in a campaign, newest first.
    fn identity_history(
        &self,
        campaign: CampaignId,
        identity: IdentityId,
    ) -> Result<Vec<HistoryEntry>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, kind, action, verdict, owner, business_function, reviewer, at,
                    expected_unused, assignee
             FROM record WHERE campaign_id = ?1 AND identity_id = ?2 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map(params![campaign, identity], |r| {
            let kind: String = r.get(1)?;
            Ok(HistoryEntry {
                seq: r.get(0)?,
                kind: RecordKind::parse(&kind).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Text,
                        format!("stored record kind '{kind}' is not known").into(),
                    )
                })?,
                action: r.get(2)?,
                verdict: r.get(3)?,
                owner: r.get(4)?,
                business_function: r.get(5)?,
                reviewer: r.get(6)?,
                at: get_ts_required(r, 7)?,
                expected_unused: r.get(8)?,
                assignee: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The canonical record at `seq` of a campaign.
    fn record_at(&self, campaign: CampaignId, seq: u64) -> Result<Option<Record>> {
        let bytes: Option<String> = self
            .conn()
            .prepare_cached("SELECT record FROM record WHERE campaign_id = ?1 AND seq = ?2")?
            .query_row(params![campaign, seq], |r| r.get(0))
            .optional()?;
        bytes
            .map(|b| {
                Record::parse(&b).map_err(|e| {
                    anyhow::anyhow!("record #{seq} does not read back ({e}): run 'campaign verify'")
                })
            })
            .transpose()
    }

    /// The latest decision record (of any action) of an identity in a campaign: its seq.
    fn last_decision_seq(&self, campaign: CampaignId, identity: IdentityId) -> Result<Option<u64>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT seq FROM record WHERE campaign_id = ?1 AND identity_id = ?2
                   AND kind IN ('decision', 'legacy') ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![campaign, identity], |r| r.get(0))
            .optional()?)
    }

    /// The latest record of an identity before `seq` that carries the business function in
    /// force: `(seq, function)`.
    fn function_before(
        &self,
        campaign: CampaignId,
        identity: IdentityId,
        seq: u64,
    ) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT seq, business_function FROM record WHERE campaign_id = ?1 AND identity_id = ?2
                   AND seq < ?3 AND business_function IS NOT NULL ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![campaign, identity, seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
}

impl<T: Read> RecordReads for T {}
