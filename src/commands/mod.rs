//! One function per subcommand; they print to a writer so tests can read what users see.

mod access_review;
mod campaign;
mod conventions;
mod decide;
mod demo;
mod evidence;
mod export;
mod import;
mod inventory;
mod listings;
mod packet;
pub(crate) mod progress;
mod remediation;
mod status;
mod verify;

use std::io::Write;

use anyhow::Result;

pub use import::{ImportInput, import_one, reconciliation_line};

use crate::cli::Command;
use crate::db::Store;
use crate::{Outcome, RunContext};

/// Open the database the context names (or the default one) for writing.
pub fn open_store(ctx: &RunContext) -> Result<Store> {
    Store::open_existing(&ctx.db_path()?, crate::db::Checked::Whole)
}

/// [`open_store`] for a command whose work outlasts SQLite's quick check of the file (an
/// import, the review screen, campaign start): the check runs beside it and the first commit
/// waits for it, so a 2 GB database costs no seconds before the work starts.
pub fn open_store_checking_beside(ctx: &RunContext) -> Result<Store> {
    Store::open_existing(&ctx.db_path()?, crate::db::Checked::Beside)
}

/// [`open_store_checking_beside`], making the database where there is none yet (an import).
pub fn open_or_make_store(ctx: &RunContext) -> Result<Store> {
    Store::open_checked(&ctx.db_path()?, crate::db::Checked::Beside)
}

/// Open the database the context names for reading only: nothing is written, a read-only file
/// or file system is fine.
pub fn open_store_read_only(ctx: &RunContext) -> Result<Store> {
    Store::open_read_only(&ctx.db_path()?)
}

/// Run one subcommand.
pub fn run(ctx: &RunContext, command: Command) -> Result<Outcome> {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    // Standard output on a terminal goes through the terminal-safe writer, whatever the
    // format; tables and messages are made inert cell by cell as well (for pipes to a pager).
    let mut out: Box<dyn Write> = if stdout.is_terminal() {
        Box::new(crate::output::TerminalSafe::new(stdout.lock()))
    } else {
        Box::new(stdout.lock())
    };
    let outcome = match command {
        Command::Import(args) => import::run(ctx, &args, &mut out)?,
        Command::Sources(args) => {
            listings::sources(&open_store_read_only(ctx)?, args.format(), &mut out)?;
            Outcome::Done
        }
        Command::Inventory(args) => {
            inventory::run(&open_store_read_only(ctx)?, ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Campaign(cmd) => {
            campaign::run(ctx, cmd, &mut out)?;
            Outcome::Done
        }
        Command::Review(args) => {
            drop(out);
            let mut store = open_store_checking_beside(ctx)?;
            let name = match args.campaign {
                Some(n) => n,
                None => campaign::newest_open(&store)?,
            };
            let reviewer = crate::review::reviewer::resolve(args.reviewer.as_deref())?;
            let assigned = match (args.mine, args.assigned_to) {
                (true, _) => Some(reviewer.clone()),
                (false, to) => to,
            };
            crate::tui::run_terminal(&mut store, &name, &reviewer, assigned)?;
            Outcome::Done
        }
        Command::Decide(args) => {
            decide::run(&mut open_store(ctx)?, ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Annotate(args) => {
            decide::annotate(&mut open_store(ctx)?, ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Export(args) => {
            export::run(&open_store_read_only(ctx)?, ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::ImportDecisions(args) => {
            packet::import(&mut open_store(ctx)?, ctx, &args, &mut out)?
        }
        Command::Check(args) if args.format == crate::cli::ListFormat::Table => {
            check(&open_store_read_only(ctx)?, &mut out)?;
            Outcome::Done
        }
        Command::Check(args) => {
            let result = listings::check(&open_store_read_only(ctx)?, args.format, &mut out);
            finish(&mut out)?;
            result?;
            Outcome::Done
        }
        Command::Remediation(args) => {
            remediation::run(&open_store_read_only(ctx)?, ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Demo(args) => {
            drop(out);
            demo::run(ctx, &args)?
        }
        Command::Evidence(args) => {
            evidence::run(ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Verify(args) => {
            verify::run(ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Completions { shell } => {
            conventions::completions(shell, &mut out)?;
            Outcome::Done
        }
        Command::Man { output } => {
            conventions::man(ctx, output.as_deref(), &mut out)?;
            Outcome::Done
        }
    };
    Ok(outcome)
}

/// `check`: every problem on its own line, exit 1 on any.
fn check(store: &Store, out: &mut dyn Write) -> Result<()> {
    let health = crate::review::health::check(store)?;
    for p in &health.problems {
        writeln!(out, "{}", crate::text::inert(&p.to_string()))?;
    }
    if !health.problems.is_empty() {
        finish(out)?;
        anyhow::bail!(
            "the database has {} problem(s), listed above: restore it from a backup; the evidence bundles hold every campaign's chain",
            health.problems.len()
        );
    }
    writeln!(
        out,
        "ok: integrity, foreign keys, {} campaign(s)",
        health.campaigns.len()
    )?;
    for (name, head) in &health.campaigns {
        match head {
            Some((seq, hash)) => writeln!(
                out,
                "  {}: intact, head #{seq} {hash}",
                crate::text::inert(name)
            )?,
            None => writeln!(out, "  {}: no records", crate::text::inert(name))?,
        }
    }
    finish(out)
}

/// Flush, mapping a closed pipe to success (so `| head` does not print an error).
pub(crate) fn finish(out: &mut dyn Write) -> Result<()> {
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
