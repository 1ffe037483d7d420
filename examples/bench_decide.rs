//! Recording a decision costs the same at the first decision and after a hundred thousand:
//! the campaign's verdict counts are a cache kept per decision, never a recount. Prints the
//! median time of one `decide` (through the same rules as the screen and the CLI) before and
//! after N decisions, and their ratio. See BENCHMARKS.md.
//!
//! `cargo run --release --example bench_decide -- 100000`

use std::time::Instant;

use anyhow::Result;
use chrono::Utc;
use nhi_review::commands::{ImportInput, import_one};
use nhi_review::db::Store;
use nhi_review::model::{DecisionAction, Verdict};
use nhi_review::review::{self, DecisionRequest, StartRequest};

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn arn(i: u64) -> String {
    format!("arn:aws:iam::123456789012:user/bench/svc-bench-{i:07}")
}

fn report(n: u64) -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for i in 0..n {
        s.push_str(&format!(
            "svc-bench-{i:07},{},2024-01-01T09:30:00+00:00,false,N/A,N/A,N/A,false,true,2025-01-01T00:00:00+00:00,2026-11-01T03:14:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
            arn(i)
        ));
    }
    s
}

fn request(identities: Vec<String>) -> DecisionRequest {
    DecisionRequest {
        campaign: "bench".into(),
        identities,
        action: DecisionAction::Decide,
        verdict: Some(Verdict::Revoke),
        remove: Vec::new(),
        owner: None,
        function: None,
        justification: "benchmark".into(),
        reviewer: "bench@example.com".into(),
        at: Utc::now(),
    }
}

/// Median microseconds of one decision, over `ids`.
fn median_decide(store: &mut Store, ids: std::ops::Range<u64>) -> Result<f64> {
    let mut times = Vec::new();
    for i in ids {
        let t = Instant::now();
        review::decide(store, &request(vec![arn(i)]))?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn main() -> Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let probe = 300;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.db"))?;
    let text = report(n + 2 * probe);
    import_one(
        &mut store,
        ImportInput {
            name: "report.csv".into(),
            path: None,
            reader: text.as_bytes(),
        },
        None,
        &Default::default(),
        Utc::now(),
    )?;
    review::start(
        &mut store,
        &StartRequest::new("bench", Utc::now(), "bench@example.com"),
    )?;
    let first = median_decide(&mut store, 0..probe)?;
    let t = Instant::now();
    for chunk in (probe..probe + n).collect::<Vec<_>>().chunks(1000) {
        review::decide(
            &mut store,
            &request(chunk.iter().map(|i| arn(*i)).collect()),
        )?;
    }
    let bulk = t.elapsed().as_secs_f64();
    let after = median_decide(&mut store, probe + n..2 * probe + n)?;
    println!(
        "decide: median {first:.0} µs at 0 decisions, {after:.0} µs after {n} (ratio {:.2}); {n} decisions in bulk took {bulk:.1} s ({:.0} per second)",
        after / first,
        n as f64 / bulk
    );
    Ok(())
}
