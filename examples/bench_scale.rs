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
//! With `--estate N` it also measures the import of whole estates (`examples/estate`, the
//! generator of `gen_estate`) of N, 4N and 10N machine identities with ten grants each, in
//! every format the generator writes, imported as `gen_estate` says: records (identities,
//! grants and credentials) per second and the peak memory of the largest import, against
//! `sqlite3` copying the same files raw in the same run (each CSV with `.import`, each JSON
//! file's lists item by item with `json_each`). That table goes between the `bench_estate`
//! markers. `--rows 0` skips the credential-report part, `--scales 1,4,10` picks the sizes.
//!
//! Evidence and verify over a million decisions have their own benchmark
//! (`examples/bench_evidence`, BENCHMARKS.md); the review screen's keys have theirs
//! (`examples/bench_screen`).

mod estate;

use std::path::{Path, PathBuf};
use std::process::Command;

struct Args {
    rows: u64,
    pairs: usize,
    seeds: Vec<u64>,
    write: Option<PathBuf>,
    dir: Option<PathBuf>,
    estate: u64,
    scales: Vec<u64>,
    screen: u64,
    evidence: u64,
}

fn args() -> Args {
    let mut a = Args {
        rows: 200_000,
        pairs: 3,
        seeds: vec![1, 2],
        write: None,
        dir: None,
        estate: 0,
        scales: vec![1, 4, 10],
        screen: 0,
        evidence: 0,
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
            "--estate" => a.estate = value.parse().expect("--estate N"),
            "--screen" => a.screen = value.parse().expect("--screen N"),
            "--evidence" => a.evidence = value.parse().expect("--evidence N"),
            // Everything, at the sizes of issue 14 (about an hour on two cores).
            "--all" => {
                a.rows = 1_000_000;
                a.estate = 100_000;
                a.screen = 1_000_000;
                a.evidence = 1_000_000;
                continue;
            }
            "--scales" => {
                a.scales = value
                    .split(',')
                    .map(|s| s.parse().expect("--scales 1,4,10"))
                    .collect()
            }
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
    timed_in(None, dir, program, args, stdout)
}

/// [`timed`], run in the folder `cwd` when given.
fn timed_in(
    cwd: Option<&Path>,
    dir: &Path,
    program: &Path,
    args: &[&str],
    stdout: Option<&Path>,
) -> Run {
    let report = dir.join("time.txt");
    let out = match stdout {
        Some(p) => std::process::Stdio::from(std::fs::File::create(p).expect("output file")),
        None => std::process::Stdio::null(),
    };
    let mut command = Command::new("/usr/bin/time");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let status = command
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
        bin.exists()
            && gen_report.exists()
            && release.join("examples/bench_screen").exists()
            && release.join("examples/bench_evidence").exists(),
        "build first: cargo build --release --examples --bins"
    );
    let scratch = tempfile::tempdir().expect("scratch");
    let dir = a
        .dir
        .clone()
        .unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("dir");
    if a.rows > 0 {
        let table = report_part(&a, &bin, &gen_report, &dir);
        print!("{table}");
        if let Some(path) = &a.write {
            write_block(path, "bench_scale", &table);
        }
    }
    if a.estate > 0 {
        let table = estate_part(&a, &bin, &dir);
        print!("{table}");
        if let Some(path) = &a.write {
            write_block(path, "bench_estate", &table);
        }
    }
    if a.evidence > 0 {
        let table = evidence_part(&a, &bin, &release, &dir);
        print!("{table}");
        if let Some(path) = &a.write {
            write_block(path, "bench_evidence", &table);
        }
    }
    if a.screen > 0 {
        // The review screen's own benchmark, which drives the app loop in-process.
        let mut screen = Command::new(release.join("examples/bench_screen"));
        screen.arg("--rows").arg(a.screen.to_string());
        if let Some(path) = &a.write {
            screen.arg("--write").arg(path);
        }
        assert!(screen.status().expect("bench_screen").success());
    }
}

/// Replace the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `path`.
fn write_block(path: &Path, name: &str, table: &str) {
    let text = std::fs::read_to_string(path).expect("BENCHMARKS.md");
    let (begin, end) = (
        format!("<!-- {name}:begin -->"),
        format!("<!-- {name}:end -->"),
    );
    let (Some(i), Some(j)) = (text.find(&begin), text.find(&end)) else {
        panic!("{} has no {begin} … {end} markers", path.display());
    };
    let updated = format!("{}{begin}\n{table}{}", &text[..i], &text[j..]);
    std::fs::write(path, updated).expect("write BENCHMARKS.md");
}

/// The credential report: import fresh and again, linearity, start, listing and export.
fn report_part(a: &Args, bin: &Path, gen_report: &Path, dir: &Path) -> String {
    let dir = dir.to_path_buf();
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
            let status = Command::new(gen_report)
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
                let r = timed(&dir, bin, &["--db", db_s, "-q", "import", file_s], None);
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
            || timed(&dir, bin, &["--db", db_s, "-q", "import", file_s], None),
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
                    bin,
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
                bin,
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
                bin,
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
                bin,
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
    table
}

/// Whole estates of `--estate` × each of `--scales` machine identities (ten grants each),
/// imported as `gen_estate` prints, against `sqlite3` copying the same files raw.
fn estate_part(a: &Args, bin: &Path, dir: &Path) -> String {
    let sqlite = PathBuf::from("sqlite3");
    let load_before = load();
    let started = chrono::Utc::now();
    let mut rows = Vec::new();
    for &scale in &a.scales {
        let out = dir.join(format!("estate-{scale}"));
        let _ = std::fs::remove_dir_all(&out);
        let config = estate::Config {
            identities: a.estate * scale,
            grants_per_identity: 10,
            seed: 1,
        };
        let summary = estate::generate(&config, &out).expect("estate");
        let path_of = |f: &estate::FileSummary| out.join(&f.path).display().to_string();
        let db = dir.join("estate.db");
        let db_s = db.to_str().expect("utf-8").to_owned();
        let imports: Vec<Vec<String>> = summary
            .imports()
            .into_iter()
            .map(|run| {
                let mut args: Vec<String> =
                    ["--db", &db_s, "-q", "import"].map(str::to_owned).to_vec();
                args.extend(estate::Summary::import_args(&run, path_of));
                args
            })
            .collect();
        let script = dir.join("raw-copy.sql");
        std::fs::write(&script, raw_copy_script(&summary, &path_of)).expect("script");
        let base_db = dir.join("estate-baseline.db");
        let base_args = [
            base_db.to_str().expect("utf-8").to_owned(),
            format!(".read {}", script.display()),
        ];
        let (mut db_mb, mut base_mb) = (0.0, 0.0);
        let runs = paired(
            a.pairs,
            || {
                remove_db(&db);
                let mut total = Run {
                    wall: 0.0,
                    rss_mb: 0.0,
                };
                for args in &imports {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let r = timed(dir, bin, &args, None);
                    total.wall += r.wall;
                    total.rss_mb = total.rss_mb.max(r.rss_mb);
                }
                db_mb = size_mb(&db);
                total
            },
            || {
                remove_db(&base_db);
                let args: Vec<&str> = base_args.iter().map(String::as_str).collect();
                let r = timed(dir, &sqlite, &args, None);
                base_mb = size_mb(&base_db);
                r
            },
        );
        let t = summary.total();
        let records = t.identities + t.grants + t.credentials;
        rows.push(format!(
            "| {scale}×: {} identities, {} grants, {} credentials ({} files, {:.0} MB) | {:.1} s, **{:.0} records/s**, {:.0} MB RSS, {:.0} MB file | `sqlite3` raw copy: {:.1} s ({:.0} records/s), {:.0} MB RSS, {:.0} MB file | {:.2}× |",
            t.identities,
            t.grants,
            t.credentials,
            summary.files.len(),
            summary.bytes() as f64 / 1e6,
            runs.ours.wall,
            records as f64 / runs.ours.wall,
            runs.ours.rss_mb,
            db_mb,
            runs.base.wall,
            records as f64 / runs.base.wall,
            runs.base.rss_mb,
            base_mb,
            runs.ratio(),
        ));
        remove_db(&db);
        remove_db(&base_db);
        let _ = std::fs::remove_dir_all(&out);
    }
    format!(
        "Measured {} by `examples/bench_scale --rows 0 --estate {} --scales {} --pairs {}` on {}; load average {} before, {} after. Medians of {} paired runs (ours, baseline, alternately). Records are the identities, grants and credentials the files hold; nhi-review's time is the sum of the imports `gen_estate` prints, its memory the peak of the largest.\n\n| estate (seed 1, ten grants per identity) | nhi-review import | baseline, same run, same files | ratio |\n|---|---|---|---|\n{}\n",
        started.format("%Y-%m-%d %H:%M UTC"),
        a.estate,
        a.scales
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        a.pairs,
        machine(),
        load_before,
        load(),
        a.pairs,
        rows.join("\n")
    )
}

/// A `sqlite3` script copying the estate's files raw: each CSV with `.import`, the items of
/// each JSON file's lists with `json_each`, in one transaction.
fn raw_copy_script(
    summary: &estate::Summary,
    path_of: &dyn Fn(&estate::FileSummary) -> String,
) -> String {
    let quote = |s: &str| s.replace('\'', "''");
    let mut csv = String::new();
    let mut json = String::from("CREATE TABLE j(v);\nBEGIN;\n");
    for (i, f) in summary.files.iter().enumerate() {
        let lists: &[&str] = match f.format {
            "aws-credential-report" | "mapped-csv" => {
                csv.push_str(&format!(".import --csv {} t{i}\n", path_of(f)));
                continue;
            }
            "aws-authorization-details" => &[
                "$.UserDetailList",
                "$.GroupDetailList",
                "$.RoleDetailList",
                "$.Policies",
            ],
            "gcp-iam-policy" => &["$.bindings"],
            "k8s-service-accounts" | "k8s-role-bindings" => &["$.items"],
            _ => &["$"],
        };
        for list in lists {
            json.push_str(&format!(
                "INSERT INTO j SELECT value FROM json_each(readfile('{}'), '{list}');\n",
                quote(&path_of(f))
            ));
        }
    }
    json.push_str("COMMIT;\n");
    csv + &json
}

/// Evidence over a campaign of `--evidence` decisions, built by `bench_evidence` (imported,
/// every identity decided, closed): `evidence` against `campaign verify` of the same campaign,
/// and `verify` of the bundle against `sha256sum -c` of the same files, as paired runs.
fn evidence_part(a: &Args, bin: &Path, release: &Path, dir: &Path) -> String {
    let load_before = load();
    let started = chrono::Utc::now();
    let n = a.evidence;
    // One row in ten of the generated report is a person: N/0.9 rows give N identities.
    let rows = n * 10 / 9 + 1;
    let report = dir.join("evidence-report.csv");
    let status = Command::new(release.join("examples/gen_credential_report"))
        .arg(rows.to_string())
        .stdout(std::fs::File::create(&report).expect("report"))
        .status()
        .expect("generator");
    assert!(status.success());
    let db = dir.join("evidence.db");
    remove_db(&db);
    let status = Command::new(release.join("examples/bench_evidence"))
        .arg(&db)
        .arg(&report)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("bench_evidence");
    assert!(status.success(), "bench_evidence failed");
    let key = dir.join("signing-key");
    let _ = std::fs::remove_file(&key);
    let _ = std::fs::remove_file(key.with_extension("pub"));
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    let trusted = dir.join("trusted");
    let words: Vec<&str> = public.split_whitespace().take(2).collect();
    std::fs::write(&trusted, format!("bench@example.com {}\n", words.join(" "))).expect("trusted");
    let bundle = dir.join("bundle");
    let (db_s, key_s, bundle_s, trusted_s) = (
        db.to_str().expect("utf-8"),
        key.to_str().expect("utf-8"),
        bundle.to_str().expect("utf-8"),
        trusted.to_str().expect("utf-8"),
    );
    let evidence = paired(
        a.pairs,
        || {
            let _ = std::fs::remove_dir_all(&bundle);
            timed(
                dir,
                bin,
                &[
                    "--db",
                    db_s,
                    "-q",
                    "evidence",
                    "--campaign",
                    "bench",
                    "--key",
                    key_s,
                    "--signer",
                    "bench@example.com",
                    "-o",
                    bundle_s,
                ],
                None,
            )
        },
        || {
            timed(
                dir,
                bin,
                &["--db", db_s, "-q", "campaign", "verify", "bench"],
                None,
            )
        },
    );
    let bundle_mb = std::fs::read_dir(&bundle)
        .expect("bundle")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum::<u64>() as f64
        / 1e6;
    let verify = paired(
        a.pairs,
        || {
            timed(
                dir,
                bin,
                &[
                    "verify",
                    bundle_s,
                    "--allowed-signers",
                    trusted_s,
                    "--campaign",
                    "bench",
                ],
                None,
            )
        },
        || {
            timed_in(
                Some(&bundle),
                dir,
                Path::new("sha256sum"),
                &["--strict", "-c", "SHA256SUMS"],
                None,
            )
        },
    );
    let _ = std::fs::remove_dir_all(&bundle);
    remove_db(&db);
    let _ = std::fs::remove_file(&report);
    format!(
        "Measured {} by `examples/bench_scale --rows 0 --evidence {n} --pairs {}` on {}; load average {} before, {} after. Medians of {} paired runs (ours, baseline, alternately). The campaign: {n} identities, each decided (a third kept, a third reduced, a third revoked), closed; the bundle {:.0} MB.\n\n| what | nhi-review | baseline, same run | ratio |\n|---|---|---|---|\n| `evidence` (write, verify, sign) | {:.2} s, {:.0} MB RSS (the mapped database's pages) | `campaign verify` of the same campaign: {:.2} s | {:.2}× |\n| `verify` of the bundle | {:.2} s, {:.0} MB RSS | `sha256sum --strict -c SHA256SUMS` of the same files: {:.2} s | {:.2}× |\n",
        started.format("%Y-%m-%d %H:%M UTC"),
        a.pairs,
        machine(),
        load_before,
        load(),
        a.pairs,
        bundle_mb,
        evidence.ours.wall,
        evidence.ours.rss_mb,
        evidence.base.wall,
        evidence.ratio(),
        verify.ours.wall,
        verify.ours.rss_mb,
        verify.base.wall,
        verify.ratio(),
    )
}
