//! `psa-onboard completions SHELL` and `psa-onboard man`: generated from the clap definitions.

use std::io::Write;

use super::CommandError;
use crate::cli::{Cli, CompletionShell};

/// `psa-onboard completions SHELL`: the completion script for the whole command line.
pub fn completions(shell: CompletionShell, out: &mut impl Write) -> Result<(), CommandError> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::from(shell),
        &mut cmd,
        "psa-onboard",
        &mut script,
    );
    if shell == CompletionShell::Bash {
        // clap_complete 4.6 names a subcommand's `case` label after the binary with its `-`
        // turned into `__subcmd__`, but the state it sets with `-` turned into `__`: no label
        // matches, and no subcommand's flags complete. Give the labels the state's spelling.
        let text = String::from_utf8_lossy(&script).replace("psa__subcmd__onboard", "psa__onboard");
        script = text.into_bytes();
    }
    out.write_all(&script).map_err(CommandError::write)
}

/// `psa-onboard man`: the manual page in roff, listing every subcommand; with `dir`, that page
/// and one per subcommand (the pages the list refers to), written there.
pub fn man(dir: Option<&std::path::Path>, out: &mut impl Write) -> Result<(), CommandError> {
    use clap::CommandFactory;
    let Some(dir) = dir else {
        return clap_mangen::Man::new(Cli::command())
            .render(out)
            .map_err(CommandError::write);
    };
    let failed = |source: std::io::Error| CommandError::Io {
        context: format!("cannot write the manual pages to {}", dir.display()),
        source,
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    writeln!(out, "Wrote the manual pages to {}", dir.display()).map_err(CommandError::write)
}
