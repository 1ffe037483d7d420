//! A generator of realistic machine-identity estates in the providers' own export formats, of
//! any size, deterministic from a seed (issue 14): the input of the scale benchmarks, and of
//! the test that imports every file it writes (`tests/estate.rs`).
//!
//! The estate is split across providers roughly as a large organisation's is: IAM users in an
//! AWS credential report 30 %, IAM roles 10 %, Google Cloud 25 %, Kubernetes 25 %, a SaaS
//! console's CSV 10 %; each identity holds about `grants_per_identity` grants (most fewer, a
//! few several times more). Every file is written as it is generated, one account, project,
//! namespace or app at a time, so memory does not grow with the estate. Each provider's module
//! lists the traps of `reference/export-formats.md` it mixes in; every name, id and domain is
//! invented (`example.com`, `example.org`). The first account and project, and each cluster's
//! first application namespace, hold every rare trap at least once, so that a small estate
//! (the test's) shows them all.
//!
//! Files (in import order):
//!
//! - `aws/credential-report.csv`: every account's users, one report;
//! - `aws/authorization-details-ACCOUNT.json`: one per account (read whole by the importer, so
//!   each stays within IAM's 5,000 users and far below the importer's 64 MiB);
//! - `gcp/service-accounts.json`, `gcp/keys.json`: every project's accounts and keys;
//! - `gcp/iam-policy-PROJECT.json`: one per project (a policy names no project: the importer
//!   takes it from its members);
//! - `k8s/CLUSTER/serviceaccounts.json`, `k8s/CLUSTER/rolebindings.json`: per cluster, imported
//!   with `--account CLUSTER` (kubectl output never names its cluster);
//! - `saas/apps.csv` with `saas/apps.mapping.toml` beside it (found by the importer).

#![allow(dead_code)]

mod aws;
mod gcp;
mod k8s;
mod out;
mod rng;
mod saas;
mod text;

use std::io;
use std::ops::AddAssign;
use std::path::{Path, PathBuf};

pub use rng::Rng;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Machine identities in the whole estate (people come on top, as in real exports).
    pub identities: u64,
    /// Mean grants per identity.
    pub grants_per_identity: u64,
    /// Seed: the same seed gives byte-identical files.
    pub seed: u64,
}

/// What a file holds, as the importer will count it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Machine identities this file adds to the inventory (those an earlier file in import
    /// order already described are not counted again).
    pub identities: u64,
    /// Grants of machine identities.
    pub grants: u64,
    /// Credentials (keys, certificates, tokens; Google-managed keys included).
    pub credentials: u64,
    /// Entries that name people (skipped by the importer): report rows, policy members,
    /// binding subjects. A person named in two files counts twice.
    pub people: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.identities += o.identities;
        self.grants += o.grants;
        self.credentials += o.credentials;
        self.people += o.people;
    }
}

/// One file written.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// Path under the output folder.
    pub path: PathBuf,
    /// The importer's name of its format (`nhi-review import --format`).
    pub format: &'static str,
    /// `--account` it must be imported with, when the file cannot say.
    pub account: Option<String>,
    /// What it holds.
    pub counts: Counts,
    /// Its size.
    pub bytes: u64,
}

/// Everything written, in import order.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The files.
    pub files: Vec<FileSummary>,
}

impl Summary {
    /// The estate's totals.
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for f in &self.files {
            t += f.counts;
        }
        t
    }

    /// Bytes written.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Totals per format, in import order: (format, files, counts, bytes).
    pub fn by_format(&self) -> Vec<(&'static str, u64, Counts, u64)> {
        let mut out: Vec<(&'static str, u64, Counts, u64)> = Vec::new();
        for f in &self.files {
            match out.iter_mut().find(|(format, ..)| *format == f.format) {
                Some(row) => {
                    row.1 += 1;
                    row.2 += f.counts;
                    row.3 += f.bytes;
                }
                None => out.push((f.format, 1, f.counts, f.bytes)),
            }
        }
        out
    }

    /// The imports to run, in order: each is one `nhi-review import`, of groups of files that
    /// need the same `--account` (or none). Files that name their accounts are a run of their
    /// own; the groups that need one share a run, each group after its own `--account`
    /// (`import --account A a/… --account B b/…`), so every cluster is read in one run.
    pub fn imports(&self) -> Vec<Vec<ImportGroup<'_>>> {
        let mut groups: Vec<ImportGroup> = Vec::new();
        for f in &self.files {
            let account = f.account.as_deref();
            match groups.last_mut() {
                Some((a, files)) if *a == account => files.push(f),
                _ => groups.push((account, vec![f])),
            }
        }
        let mut runs: Vec<Vec<ImportGroup>> = Vec::new();
        for group in groups {
            match runs.last_mut() {
                Some(run) if group.0.is_some() && run.iter().all(|g| g.0.is_some()) => {
                    run.push(group)
                }
                _ => runs.push(vec![group]),
            }
        }
        runs
    }

    /// The arguments after `import` of one run, the files as `path_of` names them.
    pub fn import_args(
        run: &[ImportGroup],
        path_of: impl Fn(&FileSummary) -> String,
    ) -> Vec<String> {
        let mut args = Vec::new();
        for (account, files) in run {
            if let Some(a) = account {
                args.extend(["--account".to_owned(), (*a).to_owned()]);
            }
            args.extend(files.iter().map(|f| path_of(f)));
        }
        args
    }
}

/// Files that share an `--account` (or need none), in the order they are imported.
pub type ImportGroup<'a> = (Option<&'a str>, Vec<&'a FileSummary>);

/// Shares of the identities, in percent: AWS users, AWS roles, Google Cloud, Kubernetes (the
/// SaaS export has the rest).
const SHARES: [u64; 4] = [30, 10, 25, 25];

/// Generate an estate into `dir` (created if missing). Providers are generated on their own
/// threads, each from its own random stream, so the files do not depend on scheduling.
pub fn generate(config: &Config, dir: &Path) -> io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let n = config.identities;
    let [users, roles, gcp, k8s] = SHARES.map(|s| n * s / 100);
    let saas = n - users - roles - gcp - k8s;
    let (seed, g) = (config.seed, config.grants_per_identity);
    let parts = std::thread::scope(|s| {
        let handles = [
            s.spawn(move || aws::generate(seed, g, users, roles, dir)),
            s.spawn(move || gcp::generate(seed, g, gcp, dir)),
            s.spawn(move || k8s::generate(seed, g, k8s, dir)),
            s.spawn(move || saas::generate(seed, g, saas, dir)),
        ];
        handles.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut summary = Summary::default();
    for part in parts {
        summary.files.extend(part?);
    }
    Ok(summary)
}

/// `k` distinct indices below `n` (all of them if `k >= n`), the low (popular) ones more
/// often: what one identity holds of a catalogue of roles, policies or scopes.
pub fn distinct(rng: &mut Rng, k: u64, n: u64) -> Vec<u64> {
    if k >= n {
        return (0..n).collect();
    }
    let mut taken = vec![false; n as usize];
    let mut out = Vec::with_capacity(k as usize);
    while (out.len() as u64) < k {
        let mut i = rng.skewed(n);
        // A few tries at the skew, then the next free one.
        for _ in 0..3 {
            if !taken[i as usize] {
                break;
            }
            i = rng.skewed(n);
        }
        while taken[i as usize] {
            i = (i + 1) % n;
        }
        taken[i as usize] = true;
        out.push(i);
    }
    out
}
