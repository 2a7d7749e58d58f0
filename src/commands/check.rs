//! `psa-onboard check`: every check of a wizard, headless, as a readable report or JSON
//! (docs/CHECK_JSON.md). Exit 0 when nothing fails, 1 when a check fails, 2 when it cannot run.
//! The reports themselves: `check_human` and `check_json`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use secrecy::SecretString;

use super::CommandError;
use super::check_human::{Style, render_human};
pub use super::check_json::{CHECK_JSON_VERSION, render_json};
use crate::cli::{CheckArgs, CheckFormat, NetworkArgs};
use crate::connection::Connection;
use crate::profile::{FieldId, PermissionModel};
use crate::secrets::StoreKind;
use crate::verdict::{Facts, RunRef, Verdict};
use crate::verify::{AdminKeys, Report, ReportTarget, Verifier, VerifyOptions};
use crate::wizard::{self, Wizard};

fn required(value: Option<String>, var: &str, what: &str) -> Result<String, CommandError> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            CommandError::Usage(format!(
                "missing {what}: set {var} (or the matching --flag)"
            ))
        })
}

fn secret(var: &str, what: &str) -> Result<SecretString, CommandError> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(SecretString::from(v)),
        _ => Err(CommandError::Usage(format!(
            "missing {what}: set the environment variable {var}"
        ))),
    }
}

/// The connection for a wizard from flags and the environment: every field its PSA's profile
/// lists, the vendor's code defaulting to the wizard's, the secret only from the environment.
pub fn connection(args: &CheckArgs, wizard: &Wizard) -> Result<Connection, CommandError> {
    let profile = wizard.psa.profile();
    let mut values = std::collections::BTreeMap::new();
    for &field in profile.fields.iter().filter(|f| **f != profile.secret) {
        let flag = args.field(field);
        let given = flag.value.filter(|v| !v.trim().is_empty());
        let value = if field == profile.vendor_code.field() {
            given.or_else(|| {
                wizard
                    .integration
                    .code(profile.vendor_code)
                    .map(String::from)
            })
        } else {
            given
        };
        values.insert(field, required(value, flag.var, flag.what)?);
    }
    let flag = args.field(profile.secret);
    let secret = secret(flag.var, flag.what)?;
    let value = |f: FieldId| values.get(&f).cloned().unwrap_or_default();
    Ok(profile.connection_with(&value, secret))
}

/// The optional steps `--with` names, each checked against the wizard.
fn chosen(args: &CheckArgs, wizard: &Wizard) -> Result<BTreeSet<String>, CommandError> {
    let optional: Vec<&str> = wizard
        .steps
        .iter()
        .filter(|s| s.optional)
        .map(|s| s.id.as_str())
        .collect();
    let mut out = BTreeSet::new();
    for id in args.with.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if id != "all" && !optional.contains(&id) {
            return Err(CommandError::Usage(if optional.is_empty() {
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

/// Options from the flags; admin keys only where permissions are module functions of a
/// security role (ConnectWise), which the keys read.
fn options(
    net: &NetworkArgs,
    args: &CheckArgs,
    wizard: &Wizard,
) -> Result<VerifyOptions, CommandError> {
    let mut opts = VerifyOptions {
        http: super::http_config(net)?,
        allow_writes: args.allow_writes,
        strict: args.strict,
        test_ticket: args.test_ticket,
        with: chosen(args, wizard)?,
        ..VerifyOptions::default()
    };
    if wizard.psa.profile().permissions == PermissionModel::ModuleFunctions
        && let Some(public_key) = args
            .connectwise_admin_public_key
            .clone()
            .filter(|k| !k.trim().is_empty())
    {
        let private_key = secret(
            "CONNECTWISE_ADMIN_PRIVATE_KEY",
            "the administrator's private key",
        )?;
        opts.connectwise_admin = Some(AdminKeys {
            public_key,
            private_key,
        });
    }
    Ok(opts)
}

/// The non-secret description of what a connection points at, for the report's header.
pub fn target_of(conn: &Connection) -> ReportTarget {
    let target = conn.target();
    let i = target.instance();
    let owned = |v: Option<&str>| v.map(String::from);
    ReportTarget {
        api_root: owned(i.api_root),
        api_user: owned(i.api_user),
        site: owned(i.site),
        company_id: owned(i.company_id),
        member_public_key: owned(i.public_key),
        ..ReportTarget::default()
    }
}

/// Run every check and stamp the report with what it looked at and when.
async fn verify(wizard: &Wizard, conn: &Connection, opts: &VerifyOptions) -> Report {
    let started = jiff::Timestamp::now();
    let verifier = Verifier::new(conn, opts);
    let mut report = verifier.verify_all(wizard).await;
    report.started_at = Some(started);
    let mut target = target_of(conn);
    target.zone = verifier.zone();
    report.target = Some(target);
    report
}

/// Re-verify a saved session and save the results into it.
async fn check_session(
    net: &NetworkArgs,
    wizard_dir: Option<&Path>,
    args: &CheckArgs,
    name: &str,
) -> Result<(Wizard, Report, Vec<Verdict>, StoreKind), CommandError> {
    let store = crate::session::store::Store::open_default()?;
    // Name a missing session before asking the keyring for anything.
    drop(store.open(name)?);
    let keyring = open_keyring().await?;
    let mut resumed = crate::session::connect::resume(&store, name, wizard_dir, &keyring).await?;
    let wizard = resumed.wizard.wizard.clone();
    let mut opts = options(net, args, &wizard)?;
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
    resumed
        .open
        .save()
        .map_err(|source| CommandError::SaveVerified {
            name: name.to_string(),
            source,
        })?;
    Ok((wizard, report, verdicts, keyring.kind()))
}

/// The OS keyring (opened and probed once per process), its fallback notice said once on
/// stderr; a keyring that cannot be used is one sentence and a remedy.
async fn open_keyring() -> Result<crate::secrets::Keyring, crate::secrets::KeyringUnavailable> {
    let keyring = crate::secrets::Keyring::system().await?;
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
) -> Result<Vec<Verdict>, CommandError> {
    use crate::session::{Session, store::Store};
    let err = |e: crate::session::StoreError| save_failed(name, e);
    let store = Store::open_default().map_err(err)?;
    let now = jiff::Timestamp::now();
    let mut open = if store.exists(name) {
        let open = store.open(name).map_err(err)?;
        if open.session.wizard.id != loaded.wizard.id {
            return Err(CommandError::Usage(format!(
                "session {name:?} follows wizard {:?}, not {:?}: choose another name",
                open.session.wizard.id, loaded.wizard.id
            )));
        }
        open
    } else {
        let session = Session::new(name, loaded, &crate::session::current_user(), now)?;
        store.create(session).map_err(err)?
    };
    let secret = conn.secret();
    let session = &mut open.session;
    session.set_target(conn.target());
    session.choices.extend(with.iter().cloned());
    let field = crate::session::secret_field(session);
    let reference = session.secret_ref(field);
    keyring
        .store(&reference, secret.clone())
        .await
        .map_err(|e| save_failed(name, e))?;
    session.record_report(report, now);
    let verdicts = session
        .verdicts(Some(&loaded.wizard))
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    open.save().map_err(err)?;
    Ok(verdicts)
}

/// A `--save-session` failure, with its cause.
fn save_failed(name: &str, e: impl std::error::Error + Send + Sync + 'static) -> CommandError {
    CommandError::SaveSession {
        name: name.to_string(),
        source: Box::new(e),
    }
}

/// The verdicts of a run with no session (nothing confirmed by anyone).
pub(super) fn verdicts_of(wizard: &Wizard, report: &Report) -> Vec<Verdict> {
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
/// `net` and `wizard_dir` are the global flags (`--ca-cert`, `--timeout`, `--wizard-dir`).
pub fn run(
    net: &NetworkArgs,
    wizard_dir: Option<&Path>,
    args: &CheckArgs,
    out: &mut impl Write,
) -> Result<bool, CommandError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CommandError::Runtime)?;
    let (wizard, report, verdicts, keyring) = match (&args.session, &args.wizard) {
        (Some(name), _) => {
            let (w, r, v, k) = rt.block_on(check_session(net, wizard_dir, args, name))?;
            (w, r, v, Some(k))
        }
        (None, Some(id)) => {
            let loaded = wizard::resolve(id, wizard_dir).map_err(CommandError::WizardLoad)?;
            let wizard = loaded.wizard.clone();
            let conn = connection(args, &wizard)?;
            let opts = options(net, args, &wizard)?;
            // A session is only worth its secret: find the keyring before asking the PSA.
            let keyring = match &args.save_session {
                Some(name) => Some(
                    rt.block_on(open_keyring())
                        .map_err(|e| save_failed(name, e))?,
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
            return Err(CommandError::Usage(
                "name a wizard (--wizard <id|path>) or a saved session (--session <name>)".into(),
            ));
        }
    };
    let text = match args.format {
        CheckFormat::Json => render_json(&report, &verdicts, keyring)?,
        CheckFormat::Human => {
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
        .map_err(CommandError::write)?;
    Ok(report.ok)
}
