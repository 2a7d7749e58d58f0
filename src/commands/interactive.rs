//! The TUI commands: the start screen (no subcommand), `run`, `resume` and `demo`.

use super::CommandError;
use crate::cli::{Cli, Command};
use crate::tui;

/// Install the error and panic hooks, start a tokio runtime, and run the TUI.
pub fn run(cli: &Cli) -> Result<(), CommandError> {
    // color-eyre first; the TUI's terminal-restoring hook is installed after it, so it runs first.
    let _ = color_eyre::install();
    let rt = tokio::runtime::Runtime::new().map_err(CommandError::Runtime)?;
    rt.block_on(async {
        let store_dir = crate::session::Store::default_dir()?;
        let mut services = tui::services::LiveServices::new(super::wizard_dir(cli), store_dir);
        services.http = super::http_config(&cli.net)?;
        let launch = match &cli.command {
            Some(Command::Run { wizard, name }) => tui::Launch::Run {
                wizard: wizard.clone(),
                name: name.clone(),
            },
            Some(Command::Resume { session }) => tui::Launch::Resume(session.clone()),
            Some(Command::Demo { wizard, fresh }) => {
                return Ok(tui::demo(wizard, *fresh, services).await?);
            }
            _ => tui::Launch::Start,
        };
        Ok(tui::launch(launch, services).await?)
    })
}
