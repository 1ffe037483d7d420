//! `verify DIR`: check an evidence bundle as an auditor would, and print what was checked.

use std::io::Write;

use anyhow::{Result, bail};

use crate::RunContext;
use crate::cli::VerifyArgs;
use crate::evidence::check::Trust;
use crate::evidence::{VerifyOptions, verify_bundle};

/// `verify`.
pub fn run(ctx: &RunContext, args: &VerifyArgs, out: &mut dyn Write) -> Result<()> {
    let mut bar = super::progress::Bar::new(ctx.quiet);
    let report = verify_bundle(
        &VerifyOptions {
            dir: args.dir.clone(),
            allowed_signers: args.allowed_signers.clone(),
            signer: args.signer.clone(),
            campaign: args.campaign.clone(),
            now: ctx.now,
        },
        &mut bar,
    )?;
    bar.clear();
    writeln!(out, "bundle: {}", report.dir.display())?;
    if let Some(c) = &report.campaign {
        writeln!(out, "campaign: {c}")?;
    }
    if let Some(fp) = &report.key_fingerprint {
        writeln!(
            out,
            "signed by: key {fp} as '{}'",
            report.signer.as_deref().unwrap_or("")
        )?;
    }
    match &report.trust {
        Trust::Trusted { file, line } => writeln!(
            out,
            "trusted: yes: line {line} of '{}' lists this key for this signer",
            file.display()
        )?,
        Trust::Untrusted { why } => writeln!(out, "trusted: NO ({why})")?,
    }
    if report.is_valid() {
        writeln!(out, "checked:")?;
        for line in &report.checked {
            writeln!(out, "  - {line}")?;
        }
    } else {
        for f in &report.findings {
            writeln!(out, "FAIL {f}")?;
        }
    }
    for w in &report.warnings {
        writeln!(out, "WARNING: {w}")?;
    }
    super::finish(out)?;
    if !report.is_valid() {
        bail!(
            "the bundle '{}' does not verify: {} finding(s) above",
            report.dir.display(),
            report.findings.len()
        );
    }
    writeln!(out, "verified")?;
    super::finish(out)
}
