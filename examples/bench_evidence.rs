//! Builds the campaign the evidence benchmark signs and verifies (see BENCHMARKS.md): imports
//! a credential report made by `gen_credential_report`, starts campaign `bench`, decides every
//! identity through the review rules (a third kept with an owner set, a third revoked, a third
//! reduced), many identities per request, and closes it.
//!
//! ```sh
//! cargo build --release --examples --bins
//! ./target/release/examples/gen_credential_report 1111112 > /tmp/r.csv   # 1,000,000 identities
//! ./target/release/examples/bench_evidence /tmp/bench.db /tmp/r.csv
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{TimeZone, Utc};
use nhi_importers::ImportOptions;
use nhi_review::commands::{ImportInput, import_one};
use nhi_review::db::Store;
use nhi_review::db::prelude::*;
use nhi_review::model::{DecisionAction, Verdict};
use nhi_review::review::{self, CloseRequest, DecisionRequest, StartRequest};

/// Identities decided per request (one transaction each).
const PER_REQUEST: usize = 20_000;

fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let usage = "usage: bench_evidence DB REPORT.csv";
    let db = PathBuf::from(args.next().context(usage)?);
    let report = PathBuf::from(args.next().context(usage)?);
    let now = Utc
        .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .context("time")?;
    let mut store = Store::open(&db)?;
    let clock = Instant::now();
    let file =
        std::fs::File::open(&report).with_context(|| format!("opening '{}'", report.display()))?;
    import_one(
        &mut store,
        ImportInput {
            name: "credential-report.csv".into(),
            path: Some(report.clone()),
            reader: file,
        },
        None,
        &ImportOptions::default(),
        now,
    )?;
    eprintln!("imported in {:.1?}", clock.elapsed());
    let campaign = review::start(
        &mut store,
        &StartRequest::new("bench", now, "lead@example.com"),
    )?;
    eprintln!(
        "started with {} members in {:.1?}",
        campaign.population_size,
        clock.elapsed()
    );
    let members = store.undecided_members(campaign.id)?;
    for (n, chunk) in members.chunks(PER_REQUEST).enumerate() {
        for (offset, verdict) in [Verdict::Keep, Verdict::Revoke, Verdict::Reduce]
            .into_iter()
            .enumerate()
        {
            let identities: Vec<String> = chunk
                .iter()
                .skip(offset)
                .step_by(3)
                .map(|id| format!("aws-{}", id.0))
                .collect();
            if identities.is_empty() {
                continue;
            }
            let keep = verdict == Verdict::Keep;
            review::decide(
                &mut store,
                &DecisionRequest {
                    campaign: "bench".into(),
                    identities,
                    action: DecisionAction::Decide,
                    verdict: Some(verdict),
                    remove: if verdict == Verdict::Reduce {
                        vec!["access_key_1".into()]
                    } else {
                        Vec::new()
                    },
                    owner: keep.then(|| format!("team-{}@example.com", n % 50)),
                    function: keep.then(|| "Moves nightly batches".to_owned()),
                    justification: "Reviewed with the owning team for the benchmark".into(),
                    reviewer: format!("reviewer-{}@example.com", n % 7),
                    at: now,
                },
            )?;
        }
        eprintln!(
            "decided {} in {:.1?}",
            (n + 1) * PER_REQUEST,
            clock.elapsed()
        );
    }
    let closed = review::close(
        &mut store,
        &CloseRequest {
            campaign: "bench".into(),
            accept_undecided: true,
            reviewer: "lead@example.com".into(),
            at: now,
        },
    )?;
    eprintln!(
        "closed at #{} in {:.1?}; keep {}, reduce {}, revoke {}",
        closed.head.0,
        clock.elapsed(),
        closed.campaign.counts.keep,
        closed.campaign.counts.reduce,
        closed.campaign.counts.revoke
    );
    Ok(())
}
