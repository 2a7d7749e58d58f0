//! The real [`Services`]: wizard files, the session store, and (as they land) the verification
//! engine, the keyring and the demo sandbox.

use std::path::PathBuf;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use secrecy::SecretString;

use super::app::{FieldId, KeyringView, Notice, Run, ServiceError, VerifyJob};
use super::effects::{OnCheck, Services};
use super::store::{self, SavedSession};
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
    /// The verifier session's refused credentials, shared by every verify run of this TUI.
    refused: crate::verify::RefusedCredentials,
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
            refused: crate::verify::RefusedCredentials::default(),
        }
    }

    pub fn store(&self) -> Store {
        Store::at(&self.store_dir)
    }

    /// The OS keyring, opened and probed once per process ([`Keyring::system`]). When there is
    /// none, the error is the one-line notice the TUI shows once.
    async fn keyring(&self) -> Result<Keyring, ServiceError> {
        Keyring::system().await.map_err(|e| err(e.notice(), ""))
    }

    /// The start-up probe's answer for the header, and the line to say once: the fallback
    /// store's notice, or why there is no keyring.
    pub async fn keyring_view(&self) -> KeyringView {
        match Keyring::system().await {
            Ok(k) => KeyringView {
                store: Some(k.kind()),
                notice: k.notice().map(|text| Notice {
                    text: text.to_string(),
                    error: false,
                }),
            },
            Err(e) => KeyringView {
                store: None,
                notice: Some(Notice {
                    text: e.notice(),
                    error: true,
                }),
            },
        }
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

    /// Open a wizard as a fresh run, in a session named `name` (default: the wizard id and the
    /// time).
    pub async fn begin_run(
        &self,
        source: &str,
        name: Option<&str>,
    ) -> Result<Box<Run>, ServiceError> {
        let loaded = self.load(source)?;
        let source = match loaded.origin {
            wizard::Origin::Builtin => loaded.wizard.id.clone(),
            _ => std::fs::canonicalize(source)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| source.to_string()),
        };
        let name = match name {
            Some(n) => {
                crate::session::validate_name(n).map_err(|e| {
                    err(
                        e.to_string(),
                        "Pick a name of lowercase letters, digits and dashes.",
                    )
                })?;
                if self.store().exists(n) {
                    return Err(err(
                        format!("A session named {n:?} already exists."),
                        format!("Continue it with `psa-onboard resume {n}`, or pick another name."),
                    ));
                }
                n.to_string()
            }
            None => Self::new_id(&loaded.wizard),
        };
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
            // Without a keyring the secrets are asked for again; the start-up probe's notice
            // (`Msg::Keyring`) says why, once.
            if let Ok(k) = self.keyring().await {
                for (field, r) in &s.secrets {
                    let Some(id) = FieldId::ALL.into_iter().find(|f| f.key() == field) else {
                        continue;
                    };
                    if let Ok(secret) = k.load(r).await {
                        use secrecy::ExposeSecret;
                        run.form.set(id, secret.expose_secret());
                        run.secrets.in_keyring = true;
                    }
                    // A rename keeps the keyring entries the session recorded.
                    run.secrets.accounts.insert(id, r.account.clone());
                }
            }
        }
        if changed {
            // Only the steps whose definition changed lose their verdict; the rest stand.
            let changes = crate::session::changes::WizardChanges::by_steps(s, &run.wizard, true);
            for (i, step) in run.wizard.steps.iter().enumerate() {
                if changes.reverify.contains(&step.id) {
                    let p = &mut run.progress[i];
                    p.report = None;
                    p.report_at = None;
                    p.earlier = None;
                    p.results.clear();
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

    /// The wizard's demo session (the most recent, if there are several), for `demo` to pick
    /// up where the person left it.
    pub fn demo_session(&self, wizard_id: &str) -> Option<Session> {
        self.store()
            .list()
            .sessions
            .into_iter()
            .find(|s| s.demo && s.wizard.id == wizard_id)
    }

    /// A free name for a wizard's new demo session: `demo-<wizard>`, numbered if taken.
    pub fn demo_name(&self, wizard_id: &str) -> String {
        let base = crate::session::slug(&format!("demo-{wizard_id}"));
        let base: String = base.chars().take(58).collect();
        let base = base.trim_end_matches('-').to_string();
        std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}-{n}")))
            .find(|n| !self.store().exists(n))
            .expect("an unbounded supply of names")
    }

    /// The wizard id `source` names (a built-in id or a file).
    pub fn wizard_id(&self, source: &str) -> Result<String, ServiceError> {
        Ok(self.load(source)?.wizard.id)
    }

    /// Rename a saved session that is not open here.
    pub fn rename_session(&self, from: &str, to: &str) -> Result<(), ServiceError> {
        self.store()
            .rename(from, to)
            .map(|_| ())
            .map_err(|e| match e {
                crate::session::StoreError::Exists { .. } => {
                    err(e.to_string(), "Pick another name.")
                }
                crate::session::StoreError::Lock(_) => err(
                    e.to_string(),
                    "Close the other psa-onboard that has it open, then rename it.",
                ),
                e => err(
                    e.to_string(),
                    "Use 1 to 64 lowercase letters, digits and dashes, e.g. acme-topleft.",
                ),
            })
    }

    /// The most recently saved session, for `resume` without a name.
    pub fn latest(&self) -> Option<Session> {
        self.store().list().sessions.into_iter().next()
    }
}

impl Services for LiveServices {
    fn forget_refused(&self) {
        self.refused.forget();
    }

    fn verify(
        &self,
        job: VerifyJob,
        on_check: OnCheck,
    ) -> BoxFuture<'static, Result<StepReport, ServiceError>> {
        let VerifyJob {
            wizard,
            step_id: step,
            connection,
            allow_writes,
            test_ticket,
        } = job;
        let connection = connection.0;
        // The verification is this one future, polled by the caller's task: aborting that task
        // (Esc, or the verify time-out) drops it and every request in flight with it, so their
        // connections close at once and the PSA's thread-limit slots are freed.
        let http = self.http.clone();
        let refused = self.refused.clone();
        async move {
            // Refused credentials are not forgotten here: `update` decides when (changed input,
            // a sandbox action, or the admin's confirmed retry) through `Effect::ForgetRefused`.
            let opts = crate::verify::VerifyOptions {
                http,
                // Only when the admin agreed to this run's writes (`w`, then y).
                allow_writes,
                // Verifying an optional step is choosing it.
                with: std::iter::once(step.clone()).collect(),
                // The ticket the admin chose for the impersonated note (`w`).
                test_ticket,
                refused,
                ..crate::verify::VerifyOptions::default()
            };
            let progress = move |r: &crate::verify::CheckResult| on_check(r.clone());
            let run = async {
                // Lets tests prove a panicking check ends in a message with the TUI intact.
                if std::env::var_os("PSA_ONBOARD_TEST_PANIC").is_some_and(|v| v == "verify") {
                    panic!("PSA_ONBOARD_TEST_PANIC=verify: a check panicked");
                }
                crate::verify::verify_step(&wizard, &step, &connection, &opts, &progress).await
            };
            // A bug in a check must end in a message, not a step left pending forever, and must
            // not tear the terminal down under the running TUI.
            super::terminal::caught(run)
                .await
                .map_err(|panic| {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a check panicked".into());
                    err(
                        format!("The verification stopped unexpectedly: {why}"),
                        "Press v to try again; if it keeps happening, run `psa-onboard check` for details.",
                    )
                })
        }
        .boxed()
    }

    fn http_config(&self) -> crate::psa::http::HttpConfig {
        self.http.clone()
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
            keyring.store(&reference, secret).await.map_err(|e| match e {
                crate::secrets::SecretsError::Unavailable(u) => err(u.notice(), ""),
                other => err(
                    format!("{other}."),
                    "Your secrets are kept in memory for this run only; you will be asked again when you resume.",
                ),
            })
        }
        .boxed()
    }

    fn begin(&self, source: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
        let me = self.clone();
        async move { me.begin_run(&source, None).await }.boxed()
    }

    fn rename(
        &self,
        from: String,
        to: String,
    ) -> BoxFuture<'static, Result<(String, String), ServiceError>> {
        let me = self.clone();
        async move {
            tokio::task::spawn_blocking(move || me.rename_session(&from, &to).map(|()| (from, to)))
                .await
                .map_err(|e| err(format!("renaming stopped: {e}"), "Try again."))?
        }
        .boxed()
    }

    fn resume(&self, id: String) -> BoxFuture<'static, Result<Box<Run>, ServiceError>> {
        let me = self.clone();
        async move { me.resume_run(&id).await }.boxed()
    }
}

#[cfg(test)]
mod tests {
    //! Cancelling a verification must stop its traffic at once: the PSA's thread-limit slots
    //! (3 per Autotask endpoint, shared with every integration) are not ours to hold.

    use std::time::Duration;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tokio::sync::mpsc::unbounded_channel;

    use super::*;
    use crate::sandbox::{Faults, Sandbox, SandboxOptions};
    use crate::tui::app::{self, Msg, Screen, State};
    use crate::tui::effects::Runner;

    /// Long enough that no request held by it ever finishes during a test (the HTTP client's
    /// own time-out, 30 s, would be what ends it if nothing else did).
    const HOLD: Duration = Duration::from_secs(3600);

    async fn sandbox(latency: Duration) -> Sandbox {
        Sandbox::start(SandboxOptions {
            scenario: "configured:topleft-autotask".into(),
            latency,
            ..SandboxOptions::default()
        })
        .await
        .unwrap()
    }

    /// The Autotask guide's first step (its permission rows: many entity reads), with the
    /// sandbox's credentials typed in.
    fn state(sb: &Sandbox) -> State {
        let w = Arc::new(wizard::resolve("topleft-autotask", None).unwrap().wizard);
        let mut run = Run::new(w.clone(), "s".into(), w.id.clone(), "h".into());
        super::super::demo::prefill(sb, &mut run);
        State::new(Screen::Run(Box::new(run)), false)
    }

    fn runner(tx: tokio::sync::mpsc::UnboundedSender<Msg>) -> (Runner, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let live = LiveServices::new(None, dir.path().to_path_buf());
        (Runner::new(Arc::new(live), tx), dir)
    }

    fn press(state: &mut State, runner: &mut Runner, c: KeyCode) {
        for e in app::update(state, Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))) {
            runner.run(e);
        }
    }

    /// Polls until `done`, for at most `limit` (a generous bound, not a measurement).
    async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
        let give_up = tokio::time::Instant::now() + limit;
        while !done() {
            assert!(
                tokio::time::Instant::now() < give_up,
                "gave up waiting: {what}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// After a cancel: nothing in flight (well before the HTTP client's 30 s time-out would
    /// have ended a held request), nothing answered since, and nothing new starting.
    async fn assert_traffic_stopped(sb: &Sandbox, answered_before: usize) {
        wait_until(Duration::from_secs(10), "requests in flight to end", || {
            sb.in_flight() == 0
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sb.in_flight(), 0, "a request started after the cancel");
        assert_eq!(
            sb.requests().len(),
            answered_before,
            "a request was answered after the cancel: {:?}",
            sb.requests().last().map(|r| &r.path)
        );
    }

    #[tokio::test]
    async fn esc_closes_every_request_in_flight_and_frees_the_thread_limit_slots() {
        let sb = sandbox(Duration::from_millis(200)).await;
        let (tx, mut rx) = unbounded_channel();
        let (mut runner, _dir) = runner(tx);
        let mut state = state(&sb);
        press(&mut state, &mut runner, KeyCode::Char('v'));
        assert!(state.is_pending());
        // Zone lookup and sign-in are answered; from now on every request is held.
        wait_until(
            Duration::from_secs(20),
            "the sign-in to be answered",
            // The sign-in is the API user's own Resources query.
            || {
                sb.requests()
                    .iter()
                    .any(|r| r.path.to_ascii_lowercase().ends_with("/resources/query"))
            },
        )
        .await;
        sb.set_faults(Faults {
            latency: HOLD,
            ..sb.faults()
        });
        // The entity reads are held in flight, holding Autotask thread-limit slots.
        wait_until(Duration::from_secs(20), "the reads to be held", || {
            sb.in_flight() >= 3
        })
        .await;
        let answered = sb.requests().len();
        assert!(
            !sb.peak_in_flight().autotask.is_empty(),
            "the held reads count against the thread limit"
        );

        press(&mut state, &mut runner, KeyCode::Esc);
        assert!(!state.is_pending());
        assert_traffic_stopped(&sb, answered).await;
        assert!(no_verdict(&mut rx), "the cancelled run reported a verdict");
    }

    /// Whether no verdict came back (progress messages from before the cancel may).
    fn no_verdict(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>) -> bool {
        std::iter::from_fn(|| rx.try_recv().ok()).all(|m| !matches!(m, Msg::Verified { .. }))
    }

    #[tokio::test]
    async fn the_verify_time_out_closes_the_request_it_gave_up_on() {
        let sb = sandbox(HOLD).await;
        let (tx, mut rx) = unbounded_channel();
        let (mut runner, _dir) = runner(tx);
        // Ample for the first request to reach a loopback server; it is held from then on.
        runner.verify_timeout = Duration::from_secs(3);
        let mut state = state(&sb);
        press(&mut state, &mut runner, KeyCode::Char('v'));
        wait_until(Duration::from_secs(3), "the zone lookup to arrive", || {
            sb.in_flight() == 1
        })
        .await;
        let msg = loop {
            match rx.recv().await.unwrap() {
                m @ Msg::Verified { .. } => break m,
                _ => continue,
            }
        };
        let Msg::Verified { result: Err(e), .. } = &msg else {
            panic!("{msg:?}")
        };
        assert!(e.message.contains("did not answer"), "{e:?}");
        assert_traffic_stopped(&sb, 0).await;
    }
}
