//! Writes a synthetic AWS credential report of N rows to standard output, for the import
//! benchmark (see BENCHMARKS.md). All names and dates are invented.
//!
//! `cargo run --release --example gen_credential_report -- 200000 [SEED] > /tmp/report.csv`
//!
//! With a seed, the same rows come in another order (a permutation fixed by the seed): the
//! import's indexes then grow in another pattern, which is what separated two reports of the
//! same shape by 11.5 s against 18.9 s once (issue 14), so the benchmark runs several.

use std::io::{BufWriter, Write};

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let seed: Option<u64> = std::env::args().nth(2).and_then(|a| a.parse().ok());
    // 1,000,003 is prime: k → (k·p + s) mod n is a permutation unless n is a multiple of it.
    let step: u64 = if n.is_multiple_of(1_000_003) {
        1
    } else {
        1_000_003
    };
    let out = std::io::stdout();
    let mut w = BufWriter::new(out.lock());
    writeln!(w, "{HEADER}")?;
    for k in 0..n {
        let i = match seed {
            Some(s) => (k * step + s.wrapping_mul(7919)) % n,
            None => k,
        };
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let person = i % 10 == 0;
        let second = if i % 3 == 0 {
            format!("true,2026-{month:02}-{day:02}T08:00:00+00:00,N/A,N/A,N/A")
        } else {
            "false,N/A,N/A,N/A,N/A".to_owned()
        };
        writeln!(
            w,
            "svc-bench-{i:07},arn:aws:iam::123456789012:user/bench/svc-bench-{i:07},2024-{month:02}-{day:02}T09:30:00+00:00,{},N/A,N/A,N/A,false,true,2025-{month:02}-{day:02}T00:00:00+00:00,2026-11-{day:02}T03:14:00+00:00,eu-west-1,s3,{second},false,N/A,false,N/A",
            if person { "true" } else { "false" }
        )?;
    }
    w.flush()
}
