//! `export access-review`: a campaign as GRC tools take an access review. `--style vanta` has
//! one row per identity with the columns of Vanta's access review upload; `--style grants` one
//! row per grant, for an auditor to sample from.

use std::io::Write;

use anyhow::Result;

use crate::cli::{AccessReviewStyle, ExportArgs};
use crate::db::prelude::*;
use crate::db::{QueueRow, QueueView, Store};
use crate::model::{GrantView, IdentityView, ItemRef, Verdict};
use crate::output::CsvOut;
use crate::progress::Ticker;

/// Columns of `--style vanta`: the fields of Vanta's access file template (help.vanta.com,
/// "Access File Uploader"), spelled as there.
pub const VANTA_COLUMNS: &[&str] = &[
    "Account name",
    "Account owner",
    "Role",
    "Status",
    "Access Appropriate",
    "Date created (UTC)",
    "Date deactivated (UTC)",
];

/// Columns of `--style grants`.
pub const GRANT_COLUMNS: &[&str] = &[
    "campaign",
    "identity_id",
    "provider",
    "account",
    "native_id",
    "name",
    "owner",
    "permission",
    "resource",
    "tier",
    "via",
    "condition",
    "verdict",
    "removed",
];

/// The owner Vanta accepts for an account no person owns.
pub const NOT_A_PERSON: &str = "Not a person";

/// A date as Vanta's template takes it: `YYYY-MM-DD`, in UTC.
fn date(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The identity's role: the names of its grants of the highest tier it holds now.
fn role(identity: &IdentityView) -> String {
    let held: Vec<&GrantView> = identity
        .grants
        .iter()
        .filter(|g| g.gone_at.is_none())
        .collect();
    let Some(top) = held.iter().map(|g| g.tier).max() else {
        return String::new();
    };
    let mut names: Vec<&str> = held
        .iter()
        .filter(|g| g.tier == top)
        .map(|g| g.permission.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    // Vanta's template separates several roles with commas.
    names.join(", ")
}

/// Vanta's two statuses: an identity gone from its export or disabled is `Deactivated`; one
/// that is there (active, or of a status the export does not tell) is `Active`.
fn status(identity: &IdentityView) -> &'static str {
    if identity.gone_at.is_some() || identity.status == crate::model::Status::Disabled {
        "Deactivated"
    } else {
        "Active"
    }
}

fn appropriate(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Keep) => "Yes",
        Some(Verdict::Reduce | Verdict::Revoke) => "No",
        None => "",
    }
}

/// Every member of the campaign in review order, with its identity.
fn for_each_member(
    store: &Store,
    campaign: &str,
    mut f: impl FnMut(&QueueRow, &IdentityView) -> Result<()>,
) -> Result<(crate::db::CampaignInfo, usize)> {
    let info = store.campaign(campaign)?;
    let mut n = 0u64;
    let page = 500;
    loop {
        let rows = store.queue_window(info.id, &QueueView::default(), n, page)?;
        for r in &rows {
            f(r, &store.identity(r.identity_id)?)?;
        }
        n += rows.len() as u64;
        if (rows.len() as u64) < page {
            break;
        }
    }
    Ok((info, n as usize))
}

fn vanta<W: Write>(
    store: &Store,
    campaign: &str,
    w: &mut CsvOut<W>,
    rows: &mut Ticker,
) -> Result<usize> {
    w.row(VANTA_COLUMNS)?;
    let (_, n) = for_each_member(store, campaign, |r, identity| {
        rows.step();
        w.row([
            identity.name.clone(),
            r.owner
                .clone()
                .filter(|o| !o.is_empty())
                .unwrap_or_else(|| NOT_A_PERSON.to_owned()),
            role(identity),
            status(identity).to_owned(),
            appropriate(r.verdict).to_owned(),
            date(identity.created_at),
            date(identity.gone_at),
        ])
    })?;
    Ok(n)
}

fn grants<W: Write>(
    store: &Store,
    campaign: &str,
    w: &mut CsvOut<W>,
    ticker: &mut Ticker,
) -> Result<usize> {
    w.row(GRANT_COLUMNS)?;
    let info = store.campaign(campaign)?;
    let mut rows = 0;
    for_each_member(store, campaign, |r, identity| {
        let removed: Vec<ItemRef> = match r.verdict {
            Some(Verdict::Reduce) => store
                .standing_in(info.id, r.identity_id)?
                .and_then(|s| s.decision)
                .map(|d| d.removed)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for g in &identity.grants {
            let item = g.item();
            let is_removed = r.verdict == Some(Verdict::Revoke) || removed.contains(&item);
            // Grants already gone are listed only when this decision removed them.
            if g.gone_at.is_some() && !is_removed {
                continue;
            }
            w.row([
                campaign,
                &r.short_id,
                &identity.provider,
                &identity.account,
                &identity.native_id,
                &identity.name,
                r.owner.as_deref().unwrap_or_default(),
                &g.permission,
                &g.resource,
                g.tier.as_str(),
                &g.via,
                &g.condition,
                r.verdict.map(|v| v.as_str()).unwrap_or_default(),
                if is_removed { "yes" } else { "no" },
            ])?;
            ticker.step();
            rows += 1;
        }
        Ok(())
    })?;
    Ok(rows)
}

/// Write the access review; the number of rows written.
pub fn export<W: Write>(
    store: &Store,
    args: &ExportArgs,
    w: &mut CsvOut<W>,
    rows: &mut Ticker,
) -> Result<usize> {
    match args.style.unwrap_or_default() {
        AccessReviewStyle::Vanta => vanta(store, &args.campaign, w, rows),
        AccessReviewStyle::Grants => grants(store, &args.campaign, w, rows),
    }
}
