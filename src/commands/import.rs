//! `import` and `sources`.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use nhi_importers::detect::{SNIFF_LEN, detect};
use nhi_importers::hashing::HashingReader;
use nhi_importers::{Format, ImportOptions};

use super::open_store;
use crate::cli::ImportArgs;
use crate::db::{ImportReport, Store};
use crate::{Outcome, RunContext};

/// One input to import: a name for messages and provenance, and its bytes.
pub struct ImportInput<R> {
    /// Name as the user gave it.
    pub name: String,
    /// The bytes.
    pub reader: R,
}

/// Detect (unless forced) and import one input in one transaction.
pub fn import_one<R: Read>(
    store: &mut Store,
    input: ImportInput<R>,
    forced: Option<Format>,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let mut reader = HashingReader::new(input.reader);
    let mut prefix = Vec::with_capacity(SNIFF_LEN);
    (&mut reader)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut prefix)
        .with_context(|| format!("reading '{}'", input.name))?;
    let format = match forced {
        Some(f) => f,
        None => detect(&prefix).ok_or_else(|| {
            anyhow!(
                "'{}': not a format nhi-review knows (detected by content, not by file name). Supported formats:\n{}\nUse --format NAME if detection is wrong.",
                input.name,
                Format::supported_list()
            )
        })?,
    };
    let options = ImportOptions {
        file_name: input.name.clone(),
        ..options.clone()
    };
    store.import_file(&input.name, format, &options, now, |sink| {
        let tally = nhi_importers::parse(
            format,
            Cursor::new(prefix).chain(&mut reader),
            &options,
            sink,
        )?;
        let (sha256, size) = reader.finish().context("reading to the end of the file")?;
        Ok((tally, sha256, size))
    })
}

/// The reconciliation line printed per file: its counts add up to the records read.
pub fn reconciliation_line(r: &ImportReport) -> String {
    let t = &r.tally;
    let mut parts = vec![
        format!("{} identities", t.identities),
        format!("{} people skipped", t.humans_skipped),
    ];
    if t.other_skipped > 0 {
        parts.push(format!("{} root skipped", t.other_skipped));
    }
    parts.push(format!("{} rejected", t.rejected));
    let mut line = format!(
        "{}: {}, {} records read = {}; {} credentials ({} platform-managed), {} grants",
        r.name,
        r.format,
        t.records_read,
        parts.join(" + "),
        t.credentials,
        t.platform_managed,
        t.grants
    );
    if t.secrets_dropped > 0 {
        line.push_str(&format!(
            "; {} secret values dropped ({})",
            t.secrets_dropped,
            t.dropped_fields.join(", ")
        ));
    }
    let gone = r.identities_gone + r.credentials_gone + r.grants_gone;
    if gone > 0 {
        line.push_str(&format!(
            "; no longer present: {} identities, {} credentials, {} grants",
            r.identities_gone, r.credentials_gone, r.grants_gone
        ));
    }
    line.push_str(&format!("; sha256 {}", &r.sha256));
    line
}

/// `import FILE…`: each file all-or-nothing; a failed file does not stop the others.
pub fn run(ctx: &RunContext, args: &ImportArgs, out: &mut dyn Write) -> Result<Outcome> {
    let forced = match &args.format {
        Some(name) => Some(Format::from_name(name).ok_or_else(|| {
            anyhow!(
                "unknown format '{name}'. Supported formats:\n{}",
                Format::supported_list()
            )
        })?),
        None => None,
    };
    let mut store = open_store(ctx)?;
    let options = ImportOptions {
        file_name: String::new(),
        account: args.account.clone(),
        skip_bad_rows: args.skip_bad_rows,
    };
    let mut failed = 0;
    let mut rejected = false;
    for path in &args.files {
        let result = if path == Path::new("-") {
            let input = ImportInput {
                name: "-".into(),
                reader: std::io::stdin().lock(),
            };
            import_one(&mut store, input, forced, &options, ctx.now)
        } else {
            std::fs::File::open(path)
                .with_context(|| format!("cannot open '{}'", path.display()))
                .and_then(|file| {
                    let input = ImportInput {
                        name: path.display().to_string(),
                        reader: file,
                    };
                    import_one(&mut store, input, forced, &options, ctx.now)
                })
        };
        match result {
            Ok(report) => {
                writeln!(out, "{}", reconciliation_line(&report))?;
                for (location, field, message) in store.rejects(report.source_id)? {
                    let field = field.map(|f| format!(", field '{f}'")).unwrap_or_default();
                    writeln!(out, "  rejected {location}{field}: {message}")?;
                }
                rejected |= report.tally.rejected > 0;
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e:#}");
                eprintln!("  nothing from '{}' was imported", path.display());
            }
        }
    }
    super::finish(out)?;
    if failed > 0 {
        bail!("{failed} of {} files not imported", args.files.len());
    }
    Ok(if rejected {
        Outcome::ImportedWithRejects
    } else {
        Outcome::Done
    })
}

/// `sources`.
pub fn sources(store: &Store, out: &mut dyn Write) -> Result<()> {
    let rows = store.sources()?;
    if rows.is_empty() {
        writeln!(out, "no files imported yet: nhi-review import FILE…")?;
        return super::finish(out);
    }
    writeln!(
        out,
        "{:<4} {:<20} {:<28} {:<14} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:<12} FILE",
        "ID",
        "IMPORTED",
        "FORMAT",
        "ACCOUNT",
        "READ",
        "IDENT",
        "CREDS",
        "GRANTS",
        "PEOPLE",
        "REJECT",
        "SHA256"
    )?;
    for s in rows {
        let t = &s.tally;
        writeln!(
            out,
            "{:<4} {:<20} {:<28} {:<14} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:<12} {}",
            s.id,
            s.imported_at,
            s.format,
            s.account.as_deref().unwrap_or("-"),
            t.records_read,
            t.identities,
            t.credentials,
            t.grants,
            t.humans_skipped,
            t.rejected,
            &s.sha256[..12.min(s.sha256.len())],
            s.name
        )?;
    }
    super::finish(out)
}
