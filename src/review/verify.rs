//! `campaign verify`: the chain, and everything derived from it. The chain must link and hash;
//! its start record must agree with the campaign and with the population as stored; its close
//! record with the campaign's status; and every cache (standing verdicts, owners and functions
//! in force, counts) must be what the chain says. Each kind of tampering has its own finding.
//! Streams: memory does not grow with the chain.
//!
//! What no check inside the database alone can see — the last records cut off together with
//! their caches, a forged record appended with a correct hash, a chain recomputed from scratch
//! — is caught by comparing the chain with every signed checkpoint stored when evidence was
//! signed (each named: cut tail, forged append, full recompute).

use anyhow::Result;
use rusqlite::params;
use serde::Serialize;

use crate::chain::verify::{ChainSummary, Verifier};
use crate::chain::{Record, RecordKind};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, RecordRow, VerdictCounts};
use crate::model::{CampaignStatus, Verdict};

/// One problem found, with the check that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check: `chain`, `columns`, `start`, `population`, `status`, `verdicts`, `owners`,
    /// `functions`, `expectations`, `assignments`, `second reviews`, `counts`, `close`, `members`,
    /// `checkpoint`.
    pub check: &'static str,
    /// What is wrong, and what it means.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.check, self.message)
    }
}

/// What `campaign verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Campaign name.
    pub campaign: String,
    /// Records read.
    pub length: u64,
    /// The head: the last record's seq and hash, when the chain verified.
    pub head: Option<(u64, String)>,
    /// Members of the population.
    pub population: u64,
    /// Signed checkpoints compared with.
    pub checkpoints: u64,
    /// Problems; empty when everything holds.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether everything holds.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The checks, in the order run, for people.
pub const CHECKS: &[&str] = &[
    "every record hashes to its row and links to the one before, numbered from 1",
    "each record names this campaign, and records come in order: start first, close last",
    "the columns beside each record agree with it",
    "the start record agrees with the campaign (population hash and size, due date, thresholds)",
    "the population as stored hashes to the start record's population hash",
    "the campaign's status agrees with its close record",
    "every standing verdict, owner, business function, expected-unused mark, assigned reviewer and second review is what the chain says",
    "the verdict counts (and the close record's) are what the chain says",
    "every signed checkpoint (stored when evidence was signed) verifies, and the chain still ends in the head it signed: nothing cut off, appended or recomputed",
];

/// At most this many findings of one check are listed one by one.
const LIST_AT_MOST: usize = 5;

fn finding(check: &'static str, message: String) -> Finding {
    Finding { check, message }
}

/// Verify a campaign.
pub fn verify(db: &impl Read, name: &str) -> Result<VerifyReport> {
    let campaign = db.campaign(name)?;
    let mut findings = Vec::new();
    let (summary, length) = walk_chain(db, &campaign, &mut findings)?;
    let (hash, population) = db.population_hash(campaign.id)?;
    if let Some(summary) = &summary {
        check_start(&campaign, summary, &mut findings);
        check_population(summary, &hash, population, &mut findings);
        check_status(&campaign, summary, &mut findings);
    }
    let derived = check_caches(db, &campaign, &mut findings)?;
    check_counts(db, &campaign, &derived, summary.as_ref(), &mut findings)?;
    let intact = !findings.iter().any(|f| f.check == "chain");
    let checkpoints = check_checkpoints(db, &campaign, length, intact, &mut findings)?;
    Ok(VerifyReport {
        campaign: campaign.name,
        length,
        head: summary.map(|s| (s.length, s.head)),
        population,
        checkpoints,
        findings,
    })
}

/// The chain, link by link, and the columns beside each record.
fn walk_chain(
    db: &impl Read,
    campaign: &CampaignInfo,
    findings: &mut Vec<Finding>,
) -> Result<(Option<ChainSummary>, u64)> {
    let mut verifier = Verifier::new(&campaign.name);
    let mut broken = false;
    let mut column_problems = 0usize;
    let mut length = 0;
    db.for_each_record(campaign.id, |row| {
        length += 1;
        if broken {
            return Ok(());
        }
        match verifier.push(&row.link) {
            Ok(record) => {
                if let Some(why) = columns_disagree(&row, &record) {
                    column_problems += 1;
                    if column_problems <= LIST_AT_MOST {
                        findings.push(finding(
                            "columns",
                            format!(
                                "record #{}: its {why} column disagrees with the hashed record: the row was edited",
                                row.link.seq
                            ),
                        ));
                    }
                }
            }
            Err(e) => {
                findings.push(finding("chain", e.to_string()));
                broken = true;
            }
        }
        Ok(())
    })?;
    if broken {
        return Ok((None, length));
    }
    match verifier.finish() {
        Ok(summary) => Ok((Some(summary), length)),
        Err(e) => {
            findings.push(finding("chain", e.to_string()));
            Ok((None, length))
        }
    }
}

/// Which column of a stored record disagrees with the record it stores, if any.
fn columns_disagree(row: &RecordRow, record: &Record) -> Option<&'static str> {
    if RecordKind::parse(&row.kind) != Some(record.kind()) {
        return Some("kind");
    }
    let named = record.identity().map(|i| {
        (
            i.provider.to_owned(),
            i.account.to_owned(),
            i.native_id.to_owned(),
        )
    });
    if row.identity != named {
        return Some("identity");
    }
    let decision = record
        .decision()
        .map(|(a, v)| (a.to_owned(), (!v.is_empty()).then(|| v.to_owned())));
    if (row.action.clone(), row.verdict.clone())
        != decision.map_or((None, None), |(a, v)| (Some(a), v))
    {
        return Some("action or verdict");
    }
    let in_force = record.in_force().map(|(o, f)| (o.to_owned(), f.to_owned()));
    if (row.owner.clone(), row.business_function.clone())
        != in_force.map_or((None, None), |(o, f)| (Some(o), Some(f)))
    {
        return Some("owner or business function");
    }
    if row.reviewer != record.reviewer() {
        return Some("reviewer");
    }
    if row.at != record.at() {
        return Some("time");
    }
    None
}

fn check_start(campaign: &CampaignInfo, s: &ChainSummary, findings: &mut Vec<Finding>) {
    let start = &s.start;
    let mut differs = |what: &str, stored: String, chained: String| {
        if stored != chained {
            findings.push(finding(
                "start",
                format!(
                    "the campaign's {what} is '{stored}' but its start record says '{chained}': the campaign row was edited"
                ),
            ));
        }
    };
    differs(
        "population hash",
        campaign.population_hash.clone(),
        start.population_hash.clone(),
    );
    differs(
        "population size",
        campaign.population_size.to_string(),
        start.population_size.to_string(),
    );
    differs(
        "due date",
        campaign.due_date.map(|d| d.to_string()).unwrap_or_default(),
        start.due_date.clone(),
    );
    differs(
        "rotation threshold",
        campaign.thresholds.rotation_days.to_string(),
        start.rotation_days.to_string(),
    );
    differs(
        "inactivity threshold",
        campaign.thresholds.inactivity_days.to_string(),
        start.inactivity_days.to_string(),
    );
    differs(
        "start time",
        crate::db::ts(campaign.started_at),
        start.at.clone(),
    );
    differs("scope", campaign.scope.clone(), start.scope.clone());
    differs(
        "default reviewer",
        campaign.default_reviewer.clone(),
        start.default_reviewer.clone(),
    );
    differs(
        "second review",
        campaign.second_review.clone(),
        start.second_review.clone(),
    );
    differs(
        "independence",
        u64::from(campaign.independent).to_string(),
        start.independent.to_string(),
    );
}

fn check_population(s: &ChainSummary, hash: &str, size: u64, findings: &mut Vec<Finding>) {
    if size != s.start.population_size {
        findings.push(finding(
            "population",
            format!(
                "the population has {size} members but the start record froze {}: members were deleted or added",
                s.start.population_size
            ),
        ));
    } else if hash != s.start.population_hash {
        findings.push(finding(
            "population",
            "the members as stored (their owner, function or facts at start) do not hash to the start record's population hash: a member was edited".into(),
        ));
    }
}

fn check_status(campaign: &CampaignInfo, s: &ChainSummary, findings: &mut Vec<Finding>) {
    match (&s.close, campaign.status) {
        (Some((seq, _)), CampaignStatus::Open) => findings.push(finding(
            "status",
            format!("the campaign is marked open, but record #{seq} closed it: it was re-opened outside the chain"),
        )),
        (None, CampaignStatus::Closed) => findings.push(finding(
            "status",
            "the campaign is marked closed, but its chain has no close record".into(),
        )),
        (Some((seq, close)), CampaignStatus::Closed)
            if campaign.closed_at.map(crate::db::ts).as_deref() != Some(close.at.as_str()) =>
        {
            findings.push(finding(
                "status",
                format!("the campaign's closing time differs from record #{seq}'s"),
            ))
        }
        _ => {}
    }
}

/// What the chain says stands, counted.
#[derive(Debug, Default)]
struct Derived {
    counts: VerdictCounts,
    unreviewed: u64,
}

/// Each member's caches beside what its latest records say (columns 0–21).
fn caches_sql() -> String {
    let latest = |what: &str, filter: &str| {
        format!(
            "(SELECT r.{what} FROM record r WHERE r.campaign_id = ci.campaign_id AND r.identity_id = ci.identity_id
              AND {filter} ORDER BY r.seq DESC LIMIT 1)"
        )
    };
    format!(
        "SELECT i.name, ci.verdict, ci.owner, ci.business_function, ci.owner_at_start, ci.function_at_start,
                ci.action, {}, {}, {}, {}, {}, ci.expected_unused, ci.expected_unused_at_start, {},
                ci.assignee, {}, ci.second_review, ci.confirmed_by, {}, {}, c.default_reviewer
         FROM campaign_identity ci JOIN identity i ON i.id = ci.identity_id
         JOIN campaign c ON c.id = ci.campaign_id WHERE ci.campaign_id = ?1",
        latest("verdict", "r.kind IN ('decision', 'legacy')"),
        latest("action", "r.kind IN ('decision', 'legacy')"),
        latest("owner", "r.owner IS NOT NULL"),
        latest("business_function", "r.business_function IS NOT NULL"),
        latest("seq", "r.kind IN ('decision', 'legacy')"),
        latest("expected_unused", "r.kind = 'expected_unused'"),
        latest("assignee", "r.kind = 'assign'"),
        latest(
            "record",
            "r.kind = 'decision'",
        )
        .replace("SELECT r.record", "SELECT json_extract(r.record, '$.second_review')"),
        latest(
            "reviewer",
            "r.kind = 'confirm' AND r.seq > COALESCE((SELECT MAX(d.seq) FROM record d
               WHERE d.campaign_id = ci.campaign_id AND d.identity_id = ci.identity_id
                 AND d.kind IN ('decision', 'legacy')), 0)",
        ),
    )
}

/// Every member's caches against the chain, one query over the members.
fn check_caches(
    db: &impl Read,
    campaign: &CampaignInfo,
    findings: &mut Vec<Finding>,
) -> Result<Derived> {
    let conn = db.conn();
    let mut stmt = conn.prepare(&caches_sql())?;
    let mut rows = stmt.query(params![campaign.id])?;
    let mut derived = Derived::default();
    let mut seen = [0usize; 6];
    let mut report = |slot: usize, check: &'static str, message: String| {
        seen[slot] += 1;
        if seen[slot] <= LIST_AT_MOST {
            findings.push(finding(check, message));
        }
    };
    let none_if_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    while let Some(r) = rows.next()? {
        let name: String = r.get(0)?;
        let cached: Option<Verdict> = r.get(1)?;
        let chained: Option<Verdict> = r.get(7)?;
        let action: Option<String> = r.get(8)?;
        if let Some(v) = chained {
            derived.counts.add(v);
        }
        if action.as_deref() == Some("unreviewed") {
            derived.unreviewed += 1;
        }
        if cached != chained {
            let seq: Option<u64> = r.get(11)?;
            report(
                0,
                "verdicts",
                format!(
                    "'{name}' shows {} but its chain says {}{}: a standing verdict was changed outside the chain",
                    cached.map_or("undecided", Verdict::as_str),
                    chained.map_or("undecided", Verdict::as_str),
                    seq.map(|s| format!(" (record #{s})")).unwrap_or_default()
                ),
            );
        }
        let owner = none_if_empty(r.get::<_, Option<String>>(9)?.or(r.get(4)?));
        if none_if_empty(r.get(2)?) != owner {
            report(
                1,
                "owners",
                format!(
                    "'{name}''s owner in force is not the one its chain recorded: it was changed outside the chain"
                ),
            );
        }
        let function = none_if_empty(r.get::<_, Option<String>>(10)?.or(r.get(5)?));
        if none_if_empty(r.get(3)?) != function {
            report(
                2,
                "functions",
                format!(
                    "'{name}''s business function in force is not the one its chain recorded: it was changed outside the chain"
                ),
            );
        }
        check_team(r, &name, &mut report)?;
        let expected = none_if_empty(r.get::<_, Option<String>>(14)?.or(r.get(13)?));
        if none_if_empty(r.get(12)?) != expected {
            report(
                3,
                "expectations",
                format!(
                    "'{name}''s expected-unused mark is not the one its chain recorded: it was changed outside the chain"
                ),
            );
        }
    }
    for (slot, check) in [
        (0, "verdicts"),
        (1, "owners"),
        (2, "functions"),
        (3, "expectations"),
        (4, "assignments"),
        (5, "second reviews"),
    ] {
        if seen[slot] > LIST_AT_MOST {
            findings.push(finding(
                check,
                format!("… and {} more like these", seen[slot] - LIST_AT_MOST),
            ));
        }
    }
    Ok(derived)
}

/// A member's assignee and second review against the chain (columns 15–21 of the caches).
fn check_team(
    r: &rusqlite::Row,
    name: &str,
    report: &mut dyn FnMut(usize, &'static str, String),
) -> Result<()> {
    let none_if_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let chained = none_if_empty(r.get::<_, Option<String>>(16)?.or(r.get(4)?).or(r.get(21)?));
    if none_if_empty(r.get(15)?) != chained {
        report(
            4,
            "assignments",
            format!(
                "'{name}''s assigned reviewer is not the one its chain recorded: it was changed outside the chain"
            ),
        );
    }
    let needed = r.get::<_, Option<String>>(19)?.as_deref() == Some("required");
    let confirmed: Option<String> = r.get(20)?;
    if r.get::<_, bool>(17)? != needed || r.get::<_, Option<String>>(18)? != confirmed {
        report(
            5,
            "second reviews",
            format!(
                "'{name}''s second review is not the one its chain recorded: it was changed outside the chain"
            ),
        );
    }
    Ok(())
}

fn counts_text(c: &VerdictCounts) -> String {
    format!("keep {}, reduce {}, revoke {}", c.keep, c.reduce, c.revoke)
}

fn check_counts(
    db: &impl Read,
    campaign: &CampaignInfo,
    derived: &Derived,
    summary: Option<&ChainSummary>,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    if campaign.counts != derived.counts {
        findings.push(finding(
            "counts",
            format!(
                "the campaign counts {} but its chain says {}: the counts were changed outside the chain",
                counts_text(&campaign.counts),
                counts_text(&derived.counts)
            ),
        ));
    }
    let strays: u64 = db.conn().query_row(
        "SELECT COUNT(*) FROM record r WHERE r.campaign_id = ?1 AND r.identity_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM campaign_identity ci WHERE ci.campaign_id = r.campaign_id
                           AND ci.identity_id = r.identity_id)",
        [campaign.id],
        |r| r.get(0),
    )?;
    if strays > 0 {
        findings.push(finding(
            "members",
            format!("{strays} records name identities that are not in the population: members were deleted"),
        ));
    }
    if let Some((seq, close)) = summary.and_then(|s| s.close.as_ref()) {
        let at_close = VerdictCounts {
            keep: close.keep,
            reduce: close.reduce,
            revoke: close.revoke,
        };
        if at_close != derived.counts || close.unreviewed != derived.unreviewed {
            findings.push(finding(
                "close",
                format!(
                    "record #{seq} closed with {} and {} unreviewed, but the chain says {} and {} unreviewed",
                    counts_text(&at_close),
                    close.unreviewed,
                    counts_text(&derived.counts),
                    derived.unreviewed
                ),
            ));
        }
    }
    Ok(())
}

/// The chain against every signed checkpoint: each must verify, and the chain must still end
/// in the head it signed. Returns how many there are.
fn check_checkpoints(
    db: &impl Read,
    campaign: &CampaignInfo,
    length: u64,
    chain_intact: bool,
    findings: &mut Vec<Finding>,
) -> Result<u64> {
    let all = db.checkpoints(campaign.id)?;
    for c in &all {
        let who = format!(
            "the sign-off of {} by '{}' (key {})",
            c.signed_at, c.signer, c.key_fingerprint
        );
        if let Err(why) = crate::evidence::checkpoint::check(c, &campaign.name) {
            findings.push(finding(
                "checkpoint",
                format!("the signed checkpoint of {who} was tampered with: {why}"),
            ));
            continue;
        }
        let short = |h: &str| h[..h.len().min(16)].to_owned();
        if length < c.seq {
            findings.push(finding(
                "checkpoint",
                format!(
                    "cut tail: the chain ends at #{length}, but {who} signed it off at #{}: its last {} record(s) were cut off",
                    c.seq,
                    c.seq - length
                ),
            ));
            continue;
        }
        let stored = db.record_bytes_at(campaign.id, c.seq)?.unwrap_or_default();
        let hash = crate::chain::sha256_hex(stored.as_bytes());
        if hash != c.head {
            let what = if chain_intact {
                "full recompute: every record hashes and links to the one before, but"
            } else {
                "changed after sign-off:"
            };
            findings.push(finding(
                "checkpoint",
                format!(
                    "{what} record #{} is not the record {who} signed off (head {}…, now {}…): the chain was rewritten",
                    c.seq,
                    short(&c.head),
                    short(&hash)
                ),
            ));
        } else if length > c.seq {
            findings.push(finding(
                "checkpoint",
                format!(
                    "forged append: {} record(s) follow record #{}, which {who} signed off as the last: they were appended after sign-off",
                    length - c.seq,
                    c.seq
                ),
            ));
        }
    }
    Ok(all.len() as u64)
}
