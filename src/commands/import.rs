//! `import` and `sources`.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use nhi_importers::detect::SNIFF_LEN;
use nhi_importers::hashing::HashingReader;
use nhi_importers::mapping::Mapping;
use nhi_importers::{Format, ImportOptions, Tally};
use nhi_importers::{Sniffed, check_text, detect_json_prefix, sniff};

use super::open_or_make_store;
use crate::cli::ImportArgs;
use crate::db::{ImportReport, Store};
use crate::text::inert;
use crate::{Outcome, RunContext};

/// One input to import: a name for messages and provenance, and its bytes.
pub struct ImportInput<R> {
    /// Name as the user gave it.
    pub name: String,
    /// Where it lives, when it is a file (mapping files are looked for beside it).
    pub path: Option<std::path::PathBuf>,
    /// The bytes.
    pub reader: R,
}

/// Mapping files that may read a CSV: `*.mapping.toml` beside it, then those in
/// `<config dir>/nhi-review/mappings/`. The first whose columns the header has is used.
fn find_mapping(
    path: Option<&Path>,
    prefix: &[u8],
) -> Result<Option<(Mapping, std::path::PathBuf)>> {
    let mut candidates: Vec<std::path::PathBuf> = Vec::new();
    let mut add_dir = |dir: &Path, all_toml: bool| {
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut found: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if all_toml {
                        n.ends_with(".toml")
                    } else {
                        n.ends_with(".mapping.toml")
                    }
                })
                .collect();
            found.sort();
            candidates.extend(found);
        }
    };
    if let Some(dir) = path.and_then(Path::parent) {
        add_dir(
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            },
            false,
        );
    }
    if let Some(dirs) = directories::ProjectDirs::from("", "", "nhi-review") {
        add_dir(&dirs.config_dir().join("mappings"), true);
    }
    for candidate in candidates {
        let text = std::fs::read_to_string(&candidate)
            .with_context(|| format!("reading the mapping file '{}'", candidate.display()))?;
        let mapping = Mapping::from_toml(&text)
            .map_err(|e| anyhow!("mapping file '{}': {e}", candidate.display()))?;
        if mapping.matches(prefix) {
            return Ok(Some((mapping, candidate)));
        }
        tracing::debug!(
            "mapping file '{}' does not fit: the header lacks some of its columns",
            inert(&candidate.display().to_string())
        );
    }
    Ok(None)
}

fn unknown_format(name: &str, what: &str) -> anyhow::Error {
    crate::text::Lines(format!(
        "'{}': {what} of a shape nhi-review does not know (formats are told by content, not by file name). Supported formats:\n{}\nUse --format NAME if detection is wrong, or --mapping FILE for any other CSV.",
        inert(name),
        Format::supported_list()
    ))
    .into()
}

/// The first line of an export's first bytes, clipped, for the log (made inert by the caller).
fn first_line(prefix: &[u8]) -> String {
    let text = String::from_utf8_lossy(prefix);
    let line = text.lines().next().unwrap_or_default();
    let clipped: String = line.chars().take(120).collect();
    if clipped.len() < line.len() {
        format!("{clipped}…")
    } else {
        clipped
    }
}

/// Detect (unless forced) and import one input in one transaction. Both CSV and JSON stream:
/// the format is told from the first 64 KiB, the rest is read as it is imported.
pub fn import_one<R: Read>(
    store: &mut Store,
    input: ImportInput<R>,
    forced: Option<Format>,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let name = input.name;
    let mut reader = HashingReader::new(input.reader);
    let mut prefix = Vec::with_capacity(SNIFF_LEN);
    (&mut reader)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut prefix)
        .with_context(|| format!("reading '{name}'"))?;
    check_text(&prefix).map_err(|m| anyhow!("'{name}': {m}"))?;
    let mut options = ImportOptions {
        file_name: name.clone(),
        ..options.clone()
    };
    let path = input.path;
    let shown = inert(&name);
    tracing::debug!("'{shown}' starts with: {}", inert(&first_line(&prefix)));
    let (format, why) = match forced {
        Some(f) => (f, "named by --format".to_owned()),
        None => match sniff(&prefix) {
            Sniffed::Json => (
                detect_json_prefix(&prefix, &name)?.ok_or_else(|| unknown_format(&name, "JSON"))?,
                "JSON whose structure is that format's".to_owned(),
            ),
            Sniffed::Text(Some(f)) => (f, "its CSV header is that format's".to_owned()),
            Sniffed::Text(None) => match options.mapping.as_ref() {
                // A mapping given on the command line reads the file, or says which of its
                // columns the header lacks.
                Some(_) => (
                    Format::MappedCsv,
                    "text no built-in format reads, and --mapping was given".to_owned(),
                ),
                None => match find_mapping(path.as_deref(), &prefix)? {
                    Some((m, found)) => {
                        options.mapping = Some(m);
                        (
                            Format::MappedCsv,
                            format!(
                                "text no built-in format reads, and the header has every column the mapping file '{}' needs",
                                inert(&found.display().to_string())
                            ),
                        )
                    }
                    None => return Err(unknown_format(&name, "a text file")),
                },
            },
        },
    };
    tracing::info!("'{shown}': detected as {} ({why})", format.name());
    store.import_file(&name, format, &options, now, |sink| {
        let tally = nhi_importers::parse(
            format,
            Cursor::new(prefix).chain(&mut reader),
            &options,
            sink,
        )?;
        if forced.is_some() && tally.records_read == 0 {
            bail!(
                "'{name}' at $: nothing in it reads as {}: it holds no records (an empty list); is --format right?",
                format.name()
            );
        }
        if forced.is_some() && tally.records_read == tally.rejected {
            bail!(
                "'{name}': nothing in it reads as {}: all {} records were rejected: is --format right? (without --skip-bad-rows the first fault is named)",
                format.name(),
                tally.records_read
            );
        }
        let (sha256, size) = reader.finish().context("reading to the end of the file")?;
        Ok((tally, sha256, size))
    })
}

/// "N records read = imported + people + skipped (reason) + rejected": always adds up.
fn records_text(t: &Tally) -> String {
    let mut parts = vec![
        format!("{} imported", t.imported),
        format!("{} people skipped", t.humans_skipped),
    ];
    for (reason, n) in &t.skipped {
        parts.push(format!("{n} skipped ({reason})"));
    }
    parts.push(format!("{} rejected", t.rejected));
    format!("{} records read = {}", t.records_read, parts.join(" + "))
}

/// What the records yielded, and the secrets dropped.
fn yield_text(t: &Tally) -> String {
    let mut text = format!(
        "{} identities, {} credentials ({} platform-managed), {} grants",
        t.identities, t.credentials, t.platform_managed, t.grants
    );
    if t.secrets_dropped > 0 {
        text.push_str(&format!(
            "; {} secret values dropped ({})",
            t.secrets_dropped,
            t.dropped_fields.join(", ")
        ));
    }
    text
}

/// The reconciliation line printed per file: its counts add up to the records read.
pub fn reconciliation_line(r: &ImportReport) -> String {
    let mut line = format!(
        "{}: {}, {}; {}",
        inert(&r.name),
        r.format,
        records_text(&r.tally),
        yield_text(&r.tally)
    );
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
            anyhow::Error::from(crate::text::Lines(format!(
                "unknown format '{}'. Supported formats:\n{}",
                inert(name),
                Format::supported_list()
            )))
        })?),
        None => None,
    };
    let mut store = open_or_make_store(ctx)?;
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the mapping file '{}'", path.display()))?;
            Some(
                Mapping::from_toml(&text)
                    .map_err(|e| anyhow!("mapping file '{}': {e}", path.display()))?,
            )
        }
        None => None,
    };
    let mut options = ImportOptions {
        file_name: String::new(),
        account: None,
        skip_bad_rows: args.skip_bad_rows,
        mapping,
        accept_removals: args.accept_removals,
    };
    let mut failed = 0;
    let mut rejected = false;
    let db_path = ctx.db_path()?;
    for (i, path) in args.files.iter().enumerate() {
        options.account = args.account_for(i).map(str::to_owned);
        let _note = crate::db::wait::Note::leave(
            &db_path,
            &format!("an import of '{}' is running", path.display()),
            &crate::db::ts(chrono::Utc::now()),
        );
        let result = if path == Path::new("-") {
            let input = ImportInput {
                name: "-".into(),
                path: None,
                reader: std::io::stdin().lock(),
            };
            import_one(&mut store, input, forced, &options, ctx.now)
        } else {
            std::fs::File::open(path)
                .with_context(|| format!("cannot open '{}'", path.display()))
                .and_then(|file| {
                    let len = file.metadata().ok().map(|m| m.len());
                    let name = path.display().to_string();
                    let show = super::progress::enabled(ctx.quiet);
                    let input = ImportInput {
                        reader: super::progress::Reading::new(file, &name, len, show),
                        name,
                        path: Some(path.clone()),
                    };
                    import_one(&mut store, input, forced, &options, ctx.now)
                })
        };
        match result {
            Ok(report) => {
                writeln!(out, "{}", reconciliation_line(&report))?;
                for note in &report.tally.notes {
                    writeln!(out, "  note: {}", inert(note))?;
                }
                for (location, field, message) in store.rejects(report.source_id)? {
                    let field = field.map(|f| format!(", field '{f}'")).unwrap_or_default();
                    writeln!(
                        out,
                        "  rejected {}{}: {}",
                        inert(&location),
                        inert(&field),
                        inert(&message)
                    )?;
                }
                rejected |= report.tally.rejected > 0;
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {}", crate::text::error_text(&e));
                eprintln!(
                    "  nothing from '{}' was imported",
                    crate::text::inert(&path.display().to_string())
                );
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

/// `sources`: every import with its provenance and reconciliation, for people or as JSON Lines.
pub fn sources(store: &Store, json: bool, out: &mut dyn Write) -> Result<()> {
    let rows = store.sources()?;
    if rows.is_empty() && !json {
        writeln!(out, "no files imported yet: nhi-review import FILE…")?;
    }
    for s in rows {
        if json {
            serde_json::to_writer(&mut *out, &s)?;
            writeln!(out)?;
            continue;
        }
        let t = &s.tally;
        writeln!(out, "#{:<3} {}", s.id, inert(&s.name))?;
        writeln!(
            out,
            "     {} · account {} · imported {} · {} bytes",
            s.format,
            inert(s.account.as_deref().unwrap_or("-")),
            s.imported_at,
            s.size
        )?;
        writeln!(out, "     sha256 {}", s.sha256)?;
        writeln!(out, "     {}", records_text(t))?;
        writeln!(out, "     {}", yield_text(t))?;
        for note in &t.notes {
            writeln!(out, "     note: {}", inert(note))?;
        }
    }
    super::finish(out)
}
