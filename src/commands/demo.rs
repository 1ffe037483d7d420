//! `demo`: the bundled example organisation in a fresh database, then the review screen.

use anyhow::{Result, bail};
use chrono::Datelike;

use super::reconciliation_line;
use crate::cli::DemoArgs;
use crate::db::Store;
use crate::{Outcome, RunContext};

/// Run the demo.
pub fn run(ctx: &RunContext, args: &DemoArgs) -> Result<Outcome> {
    if !args.no_review {
        crate::tui::require_terminal()?;
    }
    // A fresh temporary database unless one is named on this command line (an NHI_REVIEW_DB
    // meant for real reviews is left alone); it is removed when the demo ends.
    let temp = tempfile::tempdir()?;
    let named = ctx.db.as_ref().filter(|_| ctx.db_on_command_line);
    let path = match named {
        Some(p) => {
            if p.exists() && std::fs::metadata(p)?.len() > 0 {
                bail!(
                    "'{}' already exists: the demo needs a fresh database (omit --db to use a temporary one)",
                    p.display()
                );
            }
            p.clone()
        }
        None => temp.path().join("demo.db"),
    };
    let mut store = Store::open(&path)?;
    let lines: Vec<String> = crate::examples::import_all(&mut store, ctx.now)?
        .iter()
        .map(reconciliation_line)
        .collect();
    let quarter = (ctx.now.month0() / 3) + 1;
    let name = format!("{}-Q{quarter}", ctx.now.year());
    let due = ctx.now.date_naive() + chrono::Days::new(30);
    let reviewer = crate::review::reviewer::resolve(args.reviewer.as_deref())?;
    let campaign = crate::review::start(
        &mut store,
        &crate::review::StartRequest {
            due: Some(due),
            ..crate::review::StartRequest::new(&name, ctx.now, &reviewer)
        },
    )?;
    if args.no_review {
        for l in &lines {
            println!("{l}");
        }
        println!(
            "started campaign '{}' with {} identities in {}",
            campaign.name,
            campaign.population_size,
            if named.is_some() {
                path.display().to_string()
            } else {
                "a temporary database".into()
            }
        );
        return Ok(Outcome::Done);
    }
    crate::tui::run_terminal(&mut store, &campaign.name, &reviewer, None)?;
    if named.is_none() {
        println!(
            "demo finished; its temporary database was removed. To keep one: nhi-review demo --db demo.db"
        );
    }
    Ok(Outcome::Done)
}
