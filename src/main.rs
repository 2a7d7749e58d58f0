use std::process::ExitCode;

use clap::Parser;
use psa_onboard::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The TUI and `check` log to a file, never the terminal; the guard flushes it at exit.
    let _log = matches!(
        &cli.command,
        None | Some(Command::Run { .. } | Command::Resume { .. } | Command::Demo { .. })
            | Some(Command::Check(_))
    )
    .then(psa_onboard::logging::init);
    let result = match &cli.command {
        Some(Command::Wizards { psa, search }) => {
            let filter = cli::WizardFilter {
                psa: psa.map(Into::into),
                search: search.clone(),
            };
            cli::list_wizards(&cli, &filter, &mut std::io::stdout().lock())
                .map_err(|e| cli::UsageError(format!("cannot write: {e}")))
        }
        Some(Command::Show { wizard, width }) => {
            cli::show(&cli, wizard, *width, &mut std::io::stdout().lock())
        }
        Some(Command::Validate { file }) => cli::validate(file, &mut std::io::stdout().lock()),
        None | Some(Command::Run { .. } | Command::Resume { .. } | Command::Demo { .. }) => {
            interactive(&cli)
        }
        Some(Command::Check(args)) => {
            return match psa_onboard::verify::check_cmd::run(
                &cli,
                args,
                &mut std::io::stdout().lock(),
            ) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("psa-onboard: {e}");
                    ExitCode::from(2)
                }
            };
        }
        Some(Command::Sandbox(args)) => {
            psa_onboard::sandbox::standalone::run(args, &mut std::io::stdout().lock())
                .map_err(cli::UsageError)
        }
        Some(Command::Completions { shell }) => {
            cli::completions(*shell, &mut std::io::stdout().lock())
        }
        Some(Command::Man { dir }) => cli::man(dir.as_deref(), &mut std::io::stdout().lock()),
        Some(Command::Sessions { action }) => {
            psa_onboard::session::command::run(action.as_ref(), &mut std::io::stdout().lock())
        }
        Some(Command::Export {
            session,
            format,
            output,
            example,
        }) => psa_onboard::export::command::run(
            session.as_deref(),
            *example,
            *format,
            output.as_deref(),
            cli.wizard_dir().as_deref(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("psa-onboard: {e}");
            ExitCode::from(2)
        }
    }
}

/// The TUI commands: error and panic hooks first, then a tokio runtime.
fn interactive(cli: &Cli) -> Result<(), cli::UsageError> {
    use psa_onboard::tui;
    // color-eyre first; the TUI's terminal-restoring hook is installed after it, so it runs first.
    let _ = color_eyre::install();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| cli::UsageError(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let store_dir = psa_onboard::session::Store::default_dir()
            .map_err(|e| cli::UsageError(e.to_string()))?;
        let mut services = tui::services::LiveServices::new(cli.wizard_dir(), store_dir);
        services.http = cli.net.http_config()?;
        let launch = match &cli.command {
            Some(Command::Run { wizard, name }) => tui::Launch::Run {
                wizard: wizard.clone(),
                name: name.clone(),
            },
            Some(Command::Resume { session }) => tui::Launch::Resume(session.clone()),
            Some(Command::Demo { wizard, fresh }) => {
                return tui::demo(wizard, *fresh, services)
                    .await
                    .map_err(|e| cli::UsageError(e.to_string()));
            }
            _ => tui::Launch::Start,
        };
        tui::launch(launch, services)
            .await
            .map_err(|e| cli::UsageError(e.to_string()))
    })
}
