//! Command-line interface: clap definitions and the plain-text subcommands.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::wizard::{self, Origin};

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

/// The largest `--ca-cert` file read: a whole system bundle is about 200 KiB.
pub const MAX_CA_CERT_BYTES: u64 = 1024 * 1024;

impl NetworkArgs {
    /// The HTTP client settings these flags ask for; an unreadable CA file is named.
    pub fn http_config(&self) -> Result<crate::psa::http::HttpConfig, UsageError> {
        let mut cfg = crate::psa::http::HttpConfig::default();
        if let Some(secs) = self.timeout {
            cfg.request_timeout = std::time::Duration::from_secs(secs);
            cfg.connect_timeout = cfg.connect_timeout.min(cfg.request_timeout);
        }
        if let Some(path) = &self.ca_cert {
            // A regular file of bounded size: `/dev/zero` or a pipe must not hang the start.
            let pem =
                crate::files::read_text(path, MAX_CA_CERT_BYTES, "certificate").map_err(|e| {
                    UsageError(format!(
                        "cannot use the CA certificate {}: {e}",
                        crate::sanitize::clean_line(&path.display().to_string())
                    ))
                })?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(UsageError(format!(
                    "{} is not a PEM certificate (it should contain \"-----BEGIN CERTIFICATE-----\"); \
export the CA's root certificate in PEM (Base-64) form",
                    path.display()
                )));
            }
            cfg.extra_root_pems.push(pem);
        }
        Ok(cfg)
    }
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
        #[arg(long, value_enum)]
        psa: Option<PsaArg>,
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
    Check(Box<crate::verify::check_cmd::CheckArgs>),

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

/// A PSA, as `--psa` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PsaArg {
    Autotask,
    Connectwise,
}

impl From<PsaArg> for wizard::Psa {
    fn from(p: PsaArg) -> Self {
        match p {
            PsaArg::Autotask => wizard::Psa::Autotask,
            PsaArg::Connectwise => wizard::Psa::Connectwise,
        }
    }
}

/// Which wizards `psa-onboard wizards` lists.
#[derive(Debug, Clone, Default)]
pub struct WizardFilter {
    pub psa: Option<wizard::Psa>,
    pub search: Option<String>,
}

impl WizardFilter {
    pub fn keeps(&self, w: &wizard::Wizard) -> bool {
        self.psa.is_none_or(|p| p == w.psa) && self.search.as_deref().is_none_or(|q| w.matches(q))
    }

    fn is_empty(&self) -> bool {
        self.psa.is_none() && self.search.is_none()
    }
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

impl Cli {
    /// The directory user wizards are read from.
    pub fn wizard_dir(&self) -> Option<PathBuf> {
        self.wizard_dir.clone().or_else(wizard::user_dir)
    }
}

/// `--name`: a valid session name (it becomes the session's file name).
fn session_name(name: &str) -> Result<String, String> {
    crate::session::validate_name(name)
        .map(|()| name.to_string())
        .map_err(|e| e.to_string())
}

/// A failure that should end the process with a message and exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Text for the terminal: cleaned of anything that could drive it (wizard files and their names
/// come from anyone), and in ASCII when the locale is not UTF-8.
fn printable(text: &str) -> String {
    let clean = crate::sanitize::clean(text);
    if crate::tui::ui::glyphs::utf8_locale(|k| std::env::var(k).ok()) {
        clean
    } else {
        crate::checklist::ascii(&clean)
    }
}

/// One field of a table row: [`printable`], on one line.
fn cell(text: &str) -> String {
    printable(text).replace('\n', " ")
}

pub fn list_wizards(cli: &Cli, filter: &WizardFilter, out: &mut impl Write) -> std::io::Result<()> {
    let dir = cli.wizard_dir();
    let (all, errors) = wizard::catalog(dir.as_deref());
    let rows: Vec<[String; 5]> = all
        .iter()
        .filter(|l| filter.keeps(&l.wizard))
        .map(|l| {
            let source = match &l.origin {
                Origin::Builtin => "built-in".to_string(),
                o => o.label(),
            };
            [
                cell(&l.wizard.id),
                cell(l.wizard.psa.short()),
                cell(&l.wizard.vendor),
                l.wizard.steps.len().to_string(),
                cell(&source),
            ]
        })
        .collect();
    let width = |i: usize, min: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(min)
            .max(min)
    };
    let (id_w, v_w) = (width(0, 2), width(2, 6));
    writeln!(
        out,
        "{:<id_w$}  {:<11}  {:<v_w$}  {:>5}  SOURCE",
        "ID", "PSA", "VENDOR", "STEPS"
    )?;
    for [id, psa, vendor, steps, source] in &rows {
        writeln!(
            out,
            "{id:<id_w$}  {psa:<11}  {vendor:<v_w$}  {steps:>5}  {source}"
        )?;
    }
    if rows.is_empty() && !filter.is_empty() {
        let mut asked = Vec::new();
        if let Some(p) = filter.psa {
            asked.push(format!("--psa {}", p.short()));
        }
        if let Some(q) = &filter.search {
            asked.push(format!("--search {q:?}"));
        }
        writeln!(
            out,
            "No wizard matches {} ({} available; `psa-onboard wizards` lists them all).",
            cell(&asked.join(" ")),
            all.len()
        )?;
    }
    for e in errors {
        writeln!(
            out,
            "\nSkipped an invalid wizard file:\n{}",
            printable(&e.to_string())
        )?;
    }
    Ok(())
}

/// The width `show` fits its checklist to: the terminal's, or 80 when stdout is not one.
pub fn show_width() -> usize {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Ok((cols, _)) = crossterm::terminal::size()
        && cols > 0
    {
        return cols as usize;
    }
    80
}

pub fn show(
    cli: &Cli,
    name: &str,
    width: Option<usize>,
    out: &mut impl Write,
) -> Result<(), UsageError> {
    let width = width.unwrap_or_else(show_width);
    let dir = cli.wizard_dir();
    let loaded =
        wizard::resolve(name, dir.as_deref()).map_err(|e| UsageError(printable(&e.to_string())))?;
    let text = printable(&crate::checklist::render(&loaded.wizard, width.max(40)));
    out.write_all(text.as_bytes())
        .map_err(|e| UsageError(format!("cannot write: {e}")))
}

pub fn validate(file: &std::path::Path, out: &mut impl Write) -> Result<(), UsageError> {
    let loaded = wizard::load::load_file(file, Origin::File(file.to_path_buf()))
        .map_err(|e| UsageError(printable(&e.to_string())))?;
    let line = format!(
        "{}: valid — {} ({}), {} steps, {} permission rows",
        file.display(),
        loaded.wizard.id,
        loaded.wizard.psa.label(),
        loaded.wizard.steps.len(),
        loaded.wizard.rows().count()
    );
    let _ = writeln!(out, "{}", cell(&line));
    Ok(())
}

/// `psa-onboard completions SHELL`: the completion script for the whole command line.
pub fn completions(shell: CompletionShell, out: &mut impl Write) -> Result<(), UsageError> {
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
    out.write_all(&script)
        .map_err(|e| UsageError(format!("cannot write: {e}")))
}

/// `psa-onboard man`: the manual page in roff, listing every subcommand; with `dir`, that page
/// and one per subcommand (the pages the list refers to), written there.
pub fn man(dir: Option<&std::path::Path>, out: &mut impl Write) -> Result<(), UsageError> {
    use clap::CommandFactory;
    let Some(dir) = dir else {
        return clap_mangen::Man::new(Cli::command())
            .render(out)
            .map_err(|e| UsageError(format!("cannot write: {e}")));
    };
    let failed = |e: std::io::Error| {
        UsageError(format!(
            "cannot write the manual pages to {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(failed)?;
    writeln!(out, "Wrote the manual pages to {}", dir.display())
        .map_err(|e| UsageError(format!("cannot write: {e}")))
}
