//! nhi-review: quarterly review of non-human identities.
//!
//! Module map:
//! - [`cli`]: the command line; [`commands`]: one function per subcommand.
//! - [`review`]: the domain layer — every rule of a campaign, called by the command line, the
//!   screen and packets alike.
//! - [`db`]: the review database, the only place with SQL; it persists and queries.
//! - [`model`] and [`ids`]: domain types; [`signals`]: risk signals and their table;
//!   [`chain`]: the canonical records of a campaign's hash chain.
//! - [`evidence`]: signed evidence bundles of closed campaigns, and their verification.
//! - [`output`]: files written safely, CSV cells neutralised.
//! - [`progress`]: how long loops tell how far they got (the command line draws it);
//!   [`logging`]: `-v` / `RUST_LOG` through `tracing`, on standard error.
//! - [`tui`]: the review screen (state, keymap, drawing, run loop).
//! - Parsing exports lives in the `nhi-importers` crate.

#![warn(missing_docs)]

pub mod chain;
pub mod cli;
pub mod commands;
pub mod db;
pub mod evidence;
pub mod examples;
pub mod ids;
pub mod logging;
pub mod model;
pub mod output;
pub mod progress;
pub mod remediation;
pub mod review;
pub mod signals;
pub mod text;
pub mod tui;

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

/// How a command ended, beyond success and failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything done.
    Done,
    /// An import finished but skipped rejected rows.
    ImportedWithRejects,
}

impl Outcome {
    /// Process exit code: 0 ok, 3 import with rejected rows.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Done => 0,
            Outcome::ImportedWithRejects => 3,
        }
    }
}

/// A scoped worker's result; a worker that panicked is an error saying `what` stopped.
pub fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>, what: &str) -> Result<T> {
    handle
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("{what} stopped unexpectedly")))
}

/// Run a parsed command line.
pub fn run(cli: cli::Cli) -> Result<Outcome> {
    let ctx = RunContext {
        db: cli.db,
        db_on_command_line: cli.db_on_command_line,
        now: now()?,
        quiet: cli.quiet,
    };
    logging::init(cli.verbose);
    db::wait::set_bound(cli.wait);
    if tracing::enabled!(tracing::Level::INFO) {
        explain(&ctx);
    }
    commands::run(&ctx, cli.command).map_err(|e| {
        if db::wait::is_busy(&e) {
            e.context(format!(
                "the database stayed busy for {} s ({}); nothing was written: try again when it is done, or wait longer with --wait SECONDS",
                db::wait::bound().as_secs(),
                db::wait::waiting_message()
                    .trim_start_matches("waiting: ")
                    .split(';')
                    .next()
                    .unwrap_or_default()
            ))
        } else {
            e
        }
    })
}

/// What every command may need besides its arguments.
pub struct RunContext {
    /// `--db` or `NHI_REVIEW_DB`, if given.
    pub db: Option<PathBuf>,
    /// Whether `db` was typed on the command line (not taken from the environment).
    pub db_on_command_line: bool,
    /// The time this run calls "now".
    pub now: DateTime<Utc>,
    /// `-q`: no progress on standard error.
    pub quiet: bool,
}

/// `-v`: say what this run assumed and why (the database, the time, the config file).
fn explain(ctx: &RunContext) {
    let db = match (&ctx.db, ctx.db_on_command_line) {
        (Some(p), true) => format!("'{}' (from --db)", p.display()),
        (Some(p), false) => format!("'{}' (from NHI_REVIEW_DB)", p.display()),
        (None, _) => match default_db_path() {
            Ok(p) => format!("'{}' (the default: no --db, no NHI_REVIEW_DB)", p.display()),
            Err(e) => format!("none ({e})"),
        },
    };
    tracing::info!("database {}", text::inert(&db));
    let pinned = std::env::var("NHI_REVIEW_NOW").is_ok_and(|s| !s.is_empty());
    tracing::info!(
        "now is {}{}",
        db::ts(ctx.now),
        if pinned {
            " (pinned by NHI_REVIEW_NOW)"
        } else {
            " (the clock)"
        }
    );
    match config_path() {
        Some(p) if p.exists() => {
            tracing::info!("config file '{}'", text::inert(&p.display().to_string()))
        }
        Some(p) => tracing::info!(
            "no config file (would be '{}')",
            text::inert(&p.display().to_string())
        ),
        None => tracing::info!("no home directory, so no config file"),
    }
}

impl RunContext {
    /// The database path: `--db`, `NHI_REVIEW_DB`, or the default.
    pub fn db_path(&self) -> Result<PathBuf> {
        match &self.db {
            Some(p) => Ok(p.clone()),
            None => default_db_path(),
        }
    }

    /// The files no output may overwrite: the database and its journals.
    pub fn protected_paths(&self) -> Result<Vec<PathBuf>> {
        Ok(output::protected_paths(&self.db_path()?))
    }
}

/// The time now: the wall clock, or the `NHI_REVIEW_NOW` pin when it is valid.
pub fn clock() -> DateTime<Utc> {
    now().unwrap_or_else(|_| Utc::now())
}

/// The wall clock, unless `NHI_REVIEW_NOW` (RFC 3339) pins it for a reproducible run.
fn now() -> Result<DateTime<Utc>> {
    match std::env::var("NHI_REVIEW_NOW") {
        Ok(s) if !s.is_empty() => Ok(DateTime::parse_from_rfc3339(&s)
            .with_context(|| format!("NHI_REVIEW_NOW='{s}' is not an RFC 3339 time"))?
            .with_timezone(&Utc)),
        _ => Ok(Utc::now()),
    }
}

/// The default database path: `<data dir>/nhi-review/review.db`.
pub fn default_db_path() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "nhi-review")
        .context("cannot find a home directory for the default database: pass --db PATH")?;
    Ok(dirs.data_dir().join("review.db"))
}

/// Settings a user may keep in `<config dir>/nhi-review/config.toml`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Reviewer name stored on decisions when `--reviewer` is not given.
    pub reviewer: Option<String>,
}

/// Path of the config file.
pub fn config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "nhi-review").map(|d| d.config_dir().join("config.toml"))
}

/// Read the config file; a missing file is an empty config, a broken one an error.
pub fn config() -> Result<Config> {
    let Some(path) = config_path() else {
        return Ok(Config::default());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .with_context(|| format!("reading the config file '{}'", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("reading the config file '{}'", path.display())),
    }
}
