//! Verifying a bundle as an auditor would, and deeper: the signature over `SHA256SUMS`
//! (namespace fixed, signer identity and key against a trusted `allowed_signers`), every
//! listed file's hash, no file missing and none unlisted, the decision chain in
//! `decisions.jsonl`, `decisions.csv` against it, the manifest against the files, and the
//! population against its hash. Each kind of tampering (reference/evidence.md) has its own
//! message. Streams every file: memory does not grow with the campaign.

mod chain;
mod files;
mod manifest;
mod population;
mod signature;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::files as names;
use super::manifest::Manifest;
use crate::progress::{Measure, Progress};

/// What to verify, and against what.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The bundle folder.
    pub dir: PathBuf,
    /// A trusted `allowed_signers` file (obtained outside the bundle).
    pub allowed_signers: Option<PathBuf>,
    /// The signer identity expected (default: the one the manifest names).
    pub signer: Option<String>,
    /// The campaign expected.
    pub campaign: Option<String>,
    /// Now, for `valid-after`/`valid-before` in `allowed_signers`.
    pub now: DateTime<Utc>,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check: `signature`, `signer`, `files`, `chain`, `decisions.csv`, `manifest`,
    /// `population`, `campaign`.
    pub check: &'static str,
    /// What is wrong, and what it means.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.check, self.message)
    }
}

/// Whether the signer is vouched for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Trust {
    /// A trusted `allowed_signers` lists the key for the identity and namespace.
    Trusted {
        /// The file.
        file: PathBuf,
        /// Its line.
        line: usize,
    },
    /// Nothing trusted vouches for the key.
    Untrusted {
        /// Why not.
        why: String,
    },
}

/// What verification found.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    /// The bundle folder.
    pub dir: PathBuf,
    /// The campaign the manifest names.
    pub campaign: Option<String>,
    /// The identity checked.
    pub signer: Option<String>,
    /// `SHA256:…` of the key that made `SHA256SUMS.sig`.
    pub key_fingerprint: Option<String>,
    /// Whether that key is vouched for.
    pub trust: Trust,
    /// What was checked and held, for people.
    pub checked: Vec<String>,
    /// Problems; empty when the bundle verifies.
    pub findings: Vec<Finding>,
    /// What the auditor must know even when everything holds.
    pub warnings: Vec<String>,
}

impl BundleReport {
    /// Whether every check held (trust is reported separately).
    pub fn is_valid(&self) -> bool {
        self.findings.is_empty()
    }

    /// Record a problem.
    fn fail(&mut self, check: &'static str, message: String) {
        self.findings.push(Finding { check, message });
    }

    /// Whether any finding of this check was made.
    fn failed(&self, check: &str) -> bool {
        self.findings.iter().any(|f| f.check == check)
    }
}

/// A small file of the bundle as text, or `None` (with a finding) when missing or unreadable.
fn read_small(report: &mut BundleReport, dir: &Path, name: &str) -> Option<String> {
    match std::fs::read(dir.join(name)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                report.fail("files", format!("'{name}' is not UTF-8 text"));
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            report.fail("files", format!("'{name}' cannot be read: {e}"));
            None
        }
    }
}

fn read_manifest(report: &mut BundleReport, text: Option<&str>) -> Option<Manifest> {
    let text = text?;
    match serde_json::from_str::<Manifest>(text) {
        Ok(m) => Some(m),
        Err(e) => {
            report.fail(
                "manifest",
                format!("manifest.json does not read as an evidence manifest ({e}): it was edited or is not from nhi-review"),
            );
            None
        }
    }
}

fn check_campaign(report: &mut BundleReport, opts: &VerifyOptions, m: &Manifest) {
    if let Some(expected) = &opts.campaign
        && *expected != m.campaign
    {
        report.fail(
            "campaign",
            format!(
                "this bundle is the evidence of campaign '{}', not '{expected}': a valid bundle of another campaign was offered in its place (the campaign is signed, so it cannot be renamed)",
                m.campaign
            ),
        );
    }
    let folder = opts
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    if let Some(named) = folder.as_deref().and_then(|f| f.strip_prefix("evidence-"))
        && named != m.campaign
    {
        report.warnings.push(format!(
            "the folder is named for campaign '{named}' but holds the evidence of campaign '{}'",
            m.campaign
        ));
    }
}

/// Verify the bundle in `opts.dir`. An error means it could not be checked at all (no such
/// folder, an unreadable `allowed_signers`); everything about the bundle is a finding.
/// `progress` hears which check runs, and how many records of the chain were checked.
pub fn verify_bundle(opts: &VerifyOptions, progress: &mut dyn Progress) -> Result<BundleReport> {
    let dir = &opts.dir;
    if !dir.is_dir() {
        bail!(
            "'{}' is not a folder: name the evidence bundle's folder",
            dir.display()
        );
    }
    let mut report = BundleReport {
        dir: dir.clone(),
        campaign: None,
        signer: None,
        key_fingerprint: None,
        trust: Trust::Untrusted {
            why: "the signature was not checked".into(),
        },
        checked: Vec::new(),
        findings: Vec::new(),
        warnings: Vec::new(),
    };
    let sums_text = read_small(&mut report, dir, names::SUMS);
    let manifest_text = read_small(&mut report, dir, names::MANIFEST);
    let verify_md = read_small(&mut report, dir, names::VERIFY);
    let manifest = read_manifest(&mut report, manifest_text.as_deref());
    report.campaign = manifest.as_ref().map(|m| m.campaign.clone());
    progress.phase("checking every file's sha256", "", Measure::Nothing);
    let state = files::check(&mut report, dir, sums_text.as_deref())?;
    signature::check(
        &mut report,
        opts,
        sums_text.as_deref(),
        manifest.as_ref(),
        verify_md.as_deref(),
        &state,
    )?;
    let Some(m) = manifest else {
        if manifest_text.is_none() && !state.missing.contains(names::MANIFEST) {
            report.fail("manifest", "manifest.json is missing".into());
        }
        return Ok(report);
    };
    check_campaign(&mut report, opts, &m);
    manifest::check_fixed(&mut report, &m);
    // The chain (with decisions.csv) and the population are read side by side.
    let (facts, streamed) = std::thread::scope(|s| {
        let population = s.spawn(|| population::stream(dir, &m));
        let facts = chain::check(&mut report, dir, &m, &state, progress);
        let streamed = population
            .join()
            .map_err(|_| anyhow::anyhow!("reading population.csv stopped unexpectedly"));
        (facts, streamed)
    });
    let facts = facts?;
    // A chain already found cut or broken explains what the manifest would disagree with.
    if let Some(facts) = facts.as_ref().filter(|_| !report.failed("chain")) {
        manifest::check_against_chain(&mut report, &m, facts, &state);
    }
    population::judge(&mut report, streamed??, &m, facts.as_ref(), &state);
    Ok(report)
}
