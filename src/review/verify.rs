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

use crate::chain::StoredLink;
use crate::chain::verify::{ChainSummary, Verifier};
use crate::chain::{Record, RecordKind};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, RecordRef, Store, VerdictCounts};
use crate::model::{CampaignStatus, IdentityId, Verdict};

/// One problem found, with the check that found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Which check: `chain`, `columns`, `start`, `population`, `status`, `verdicts`, `owners`,
    /// `functions`, `expectations`, `assignments`, `second reviews`, `actions`, `decisions`,
    /// `counts`, `close`, `members`, `checkpoint`.
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
    "every standing verdict and its recorded action, owner, business function, expected-unused mark, assigned reviewer and second review is what the chain says",
    "the verdict counts (and the close record's) are what the chain says",
];

/// The check against signed checkpoints, made when there is one (evidence stores them).
pub const CHECKPOINT_CHECK: &str = "every signed checkpoint (stored when evidence was signed) verifies, and the chain still ends in the head it signed: nothing cut off, appended or recomputed";

/// At most this many findings of one check are listed one by one.
const LIST_AT_MOST: usize = 5;

fn finding(check: &'static str, message: String) -> Finding {
    Finding { check, message }
}

/// Verify a campaign. Its three passes (the chain walked, the members checked, the population
/// hashed) each read all of their part: they run at once, each on a connection of its own
/// reading the same state of the database (one after another on this connection where there
/// is no file to open again).
pub fn verify(db: &Store, name: &str) -> Result<VerifyReport> {
    db.with_readers(3, |readers| {
        let campaign = db.campaign(name)?;
        let campaign = &campaign;
        let (walked, members, population) = match readers.map(<[Store; 3]>::try_from) {
            Some(Ok([chain, members, population])) => std::thread::scope(|s| {
                let walking = s.spawn(move || walk(&chain, campaign));
                let checking = s.spawn(move || check_members(&members, campaign));
                let hashed = population.population_hash(campaign.id);
                (
                    crate::joined(walking, "walking the chain"),
                    crate::joined(checking, "checking the members"),
                    hashed,
                )
            }),
            _ => (
                walk(db, campaign),
                check_members(db, campaign),
                db.population_hash(campaign.id),
            ),
        };
        conclude(db, campaign, walked?, members?, population?)
    })
}

/// The chain walked: what it says when it verified, its length, and what was found.
#[derive(Debug)]
pub struct Walked {
    /// The chain's summary, when every link verified.
    pub summary: Option<ChainSummary>,
    /// Records read.
    pub length: u64,
    findings: Vec<Finding>,
}

/// The members' caches checked against their records.
#[derive(Debug)]
pub struct MembersChecked {
    derived: Derived,
    findings: Vec<Finding>,
}

/// The rest of the checks, once the chain was walked, the members checked and the population
/// as stored hashed (`(hash, size)`, in the order the start record's hash covers). The three
/// inputs are independent passes: a caller may run them at once (evidence does, hashing the
/// population while it writes it).
pub fn conclude(
    db: &impl Read,
    campaign: &CampaignInfo,
    walked: Walked,
    members: MembersChecked,
    (hash, population): (String, u64),
) -> Result<VerifyReport> {
    let Walked {
        summary,
        length,
        mut findings,
    } = walked;
    if let Some(summary) = &summary {
        check_start(campaign, summary, &mut findings);
        check_population(summary, &hash, population, &mut findings);
        check_status(campaign, summary, &mut findings);
    }
    findings.extend(members.findings);
    check_counts(campaign, &members.derived, summary.as_ref(), &mut findings);
    let intact = !findings.iter().any(|f| f.check == "chain");
    let checkpoints = check_checkpoints(db, campaign, length, intact, &mut findings)?;
    Ok(VerifyReport {
        campaign: campaign.name.clone(),
        length,
        head: summary.map(|s| (s.length, s.head)),
        population,
        checkpoints,
        findings,
    })
}

/// The chain, link by link, and the columns beside each record.
pub fn walk(db: &impl Read, campaign: &CampaignInfo) -> Result<Walked> {
    let mut walk = Walk::new(campaign);
    db.for_each_record_ref(campaign.id, |row| {
        walk.step(ReadRecord::of(row));
        Ok(())
    })?;
    Ok(walk.finish())
}

/// A record as read, before its place in the chain is checked: its link and name (owned, to
/// go on to another thread), what [`Record::parse`] made of it, and which of its columns, if
/// any, disagrees with it.
#[derive(Debug)]
pub struct ReadRecord {
    /// The link.
    pub link: StoredLink,
    /// The identity's display name, if it names one.
    pub name: Option<String>,
    parsed: Result<Record, String>,
    columns: Option<&'static str>,
}

impl ReadRecord {
    /// Parse a row and compare its columns with its record.
    pub fn of(row: &RecordRef<'_>) -> ReadRecord {
        let parsed = Record::parse(row.record);
        let columns = parsed
            .as_ref()
            .ok()
            .and_then(|record| columns_disagree(row, record));
        ReadRecord {
            link: row.link(),
            name: row.name.map(str::to_owned),
            parsed,
            columns,
        }
    }
}

/// A record that verified, in chain order.
#[derive(Debug)]
pub struct Verified {
    /// Its link.
    pub link: StoredLink,
    /// The identity's display name, if it names one.
    pub name: Option<String>,
    /// The record.
    pub record: Record,
}

/// [`walk`] a record at a time, for a caller that reads the records elsewhere (evidence reads
/// and parses them in one thread and walks them in another).
pub struct Walk<'c> {
    verifier: Verifier<'c>,
    broken: bool,
    column_problems: usize,
    length: u64,
    findings: Vec<Finding>,
}

impl<'c> Walk<'c> {
    /// Before the first record of `campaign`'s chain.
    pub fn new(campaign: &'c CampaignInfo) -> Walk<'c> {
        Walk {
            verifier: Verifier::new(&campaign.name),
            broken: false,
            column_problems: 0,
            length: 0,
            findings: Vec::new(),
        }
    }

    /// The next record in chain order: back with its record when it verified (after a break,
    /// never).
    pub fn step(&mut self, read: ReadRecord) -> Option<Verified> {
        self.length += 1;
        if self.broken {
            return None;
        }
        let ReadRecord {
            link,
            name,
            parsed,
            columns,
        } = read;
        match self.verifier.push_parsed(&link, parsed) {
            Ok(record) => {
                if let Some(why) = columns {
                    self.column_problems += 1;
                    if self.column_problems <= LIST_AT_MOST {
                        self.findings.push(finding(
                            "columns",
                            format!(
                                "record #{}: its {why} column disagrees with the hashed record: the row was edited",
                                link.seq
                            ),
                        ));
                    }
                }
                Some(Verified { link, name, record })
            }
            Err(e) => {
                self.findings.push(finding("chain", e.to_string()));
                self.broken = true;
                None
            }
        }
    }

    /// What the walk found.
    pub fn finish(mut self) -> Walked {
        let summary = if self.broken {
            None
        } else {
            match self.verifier.finish() {
                Ok(summary) => Some(summary),
                Err(e) => {
                    self.findings.push(finding("chain", e.to_string()));
                    None
                }
            }
        };
        Walked {
            summary,
            length: self.length,
            findings: self.findings,
        }
    }
}

/// Which column of a stored record disagrees with the record it stores, if any.
fn columns_disagree(row: &RecordRef<'_>, record: &Record) -> Option<&'static str> {
    if RecordKind::parse(row.kind) != Some(record.kind()) {
        return Some("kind");
    }
    let named = record
        .identity()
        .map(|i| (i.provider, i.account, i.native_id));
    if row.identity != named {
        return Some("identity");
    }
    let decision = record
        .decision()
        .map(|(a, v)| (a, (!v.is_empty()).then_some(v)));
    if (row.action, row.verdict) != decision.map_or((None, None), |(a, v)| (Some(a), v)) {
        return Some("action or verdict");
    }
    if (row.owner, row.business_function)
        != record
            .in_force()
            .map_or((None, None), |(o, f)| (Some(o), Some(f)))
    {
        return Some("owner or business function");
    }
    if row.reviewer != record.reviewer() {
        return Some("reviewer");
    }
    let stated = record.decision_facts().map(|f| {
        (
            Some(f.suggested),
            Some(f.justification),
            Some(f.removed),
            f.second_review,
        )
    });
    if row.decision != stated.unwrap_or_default() {
        return Some("suggestion, justification, removed items or second review");
    }
    if row.expected_unused != record.expected_unused() {
        return Some("expected-unused");
    }
    if row.assignee != record.assignee() {
        return Some("assignee");
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

/// A member's caches, as stored beside it.
#[derive(Debug)]
struct Cached {
    identity: i64,
    verdict: Option<Verdict>,
    /// The action of the latest decision (NULL for one recorded before the chain existed).
    action: Option<String>,
    owner: Option<String>,
    function: Option<String>,
    owner_at_start: Option<String>,
    function_at_start: Option<String>,
    expected_unused: Option<String>,
    expected_unused_at_start: Option<String>,
    assignee: Option<String>,
    second_review: bool,
    confirmed_by: Option<String>,
    /// The latest decision as cached for the population.
    decided: CachedDecision,
}

/// A member's latest decision as cached beside it: who, when, suggested, why, how many items
/// (each NULL where it has none).
#[derive(Debug)]
struct CachedDecision {
    reviewer: Option<String>,
    at: Option<String>,
    suggested: Option<String>,
    justification: Option<String>,
    removed: Option<u64>,
}

impl Cached {
    /// Whether the cached latest decision is the chain's: all five as it says, or none at all.
    fn decided_as(&self, chained: Option<&Decided>) -> bool {
        let CachedDecision {
            reviewer,
            at,
            suggested,
            justification,
            removed,
        } = &self.decided;
        match chained {
            Some(d) => {
                reviewer.as_deref() == Some(d.reviewer.as_str())
                    && at.as_deref() == Some(d.at.as_str())
                    && suggested.as_deref() == Some(d.suggested.as_str())
                    && justification.as_deref() == Some(d.justification.as_str())
                    && *removed == Some(d.removed)
            }
            None => {
                reviewer.is_none()
                    && at.is_none()
                    && suggested.is_none()
                    && justification.is_none()
                    && removed.is_none()
            }
        }
    }
}

/// A member's latest decision record: who, when, on which suggestion, why, how many items.
#[derive(Debug, PartialEq, Eq)]
struct Decided {
    reviewer: String,
    at: String,
    suggested: String,
    justification: String,
    removed: u64,
}

/// What a member's records say, folded in chain order: each field is what its latest record
/// of the kind that sets it says.
#[derive(Debug, Default)]
struct Chained {
    /// The latest decision (or schema-1 decision): its verdict, action and seq.
    verdict: Option<Verdict>,
    action: Option<String>,
    decision_seq: Option<u64>,
    /// The latest record carrying an owner, and one carrying a business function.
    owner: Option<String>,
    function: Option<String>,
    /// The latest expected-unused record's reason.
    expected_unused: Option<String>,
    /// The latest assign record's reviewer.
    assignee: Option<String>,
    /// The latest decision record's second review (`required` or not).
    second_review: Option<String>,
    /// Who confirmed since the latest decision.
    confirmed_by: Option<String>,
    /// The latest decision's facts.
    decided: Option<Decided>,
}

/// One record of a member, the columns the fold reads.
struct MemberRecord {
    identity: i64,
    seq: u64,
    kind: String,
    action: Option<String>,
    verdict: Option<Verdict>,
    owner: Option<String>,
    function: Option<String>,
    expected_unused: Option<String>,
    assignee: Option<String>,
    reviewer: String,
    at: String,
    suggested: Option<String>,
    justification: Option<String>,
    removed: Option<u64>,
    second_review: Option<String>,
}

impl Chained {
    fn fold(&mut self, r: MemberRecord) {
        match r.kind.as_str() {
            "decision" | "legacy" => {
                self.verdict = r.verdict;
                self.action = r.action;
                self.decision_seq = Some(r.seq);
                self.confirmed_by = None;
                if r.kind == "decision" {
                    self.second_review = r.second_review;
                }
                self.decided = Some(Decided {
                    reviewer: r.reviewer,
                    at: r.at,
                    suggested: r.suggested.unwrap_or_default(),
                    justification: r.justification.unwrap_or_default(),
                    removed: r.removed.unwrap_or_default(),
                });
            }
            "expected_unused" => self.expected_unused = r.expected_unused,
            "assign" => self.assignee = r.assignee,
            "confirm" => self.confirmed_by = Some(r.reviewer),
            _ => {}
        }
        if r.owner.is_some() {
            self.owner = r.owner;
        }
        if r.function.is_some() {
            self.function = r.function;
        }
    }
}

/// Every member's caches against the chain, and no record naming an identity outside the
/// population: the members and their records each read once, in identity order, side by side
/// (a merge of two index scans, not a lookup of each member's latest records).
pub fn check_members(db: &impl Read, campaign: &CampaignInfo) -> Result<MembersChecked> {
    let conn = db.conn();
    let mut members = conn.prepare(
        "SELECT identity_id, verdict, owner, business_function, owner_at_start, function_at_start,
                expected_unused, expected_unused_at_start, assignee, second_review, confirmed_by,
                action, decided_by, decided_at, suggested, justification, removed
         FROM campaign_identity WHERE campaign_id = ?1 ORDER BY identity_id",
    )?;
    let mut records = conn.prepare(
        "SELECT identity_id, seq, kind, action, verdict, owner, business_function, expected_unused,
                assignee, reviewer, at, suggested, justification, removed, second_review
         FROM record WHERE campaign_id = ?1 AND identity_id IS NOT NULL
         ORDER BY identity_id, seq",
    )?;
    let mut members = members.query_map(params![campaign.id], |r| {
        Ok(Cached {
            identity: r.get(0)?,
            verdict: r.get(1)?,
            owner: r.get(2)?,
            function: r.get(3)?,
            owner_at_start: r.get(4)?,
            function_at_start: r.get(5)?,
            expected_unused: r.get(6)?,
            expected_unused_at_start: r.get(7)?,
            assignee: r.get(8)?,
            second_review: r.get(9)?,
            confirmed_by: r.get(10)?,
            action: r.get(11)?,
            decided: CachedDecision {
                reviewer: r.get(12)?,
                at: r.get(13)?,
                suggested: r.get(14)?,
                justification: r.get(15)?,
                removed: r.get(16)?,
            },
        })
    })?;
    let mut records = records
        .query_map(params![campaign.id], |r| {
            Ok(MemberRecord {
                identity: r.get(0)?,
                seq: r.get(1)?,
                kind: r.get(2)?,
                action: r.get(3)?,
                verdict: r.get(4)?,
                owner: r.get(5)?,
                function: r.get(6)?,
                expected_unused: r.get(7)?,
                assignee: r.get(8)?,
                reviewer: r.get(9)?,
                at: r.get(10)?,
                suggested: r.get(11)?,
                justification: r.get(12)?,
                removed: r.get(13)?,
                second_review: r.get(14)?,
            })
        })?
        .peekable();
    let mut checked = MembersChecked {
        derived: Derived::default(),
        findings: Vec::new(),
    };
    let mut seen = [0usize; 8];
    let mut strays = 0u64;
    for member in members.by_ref() {
        let member = member?;
        let mut chained = Chained::default();
        while let Some(next) =
            records.next_if(|r| r.as_ref().map_or(true, |r| r.identity <= member.identity))
        {
            let next = next?;
            if next.identity < member.identity {
                strays += 1;
            } else {
                chained.fold(next);
            }
        }
        compare(db, campaign, &member, &chained, &mut checked, &mut seen)?;
    }
    for rest in records {
        rest?;
        strays += 1;
    }
    for (slot, check) in [
        (0, "verdicts"),
        (1, "owners"),
        (2, "functions"),
        (3, "expectations"),
        (4, "assignments"),
        (5, "second reviews"),
        (6, "actions"),
        (7, "decisions"),
    ] {
        if seen[slot] > LIST_AT_MOST {
            checked.findings.push(finding(
                check,
                format!("… and {} more like these", seen[slot] - LIST_AT_MOST),
            ));
        }
    }
    if strays > 0 {
        checked.findings.push(finding(
            "members",
            format!("{strays} records name identities that are not in the population: members were deleted"),
        ));
    }
    Ok(checked)
}

/// One member's caches against what its records say; counts what stands.
fn compare(
    db: &impl Read,
    campaign: &CampaignInfo,
    m: &Cached,
    c: &Chained,
    checked: &mut MembersChecked,
    seen: &mut [usize; 8],
) -> Result<()> {
    if let Some(v) = c.verdict {
        checked.derived.counts.add(v);
    }
    if c.action.as_deref() == Some("unreviewed") {
        checked.derived.unreviewed += 1;
    }
    let none_if_empty = |s: Option<&String>| s.filter(|s| !s.is_empty()).cloned();
    let mut wrong: Vec<(usize, &'static str, &'static str)> = Vec::new();
    if !m.decided_as(c.decided.as_ref()) {
        // What the population lists of each member's latest decision.
        wrong.push((
            7,
            "decisions",
            "latest decision (who, when, suggestion, why, items)",
        ));
    }
    if m.verdict != c.verdict {
        wrong.push((0, "verdicts", ""));
    } else if m.action != c.action {
        // What the summary counts as unreviewed or undecided is the cached action.
        wrong.push((6, "actions", "recorded action"));
    }
    if none_if_empty(m.owner.as_ref())
        != none_if_empty(c.owner.as_ref().or(m.owner_at_start.as_ref()))
    {
        wrong.push((1, "owners", "owner in force"));
    }
    if none_if_empty(m.function.as_ref())
        != none_if_empty(c.function.as_ref().or(m.function_at_start.as_ref()))
    {
        wrong.push((2, "functions", "business function in force"));
    }
    // The latest assign record's reviewer, else whom the start gave it to (the one rule).
    let assignee = c.assignee.clone().or_else(|| {
        super::rules::first_reviewer(
            m.owner_at_start.as_deref(),
            &campaign.default_reviewer,
            campaign.independent,
        )
    });
    if none_if_empty(m.assignee.as_ref()) != none_if_empty(assignee.as_ref()) {
        wrong.push((4, "assignments", "assigned reviewer"));
    }
    let needed = c.second_review.as_deref() == Some("required");
    if m.second_review != needed || m.confirmed_by != c.confirmed_by {
        wrong.push((5, "second reviews", "second review"));
    }
    if none_if_empty(m.expected_unused.as_ref())
        != none_if_empty(
            c.expected_unused
                .as_ref()
                .or(m.expected_unused_at_start.as_ref()),
        )
    {
        wrong.push((3, "expectations", "expected-unused mark"));
    }
    for (slot, check, what) in wrong {
        seen[slot] += 1;
        if seen[slot] > LIST_AT_MOST {
            continue;
        }
        // The name only for what is listed: read one by one, never for an intact member.
        let name = db.identity(IdentityId(m.identity))?.name;
        let message = if slot == 0 {
            format!(
                "'{name}' shows {} but its chain says {}{}: a standing verdict was changed outside the chain",
                m.verdict.map_or("undecided", Verdict::as_str),
                c.verdict.map_or("undecided", Verdict::as_str),
                c.decision_seq
                    .map(|s| format!(" (record #{s})"))
                    .unwrap_or_default()
            )
        } else {
            format!(
                "'{name}''s {what} is not the one its chain recorded: it was changed outside the chain"
            )
        };
        checked.findings.push(finding(check, message));
    }
    Ok(())
}

fn counts_text(c: &VerdictCounts) -> String {
    format!("keep {}, reduce {}, revoke {}", c.keep, c.reduce, c.revoke)
}

fn check_counts(
    campaign: &CampaignInfo,
    derived: &Derived,
    summary: Option<&ChainSummary>,
    findings: &mut Vec<Finding>,
) {
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
