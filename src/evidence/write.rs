//! Writing a bundle: only for a closed campaign whose chain and caches verify; every file is
//! written into a temporary folder beside the target and hashed as it is written, then
//! `SHA256SUMS` is signed, the checkpoint stored, and the folder renamed into place — so a
//! crash leaves no half bundle that looks valid. Streams: memory does not grow with the
//! campaign. Three passes run at once, each on its own connection: `campaign verify` (nothing
//! is signed unless it finds nothing), the chain into `decisions.jsonl` and `decisions.csv`,
//! and the population into `population.csv` with everything counted for the summary.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use ssh_agent_lib::secrecy::SecretString;

use super::files::{self, HashingWriter, SumLine};
use super::guide;
use super::key::Signer;
use super::lists::Lists;
use super::manifest::{self, FileEntry, Manifest};
use super::rows::{self, SourceNames};
use super::tally::Tallies;
use super::{FORMAT, FORMAT_VERSION, NAMESPACE, checkpoint};
use crate::chain::{CloseRecord, Record, StartRecord};
use crate::db::prelude::*;
use crate::db::{CampaignInfo, EvidenceMember, Store};
use crate::output::{CsvOut, SafeFile, refuse_protected};
use crate::progress::{Measure, Progress, Ticker};
use crate::review::verify::{ReadRecord, Verified, Walk, Walked};

/// What to sign.
#[derive(Debug, Clone)]
pub struct EvidenceRequest {
    /// Campaign name.
    pub campaign: String,
    /// `--key`: a private key file, or a `.pub` file of a key in ssh-agent.
    pub key: PathBuf,
    /// `--signer`: the identity the signature is made as.
    pub signer: String,
    /// The bundle folder to create.
    pub output: PathBuf,
    /// Now.
    pub now: DateTime<Utc>,
    /// Files never written (the database and its journals).
    pub protected: Vec<PathBuf>,
    /// The review database.
    pub db: PathBuf,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The bundle folder.
    pub dir: PathBuf,
    /// The manifest.
    pub manifest: Manifest,
    /// sha256 of `SHA256SUMS`.
    pub sums_sha256: String,
}

/// A file being written into the bundle, hashed on the way.
struct Out {
    name: &'static str,
    w: BufWriter<HashingWriter<SafeFile>>,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// The temporary folder.
struct Folder {
    path: PathBuf,
    protected: Vec<PathBuf>,
}

/// The files written so far, with their hashes.
type Hashes = BTreeMap<&'static str, FileEntry>;

impl Folder {
    fn create(&self, name: &'static str) -> Result<Out> {
        let file = SafeFile::create(&self.path.join(name), &self.protected)?;
        Ok(Out {
            name,
            w: BufWriter::with_capacity(1 << 16, HashingWriter::new(file)),
        })
    }

    fn whole(&self, written: &mut Hashes, name: &'static str, text: &str) -> Result<()> {
        let mut out = self.create(name)?;
        out.write_all(text.as_bytes())?;
        let (name, entry) = finish(out)?;
        written.insert(name, entry);
        Ok(())
    }
}

/// Complete a file: flushed, synced, in place; its name and hash.
fn finish(out: Out) -> Result<(&'static str, FileEntry)> {
    let hashing = out
        .w
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("writing '{}'", out.name))?;
    let (file, sha256, bytes) = hashing.finish();
    file.commit()?;
    Ok((out.name, FileEntry { sha256, bytes }))
}

fn entry<'a>(written: &'a Hashes, name: &str) -> Result<&'a FileEntry> {
    written
        .get(name)
        .with_context(|| format!("'{name}' was not written"))
}

/// The chain as written to `decisions.jsonl`.
struct ChainOut {
    head: String,
    length: u64,
    start: StartRecord,
    close: CloseRecord,
    counts: manifest::Counts,
    files: [(&'static str, FileEntry); 2],
}

/// The population as written to `population.csv`, counted.
struct PopulationOut {
    hash: String,
    size: u64,
    tallies: Tallies,
    lists: Lists,
    /// Written and hashed, not yet synced: synced while the summary and report are written.
    file: Out,
    /// The source files that last saw a member.
    seen: BTreeSet<i64>,
}

/// Refuse what must not be signed: a bad signer, an open campaign, an existing target. (Whether
/// the campaign verifies is checked while the files are written.)
fn preflight(store: &Store, req: &EvidenceRequest) -> Result<CampaignInfo> {
    guide::check_signer(&req.signer)?;
    let campaign = store.campaign(&req.campaign)?;
    if campaign.is_open() {
        bail!(
            "campaign '{0}' is open: evidence is signed for a closed campaign only; close it with 'nhi-review campaign close {0}' (add --accept-undecided to record every undecided identity as unreviewed), then run evidence again",
            campaign.name
        );
    }
    if req.output.exists() {
        bail!(
            "'{}' already exists: name a new folder (a bundle is never written over another)",
            req.output.display()
        );
    }
    refuse_protected(&req.output, &req.protected)?;
    Ok(campaign)
}

/// The tables whose content the bundle takes without the decision chain vouching for it (the
/// campaign's row, the source files and which of them saw each member) and the one it writes.
/// The rest of what it reads — every record, every member's cached state and start facts, the
/// identities — is verified as it is read: every record against its hash, the members against
/// the chain, the population against the start record's hash, so a damaged page there fails
/// the evidence as surely as the quick check would (BENCHMARKS.md: checking the whole 2 GB file
/// cost 15 % of an evidence run's CPU).
const UNVOUCHED: &[&str] = &[
    "campaign",
    "checkpoint",
    "source_file",
    "source_scope",
    "scope",
    "identity_sighting",
];

/// The connection that checks the file, reads the campaign and stores the checkpoint: opened
/// for writing, so SQLite's quick check of the tables nothing else vouches for runs first.
fn writer(db: &Path) -> Result<Store> {
    let store = Store::open_checked(db, crate::db::Checked::Tables(UNVOUCHED))?;
    store.map_for_reading()?;
    Ok(store)
}

/// Another connection to the database, for one pass that reads all of it. Read-only: the
/// writer's open already checked the file (a quick check of a 2 GB database costs 4.7 s, and
/// each pass paid it again).
fn reader(db: &Path) -> Result<Store> {
    Store::open_reading_all(db)
}

fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    crate::joined(handle, "a worker writing the bundle")
}

/// The three passes at once; nothing is kept unless `campaign verify` found nothing.
fn write_passes(
    folder: &Folder,
    req: &EvidenceRequest,
    store: &Store,
    campaign: &CampaignInfo,
    sources: &[crate::db::SourceRow],
    progress: &mut dyn Progress,
) -> Result<(ChainOut, PopulationOut)> {
    use crate::review::verify;
    let (members, chain, population) = std::thread::scope(|s| {
        let checking = s.spawn(|| verify::check_members(&reader(&req.db)?, campaign));
        let chaining = s.spawn(|| write_decisions(folder, &reader(&req.db)?, campaign));
        let population = write_population(folder, &req.db, campaign, sources, progress);
        // The population is usually the longest pass; what is left is the chain.
        progress.phase(
            "verifying the chain and writing the decisions",
            "",
            Measure::Nothing,
        );
        (joined(checking), joined(chaining), population)
    });
    let (members, (walked, chain), population) = (members?, chain?, population?);
    // The whole of `campaign verify`, its three passes shared with the writing: the chain as
    // walked while decisions.jsonl was written, the population as hashed while population.csv was.
    let report = verify::conclude(
        store,
        campaign,
        walked,
        members,
        (population.hash.clone(), population.size),
    )?;
    if let Some(first) = report.findings.first() {
        bail!(
            "campaign '{}' does not verify ({} finding(s), first: {first}): nothing was signed; see 'nhi-review campaign verify {}'",
            campaign.name,
            report.findings.len(),
            campaign.name
        );
    }
    let chain = chain?;
    if (population.hash.as_str(), population.size)
        != (
            chain.start.population_hash.as_str(),
            chain.start.population_size,
        )
    {
        bail!(
            "the population of '{}' as stored does not hash to its start record's: run 'nhi-review campaign verify {}'",
            campaign.name,
            campaign.name
        );
    }
    Ok((chain, population))
}

/// Make a bundle: see the module comment. `passphrase` is asked only for an encrypted key.
/// `progress` hears of nothing before the key is open (so a passphrase asked on the terminal
/// has it to itself).
pub fn write_bundle(
    req: &EvidenceRequest,
    passphrase: impl FnOnce(&Path) -> Result<SecretString>,
    progress: &mut dyn Progress,
) -> Result<Written> {
    // Signing never makes a database: a mistyped --db is an error.
    Store::require(&req.db)?;
    // The bundle is read through read-only connections; the connection that stores the
    // checkpoint opens beside them, so SQLite's quick check of the file (4.7 s on a 2 GB
    // database) runs while the bundle is written, and must pass before anything is stored. An
    // older schema is upgraded first, as any write would.
    let upgraded = if Store::is_current(&req.db)? {
        None
    } else {
        Some(writer(&req.db)?)
    };
    std::thread::scope(|s| {
        let opening = s.spawn(move || upgraded.map_or_else(|| writer(&req.db), Ok));
        write_and_sign(req, passphrase, progress, || joined(opening))
    })
}

/// [`write_bundle`] once the writing connection is on its way: `writer` waits for it.
fn write_and_sign(
    req: &EvidenceRequest,
    passphrase: impl FnOnce(&Path) -> Result<SecretString>,
    progress: &mut dyn Progress,
    writer: impl FnOnce() -> Result<Store>,
) -> Result<Written> {
    let store = reader(&req.db)?;
    let campaign = preflight(&store, req)?;
    let key = Signer::open(&req.key, passphrase)?;
    tracing::info!("signing key {}", key.fingerprint());
    let parent = match req.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".nhi-review-evidence-")
        .suffix(".partial")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a folder in '{}'", parent.display()))?;
    let folder = Folder {
        path: tmp.path().to_path_buf(),
        protected: req.protected.clone(),
    };
    let all_sources = store.sources()?;
    tracing::debug!(
        "writing into the temporary folder '{}', renamed into place when complete",
        folder.path.display()
    );
    let (chain, population) =
        write_passes(&folder, req, &store, &campaign, &all_sources, progress)?;
    let sources = campaign_sources(all_sources, &campaign, &population.seen);
    progress.phase("writing the summary and report", "", Measure::Nothing);
    let mut written: Hashes = chain.files.iter().cloned().collect();
    let mut manifest = draft_manifest(req, &campaign, &key, &chain, &sources, &population.tallies)?;
    let PopulationOut {
        file,
        tallies,
        mut lists,
        ..
    } = population;
    // population.csv is synced (half a second at a million members) beside the summary.
    std::thread::scope(|s| -> Result<()> {
        let syncing = s.spawn(|| finish(file));
        let pages = (|| {
            let mut out = folder.create(files::SUMMARY)?;
            super::summary::write(
                &mut out,
                &store,
                campaign.id,
                &manifest,
                &tallies,
                &mut lists,
            )?;
            let summary = finish(out)?;
            let mut out = folder.create(files::REPORT)?;
            super::report::write(&mut out, &store, campaign.id, &manifest, &tallies, &lists)?;
            Ok::<_, anyhow::Error>([summary, finish(out)?])
        })();
        // Joined on every path, so a failure there is told, never a crash.
        let synced = joined(syncing);
        written.extend(pages?);
        written.extend([synced?]);
        Ok(())
    })?;
    let line = guide::allowed_signers_line(&req.signer, &key.public_key_line()?);
    folder.whole(&mut written, files::ALLOWED_SIGNERS, &line)?;
    for name in files::DATA {
        manifest
            .files
            .insert((*name).to_owned(), entry(&written, name)?.clone());
    }
    let text = serde_json::to_string_pretty(&manifest)? + "\n";
    folder.whole(&mut written, files::MANIFEST, &text)?;
    let manifest_sha256 = entry(&written, files::MANIFEST)?.sha256.clone();
    folder.whole(
        &mut written,
        files::VERIFY,
        &guide::verify_md(&manifest, &manifest_sha256),
    )?;
    let sums = files::SIGNED
        .iter()
        .map(|name| {
            Ok(SumLine {
                name: (*name).to_owned(),
                sha256: entry(&written, name)?.sha256.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let sums = files::sums_text(&sums);
    folder.whole(&mut written, files::SUMS, &sums)?;
    progress.phase("signing", "", Measure::Nothing);
    let signature = key.sign_armored(NAMESPACE, sums.as_bytes())?;
    folder.whole(&mut written, files::SIGNATURE, &signature)?;
    let sums_sha256 = crate::chain::sha256_hex(sums.as_bytes());
    store_checkpoint(&mut writer()?, &key, req, &campaign, &chain, &sums_sha256)?;
    let kept = tmp.keep();
    if let Err(e) = std::fs::rename(&kept, &req.output) {
        let _ = std::fs::remove_dir_all(&kept);
        return Err(e).with_context(|| format!("moving the bundle to '{}'", req.output.display()));
    }
    Ok(Written {
        dir: req.output.clone(),
        manifest,
        sums_sha256,
    })
}

fn store_checkpoint(
    store: &mut Store,
    key: &Signer,
    req: &EvidenceRequest,
    campaign: &CampaignInfo,
    chain: &ChainOut,
    sums_sha256: &str,
) -> Result<()> {
    let at = crate::db::ts(req.now);
    let c = checkpoint::sign(
        key,
        &checkpoint::SignOff {
            campaign_id: campaign.id,
            campaign: &campaign.name,
            seq: chain.length,
            head: &chain.head,
            signer: &req.signer,
            at: &at,
            sums_sha256,
        },
    )?;
    store.write(|tx| {
        // Signed off against the head as it still is: nothing slipped in since it was read.
        if tx.chain_head(campaign.id)? != Some((chain.length, chain.head.clone())) {
            bail!(
                "the chain of '{}' changed while its evidence was written: run evidence again",
                campaign.name
            );
        }
        tx.insert_checkpoint(&c)
    })
}

/// Items passed from one thread of a pass to the next at a time.
const AT_ONCE: usize = 256;

/// The sending end of a pipe between two threads of a pass: items go in batches of [`AT_ONCE`].
/// Dropped, it hangs up (the last batch is sent by [`Batches::finish`]).
struct Batches<T> {
    to: std::sync::mpsc::SyncSender<Vec<T>>,
    batch: Vec<T>,
    /// What the receiving thread does, for the error when it stopped.
    receiver: &'static str,
}

impl<T> Batches<T> {
    /// A pipe of a few batches (the threads stay in step; memory does not grow).
    fn pipe(receiver: &'static str) -> (Batches<T>, std::sync::mpsc::Receiver<Vec<T>>) {
        let (to, from) = std::sync::mpsc::sync_channel(4);
        let batches = Batches {
            to,
            batch: Vec::with_capacity(AT_ONCE),
            receiver,
        };
        (batches, from)
    }

    fn send(&mut self, batch: Vec<T>) -> Result<()> {
        self.to
            .send(batch)
            .map_err(|_| anyhow::anyhow!("{} stopped", self.receiver))
    }

    fn push(&mut self, item: T) -> Result<()> {
        self.batch.push(item);
        if self.batch.len() == AT_ONCE {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(AT_ONCE));
            self.send(full)?;
        }
        Ok(())
    }

    /// Send what is left, and hang up.
    fn finish(mut self) -> Result<()> {
        if !self.batch.is_empty() {
            let rest = std::mem::take(&mut self.batch);
            self.send(rest)?;
        }
        Ok(())
    }
}

/// The chain files as written: counted, with their hashes.
type ChainFiles = (manifest::Counts, [(&'static str, FileEntry); 2]);

/// The chain pass's second half: the records as read (until the reading hangs up) walked as
/// `campaign verify` walks them, and those that verified written to `decisions.jsonl` and
/// `decisions.csv`.
fn walk_and_write(
    folder: &Folder,
    campaign: &CampaignInfo,
    from: std::sync::mpsc::Receiver<Vec<ReadRecord>>,
) -> Result<(Walked, ChainFiles)> {
    let mut jsonl = folder.create(files::DECISIONS_JSONL)?;
    let mut csv = CsvOut::new(folder.create(files::DECISIONS_CSV)?);
    csv.row(rows::DECISION_COLUMNS)?;
    let mut counts = manifest::Counts::default();
    let mut walk = Walk::new(campaign);
    for read in from.into_iter().flatten() {
        let Some(Verified { link, name, record }) = walk.step(read) else {
            continue;
        };
        match record {
            Record::Decision(_) | Record::Legacy(_) => counts.decision_records += 1,
            Record::Owner(_) => counts.owner_changes += 1,
            Record::Function(_) => counts.function_changes += 1,
            Record::Start(_)
            | Record::Close(_)
            | Record::ExpectedUnused(_)
            | Record::Assign(_)
            | Record::Confirm(_) => {}
        }
        jsonl.write_all(link.record.as_bytes())?;
        jsonl.write_all(b"\n")?;
        let name = name.as_deref().unwrap_or("");
        csv.row(rows::decision_cells(&record, &link.row_hash, name)?)?;
    }
    let files = [finish(jsonl)?, finish(csv.finish()?)?];
    Ok((walk.finish(), (counts, files)))
}

/// `decisions.jsonl` (the stored bytes, one record per line) and `decisions.csv`, in one pass
/// over the chain: the walk of `campaign verify`, so what is written is what was verified.
/// Two threads, each half of the work (one alone was the longest of a bundle, and ran on
/// after the rest): this one reads and parses the records, the other walks them and writes
/// what verified. The chain out is an error when the walk found the chain broken (its finding
/// says why).
fn write_decisions(
    folder: &Folder,
    store: &Store,
    campaign: &CampaignInfo,
) -> Result<(Walked, Result<ChainOut>)> {
    let (mut to, from) = Batches::pipe("writing the decisions");
    let (read, written) = std::thread::scope(|s| {
        let written = s.spawn(|| walk_and_write(folder, campaign, from));
        let read = store
            .for_each_record_ref(campaign.id, |row| to.push(ReadRecord::of(row)))
            .and_then(|()| to.finish());
        (read, joined(written))
    });
    // A failed write hangs up, which stops the reading: its own failure comes first.
    let (walked, (mut counts, files)) = written?;
    read?;
    let out = (|| {
        let Some(summary) = walked.summary.clone() else {
            bail!("the chain of '{}' does not verify", campaign.name);
        };
        let Some((seq, close)) = summary.close else {
            bail!("the chain of '{}' has no close record", campaign.name);
        };
        if seq != summary.length {
            bail!(
                "the close record of '{}' is not the last record",
                campaign.name
            );
        }
        counts.keep = close.keep;
        counts.reduce = close.reduce;
        counts.revoke = close.revoke;
        counts.unreviewed = close.unreviewed;
        Ok(ChainOut {
            head: summary.head,
            length: summary.length,
            start: summary.start,
            close,
            counts,
            files,
        })
    })();
    Ok((walked, out))
}

/// The source files of the campaign, from all of them: those imported by its start, and any
/// that last saw one of its members (`seen`, gathered by the population pass).
fn campaign_sources(
    all: Vec<crate::db::SourceRow>,
    campaign: &CampaignInfo,
    seen: &BTreeSet<i64>,
) -> Vec<crate::db::SourceRow> {
    let started = crate::db::ts(campaign.started_at);
    all.into_iter()
        .filter(|s| s.imported_at <= started || seen.contains(&s.id))
        .collect()
}

/// The population pass's reading half: members in natural-key order, from a connection of its
/// own, in batches to `to` (until the writing half hangs up).
fn read_population(
    db: &Path,
    campaign: &CampaignInfo,
    mut to: Batches<EvidenceMember>,
) -> Result<()> {
    let store = reader(db)?;
    store.for_each_evidence_member(campaign.id, |m| to.push(m))?;
    to.finish()
}

/// `population.csv`, in natural-key order, hashed as the population hash covers it, counted,
/// and its overrides and undecided members listed. Two threads: one reads the members (SQLite,
/// half of the work), this one writes them, so the pass takes both cores once the other
/// passes are done.
fn write_population(
    folder: &Folder,
    db: &Path,
    campaign: &CampaignInfo,
    sources: &[crate::db::SourceRow],
    progress: &mut dyn Progress,
) -> Result<PopulationOut> {
    let names: SourceNames = sources
        .iter()
        .map(|s| (s.id, (s.name.clone(), s.sha256.clone())))
        .collect();
    let mut csv = CsvOut::new(folder.create(files::POPULATION)?);
    csv.row(rows::POPULATION_COLUMNS)?;
    let mut tallies = Tallies::default();
    let mut lists = Lists::new(&folder.path)?;
    let mut hasher = crate::chain::PopulationHasher::default();
    let mut members = Ticker::start(
        progress,
        "verifying the chain and writing the population",
        "members",
        Measure::OutOf(campaign.population_size),
    );
    let mut seen = BTreeSet::new();
    let (to, from) = Batches::pipe("writing the population");
    std::thread::scope(|s| {
        let reading = s.spawn(|| read_population(db, campaign, to));
        let written = from.into_iter().flatten().try_for_each(|m| {
            members.step();
            seen.extend(m.sources.iter().copied());
            tallies.add(&m)?;
            lists.add(&m)?;
            let mut cells = rows::population_cells(m, &names)?;
            let line = &mut cells[rows::pop::MEMBER];
            line.push('\n');
            hasher.add(line);
            line.pop();
            csv.row(cells)
        });
        // A failed write hangs up, which stops the reading: its own failure comes first.
        written?;
        joined(reading)
    })?;
    drop(members);
    let file = csv.finish()?;
    let (hash, size) = hasher.finish();
    Ok(PopulationOut {
        hash,
        size,
        tallies,
        lists,
        file,
        seen,
    })
}

fn draft_manifest(
    req: &EvidenceRequest,
    campaign: &CampaignInfo,
    key: &Signer,
    chain: &ChainOut,
    sources: &[crate::db::SourceRow],
    tallies: &Tallies,
) -> Result<Manifest> {
    let mut counts = chain.counts.clone();
    counts.overrides = tallies.overrides;
    Ok(Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        campaign: campaign.name.clone(),
        period: manifest::Period {
            started_at: chain.start.at.clone(),
            closed_at: chain.close.at.clone(),
            due_date: (!chain.start.due_date.is_empty()).then(|| chain.start.due_date.clone()),
        },
        created_at: crate::db::ts(req.now),
        tool: manifest::Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        signer: manifest::SignerInfo {
            identity: req.signer.clone(),
            key_fingerprint: key.fingerprint(),
            public_key: key.public_key_line()?,
        },
        namespace: NAMESPACE.into(),
        thresholds: crate::model::Thresholds {
            rotation_days: chain.start.rotation_days,
            inactivity_days: chain.start.inactivity_days,
        },
        scope: chain.start.scope.clone(),
        sources: sources.iter().map(manifest::Source::from).collect(),
        population: manifest::Population {
            hash: chain.start.population_hash.clone(),
            size: chain.start.population_size,
        },
        chain: manifest::Chain {
            head: chain.head.clone(),
            length: chain.length,
        },
        counts,
        files: BTreeMap::new(),
    })
}
