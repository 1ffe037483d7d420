//! `summary.md`: the campaign in counts — by verdict, provider, risk signal, reviewer and
//! owner — then every override of the suggestion and every identity left unreviewed or
//! undecided, listed by name (never defaulted to a verdict). Streams: the lists were spilled to
//! temporary files as the population went past, and owners are grouped in SQLite.

use std::io::Write;

use anyhow::Result;

use super::lists::Lists;
use super::manifest::Manifest;
use super::tally::{Tallies, VerdictTally, for_each_owner};
use crate::db::prelude::*;
use crate::model::CampaignId;

/// Text for a Markdown table cell: one line, with the characters Markdown would act on escaped.
pub fn md(text: &str) -> String {
    let special = |c: char| matches!(c, '\\' | '|' | '<' | '>' | '*' | '`' | '[' | ']');
    let breaks = |c: char| matches!(c, '\n' | '\r' | '\t');
    // Most texts have nothing to escape: copied whole rather than a character at a time.
    if !text.contains(|c| special(c) || breaks(c)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if special(c) {
            out.push('\\');
            out.push(c);
        } else if breaks(c) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

const TALLY_HEAD: &str = "keep | reduce | revoke | unreviewed | undecided | total |";
const TALLY_RULE: &str = "---:|---:|---:|---:|---:|---:|";

fn tally_cells(t: &VerdictTally) -> String {
    format!(
        "{} | {} | {} | {} | {} | {} |",
        t.keep,
        t.reduce,
        t.revoke,
        t.unreviewed,
        t.undecided,
        t.total()
    )
}

fn header(out: &mut dyn Write, m: &Manifest) -> Result<()> {
    writeln!(out, "# Review evidence: campaign {}\n", md(&m.campaign))?;
    writeln!(
        out,
        "- Period: started {}, closed {}{}",
        m.period.started_at,
        m.period.closed_at,
        m.period
            .due_date
            .as_ref()
            .map(|d| format!(", due {d}"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "- Population: {} identities, sha256 `{}`",
        m.population.size, m.population.hash
    )?;
    writeln!(
        out,
        "- Chain: {} records, head `{}`",
        m.chain.length, m.chain.head
    )?;
    writeln!(
        out,
        "- Thresholds: credentials due for rotation after {} days, inactive after {} days",
        m.thresholds.rotation_days, m.thresholds.inactivity_days
    )?;
    writeln!(
        out,
        "- Signed by: {} with key `{}` (how to check: VERIFY.md)",
        md(&m.signer.identity),
        m.signer.key_fingerprint
    )?;
    writeln!(
        out,
        "- Made: {} by {} {}\n",
        m.created_at, m.tool.name, m.tool.version
    )?;
    Ok(())
}

fn tables(out: &mut dyn Write, t: &Tallies) -> Result<()> {
    writeln!(out, "## Standing verdicts\n")?;
    writeln!(out, "| verdict | identities |\n|---|---:|")?;
    for (label, n) in t.verdicts.labelled() {
        writeln!(out, "| {label} | {n} |")?;
    }
    writeln!(out, "| total | {} |\n", t.members)?;
    writeln!(
        out,
        "No identity is defaulted to a verdict: those nobody decided were recorded *unreviewed* when the campaign closed, and are listed by name at the end.\n"
    )?;
    writeln!(out, "## By provider\n")?;
    writeln!(out, "| provider | {TALLY_HEAD}\n|---|{TALLY_RULE}")?;
    for (provider, tally) in &t.by_provider {
        writeln!(out, "| {} | {}", md(provider), tally_cells(tally))?;
    }
    writeln!(
        out,
        "\n## By risk signal\n\nAs the review stated them: at the start, and again for an identity whose owner a reviewer set or that a reviewer marked unused by design.\n"
    )?;
    writeln!(
        out,
        "An identity with several signals counts under each.\n\n| signal | OWASP NHI | meaning | {TALLY_HEAD}\n|---|---|---|{TALLY_RULE}"
    )?;
    for (code, tally) in &t.by_signal {
        writeln!(
            out,
            "| {} | {} | {} | {}",
            md(code.name()),
            code.owasp(),
            md(code.info().meaning),
            tally_cells(tally)
        )?;
    }
    Ok(())
}

fn groups(out: &mut dyn Write, db: &impl Read, campaign: CampaignId, t: &Tallies) -> Result<()> {
    writeln!(out, "\n## By reviewer of the standing decision\n")?;
    writeln!(
        out,
        "The reviewer of each identity's latest decision record (for *unreviewed*, who closed the campaign).\n\n| reviewer | {TALLY_HEAD}\n|---|{TALLY_RULE}"
    )?;
    for (who, tally) in &t.by_reviewer {
        let who = if who.is_empty() { "(none)" } else { who };
        writeln!(out, "| {} | {}", md(who), tally_cells(tally))?;
    }
    writeln!(out, "\n## By owner in force at close\n")?;
    writeln!(out, "| owner | {TALLY_HEAD}\n|---|{TALLY_RULE}")?;
    for_each_owner(db, campaign, t, |g, t| {
        let who = if g.is_empty() { "(no owner)" } else { g };
        writeln!(out, "| {} | {}", md(who), tally_cells(t))?;
        Ok(())
    })?;
    Ok(())
}

fn lists(out: &mut dyn Write, lists: &mut Lists) -> Result<()> {
    writeln!(
        out,
        "\n## Overrides of the suggestion ({})\n",
        lists.overrides.count
    )?;
    writeln!(
        out,
        "Standing verdicts that are not the one nhi-review suggested from the risk signals, by provider, account and id (# is the place in the review order).\n\n| # | identity | provider | native id | suggested | decided | reviewer | justification |\n|---:|---|---|---|---|---|---|---|"
    )?;
    lists.overrides.copy_md(out)?;
    writeln!(
        out,
        "\n## Unreviewed and undecided identities ({})\n",
        lists.undecided.count
    )?;
    writeln!(
        out,
        "| # | identity | provider | native id | owner | recorded as |\n|---:|---|---|---|---|---|"
    )?;
    lists.undecided.copy_md(out)?;
    Ok(())
}

/// Remediation: this campaign's items by closure; revokes and reduces of earlier campaigns
/// that an import since still shows, among this population; the unused-by-design marks.
fn remediation(
    out: &mut dyn Write,
    db: &impl Read,
    campaign: CampaignId,
    tallies: &Tallies,
) -> Result<()> {
    let info = db.campaign_by_id(campaign)?;
    // The decided items were counted in the population pass, not read again.
    let c = crate::remediation::closure_counts_knowing(db, &info, tallies.decided_items)?;
    writeln!(out, "\n## Remediation\n")?;
    writeln!(
        out,
        "Items of this campaign's revokes and reduces: {} open (no import since the close), {} verified (a later import no longer shows them), {} outstanding (an import after the close still shows them). `nhi-review remediation --campaign {}` writes the commands.",
        c.open,
        c.verified,
        c.outstanding,
        md(&info.name)
    )?;
    let mut earlier: Vec<(u64, String, String, crate::remediation::NotCarriedOut)> = Vec::new();
    for (id, n) in crate::remediation::not_carried_out_all(db)? {
        if n.campaign == info.name {
            continue;
        }
        if let Some(m) = db.member(campaign, id)? {
            let i = db.identity(id)?;
            earlier.push((m.position, i.name, i.native_id, n));
        }
    }
    earlier.sort_by_key(|e| e.0);
    writeln!(
        out,
        "\n### Decided earlier, not carried out ({})\n",
        earlier.len()
    )?;
    if !earlier.is_empty() {
        writeln!(
            out,
            "| identity | native id | campaign | verdict | reviewer | still shown by the import of |\n|---|---|---|---|---|---|"
        )?;
        for (_, name, native, n) in &earlier {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(name),
                md(native),
                md(&n.campaign),
                n.verdict.as_str(),
                md(&n.reviewer),
                md(&n.seen_at)
            )?;
        }
    }
    let unused = db.expected_unused_members(campaign)?;
    writeln!(out, "\n### Unused by design ({})\n", unused.len())?;
    if !unused.is_empty() {
        writeln!(
            out,
            "| identity | native id | why it is expected to be unused |\n|---|---|---|"
        )?;
        for (name, native, why) in &unused {
            writeln!(out, "| {} | {} | {} |", md(name), md(native), md(why))?;
        }
    }
    Ok(())
}

/// Write `summary.md`.
pub fn write(
    out: &mut dyn Write,
    db: &impl Read,
    campaign: CampaignId,
    manifest: &Manifest,
    tallies: &Tallies,
    all: &mut Lists,
) -> Result<()> {
    header(out, manifest)?;
    tables(out, tallies)?;
    groups(out, db, campaign, tallies)?;
    remediation(out, db, campaign, tallies)?;
    lists(out, all)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_stay_one_cell() {
        assert_eq!(md("a|b\nc <x> *y*"), "a\\|b c \\<x\\> \\*y\\*");
        assert_eq!(md("plain, déjà vu"), "plain, déjà vu");
        assert_eq!(md("é[`\\]\t\r"), "é\\[\\`\\\\\\]  ");
    }
}
