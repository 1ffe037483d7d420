//! Signed checkpoints: the head of a campaign's chain at each evidence sign-off, stored with
//! the signed statement that backs it. Append-only; `campaign verify` reads them back.

use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, Row, params};

use super::{Read, Tx};
use crate::model::CampaignId;

/// A checkpoint to store, or as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The campaign.
    pub campaign: CampaignId,
    /// The place of the head at sign-off.
    pub seq: u64,
    /// The head's hash at sign-off.
    pub head: String,
    /// The signer identity the bundle names.
    pub signer: String,
    /// `SHA256:…` of the signing key.
    pub key_fingerprint: String,
    /// The signing key, as an OpenSSH public key line.
    pub public_key: String,
    /// When signed (RFC 3339 UTC).
    pub signed_at: String,
    /// sha256 of the bundle's `SHA256SUMS`.
    pub sums_sha256: String,
    /// The canonical statement the signature covers.
    pub statement: String,
    /// Armored SSHSIG over `statement`.
    pub signature: String,
}

fn from_row(r: &Row) -> rusqlite::Result<Checkpoint> {
    Ok(Checkpoint {
        campaign: r.get(0)?,
        seq: r.get(1)?,
        head: r.get(2)?,
        signer: r.get(3)?,
        key_fingerprint: r.get(4)?,
        public_key: r.get(5)?,
        signed_at: r.get(6)?,
        sums_sha256: r.get(7)?,
        statement: r.get(8)?,
        signature: r.get(9)?,
    })
}

/// Reading checkpoints.
pub trait CheckpointReads: Read {
    /// Every checkpoint of a campaign, oldest first.
    fn checkpoints(&self, campaign: CampaignId) -> Result<Vec<Checkpoint>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT campaign_id, seq, head, signer, key_fingerprint, public_key, signed_at,
                    sums_sha256, statement, signature
             FROM checkpoint WHERE campaign_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([campaign], from_row)?;
        rows.collect::<Result<_, _>>()
            .context("reading the signed checkpoints")
    }

    /// The stored bytes of a campaign's record at `seq`, unparsed, if there is one.
    fn record_bytes_at(&self, campaign: CampaignId, seq: u64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT record FROM record WHERE campaign_id = ?1 AND seq = ?2")?
            .query_row(params![campaign, seq], |r| r.get(0))
            .optional()?)
    }
}

impl<T: Read> CheckpointReads for T {}

impl Tx<'_> {
    /// Store a checkpoint.
    pub fn insert_checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO checkpoint (campaign_id, seq, head, signer, key_fingerprint, public_key,
                    signed_at, sums_sha256, statement, signature)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    c.campaign,
                    c.seq,
                    c.head,
                    c.signer,
                    c.key_fingerprint,
                    c.public_key,
                    c.signed_at,
                    c.sums_sha256,
                    c.statement,
                    c.signature
                ],
            )
            .context("storing the signed checkpoint")?;
        Ok(())
    }
}
