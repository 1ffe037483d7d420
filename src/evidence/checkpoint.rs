//! The signed checkpoint stored at sign-off: a canonical statement (campaign, seq, head, signer
//! and key fingerprint, time, and the sha256 of the bundle's `SHA256SUMS`), signed by the
//! bundle's key in its own namespace. `campaign verify` checks each statement's signature and
//! compares the chain with it; an edited checkpoint row no longer verifies.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use ssh_key::{PublicKey, SshSig};

use super::CHECKPOINT_NAMESPACE;
use super::key::{Signer, fingerprint};
use crate::db::Checkpoint;
use crate::model::CampaignId;

/// The statement signed; fields in lexicographic order, serialised straight from the struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Campaign name.
    pub campaign: String,
    /// The head's hash.
    pub head: String,
    /// `SHA256:…` of the signing key.
    pub key_fingerprint: String,
    /// `checkpoint`.
    pub kind: String,
    /// The head's place.
    pub seq: u64,
    /// When.
    pub signed_at: String,
    /// Signer identity.
    pub signer: String,
    /// sha256 of the bundle's `SHA256SUMS`.
    pub sums_sha256: String,
}

/// What is signed off.
#[derive(Debug, Clone)]
pub struct SignOff<'a> {
    /// The campaign's row.
    pub campaign_id: CampaignId,
    /// Its name.
    pub campaign: &'a str,
    /// The head's place.
    pub seq: u64,
    /// The head's hash.
    pub head: &'a str,
    /// Signer identity.
    pub signer: &'a str,
    /// When (RFC 3339 UTC).
    pub at: &'a str,
    /// sha256 of `SHA256SUMS`.
    pub sums_sha256: &'a str,
}

/// Make and sign the checkpoint of a sign-off.
pub fn sign(key: &Signer, s: &SignOff) -> Result<Checkpoint> {
    let statement = Statement {
        campaign: s.campaign.to_owned(),
        head: s.head.to_owned(),
        key_fingerprint: key.fingerprint(),
        kind: "checkpoint".into(),
        seq: s.seq,
        signed_at: s.at.to_owned(),
        signer: s.signer.to_owned(),
        sums_sha256: s.sums_sha256.to_owned(),
    };
    let text = serde_json::to_string(&statement)?;
    let signature = key.sign_armored(CHECKPOINT_NAMESPACE, text.as_bytes())?;
    Ok(Checkpoint {
        campaign: s.campaign_id,
        seq: s.seq,
        head: statement.head,
        signer: statement.signer,
        key_fingerprint: statement.key_fingerprint,
        public_key: key.public_key_line()?,
        signed_at: statement.signed_at,
        sums_sha256: statement.sums_sha256,
        statement: text,
        signature,
    })
}

/// Check a stored checkpoint: its signature verifies with its key over its statement, and the
/// columns say what the statement says. The error says what does not hold.
pub fn check(c: &Checkpoint, campaign: &str) -> Result<(), String> {
    let key = PublicKey::from_openssh(&c.public_key)
        .map_err(|_| "its public key does not read".to_owned())?;
    let sig =
        SshSig::from_pem(&c.signature).map_err(|_| "its signature does not read".to_owned())?;
    key.verify(CHECKPOINT_NAMESPACE, c.statement.as_bytes(), &sig)
        .map_err(|_| "its signature does not verify over its statement".to_owned())?;
    let s: Statement = serde_json::from_str(&c.statement)
        .map_err(|e| format!("its statement does not read: {e}"))?;
    let expected = Statement {
        campaign: campaign.to_owned(),
        head: c.head.clone(),
        key_fingerprint: fingerprint(key.key_data()),
        kind: "checkpoint".into(),
        seq: c.seq,
        signed_at: c.signed_at.clone(),
        signer: c.signer.clone(),
        sums_sha256: c.sums_sha256.clone(),
    };
    if s != expected || c.key_fingerprint != expected.key_fingerprint {
        return Err("its columns do not say what its signed statement says".into());
    }
    Ok(())
}
