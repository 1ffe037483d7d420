//! The `nhi-review` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

/// mimalloc instead of the system allocator: allocation was 14 % of the longest thread of
/// `evidence` at a million decisions with glibc's (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = nhi_review::cli::Cli::parse_args();
    match nhi_review::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote file names and cell values: shown inert, never run by the terminal.
            eprintln!("error: {}", nhi_review::text::error_text(&e));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(|e| {
                matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}
