//! The binary: parse the command line, run the command, turn the result into an exit code
//! (0 done, 1 a check failed, 2 the command could not run).

use std::process::ExitCode;

use clap::Parser;
use psa_onboard::cli::Cli;
use psa_onboard::commands::{self, Outcome};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The TUI and `check` log to a file, never the terminal; the guard flushes it at exit.
    let _log = commands::logs(&cli).then(psa_onboard::logging::init);
    // Not `stdout().lock()`: the TUI draws on stdout from its own tasks while this runs.
    match commands::run(&cli, &mut std::io::stdout()) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::ChecksFailed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("psa-onboard: {e}");
            ExitCode::from(2)
        }
    }
}
