//! Runs effects as tokio tasks and sends their results back as messages. The world is reached
//! through [`Services`], so tests can inject faults (slow PSAs, failing disks).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::SecretString;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::{AbortHandle, JoinHandle};

use super::app::ticket::TicketRef;
use super::app::{Effect, FieldId, Msg, Run, ServiceError, VerifyJob};
use super::store::SavedSession;
use crate::connection::Connection;
use crate::handoff::{Payload, VendorAnswer};
use crate::verify::{CheckResult, StepReport};
use crate::wizard::Wizard;

/// Called once per check as it completes.
pub type OnCheck = Arc<dyn Fn(CheckResult) + Send + Sync>;

/// What the TUI needs from the world.
pub trait Services: Send + Sync + 'static {
    /// Verify one step against the PSA, reporting each check as it completes. The job's
    /// `allow_writes` runs the checks that write to the PSA (the admin agreed, for this one
    /// run); its `test_ticket` is the ticket the admin chose for the impersonation write test.
    fn verify(
        &self,
        job: VerifyJob,
        on_check: OnCheck,
    ) -> BoxFuture<'static, Result<StepReport, ServiceError>>;

    /// Timeouts and extra trusted roots for PSA requests made outside a verification.
    fn http_config(&self) -> crate::psa::http::HttpConfig {
        crate::psa::http::HttpConfig::default()
    }

    /// Autotask: find the ticket the admin named (its number or ID) for the write test's note.
    fn find_ticket(
        &self,
        connection: Connection,
        query: String,
    ) -> BoxFuture<'static, Result<TicketRef, ServiceError>> {
        Box::pin(super::app::ticket::find(
            connection,
            self.http_config(),
            query,
        ))
    }

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

    /// Rename a saved session (not one open here); answers (old name, new name).
    fn rename(
        &self,
        from: String,
        to: String,
    ) -> BoxFuture<'static, Result<(String, String), ServiceError>> {
        let _ = (from, to);
        Box::pin(async {
            Err(ServiceError {
                message: "Sessions cannot be renamed here.".into(),
                remedy: "Rename it from the start screen of psa-onboard.".into(),
            })
        })
    }

    /// Let the verifier resend credentials the PSA refused before (the rule for when is
    /// `update`'s; see `Run::forget_refused`). Services without a verifier session of their own
    /// have nothing to forget.
    fn forget_refused(&self) {}

    /// POST the hand-off fields to the vendor's endpoint through the project's HTTP client.
    fn submit(
        &self,
        endpoint: String,
        payload: Payload,
    ) -> BoxFuture<'static, Result<VendorAnswer, ServiceError>> {
        Box::pin(async move {
            crate::handoff::submit(&endpoint, &payload, Default::default())
                .await
                .map_err(|e| ServiceError {
                    message: e.to_string(),
                    remedy: "Check the address and your network, then press p to try again, or enter the values in the portal by hand (o).".into(),
                })
        })
    }

    /// Open a web address in the browser (detached).
    /// Blocking: it waits up to [`crate::handoff::OPENER_VERDICT`] for the opener's verdict.
    fn open_url(&self, url: &str) -> Result<(), String> {
        crate::handoff::open_url(
            url,
            &crate::handoff::openers(),
            crate::handoff::OPENER_VERDICT,
        )
        .map_err(|e| e.to_string())
    }
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
    /// How long a verification may run ([`VERIFY_TIMEOUT`]; tests shorten it).
    pub verify_timeout: Duration,
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
            verify_timeout: VERIFY_TIMEOUT,
        }
    }

    /// Carry one effect out. Everything it needs is in the effect.
    pub fn run(&mut self, effect: Effect) -> Flow {
        self.tasks.retain(|_, h| !h.is_finished());
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::SaveSession(snapshot) => {
                if let Some(tx) = &self.saves {
                    let _ = tx.send(*snapshot);
                }
            }
            Effect::Cancel { generation } => {
                if let Some(h) = self.tasks.remove(&generation) {
                    h.abort();
                }
            }
            Effect::Verify {
                step,
                generation,
                job,
            } => {
                let progress_tx = self.tx.clone();
                let on_check: OnCheck = Arc::new(move |result| {
                    let _ = progress_tx.send(Msg::Check {
                        step,
                        generation,
                        result: Box::new(result),
                    });
                });
                let fut = self.services.verify(job, on_check);
                // Each PSA request it sends and each answer, so a slow one can be named.
                let watch_tx = self.tx.clone();
                let watcher: crate::psa::watch::Watcher = Arc::new(move |event| {
                    let _ = watch_tx.send(Msg::Request {
                        step,
                        generation,
                        event,
                    });
                });
                let fut = self.timed(
                    Box::pin(crate::psa::watch::watched(watcher, fut)),
                    "Check the site address and your network, then press v to try again.",
                );
                self.spawn(generation, fut, move |result| Msg::Verified {
                    step,
                    generation,
                    result,
                });
            }
            Effect::FindTicket {
                step,
                generation,
                query,
                connection,
            } => {
                let fut = self.timed(
                    self.services.find_ticket(connection.0, query),
                    "Check your network, then press Enter to try again.",
                );
                self.spawn(generation, fut, move |result| Msg::TicketFound {
                    step,
                    generation,
                    result,
                });
            }
            Effect::ApplyInSandbox {
                step,
                generation,
                wizard,
                step_id,
            } => {
                let fut = self.services.apply_in_sandbox(wizard, step_id);
                self.spawn(generation, fut, move |result| Msg::Applied {
                    step,
                    generation,
                    result,
                });
            }
            Effect::StoreSecret {
                session,
                field,
                secret,
            } => {
                let fut = self.services.store_secret(session, field, secret.0);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Msg::SecretStored(fut.await));
                });
            }
            Effect::ForgetRefused => self.services.forget_refused(),
            // The event loop writes the clipboard sequence through the terminal.
            Effect::Copy(..) => {}
            Effect::OpenUrl(url) => {
                // Off the UI's thread: the opener has a few seconds to say it failed.
                let services = self.services.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(why) = services.open_url(&url) {
                        let _ = tx.send(Msg::UrlNotOpened { url, why });
                    }
                });
            }
            Effect::Submit {
                step,
                generation,
                endpoint,
                payload,
            } => {
                let fut = self.services.submit(endpoint, payload.0);
                self.spawn(generation, fut, move |result| Msg::Submitted {
                    step,
                    generation,
                    result,
                });
            }
            Effect::Begin(source) => {
                let fut = self.services.begin(source);
                self.answer(fut, Msg::Opened);
            }
            Effect::Rename { from, to } => {
                let fut = self.services.rename(from, to);
                self.answer(fut, Msg::Renamed);
            }
            Effect::Resume(id) => {
                let fut = self.services.resume(id);
                self.answer(fut, Msg::Opened);
            }
        }
        Flow::Continue
    }

    /// `fut`, given up on after the verification time limit with `remedy`.
    fn timed<T: Send + 'static>(
        &self,
        fut: BoxFuture<'static, Result<T, ServiceError>>,
        remedy: &'static str,
    ) -> BoxFuture<'static, Result<T, ServiceError>> {
        let limit = self.verify_timeout;
        Box::pin(async move {
            match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => Err(ServiceError {
                    message: format!("The PSA did not answer within {} seconds.", limit.as_secs()),
                    remedy: remedy.into(),
                }),
            }
        })
    }

    /// Run `fut` as the work of `generation` (so it can be cancelled); its result comes back as
    /// the message `msg` makes of it.
    fn spawn<T: Send + 'static>(
        &mut self,
        generation: u64,
        fut: BoxFuture<'static, T>,
        msg: impl FnOnce(T) -> Msg + Send + 'static,
    ) {
        let tx = self.tx.clone();
        let h = tokio::spawn(async move {
            let _ = tx.send(msg(fut.await));
        });
        self.tasks.insert(generation, h.abort_handle());
    }

    /// Run `fut` to the end (it cannot be cancelled); its result comes back as `msg` of it.
    fn answer<T: Send + 'static>(
        &self,
        fut: BoxFuture<'static, T>,
        msg: impl FnOnce(T) -> Msg + Send + 'static,
    ) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(msg(fut.await));
        });
    }

    /// Cancel what is in flight and wait for the last save to land.
    /// `last`: the run as it stands at the end, saved in full after every earlier save.
    pub async fn shutdown(mut self, last: Option<SavedSession>) -> Result<(), ServiceError> {
        for (_, h) in self.tasks.drain() {
            h.abort();
        }
        drop(self.saves.take());
        if let Some(saver) = self.saver.take() {
            let _ = saver.await;
        }
        // The final word, saved in full after every earlier save finished.
        if let Some(last) = last {
            self.services.save(last).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Fault injection: a PSA that never answers, and a disk that refuses writes.

    use std::sync::Mutex;

    use futures::FutureExt;

    use tokio::sync::mpsc::UnboundedReceiver;

    use super::*;
    use crate::tui::app::{self, Msg, State};

    /// Verification hangs forever; saving fails; everything else is unused.
    #[derive(Default)]
    struct Faulty {
        saves: Mutex<usize>,
        /// `allow_writes` of each verification asked for, in order.
        writes: Mutex<Vec<bool>>,
        /// `test_ticket` of each verification asked for, in order.
        tickets: Mutex<Vec<Option<i64>>>,
    }

    impl Services for Faulty {
        fn verify(
            &self,
            job: VerifyJob,
            _: OnCheck,
        ) -> BoxFuture<'static, Result<StepReport, ServiceError>> {
            self.writes.lock().unwrap().push(job.allow_writes);
            self.tickets.lock().unwrap().push(job.test_ticket);
            futures::future::pending().boxed()
        }
        fn apply_in_sandbox(
            &self,
            _: Arc<Wizard>,
            _: String,
        ) -> BoxFuture<'static, Result<(), ServiceError>> {
            futures::future::pending().boxed()
        }
        fn save(&self, _: SavedSession) -> BoxFuture<'static, Result<(), ServiceError>> {
            *self.saves.lock().unwrap() += 1;
            async {
                Err(ServiceError {
                    message: "cannot write the session file: disk full".into(),
                    remedy: "Free some space.".into(),
                })
            }
            .boxed()
        }
        fn store_secret(
            &self,
            _: String,
            _: FieldId,
            _: SecretString,
        ) -> BoxFuture<'static, Result<(), ServiceError>> {
            async { Ok(()) }.boxed()
        }
        fn begin(&self, _: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
            futures::future::pending().boxed()
        }
        fn resume(&self, _: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
            futures::future::pending().boxed()
        }
    }

    /// topleft-connectwise with its connection typed in, on its first step.
    fn state() -> State {
        let mut s = app::tests::state("topleft-connectwise");
        app::tests::fill_cw(&mut s);
        s
    }

    fn press(state: &mut State, runner: &mut Runner, c: crossterm::event::KeyCode) {
        let key = crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
        for e in app::update(state, Msg::Key(key)) {
            runner.run(e);
        }
    }

    /// A verification started (v) against a PSA that never answers, given 20 ms.
    fn verifying() -> (State, Runner, UnboundedReceiver<Msg>) {
        let (tx, rx) = unbounded_channel();
        let mut runner = Runner::new(Arc::new(Faulty::default()), tx);
        runner.verify_timeout = Duration::from_millis(20);
        let mut state = state();
        press(
            &mut state,
            &mut runner,
            crossterm::event::KeyCode::Char('v'),
        );
        (state, runner, rx)
    }

    #[tokio::test]
    async fn a_psa_that_never_answers_times_out_with_a_remedy() {
        let (mut state, _runner, mut rx) = verifying();
        assert!(state.is_pending());
        let msg = rx.recv().await.unwrap();
        let Msg::Verified { result: Err(e), .. } = &msg else {
            panic!("{msg:?}")
        };
        assert!(e.message.contains("did not answer"), "{e:?}");
        app::update(&mut state, msg);
        assert!(!state.is_pending());
        let r = state.run().unwrap();
        assert!(!r.done(0));
        assert!(
            r.progress[0]
                .error
                .as_ref()
                .unwrap()
                .remedy
                .contains("press v")
        );
    }

    #[tokio::test]
    async fn cancelling_aborts_the_work_and_nothing_comes_back() {
        let (mut state, mut runner, mut rx) = verifying();
        press(&mut state, &mut runner, crossterm::event::KeyCode::Esc);
        assert!(!state.is_pending());
        assert!(runner.tasks.is_empty(), "the task was aborted");
        // Verify again: the first message to arrive is the new run's (the cancelled one, with
        // the same time limit and a head start, would otherwise have come first).
        press(
            &mut state,
            &mut runner,
            crossterm::event::KeyCode::Char('v'),
        );
        let current = state.run().unwrap().progress[0].pending.unwrap().generation;
        match rx.recv().await.unwrap() {
            Msg::Verified { generation, .. } => assert_eq!(generation, current),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn the_write_consent_reaches_the_verifier_for_that_run_only() {
        let (tx, _rx) = unbounded_channel();
        let services = Arc::new(Faulty::default());
        let mut runner = Runner::new(services.clone(), tx);
        let state = state();
        let r = state.run().unwrap();
        for (generation, allow_writes, test_ticket) in [(1, true, Some(42)), (2, false, None)] {
            runner.run(Effect::Verify {
                step: 0,
                generation,
                job: app::VerifyJob {
                    wizard: r.wizard.clone(),
                    step_id: r.wizard.steps[0].id.clone(),
                    connection: app::Sealed(r.form.connection().unwrap()),
                    allow_writes,
                    test_ticket,
                },
            });
        }
        assert_eq!(*services.writes.lock().unwrap(), vec![true, false]);
        assert_eq!(*services.tickets.lock().unwrap(), vec![Some(42), None]);
    }

    #[tokio::test]
    async fn a_failing_save_is_shown_not_swallowed() {
        let (tx, mut rx) = unbounded_channel();
        let services = Arc::new(Faulty::default());
        let mut runner = Runner::new(services.clone(), tx);
        let mut state = state();
        let snapshot = crate::tui::store::snapshot(state.run().unwrap());
        runner.run(Effect::SaveSession(Box::new(snapshot.clone())));
        let msg = rx.recv().await.unwrap();
        assert!(matches!(msg, Msg::Saved(Err(_))));
        app::update(&mut state, msg);
        let notice = state.run().unwrap().notice.clone().unwrap();
        assert!(
            notice.error && notice.text.contains("disk full"),
            "{notice:?}"
        );
        // Quitting still makes a final save attempt and reports its failure.
        assert!(runner.shutdown(Some(snapshot)).await.is_err());
        assert_eq!(*services.saves.lock().unwrap(), 2);
    }
}
