//! `completions` and `man`: what shells and `man` need, generated from the clap definition so
//! they never drift from the real command line.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use clap::CommandFactory;

use crate::RunContext;
use crate::cli::Cli;
use crate::output::SafeFile;

/// `completions SHELL`: the completion script on standard output.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "nhi-review", out);
    super::finish(out)
}

/// The manual page (roff): synopsis, options, every subcommand with what it does, examples.
pub fn man_page(w: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(Cli::command()).render(w)?;
    Ok(())
}

/// `man [-o FILE]`.
pub fn man(ctx: &RunContext, output: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let Some(path) = output else {
        man_page(out)?;
        return super::finish(out);
    };
    let mut file = SafeFile::create(path, &ctx.protected_paths()?)?;
    man_page(&mut file)?;
    file.commit()?;
    writeln!(out, "wrote the manual page to '{}'", path.display())?;
    super::finish(out)
}
