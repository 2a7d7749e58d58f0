//! The command layer: one module per subcommand, each a thin function over the domain's APIs
//! (`wizard`, `verify`, `session`, `export`, `sandbox`, `tui`). `cli` only parses; `main` calls
//! [`run`] and turns its result into an exit code. Nothing below this layer imports it (the
//! `layering` test checks).

pub mod check;
mod check_human;
mod check_json;
pub mod completions;
pub mod export;
pub mod interactive;
pub mod sandbox;
pub mod sessions;
pub mod wizards;

pub use check::CHECK_JSON_VERSION;

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{Cli, Command, NetworkArgs};
use crate::psa::http::HttpConfig;

/// Why a command could not do its work: the process prints it after `psa-onboard: ` and exits 2.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command line asks for something that cannot be done (a missing flag or variable, an
    /// unknown optional step, a session that follows another wizard).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing failed; `context` says what ("cannot write", "cannot write FILE").
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// `--ca-cert` names a file that cannot be read.
    #[error("cannot use the CA certificate {path}: {source}")]
    CaCert {
        /// Cleaned for the terminal: the path comes from the command line.
        path: String,
        #[source]
        source: crate::files::ReadError,
    },
    /// A wizard could not be found or loaded. Its text is cleaned for the terminal, in ASCII
    /// when the locale is not UTF-8 (wizard files and their names come from anyone).
    #[error("{}", printable(&.0.to_string()))]
    WizardLoad(#[source] crate::wizard::ResolveError),
    /// A saved session could not be found, read, locked or written.
    #[error(transparent)]
    SessionOpen(#[from] crate::session::StoreError),
    /// A saved session's wizard could not be loaded again.
    #[error(transparent)]
    SessionWizard(#[from] crate::session::OpenError),
    /// A saved session could not be opened for re-verification (its wizard or its secret).
    #[error(transparent)]
    SessionResume(#[from] crate::session::ResumeError),
    /// The session name is not one psa-onboard accepts.
    #[error(transparent)]
    SessionName(#[from] crate::session::model::NameError),
    /// The run's results could not be saved into a session; the cause says which part failed.
    #[error("could not save session {name:?}: {source}")]
    SaveSession {
        name: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The checks ran, but their results could not be saved back into the session.
    #[error("verified, but could not save session {name:?}: {source}")]
    SaveVerified {
        name: String,
        #[source]
        source: crate::session::StoreError,
    },
    /// The OS keyring cannot be used (one sentence and a remedy).
    #[error(transparent)]
    Keyring(#[from] crate::secrets::KeyringUnavailable),
    /// The async runtime the command needs could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The TUI could not start (worded for the admin, with a remedy).
    #[error(transparent)]
    Tui(#[from] crate::tui::LaunchError),
    /// The sandbox could not start or run.
    #[error("{0}")]
    Sandbox(String),
    /// A report could not be encoded as JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

impl CommandError {
    /// "cannot write: …": the output (stdout) could not be written.
    pub fn write(source: std::io::Error) -> Self {
        CommandError::Io {
            context: "cannot write".into(),
            source,
        }
    }
}

/// What a command that ran found: `check` says whether every check passed (exit 0 or 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    ChecksFailed,
}

/// Whether the command logs to the log file (the TUI and `check` do; the others print only).
pub fn logs(cli: &Cli) -> bool {
    matches!(
        &cli.command,
        None | Some(
            Command::Run { .. } | Command::Resume { .. } | Command::Demo { .. } | Command::Check(_)
        )
    )
}

/// Run the parsed command line, writing its output to `out`.
pub fn run(cli: &Cli, out: &mut impl Write) -> Result<Outcome, CommandError> {
    let dir = wizard_dir(cli);
    match &cli.command {
        Some(Command::Wizards { psa, search }) => {
            let filter = wizards::WizardFilter {
                psa: *psa,
                search: search.clone(),
            };
            wizards::list(dir.as_deref(), &filter, out).map_err(CommandError::write)?;
        }
        Some(Command::Show { wizard, width }) => {
            wizards::show(dir.as_deref(), wizard, *width, out)?
        }
        Some(Command::Validate { file }) => wizards::validate(file, out)?,
        None | Some(Command::Run { .. } | Command::Resume { .. } | Command::Demo { .. }) => {
            interactive::run(cli)?
        }
        Some(Command::Check(args)) => {
            return Ok(if check::run(&cli.net, dir.as_deref(), args, out)? {
                Outcome::Done
            } else {
                Outcome::ChecksFailed
            });
        }
        Some(Command::Sandbox(args)) => sandbox::run(args, out)?,
        Some(Command::Completions { shell }) => completions::completions(*shell, out)?,
        Some(Command::Man { dir }) => completions::man(dir.as_deref(), out)?,
        Some(Command::Sessions { action }) => sessions::run(action.as_ref(), out)?,
        Some(Command::Export {
            session,
            format,
            output,
            example,
        }) => export::run(
            session.as_deref(),
            *example,
            *format,
            output.as_deref(),
            dir.as_deref(),
            out,
            &mut std::io::stderr(),
        )?,
    }
    Ok(Outcome::Done)
}

/// The directory user wizards are read from: `--wizard-dir`, else the platform's default.
pub fn wizard_dir(cli: &Cli) -> Option<PathBuf> {
    cli.wizard_dir.clone().or_else(crate::wizard::user_dir)
}

/// The largest `--ca-cert` file read: a whole system bundle is about 200 KiB.
pub const MAX_CA_CERT_BYTES: u64 = 1024 * 1024;

/// The HTTP client settings the network flags ask for; an unreadable CA file is named.
pub fn http_config(net: &NetworkArgs) -> Result<HttpConfig, CommandError> {
    let mut cfg = HttpConfig::default();
    if let Some(secs) = net.timeout {
        cfg.request_timeout = std::time::Duration::from_secs(secs);
        cfg.connect_timeout = cfg.connect_timeout.min(cfg.request_timeout);
    }
    if let Some(path) = &net.ca_cert {
        // A regular file of bounded size: `/dev/zero` or a pipe must not hang the start.
        let pem = crate::files::read_text(path, MAX_CA_CERT_BYTES, "certificate").map_err(|e| {
            CommandError::CaCert {
                path: crate::sanitize::clean_line(&path.display().to_string()),
                source: e,
            }
        })?;
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(CommandError::Usage(format!(
                "{} is not a PEM certificate (it should contain \"-----BEGIN CERTIFICATE-----\"); \
export the CA's root certificate in PEM (Base-64) form",
                path.display()
            )));
        }
        cfg.extra_root_pems.push(pem);
    }
    Ok(cfg)
}

/// Text for the terminal: cleaned of anything that could drive it (wizard files and their names
/// come from anyone), and in ASCII when the locale is not UTF-8.
pub(crate) fn printable(text: &str) -> String {
    let clean = crate::sanitize::clean(text);
    if crate::term_caps::utf8_locale_from_env() {
        clean
    } else {
        crate::checklist::ascii(&clean)
    }
}

/// One field of a table row: [`printable`], on one line.
pub(crate) fn cell(text: &str) -> String {
    printable(text).replace('\n', " ")
}
