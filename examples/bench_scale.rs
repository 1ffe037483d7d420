//! The scale benchmark of issue 14, from one command: every figure beside a baseline measured
//! in the same run on the same file, as paired runs (A B A B …) whose medians are compared, and
//! the table written into BENCHMARKS.md between its `bench_scale` markers.
//!
//! ```sh
//! cargo build --release --examples --bins
//! ./target/release/examples/bench_scale --rows 1000000 --pairs 3 --seeds 1,2 --write BENCHMARKS.md
//! ```
//!
//! It runs the release binaries beside it (`nhi-review`, `examples/gen_credential_report`) and
//! `sqlite3` and `/usr/bin/time` from the system, in a scratch folder (`--dir`, else a new one
//! under the system's temporary folder, removed at the end). Measured per seed:
//!
//! - import of a credential report of `--rows` rows into a new database, against
//!   `sqlite3 DB ".import --csv FILE t"` of the same file (wall time, peak memory, file size);
//! - the same import again into the populated database (a re-import), against the same baseline;
//! - the import of a tenth of the rows, for linearity (time at N / time at N/10);
//!
//! and once, on the last database: `campaign start` against `sqlite3` writing the identities
//! sorted into a new table, `inventory --format csv` against `sqlite3 -csv` of the identity
//! table, and `export decisions` against `sqlite3 -csv` of the record table.
//!
//! Evidence and verify over a million decisions have their own benchmark
//! (`examples/bench_evidence`, BENCHMARKS.md), and so has the review screen
//! (`examples/bench_screen`).

use std::path::{Path, PathBuf};
use std::process::Command;

struct Args {
    rows: u64,
    pairs: usize,
    seeds: Vec<u64>,
    write: Option<PathBuf>,
    dir: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        rows: 200_000,
        pairs: 3,
        seeds: vec![1, 2],
        write: None,
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--rows" => a.rows = value.parse().expect("--rows N"),
            "--pairs" => a.pairs = value.parse().expect("--pairs N"),
            "--seeds" => {
                a.seeds = value
                    .split(',')
                    .map(|s| s.parse().expect("--seeds 1,2"))
                    .collect()
            }
            "--write" => a.write = Some(value.into()),
            "--dir" => a.dir = Some(value.into()),
            other => panic!("unknown argument {other}: see the module comment"),
        }
    }
    a
}

/// One run: wall seconds and peak resident memory in MB.
#[derive(Clone, Copy)]
struct Run {
    wall: f64,
    rss_mb: f64,
}

/// Run a command under `/usr/bin/time`, its standard output to `stdout` (else discarded).
fn timed(dir: &Path, program: &Path, args: &[&str], stdout: Option<&Path>) -> Run {
    let report = dir.join("time.txt");
    let out = match stdout {
        Some(p) => std::process::Stdio::from(std::fs::File::create(p).expect("output file")),
        None => std::process::Stdio::null(),
    };
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(&report)
        .arg(program)
        .args(args)
        .env("NHI_REVIEW_NOW", "2026-11-27T12:00:00Z")
        .env_remove("NHI_REVIEW_DB")
        .stdout(out)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("runs");
    assert!(status.success(), "{} {args:?} failed", program.display());
    let text = std::fs::read_to_string(&report).expect("time report");
    let mut f = text.split_whitespace();
    Run {
        wall: f.next().and_then(|s| s.parse().ok()).expect("wall"),
        rss_mb: f.next().and_then(|s| s.parse::<f64>().ok()).expect("rss") / 1024.0,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn size_mb(path: &Path) -> f64 {
    let mut total = 0u64;
    for suffix in ["", "-wal"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        total += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    }
    total as f64 / 1e6
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-writer"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Paired medians: (ours, baseline), each a median of `pairs` runs taken alternately.
struct Paired {
    ours: Run,
    base: Run,
}

impl Paired {
    fn ratio(&self) -> f64 {
        self.ours.wall / self.base.wall
    }
}

fn paired(pairs: usize, mut ours: impl FnMut() -> Run, mut base: impl FnMut() -> Run) -> Paired {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        a.push(ours());
        b.push(base());
    }
    let med = |v: &[Run]| Run {
        wall: median(v.iter().map(|r| r.wall).collect()),
        rss_mb: median(v.iter().map(|r| r.rss_mb).collect()),
    };
    Paired {
        ours: med(&a),
        base: med(&b),
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or("?".into(), |k| format!("{:.0} GiB", k / 1024.0 / 1024.0));
    let sqlite = Command::new("sqlite3")
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("?")
                .to_owned()
        })
        .unwrap_or_else(|| "?".into());
    format!("{cores} cores ({cpu}), {mem}, SQLite shell {sqlite}")
}

fn main() {
    let a = args();
    let here = std::env::current_exe().expect("exe");
    let release = here
        .parent()
        .and_then(Path::parent)
        .expect("target/release")
        .to_path_buf();
    let bin = release.join("nhi-review");
    let gen_report = release.join("examples/gen_credential_report");
    assert!(
        bin.exists() && gen_report.exists(),
        "build first: cargo build --release --examples --bins"
    );
    let scratch = tempfile::tempdir().expect("scratch");
    let dir = a
        .dir
        .clone()
        .unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("dir");
    let sqlite = PathBuf::from("sqlite3");
    let load_before = load();
    let started = chrono::Utc::now();
    let mut rows = Vec::new();
    let n = a.rows;
    let tenth = (n / 10).max(1);
    let db = dir.join("bench.db");
    let base_db = dir.join("baseline.db");
    for &seed in &a.seeds {
        let file = dir.join(format!("report-{seed}.csv"));
        let small = dir.join(format!("report-{seed}-tenth.csv"));
        for (rows_wanted, path) in [(n, &file), (tenth, &small)] {
            let status = Command::new(&gen_report)
                .arg(rows_wanted.to_string())
                .arg(seed.to_string())
                .stdout(std::fs::File::create(path).expect("report"))
                .status()
                .expect("generator");
            assert!(status.success());
        }
        let file_s = file.to_str().expect("utf-8");
        let db_s = db.to_str().expect("utf-8");
        let base_s = base_db.to_str().expect("utf-8");
        let import = format!(".import --csv {file_s} t");
        let mut db_mb = 0.0;
        let mut base_mb = 0.0;
        let fresh = paired(
            a.pairs,
            || {
                remove_db(&db);
                let r = timed(&dir, &bin, &["--db", db_s, "-q", "import", file_s], None);
                db_mb = size_mb(&db);
                r
            },
            || {
                remove_db(&base_db);
                let r = timed(&dir, &sqlite, &[base_s, &import], None);
                base_mb = size_mb(&base_db);
                r
            },
        );
        rows.push(format!(
            "| import, new database, seed {seed} | {:.2} s, {:.0} MB RSS, {:.0} MB file | `sqlite3 .import`: {:.2} s, {:.0} MB RSS, {:.0} MB file | {:.2}× (file {:.2}×) |",
            fresh.ours.wall, fresh.ours.rss_mb, db_mb, fresh.base.wall, fresh.base.rss_mb, base_mb,
            fresh.ratio(), db_mb / base_mb
        ));
        // The database of the last fresh run stays: import the same file again into it.
        let again = paired(
            a.pairs,
            || timed(&dir, &bin, &["--db", db_s, "-q", "import", file_s], None),
            || {
                remove_db(&base_db);
                timed(&dir, &sqlite, &[base_s, &import], None)
            },
        );
        rows.push(format!(
            "| re-import into the populated database, seed {seed} | {:.2} s, {:.0} MB RSS | `sqlite3 .import`: {:.2} s | {:.2}× |",
            again.ours.wall, again.ours.rss_mb, again.base.wall, again.ratio()
        ));
        let small_db = dir.join("small.db");
        let small_s = small.to_str().expect("utf-8");
        let small_db_s = small_db.to_str().expect("utf-8");
        let tenth_runs = paired(
            a.pairs,
            || {
                remove_db(&small_db);
                timed(
                    &dir,
                    &bin,
                    &["--db", small_db_s, "-q", "import", small_s],
                    None,
                )
            },
            || fresh.ours,
        );
        rows.push(format!(
            "| import of {tenth} rows (linearity), seed {seed} | {:.2} s | the import of {n} rows: {:.2} s | {:.1} (N/(N/10) time ratio; target ≤ 11) |",
            tenth_runs.ours.wall,
            fresh.ours.wall,
            fresh.ours.wall / tenth_runs.ours.wall
        ));
    }
    // On the last database: start, list, export.
    let db_s = db.to_str().expect("utf-8");
    let mut k = 0;
    let start = paired(
        a.pairs,
        || {
            k += 1;
            let name = format!("bench-{k}");
            timed(
                &dir,
                &bin,
                &["--db", db_s, "-q", "campaign", "start", &name],
                None,
            )
        },
        || {
            timed(
                &dir,
                &sqlite,
                &[
                    db_s,
                    "CREATE TEMP TABLE s AS SELECT id, provider, account, native_id, name FROM identity ORDER BY last_used_at, name; SELECT COUNT(*) FROM s;",
                ],
                None,
            )
        },
    );
    rows.push(format!(
        "| `campaign start` | {:.2} s, {:.0} MB RSS | `sqlite3`: the identities sorted into a table, {:.2} s | {:.2}× |",
        start.ours.wall, start.ours.rss_mb, start.base.wall, start.ratio()
    ));
    let out = dir.join("out.csv");
    let inventory = paired(
        a.pairs,
        || {
            timed(
                &dir,
                &bin,
                &["--db", db_s, "inventory", "--format", "csv"],
                Some(&out),
            )
        },
        || {
            timed(
                &dir,
                &sqlite,
                &["-csv", "-header", db_s, "SELECT * FROM identity"],
                Some(&out),
            )
        },
    );
    rows.push(format!(
        "| `inventory --format csv` | {:.2} s, {:.0} MB RSS | `sqlite3 -csv` of the identity table: {:.2} s | {:.2}× |",
        inventory.ours.wall, inventory.ours.rss_mb, inventory.base.wall, inventory.ratio()
    ));
    let name = format!("bench-{k}");
    let export = paired(
        a.pairs,
        || {
            let _ = std::fs::remove_file(&out);
            timed(
                &dir,
                &bin,
                &[
                    "--db",
                    db_s,
                    "export",
                    "inventory",
                    "--campaign",
                    &name,
                    "-o",
                    out.to_str().expect("utf-8"),
                ],
                None,
            )
        },
        || {
            timed(
                &dir,
                &sqlite,
                &[
                    "-csv",
                    "-header",
                    db_s,
                    "SELECT * FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id",
                ],
                Some(&out),
            )
        },
    );
    rows.push(format!(
        "| `export inventory --campaign` (the population) | {:.2} s, {:.0} MB RSS | `sqlite3 -csv` of the members joined to their identities: {:.2} s | {:.2}× |",
        export.ours.wall, export.ours.rss_mb, export.base.wall, export.ratio()
    ));
    let table = format!(
        "Measured {} by `examples/bench_scale --rows {n} --pairs {} --seeds {}` on {}; load average {} before, {} after. Medians of {} paired runs (ours, baseline, alternately).\n\n| what | nhi-review | baseline, same run, same file | ratio |\n|---|---|---|---|\n{}\n",
        started.format("%Y-%m-%d %H:%M UTC"),
        a.pairs,
        a.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        machine(),
        load_before,
        load(),
        a.pairs,
        rows.join("\n")
    );
    print!("{table}");
    if let Some(path) = a.write {
        let text = std::fs::read_to_string(&path).expect("BENCHMARKS.md");
        let (begin, end) = ("<!-- bench_scale:begin -->", "<!-- bench_scale:end -->");
        let (Some(i), Some(j)) = (text.find(begin), text.find(end)) else {
            panic!("{} has no {begin} … {end} markers", path.display());
        };
        let updated = format!("{}{begin}\n{table}{}", &text[..i], &text[j..]);
        std::fs::write(&path, updated).expect("write BENCHMARKS.md");
    }
}
