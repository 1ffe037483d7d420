//! `inventory`: identities with credentials, grants and signals, as a table, CSV or JSON Lines.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::RunContext;
use crate::cli::{InventoryArgs, ListFormat};
use crate::db::prelude::*;
use crate::db::{InventoryFilter, Store};
use crate::model::{IdentityView, Thresholds, Tier};
use crate::output::CsvOut;
use crate::signals::{self, Signal};
use crate::text::{last_used_text, pad};

/// One JSON Lines object: the identity with its signals.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    identity: &'a IdentityView,
    signals: &'a [Signal],
}

const CSV_COLUMNS: &[&str] = &[
    "id",
    "provider",
    "account",
    "native_id",
    "kind",
    "name",
    "owner",
    "status",
    "created_at",
    "last_used_at",
    "third_party",
    "credentials",
    "active_credentials",
    "grants",
    "admin_grants",
    "signals",
    "business_function",
];

fn csv_row(identity: &IdentityView, found: &[Signal]) -> Vec<String> {
    let fmt = |t: Option<DateTime<Utc>>| t.map(nhi_importers::time::format_utc).unwrap_or_default();
    vec![
        identity.short_id.clone(),
        identity.provider.clone(),
        identity.account.clone(),
        identity.native_id.clone(),
        identity.kind.clone(),
        identity.name.clone(),
        identity.owner.clone().unwrap_or_default(),
        identity.status.as_str().into(),
        fmt(identity.created_at),
        fmt(identity.last_used_at),
        identity.third_party.to_string(),
        identity.credentials.len().to_string(),
        identity
            .credentials
            .iter()
            .filter(|c| c.active)
            .count()
            .to_string(),
        identity.grants.len().to_string(),
        identity
            .grants
            .iter()
            .filter(|g| g.tier == Tier::Admin)
            .count()
            .to_string(),
        found
            .iter()
            .map(|s| s.code.name())
            .collect::<Vec<_>>()
            .join(" "),
        identity.business_function.clone().unwrap_or_default(),
    ]
}

/// `inventory`.
pub fn run(
    store: &Store,
    ctx: &RunContext,
    args: &InventoryArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let now = args
        .as_of
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(ctx.now, |n| n.and_utc());
    if args.rotation_days < 1 || args.inactivity_days < 1 {
        anyhow::bail!("--rotation-days and --inactivity-days must be at least 1");
    }
    let thresholds = Thresholds {
        rotation_days: args.rotation_days,
        inactivity_days: args.inactivity_days,
    };
    let filter = InventoryFilter {
        provider: args.provider.clone(),
        kind: args.kind.clone(),
        include_gone: args.include_gone,
    };
    let undone = crate::remediation::not_carried_out_all(store)?;
    let evaluate = |identity: &IdentityView| {
        signals::with_previous(
            signals::evaluate(identity, &thresholds, now),
            undone
                .get(&identity.row_id)
                .map(|n| n.signal())
                .into_iter()
                .collect(),
        )
    };
    match args.format {
        ListFormat::Json => store.for_each_identity(&filter, |identity| {
            let found = evaluate(&identity);
            serde_json::to_writer(
                &mut *out,
                &Line {
                    identity: &identity,
                    signals: &found,
                },
            )?;
            writeln!(out)?;
            Ok(())
        })?,
        ListFormat::Csv => {
            let mut w = CsvOut::new(&mut *out);
            w.row(CSV_COLUMNS)?;
            store.for_each_identity(&filter, |identity| {
                w.row(csv_row(&identity, &evaluate(&identity)))?;
                Ok(())
            })?;
            w.finish()?;
        }
        ListFormat::Table => {
            writeln!(
                out,
                "{:<14} {:<10} {:<18} {:<28} {:<18} {:<10} {:>5} {:>6}  SIGNALS",
                "ID", "PROVIDER", "KIND", "NAME", "OWNER", "LAST USED", "CREDS", "GRANTS"
            )?;
            let mut count = 0u64;
            store.for_each_identity(&filter, |identity| {
                count += 1;
                let badges = evaluate(&identity)
                    .iter()
                    .map(|s| s.code.badge())
                    .collect::<Vec<_>>()
                    .join(" ");
                writeln!(
                    out,
                    // Padded by display width: a wide character (an emoji, CJK) takes two
                    // columns and must not shift the rest of the row.
                    "{:<14} {} {} {} {} {:<10} {:>5} {:>6}  {}",
                    identity.short_id,
                    pad(&identity.provider, 10),
                    pad(&identity.kind, 18),
                    pad(&identity.name, 28),
                    pad(identity.owner.as_deref().unwrap_or("-"), 18),
                    last_used_text(identity.last_used_at, identity.usage_tracked),
                    identity.credentials.len(),
                    identity.grants.len(),
                    badges
                )?;
                Ok(())
            })?;
            writeln!(
                out,
                "{} (signals as of {})",
                crate::text::counted(count, "identity", "identities"),
                now.format("%Y-%m-%d")
            )?;
        }
    }
    super::finish(out)
}
