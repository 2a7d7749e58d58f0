//! Command-line interface: the clap definitions and their value parsers, nothing else. The
//! commands themselves live in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::connection::AUTOTASK_DEFAULT_API_ROOT;
use crate::profile::FieldId;
use crate::wizard;

#[derive(Debug, Parser)]
#[command(
    name = "psa-onboard",
    version,
    about = "Set up and verify an integration's API access to Autotask or ConnectWise PSA",
    long_about = "psa-onboard walks a PSA administrator through giving a third-party integration \
API access to Datto Autotask PSA or ConnectWise PSA, step by step from the vendor's own guide, \
and verifies every step against the live PSA before moving on.",
    after_help = "Examples:\n  psa-onboard wizards\n  psa-onboard show topleft-connectwise"
)]
pub struct Cli {
    /// Directory of extra wizard files (default: $XDG_CONFIG_HOME/psa-onboard/wizards; on Windows
    /// %APPDATA%\psa-onboard\wizards).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PSA_ONBOARD_WIZARD_DIR"
    )]
    pub wizard_dir: Option<PathBuf>,

    #[command(flatten)]
    pub net: NetworkArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How psa-onboard reaches a PSA, for every command that talks to one (`run`, `resume`,
/// `check`, the start screen).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NetworkArgs {
    /// Also trust this root certificate (PEM): a private CA, or the CA of a proxy that inspects
    /// TLS. The system's trusted authorities still apply.
    #[arg(long, global = true, value_name = "FILE", env = "PSA_ONBOARD_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// Give up on a PSA request after this many seconds (default 30; raise it on a slow link).
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "PSA_ONBOARD_TIMEOUT",
        value_parser = clap::value_parser!(u64).range(1..=600)
    )]
    pub timeout: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the available wizards (all, or those for one PSA or matching a search).
    #[command(
        after_help = "Examples:\n  psa-onboard wizards\n  psa-onboard wizards --psa autotask\n  \
psa-onboard wizards --search n-able"
    )]
    Wizards {
        /// Only the wizards for this PSA.
        #[arg(long, value_parser = psa_value())]
        psa: Option<wizard::Psa>,
        /// Only the wizards whose id, vendor, title or PSA contain every word of TEXT (any case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },

    /// Print a wizard's steps and permission tables as a checklist.
    #[command(after_help = "Examples:\n  psa-onboard show topleft-connectwise\n  \
psa-onboard show ./my-vendor.toml > checklist.txt")]
    Show {
        /// Wizard id (see `psa-onboard wizards`) or path to a wizard .toml file.
        wizard: String,
        /// Fit the checklist to this many columns (default: the terminal's width; 80 when the
        /// output is not a terminal).
        #[arg(long, value_name = "COLUMNS")]
        width: Option<usize>,
    },

    /// Walk through a wizard interactively, verifying each step against the PSA.
    #[command(
        after_help = "Examples:\n  psa-onboard run topleft-connectwise\n  psa-onboard run topleft-autotask --name acme-topleft\n  psa-onboard run ./my-vendor.toml"
    )]
    Run {
        /// Wizard id (see `psa-onboard wizards`) or path to a wizard .toml file.
        wizard: String,
        /// Name the session (a-z, 0-9 and '-', e.g. acme-topleft); `resume`, `check --session`
        /// and `export` take it. Default: the wizard id and the time.
        #[arg(long, value_name = "NAME", value_parser = session_name)]
        name: Option<String>,
    },

    /// Continue a saved session where you left off (default: the most recent).
    #[command(
        after_help = "Examples:\n  psa-onboard resume\n  psa-onboard resume topleft-connectwise-20260101-120000"
    )]
    Resume {
        /// Session id (shown when you quit, and on the start screen).
        session: Option<String>,
    },

    /// Try a wizard against the embedded sandbox PSA (nothing leaves this computer).
    #[command(
        after_help = "Each wizard has one demo session, picked up where you left it.\n\nExamples:\n  psa-onboard demo\n  psa-onboard demo topleft-autotask\n  psa-onboard demo topleft-autotask --fresh"
    )]
    Demo {
        /// Wizard id or path.
        #[arg(default_value = "topleft-connectwise")]
        wizard: String,
        /// Start the wizard's demo over (its earlier demo session is deleted) instead of
        /// continuing it.
        #[arg(long)]
        fresh: bool,
    },

    /// Run every check of a wizard against the PSA, without the TUI (exit 0 ok, 1 a check failed,
    /// 2 could not run).
    #[command(
        after_help = "Connection details come from flags or the environment: AUTOTASK_API_ROOT, \
AUTOTASK_USERNAME, AUTOTASK_SECRET, AUTOTASK_INTEGRATION_CODE; CONNECTWISE_SITE, CONNECTWISE_COMPANY_ID, \
CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY, CONNECTWISE_CLIENT_ID. Secrets are read from the \
environment only.\n\nExample:\n  psa-onboard check --wizard topleft-autotask --format json"
    )]
    Check(Box<CheckArgs>),

    /// Run the embedded PSA sandbox (simulated Autotask + ConnectWise on 127.0.0.1).
    #[command(after_help = "Examples:\n  psa-onboard sandbox\n  \
psa-onboard sandbox --scenario configured:topleft-autotask --tls")]
    Sandbox(crate::sandbox::standalone::SandboxArgs),

    /// Check a wizard file for errors without running it.
    #[command(after_help = "Example:\n  psa-onboard validate ./my-vendor.toml")]
    Validate {
        /// Path to a wizard .toml file.
        file: PathBuf,
    },

    /// List or delete saved sessions.
    #[command(after_help = "Examples:\n  psa-onboard sessions\n  \
psa-onboard sessions delete acme-topleft --yes")]
    Sessions {
        #[command(subcommand)]
        action: Option<SessionsAction>,
    },

    /// Export a session's setup summary (Markdown, JSON or self-contained HTML).
    #[command(after_help = "Examples:\n  psa-onboard export acme-topleft\n  \
psa-onboard export acme-topleft --format html -o acme-topleft.html")]
    Export {
        /// The session's name (see `psa-onboard sessions`).
        #[arg(required_unless_present = "example")]
        session: Option<String>,
        #[arg(long, short, value_enum, default_value = "md")]
        format: crate::export::Format,
        /// Write to this file instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Export a built-in example session (for screenshots and trying the formats).
        #[arg(long, hide = true, conflicts_with = "session")]
        example: bool,
    },

    /// Print a shell completion script on stdout.
    #[command(after_help = "Examples:\n  \
psa-onboard completions bash > ~/.local/share/bash-completion/completions/psa-onboard\n  \
psa-onboard completions zsh > ~/.zfunc/_psa-onboard\n  \
psa-onboard completions fish > ~/.config/fish/completions/psa-onboard.fish\n  \
psa-onboard completions powershell >> $PROFILE")]
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },

    /// Print the manual page (roff) on stdout, or write one page per command into a directory.
    #[command(after_help = "Examples:\n  \
psa-onboard man | man -l -\n  \
psa-onboard man --dir ~/.local/share/man/man1")]
    Man {
        /// Write psa-onboard.1 and a page per subcommand (psa-onboard-check.1, …) here instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// How `psa-onboard check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
}

/// Arguments of `psa-onboard check`. Secrets come from the environment only
/// (`AUTOTASK_SECRET`, `CONNECTWISE_PRIVATE_KEY`), never from the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Wizard id (see `psa-onboard wizards`) or path to a wizard .toml file.
    #[arg(long, value_name = "ID|PATH", required_unless_present = "session")]
    pub wizard: Option<String>,
    /// Re-verify a saved session instead: its wizard, its connection (secret from the OS
    /// keyring), and the results saved back into it.
    #[arg(long, value_name = "NAME", conflicts_with = "wizard")]
    pub session: Option<String>,
    /// Record this run as a session NAME (created if new): the connection, the results as
    /// evidence, and the secret in the OS keyring. `check --session NAME` re-audits it later.
    #[arg(long, value_name = "NAME", conflicts_with = "session")]
    pub save_session: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Check an optional (conditional) step of the guide, by step id ("if you plan to use
    /// webhooks": `--with webhooks`); repeat or separate with commas; `all` for every one.
    /// Optional steps not chosen are skipped as not chosen, never failed. With `--session`, the
    /// session's earlier choices count too and these are added to them.
    #[arg(long, value_name = "STEP", value_delimiter = ',')]
    pub with: Vec<String>,
    /// Least privilege: permissions above the guide's fail instead of warning.
    #[arg(long)]
    pub strict: bool,
    /// Also run the checks that write to the PSA (they say what they leave behind).
    #[arg(long)]
    pub allow_writes: bool,
    /// Autotask: the ticket the impersonation write test adds its note to (with --allow-writes).
    #[arg(long, value_name = "TICKET_ID")]
    pub test_ticket: Option<i64>,
    /// Autotask zone-lookup root.
    #[arg(long, env = "AUTOTASK_API_ROOT", default_value = AUTOTASK_DEFAULT_API_ROOT)]
    pub autotask_api_root: String,
    /// The Autotask API user's username.
    #[arg(long, env = "AUTOTASK_USERNAME")]
    pub autotask_username: Option<String>,
    /// The API tracking identifier: the vendor gives it (their guide or support). A wizard that
    /// names one supplies it when this is not set.
    #[arg(long, env = "AUTOTASK_INTEGRATION_CODE")]
    pub autotask_integration_code: Option<String>,
    /// ConnectWise site: host (na.myconnectwise.net) or URL.
    #[arg(long, env = "CONNECTWISE_SITE")]
    pub connectwise_site: Option<String>,
    #[arg(long, env = "CONNECTWISE_COMPANY_ID")]
    pub connectwise_company_id: Option<String>,
    #[arg(long, env = "CONNECTWISE_PUBLIC_KEY")]
    pub connectwise_public_key: Option<String>,
    /// The integration's clientId: the vendor gives it. A wizard that names one supplies it when
    /// this is not set.
    #[arg(long, env = "CONNECTWISE_CLIENT_ID")]
    pub connectwise_client_id: Option<String>,
    /// Optional: an administrator's public key, for reading the role itself (its private key
    /// comes from CONNECTWISE_ADMIN_PRIVATE_KEY).
    #[arg(long, env = "CONNECTWISE_ADMIN_PUBLIC_KEY")]
    pub connectwise_admin_public_key: Option<String>,
}

/// One connection field as `check` reads it: its value from the flag or the flag's environment
/// variable, and the words for a message when it is missing.
pub struct CheckField {
    pub value: Option<String>,
    /// The environment variable (the flag is its lowercase, dashed form).
    pub var: &'static str,
    pub what: &'static str,
}

impl CheckArgs {
    /// A connection field's flag. Secrets have no flag (it would show in the process list):
    /// they come only from their environment variable, read by the caller.
    pub fn field(&self, field: FieldId) -> CheckField {
        let (value, var, what) = match field {
            FieldId::ApiRoot => (
                Some(self.autotask_api_root.clone()),
                "AUTOTASK_API_ROOT",
                "the Autotask zone-lookup root",
            ),
            FieldId::Username => (
                self.autotask_username.clone(),
                "AUTOTASK_USERNAME",
                "the Autotask API username",
            ),
            FieldId::TrackingId => (
                self.autotask_integration_code.clone(),
                "AUTOTASK_INTEGRATION_CODE",
                "the API tracking identifier",
            ),
            FieldId::Secret => (None, "AUTOTASK_SECRET", "the Autotask API secret"),
            FieldId::Site => (
                self.connectwise_site.clone(),
                "CONNECTWISE_SITE",
                "the ConnectWise site",
            ),
            FieldId::CompanyId => (
                self.connectwise_company_id.clone(),
                "CONNECTWISE_COMPANY_ID",
                "the company ID",
            ),
            FieldId::PublicKey => (
                self.connectwise_public_key.clone(),
                "CONNECTWISE_PUBLIC_KEY",
                "the public key",
            ),
            FieldId::ClientId => (
                self.connectwise_client_id.clone(),
                "CONNECTWISE_CLIENT_ID",
                "the integration's clientId",
            ),
            FieldId::PrivateKey => (None, "CONNECTWISE_PRIVATE_KEY", "the private key"),
        };
        CheckField { value, var, what }
    }
}

/// A shell `psa-onboard completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl From<CompletionShell> for clap_complete::Shell {
    fn from(s: CompletionShell) -> Self {
        match s {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
            CompletionShell::Powershell => clap_complete::Shell::PowerShell,
        }
    }
}

/// `--psa`: one of the registered PSAs' short names (the values completions offer).
fn psa_value() -> impl clap::builder::TypedValueParser<Value = wizard::Psa> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(crate::profile::PSAS.iter().map(|p| p.short))
        // A possible value is a registered PSA's short name, so it is always found.
        .map(|s: String| wizard::Psa::from_short(&s).unwrap_or(crate::profile::PSAS[0].psa))
}

#[derive(Debug, Subcommand)]
pub enum SessionsAction {
    /// List sessions with their wizard, PSA, progress and last activity (the default).
    List,
    /// Delete a session's file and its keyring entries.
    Delete {
        name: String,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

/// `--name`: a valid session name (it becomes the session's file name).
fn session_name(name: &str) -> Result<String, String> {
    crate::session::validate_name(name)
        .map(|()| name.to_string())
        .map_err(|e| e.to_string())
}
