//! The Rust step of schema 2: give every campaign of a schema-1 database its start record (and
//! its close record, if closed) after the decisions it already holds, which stay byte for byte,
//! and fill the caches the chain now backs. Owners and functions in force at the upgrade are
//! taken as those at start: schema 1 did not record them.

use anyhow::{Context, Result};
use rusqlite::{Transaction, params};

use super::members::population_hash_of;
use super::records::{StoredRecord, head, insert_record};
use crate::chain::{CloseRecord, GENESIS, Record, StartRecord};
use crate::model::{CampaignId, IdentityId, Thresholds, Verdict};

/// Who wrote the records of the upgrade.
pub const UPGRADE_AUTHOR: &str = "nhi-review (upgrade to schema 2)";

pub(super) fn chain_everything(tx: &Transaction) -> Result<()> {
    let campaigns: Vec<(CampaignId, String)> = {
        let mut stmt = tx.prepare("SELECT id, name FROM campaign ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, name) in campaigns {
        upgrade_campaign(tx, id).with_context(|| format!("upgrading campaign '{name}'"))?;
    }
    Ok(())
}

/// Schema-1 snapshots began with an `owner …` line; the owner is now kept beside the facts (and
/// compared on its own), so the snapshot holds the credentials and grants only.
fn facts_only_snapshots(tx: &Transaction, id: CampaignId) -> Result<()> {
    let members: Vec<(IdentityId, String)> = {
        let mut stmt = tx.prepare(
            "SELECT identity_id, snapshot FROM campaign_identity WHERE campaign_id = ?1",
        )?;
        let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut update = tx.prepare(
        "UPDATE campaign_identity SET snapshot = ?3, fingerprint = ?4 WHERE campaign_id = ?1 AND identity_id = ?2",
    )?;
    for (identity, snapshot) in members {
        let facts: Vec<&str> = snapshot
            .lines()
            .filter(|l| !l.starts_with("owner "))
            .collect();
        let facts = facts.join("\n");
        update.execute(params![
            id,
            identity,
            facts,
            crate::chain::sha256_hex(facts.as_bytes())
        ])?;
    }
    Ok(())
}

/// Standing keeps, reduces and revokes of a campaign.
fn standing_counts(tx: &Transaction, id: CampaignId) -> Result<[u64; 3]> {
    let mut counts = [0u64; 3];
    let mut stmt = tx.prepare(
        "SELECT verdict FROM campaign_identity WHERE campaign_id = ?1 AND verdict IS NOT NULL",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        match r.get::<_, Verdict>(0)? {
            Verdict::Keep => counts[0] += 1,
            Verdict::Reduce => counts[1] += 1,
            Verdict::Revoke => counts[2] += 1,
        }
    }
    Ok(counts)
}

fn upgrade_campaign(tx: &Transaction, id: CampaignId) -> Result<()> {
    tx.execute(
        "UPDATE campaign_identity SET
            owner_at_start = (SELECT COALESCE(i.review_owner, i.owner) FROM identity i WHERE i.id = identity_id),
            function_at_start = (SELECT i.business_function FROM identity i WHERE i.id = identity_id)
         WHERE campaign_id = ?1",
        [id],
    )?;
    tx.execute(
        "UPDATE campaign_identity SET owner = owner_at_start, business_function = function_at_start,
            assignee = owner_at_start,
            action = (SELECT r.action FROM record r WHERE r.campaign_id = campaign_identity.campaign_id
                      AND r.identity_id = campaign_identity.identity_id ORDER BY r.seq DESC LIMIT 1)
         WHERE campaign_id = ?1",
        [id],
    )?;
    facts_only_snapshots(tx, id)?;
    let counts = standing_counts(tx, id)?;
    tx.execute(
        "UPDATE campaign SET keep_count = ?2, reduce_count = ?3, revoke_count = ?4 WHERE id = ?1",
        params![id, counts[0], counts[1], counts[2]],
    )?;
    let (population_hash, population_size) = population_hash_of(tx, id)?;
    tx.execute(
        "UPDATE campaign SET population_hash = ?2, population_size = ?3 WHERE id = ?1",
        params![id, population_hash, population_size],
    )?;
    let (name, due, started_at, closed_at, thresholds, status): (
        String,
        Option<String>,
        String,
        Option<String>,
        String,
        String,
    ) = tx.query_row(
        "SELECT name, due_date, started_at, closed_at, thresholds, status FROM campaign WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?;
    let thresholds: Thresholds =
        serde_json::from_str(&thresholds).context("reading the campaign's thresholds")?;
    let (legacy, prev) = head(tx, id)?.unwrap_or((0, GENESIS.to_owned()));
    let start = Record::Start(StartRecord {
        at: started_at,
        campaign: name.clone(),
        default_reviewer: String::new(),
        due_date: due.unwrap_or_default(),
        inactivity_days: thresholds.inactivity_days,
        independent: 0,
        kind: "start".into(),
        legacy_records: legacy,
        population_hash,
        population_size,
        prev_hash: prev,
        rotation_days: thresholds.rotation_days,
        scope: String::new(),
        second_review: String::new(),
        seq: legacy + 1,
        started_by: UPGRADE_AUTHOR.into(),
    });
    let start_hash = insert_record(
        tx,
        &StoredRecord {
            campaign: id,
            identity: None::<IdentityId>,
            record: start,
        },
    )?;
    if status == "closed" {
        let at = closed_at.context("a closed campaign without a closing time")?;
        close_record(tx, id, name, at, counts, (legacy + 2, start_hash))?;
    }
    Ok(())
}

/// The close record of a campaign closed before the upgrade, after its start record.
fn close_record(
    tx: &Transaction,
    id: CampaignId,
    campaign: String,
    at: String,
    counts: [u64; 3],
    (seq, prev_hash): (u64, String),
) -> Result<()> {
    let close = Record::Close(CloseRecord {
        at,
        campaign,
        keep: counts[0],
        kind: "close".into(),
        prev_hash,
        reduce: counts[1],
        revoke: counts[2],
        reviewer: UPGRADE_AUTHOR.into(),
        seq,
        unreviewed: 0,
    });
    insert_record(
        tx,
        &StoredRecord {
            campaign: id,
            identity: None,
            record: close,
        },
    )?;
    Ok(())
}
