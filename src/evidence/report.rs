//! `report.html`: one self-contained page for people — the summary with a chart of the
//! standing verdicts and one of risk signals by provider, drawn as inline SVG. No script, no
//! font, no image fetched from anywhere (a Content-Security-Policy says so to the browser).
//! Long lists stop after [`HTML_AT_MOST`] rows and point to `summary.md`, which has them all.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use super::lists::{HTML_AT_MOST, List, Lists};
use super::manifest::Manifest;
use super::tally::{Tallies, VerdictTally};
use crate::db::prelude::*;
use crate::model::CampaignId;
use crate::signals::{SIGNALS, SignalCode};

/// Text for HTML: every character HTML would act on, escaped.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}
code{font-size:.85rem;word-break:break-all}.note{color:#555}svg text{font-size:12px;fill:#1b1b1b}";

const VERDICT_COLOURS: [&str; 5] = ["#2e7d32", "#f9a825", "#c62828", "#757575", "#bdbdbd"];

const SIGNAL_COLOURS: [&str; 14] = [
    "#d62728", "#ff7f0e", "#bcbd22", "#8c564b", "#2ca02c", "#17becf", "#1f77b4", "#9467bd",
    "#e377c2", "#7f7f7f", "#393b79", "#637939", "#ad494a", "#a55194",
];

fn signal_colour(code: SignalCode) -> &'static str {
    let i = SIGNALS.iter().position(|s| s.code == code).unwrap_or(0);
    SIGNAL_COLOURS[i % SIGNAL_COLOURS.len()]
}

/// Horizontal bars: one per label, scaled to the largest.
fn verdict_chart(out: &mut dyn Write, t: &VerdictTally) -> Result<()> {
    let bars = t.labelled();
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (left, width, row) = (110u64, 520u64, 26u64);
    let height = row * bars.len() as u64 + 10;
    writeln!(
        out,
        "<svg role=\"img\" aria-label=\"Standing verdicts\" width=\"{}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        left + width + 80
    )?;
    for (i, ((label, n), colour)) in bars.iter().zip(VERDICT_COLOURS).enumerate() {
        let y = i as u64 * row + 5;
        let w = n * width / max;
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text><rect x=\"{left}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{colour}\"><title>{label}: {n}</title></rect><text x=\"{}\" y=\"{}\">{n}</text>",
            left - 8,
            y + 15,
            row - 8,
            left + w + 6,
            y + 15
        )?;
    }
    writeln!(out, "</svg>")?;
    Ok(())
}

/// One stacked bar per provider, a segment per signal.
fn signal_chart(
    out: &mut dyn Write,
    by: &BTreeMap<String, BTreeMap<SignalCode, u64>>,
) -> Result<()> {
    let max = by
        .values()
        .map(|m| m.values().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (left, width, row) = (110u64, 560u64, 26u64);
    let used: std::collections::BTreeSet<SignalCode> =
        by.values().flat_map(|m| m.keys().copied()).collect();
    let legend_rows = used.len().div_ceil(3) as u64;
    let height = row * by.len() as u64 + 20 + legend_rows * 18;
    writeln!(
        out,
        "<svg role=\"img\" aria-label=\"Risk signals by provider\" width=\"{}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        left + width + 80
    )?;
    for (i, (provider, signals)) in by.iter().enumerate() {
        let y = i as u64 * row + 5;
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8,
            y + 15,
            esc(provider)
        )?;
        let mut x = left;
        for (code, n) in signals {
            let w = n * width / max;
            writeln!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"><title>{}: {} {n}</title></rect>",
                row - 8,
                signal_colour(*code),
                esc(provider),
                code.name()
            )?;
            x += w;
        }
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            x + 6,
            y + 15,
            signals.values().sum::<u64>()
        )?;
    }
    let top = row * by.len() as u64 + 12;
    for (i, code) in used.iter().enumerate() {
        let (col, line) = ((i % 3) as u64, (i / 3) as u64);
        let (x, y) = (left + col * 200, top + line * 18);
        writeln!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            signal_colour(*code),
            x + 16,
            y + 11,
            code.name()
        )?;
    }
    writeln!(out, "</svg>")?;
    Ok(())
}

fn tally_row(out: &mut dyn Write, label: &str, t: &VerdictTally) -> Result<()> {
    write!(out, "<tr><td>{}</td>", esc(label))?;
    for (_, n) in t.labelled() {
        write!(out, "<td class=\"n\">{n}</td>")?;
    }
    writeln!(out, "<td class=\"n\">{}</td></tr>", t.total())?;
    Ok(())
}

fn tally_head(out: &mut dyn Write, first: &str) -> Result<()> {
    writeln!(
        out,
        "<table><tr><th>{first}</th><th class=\"n\">keep</th><th class=\"n\">reduce</th><th class=\"n\">revoke</th><th class=\"n\">unreviewed</th><th class=\"n\">undecided</th><th class=\"n\">total</th></tr>"
    )?;
    Ok(())
}

fn header(out: &mut dyn Write, m: &Manifest) -> Result<()> {
    writeln!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>Review evidence: {0}</title><style>{STYLE}</style></head><body>\n<h1>Review evidence: campaign {0}</h1>",
        esc(&m.campaign)
    )?;
    writeln!(
        out,
        "<dl><dt>Period</dt><dd>started {}, closed {}{}</dd><dt>Population</dt><dd>{} identities, sha256 <code>{}</code></dd><dt>Chain</dt><dd>{} records, head <code>{}</code></dd><dt>Thresholds</dt><dd>rotation {} days, inactivity {} days</dd><dt>Signed by</dt><dd>{} with key <code>{}</code></dd><dt>Made</dt><dd>{} by {} {}</dd></dl>",
        esc(&m.period.started_at),
        esc(&m.period.closed_at),
        m.period
            .due_date
            .as_ref()
            .map(|d| format!(", due {}", esc(d)))
            .unwrap_or_default(),
        m.population.size,
        esc(&m.population.hash),
        m.chain.length,
        esc(&m.chain.head),
        m.thresholds.rotation_days,
        m.thresholds.inactivity_days,
        esc(&m.signer.identity),
        esc(&m.signer.key_fingerprint),
        esc(&m.created_at),
        esc(&m.tool.name),
        esc(&m.tool.version)
    )?;
    writeln!(
        out,
        "<p class=\"note\">This page is for reading. What proves the review is the signed <code>SHA256SUMS</code> over every file of this folder: see <code>VERIFY.md</code>.</p>"
    )?;
    Ok(())
}

fn counts(out: &mut dyn Write, t: &Tallies) -> Result<()> {
    writeln!(out, "<h2>Standing verdicts</h2>")?;
    verdict_chart(out, &t.verdicts)?;
    writeln!(
        out,
        "<p class=\"note\">No identity is defaulted to a verdict: those nobody decided were recorded unreviewed at close.</p>"
    )?;
    tally_head(out, "provider")?;
    for (provider, tally) in &t.by_provider {
        tally_row(out, provider, tally)?;
    }
    tally_row(out, "all", &t.verdicts)?;
    writeln!(
        out,
        "</table>\n<h2>Risk signals by provider</h2>\n<p class=\"note\">Each bar counts the identities of one provider carrying each signal as the review stated it: at the start, and again for an identity whose owner a reviewer set or that a reviewer marked unused by design; an identity with several signals counts under each.</p>"
    )?;
    signal_chart(out, &t.signals_by_provider)?;
    tally_head(out, "signal")?;
    for (code, tally) in &t.by_signal {
        tally_row(out, &format!("{} ({})", code.name(), code.owasp()), tally)?;
    }
    writeln!(out, "</table>")?;
    Ok(())
}

fn people(out: &mut dyn Write, db: &impl Read, campaign: CampaignId, t: &Tallies) -> Result<()> {
    writeln!(out, "<h2>By reviewer of the standing decision</h2>")?;
    tally_head(out, "reviewer")?;
    for (who, tally) in &t.by_reviewer {
        tally_row(out, if who.is_empty() { "(none)" } else { who }, tally)?;
    }
    writeln!(out, "</table>\n<h2>By owner in force at close</h2>")?;
    tally_head(out, "owner")?;
    let mut shown = 0usize;
    super::tally::for_each_owner(db, campaign, t, |g, tally| {
        shown += 1;
        if shown <= HTML_AT_MOST {
            tally_row(out, if g.is_empty() { "(no owner)" } else { g }, tally)?;
        }
        Ok(())
    })?;
    writeln!(out, "</table>")?;
    if shown > HTML_AT_MOST {
        writeln!(
            out,
            "<p class=\"note\">{} more owners in summary.md.</p>",
            shown - HTML_AT_MOST
        )?;
    }
    Ok(())
}

fn list(out: &mut dyn Write, title: &str, head: &str, list: &List) -> Result<()> {
    writeln!(
        out,
        "<h2>{title} ({})</h2>\n<table><tr>{head}</tr>",
        list.count
    )?;
    for row in &list.html {
        writeln!(out, "{row}")?;
    }
    writeln!(out, "</table>")?;
    if list.count > list.html.len() as u64 {
        writeln!(
            out,
            "<p class=\"note\">The first {} of {}; summary.md lists them all.</p>",
            list.html.len(),
            list.count
        )?;
    }
    Ok(())
}

/// Write `report.html`.
pub fn write(
    out: &mut dyn Write,
    db: &impl Read,
    campaign: CampaignId,
    manifest: &Manifest,
    tallies: &Tallies,
    all: &Lists,
) -> Result<()> {
    header(out, manifest)?;
    counts(out, tallies)?;
    people(out, db, campaign, tallies)?;
    list(
        out,
        "Overrides of the suggestion",
        "<th class=\"n\">#</th><th>identity</th><th>provider</th><th>suggested</th><th>decided</th><th>reviewer</th><th>justification</th>",
        &all.overrides,
    )?;
    list(
        out,
        "Unreviewed and undecided identities",
        "<th class=\"n\">#</th><th>identity</th><th>provider</th><th>owner</th><th>recorded as</th>",
        &all.undecided,
    )?;
    writeln!(out, "</body></html>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
