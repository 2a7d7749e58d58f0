use std::process::ExitCode;

use clap::Parser;
use psa_onboard::cli::{self, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let result = match &cli.command {
        None | Some(Command::Wizards) => cli::list_wizards(&cli, &mut stdout)
            .map_err(|e| cli::UsageError(format!("cannot write: {e}"))),
        Some(Command::Show { wizard, width }) => cli::show(&cli, wizard, *width, &mut stdout),
        Some(Command::Validate { file }) => cli::validate(file, &mut stdout),
        Some(Command::Check(args)) => {
            return match psa_onboard::verify::check_cmd::run(&cli, args, &mut stdout) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("psa-onboard: {e}");
                    ExitCode::from(2)
                }
            };
        }
        Some(Command::Sandbox(args)) => {
            psa_onboard::sandbox::standalone::run(args, &mut stdout).map_err(cli::UsageError)
        }
        Some(Command::Sessions { action }) => {
            psa_onboard::session::command::run(action.as_ref(), &mut stdout)
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
            &mut stdout,
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
