//! `evidence`: sign the evidence bundle of a closed campaign and store its checkpoint.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::RunContext;
use crate::cli::EvidenceArgs;
use crate::evidence::{self, EvidenceRequest, NAMESPACE, files};

/// The default folder: `evidence-<campaign>`, with any character a path would read
/// differently replaced.
fn default_folder(campaign: &str) -> PathBuf {
    let safe: String = campaign
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from(format!("evidence-{safe}"))
}

/// `evidence`.
pub fn run(ctx: &RunContext, args: &EvidenceArgs, out: &mut dyn Write) -> Result<()> {
    let req = EvidenceRequest {
        campaign: args.campaign.clone(),
        key: args.key.clone(),
        signer: args.signer.clone(),
        output: args
            .output
            .clone()
            .unwrap_or_else(|| default_folder(&args.campaign)),
        now: ctx.now,
        protected: ctx.protected_paths()?,
        db: ctx.db_path()?,
    };
    // Drawn from the first phase on, after any passphrase was asked for.
    let mut bar = super::progress::Bar::new(ctx.quiet);
    let written = evidence::write_bundle(&req, evidence::passphrase::for_key, &mut bar)?;
    bar.clear();
    let m = &written.manifest;
    let dir = written.dir.display();
    writeln!(
        out,
        "signed the evidence of campaign '{}' as '{}' with key {} into '{dir}'",
        m.campaign, m.signer.identity, m.signer.key_fingerprint
    )?;
    writeln!(
        out,
        "  chain: {} records, head #{} {} (stored as a signed checkpoint: 'nhi-review campaign verify {}' compares the database with it)",
        m.chain.length, m.chain.length, m.chain.head, m.campaign
    )?;
    writeln!(
        out,
        "  population: {} identities, sha256 {}; keep {}, reduce {}, revoke {}, unreviewed {}",
        m.population.size,
        m.population.hash,
        m.counts.keep,
        m.counts.reduce,
        m.counts.revoke,
        m.counts.unreviewed
    )?;
    writeln!(out, "  SHA256SUMS sha256 {}", written.sums_sha256)?;
    writeln!(
        out,
        "an auditor checks it inside '{dir}' with: ssh-keygen -Y verify -f PATH/TO/TRUSTED_allowed_signers -I {} -n {NAMESPACE} -s {} < {}; sha256sum --strict -c {} ({} says it all)",
        m.signer.identity,
        files::SIGNATURE,
        files::SUMS,
        files::SUMS,
        files::VERIFY
    )?;
    super::finish(out)
}
