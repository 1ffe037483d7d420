//! `export decisions|inventory`: CSV for people and spreadsheets.

use std::io::Write;

use anyhow::{Context, Result};

use super::spreadsheet_safe;
use crate::cli::{ExportArgs, ExportKind};
use crate::db::Store;

/// Header of the decisions CSV.
pub const DECISION_COLUMNS: &[&str] = &[
    "seq",
    "campaign",
    "identity_id",
    "provider",
    "account",
    "native_id",
    "name",
    "action",
    "verdict",
    "removed",
    "business_function",
    "justification",
    "reviewer",
    "decided_at",
    "prev_hash",
    "row_hash",
];

fn write_decisions(
    store: &Store,
    campaign: &str,
    w: &mut csv::Writer<Box<dyn Write + '_>>,
) -> Result<usize> {
    w.write_record(DECISION_COLUMNS)?;
    let rows = store.decisions(campaign)?;
    for d in &rows {
        w.write_record([
            d.seq.to_string(),
            spreadsheet_safe(&d.campaign),
            d.identity_id.clone(),
            d.provider.clone(),
            d.account.clone(),
            spreadsheet_safe(&d.native_id),
            spreadsheet_safe(&d.name),
            d.action.clone(),
            d.verdict.clone(),
            spreadsheet_safe(&d.removed.join("; ")),
            spreadsheet_safe(&d.business_function),
            spreadsheet_safe(&d.justification),
            spreadsheet_safe(&d.reviewer),
            d.decided_at.clone(),
            d.prev_hash.clone(),
            d.row_hash.clone(),
        ])?;
    }
    Ok(rows.len())
}

fn write_population(
    store: &Store,
    campaign: &str,
    w: &mut csv::Writer<Box<dyn Write + '_>>,
) -> Result<usize> {
    let info = store.campaign(campaign)?;
    w.write_record([
        "position",
        "identity_id",
        "provider",
        "kind",
        "name",
        "owner",
        "risk",
        "signals",
        "verdict",
    ])?;
    let mut n = 0;
    let page = 500;
    loop {
        let rows = store.queue_window(info.id, &crate::db::QueueView::default(), n as u64, page)?;
        for r in &rows {
            w.write_record([
                (r.position + 1).to_string(),
                r.short_id.clone(),
                r.provider.clone(),
                r.kind.clone(),
                spreadsheet_safe(&r.name),
                spreadsheet_safe(r.owner.as_deref().unwrap_or("")),
                r.risk.to_string(),
                r.signals.join(" "),
                r.verdict.map(|v| v.as_str().to_owned()).unwrap_or_default(),
            ])?;
        }
        n += rows.len();
        if (rows.len() as u64) < page {
            break;
        }
    }
    Ok(n)
}

/// `export`.
pub fn run(store: &Store, args: &ExportArgs, out: &mut dyn Write) -> Result<()> {
    let sink: Box<dyn Write + '_> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("creating '{}'", path.display()))?,
        )),
        None => Box::new(&mut *out),
    };
    let mut w = csv::Writer::from_writer(sink);
    let n = match args.what {
        ExportKind::Decisions => write_decisions(store, &args.campaign, &mut w)?,
        ExportKind::Inventory => write_population(store, &args.campaign, &mut w)?,
    };
    w.flush()?;
    drop(w);
    if let Some(path) = &args.output {
        let what = match args.what {
            ExportKind::Decisions => "decision records",
            ExportKind::Inventory => "identities",
        };
        writeln!(
            out,
            "wrote {n} {what} of campaign '{}' to '{}'",
            args.campaign,
            path.display()
        )?;
    }
    super::finish(out)
}
