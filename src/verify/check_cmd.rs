//! `psa-onboard check`: every check of a wizard, headless, as a readable report or JSON
//! (docs/CHECK_JSON.md). Exit 0 when nothing fails, 1 when a check fails, 2 when it cannot run.

use std::io::Write;

use secrecy::SecretString;

use crate::cli::{Cli, UsageError};
use crate::connection::{AUTOTASK_DEFAULT_API_ROOT, AutotaskTarget, Connection, ConnectwiseTarget};
use crate::wizard::{self, Psa, Wizard};

use super::{Report, Status, Verifier, VerifyOptions};

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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
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
    /// The API tracking identifier (default: the wizard's).
    #[arg(long, env = "AUTOTASK_INTEGRATION_CODE")]
    pub autotask_integration_code: Option<String>,
    /// ConnectWise site: host (na.myconnectwise.net) or URL.
    #[arg(long, env = "CONNECTWISE_SITE")]
    pub connectwise_site: Option<String>,
    #[arg(long, env = "CONNECTWISE_COMPANY_ID")]
    pub connectwise_company_id: Option<String>,
    #[arg(long, env = "CONNECTWISE_PUBLIC_KEY")]
    pub connectwise_public_key: Option<String>,
    /// The integration's clientId (default: the wizard's).
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

/// Options from the flags; admin keys only for a ConnectWise wizard.
fn options(cli: &Cli, args: &CheckArgs, psa: Psa) -> Result<VerifyOptions, UsageError> {
    let mut opts = VerifyOptions {
        http: cli.net.http_config()?,
        allow_writes: args.allow_writes,
        strict: args.strict,
        test_ticket: args.test_ticket,
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

/// Re-verify a saved session and save the results into it.
async fn check_session(
    cli: &Cli,
    args: &CheckArgs,
    name: &str,
) -> Result<(Wizard, Report), UsageError> {
    let store =
        crate::session::store::Store::open_default().map_err(|e| UsageError(e.to_string()))?;
    // Name a missing session before asking the keyring for anything.
    drop(store.open(name).map_err(|e| UsageError(e.to_string()))?);
    let keyring = crate::secrets::Keyring::system()
        .await
        .map_err(|e| UsageError(e.to_string()))?;
    let dir = cli.wizard_dir();
    let mut resumed =
        crate::session::connect::resume(&store, name, dir.as_deref(), &keyring).await?;
    let wizard = resumed.wizard.wizard.clone();
    let opts = options(cli, args, wizard.psa)?;
    let report = Verifier::new(&resumed.connection, &opts)
        .verify_all(&wizard)
        .await;
    resumed
        .open
        .session
        .record_report(&report, jiff::Timestamp::now());
    resumed.open.save().map_err(|e| {
        UsageError(format!(
            "verified, but could not save session {name:?}: {e}"
        ))
    })?;
    Ok((wizard, report))
}

/// Run the command. `Ok(true)` when no check failed.
pub fn run(cli: &Cli, args: &CheckArgs, out: &mut impl Write) -> Result<bool, UsageError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    let (wizard, report) = match (&args.session, &args.wizard) {
        (Some(name), _) => rt.block_on(check_session(cli, args, name))?,
        (None, Some(id)) => {
            let dir = cli.wizard_dir();
            let wizard = wizard::resolve(id, dir.as_deref())
                .map_err(|e| UsageError(e.to_string()))?
                .wizard;
            let conn = connection(args, &wizard)?;
            let opts = options(cli, args, wizard.psa)?;
            let report =
                rt.block_on(async { Verifier::new(&conn, &opts).verify_all(&wizard).await });
            (wizard, report)
        }
        (None, None) => {
            return Err(UsageError(
                "name a wizard (--wizard <id|path>) or a saved session (--session <name>)".into(),
            ));
        }
    };
    let text = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| UsageError(e.to_string()))? + "\n"
        }
        Format::Human => render_human(&wizard, &report, fancy_glyphs()),
    };
    out.write_all(text.as_bytes())
        .map_err(|e| UsageError(format!("cannot write: {e}")))?;
    Ok(report.ok)
}

/// Unicode glyphs unless NO_COLOR is set or the locale is not UTF-8.
fn fancy_glyphs() -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    locale.contains("utf-8") || locale.contains("utf8")
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

/// The human-readable report.
pub fn render_human(wizard: &Wizard, report: &Report, fancy: bool) -> String {
    let mut o = format!("{} ({})\n", wizard.title, wizard.id);
    let mut counts = [0usize; 5];
    for step in &report.steps {
        o.push_str(&format!("\n{} {}\n", glyph(step.status, fancy), step.title));
        for c in &step.checks {
            counts[match c.status {
                Status::Pass => 0,
                Status::Fail => 1,
                Status::Warn => 2,
                Status::Manual => 3,
                Status::Skipped => 4,
            }] += 1;
            o.push_str(&format!("  {} {}\n", glyph(c.status, fancy), c.title));
            if c.status != Status::Pass || !c.detail.is_empty() {
                for line in c.detail.lines().filter(|l| !l.trim().is_empty()) {
                    o.push_str(&format!("      {line}\n"));
                }
            }
            if let Some(p) = &c.permission {
                o.push_str(&format!(
                    "      {} › {} {}: required {}, found {}\n",
                    p.module, p.function, p.op, p.required, p.actual
                ));
            }
            if !c.remedy.is_empty() && matches!(c.status, Status::Fail | Status::Warn) {
                o.push_str(&format!("      fix: {}\n", c.remedy));
            }
        }
    }
    o.push_str(&format!(
        "\n{} passed, {} failed, {} warnings, {} to confirm yourself, {} skipped — {}\n",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        if report.ok {
            "no check failed"
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
                id: "row-20".into(),
                title: "Service Desk › Service Tickets".into(),
                status: Status::Fail,
                detail: "missing: edit is My, the guide says All".into(),
                remedy: "Set it.".into(),
                permission: Some(PermissionObservation {
                    module: "Service Desk".into(),
                    function: "Service Tickets".into(),
                    op: "edit".into(),
                    required: "All".into(),
                    actual: "My".into(),
                }),
            },
            CheckResult {
                id: "company".into(),
                title: "Company".into(),
                status: Status::Pass,
                detail: String::new(),
                remedy: String::new(),
                permission: None,
            },
        ];
        let r = Report::new(
            w.id.clone(),
            "connectwise".into(),
            vec![StepReport::new("s".into(), "Step".into(), checks)],
        );
        (w, r)
    }

    #[test]
    fn human_report_glyphs_and_fallback() {
        let (w, r) = report();
        let fancy = render_human(&w, &r, true);
        assert!(
            fancy.contains("✗ Service Desk › Service Tickets"),
            "{fancy}"
        );
        assert!(fancy.contains("✓ Company"));
        assert!(fancy.contains("Service Desk › Service Tickets edit: required All, found My"));
        assert!(fancy.contains("fix: Set it."));
        assert!(fancy.contains("1 passed, 1 failed"));
        let plain = render_human(&w, &r, false);
        assert!(plain.contains("[FAIL] Service Desk › Service Tickets"));
        assert!(plain.contains("[ok] Company"));
        assert!(!plain.contains('✗'));
    }

    #[test]
    fn json_shape_is_the_documented_one() {
        let (_, r) = report();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["ok"], false);
        let c = &v["steps"][0]["checks"][0];
        assert_eq!(c["status"], "fail");
        assert_eq!(c["permission"]["op"], "edit");
        // `permission` is omitted, not null, when absent.
        assert!(v["steps"][0]["checks"][1].get("permission").is_none());
    }
}
