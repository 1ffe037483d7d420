//! Appending to a campaign's chain inside a write transaction: the head is read once, then each
//! record is numbered, linked and hashed in turn.

use anyhow::Result;

use crate::chain::{GENESIS, Record};
use crate::db::prelude::*;
use crate::db::{StoredRecord, Tx};
use crate::model::{CampaignId, IdentityId};

/// The chain of one campaign, open for appending.
pub(super) struct Appender {
    campaign: CampaignId,
    seq: u64,
    head: String,
}

impl Appender {
    /// Open the chain at its head.
    pub(super) fn open(tx: &Tx, campaign: CampaignId) -> Result<Appender> {
        let (seq, head) = tx.chain_head(campaign)?.unwrap_or((0, GENESIS.to_owned()));
        Ok(Appender {
            campaign,
            seq,
            head,
        })
    }

    /// Append `record` after the head; returns its `(seq, row_hash)`.
    pub(super) fn push(
        &mut self,
        tx: &mut Tx,
        identity: Option<IdentityId>,
        mut record: Record,
    ) -> Result<(u64, String)> {
        let seq = self.seq + 1;
        record.set_link(seq, &self.head);
        let hash = tx.append_record(&StoredRecord {
            campaign: self.campaign,
            identity,
            record,
        })?;
        self.seq = seq;
        self.head = hash.clone();
        Ok((seq, hash))
    }
}
