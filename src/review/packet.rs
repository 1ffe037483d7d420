//! Spreadsheet packets: a reviewer's (or an owner's) slice of a campaign written out with
//! everything needed to decide offline, and read back row by row under the same rules as the
//! screen. A row is refused, with its line and reason, when it names an unknown identity, one
//! outside the campaign or the packet's slice, a bad verdict or item, when the identity changed
//! since the packet was made, or when a decision was recorded on it since; the good rows are
//! recorded in one transaction, each its own chained record.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::DecisionRequest;
use super::appender::Appender;
use super::context::{MemberContext, snapshot};
use super::decide::{Asked, Recorded, record_one};
use super::rules::RuleError;
use crate::chain::sha256_hex;
use crate::db::prelude::*;
use crate::db::{CampaignInfo, QueueFilter, QueueView, Store};
use crate::model::{DecisionAction, IdentityId, ItemRef, Verdict};

/// Whose identities a packet holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slice {
    /// Every member.
    All,
    /// The members assigned to a reviewer.
    Reviewer(String),
    /// The members with an owner.
    Owner(String),
}

impl Slice {
    /// As written in the packet's `slice` column.
    pub fn text(&self) -> String {
        match self {
            Slice::All => "all".into(),
            Slice::Reviewer(r) => format!("reviewer={r}"),
            Slice::Owner(o) => format!("owner={o}"),
        }
    }

    /// Read the `slice` column back.
    pub fn parse(text: &str) -> Option<Slice> {
        match text.split_once('=') {
            None if text == "all" => Some(Slice::All),
            Some(("reviewer", r)) => Some(Slice::Reviewer(r.to_owned())),
            Some(("owner", o)) => Some(Slice::Owner(o.to_owned())),
            _ => None,
        }
    }

    fn holds(&self, ctx: &MemberContext) -> bool {
        match self {
            Slice::All => true,
            Slice::Reviewer(r) => ctx.member.assignee.as_deref() == Some(r.as_str()),
            Slice::Owner(o) => ctx
                .member
                .owner
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(o)),
        }
    }
}

/// What a packet says of one identity when it is made.
#[derive(Debug, Clone, PartialEq)]
pub struct PacketRow {
    /// The member with its facts and suggestion.
    pub ctx: MemberContext,
    /// Its removable items, numbered from 1 in the packet.
    pub items: Vec<ItemRef>,
    /// A hash of what the reviewer decides on (facts, owner, function): a change since the
    /// packet was made refuses its row.
    pub check: String,
    /// The latest record about the identity when the packet was made (0: none).
    pub last_record: u64,
}

/// The hash a packet row carries, of what its reviewer decides on.
fn check_of(ctx: &MemberContext) -> String {
    let text = format!(
        "{}\nowner {}\nfunction {}",
        snapshot(&ctx.identity),
        ctx.member.owner.as_deref().unwrap_or(""),
        ctx.member.function.as_deref().unwrap_or("")
    );
    sha256_hex(text.as_bytes())[..16].to_owned()
}

/// Every member of a slice (only those with no standing verdict when `undecided`), in review
/// order, with what its row says; streamed to `each`.
pub fn export(
    db: &impl Read,
    campaign: &CampaignInfo,
    slice: &Slice,
    undecided: bool,
    mut each: impl FnMut(PacketRow) -> Result<()>,
) -> Result<u64> {
    if !campaign.is_open() {
        anyhow::bail!(
            "campaign '{}' is closed: a packet is for deciding, and nothing can change now ('nhi-review export decisions --campaign {}' lists what was decided)",
            campaign.name,
            campaign.name
        );
    }
    let view = QueueView {
        assignee: match slice {
            Slice::Reviewer(r) => Some(r.clone()),
            _ => None,
        },
        // The screen's own "undecided" filter: no standing verdict.
        filter: if undecided {
            QueueFilter::Undecided
        } else {
            QueueFilter::All
        },
        ..QueueView::default()
    };
    let page = 500;
    let mut offset = 0;
    let mut n = 0;
    loop {
        let rows = db.queue_window(campaign.id, &view, offset, page)?;
        for r in &rows {
            let Some(ctx) = MemberContext::load(db, campaign, r.identity_id)? else {
                continue;
            };
            if !slice.holds(&ctx) {
                continue;
            }
            let last_record = last_record(db, campaign, r.identity_id)?;
            each(PacketRow {
                items: ctx.identity.removable(),
                check: check_of(&ctx),
                last_record,
                ctx,
            })?;
            n += 1;
        }
        offset += rows.len() as u64;
        if (rows.len() as u64) < page {
            return Ok(n);
        }
    }
}

fn last_record(db: &impl Read, campaign: &CampaignInfo, id: IdentityId) -> Result<u64> {
    Ok(db
        .identity_history(campaign.id, id)?
        .first()
        .map_or(0, |h| h.seq))
}

/// One filled-in row, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledRow {
    /// Row in the spreadsheet (the header is row 1), for the report.
    pub row: u64,
    /// Line in the file where the row starts (cells may hold several lines).
    pub line: u64,
    /// The `campaign` column.
    pub campaign: String,
    /// The `slice` column.
    pub slice: String,
    /// The identity (short or native id).
    pub identity: String,
    /// The `verdict` column (empty: left undecided).
    pub verdict: String,
    /// The `owner` column (an edit sets the owner with the decision).
    pub owner: String,
    /// The `function` column.
    pub function: String,
    /// The `justification` column.
    pub justification: String,
    /// The `remove` column: item numbers, or references one per line.
    pub remove: String,
    /// The `check` column.
    pub check: String,
    /// The `last_record` column.
    pub last_record: String,
}

/// What reading a packet back did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacketReport {
    /// Decisions recorded.
    pub recorded: Vec<Recorded>,
    /// Rows refused: the row, its line, and the reason.
    pub rejected: Vec<(u64, u64, String)>,
    /// Rows left without a verdict.
    pub left_undecided: u64,
}

/// Record the filled-in rows of a packet: every row checked, the good ones recorded in one
/// transaction, each refused one reported with its line and reason.
pub fn import(
    store: &mut Store,
    campaign: &str,
    rows: &[FilledRow],
    reviewer: &str,
    at: DateTime<Utc>,
) -> Result<PacketReport> {
    store.write(|tx| {
        let info = tx.campaign(campaign)?;
        if !info.is_open() {
            return Err(RuleError::Closed {
                campaign: info.name,
            }
            .into());
        }
        let mut chain = Appender::open(tx, info.id)?;
        let mut report = PacketReport::default();
        for row in rows {
            if row.verdict.trim().is_empty() {
                report.left_undecided += 1;
                continue;
            }
            let outcome = request_of(tx, &info, row, reviewer, at).and_then(|(ctx, req)| {
                let asked = Asked::new(&req)?;
                record_one(tx, &mut chain, &info, &ctx, &asked)
            });
            match outcome {
                Ok(done) => report.recorded.push(done),
                // The database failing is not the row's fault: nothing is recorded.
                Err(e) if e.chain().any(|c| c.is::<rusqlite::Error>()) => return Err(e),
                Err(e) => {
                    let e = RuleError::naming_field(e, |field| format!("the '{field}' column"));
                    report.rejected.push((row.row, row.line, format!("{e:#}")));
                }
            }
        }
        Ok(report)
    })
}

/// The decision a row asks for, after the checks only a packet needs.
fn request_of(
    tx: &impl Read,
    campaign: &CampaignInfo,
    row: &FilledRow,
    reviewer: &str,
    at: DateTime<Utc>,
) -> Result<(MemberContext, DecisionRequest)> {
    if row.campaign != campaign.name {
        anyhow::bail!(
            "the row is from campaign '{}', not '{}'",
            row.campaign,
            campaign.name
        );
    }
    let id = tx
        .resolve_identity(&row.identity)
        .map_err(|_| anyhow::anyhow!("unknown identity '{}'", row.identity))?;
    let ctx = MemberContext::load(tx, campaign, id)?.ok_or_else(|| {
        anyhow::anyhow!("'{}' is not in campaign '{}'", row.identity, campaign.name)
    })?;
    let slice = Slice::parse(&row.slice)
        .ok_or_else(|| anyhow::anyhow!("the slice column '{}' was edited", row.slice))?;
    if !slice.holds(&ctx) {
        anyhow::bail!(
            "'{}' is outside the packet's slice ({}) now",
            ctx.identity.name,
            slice.text()
        );
    }
    let verdict = parse_verdict(&row.verdict)?;
    if row.check != check_of(&ctx) {
        anyhow::bail!(
            "'{}' changed since the packet was made (its facts, owner or function): export a new packet",
            ctx.identity.name
        );
    }
    let latest = last_record(tx, campaign, id)?;
    if row.last_record.trim().parse::<u64>().ok() != Some(latest) {
        anyhow::bail!(
            "a decision on '{}' was recorded since the packet was made (record #{latest}): export a new packet",
            ctx.identity.name
        );
    }
    let items = ctx.identity.removable();
    let remove = removals(&row.remove, &items)?;
    let owner = row.owner.trim();
    let owner =
        (!owner.is_empty() && Some(owner) != ctx.member.owner.as_deref()).then(|| owner.to_owned());
    let function = row.function.trim();
    let req = DecisionRequest {
        campaign: campaign.name.clone(),
        identities: vec![ctx.identity.short_id.clone()],
        action: DecisionAction::Decide,
        verdict: Some(verdict),
        remove,
        owner,
        function: (!function.is_empty()).then(|| function.to_owned()),
        justification: row.justification.clone(),
        reviewer: reviewer.to_owned(),
        at,
    };
    Ok((ctx, req))
}

fn parse_verdict(text: &str) -> Result<Verdict> {
    Verdict::parse(&text.trim().to_lowercase())
        .map_err(|_| anyhow::anyhow!("verdict '{}' is none of keep, reduce, revoke", text.trim()))
}

/// The `remove` column: item numbers (`1, 3`) as the packet lists them, or full references one
/// per line.
fn removals(text: &str, items: &[ItemRef]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let numbers = line
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == ' ');
        if !numbers {
            out.push(line.to_owned());
            continue;
        }
        for part in line.split([',', ' ']).filter(|p| !p.is_empty()) {
            let n: usize = part.parse()?;
            let item = n.checked_sub(1).and_then(|i| items.get(i)).ok_or_else(|| {
                anyhow::anyhow!(
                    "item {n} is not in the packet's list (1 to {})",
                    items.len()
                )
            })?;
            out.push(item.reference());
        }
    }
    Ok(out)
}
