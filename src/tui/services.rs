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
use crate::verify::StepReport;
use crate::wizard::{self, Wizard};

/// Values a demo pre-fills (the sandbox's addresses and demo credentials).
pub type Prefill = Vec<(FieldId, String)>;

pub struct LiveServices {
    pub wizard_dir: Option<PathBuf>,
    pub store_dir: PathBuf,
    /// Demo: the embedded sandbox and the connection values it hands out.
    pub demo: Option<Arc<dyn Sandbox>>,
}

/// What the TUI needs of the embedded sandbox.
pub trait Sandbox: Send + Sync + 'static {
    /// Connection values for the wizard's PSA, secrets included (they stay in memory).
    fn prefill(&self, wizard: &Wizard) -> Prefill;
    fn apply(
        &self,
        wizard: Arc<Wizard>,
        step: String,
    ) -> BoxFuture<'static, Result<(), ServiceError>>;
}

fn err(message: impl Into<String>, remedy: impl Into<String>) -> ServiceError {
    ServiceError {
        message: message.into(),
        remedy: remedy.into(),
    }
}

impl LiveServices {
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

    /// Open a wizard as a fresh run (also used before the terminal starts, for clear errors).
    pub fn begin_now(&self, source: &str) -> Result<Box<Run>, ServiceError> {
        let loaded = self.load(source)?;
        let source = match loaded.origin {
            wizard::Origin::Builtin => loaded.wizard.id.clone(),
            _ => std::fs::canonicalize(source)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| source.to_string()),
        };
        let wizard = Arc::new(loaded.wizard);
        let mut run = Run::new(
            wizard.clone(),
            Self::new_id(&wizard),
            source,
            loaded.content_hash,
        );
        self.prepare(&mut run);
        Ok(Box::new(run))
    }

    pub fn resume_now(&self, id: &str) -> Result<Box<Run>, ServiceError> {
        let saved = store::load(&self.store_dir, id).map_err(|e| {
            err(
                e.to_string(),
                "Run `psa-onboard resume` without a name to pick from the saved sessions.",
            )
        })?;
        let loaded = self.load(&saved.source)?;
        let changed = loaded.content_hash != saved.wizard_hash;
        let wizard = Arc::new(loaded.wizard);
        let mut run = store::restore(&saved, wizard, loaded.content_hash);
        self.prepare(&mut run);
        if changed {
            run.notice = Some(super::app::Notice {
                text: "The wizard file changed since this session was saved: re-verify the steps."
                    .into(),
                error: true,
            });
        }
        Ok(Box::new(run))
    }

    fn prepare(&self, run: &mut Run) {
        if let Some(sb) = &self.demo {
            run.demo = true;
            for (id, v) in sb.prefill(&run.wizard) {
                run.form.set(id, &v);
            }
        }
    }

    /// The most recently saved session, for `resume` without a name.
    pub fn latest(&self) -> Option<SavedSession> {
        store::list(&self.store_dir).into_iter().next()
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
        let _ = (wizard, step, connection, on_check);
        async {
            Err(err(
                "This build has no verification engine yet.",
                "Use continue unverified (u) for now.",
            ))
        }
        .boxed()
    }

    fn apply_in_sandbox(
        &self,
        wizard: Arc<Wizard>,
        step: String,
    ) -> BoxFuture<'static, Result<(), ServiceError>> {
        match &self.demo {
            Some(sb) => sb.apply(wizard, step),
            None => async {
                Err(err(
                    "There is no sandbox in this session.",
                    "Run `psa-onboard demo` to try the wizard against the embedded sandbox.",
                ))
            }
            .boxed(),
        }
    }

    fn save(&self, mut session: SavedSession) -> BoxFuture<'static, Result<(), ServiceError>> {
        let dir = self.store_dir.clone();
        async move {
            session.updated_at = Some(jiff::Timestamp::now());
            tokio::task::spawn_blocking(move || store::save(&dir, &session))
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
        let _ = (session, secret);
        async move {
            Err(err(
                format!("The {} is kept in memory for this run only.", field.label()),
                "You will be asked for it again when you resume.",
            ))
        }
        .boxed()
    }

    fn begin(&self, source: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
        let r = self.begin_now(&source);
        async move { r }.boxed()
    }

    fn resume(&self, id: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
        let r = self.resume_now(&id);
        async move { r }.boxed()
    }
}
