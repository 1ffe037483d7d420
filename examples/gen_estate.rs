//! Writes a realistic estate of machine identities in the providers' own export formats, for
//! the scale benchmarks (BENCHMARKS.md, "Generating an estate"): deterministic from its seed,
//! streamed (memory does not grow with the estate), with the example organisation's traps.
//!
//! `cargo run --release --example gen_estate -- --identities 1000000 --grants-per-identity 10 --seed 1 --out /tmp/estate`

mod estate;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

/// Generate an estate of machine identities as cloud and SaaS exports.
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  gen_estate --identities 1000000 --grants-per-identity 10 --seed 1 --out /tmp/estate"
)]
struct Args {
    /// Machine identities in the estate (people come on top)
    #[arg(long, default_value_t = 10_000)]
    identities: u64,
    /// Mean grants per identity (at least 1)
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    grants_per_identity: u64,
    /// Seed: the same seed writes byte-identical files
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (created; files in it are overwritten)
    #[arg(long)]
    out: PathBuf,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let config = estate::Config {
        identities: args.identities,
        grants_per_identity: args.grants_per_identity,
        seed: args.seed,
    };
    let started = Instant::now();
    let summary = estate::generate(&config, &args.out)?;
    let elapsed = started.elapsed();
    println!(
        "{:<28} {:>6} {:>11} {:>12} {:>12} {:>9} {:>10}",
        "format", "files", "identities", "grants", "credentials", "people", "MB"
    );
    let mb = |b: u64| b as f64 / 1e6;
    for (format, files, c, bytes) in summary.by_format() {
        println!(
            "{format:<28} {files:>6} {:>11} {:>12} {:>12} {:>9} {:>10.1}",
            c.identities,
            c.grants,
            c.credentials,
            c.people,
            mb(bytes)
        );
    }
    let t = summary.total();
    println!(
        "{:<28} {:>6} {:>11} {:>12} {:>12} {:>9} {:>10.1}",
        "total",
        summary.files.len(),
        t.identities,
        t.grants,
        t.credentials,
        t.people,
        mb(summary.bytes())
    );
    println!(
        "\nwrote {} files ({:.1} MB) to '{}' in {:.2} s",
        summary.files.len(),
        mb(summary.bytes()),
        args.out.display(),
        elapsed.as_secs_f64()
    );
    println!("\nImport, in this order:\n  cd {}", args.out.display());
    for run in summary.imports() {
        let mut line = String::from("  nhi-review import");
        for (account, files) in run {
            if let Some(a) = account {
                line.push_str(&format!(" --account {a}"));
            }
            line.push_str(&format!(" {}", globbed(&files)));
        }
        println!("{line}");
    }
    Ok(())
}

/// The files as a shell would be given them: a run of files of one format (one per account
/// or project) as one glob.
fn globbed(files: &[&estate::FileSummary]) -> String {
    let mut words: Vec<String> = Vec::new();
    for run in files.chunk_by(|a, b| a.format == b.format) {
        let paths: Vec<String> = run.iter().map(|f| f.path.display().to_string()).collect();
        match paths.as_slice() {
            [first, rest @ ..] if !rest.is_empty() => {
                let common = rest.iter().fold(first.len(), |n, p| {
                    first
                        .bytes()
                        .zip(p.bytes())
                        .take(n)
                        .take_while(|(a, b)| a == b)
                        .count()
                });
                // Up to a separator: `iam-policy-*.json`, not `iam-policy-ex-*.json`.
                let cut = first[..common].rfind(['-', '/']).map_or(0, |i| i + 1);
                words.push(format!("{}*.json", &first[..cut]));
            }
            _ => words.extend(paths),
        }
    }
    words.join(" ")
}
