//! The signature over `SHA256SUMS`: an SSHSIG for the fixed namespace, by a key a trusted
//! `allowed_signers` lists for the signer identity, over `SHA256SUMS` exactly as it is. When it
//! does not verify, the rest of the bundle tells which tampering it was: `SHA256SUMS` changed
//! after signing (it no longer agrees with the hashes the manifest and VERIFY.md recorded), or
//! a signature by the same key taken from another bundle (everything else agrees).

use std::path::Path;

use anyhow::{Context, Result};
use ssh_key::{PublicKey, SshSig};

use super::files::FileState;
use super::{BundleReport, Trust, VerifyOptions};
use crate::evidence::NAMESPACE;
use crate::evidence::allowed::{self, AllowedSigners};
use crate::evidence::files::{self as names};
use crate::evidence::guide::stated_manifest_hash;
use crate::evidence::key::fingerprint;
use crate::evidence::manifest::Manifest;

/// Whether `SHA256SUMS` disagrees with what the bundle recorded of its files before it was
/// written: the manifest's hashes of the data files, and VERIFY.md's hash of the manifest.
fn sums_regenerated(
    state: &FileState,
    manifest: Option<&Manifest>,
    verify_md: Option<&str>,
) -> bool {
    let listed: Vec<&str> = state.listed.iter().map(|l| l.name.as_str()).collect();
    if listed != names::SIGNED {
        return true;
    }
    let data_differ = manifest.is_some_and(|m| {
        m.files
            .iter()
            .any(|(name, f)| state.listed_hash(name) != Some(f.sha256.as_str()))
    });
    let manifest_differs = verify_md
        .and_then(stated_manifest_hash)
        .is_some_and(|h| state.listed_hash(names::MANIFEST) != Some(h));
    data_differ || manifest_differs
}

/// Whether `path` is the bundle's own `allowed_signers` file. (A copy of it elsewhere cannot be
/// told from a file written from a key obtained independently: the same line either way.)
fn is_bundled(path: &Path, dir: &Path) -> bool {
    let own = dir.join(names::ALLOWED_SIGNERS);
    match (path.canonicalize(), own.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn trust(
    report: &mut BundleReport,
    opts: &VerifyOptions,
    identity: &str,
    key: &ssh_key::public::KeyData,
) -> Result<()> {
    let fp = fingerprint(key);
    let Some(path) = &opts.allowed_signers else {
        report.trust = Trust::Untrusted {
            why: "no --allowed-signers was given".into(),
        };
        report.warnings.push(format!(
            "the signer is NOT TRUSTED: no --allowed-signers was given, so nothing says key {fp} belongs to '{identity}'. Compare the fingerprint with one obtained from the signer, or run again with --allowed-signers FILE from a trusted source (never the bundle's own copy)"
        ));
        return Ok(());
    };
    let text = read_named(path, "allowed_signers")?;
    let signers = AllowedSigners::parse(&text)
        .map_err(|why| anyhow::anyhow!("allowed_signers '{}': {why}", path.display()))?;
    let file = path.display();
    match signers.trust(identity, key, NAMESPACE, opts.now) {
        allowed::Trust::Trusted { line } if is_bundled(path, &opts.dir) => {
            report.trust = Trust::Untrusted {
                why: "the allowed_signers given is the bundle's own copy".into(),
            };
            report.warnings.push(format!(
                "the signer is NOT TRUSTED: '{file}' is the bundle's own allowed_signers (line {line}), which whoever signed the bundle wrote: it is not a trust anchor. The bundle was signed by key {fp}: compare it with the signer's key obtained elsewhere"
            ));
        }
        allowed::Trust::Trusted { line } => {
            report.trust = Trust::Trusted {
                file: path.clone(),
                line,
            };
        }
        allowed::Trust::OtherKey { listed } => report.fail(
            "signer",
            format!(
                "the bundle was signed by key {fp}, but '{file}' lists only {} for '{identity}': it was signed again by someone else's key",
                listed.join(", ")
            ),
        ),
        allowed::Trust::OtherIdentity { principals } => report.fail(
            "signer",
            format!(
                "key {fp} is listed in '{file}' for '{}', not for '{identity}': wrong signer identity",
                principals.join("', '")
            ),
        ),
        allowed::Trust::Namespace { allowed } => report.fail(
            "signer",
            format!("'{file}' lets key {fp} sign only for namespaces '{allowed}', not '{NAMESPACE}'"),
        ),
        allowed::Trust::Expired { line } => report.fail(
            "signer",
            format!("line {line} of '{file}' lists key {fp} for '{identity}', but not as valid now (valid-after/valid-before)"),
        ),
        allowed::Trust::Unknown => report.fail(
            "signer",
            format!("'{file}' lists neither '{identity}' nor key {fp}: the signer is unknown"),
        ),
    }
    Ok(())
}

/// Check `SHA256SUMS.sig`; findings go to `report`.
pub fn check(
    report: &mut BundleReport,
    opts: &VerifyOptions,
    sums: Option<&str>,
    manifest: Option<&Manifest>,
    verify_md: Option<&str>,
    state: &FileState,
) -> Result<()> {
    let Some(sums) = sums else {
        return Ok(());
    };
    let Ok(armored) = std::fs::read_to_string(opts.dir.join(names::SIGNATURE)) else {
        report.fail(
            "signature",
            "SHA256SUMS.sig is missing: the bundle is not signed".into(),
        );
        return Ok(());
    };
    let sig = match SshSig::from_pem(armored.trim_end()) {
        Ok(sig) => sig,
        Err(e) => {
            report.fail(
                "signature",
                format!("SHA256SUMS.sig is not an SSH signature ({e})"),
            );
            return Ok(());
        }
    };
    let key = sig.public_key().clone();
    let fp = fingerprint(&key);
    report.key_fingerprint = Some(fp.clone());
    let identity = opts
        .signer
        .clone()
        .or_else(|| manifest.map(|m| m.signer.identity.clone()))
        .unwrap_or_default();
    report.signer = Some(identity.clone());
    if sig.namespace() != NAMESPACE {
        report.fail(
            "signature",
            format!(
                "SHA256SUMS.sig was made for namespace '{}', not '{NAMESPACE}': a signature made for another purpose is never evidence",
                sig.namespace()
            ),
        );
        return trust(report, opts, &identity, &key);
    }
    let valid = PublicKey::new(key.clone(), "")
        .verify(NAMESPACE, sums.as_bytes(), &sig)
        .is_ok();
    check_identity(report, opts, manifest);
    trust(report, opts, &identity, &key)?;
    let named_key = manifest.map(|m| m.signer.key_fingerprint.as_str());
    match (valid, named_key) {
        (true, Some(named)) if named != fp => report.fail(
            "signature",
            format!("the manifest names signing key {named}, but key {fp} signed the bundle: it was signed again by another key"),
        ),
        (true, _) => report.checked.push(format!(
            "signature: SHA256SUMS.sig is a valid SSHSIG over SHA256SUMS as it is, namespace {NAMESPACE}, by key {fp} ({})",
            sig.algorithm()
        )),
        (false, Some(named)) if named != fp => report.fail(
            "signature",
            format!("SHA256SUMS.sig does not match SHA256SUMS, and was made by key {fp}, not the manifest's signing key {named}"),
        ),
        (false, _) if sums_regenerated(state, manifest, verify_md) => report.fail(
            "signature",
            "SHA256SUMS does not match its signature: it was changed after signing (hashes regenerated without signing again)".into(),
        ),
        (false, _) => report.fail(
            "signature",
            format!("SHA256SUMS.sig is a signature by the signer's key {fp}, but over another SHA256SUMS: it was taken from another bundle"),
        ),
    }
    Ok(())
}

/// `--signer` against the identity the manifest names.
fn check_identity(report: &mut BundleReport, opts: &VerifyOptions, m: Option<&Manifest>) {
    if let (Some(asked), Some(m)) = (&opts.signer, m)
        && *asked != m.signer.identity
        && opts.allowed_signers.is_none()
    {
        report.fail(
            "signer",
            format!(
                "you asked for signer '{asked}', but the bundle names '{}' as its signer: wrong signer identity",
                m.signer.identity
            ),
        );
    }
}

/// Read a text file the user named.
fn read_named(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {what} '{}'", path.display()))
}
