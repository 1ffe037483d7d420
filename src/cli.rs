//! The command line (DESIGN §3), declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Verdict;

/// Review the machine identities of your clouds and SaaS: import their exports, decide
/// keep / reduce / revoke with a business function, and prove it.
#[derive(Debug, Parser)]
#[command(name = "nhi-review", version, about, long_about = None)]
pub struct Cli {
    /// Review database file (default: in your platform's data directory)
    #[arg(long, global = true, env = "NHI_REVIEW_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Seconds to wait while another nhi-review writes to the database
    #[arg(long, global = true, env = "NHI_REVIEW_WAIT", value_name = "SECONDS", default_value_t = crate::db::wait::DEFAULT_WAIT_SECS)]
    pub wait: u64,

    /// No progress bars on standard error (they are drawn only on a terminal anyway)
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Say on standard error what the run assumed and why (-vv: more detail; RUST_LOG, when
    /// set, decides instead)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do
    #[command(subcommand)]
    pub command: Command,

    /// Whether `--db` was typed (rather than taken from `NHI_REVIEW_DB`): `demo` uses a
    /// temporary database unless told otherwise on its own command line.
    #[arg(skip)]
    pub db_on_command_line: bool,
}

impl Cli {
    /// Parse the process arguments (exiting with clap's message and code on a usage error),
    /// noting where `--db` came from.
    pub fn parse_args() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        cli.db_on_command_line =
            db_source(&matches) == Some(clap::parser::ValueSource::CommandLine);
        if let Command::Import(args) = &mut cli.command
            && let Some(("import", sub)) = matches.subcommand()
        {
            let at = |id: &str| -> Vec<usize> {
                sub.indices_of(id)
                    .map(Iterator::collect)
                    .unwrap_or_default()
            };
            args.file_accounts = accounts_by_position(&at("files"), &at("account"), &args.account)
                .unwrap_or_else(|message| {
                    // Told with the usage of `import`, as clap tells its own mistakes.
                    let mut cli = Cli::command();
                    cli.build();
                    let import = cli.find_subcommand_mut("import").expect("import");
                    import
                        .error(clap::error::ErrorKind::ArgumentConflict, message)
                        .exit()
                });
        }
        cli
    }
}

/// The account of each file of `import`, from where the files and `--account`s stand on the
/// command line (their clap indices): given once, `--account` applies to every file; given
/// several times, each applies to the files that follow it, up to the next, and files before
/// the first have none (their exports name their accounts).
pub fn accounts_by_position(
    files: &[usize],
    account_at: &[usize],
    accounts: &[String],
) -> Result<Vec<Option<String>>, String> {
    if accounts.len() <= 1 {
        return Ok(vec![accounts.first().cloned(); files.len()]);
    }
    let mut out = Vec::with_capacity(files.len());
    let mut used = vec![false; accounts.len()];
    for &file in files {
        let before = account_at.iter().rposition(|&a| a < file);
        if let Some(i) = before {
            used[i] = true;
        }
        out.push(before.map(|i| accounts[i].clone()));
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(format!(
            "--account {} is followed by no file: given several times, each --account applies to the files after it (import --account A a/*.json --account B b/*.json)",
            accounts[i]
        ));
    }
    Ok(out)
}

/// Where the global `--db` value came from, looking into subcommands.
fn db_source(m: &clap::ArgMatches) -> Option<clap::parser::ValueSource> {
    m.subcommand()
        .and_then(|(_, sub)| db_source(sub))
        .or_else(|| m.value_source("db"))
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import exports (format detected from content); prints one reconciliation line per file
    #[command(
        after_help = "Examples:\n  nhi-review import credential-report.csv authorization-details.json\n  nhi-review import --account gke-prod prod/*.json --account gke-test test/*.json"
    )]
    Import(ImportArgs),
    /// List imported files with sha256 and counts
    #[command(after_help = "Examples:\n  nhi-review sources\n  nhi-review sources --format json")]
    Sources(SourcesArgs),
    /// List identities with credentials, grants and risk signals
    #[command(
        after_help = "Examples:\n  nhi-review inventory --provider aws\n  nhi-review inventory --format json > inventory.jsonl"
    )]
    Inventory(InventoryArgs),
    /// Start, list, assign, follow (status), close or verify review campaigns
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  nhi-review campaign start 2026-Q4 --due 2026-12-31\n  nhi-review campaign verify 2026-Q4"
    )]
    Campaign(CampaignCommand),
    /// Open the review screen for a campaign (default: the newest open one)
    #[command(after_help = "Examples:\n  nhi-review review 2026-Q4 --mine")]
    Review(ReviewArgs),
    /// Record one decision without the review screen
    #[command(
        after_help = "Examples:\n  nhi-review decide --campaign 2026-Q4 --identity aws-12 --verdict revoke --function \"Old CI\" --justification \"Replaced by OIDC\""
    )]
    Decide(DecideArgs),
    /// Set an identity's accountable owner, business function or expected-unused mark in a
    /// campaign (chained)
    #[command(
        after_help = "Examples:\n  nhi-review annotate --campaign 2026-Q4 --identity aws-18 --expected-unused \"DR restores only\""
    )]
    Annotate(AnnotateArgs),
    /// Write decisions, the inventory, a reviewer's packet or an access review as CSV
    #[command(
        after_help = "Examples:\n  nhi-review export decisions --campaign 2026-Q4 -o decisions.csv\n  nhi-review export inventory --campaign 2026-Q4 -o population.csv"
    )]
    Export(ExportArgs),
    /// Record the decisions of a filled-in packet, row by row under the same rules
    #[command(
        after_help = "Examples:\n  nhi-review import-decisions bo.csv --campaign 2026-Q4 --reviewer bo@example.com"
    )]
    ImportDecisions(ImportDecisionsArgs),
    /// Check the database: SQLite integrity, foreign keys, every campaign's chain; one line per
    /// problem, exit 1 on any
    #[command(after_help = "Examples:\n  nhi-review check\n  nhi-review check --format json")]
    Check(CheckArgs),
    /// The provider commands that carry out a campaign's revokes and reduces, and whether later
    /// imports show them done (nothing is executed)
    #[command(
        after_help = "Examples:\n  nhi-review remediation --campaign 2026-Q4 -o remediation.sh"
    )]
    Remediation(RemediationArgs),
    /// Import the bundled example organisation into a fresh database and open the review
    #[command(
        after_help = "Examples:\n  nhi-review demo\n  nhi-review demo --db demo.db --no-review"
    )]
    Demo(DemoArgs),
    /// Sign the evidence bundle of a closed campaign, for auditors
    #[command(
        after_help = "Examples:\n  nhi-review evidence --campaign 2026-Q4 --key ~/.ssh/id_ed25519 --signer alice@example.com -o evidence-2026-Q4"
    )]
    Evidence(EvidenceArgs),
    /// Check an evidence bundle as an auditor would
    #[command(
        after_help = "Examples:\n  nhi-review verify evidence-2026-Q4 --allowed-signers trusted --campaign 2026-Q4\n  nhi-review verify evidence-2026-Q4 --allowed-signers trusted --signer alice@example.com"
    )]
    Verify(VerifyArgs),
    /// Print a shell completion script to standard output
    #[command(
        after_help = "Examples:\n  nhi-review completions bash > ~/.local/share/bash-completion/completions/nhi-review\n  nhi-review completions zsh > \"${fpath[1]}/_nhi-review\""
    )]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output, or write it with -o
    #[command(
        after_help = "Examples:\n  nhi-review man | man -l -\n  nhi-review man -o nhi-review.1"
    )]
    Man {
        /// Output file (default: standard output)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files; '-' reads standard input
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Skip content detection and read the files as this format
    #[arg(long, value_name = "NAME", value_parser = format_names())]
    pub format: Option<String>,
    /// Account, project or tenant (a Kubernetes cluster's name), for files that do not say.
    /// Given once, for every file; given several times, each for the files after it
    #[arg(long, value_name = "ID", action = clap::ArgAction::Append)]
    pub account: Vec<String>,
    /// Record bad rows as rejects and import the rest (exit code 3)
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Column-mapping file (TOML) for a CSV export of any other SaaS
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Let an import mark more than half of a source's identities gone (otherwise it stops
    /// and changes nothing)
    #[arg(long)]
    pub accept_removals: bool,
    /// Each file's account (filled in from the positions on the command line; empty: every
    /// file takes the first `--account`, if any).
    #[arg(skip)]
    pub file_accounts: Vec<Option<String>>,
}

impl ImportArgs {
    /// The `--account` that applies to the `i`th file.
    pub fn account_for(&self, i: usize) -> Option<&str> {
        match self.file_accounts.get(i) {
            Some(a) => a.as_deref(),
            None => self.account.first().map(String::as_str),
        }
    }
}

/// `sources`.
#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// The same as --format json (kept for scripts written before --format)
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
}

impl SourcesArgs {
    /// The format asked for, `--json` included.
    pub fn format(&self) -> ListFormat {
        if self.json {
            ListFormat::Json
        } else {
            self.format
        }
    }
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// The `--format` names of every importer.
fn format_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(nhi_importers::Format::ALL.iter().map(|f| f.name()))
}

/// Output formats of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for people
    Table,
    /// Comma-separated values with a header
    Csv,
    /// JSON Lines: one object per line
    Json,
}

/// `inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Only this provider (aws, gcp, azure, …)
    #[arg(long)]
    pub provider: Option<String>,
    /// Only this kind (iam_user, service_account, …)
    #[arg(long)]
    pub kind: Option<String>,
    /// Include identities absent from the newest export of their source
    #[arg(long)]
    pub include_gone: bool,
    /// Reference date for signal ages (default: now)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Days after which a credential is due for rotation
    #[arg(long, default_value_t = 90)]
    pub rotation_days: i64,
    /// Days without use after which an identity is inactive
    #[arg(long, default_value_t = 90)]
    pub inactivity_days: i64,
}

/// `campaign …`.
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Freeze today's identities as the population of a new campaign
    #[command(
        after_help = "Examples:\n  nhi-review campaign start 2026-Q4 --due 2026-12-31\n  nhi-review campaign start Q4-privileged --tier admin --second-review admin"
    )]
    Start {
        /// Campaign name, e.g. 2026-Q4
        name: String,
        /// Due date
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<chrono::NaiveDate>,
        /// Days after which a credential is due for rotation
        #[arg(long, default_value_t = 90)]
        rotation_days: i64,
        /// Days without use after which an identity is inactive
        #[arg(long, default_value_t = 90)]
        inactivity_days: i64,
        /// Who starts it (default: as for decisions)
        #[arg(long)]
        reviewer: Option<String>,
        /// Which identities are in scope
        #[command(flatten)]
        scope: ScopeArgs,
        /// Reviewer of identities with no owner (else they are listed unassigned)
        #[arg(long, value_name = "REVIEWER")]
        default_reviewer: Option<String>,
        /// Keeps of admin-tier access stand only once a second, different reviewer confirms them
        #[arg(long, value_name = "WHICH", value_parser = ["admin"])]
        second_review: Option<String>,
        /// Nobody may decide (or confirm) an identity they own
        #[arg(long)]
        independent: bool,
    },
    /// List campaigns with progress and the head of each chain
    #[command(
        after_help = "Examples:\n  nhi-review campaign list\n  nhi-review campaign list --format json"
    )]
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Assign identities to a reviewer (or reassign, delegate): one chained record each
    #[command(group(clap::ArgGroup::new("which").required(true).multiple(true).args(["owner", "provider", "identity", "from"])))]
    #[command(
        after_help = "Examples:\n  nhi-review campaign assign 2026-Q4 --provider aws --to ana@example.com --reason \"AWS lead\""
    )]
    Assign {
        /// Campaign name
        name: String,
        /// Identities whose owner in force is this (repeatable)
        #[arg(long)]
        owner: Vec<String>,
        /// Identities of this provider (repeatable)
        #[arg(long)]
        provider: Vec<String>,
        /// This identity: short or native id (repeatable)
        #[arg(long)]
        identity: Vec<String>,
        /// Identities now assigned to this reviewer: a delegation (repeatable)
        #[arg(long, value_name = "REVIEWER")]
        from: Vec<String>,
        /// The reviewer to assign them to
        #[arg(long, value_name = "REVIEWER")]
        to: String,
        /// Why (recorded)
        #[arg(long)]
        reason: String,
        /// Who assigns (default: as for decisions)
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Progress per reviewer and per owner: decided, waiting for a second review, undecided, overdue
    #[command(
        after_help = "Examples:\n  nhi-review campaign status 2026-Q4\n  nhi-review campaign status 2026-Q4 --format json"
    )]
    Status {
        /// Campaign name
        name: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Close a campaign: no further decisions; refused while identities are undecided
    #[command(
        after_help = "Examples:\n  nhi-review campaign close 2026-Q4\n  nhi-review campaign close 2026-Q4 --accept-undecided"
    )]
    Close {
        /// Campaign name
        name: String,
        /// Record every undecided identity as unreviewed, then close
        #[arg(long)]
        accept_undecided: bool,
        /// Who closes it (default: as for decisions)
        #[arg(long)]
        reviewer: Option<String>,
    },
    /// Check a campaign's chain and everything derived from it; prints the head to write down
    #[command(
        after_help = "Examples:\n  nhi-review campaign verify 2026-Q4\n  nhi-review campaign verify 2026-Q4 --format json"
    )]
    Verify {
        /// Campaign name
        name: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// Which identities a campaign covers (each repeatable; values of one filter OR'ed).
#[derive(Debug, Args, Default)]
pub struct ScopeArgs {
    /// Only this provider
    #[arg(long = "provider")]
    pub providers: Vec<String>,
    /// Only this account, project, tenant, cluster or org
    #[arg(long = "account")]
    pub accounts: Vec<String>,
    /// Only this kind (iam_user, service_account, …)
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
    /// Only identities holding a grant of this tier
    #[arg(long = "tier", value_parser = ["admin", "write", "read", "unknown"])]
    pub tiers: Vec<String>,
    /// Only identities with this owner
    #[arg(long = "owner")]
    pub owners: Vec<String>,
}

/// `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Campaign name (default: the newest open campaign)
    pub campaign: Option<String>,
    /// Reviewer name stored on each decision (default: $NHI_REVIEW_REVIEWER, then the config file, then your login name)
    #[arg(long)]
    pub reviewer: Option<String>,
    /// Only the identities assigned to you
    #[arg(long, conflicts_with = "assigned_to")]
    pub mine: bool,
    /// Only the identities assigned to this reviewer
    #[arg(long, value_name = "REVIEWER")]
    pub assigned_to: Option<String>,
}

/// `decide`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["verdict", "undo", "reattest", "confirm"])))]
pub struct DecideArgs {
    /// Campaign name
    #[arg(long)]
    pub campaign: String,
    /// Identity: the id the inventory prints, or the native id (ARN, email, …)
    #[arg(long)]
    pub identity: String,
    /// Verdict
    #[arg(long, value_enum)]
    pub verdict: Option<Verdict>,
    /// Withdraw the standing decision (recorded as a new record)
    #[arg(long)]
    pub undo: bool,
    /// Keep again, as last campaign decided, an identity unchanged since
    #[arg(long)]
    pub reattest: bool,
    /// Confirm, as a second reviewer, a keep that waits for its second review
    #[arg(long)]
    pub confirm: bool,
    /// A credential or grant to remove (reduce), as 'credential:ID' or
    /// 'grant:PERMISSION@RESOURCE[;via=…][;if=…]' (or a shorter form naming one item); repeat
    /// for several
    #[arg(long = "remove", value_name = "ITEM")]
    pub remove: Vec<String>,
    /// The business function the identity serves (default: the one in force)
    #[arg(long)]
    pub function: Option<String>,
    /// Why
    #[arg(long, default_value = "")]
    pub justification: String,
    /// Who decides (default: $NHI_REVIEW_REVIEWER, then the config file, then your login name)
    #[arg(long)]
    pub reviewer: Option<String>,
    /// Set the identity's accountable owner with the decision (recorded before it, in the same
    /// transaction)
    #[arg(long)]
    pub owner: Option<String>,
}

/// `annotate`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["owner", "function", "expected_unused"])))]
pub struct AnnotateArgs {
    /// Campaign name
    #[arg(long)]
    pub campaign: String,
    /// Identity: the id the inventory prints, or the native id
    #[arg(long)]
    pub identity: String,
    /// New accountable owner (empty clears it)
    #[arg(long)]
    pub owner: Option<String>,
    /// New business function (empty clears it)
    #[arg(long)]
    pub function: Option<String>,
    /// Mark it unused by design, with the reason (e.g. a disaster-recovery account): its signals
    /// stop calling it unused, in this campaign and the next; empty withdraws the mark
    #[arg(long, value_name = "REASON")]
    pub expected_unused: Option<String>,
    /// Who (default: as for decisions)
    #[arg(long)]
    pub reviewer: Option<String>,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    /// Every record of the campaign's chain (start, decisions, owner and function changes,
    /// close), with its hashes
    Decisions,
    /// The campaign's population with standing verdicts
    Inventory,
    /// A reviewer's (or an owner's) slice to fill in offline, read back with import-decisions
    Packet,
    /// The campaign as a GRC tool takes an access review: --style vanta (one row per
    /// identity) or grants (one row per grant, for an auditor to sample)
    AccessReview,
}

/// Shapes of `export access-review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AccessReviewStyle {
    /// One row per identity with the columns of Vanta's access review upload
    #[default]
    Vanta,
    /// One row per grant, with the verdict and whether the decision removes it
    Grants,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export
    #[arg(value_enum)]
    pub what: ExportKind,
    /// Campaign name
    #[arg(long)]
    pub campaign: String,
    /// Output file (default: standard output)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Packet: the identities assigned to this reviewer
    #[arg(long, value_name = "REVIEWER", conflicts_with = "owner")]
    pub reviewer: Option<String>,
    /// Packet: the identities with this owner
    #[arg(long)]
    pub owner: Option<String>,
    /// Packet: only the identities with no standing verdict (what is left to decide)
    #[arg(long)]
    pub undecided: bool,
    /// Access review: the shape of the file (default: vanta)
    #[arg(long, value_enum, value_name = "STYLE")]
    pub style: Option<AccessReviewStyle>,
}

/// `remediation`.
#[derive(Debug, Args)]
pub struct RemediationArgs {
    /// Campaign name
    #[arg(long)]
    pub campaign: String,
    /// sh: a bash runbook (dry run unless --execute-ready); md: for a change ticket; csv: one
    /// ticket row per item
    #[arg(long, value_enum, default_value_t = crate::remediation::render::Format::Sh)]
    pub format: crate::remediation::render::Format,
    /// Output file (default: standard output)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a runbook that runs its commands instead of printing them
    #[arg(long)]
    pub execute_ready: bool,
    /// Only what a later import has not shown carried out
    #[arg(long)]
    pub outstanding: bool,
}

/// `import-decisions`.
#[derive(Debug, Args)]
pub struct ImportDecisionsArgs {
    /// A packet filled in (CSV, as `export packet` wrote it)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Campaign name
    #[arg(long)]
    pub campaign: String,
    /// Who decided the rows (default: as for decisions)
    #[arg(long)]
    pub reviewer: Option<String>,
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Reviewer name for the demo's decisions
    #[arg(long)]
    pub reviewer: Option<String>,
    /// Import and start the campaign, print what was done, and do not open the screen
    #[arg(long)]
    pub no_review: bool,
}

/// `evidence`.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// Campaign name (it must be closed)
    #[arg(long)]
    pub campaign: String,
    /// OpenSSH Ed25519 private key file (a passphrase is asked for on the terminal, or taken
    /// from NHI_REVIEW_KEY_PASSPHRASE), or the .pub file of a key held by ssh-agent
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Signer identity, as auditors list it in allowed_signers (e.g. alice@example.com)
    #[arg(long, value_name = "ID")]
    pub signer: String,
    /// Bundle folder to create (default: evidence-CAMPAIGN)
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle's folder
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// allowed_signers file you trust, obtained outside the bundle (without it the signature
    /// is checked but the signer is not trusted)
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Signer identity expected (default: the one the bundle names)
    #[arg(long, value_name = "ID")]
    pub signer: Option<String>,
    /// Campaign expected: a valid bundle of another campaign is refused
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
}
