//! Decisions: validated, appended to the campaign's hash chain in one transaction, read back
//! for export, and verified.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use super::{Store, resolve_identity, ts};
use crate::chain::{self, CanonicalDecision, ChainBreak, GENESIS, StoredLink, sha256_hex};
use crate::model::{DecisionAction, IdentityView, Verdict};

/// Longest free text accepted (business function, justification).
const MAX_TEXT: usize = 2000;

/// A decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    /// Campaign name.
    pub campaign: String,
    /// Identity short id or native id.
    pub identity: String,
    /// Decide, undo or re-attest.
    pub action: DecisionAction,
    /// The verdict; `None` only for undo.
    pub verdict: Option<Verdict>,
    /// Credentials and grants to remove (reduce): ids, permissions or full references.
    pub remove: Vec<String>,
    /// Business function.
    pub business_function: String,
    /// Justification.
    pub justification: String,
    /// Reviewer.
    pub reviewer: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// A recorded decision with its identity and chain links.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRow {
    /// Place in the chain.
    pub seq: u64,
    /// Campaign name.
    pub campaign: String,
    /// Identity short id.
    pub identity_id: String,
    /// Provider.
    pub provider: String,
    /// Account.
    pub account: String,
    /// Native id.
    pub native_id: String,
    /// Display name.
    pub name: String,
    /// `decide`, `undo`, `reattest`.
    pub action: String,
    /// Verdict, empty for undo.
    pub verdict: String,
    /// Canonical references of removed items.
    pub removed: Vec<String>,
    /// Business function.
    pub business_function: String,
    /// Justification.
    pub justification: String,
    /// Reviewer.
    pub reviewer: String,
    /// RFC 3339 UTC.
    pub decided_at: String,
    /// Previous row hash.
    pub prev_hash: String,
    /// This row's hash.
    pub row_hash: String,
}

fn check_text(what: &str, text: &str) -> Result<()> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        bail!(
            "{what} contains a control character (U+{:04X}): use plain text on one line",
            c as u32
        );
    }
    if text.chars().count() > MAX_TEXT {
        bail!("{what} is longer than {MAX_TEXT} characters");
    }
    Ok(())
}

/// Resolve what the reviewer named for removal into canonical references of this identity's
/// credentials and grants.
fn resolve_removals(identity: &IdentityView, asked: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in asked {
        let item = item.trim();
        let creds = identity
            .credentials
            .iter()
            .filter(|c| c.id == item || c.reference() == item);
        let grants = identity.grants.iter().filter(|g| {
            g.permission == item
                || g.reference() == item
                || format!("{}@{}", g.permission, g.resource) == item
        });
        let found: Vec<String> = creds
            .map(|c| c.reference())
            .chain(grants.map(|g| g.reference()))
            .collect();
        match found.as_slice() {
            [one] => {
                if !out.contains(one) {
                    out.push(one.clone());
                }
            }
            [] => {
                let known: Vec<String> = identity
                    .credentials
                    .iter()
                    .map(|c| c.id.clone())
                    .chain(
                        identity
                            .grants
                            .iter()
                            .map(|g| format!("{}@{}", g.permission, g.resource)),
                    )
                    .collect();
                bail!(
                    "'{item}' is not a credential or grant of '{}'; it has: {}",
                    identity.name,
                    if known.is_empty() {
                        "nothing to remove".to_owned()
                    } else {
                        known.join(", ")
                    }
                );
            }
            _ => bail!(
                "'{item}' names several grants of '{}': write it as PERMISSION@RESOURCE",
                identity.name
            ),
        }
    }
    out.sort();
    Ok(out)
}

/// A validated decision, ready to append.
struct Prepared {
    campaign_id: i64,
    campaign: String,
    identity: IdentityView,
    action: DecisionAction,
    verdict: Option<Verdict>,
    removed: Vec<String>,
    function: String,
    justification: String,
    reviewer: String,
    decided_at: DateTime<Utc>,
}

/// Append one decision to its campaign's chain inside `tx`: read the head, write the canonical
/// record and its hash, remember the business function, update the standing verdict.
fn append(tx: &Transaction, p: Prepared) -> Result<DecisionRow> {
    if p.action == DecisionAction::Undo {
        let standing: Option<Option<String>> = tx
            .query_row(
                "SELECT verdict FROM campaign_identity WHERE campaign_id = ?1 AND identity_id = ?2",
                params![p.campaign_id, p.identity.row_id],
                |r| r.get(0),
            )
            .optional()?;
        if standing.flatten().is_none() {
            bail!("'{}' has no decision to undo", p.identity.name);
        }
    }
    let head: Option<(u64, String)> = tx
        .query_row(
            "SELECT seq, row_hash FROM decision WHERE campaign_id = ?1 ORDER BY seq DESC LIMIT 1",
            [p.campaign_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = head.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let canonical = CanonicalDecision {
        action: p.action.as_str().to_owned(),
        business_function: p.function.clone(),
        campaign: p.campaign.clone(),
        decided_at: ts(p.decided_at),
        identity_account: p.identity.account.clone(),
        identity_native_id: p.identity.native_id.clone(),
        identity_provider: p.identity.provider.clone(),
        justification: p.justification.clone(),
        prev_hash: prev_hash.clone(),
        removed: p.removed.clone(),
        reviewer: p.reviewer.clone(),
        seq,
        verdict: p.verdict.map(|v| v.as_str().to_owned()).unwrap_or_default(),
    };
    let record = canonical.to_canonical();
    let row_hash = sha256_hex(record.as_bytes());
    tx.prepare_cached(
        "INSERT INTO decision (campaign_id, identity_id, seq, action, verdict, removed, business_function,
            justification, reviewer, decided_at, prev_hash, row_hash, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        p.campaign_id,
        p.identity.row_id,
        seq,
        p.action.as_str(),
        p.verdict.map(Verdict::as_str),
        serde_json::to_string(&p.removed)?,
        p.function,
        p.justification,
        p.reviewer,
        canonical.decided_at,
        prev_hash,
        row_hash,
        record
    ])?;
    tx.prepare_cached(
        "UPDATE campaign_identity SET verdict = ?3 WHERE campaign_id = ?1 AND identity_id = ?2",
    )?
    .execute(params![
        p.campaign_id,
        p.identity.row_id,
        p.verdict.map(Verdict::as_str)
    ])?;
    if !p.function.is_empty() {
        tx.prepare_cached("UPDATE identity SET business_function = ?2 WHERE id = ?1")?
            .execute(params![p.identity.row_id, p.function])?;
    }
    Ok(DecisionRow {
        seq,
        campaign: p.campaign,
        identity_id: p.identity.short_id,
        provider: p.identity.provider,
        account: p.identity.account,
        native_id: p.identity.native_id,
        name: p.identity.name,
        action: canonical.action,
        verdict: canonical.verdict,
        removed: p.removed,
        business_function: canonical.business_function,
        justification: canonical.justification,
        reviewer: canonical.reviewer,
        decided_at: canonical.decided_at,
        prev_hash,
        row_hash,
    })
}

impl Store {
    /// Validate and append one decision to its campaign's chain; returns it as recorded.
    pub fn record_decision(&mut self, d: &NewDecision) -> Result<DecisionRow> {
        let mut rows = self.record_decisions(std::slice::from_ref(d))?;
        rows.pop().context("no decision recorded")
    }

    /// Validate every decision, then append them all in one transaction, each its own chained
    /// record (a bulk decision). Nothing is recorded if any is invalid.
    pub fn record_decisions(&mut self, decisions: &[NewDecision]) -> Result<Vec<DecisionRow>> {
        let prepared = decisions
            .iter()
            .map(|d| self.prepare(d))
            .collect::<Result<Vec<_>>>()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut rows = Vec::with_capacity(prepared.len());
        for p in prepared {
            rows.push(append(&tx, p)?);
        }
        tx.commit().context("committing the decision")?;
        Ok(rows)
    }

    fn prepare(&self, d: &NewDecision) -> Result<Prepared> {
        let campaign = self.campaign(&d.campaign)?;
        if !campaign.is_open() {
            bail!(
                "campaign '{}' is closed: decisions can no longer change",
                campaign.name
            );
        }
        let identity = self.identity(resolve_identity(&self.conn, &d.identity)?)?;
        if !self.in_population(campaign.id, identity.row_id)? {
            bail!(
                "'{}' is not in campaign '{}' (it was imported after the campaign started)",
                identity.name,
                campaign.name
            );
        }
        let function = d.business_function.trim().to_owned();
        let justification = d.justification.trim().to_owned();
        let reviewer = d.reviewer.trim().to_owned();
        check_text("the business function", &function)?;
        check_text("the justification", &justification)?;
        check_text("the reviewer", &reviewer)?;
        if reviewer.is_empty() {
            bail!("a decision needs a reviewer: pass --reviewer NAME");
        }
        let removed = resolve_removals(&identity, &d.remove)?;
        match (d.action, d.verdict) {
            (DecisionAction::Undo, None) => {}
            (DecisionAction::Undo, Some(_)) => bail!("an undo carries no verdict"),
            (_, None) => bail!("a decision needs a verdict: keep, reduce or revoke"),
            (_, Some(Verdict::Keep)) => {
                if function.is_empty() {
                    bail!(
                        "keep needs the business function '{}' serves (--function)",
                        identity.name
                    );
                }
                if !removed.is_empty() {
                    bail!("keep removes nothing: use reduce to remove credentials or grants");
                }
            }
            (_, Some(Verdict::Reduce)) => {
                if removed.is_empty() {
                    bail!("reduce needs at least one credential or grant to remove (--remove)");
                }
                if justification.is_empty() {
                    bail!("reduce needs a justification (--justification)");
                }
            }
            (_, Some(Verdict::Revoke)) => {
                if justification.is_empty() {
                    bail!("revoke needs a justification (--justification)");
                }
                if !removed.is_empty() {
                    bail!("revoke removes the whole identity: do not list items to remove");
                }
            }
        }
        Ok(Prepared {
            campaign_id: campaign.id,
            campaign: campaign.name,
            identity,
            action: d.action,
            verdict: d.verdict,
            removed,
            function,
            justification,
            reviewer,
            decided_at: d.decided_at,
        })
    }

    /// Every decision record of a campaign in chain order (history included).
    pub fn decisions(&self, campaign: &str) -> Result<Vec<DecisionRow>> {
        let info = self.campaign(campaign)?;
        let mut stmt = self.conn.prepare(
            "SELECT d.seq, i.provider || '-' || i.id, i.provider, i.account, i.native_id, i.name, d.action, COALESCE(d.verdict, ''),
                    d.removed, d.business_function, d.justification, d.reviewer, d.decided_at, d.prev_hash, d.row_hash
             FROM decision d JOIN identity i ON i.id = d.identity_id
             WHERE d.campaign_id = ?1 ORDER BY d.seq",
        )?;
        let rows = stmt.query_map([info.id], |r| {
            let removed: String = r.get(8)?;
            Ok(DecisionRow {
                seq: r.get(0)?,
                campaign: info.name.clone(),
                identity_id: r.get(1)?,
                provider: r.get(2)?,
                account: r.get(3)?,
                native_id: r.get(4)?,
                name: r.get(5)?,
                action: r.get(6)?,
                verdict: r.get(7)?,
                removed: serde_json::from_str(&removed).unwrap_or_default(),
                business_function: r.get(9)?,
                justification: r.get(10)?,
                reviewer: r.get(11)?,
                decided_at: r.get(12)?,
                prev_hash: r.get(13)?,
                row_hash: r.get(14)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Decisions on one identity in one campaign, newest first.
    pub fn identity_history(
        &self,
        campaign_id: i64,
        identity_id: i64,
    ) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT action, COALESCE(verdict, ''), reviewer, decided_at FROM decision
             WHERE campaign_id = ?1 AND identity_id = ?2 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map(params![campaign_id, identity_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Standing decisions on one identity in campaigns before this one, newest first:
    /// (campaign, verdict, reviewer, decided_at).
    pub fn earlier_decisions(
        &self,
        campaign_id: i64,
        identity_id: i64,
    ) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.name, ci.verdict,
                    (SELECT d.reviewer FROM decision d WHERE d.campaign_id = c.id AND d.identity_id = ci.identity_id ORDER BY d.seq DESC LIMIT 1),
                    (SELECT d.decided_at FROM decision d WHERE d.campaign_id = c.id AND d.identity_id = ci.identity_id ORDER BY d.seq DESC LIMIT 1)
             FROM campaign c JOIN campaign_identity ci ON ci.campaign_id = c.id
             WHERE c.id < ?1 AND ci.identity_id = ?2 AND ci.verdict IS NOT NULL ORDER BY c.id DESC",
        )?;
        let rows = stmt.query_map(params![campaign_id, identity_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Check a campaign's chain: every record hashes to its row_hash, links to the previous one,
    /// is numbered 1..n, and agrees with the columns queries read. Returns `(head, length)`.
    pub fn verify_chain(&self, campaign: &str) -> Result<Result<(String, u64), ChainBreak>> {
        let info = self.campaign(campaign)?;
        let mut stmt = self.conn.prepare(
            "SELECT d.seq, d.prev_hash, d.row_hash, d.record, d.action, COALESCE(d.verdict, ''), d.removed,
                    d.business_function, d.justification, d.reviewer, d.decided_at,
                    i.provider, i.account, i.native_id
             FROM decision d JOIN identity i ON i.id = d.identity_id WHERE d.campaign_id = ?1 ORDER BY d.seq",
        )?;
        let mut links = Vec::new();
        // The first row whose query columns disagree with its (intact) hashed record.
        let mut column_break: Option<ChainBreak> = None;
        let mut rows = stmt.query([info.id])?;
        while let Some(r) = rows.next()? {
            let link = StoredLink {
                seq: r.get(0)?,
                prev_hash: r.get(1)?,
                row_hash: r.get(2)?,
                record: r.get(3)?,
            };
            if column_break.is_none()
                && sha256_hex(link.record.as_bytes()) == link.row_hash
                && let Ok(rec) = serde_json::from_str::<CanonicalDecision>(&link.record)
            {
                let removed: Vec<String> =
                    serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default();
                let columns = (
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    removed,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                    (
                        r.get::<_, String>(11)?,
                        r.get::<_, String>(12)?,
                        r.get::<_, String>(13)?,
                    ),
                );
                let recorded = (
                    rec.action.clone(),
                    rec.verdict.clone(),
                    rec.removed.clone(),
                    rec.business_function.clone(),
                    rec.justification.clone(),
                    rec.reviewer.clone(),
                    rec.decided_at.clone(),
                    (
                        rec.identity_provider.clone(),
                        rec.identity_account.clone(),
                        rec.identity_native_id.clone(),
                    ),
                );
                if columns != recorded || rec.campaign != info.name {
                    column_break = Some(ChainBreak::Record {
                        seq: link.seq,
                        why: "its columns disagree with its hashed record: the row was edited"
                            .into(),
                    });
                }
            }
            links.push(link);
        }
        // Report whichever problem comes first in the chain.
        Ok(match (chain::verify(links), column_break) {
            (Err(e), Some(c)) => Err(if c.seq() < e.seq() { c } else { e }),
            (Err(e), None) => Err(e),
            (Ok(_), Some(c)) => Err(c),
            (Ok(ok), None) => Ok(ok),
        })
    }
}
