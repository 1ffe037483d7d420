//! `export decisions|inventory`: CSV for people and spreadsheets, every cell neutralised,
//! written whole or not at all.

use std::io::{IsTerminal, Write};

use anyhow::{Result, anyhow};

use crate::RunContext;
use crate::chain::Record;
use crate::cli::{ExportArgs, ExportKind};
use crate::db::prelude::*;
use crate::db::{QueueView, RecordRow, Store};
use crate::output::{CsvOut, SafeFile};
use crate::progress::{Measure, Progress, Ticker};

/// Header of the decisions CSV: one row per record of the chain.
pub const DECISION_COLUMNS: &[&str] = &[
    "seq",
    "campaign",
    "kind",
    "action",
    "identity_id",
    "provider",
    "account",
    "native_id",
    "name",
    "verdict",
    "suggested",
    "removed",
    "owner",
    "business_function",
    "justification",
    "reviewer",
    "at",
    "detail",
    "prev_hash",
    "row_hash",
];

fn decision_row(row: &RecordRow) -> Result<Vec<String>> {
    let record = Record::parse(&row.link.record).map_err(|e| {
        anyhow!(
            "record #{} does not read back ({e}): run 'nhi-review campaign verify'",
            row.link.seq
        )
    })?;
    let (provider, account, native_id) = row.identity.clone().unwrap_or_default();
    let (suggested, removed, justification) = match &record {
        Record::Decision(d) => (
            d.suggested.clone(),
            d.removed
                .iter()
                .map(|i| i.to_ref().map(|r| r.reference()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?
                .join("; "),
            d.justification.clone(),
        ),
        Record::Legacy(d) => (String::new(), d.removed.join("; "), d.justification.clone()),
        _ => Default::default(),
    };
    Ok(vec![
        row.link.seq.to_string(),
        record.campaign().to_owned(),
        record.kind().as_str().to_owned(),
        row.action.clone().unwrap_or_default(),
        row.short_id.clone().unwrap_or_default(),
        provider,
        account,
        native_id,
        row.name.clone().unwrap_or_default(),
        row.verdict.clone().unwrap_or_default(),
        suggested,
        removed,
        row.owner.clone().unwrap_or_default(),
        row.business_function.clone().unwrap_or_default(),
        justification,
        row.reviewer.clone(),
        row.at.clone(),
        crate::chain::describe(&record),
        row.link.prev_hash.clone(),
        row.link.row_hash.clone(),
    ])
}

fn write_decisions<W: Write>(
    store: &Store,
    campaign: &str,
    w: &mut CsvOut<W>,
    rows: &mut Ticker,
) -> Result<usize> {
    let info = store.campaign(campaign)?;
    w.row(DECISION_COLUMNS)?;
    let mut n = 0;
    store.for_each_record(info.id, |row| {
        w.row(decision_row(&row)?)?;
        rows.step();
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

fn write_population<W: Write>(
    store: &Store,
    campaign: &str,
    w: &mut CsvOut<W>,
    ticker: &mut Ticker,
) -> Result<usize> {
    let info = store.campaign(campaign)?;
    w.row([
        "position",
        "identity_id",
        "provider",
        "account",
        "native_id",
        "kind",
        "name",
        "owner",
        "risk",
        "signals",
        "verdict",
    ])?;
    let mut n = 0u64;
    let page = 500;
    loop {
        let rows = store.queue_window(info.id, &QueueView::default(), n, page)?;
        for r in &rows {
            let identity = store.identity(r.identity_id)?;
            w.row([
                (r.position + 1).to_string(),
                r.short_id.clone(),
                r.provider.clone(),
                identity.account,
                identity.native_id,
                r.kind.clone(),
                r.name.clone(),
                r.owner.clone().unwrap_or_default(),
                r.risk.to_string(),
                r.signals
                    .iter()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(" "),
                r.verdict.map(|v| v.to_string()).unwrap_or_default(),
            ])?;
            ticker.step();
        }
        n += rows.len() as u64;
        if (rows.len() as u64) < page {
            break;
        }
    }
    Ok(n as usize)
}

/// How many rows an export will have, where that is known before it is written.
fn measure(store: &Store, args: &ExportArgs) -> Result<Measure> {
    let info = store.campaign(&args.campaign)?;
    Ok(match (args.what, args.style.unwrap_or_default()) {
        (ExportKind::Decisions, _) => match store.chain_head(info.id)? {
            Some((length, _)) => Measure::OutOf(length),
            None => Measure::Count,
        },
        (ExportKind::Inventory, _)
        | (ExportKind::AccessReview, crate::cli::AccessReviewStyle::Vanta) => {
            Measure::OutOf(info.population_size)
        }
        // A reviewer's slice, or one row per grant: counted as written.
        (ExportKind::Packet, _)
        | (ExportKind::AccessReview, crate::cli::AccessReviewStyle::Grants) => Measure::Count,
    })
}

fn write<W: Write>(
    store: &Store,
    args: &ExportArgs,
    w: W,
    progress: &mut dyn Progress,
) -> Result<(usize, W)> {
    let measure = measure(store, args)?;
    let mut csv = CsvOut::new(w);
    let mut rows = Ticker::start(progress, "exporting", "rows", measure);
    let n = match args.what {
        ExportKind::Decisions => write_decisions(store, &args.campaign, &mut csv, &mut rows)?,
        ExportKind::Inventory => write_population(store, &args.campaign, &mut csv, &mut rows)?,
        ExportKind::Packet => super::packet::export(store, args, &mut csv, &mut rows)?,
        ExportKind::AccessReview => super::access_review::export(store, args, &mut csv, &mut rows)?,
    };
    drop(rows);
    Ok((n, csv.finish()?))
}

/// `export`.
pub fn run(store: &Store, ctx: &RunContext, args: &ExportArgs, out: &mut dyn Write) -> Result<()> {
    if args.style.is_some() && args.what != ExportKind::AccessReview {
        anyhow::bail!("--style is for 'export access-review' only");
    }
    if args.undecided && args.what != ExportKind::Packet {
        anyhow::bail!("--undecided is for 'export packet' only");
    }
    let Some(path) = &args.output else {
        // Rows on a terminal show their own progress (and a bar would tear them); piped or
        // redirected, the bar shows how far the export got.
        let mut bar = if std::io::stdout().is_terminal() {
            tracing::debug!("progress not drawn: the rows are written to the terminal");
            super::progress::Bar::hidden()
        } else {
            super::progress::Bar::new(ctx.quiet)
        };
        write(store, args, &mut *out, &mut bar)?;
        bar.clear();
        return super::finish(out);
    };
    let file = SafeFile::create(path, &ctx.protected_paths()?)?;
    let mut bar = super::progress::Bar::new(ctx.quiet);
    let (n, file) = write(store, args, file, &mut bar)?;
    file.commit()?;
    bar.clear();
    let what = match args.what {
        ExportKind::Decisions => "records",
        ExportKind::Inventory => "identities",
        ExportKind::AccessReview => match args.style.unwrap_or_default() {
            crate::cli::AccessReviewStyle::Vanta => "identities (access review rows)",
            crate::cli::AccessReviewStyle::Grants => "grants (access review rows)",
        },
        ExportKind::Packet => {
            "identities to decide (fill in verdict, owner, function, justification, remove; read back with 'nhi-review import-decisions')"
        }
    };
    writeln!(
        out,
        "wrote {n} {what} of campaign '{}' to '{}'",
        args.campaign,
        path.display()
    )?;
    super::finish(out)
}
