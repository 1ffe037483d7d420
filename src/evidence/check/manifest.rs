//! The manifest against the files: its format and namespace, and everything it states of the
//! chain — head and length, the start record's population, thresholds and period, the close
//! record's counts, the records by kind — and the hashes it recorded of the files written
//! before it. A disagreement says which file was edited, when `SHA256SUMS` tells.

use super::BundleReport;
use super::chain::ChainFacts;
use super::files::FileState;
use crate::evidence::files::{DECISIONS_JSONL, MANIFEST};
use crate::evidence::manifest::{Counts, Manifest};
use crate::evidence::{FORMAT, FORMAT_VERSION, NAMESPACE};

/// What the manifest must say whatever the files: its format, version and namespace.
pub fn check_fixed(report: &mut BundleReport, m: &Manifest) {
    if m.format != FORMAT || m.format_version != FORMAT_VERSION {
        report.fail(
            "manifest",
            format!(
                "manifest.json is format '{}' version {}, not '{FORMAT}' version {FORMAT_VERSION}: this nhi-review cannot vouch for it",
                m.format, m.format_version
            ),
        );
    }
    if m.namespace != NAMESPACE {
        report.fail(
            "manifest",
            format!(
                "manifest.json names namespace '{}', not '{NAMESPACE}'",
                m.namespace
            ),
        );
    }
}

/// Who to blame for a disagreement between the manifest and decisions.jsonl.
fn edited(state: &FileState) -> &'static str {
    match (
        state.is_changed(MANIFEST),
        state.is_changed(DECISIONS_JSONL),
    ) {
        (true, false) => "the manifest was edited",
        (false, true) => "decisions.jsonl was edited",
        (true, true) => "both were edited",
        (false, false) => "the bundle disagrees with itself",
    }
}

fn counts_text(c: &Counts) -> String {
    format!(
        "{} decision records, {} owner changes, {} function changes; keep {}, reduce {}, revoke {}, unreviewed {}",
        c.decision_records,
        c.owner_changes,
        c.function_changes,
        c.keep,
        c.reduce,
        c.revoke,
        c.unreviewed
    )
}

/// Everything the manifest states of the chain, against the chain.
pub fn check_against_chain(
    report: &mut BundleReport,
    m: &Manifest,
    f: &ChainFacts,
    state: &FileState,
) {
    let blame = edited(state);
    let jsonl_explained = state.is_changed(DECISIONS_JSONL) && !state.is_changed(MANIFEST);
    if (m.chain.length, m.chain.head.as_str()) != (f.length, f.head.as_str()) && !jsonl_explained {
        report.fail(
            "manifest",
            format!(
                "the manifest says the chain has {} records with head {}…, but decisions.jsonl has {} records ending in {}…: {blame}",
                m.chain.length,
                &m.chain.head[..m.chain.head.len().min(16)],
                f.length,
                &f.head[..f.head.len().min(16)]
            ),
        );
    }
    check_start(report, m, f, blame);
    check_counts(report, m, f, blame);
    for (name, entry) in &m.files {
        if let Some(listed) = state.listed_hash(name)
            && listed != entry.sha256
            && !state.is_changed(name)
        {
            report.fail(
                "manifest",
                format!("the manifest recorded another sha256 for '{name}' than SHA256SUMS lists: the bundle disagrees with itself"),
            );
        }
    }
    if !report.failed("manifest") {
        report.checked.push(format!(
            "manifest: campaign '{}', its period, thresholds, population hash and size, chain head and length, and counts ({}) are what the records say",
            m.campaign,
            counts_text(&m.counts)
        ));
    }
}

/// What the manifest says of the start and the close against those records.
fn check_start(report: &mut BundleReport, m: &Manifest, f: &ChainFacts, blame: &str) {
    let s = &f.start;
    let mut differs = |what: &str, stated: String, chained: String| {
        if stated != chained {
            report.fail(
                "manifest",
                format!(
                    "the manifest's {what} is '{stated}' but the chain says '{chained}': {blame}"
                ),
            );
        }
    };
    differs(
        "population hash",
        m.population.hash.clone(),
        s.population_hash.clone(),
    );
    differs(
        "population size",
        m.population.size.to_string(),
        s.population_size.to_string(),
    );
    differs("start", m.period.started_at.clone(), s.at.clone());
    differs(
        "due date",
        m.period.due_date.clone().unwrap_or_default(),
        s.due_date.clone(),
    );
    differs(
        "rotation threshold",
        m.thresholds.rotation_days.to_string(),
        s.rotation_days.to_string(),
    );
    differs(
        "inactivity threshold",
        m.thresholds.inactivity_days.to_string(),
        s.inactivity_days.to_string(),
    );
    differs("scope", m.scope.clone(), s.scope.clone());
    if let Some((_, close)) = &f.close {
        differs("close", m.period.closed_at.clone(), close.at.clone());
    }
}

/// The manifest's counts against the records by kind and the close record.
fn check_counts(report: &mut BundleReport, m: &Manifest, f: &ChainFacts, blame: &str) {
    let mut chained = f.counts.clone();
    match &f.close {
        Some((_, close)) => {
            chained.keep = close.keep;
            chained.reduce = close.reduce;
            chained.revoke = close.revoke;
            chained.unreviewed = close.unreviewed;
        }
        None => report.fail(
            "chain",
            "decisions.jsonl has no close record: evidence is only ever signed for a closed campaign".into(),
        ),
    }
    chained.overrides = m.counts.overrides;
    if chained != m.counts {
        report.fail(
            "manifest",
            format!(
                "the manifest counts {}, but the chain has {}: {blame}",
                counts_text(&m.counts),
                counts_text(&chained)
            ),
        );
    }
}
