//! `--format csv|json` of the listings that began as tables (`sources`, `campaign list`,
//! `campaign verify`, `check`): one row type per listing, the same keys as CSV columns and as
//! JSON Lines fields, times in RFC 3339 UTC with `Z`.

use std::io::Write;

use anyhow::{Result, bail};
use serde_json::{Value, json};

use crate::cli::ListFormat;
use crate::db::Store;
use crate::db::prelude::*;
use crate::output::CsvOut;

/// Keys of `campaign list` rows.
pub const CAMPAIGN_KEYS: &[&str] = &[
    "name",
    "status",
    "started_at",
    "started_by",
    "due_date",
    "closed_at",
    "population_size",
    "decided",
    "keep",
    "reduce",
    "revoke",
    "undecided",
    "unassigned",
    "head_seq",
    "head_hash",
];

/// Keys of the `campaign verify` row.
pub const VERIFY_KEYS: &[&str] = &[
    "campaign",
    "intact",
    "records",
    "members",
    "head_seq",
    "head_hash",
    "findings",
];

/// Keys of `check` rows: one per problem, then one per campaign.
pub const CHECK_KEYS: &[&str] = &[
    "kind",
    "area",
    "problem",
    "campaign",
    "head_seq",
    "head_hash",
];

/// Keys of `sources --format csv` (JSON keeps the nested `tally` object `--json` always had).
pub const SOURCE_CSV_KEYS: &[&str] = &[
    "id",
    "provider",
    "format",
    "name",
    "sha256",
    "size",
    "account",
    "imported_at",
    "records_read",
    "imported",
    "humans_skipped",
    "skipped",
    "rejected",
    "identities",
    "credentials",
    "grants",
    "platform_managed",
    "secrets_dropped",
    "notes",
];

/// Rows with fixed keys, written as CSV (header first) or JSON Lines.
struct Rows<'a> {
    keys: &'static [&'static str],
    format: ListFormat,
    csv: Option<CsvOut<&'a mut dyn Write>>,
    out: Option<&'a mut dyn Write>,
}

impl<'a> Rows<'a> {
    fn new(
        keys: &'static [&'static str],
        format: ListFormat,
        out: &'a mut dyn Write,
    ) -> Result<Self> {
        let mut rows = Rows {
            keys,
            format,
            csv: None,
            out: None,
        };
        if format == ListFormat::Csv {
            let mut csv = CsvOut::new(out);
            csv.row(keys)?;
            rows.csv = Some(csv);
        } else {
            rows.out = Some(out);
        }
        Ok(rows)
    }

    fn row(&mut self, values: Vec<Value>) -> Result<()> {
        debug_assert_eq!(values.len(), self.keys.len());
        if let Some(csv) = &mut self.csv {
            return csv.row(values.iter().map(cell));
        }
        // Written field by field so the keys keep the documented order.
        if let Some(out) = &mut self.out {
            write!(out, "{{")?;
            for (i, (key, value)) in self.keys.iter().zip(&values).enumerate() {
                if i > 0 {
                    write!(out, ",")?;
                }
                serde_json::to_writer(&mut **out, key)?;
                write!(out, ":")?;
                serde_json::to_writer(&mut **out, value)?;
            }
            writeln!(out, "}}")?;
        }
        debug_assert!(self.format != ListFormat::Table);
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if let Some(csv) = self.csv {
            csv.finish()?;
        }
        Ok(())
    }
}

/// A JSON value as one CSV cell: null empty, lists joined with `; `.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

fn time(t: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(nhi_importers::time::format_utc(t))
}

/// `sources --format csv|json`.
pub fn sources(store: &Store, format: ListFormat, out: &mut dyn Write) -> Result<()> {
    if format != ListFormat::Csv {
        return super::import::sources(store, format == ListFormat::Json, out);
    }
    let mut rows = Rows::new(SOURCE_CSV_KEYS, format, out)?;
    for s in store.sources()? {
        let t = &s.tally;
        rows.row(vec![
            json!(s.id),
            json!(s.provider),
            json!(s.format),
            json!(s.name),
            json!(s.sha256),
            json!(s.size),
            json!(s.account),
            json!(s.imported_at),
            json!(t.records_read),
            json!(t.imported),
            json!(t.humans_skipped),
            Value::Array(
                t.skipped
                    .iter()
                    .map(|(why, n)| json!(format!("{why}={n}")))
                    .collect(),
            ),
            json!(t.rejected),
            json!(t.identities),
            json!(t.credentials),
            json!(t.grants),
            json!(t.platform_managed),
            json!(t.secrets_dropped),
            json!(t.notes),
        ])?;
    }
    rows.finish()
}

/// `campaign list --format csv|json`.
pub fn campaigns(store: &Store, format: ListFormat, out: &mut dyn Write) -> Result<()> {
    let mut rows = Rows::new(CAMPAIGN_KEYS, format, out)?;
    for c in store.campaigns()? {
        let head = store.chain_head(c.id)?;
        rows.row(vec![
            json!(c.name),
            json!(c.status.to_string()),
            time(c.started_at),
            json!(c.started_by),
            json!(c.due_date.map(|d| d.to_string())),
            c.closed_at.map(time).unwrap_or(Value::Null),
            json!(c.population_size),
            json!(c.counts.decided()),
            json!(c.counts.keep),
            json!(c.counts.reduce),
            json!(c.counts.revoke),
            json!(c.undecided()),
            json!(store.unassigned_count(c.id)?),
            json!(head.as_ref().map(|(seq, _)| *seq)),
            json!(head.map(|(_, hash)| hash)),
        ])?;
    }
    rows.finish()
}

/// `campaign verify NAME --format csv|json`: one row; exit 1 (after writing it) unless intact.
pub fn verify(store: &Store, name: &str, format: ListFormat, out: &mut dyn Write) -> Result<()> {
    let mut rows = Rows::new(VERIFY_KEYS, format, out)?;
    let (damage, report) = store.damage_while(|s| crate::review::verify(s, name));
    if let Some(damage) = damage? {
        rows.row(vec![
            json!(name),
            json!(false),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            json!([format!("database: damaged ({damage})")]),
        ])?;
        rows.finish()?;
        bail!(
            "the database file is damaged: 'nhi-review check' lists every problem; restore it from a backup"
        );
    }
    let report = report?;
    let intact = report.is_intact();
    rows.row(vec![
        json!(report.campaign),
        json!(intact),
        json!(report.length),
        json!(report.population),
        json!(report.head.as_ref().map(|(seq, _)| *seq)),
        json!(report.head.as_ref().map(|(_, hash)| hash)),
        Value::Array(
            report
                .findings
                .iter()
                .map(|f| json!(f.to_string()))
                .collect(),
        ),
    ])?;
    rows.finish()?;
    if !intact {
        bail!(
            "campaign '{}' does not verify: {} finding(s)",
            report.campaign,
            report.findings.len()
        );
    }
    Ok(())
}

/// `check --format csv|json`: a row per problem (`kind` = `problem`), then per campaign
/// (`kind` = `campaign`, with its head when intact); exit 1 (after writing them) on any problem.
pub fn check(store: &Store, format: ListFormat, out: &mut dyn Write) -> Result<()> {
    let health = crate::review::health::check(store)?;
    let mut rows = Rows::new(CHECK_KEYS, format, out)?;
    for p in &health.problems {
        rows.row(vec![
            json!("problem"),
            json!(p.area),
            json!(p.message),
            Value::Null,
            Value::Null,
            Value::Null,
        ])?;
    }
    for (name, head) in &health.campaigns {
        rows.row(vec![
            json!("campaign"),
            Value::Null,
            Value::Null,
            json!(name),
            json!(head.as_ref().map(|(seq, _)| *seq)),
            json!(head.as_ref().map(|(_, hash)| hash)),
        ])?;
    }
    rows.finish()?;
    if !health.problems.is_empty() {
        bail!(
            "the database has {} problem(s): restore it from a backup; the evidence bundles hold every campaign's chain",
            health.problems.len()
        );
    }
    Ok(())
}
