//! `manifest.json`: what the bundle is the evidence of — the campaign and its period, who
//! signed with which key, the thresholds, every source file with its sha256 and
//! reconciliation, the population hash and size, the chain's head and length, the counts the
//! files must add up to, and the sha256 of each file written before it. Read back strictly:
//! an unknown or missing field is an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::db::SourceRow;
use crate::model::Thresholds;

/// The manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`super::FORMAT`].
    pub format: String,
    /// [`super::FORMAT_VERSION`].
    pub format_version: u32,
    /// Campaign name.
    pub campaign: String,
    /// When it ran.
    pub period: Period,
    /// When the bundle was made (RFC 3339 UTC).
    pub created_at: String,
    /// The tool that made it.
    pub tool: Tool,
    /// Who signed, with which key.
    pub signer: SignerInfo,
    /// The SSHSIG namespace of `SHA256SUMS.sig`.
    pub namespace: String,
    /// Policy thresholds in force.
    pub thresholds: Thresholds,
    /// Which identities were in scope, empty for all.
    pub scope: String,
    /// The exports the population was frozen from.
    pub sources: Vec<Source>,
    /// The population.
    pub population: Population,
    /// The chain.
    pub chain: Chain,
    /// What the files add up to.
    pub counts: Counts,
    /// sha256 and size of each file written before the manifest.
    pub files: BTreeMap<String, FileEntry>,
}

/// The campaign's period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Start (the start record's time).
    pub started_at: String,
    /// Close (the close record's time).
    pub closed_at: String,
    /// Due date `YYYY-MM-DD`, if one.
    pub due_date: Option<String>,
}

/// The tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `nhi-review`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerInfo {
    /// The identity (`-I` of `ssh-keygen -Y verify`).
    pub identity: String,
    /// `SHA256:…` of the key.
    pub key_fingerprint: String,
    /// The public key, one OpenSSH line.
    pub public_key: String,
}

/// One source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Its number in the review database.
    pub id: i64,
    /// File name as imported.
    pub name: String,
    /// Provider.
    pub provider: String,
    /// Format.
    pub format: String,
    /// Account it speaks for, if given.
    pub account: Option<String>,
    /// sha256 of the file's bytes.
    pub sha256: String,
    /// Its size.
    pub size: i64,
    /// When imported.
    pub imported_at: String,
    /// What became of its records.
    pub reconciliation: Reconciliation,
}

/// Records read = imported + people skipped + skipped for other reasons + rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reconciliation {
    /// Rows or objects read.
    pub records_read: u64,
    /// That yielded identities, credentials or grants.
    pub imported: u64,
    /// People, not imported.
    pub humans_skipped: u64,
    /// Other records not imported, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Bad rows skipped.
    pub rejected: u64,
    /// Identities described.
    pub identities: u64,
    /// Credentials (platform-managed included).
    pub credentials: u64,
    /// Platform-managed credentials among them.
    pub platform_managed: u64,
    /// Grants.
    pub grants: u64,
    /// Secret values dropped at parse time (never stored).
    pub secrets_dropped: u64,
    /// Names of the secret fields dropped.
    pub dropped_fields: Vec<String>,
    /// What the import had to assume.
    pub notes: Vec<String>,
}

impl From<&SourceRow> for Source {
    fn from(s: &SourceRow) -> Source {
        let t = &s.tally;
        Source {
            id: s.id,
            name: s.name.clone(),
            provider: s.provider.clone(),
            format: s.format.clone(),
            account: s.account.clone(),
            sha256: s.sha256.clone(),
            size: s.size,
            imported_at: s.imported_at.clone(),
            reconciliation: Reconciliation {
                records_read: t.records_read,
                imported: t.imported,
                humans_skipped: t.humans_skipped,
                skipped: t.skipped.iter().cloned().collect(),
                rejected: t.rejected,
                identities: t.identities,
                credentials: t.credentials,
                platform_managed: t.platform_managed,
                grants: t.grants,
                secrets_dropped: t.secrets_dropped,
                dropped_fields: t.dropped_fields.clone(),
                notes: t.notes.clone(),
            },
        }
    }
}

/// The population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// sha256 over the members (the start record's).
    pub hash: String,
    /// Members.
    pub size: u64,
}

/// The chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// Hash of the last record (the close record).
    pub head: String,
    /// Records.
    pub length: u64,
}

/// What the files add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Decision records (decide, undo, re-attest, unreviewed; schema-1 decisions too).
    pub decision_records: u64,
    /// Owner changes.
    pub owner_changes: u64,
    /// Business-function changes.
    pub function_changes: u64,
    /// Standing keeps.
    pub keep: u64,
    /// Standing reduces.
    pub reduce: u64,
    /// Standing revokes.
    pub revoke: u64,
    /// Recorded unreviewed at close.
    pub unreviewed: u64,
    /// Standing verdicts that are not the one suggested.
    pub overrides: u64,
}

/// A file's sha256 and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// sha256, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub bytes: u64,
}
