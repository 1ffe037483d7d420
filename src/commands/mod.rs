//! One function per subcommand; they print to a writer so tests can read what users see.

mod campaign;
mod decide;
mod demo;
mod evidence;
mod export;
mod import;
mod inventory;
mod verify;

use std::io::Write;

use anyhow::Result;

pub use import::{ImportInput, import_one, reconciliation_line};

use crate::cli::Command;
use crate::db::Store;
use crate::{Outcome, RunContext};

/// Open the database the context names (or the default one).
pub fn open_store(ctx: &RunContext) -> Result<Store> {
    Store::open(&ctx.db_path()?)
}

/// Run one subcommand.
pub fn run(ctx: &RunContext, command: Command) -> Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = match command {
        Command::Import(args) => import::run(ctx, &args, &mut out)?,
        Command::Sources(args) => {
            import::sources(&open_store(ctx)?, args.json, &mut out)?;
            Outcome::Done
        }
        Command::Inventory(args) => {
            inventory::run(&open_store(ctx)?, ctx, &args, &mut out)?;
            Outcome::Done
        }
        Command::Campaign(cmd) => {
            campaign::run(&mut open_store(ctx)?, ctx, cmd, &mut out)?;
            Outcome::Done
        }
        Command::Review(args) => {
            drop(out);
            let mut store = open_store(ctx)?;
            let name = match args.campaign {
                Some(n) => n,
                None => campaign::newest_open(&store)?,
            };
            crate::tui::run_terminal(
                &mut store,
                &name,
                &crate::review::reviewer::resolve(args.reviewer.as_deref())?,
            )?;
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
            export::run(&open_store(ctx)?, ctx, &args, &mut out)?;
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
    };
    Ok(outcome)
}

/// Flush, mapping a closed pipe to success (so `| head` does not print an error).
pub(crate) fn finish(out: &mut dyn Write) -> Result<()> {
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
