//! `export packet` and `import-decisions`: a reviewer's slice as a spreadsheet, and back. Cells
//! are neutralised on the way out and restored on the way in.

use std::io::Write;

use anyhow::{Context, Result, bail};

use nhi_importers::Location;
use nhi_importers::csvread::CsvRows;

use crate::cli::{ExportArgs, ImportDecisionsArgs};
use crate::db::Store;
use crate::db::prelude::*;
use crate::output::{CsvOut, restore};
use crate::review::packet::{self, FilledRow, PacketRow, Slice};
use crate::{Outcome, RunContext};

/// Columns of a packet: what to decide on, then what to fill in, then two columns that tell
/// whether the row still applies when read back.
pub const COLUMNS: &[&str] = &[
    "campaign",
    "slice",
    "identity_id",
    "provider",
    "account",
    "native_id",
    "kind",
    "name",
    "assigned_to",
    "last_used",
    "signals",
    "suggested",
    "suggestion_reasons",
    "previous_decision",
    "items",
    "verdict",
    "owner",
    "function",
    "justification",
    "remove",
    "check",
    "last_record",
];

fn row(campaign: &str, slice: &Slice, r: &PacketRow) -> Vec<String> {
    let ctx = &r.ctx;
    let id = &ctx.identity;
    let signals: Vec<String> = ctx
        .signals
        .iter()
        .map(|s| format!("{} {}: {}", s.code.badge(), s.code.info().meaning, s.detail))
        .collect();
    let items: Vec<String> = r
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| format!("{}: {}", i + 1, item.reference()))
        .collect();
    let previous = ctx
        .previous
        .as_ref()
        .and_then(|p| {
            p.decision.as_ref().map(|d| {
                format!(
                    "{}: {} by {} ('{}')",
                    p.campaign,
                    d.verdict.map_or("", |v| v.as_str()),
                    d.reviewer,
                    d.business_function
                )
            })
        })
        .unwrap_or_default();
    let mut reasons = ctx.suggestion.reasons.join("; ");
    if !ctx.suggestion.remove.is_empty() {
        let remove: Vec<String> = ctx
            .suggestion
            .remove
            .iter()
            .map(|i| i.reference())
            .collect();
        reasons.push_str(&format!(" (remove {})", remove.join(", ")));
    }
    vec![
        campaign.to_owned(),
        slice.text(),
        id.short_id.clone(),
        id.provider.clone(),
        id.account.clone(),
        id.native_id.clone(),
        id.kind.clone(),
        id.name.clone(),
        ctx.member.assignee.clone().unwrap_or_default(),
        crate::text::last_used_text(id.last_used_at, id.usage_tracked),
        signals.join("\n"),
        ctx.suggestion.verdict.to_string(),
        reasons,
        previous,
        items.join("\n"),
        String::new(),
        ctx.member.owner.clone().unwrap_or_default(),
        ctx.member.function.clone().unwrap_or_default(),
        String::new(),
        String::new(),
        r.check.clone(),
        r.last_record.to_string(),
    ]
}

/// `export packet`: the slice's rows, written as CSV to `w`; returns how many.
pub fn export<W: Write>(
    store: &Store,
    args: &ExportArgs,
    w: &mut CsvOut<W>,
    rows: &mut crate::progress::Ticker,
) -> Result<usize> {
    let campaign = store.campaign(&args.campaign)?;
    let slice = match (&args.reviewer, &args.owner) {
        (Some(r), _) => Slice::Reviewer(r.clone()),
        (None, Some(o)) => Slice::Owner(o.clone()),
        (None, None) => Slice::All,
    };
    w.row(COLUMNS)?;
    let n = packet::export(store, &campaign, &slice, args.undecided, |r| {
        rows.step();
        w.row(row(&campaign.name, &slice, &r))
    })?;
    Ok(n as usize)
}

/// Read a filled-in packet: every row, with the line it starts on. Read as an export is (the
/// importers' CSV reader): rows and cells bounded in size, every row as wide as the header, a
/// line counted right whatever the line endings (a spreadsheet saves CRLF).
fn read(path: &std::path::Path) -> Result<Vec<FilledRow>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open '{}'", path.display()))?;
    let shown = crate::text::inert(&path.display().to_string());
    let mut reader = CsvRows::open(file, &shown, Box::new(Location::Line))?;
    let headers = reader.header().to_vec();
    let col = |name: &str| -> Result<usize> {
        headers.iter().position(|h| restore(h) == name).with_context(|| {
            format!(
                "'{shown}' is not a packet: it has no '{name}' column (make one with 'nhi-review export packet')"
            )
        })
    };
    let [
        campaign,
        slice,
        identity,
        verdict,
        owner,
        function,
        justification,
        remove,
        check,
        last,
    ] = [
        "campaign",
        "slice",
        "identity_id",
        "verdict",
        "owner",
        "function",
        "justification",
        "remove",
        "check",
        "last_record",
    ]
    .map(col);
    let (campaign, slice, identity, verdict, owner, function, justification, remove, check, last) = (
        campaign?,
        slice?,
        identity?,
        verdict?,
        owner?,
        function?,
        justification?,
        remove?,
        check?,
        last?,
    );
    let mut rows = Vec::new();
    while let Some((line, record)) = reader.next_row()? {
        let record = record.map_err(|e| {
            let field = if e.field.is_empty() {
                String::new()
            } else {
                format!(", column '{}'", crate::text::inert(&e.field))
            };
            anyhow::anyhow!("'{shown}' line {line}{field}: {}", e.message)
        })?;
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        let cell = |i: usize| restore(record.get(i).unwrap_or("")).to_owned();
        rows.push(FilledRow {
            // The header is the spreadsheet's row 1; blank rows count as rows there too.
            row: reader.rows + 1,
            line,
            campaign: cell(campaign),
            slice: cell(slice),
            identity: cell(identity),
            verdict: cell(verdict),
            owner: cell(owner),
            function: cell(function),
            justification: cell(justification),
            remove: cell(remove),
            check: cell(check),
            last_record: cell(last),
        });
    }
    Ok(rows)
}

/// `import-decisions`.
pub fn import(
    store: &mut Store,
    ctx: &RunContext,
    args: &ImportDecisionsArgs,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let rows = read(&args.file)?;
    if rows.is_empty() {
        bail!("'{}' has no rows", args.file.display());
    }
    let reviewer = crate::review::reviewer::resolve(args.reviewer.as_deref())?;
    let report = packet::import(store, &args.campaign, &rows, &reviewer, ctx.now)?;
    let name = args.file.display().to_string();
    for r in &report.recorded {
        writeln!(
            out,
            "recorded #{}: {} {}",
            r.seq,
            crate::text::inert(&r.name),
            r.verdict.map_or("", |v| v.as_str())
        )?;
    }
    for (row, line, why) in &report.rejected {
        writeln!(
            out,
            "rejected {} row {row} (line {line}): {}",
            crate::text::inert(&name),
            crate::text::inert(why)
        )?;
    }
    writeln!(
        out,
        "{}: {} recorded, {} rejected, {} left undecided (by {})",
        crate::text::inert(&name),
        report.recorded.len(),
        report.rejected.len(),
        report.left_undecided,
        crate::text::inert(&reviewer)
    )?;
    super::finish(out)?;
    Ok(if report.rejected.is_empty() {
        Outcome::Done
    } else {
        Outcome::ImportedWithRejects
    })
}
