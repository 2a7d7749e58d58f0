//! The real [`Services`]: wizard files, the session store, and (as they land) the verification
//! engine, the keyring and the demo sandbox.

use std::path::PathBuf;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use secrecy::SecretString;

use super::app::{FieldId, Run, ServiceError};
use super::effects::{OnCheck, Services};
use super::store::{self, SavedSession};
use crate::connection::Connection;
use crate::secrets::Keyring;
use crate::session::{OpenSession, Session, Store};
use crate::verify::StepReport;
use crate::wizard::{self, Wizard};

/// The real services. Cheap to clone: futures carry their own copy.
#[derive(Clone)]
pub struct LiveServices {
    pub wizard_dir: Option<PathBuf>,
    pub store_dir: PathBuf,
    /// New runs go against the embedded sandbox.
    pub demo: bool,
    /// Timeouts and extra trusted roots for PSA requests (`--timeout`, `--ca-cert`).
    pub http: crate::psa::http::HttpConfig,
    /// The embedded sandbox, started on first need (a demo, or resuming a demo session).
    sandbox: Arc<tokio::sync::Mutex<Option<Arc<crate::sandbox::Sandbox>>>>,
    /// The session being edited; holding it holds its lock.
    open: Arc<std::sync::Mutex<Option<OpenSession>>>,
    /// The OS keyring, connected on first need.
    keyring: Arc<tokio::sync::OnceCell<Result<Keyring, String>>>,
}

fn err(message: impl Into<String>, remedy: impl Into<String>) -> ServiceError {
    ServiceError {
        message: message.into(),
        remedy: remedy.into(),
    }
}

impl LiveServices {
    pub fn new(wizard_dir: Option<PathBuf>, store_dir: PathBuf) -> Self {
        LiveServices {
            wizard_dir,
            store_dir,
            demo: false,
            http: crate::psa::http::HttpConfig::default(),
            sandbox: Arc::default(),
            open: Arc::default(),
            keyring: Arc::default(),
        }
    }

    pub fn store(&self) -> Store {
        Store::at(&self.store_dir)
    }

    async fn keyring(&self) -> Result<Keyring, ServiceError> {
        self.keyring
            .get_or_init(|| async {
                let k = Keyring::system().await.map_err(|e| e.to_string())?;
                k.probe().await.map_err(|e| e.to_string())?;
                Ok(k)
            })
            .await
            .clone()
            .map_err(|e| err(e, "Your secrets are kept in memory for this run only; you will be asked again when you resume."))
    }

    fn hold(&self, open: OpenSession) {
        *self.open.lock().unwrap_or_else(|p| p.into_inner()) = Some(open);
    }

    /// The sandbox, started on first use.
    pub async fn sandbox(&self) -> Result<Arc<crate::sandbox::Sandbox>, ServiceError> {
        let mut slot = self.sandbox.lock().await;
        if let Some(sb) = &*slot {
            return Ok(sb.clone());
        }
        let sb = Arc::new(super::demo::start().await?);
        *slot = Some(sb.clone());
        Ok(sb)
    }

    /// A new session id: the wizard id and the time, readable in `resume` listings.
    fn new_id(wizard: &Wizard) -> String {
        let now = jiff::Zoned::now();
        format!("{}-{}", wizard.id, now.strftime("%Y%m%d-%H%M%S"))
    }

    fn load(&self, source: &str) -> Result<wizard::Loaded, ServiceError> {
        wizard::resolve(source, self.wizard_dir.as_deref()).map_err(|e| {
            err(
                e.to_string(),
                "Pick a wizard from the list (see `psa-onboard wizards`), or give the path of a valid .toml file.",
            )
        })
    }

    /// Open a wizard as a fresh run.
    pub async fn begin_run(&self, source: &str) -> Result<Box<Run>, ServiceError> {
        let loaded = self.load(source)?;
        let source = match loaded.origin {
            wizard::Origin::Builtin => loaded.wizard.id.clone(),
            _ => std::fs::canonicalize(source)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| source.to_string()),
        };
        let name = Self::new_id(&loaded.wizard);
        let mut session = Session::new(
            &name,
            &loaded,
            &crate::session::current_user(),
            jiff::Timestamp::now(),
        )
        .map_err(|e| err(e.to_string(), "Report this as a bug."))?;
        session.demo = self.demo;
        let open = self.store().create(session).map_err(|e| {
            err(
                e.to_string(),
                "Check that the state directory is writable, or set PSA_ONBOARD_STATE_DIR.",
            )
        })?;
        let wizard = Arc::new(loaded.wizard);
        let mut run = Run::new(wizard.clone(), name, source, loaded.content_hash);
        if self.demo {
            let sb = self.sandbox().await?;
            run.demo = true;
            super::demo::prefill(&sb, &mut run);
        }
        self.hold(open);
        Ok(Box::new(run))
    }

    /// Open a saved session (taking its lock). A demo session gets a fresh sandbox with its
    /// steps replayed; a real one gets its secrets back from the keyring.
    pub async fn resume_run(&self, id: &str) -> Result<Box<Run>, ServiceError> {
        let open = self.store().open(id).map_err(|e| {
            err(
                e.to_string(),
                "Run `psa-onboard sessions` to see the saved sessions.",
            )
        })?;
        let s = &open.session;
        let source = if s.wizard.origin == wizard::Origin::Builtin.label() {
            s.wizard.id.clone()
        } else {
            s.wizard.origin.clone()
        };
        let loaded = self.load(&source)?;
        let changed = loaded.content_hash != s.wizard.content_hash;
        let wizard = Arc::new(loaded.wizard);
        let mut run = store::restore(s, wizard, source, loaded.content_hash);
        if run.demo {
            let sb = self.sandbox().await?;
            super::demo::replay(&sb, &run)?;
            super::demo::prefill(&sb, &mut run);
        } else if !s.secrets.is_empty() {
            match self.keyring().await {
                Ok(k) => {
                    for (field, r) in &s.secrets {
                        let Some(id) = FieldId::ALL.into_iter().find(|f| f.key() == field) else {
                            continue;
                        };
                        if let Ok(secret) = k.load(r).await {
                            use secrecy::ExposeSecret;
                            run.form.set(id, secret.expose_secret());
                            run.secrets_in_keyring = true;
                        }
                    }
                }
                Err(e) => {
                    run.notice = Some(super::app::Notice {
                        text: format!("{} {}", e.message, e.remedy),
                        error: true,
                    })
                }
            }
        }
        if changed {
            // Only the steps whose definition changed lose their verdict; the rest stand.
            let changes = crate::session::changes::WizardChanges::by_steps(s, &run.wizard, true);
            for (i, step) in run.wizard.steps.iter().enumerate() {
                let p = &mut run.progress[i];
                let verified = matches!(
                    p.state,
                    super::app::StepState::Verified | super::app::StepState::Warned
                );
                if changes.reverify.contains(&step.id) && verified {
                    p.state = super::app::StepState::Todo;
                }
            }
            run.notice = Some(super::app::Notice {
                text: changes.describe(&run.wizard.id),
                error: true,
            });
        }
        self.hold(open);
        Ok(Box::new(run))
    }

    /// The most recently saved session, for `resume` without a name.
    pub fn latest(&self) -> Option<Session> {
        self.store().list().sessions.into_iter().next()
    }
}

impl Services for LiveServices {
    fn verify(
        &self,
        wizard: Arc<Wizard>,
        step: String,
        connection: Connection,
        on_check: OnCheck,
    ) -> BoxFuture<'static, Result<StepReport, ServiceError>> {
        // The engine's future is not provably `Send` (a higher-ranked lifetime in its stream),
        // so it runs on a blocking thread driven by the runtime's handle. Cancelling drops the
        // result (by generation); the checks in flight end at their HTTP timeouts.
        let handle = tokio::runtime::Handle::current();
        let http = self.http.clone();
        let job = tokio::task::spawn_blocking(move || {
            // Refused credentials are not forgotten here: `update` decides when (changed input,
            // a sandbox action, or the admin's confirmed retry) through `Effect::ForgetRefused`.
            let opts = crate::verify::VerifyOptions {
                http,
                ..crate::verify::VerifyOptions::default()
            };
            let progress = move |r: &crate::verify::CheckResult| on_check(r.clone());
            handle.block_on(crate::verify::verify_step(
                &wizard,
                &step,
                &connection,
                &opts,
                &progress,
            ))
        });
        async move {
            job.await.map_err(|e| {
                err(
                    format!("The verification stopped unexpectedly: {e}"),
                    "Press v to try again; if it keeps happening, run `psa-onboard check` for details.",
                )
            })
        }
        .boxed()
    }

    fn apply_in_sandbox(
        &self,
        wizard: Arc<Wizard>,
        step: String,
    ) -> BoxFuture<'static, Result<(), ServiceError>> {
        let me = self.clone();
        async move {
            let sb = me.sandbox.lock().await.clone().ok_or_else(|| {
                err(
                    "There is no sandbox in this session.",
                    "Run `psa-onboard demo` to try the wizard against the embedded sandbox.",
                )
            })?;
            super::demo::apply(&sb, &wizard, &step)
        }
        .boxed()
    }

    fn save(&self, snap: SavedSession) -> BoxFuture<'static, Result<(), ServiceError>> {
        let open = self.open.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut guard = open.lock().unwrap_or_else(|p| p.into_inner());
                let Some(o) = guard.as_mut().filter(|o| o.session.name == snap.id) else {
                    return Ok(());
                };
                let who = o.session.who.clone();
                store::apply(&snap, &mut o.session, jiff::Timestamp::now(), &who);
                o.save()
            })
            .await
            .map_err(|e| {
                err(
                    format!("saving stopped: {e}"),
                    "Try again (any change saves).",
                )
            })?
            .map_err(|e| {
                err(
                    e.to_string(),
                    "Check that the directory is writable, or set PSA_ONBOARD_STATE_DIR.",
                )
            })
        }
        .boxed()
    }

    fn store_secret(
        &self,
        session: String,
        field: FieldId,
        secret: SecretString,
    ) -> BoxFuture<'static, Result<(), ServiceError>> {
        let me = self.clone();
        async move {
            let keyring = me.keyring().await?;
            // Record where the secret lives first, so `sessions delete` can always remove it.
            let reference = {
                let mut guard = me.open.lock().unwrap_or_else(|p| p.into_inner());
                let Some(o) = guard.as_mut().filter(|o| o.session.name == session) else {
                    return Ok(());
                };
                let r = o.session.secret_ref(field.key());
                o.save().map_err(|e| err(e.to_string(), "Check the state directory."))?;
                r
            };
            keyring.store(&reference, secret).await.map_err(|e| {
                err(
                    e.to_string(),
                    "Your secrets are kept in memory for this run only; you will be asked again when you resume.",
                )
            })
        }
        .boxed()
    }

    fn begin(&self, source: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
        let me = self.clone();
        async move { me.begin_run(&source).await }.boxed()
    }

    fn resume(&self, id: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
        let me = self.clone();
        async move { me.resume_run(&id).await }.boxed()
    }
}
