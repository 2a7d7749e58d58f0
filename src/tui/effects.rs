//! Runs effects as tokio tasks and sends their results back as messages. The world is reached
//! through [`Services`], so tests can inject faults (slow PSAs, failing disks).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::SecretString;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::{AbortHandle, JoinHandle};

use super::app::{Effect, FieldId, Msg, Run, ServiceError, State};
use super::store::{self, SavedSession};
use crate::connection::Connection;
use crate::verify::{CheckResult, StepReport};
use crate::wizard::Wizard;

/// Called once per check as it completes.
pub type OnCheck = Arc<dyn Fn(CheckResult) + Send + Sync>;

/// What the TUI needs from the world.
pub trait Services: Send + Sync + 'static {
    /// Verify one step against the PSA, reporting each check as it completes.
    fn verify(
        &self,
        wizard: Arc<Wizard>,
        step: String,
        connection: Connection,
        on_check: OnCheck,
    ) -> BoxFuture<'static, Result<StepReport, ServiceError>>;

    /// Demo only: perform a step in the sandbox as the admin would in the PSA's UI.
    fn apply_in_sandbox(
        &self,
        wizard: Arc<Wizard>,
        step: String,
    ) -> BoxFuture<'static, Result<(), ServiceError>>;

    /// Save the session (atomically).
    fn save(&self, session: SavedSession) -> BoxFuture<'static, Result<(), ServiceError>>;

    /// Keep a secret for the session (the OS keyring).
    fn store_secret(
        &self,
        session: String,
        field: FieldId,
        secret: SecretString,
    ) -> BoxFuture<'static, Result<(), ServiceError>>;

    /// Start a wizard (a built-in id or a file path) as a new session.
    fn begin(&self, source: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>>;

    /// Open a saved session.
    fn resume(&self, id: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>>;
}

/// How long a verification may take before the admin is told the PSA is not answering.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(90);

/// Carries effects out; owns the tasks in flight so they can be cancelled.
pub struct Runner {
    services: Arc<dyn Services>,
    tx: UnboundedSender<Msg>,
    tasks: HashMap<u64, AbortHandle>,
    saves: Option<UnboundedSender<SavedSession>>,
    saver: Option<JoinHandle<()>>,
}

/// Whether the loop goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

impl Runner {
    pub fn new(services: Arc<dyn Services>, tx: UnboundedSender<Msg>) -> Self {
        // Saves run one after another, so an older snapshot never overwrites a newer one.
        let (save_tx, mut save_rx) = unbounded_channel::<SavedSession>();
        let svc = services.clone();
        let back = tx.clone();
        let saver = tokio::spawn(async move {
            while let Some(mut s) = save_rx.recv().await {
                // Only the newest pending snapshot matters.
                while let Ok(newer) = save_rx.try_recv() {
                    s = newer;
                }
                let r = svc.save(s).await;
                if r.is_err() {
                    let _ = back.send(Msg::Saved(r));
                }
            }
        });
        Runner {
            services,
            tx,
            tasks: HashMap::new(),
            saves: Some(save_tx),
            saver: Some(saver),
        }
    }

    pub fn run(&mut self, state: &State, effect: Effect) -> Flow {
        self.tasks.retain(|_, h| !h.is_finished());
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::SaveSession => {
                if let (Some(run), Some(tx)) = (state.run(), &self.saves) {
                    let _ = tx.send(store::snapshot(run));
                }
            }
            Effect::Cancel { generation } => {
                if let Some(h) = self.tasks.remove(&generation) {
                    h.abort();
                }
            }
            Effect::Verify { step, generation } => {
                let Some(run) = state.run() else {
                    return Flow::Continue;
                };
                let Some(connection) = run.form.connection() else {
                    let _ = self.tx.send(Msg::Verified {
                        step,
                        generation,
                        result: Err(ServiceError {
                            message: "The connection details are incomplete.".into(),
                            remedy: "Press e and fill in every field.".into(),
                        }),
                    });
                    return Flow::Continue;
                };
                let wizard = run.wizard.clone();
                let step_id = wizard.steps[step].id.clone();
                let tx = self.tx.clone();
                let progress_tx = self.tx.clone();
                let on_check: OnCheck = Arc::new(move |result| {
                    let _ = progress_tx.send(Msg::Check {
                        step,
                        generation,
                        result,
                    });
                });
                let fut = self.services.verify(wizard, step_id, connection, on_check);
                let h = tokio::spawn(async move {
                    let result = match tokio::time::timeout(VERIFY_TIMEOUT, fut).await {
                        Ok(r) => r,
                        Err(_) => Err(ServiceError {
                            message: format!(
                                "The PSA did not answer within {} seconds.",
                                VERIFY_TIMEOUT.as_secs()
                            ),
                            remedy: "Check the site address and your network, then press v to try again."
                                .into(),
                        }),
                    };
                    let _ = tx.send(Msg::Verified {
                        step,
                        generation,
                        result,
                    });
                });
                self.tasks.insert(generation, h.abort_handle());
            }
            Effect::ApplyInSandbox { step, generation } => {
                let Some(run) = state.run() else {
                    return Flow::Continue;
                };
                let wizard = run.wizard.clone();
                let step_id = wizard.steps[step].id.clone();
                let fut = self.services.apply_in_sandbox(wizard, step_id);
                let tx = self.tx.clone();
                let h = tokio::spawn(async move {
                    let result = fut.await;
                    let _ = tx.send(Msg::Applied {
                        step,
                        generation,
                        result,
                    });
                });
                self.tasks.insert(generation, h.abort_handle());
            }
            Effect::StoreSecret { field } => {
                let Some(run) = state.run() else {
                    return Flow::Continue;
                };
                let Some(f) = run.form.field(field) else {
                    return Flow::Continue;
                };
                let secret = SecretString::from(f.value().to_string());
                let fut = self
                    .services
                    .store_secret(run.session_id.clone(), field, secret);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Msg::SecretStored(fut.await));
                });
            }
            Effect::Begin(source) => {
                let fut = self.services.begin(source);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Opened(fut.await));
                });
            }
            Effect::Resume(id) => {
                let fut = self.services.resume(id);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Msg::Opened(fut.await));
                });
            }
        }
        Flow::Continue
    }

    /// Cancel what is in flight and wait for the last save to land.
    pub async fn shutdown(mut self, state: &State) -> Result<(), ServiceError> {
        for (_, h) in self.tasks.drain() {
            h.abort();
        }
        drop(self.saves.take());
        if let Some(saver) = self.saver.take() {
            let _ = saver.await;
        }
        // The final word, saved in full after every earlier save finished.
        if let Some(run) = state.run() {
            self.services.save(store::snapshot(run)).await?;
        }
        Ok(())
    }
}
