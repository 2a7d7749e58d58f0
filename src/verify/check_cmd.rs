//! `psa-onboard check`: every check of a wizard, headless, as a readable report or JSON
//! (docs/CHECK_JSON.md). Exit 0 when nothing fails, 1 when a check fails, 2 when it cannot run.

use std::collections::BTreeSet;
use std::io::Write;

use secrecy::SecretString;

use crate::cli::{Cli, UsageError};
use crate::connection::{AUTOTASK_DEFAULT_API_ROOT, AutotaskTarget, Connection, ConnectwiseTarget};
use crate::wizard::{self, Psa, Wizard};

use super::{CheckResult, Report, ReportTarget, Status, Verifier, VerifyOptions};
use crate::secrets::StoreKind;
use crate::verdict::{Facts, RunRef, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
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

fn required(value: Option<String>, var: &str, what: &str) -> Result<String, UsageError> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            UsageError(format!(
                "missing {what}: set {var} (or the matching --flag)"
            ))
        })
}

fn secret(var: &str, what: &str) -> Result<SecretString, UsageError> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(SecretString::from(v)),
        _ => Err(UsageError(format!(
            "missing {what}: set the environment variable {var}"
        ))),
    }
}

/// The connection for a wizard from flags and the environment.
pub fn connection(args: &CheckArgs, wizard: &Wizard) -> Result<Connection, UsageError> {
    Ok(match wizard.psa {
        Psa::Autotask => {
            let username = required(
                args.autotask_username.clone(),
                "AUTOTASK_USERNAME",
                "the Autotask API username",
            )?;
            let integration_code = required(
                args.autotask_integration_code
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .or_else(|| wizard.integration.tracking_identifier.clone()),
                "AUTOTASK_INTEGRATION_CODE",
                "the API tracking identifier",
            )?;
            let secret = secret("AUTOTASK_SECRET", "the Autotask API secret")?;
            Connection::Autotask {
                target: AutotaskTarget {
                    api_root: args.autotask_api_root.clone(),
                    username,
                    integration_code,
                },
                secret,
            }
        }
        Psa::Connectwise => {
            let site = required(
                args.connectwise_site.clone(),
                "CONNECTWISE_SITE",
                "the ConnectWise site",
            )?;
            let company_id = required(
                args.connectwise_company_id.clone(),
                "CONNECTWISE_COMPANY_ID",
                "the company ID",
            )?;
            let public_key = required(
                args.connectwise_public_key.clone(),
                "CONNECTWISE_PUBLIC_KEY",
                "the public key",
            )?;
            let client_id = required(
                args.connectwise_client_id
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .or_else(|| wizard.integration.client_id.clone()),
                "CONNECTWISE_CLIENT_ID",
                "the integration's clientId",
            )?;
            let private_key = secret("CONNECTWISE_PRIVATE_KEY", "the private key")?;
            Connection::Connectwise {
                target: ConnectwiseTarget {
                    site,
                    company_id,
                    public_key,
                    client_id,
                },
                private_key,
            }
        }
    })
}

/// The optional steps `--with` names, each checked against the wizard.
fn chosen(args: &CheckArgs, wizard: &Wizard) -> Result<BTreeSet<String>, UsageError> {
    let optional: Vec<&str> = wizard
        .steps
        .iter()
        .filter(|s| s.optional)
        .map(|s| s.id.as_str())
        .collect();
    let mut out = BTreeSet::new();
    for id in args.with.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if id != "all" && !optional.contains(&id) {
            return Err(UsageError(if optional.is_empty() {
                format!(
                    "--with {id}: wizard {:?} has no optional step to choose",
                    wizard.id
                )
            } else {
                format!(
                    "--with {id}: not an optional step of wizard {:?}; its optional steps are: {}",
                    wizard.id,
                    optional.join(", ")
                )
            }));
        }
        out.insert(id.to_string());
    }
    Ok(out)
}

/// Options from the flags; admin keys only for a ConnectWise wizard.
fn options(cli: &Cli, args: &CheckArgs, wizard: &Wizard) -> Result<VerifyOptions, UsageError> {
    let psa = wizard.psa;
    let mut opts = VerifyOptions {
        http: cli.net.http_config()?,
        allow_writes: args.allow_writes,
        strict: args.strict,
        test_ticket: args.test_ticket,
        with: chosen(args, wizard)?,
        ..VerifyOptions::default()
    };
    if psa == Psa::Connectwise
        && let Some(public_key) = args
            .connectwise_admin_public_key
            .clone()
            .filter(|k| !k.trim().is_empty())
    {
        let private_key = secret(
            "CONNECTWISE_ADMIN_PRIVATE_KEY",
            "the administrator's private key",
        )?;
        opts.connectwise_admin = Some(super::AdminKeys {
            public_key,
            private_key,
        });
    }
    Ok(opts)
}

/// The non-secret description of what a connection points at, for the report's header.
pub fn target_of(conn: &Connection) -> ReportTarget {
    match conn {
        Connection::Autotask { target, .. } => ReportTarget {
            api_root: Some(target.api_root.clone()),
            api_user: Some(target.username.clone()),
            ..ReportTarget::default()
        },
        Connection::Connectwise { target, .. } => ReportTarget {
            site: Some(target.site.clone()),
            company_id: Some(target.company_id.clone()),
            member_public_key: Some(target.public_key.clone()),
            ..ReportTarget::default()
        },
    }
}

/// Run every check and stamp the report with what it looked at and when.
async fn verify(wizard: &Wizard, conn: &Connection, opts: &VerifyOptions) -> Report {
    let started = jiff::Timestamp::now();
    let mut report = Verifier::new(conn, opts).verify_all(wizard).await;
    report.started_at = Some(started);
    let mut target = target_of(conn);
    // The zone the username resolved to, when the lookup answered.
    if let Some(zone) = report
        .steps
        .iter()
        .flat_map(|s| &s.checks)
        .find(|c| c.status == Status::Pass && c.detail.starts_with("zone "))
    {
        target.zone = Some(zone.detail.trim_start_matches("zone ").to_string());
    }
    report.target = Some(target);
    report
}

/// Re-verify a saved session and save the results into it.
async fn check_session(
    cli: &Cli,
    args: &CheckArgs,
    name: &str,
) -> Result<(Wizard, Report, Vec<Verdict>, StoreKind), UsageError> {
    let store =
        crate::session::store::Store::open_default().map_err(|e| UsageError(e.to_string()))?;
    // Name a missing session before asking the keyring for anything.
    drop(store.open(name).map_err(|e| UsageError(e.to_string()))?);
    let keyring = open_keyring().await?;
    let dir = cli.wizard_dir();
    let mut resumed = crate::session::connect::resume(&store, name, dir.as_deref(), &keyring)
        .await
        .map_err(|e| UsageError(e.to_string()))?;
    let wizard = resumed.wizard.wizard.clone();
    let mut opts = options(cli, args, &wizard)?;
    // The session's earlier choices stand; `--with` adds to them.
    opts.with
        .extend(resumed.open.session.choices.iter().cloned());
    let report = verify(&wizard, &resumed.connection, &opts).await;
    let session = &mut resumed.open.session;
    session.choices = opts.with.clone();
    session.record_report(&report, jiff::Timestamp::now());
    let verdicts = session
        .verdicts(Some(&wizard))
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    resumed.open.save().map_err(|e| {
        UsageError(format!(
            "verified, but could not save session {name:?}: {e}"
        ))
    })?;
    Ok((wizard, report, verdicts, keyring.kind()))
}

/// The OS keyring (opened and probed once per process), its fallback notice said once on
/// stderr; a keyring that cannot be used is one sentence and a remedy.
async fn open_keyring() -> Result<crate::secrets::Keyring, UsageError> {
    let keyring = crate::secrets::Keyring::system()
        .await
        .map_err(|e| UsageError(e.to_string()))?;
    if let Some(notice) = keyring.notice() {
        eprintln!("psa-onboard: {notice}");
    }
    Ok(keyring)
}

/// Record a headless run as a session: created if new (the secret stored in the OS keyring),
/// else updated when it follows the same wizard.
async fn save_session(
    name: &str,
    loaded: &crate::wizard::Loaded,
    conn: &Connection,
    report: &Report,
    with: &BTreeSet<String>,
    keyring: &crate::secrets::Keyring,
) -> Result<Vec<Verdict>, UsageError> {
    use crate::session::{Session, Target, store::Store};
    let err =
        |e: &dyn std::fmt::Display| UsageError(format!("could not save session {name:?}: {e}"));
    let store = Store::open_default().map_err(|e| err(&e))?;
    let now = jiff::Timestamp::now();
    let mut open = if store.exists(name) {
        let open = store.open(name).map_err(|e| err(&e))?;
        if open.session.wizard.id != loaded.wizard.id {
            return Err(UsageError(format!(
                "session {name:?} follows wizard {:?}, not {:?}: choose another name",
                open.session.wizard.id, loaded.wizard.id
            )));
        }
        open
    } else {
        let session = Session::new(name, loaded, &crate::session::current_user(), now)
            .map_err(|e| UsageError(e.to_string()))?;
        store.create(session).map_err(|e| err(&e))?
    };
    let (target, secret) = match conn {
        Connection::Autotask { target, secret } => (Target::Autotask(target.clone()), secret),
        Connection::Connectwise {
            target,
            private_key,
        } => (Target::Connectwise(target.clone()), private_key),
    };
    let session = &mut open.session;
    session.set_target(target);
    session.choices.extend(with.iter().cloned());
    let field = crate::session::secret_field(session);
    let reference = session.secret_ref(field);
    keyring
        .store(&reference, secret.clone())
        .await
        .map_err(|e| err(&e))?;
    session.record_report(report, now);
    let verdicts = session
        .verdicts(Some(&loaded.wizard))
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    open.save().map_err(|e| err(&e))?;
    Ok(verdicts)
}

/// The verdicts of a run with no session (nothing confirmed by anyone).
fn verdicts_of(wizard: &Wizard, report: &Report) -> Vec<Verdict> {
    wizard
        .steps
        .iter()
        .map(|step| {
            let runs: Vec<RunRef<'_>> = report
                .steps
                .iter()
                .filter(|r| r.id == step.id)
                .map(|r| RunRef {
                    report: r,
                    at: report.started_at,
                })
                .collect();
            crate::verdict::verdict(&Facts {
                step: Some(step),
                runs: &runs,
                confirmed: &[],
                decision: None,
            })
        })
        .collect()
}

/// Run the command. `Ok(true)` when no check failed.
pub fn run(cli: &Cli, args: &CheckArgs, out: &mut impl Write) -> Result<bool, UsageError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    let (wizard, report, verdicts, keyring) = match (&args.session, &args.wizard) {
        (Some(name), _) => {
            let (w, r, v, k) = rt.block_on(check_session(cli, args, name))?;
            (w, r, v, Some(k))
        }
        (None, Some(id)) => {
            let dir = cli.wizard_dir();
            let loaded =
                wizard::resolve(id, dir.as_deref()).map_err(|e| UsageError(e.to_string()))?;
            let wizard = loaded.wizard.clone();
            let conn = connection(args, &wizard)?;
            let opts = options(cli, args, &wizard)?;
            // A session is only worth its secret: find the keyring before asking the PSA.
            let keyring = match &args.save_session {
                Some(name) => Some(
                    rt.block_on(open_keyring())
                        .map_err(|e| UsageError(format!("could not save session {name:?}: {e}")))?,
                ),
                None => None,
            };
            let report = rt.block_on(verify(&wizard, &conn, &opts));
            let verdicts = match (&args.save_session, &keyring) {
                (Some(name), Some(k)) => {
                    rt.block_on(save_session(name, &loaded, &conn, &report, &opts.with, k))?
                }
                _ => verdicts_of(&wizard, &report),
            };
            (wizard, report, verdicts, keyring.map(|k| k.kind()))
        }
        (None, None) => {
            return Err(UsageError(
                "name a wizard (--wizard <id|path>) or a saved session (--session <name>)".into(),
            ));
        }
    };
    let text = match args.format {
        Format::Json => render_json(&report, &verdicts, keyring)?,
        Format::Human => {
            let style = Style::from_env();
            let text = render_human(&wizard, &report, &verdicts, style);
            // Under a non-UTF-8 locale, what comes from wizard files and the PSA is spelled in
            // ASCII too (the report's own glyphs already are).
            if style.fancy {
                text
            } else {
                crate::checklist::ascii(&text)
            }
        }
    };
    out.write_all(text.as_bytes())
        .map_err(|e| UsageError(format!("cannot write: {e}")))?;
    Ok(report.ok)
}

/// The JSON report (docs/CHECK_JSON.md): the run, with each step's verdict, and the keyring
/// the run used (`null` when it used none: no `--session` or `--save-session`).
pub fn render_json(
    report: &Report,
    verdicts: &[Verdict],
    keyring: Option<StoreKind>,
) -> Result<String, UsageError> {
    let mut v = serde_json::to_value(report).map_err(|e| UsageError(e.to_string()))?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("format_version".into(), CHECK_JSON_VERSION.into());
        obj.insert(
            "keyring".into(),
            keyring.map_or(
                serde_json::Value::Null,
                |k| serde_json::json!({ "store": k.id(), "name": k.name(), "lasts": k.lasts() }),
            ),
        );
    }
    if let Some(steps) = v.get_mut("steps").and_then(|s| s.as_array_mut()) {
        for (step, verdict) in steps.iter_mut().zip(verdicts) {
            if let Some(obj) = step.as_object_mut() {
                obj.insert("verdict".into(), verdict.key().into());
                obj.insert("verdict_text".into(), verdict.sentence().into());
            }
        }
    }
    serde_json::to_string_pretty(&v)
        .map(|s| s + "\n")
        .map_err(|e| UsageError(e.to_string()))
}

/// The version of `check --format json`'s shape (docs/CHECK_JSON.md).
pub const CHECK_JSON_VERSION: u32 = 2;

/// How the human report is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Unicode glyphs (UTF-8 locale, no NO_COLOR).
    pub fancy: bool,
    /// ANSI colour (a terminal, no NO_COLOR, not TERM=dumb).
    pub color: bool,
}

impl Style {
    pub fn from_env() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style {
            fancy: fancy_glyphs(),
            color: !no_color && !dumb && std::io::stdout().is_terminal(),
        }
    }

    fn paint(self, s: Status, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match s {
            Status::Pass => "32",
            Status::Fail => "31",
            Status::Warn => "33",
            Status::Manual => "36",
            Status::Skipped => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn bold(self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Unicode glyphs unless NO_COLOR is set or the locale is not UTF-8 (the TUI's rule).
fn fancy_glyphs() -> bool {
    !crate::tui::ui::glyphs::plain_from_env(|k| std::env::var(k).ok())
}

fn glyph(s: Status, fancy: bool) -> &'static str {
    match (s, fancy) {
        (Status::Pass, true) => "✓",
        (Status::Fail, true) => "✗",
        (Status::Warn, true) => "⚠",
        (Status::Manual, true) => "?",
        (Status::Skipped, true) => "–",
        (Status::Pass, false) => "[ok]",
        (Status::Fail, false) => "[FAIL]",
        (Status::Warn, false) => "[warn]",
        (Status::Manual, false) => "[?]",
        (Status::Skipped, false) => "[skip]",
    }
}

/// The glyph status a verdict is drawn with.
fn verdict_status(v: &Verdict) -> Status {
    match v {
        Verdict::Verified { .. } => Status::Pass,
        Verdict::PartlyVerified { .. } => Status::Warn,
        Verdict::ConfirmedByYou { .. } => Status::Manual,
        Verdict::NotVerified(crate::verdict::Why::Failed { .. }) => Status::Fail,
        Verdict::NotVerified(crate::verdict::Why::CouldNotRun { .. }) => Status::Fail,
        Verdict::NotVerified(_) => Status::Manual,
        Verdict::ContinuedUnverified { .. } | Verdict::SkippedOptional { .. } => Status::Skipped,
    }
}

/// The human-readable report: a header a ticket can carry, failures first, checks that could
/// not run collapsed by cause, then each step's verdict. Every string from a wizard file or the
/// PSA is cleaned of terminal control sequences.
pub fn render_human(
    wizard: &Wizard,
    report: &Report,
    verdicts: &[Verdict],
    style: Style,
) -> String {
    let clean = crate::sanitize::clean_line;
    let fancy = style.fancy;
    let sep = if fancy { "›" } else { ">" };
    let mut o = String::new();
    // Header: what, where, who, when, which version. Never a secret.
    o.push_str(&style.bold(&format!("{} ({})", clean(&wizard.title), clean(&wizard.id))));
    o.push('\n');
    let mut line = |k: &str, v: String| o.push_str(&format!("  {k:<11} {v}\n"));
    line("PSA", wizard.psa.label().to_string());
    if let Some(t) = &report.target {
        for (k, v) in [
            ("Site", &t.site),
            ("Company", &t.company_id),
            (
                "API member",
                &t.member_public_key
                    .as_ref()
                    .map(|k| format!("public key {k}")),
            ),
            ("Zone root", &t.api_root),
            ("Zone", &t.zone),
            ("API user", &t.api_user),
        ] {
            if let Some(v) = v {
                line(k, clean(v));
            }
        }
    }
    if let Some(at) = report.started_at {
        line("Checked", at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string());
    }
    line("Tool", format!("psa-onboard {}", report.tool_version));

    let checks = || {
        report
            .steps
            .iter()
            .flat_map(|s| s.checks.iter().map(move |c| (s, c)))
    };
    let detail = |o: &mut String, c: &CheckResult| {
        for l in c.detail.lines().filter(|l| !l.trim().is_empty()) {
            o.push_str(&format!("      {}\n", clean(l)));
        }
        if let Some(p) = &c.permission
            && c.status != Status::Pass
        {
            o.push_str(&format!(
                "      {} {sep} {} {}: required {}, found {}\n",
                clean(&p.module),
                clean(&p.function),
                clean(&p.op),
                clean(&p.required),
                clean(&p.actual)
            ));
        }
        if !c.remedy.is_empty() && matches!(c.status, Status::Fail | Status::Warn) {
            o.push_str(&format!("      fix: {}\n", clean(&c.remedy)));
        }
    };
    for (status, heading) in [(Status::Fail, "Failed"), (Status::Warn, "Warnings")] {
        let hits: Vec<_> = checks().filter(|(_, c)| c.status == status).collect();
        if hits.is_empty() {
            continue;
        }
        o.push_str(&format!(
            "\n{}\n",
            style.bold(&format!("{heading} ({})", hits.len()))
        ));
        for (step, c) in hits {
            o.push_str(&format!(
                "  {} {} {sep} {}\n",
                style.paint(status, glyph(status, fancy)),
                clean(&step.title),
                clean(&c.title)
            ));
            detail(&mut o, c);
        }
    }
    // Checks that could not run, one line per cause.
    let mut causes: Vec<(String, usize)> = Vec::new();
    for (_, c) in checks().filter(|(_, c)| c.could_not_run()) {
        let cause = clean(c.detail.trim().trim_start_matches("skipped:").trim());
        match causes.iter_mut().find(|(k, _)| *k == cause) {
            Some((_, n)) => *n += 1,
            None => causes.push((cause, 1)),
        }
    }
    if !causes.is_empty() {
        o.push_str(&format!("\n{}\n", style.bold("Not run")));
        for (cause, n) in &causes {
            o.push_str(&format!(
                "  {} {n} check(s) not run: {cause}\n",
                style.paint(Status::Skipped, glyph(Status::Skipped, fancy))
            ));
        }
    }
    // The guide's conditional steps the admin did not choose: named, with how to choose them.
    let unchosen: Vec<&crate::wizard::Step> = wizard
        .steps
        .iter()
        .filter(|st| {
            report.steps.iter().any(|r| {
                r.id == st.id
                    && !r.checks.is_empty()
                    && r.checks
                        .iter()
                        .all(|c| c.skip == Some(crate::verify::SkipCause::NotChosen))
            })
        })
        .collect();
    if !unchosen.is_empty() {
        o.push_str(&format!(
            "\n{}\n",
            style.bold("Not chosen (conditional in the guide)")
        ));
        for st in unchosen {
            o.push_str(&format!(
                "  {} {}: {} Add --with {} to check it.\n",
                style.paint(Status::Skipped, glyph(Status::Skipped, fancy)),
                clean(&st.title),
                clean(st.condition.as_deref().unwrap_or("optional")),
                clean(&st.id)
            ));
        }
    }
    let manual: Vec<_> = checks()
        .filter(|(_, c)| c.status == Status::Manual)
        .collect();
    if !manual.is_empty() {
        o.push_str(&format!(
            "\n{}\n",
            style.bold(&format!(
                "To confirm yourself ({}): the PSA's API cannot show these",
                manual.len()
            ))
        ));
        for (step, c) in manual {
            o.push_str(&format!(
                "  {} {} {sep} {}\n",
                style.paint(Status::Manual, glyph(Status::Manual, fancy)),
                clean(&step.title),
                clean(&c.title)
            ));
            // Why the API cannot show it, so the admin knows what to look at.
            detail(&mut o, c);
        }
    }
    o.push_str(&format!("\n{}\n", style.bold("Steps")));
    for (i, step) in wizard.steps.iter().enumerate() {
        let Some(v) = verdicts.get(i) else { continue };
        let s = verdict_status(v);
        o.push_str(&format!(
            "  {} {}. {} — {}\n",
            style.paint(s, glyph(s, fancy)),
            i + 1,
            clean(&step.title),
            v.sentence()
        ));
        let passed: Vec<String> = report
            .steps
            .iter()
            .filter(|r| r.id == step.id)
            .flat_map(|r| &r.checks)
            .filter(|c| c.status == Status::Pass)
            .map(|c| clean(&c.title))
            .collect();
        if !passed.is_empty() {
            o.push_str(&format!(
                "      {} passed: {}\n",
                style.paint(Status::Pass, glyph(Status::Pass, fancy)),
                passed.join("; ")
            ));
        }
    }
    let c = report.counts;
    o.push_str(&format!(
        "\n{} passed, {} failed, {} warnings, {} to confirm yourself, {} not run — {}\n",
        c.pass,
        c.fail,
        c.warn,
        c.manual,
        c.skipped,
        if report.ok {
            "no check failed"
        } else if c.fail == 0 {
            "some checks could not run"
        } else {
            "some checks failed"
        }
    ));
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{CheckResult, PermissionObservation, StepReport};

    fn report() -> (Wizard, Report) {
        let w = crate::wizard::resolve("topleft-connectwise", None)
            .unwrap()
            .wizard;
        let checks = vec![
            CheckResult {
                detail: "missing: edit is My, the guide says All".into(),
                remedy: "Set it.".into(),
                permission: Some(PermissionObservation {
                    module: "Service Desk".into(),
                    function: "Service Tickets".into(),
                    op: "edit".into(),
                    required: "All".into(),
                    actual: "My".into(),
                }),
                ..CheckResult::new("row-20", "Service Desk › Service Tickets", Status::Fail)
            },
            CheckResult::new("company", "Company", Status::Pass),
        ];
        let r = Report::new(
            w.id.clone(),
            "connectwise".into(),
            vec![StepReport::new(
                w.steps[0].id.clone(),
                "Step".into(),
                checks,
            )],
        );
        (w, r)
    }

    fn plain() -> Style {
        Style {
            fancy: false,
            color: false,
        }
    }

    #[test]
    fn human_report_glyphs_and_fallback() {
        let (w, r) = report();
        let v = verdicts_of(&w, &r);
        let fancy = render_human(
            &w,
            &r,
            &v,
            Style {
                fancy: true,
                color: false,
            },
        );
        assert!(
            fancy.contains("✗ Step › Service Desk › Service Tickets"),
            "{fancy}"
        );
        assert!(fancy.contains("✓ passed: Company"), "{fancy}");
        assert!(fancy.contains("Service Desk › Service Tickets edit: required All, found My"));
        assert!(fancy.contains("fix: Set it."));
        assert!(fancy.contains("1 passed, 1 failed"));
        assert!(!fancy.contains('\x1b'), "no colour unless asked");
        let plain = render_human(&w, &r, &v, plain());
        assert!(
            plain.contains("[FAIL] Step > Service Desk › Service Tickets"),
            "{plain}"
        );
        assert!(plain.contains("[ok] passed: Company"));
        assert!(!plain.contains('✗'));
        let color = render_human(
            &w,
            &r,
            &v,
            Style {
                fancy: true,
                color: true,
            },
        );
        assert!(color.contains("\x1b[31m✗\x1b[0m"), "{color}");
    }

    #[test]
    fn failures_come_first_and_checks_not_run_collapse_by_cause() {
        let w = crate::wizard::resolve("topleft-connectwise", None)
            .unwrap()
            .wizard;
        let mut steps = Vec::new();
        for (i, step) in w.steps.iter().enumerate() {
            let checks = (0..12)
                .map(|n| {
                    let mut c =
                        CheckResult::new(format!("c{n}"), format!("check {n}"), Status::Skipped);
                    c.detail = "skipped: sign-in failed".into();
                    c.skip = Some(crate::verify::SkipCause::CouldNotRun);
                    if i == 2 && n == 0 {
                        c.status = Status::Fail;
                        c.skip = None;
                        c.detail = "ConnectWise refused the keys".into();
                    }
                    c
                })
                .collect();
            steps.push(StepReport::new(step.id.clone(), step.title.clone(), checks));
        }
        let mut r = Report::new(w.id.clone(), "connectwise".into(), steps);
        r.target = Some(ReportTarget {
            site: Some("na.myconnectwise.net".into()),
            company_id: Some("acme".into()),
            member_public_key: Some("pub123".into()),
            ..ReportTarget::default()
        });
        r.started_at = Some("2026-12-06T01:00:00Z".parse().unwrap());
        let text = render_human(&w, &r, &verdicts_of(&w, &r), plain());
        let fail = text.find("[FAIL]").expect("a failure line");
        let not_run = text
            .find("check(s) not run: sign-in failed")
            .expect("{text}");
        assert!(fail < not_run, "failures first:\n{text}");
        assert_eq!(text.matches("not run: sign-in failed").count(), 1, "{text}");
        for want in [
            "na.myconnectwise.net",
            "acme",
            "public key pub123",
            "2026-12-06 01:00:00 UTC",
            "psa-onboard ",
        ] {
            assert!(
                text.contains(want),
                "{want} missing from the header:\n{text}"
            );
        }
        assert!(!r.ok);
    }

    #[test]
    fn json_shape_is_the_documented_one() {
        let (w, r) = report();
        let v: serde_json::Value =
            serde_json::from_str(&render_json(&r, &verdicts_of(&w, &r), None).unwrap()).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["format_version"], CHECK_JSON_VERSION);
        assert_eq!(v["counts"]["fail"], 1);
        assert!(v["tool_version"].is_string());
        let c = &v["steps"][0]["checks"][0];
        assert_eq!(c["status"], "fail");
        assert_eq!(c["permission"]["op"], "edit");
        // `permission` is omitted, not null, when absent.
        assert!(v["steps"][0]["checks"][1].get("permission").is_none());
        // No keyring was used: present, and null.
        assert!(v.get("keyring").is_some_and(|k| k.is_null()), "{v}");
        let v: serde_json::Value = serde_json::from_str(
            &render_json(&r, &verdicts_of(&w, &r), Some(StoreKind::KernelKeyring)).unwrap(),
        )
        .unwrap();
        assert_eq!(v["keyring"]["store"], "kernel-keyring");
        assert_eq!(v["keyring"]["name"], "kernel keyring");
        assert_eq!(v["keyring"]["lasts"], "until logout or reboot");
    }
}
