//! Decisions: validated, appended to the campaign's hash chain in one transaction, read back
//! for export, and verified.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
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

impl Store {
    /// Validate and append one decision to its campaign's chain; returns it as recorded.
    pub fn record_decision(&mut self, d: &NewDecision) -> Result<DecisionRow> {
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
        let function = d.business_function.trim();
        let justification = d.justification.trim();
        let reviewer = d.reviewer.trim();
        check_text("the business function", function)?;
        check_text("the justification", justification)?;
        check_text("the reviewer", reviewer)?;
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
                    bail!("keep needs the business function this identity serves (--function)");
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

        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if d.action == DecisionAction::Undo {
            let standing: Option<Option<String>> = tx
                .query_row(
                    "SELECT verdict FROM decision WHERE campaign_id = ?1 AND identity_id = ?2 ORDER BY seq DESC LIMIT 1",
                    params![campaign.id, identity.row_id],
                    |r| r.get(0),
                )
                .optional()?;
            if standing.flatten().is_none() {
                bail!("'{}' has no decision to undo", identity.name);
            }
        }
        let head: Option<(u64, String)> = tx
            .query_row(
                "SELECT seq, row_hash FROM decision WHERE campaign_id = ?1 ORDER BY seq DESC LIMIT 1",
                [campaign.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (seq, prev_hash) = head.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
        let canonical = CanonicalDecision {
            action: d.action.as_str().to_owned(),
            business_function: function.to_owned(),
            campaign: campaign.name.clone(),
            decided_at: ts(d.decided_at),
            identity_account: identity.account.clone(),
            identity_native_id: identity.native_id.clone(),
            identity_provider: identity.provider.clone(),
            justification: justification.to_owned(),
            prev_hash: prev_hash.clone(),
            removed: removed.clone(),
            reviewer: reviewer.to_owned(),
            seq,
            verdict: d.verdict.map(|v| v.as_str().to_owned()).unwrap_or_default(),
        };
        let record = canonical.to_canonical();
        let row_hash = sha256_hex(record.as_bytes());
        tx.execute(
            "INSERT INTO decision (campaign_id, identity_id, seq, action, verdict, removed, business_function,
                justification, reviewer, decided_at, prev_hash, row_hash, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                campaign.id,
                identity.row_id,
                seq,
                d.action.as_str(),
                d.verdict.map(Verdict::as_str),
                serde_json::to_string(&removed)?,
                function,
                justification,
                reviewer,
                canonical.decided_at,
                prev_hash,
                row_hash,
                record
            ],
        )?;
        if !function.is_empty() {
            tx.execute(
                "UPDATE identity SET business_function = ?2 WHERE id = ?1",
                params![identity.row_id, function],
            )?;
        }
        tx.commit().context("committing the decision")?;
        Ok(DecisionRow {
            seq,
            campaign: campaign.name,
            identity_id: identity.short_id,
            provider: identity.provider,
            account: identity.account,
            native_id: identity.native_id,
            name: identity.name,
            action: canonical.action,
            verdict: canonical.verdict,
            removed,
            business_function: canonical.business_function,
            justification: canonical.justification,
            reviewer: canonical.reviewer,
            decided_at: canonical.decided_at,
            prev_hash,
            row_hash,
        })
    }

    /// Every decision record of a campaign in chain order (history included).
    pub fn decisions(&self, campaign: &str) -> Result<Vec<DecisionRow>> {
        let info = self.campaign(campaign)?;
        let mut stmt = self.conn.prepare(
            "SELECT d.seq, i.short_id, i.provider, i.account, i.native_id, i.name, d.action, COALESCE(d.verdict, ''),
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
