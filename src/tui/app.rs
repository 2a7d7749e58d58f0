//! The app's state and its pure `update`: messages in, effects out. No I/O and no clock here:
//! time arrives as `Tick` messages, results as messages carrying the generation they answer.

pub mod form;
pub mod handoff;
pub mod progress;

use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

use crate::verdict::{Decision, Verdict};
use crate::verify::{CheckResult, StepReport};
use crate::wizard::{Psa, StepKind, Wizard};

pub use form::{FieldId, Form};
pub use progress::{Item, Live, Pending, PendingKind, Progress, ServiceError};

use super::keys::{self, Action, Context};
use super::ui::layout;

/// Everything the screen shows.
#[derive(Debug)]
pub struct State {
    pub screen: Screen,
    pub help: bool,
    /// Draw with ASCII glyphs and no colour (NO_COLOR, or a non-UTF-8 locale).
    pub plain: bool,
    /// Spinner frame; advances only on ticks while something is pending.
    pub spinner: usize,
    /// The terminal size, for mouse hit-testing.
    pub size: (u16, u16),
    pub quitting: bool,
    /// The keyring the start-up probe found (`None` until it answers; never set in the demo).
    pub keyring: Option<KeyringView>,
    /// The keyring line already shown (the probe's notice, or a failure to store): it is said
    /// once, not after every verification.
    pub keyring_said: Option<String>,
}

/// What the start-up probe found: the store in use (`None`: no keyring, secrets in memory
/// only) and the one line to say once about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringView {
    pub store: Option<crate::secrets::StoreKind>,
    pub notice: Option<Notice>,
}

#[derive(Debug)]
pub enum Screen {
    Start(StartScreen),
    /// A wizard or session is being opened (sandbox starting, files loading).
    Loading(String),
    Run(Box<Run>),
}

/// The start screen: resume a session or begin a wizard.
#[derive(Debug, Default)]
pub struct StartScreen {
    pub sessions: Vec<SessionSummary>,
    pub wizards: Vec<WizardEntry>,
    pub selected: usize,
    /// The "open a wizard file" prompt, when open.
    pub path: Option<Input>,
    pub error: Option<ServiceError>,
}

#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub id: String,
    pub title: String,
    pub at_step: String,
    pub done: usize,
    pub total: usize,
    pub updated: String,
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct WizardEntry {
    pub id: String,
    pub title: String,
    pub psa: Psa,
    pub source: String,
}

/// A start-screen row: sessions first, then wizards, then "open a file".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRow {
    Session(usize),
    Wizard(usize),
    File,
}

impl StartScreen {
    pub fn rows(&self) -> Vec<StartRow> {
        (0..self.sessions.len())
            .map(StartRow::Session)
            .chain((0..self.wizards.len()).map(StartRow::Wizard))
            .chain(std::iter::once(StartRow::File))
            .collect()
    }
}

/// A wizard being run.
#[derive(Debug)]
pub struct Run {
    pub wizard: Arc<Wizard>,
    pub session_id: String,
    /// How to find the wizard again on resume: a built-in id or a file path.
    pub source: String,
    pub wizard_hash: String,
    /// Running against the embedded sandbox.
    pub demo: bool,
    /// The current step; `wizard.steps.len()` is the summary screen.
    pub current: usize,
    pub progress: Vec<Progress>,
    /// The selected item (permission row or check) of the current step.
    pub selected: usize,
    pub form: Form,
    pub focus_form: bool,
    /// Asking "continue unverified?".
    pub confirm: bool,
    pub generation: u64,
    /// One line for the admin: what just happened, or what to do.
    pub notice: Option<Notice>,
    /// The step where the connection details are entered (the credentials are made there).
    pub conn_step: usize,
    /// A yes/no question other than "continue unverified?" (which is `confirm`).
    pub prompt: Option<Prompt>,
    /// Fingerprint of the connection input last sent for verification (memory only).
    pub last_input: Option<u64>,
    /// The next verification may resend credentials the PSA refused (the sandbox just changed
    /// the account, or the admin confirmed "try the same credentials again").
    pub forget_refused: bool,
    /// The credential hand-off step: which field is focused, and whether secrets are shown.
    pub handoff: handoff::HandoffView,
    /// Where the submission step POSTs the fields: the wizard's endpoint, or the sandbox's in
    /// the demo.
    pub submit_endpoint: Option<String>,
    /// The endpoint is the demo sandbox's (the screen says so).
    pub submit_demo: bool,
    /// The secrets are in the OS keyring (stored this run, or loaded from it on resume).
    pub secrets_in_keyring: bool,
}

/// A question waiting for y/n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Send the portal fields to the vendor's endpoint.
    Submit,
    /// Resend credentials the PSA refused before, unchanged (lockout risk).
    RetrySame,
    /// Run this step's write checks once, after naming what they leave in the PSA.
    Writes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

impl Run {
    pub fn new(wizard: Arc<Wizard>, session_id: String, source: String, hash: String) -> Self {
        let conn_step = [StepKind::ApiKeys, StepKind::ApiUser, StepKind::ApiMember]
            .iter()
            .find_map(|k| wizard.steps.iter().position(|s| s.kind == *k))
            .unwrap_or(0);
        let submit_endpoint = wizard.portal().and_then(|p| p.submit_endpoint.clone());
        Run {
            form: Form::new(&wizard),
            progress: vec![Progress::default(); wizard.steps.len()],
            wizard,
            session_id,
            source,
            wizard_hash: hash,
            demo: false,
            current: 0,
            selected: 0,
            focus_form: false,
            confirm: false,
            generation: 0,
            notice: None,
            conn_step,
            prompt: None,
            last_input: None,
            forget_refused: false,
            handoff: handoff::HandoffView::default(),
            submit_endpoint,
            submit_demo: false,
            secrets_in_keyring: false,
        }
    }

    pub fn finished(&self) -> bool {
        self.current >= self.wizard.steps.len()
    }

    pub fn step(&self) -> Option<&crate::wizard::Step> {
        self.wizard.steps.get(self.current)
    }

    pub fn items(&self) -> Vec<Item> {
        self.step().map(progress::items).unwrap_or_default()
    }

    fn selected_item(&self) -> Option<Item> {
        self.items().get(self.selected).copied()
    }

    /// Step `i`'s verdict.
    pub fn verdict(&self, i: usize) -> Verdict {
        match self.wizard.steps.get(i) {
            Some(step) => self.progress[i].verdict(step),
            None => Verdict::NotVerified(crate::verdict::Why::NotRun),
        }
    }

    /// Step `i` no longer blocks progress.
    pub fn done(&self, i: usize) -> bool {
        self.verdict(i).is_done()
    }

    /// Whether the admin may leave the current step forwards, and if not, why.
    pub fn next_blocked(&self) -> Option<String> {
        let step = self.step()?;
        let p = &self.progress[self.current];
        if p.pending.is_some() {
            return Some("Wait for the verification to finish, or press Esc to cancel it.".into());
        }
        let verdict = p.verdict(step);
        if verdict.is_done() {
            return None;
        }
        if !p.all_ticked(step) {
            return Some("Tick each manual item once you have done it (Space).".into());
        }
        if self.deferrable(self.current) {
            return None;
        }
        if verdict.is_failed() || p.error.is_some() {
            return Some(
                "Fix what failed and verify again (v), or continue unverified (u).".into(),
            );
        }
        if progress::needs_api(step) && p.report.is_none() {
            return Some("Verify this step first (v), or continue unverified (u).".into());
        }
        None
    }

    /// A step before the credentials exist can be passed over and verified later.
    pub fn deferrable(&self, i: usize) -> bool {
        i < self.conn_step
            && !self.done(self.conn_step)
            && self
                .wizard
                .steps
                .get(i)
                .is_some_and(|s| progress::needs_api(s) && self.progress[i].all_ticked(s))
    }

    /// The furthest step the admin may jump to.
    pub fn reachable(&self) -> usize {
        let mut i = 0;
        while i < self.wizard.steps.len()
            && (self.done(i) || self.progress[i].is_deferred(&self.wizard.steps[i]))
        {
            i += 1;
        }
        i
    }

    pub fn go_to(&mut self, i: usize) {
        self.current = i.min(self.wizard.steps.len());
        self.selected = 0;
        self.confirm = false;
        self.prompt = None;
        self.handoff = handoff::HandoffView::default();
        self.focus_form = self.current == self.conn_step && !self.form.is_complete();
    }

    fn bump(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    fn start_verify(&mut self, i: usize, effects: &mut Vec<Effect>) {
        self.start_verify_with(i, false, effects)
    }

    /// Verify step `i`; `allow_writes` is the admin's consent for this one run only.
    fn start_verify_with(&mut self, i: usize, allow_writes: bool, effects: &mut Vec<Effect>) {
        let Some(step) = self.wizard.steps.get(i) else {
            return;
        };
        if !progress::needs_api(step) {
            self.notice = Some(Notice {
                text: "Nothing here can be checked through the API: tick each item once done."
                    .into(),
                error: false,
            });
            return;
        }
        if !self.form.is_complete() {
            self.notice = Some(Notice {
                text: format!(
                    "Enter the connection details first (step {}: {}).",
                    self.conn_step + 1,
                    self.wizard.steps[self.conn_step].title
                ),
                error: true,
            });
            if i == self.conn_step {
                self.focus_form = true;
            }
            return;
        }
        let generation = self.bump();
        let p = &mut self.progress[i];
        if let Some(old) = p.pending.take() {
            effects.push(Effect::Cancel {
                generation: old.generation,
            });
        }
        p.pending = Some(Pending {
            kind: PendingKind::Verify,
            generation,
        });
        p.results.clear();
        p.error = None;
        self.notice = None;
        // Autotask locks accounts after repeated bad secrets, so the engine will not resend
        // credentials it saw refused. Let it forget them only when the input changed, the
        // sandbox just changed the account, or the admin confirmed a retry.
        let input = self.form.fingerprint();
        if self.forget_refused || self.last_input != Some(input) {
            effects.push(Effect::ForgetRefused);
        }
        self.forget_refused = false;
        self.last_input = Some(input);
        effects.push(Effect::Verify {
            step: i,
            generation,
            allow_writes,
        });
    }

    /// After the credentials step verifies, verify the steps that waited for it.
    fn verify_deferred(&mut self, effects: &mut Vec<Effect>) {
        if !self.done(self.conn_step) {
            return;
        }
        for i in 0..self.wizard.steps.len() {
            if self.progress[i].is_deferred(&self.wizard.steps[i])
                && self.progress[i].pending.is_none()
            {
                self.start_verify(i, effects);
            }
        }
    }
}

/// Everything that can happen.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// A spinner frame: sent only while something is pending.
    Tick,
    Opened(Result<Box<Run>, ServiceError>),
    /// One check finished (verification streams these as they complete).
    Check {
        step: usize,
        generation: u64,
        result: Box<CheckResult>,
    },
    Verified {
        step: usize,
        generation: u64,
        result: Result<StepReport, ServiceError>,
    },
    Applied {
        step: usize,
        generation: u64,
        result: Result<(), ServiceError>,
    },
    Saved(Result<(), ServiceError>),
    SecretStored(Result<(), ServiceError>),
    /// The start-up keyring probe answered.
    Keyring(KeyringView),
    /// The vendor's endpoint answered (or could not be reached).
    Submitted {
        step: usize,
        generation: u64,
        result: Result<crate::handoff::VendorAnswer, ServiceError>,
    },
    /// Opening the portal in a browser failed: show the address instead.
    UrlNotOpened {
        url: String,
        why: String,
    },
}

/// Work for the effect runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Resume a saved session by id.
    Resume(String),
    /// Start a wizard: a built-in id or a file path.
    Begin(String),
    Verify {
        step: usize,
        generation: u64,
        /// Run the checks that write to the PSA (the admin said yes to `Prompt::Writes`).
        allow_writes: bool,
    },
    /// Abandon the work with this generation (its result would be dropped anyway).
    Cancel {
        generation: u64,
    },
    ApplyInSandbox {
        step: usize,
        generation: u64,
    },
    SaveSession,
    StoreSecret {
        field: FieldId,
    },
    /// Let the verifier resend credentials the PSA refused before (see `Run::forget_refused`).
    ForgetRefused,
    /// Put a field's value on the clipboard with OSC 52, through the terminal writer.
    Copy(FieldId),
    /// Open the vendor's portal in a browser.
    OpenUrl(String),
    /// POST the portal fields to the submission endpoint.
    Submit {
        step: usize,
        generation: u64,
    },
    Quit,
}

impl State {
    pub fn new(screen: Screen, plain: bool) -> Self {
        State {
            screen,
            help: false,
            plain,
            spinner: 0,
            size: (80, 24),
            quitting: false,
            keyring: None,
            keyring_said: None,
        }
    }

    pub fn run(&self) -> Option<&Run> {
        match &self.screen {
            Screen::Run(r) => Some(r),
            _ => None,
        }
    }

    /// Something is in flight: the spinner ticks only then.
    pub fn is_pending(&self) -> bool {
        match &self.screen {
            Screen::Loading(_) => true,
            Screen::Run(r) => r.progress.iter().any(|p| p.pending.is_some()),
            Screen::Start(_) => false,
        }
    }

    pub fn context(&self) -> Context {
        if self.help {
            Context::Help
        } else {
            self.base_context()
        }
    }

    /// The context beneath the help overlay.
    pub fn base_context(&self) -> Context {
        match &self.screen {
            Screen::Start(s) if s.path.is_some() => Context::StartPath,
            Screen::Start(_) | Screen::Loading(_) => Context::Start,
            Screen::Run(r) if r.prompt.is_some() => Context::Prompt,
            Screen::Run(r) if r.confirm => Context::Confirm,
            Screen::Run(r) if r.finished() => Context::Finished,
            Screen::Run(r) if r.focus_form => Context::Form,
            Screen::Run(_) => Context::Step,
        }
    }

    /// Whether an action does something right now (the footer shows only these).
    pub fn enabled(&self, action: Action) -> bool {
        let Screen::Run(r) = &self.screen else {
            return !matches!(self.screen, Screen::Loading(_))
                || matches!(action, Action::Quit | Action::Help | Action::CloseHelp);
        };
        let Some(step) = r.step() else {
            return !matches!(action, Action::Back) || r.current > 0;
        };
        let p = &r.progress[r.current];
        match action {
            Action::Verify => progress::needs_api(step) && p.pending.is_none(),
            Action::WriteTests => progress::has_writes(step) && p.pending.is_none(),
            Action::Cancel => p.pending.is_some(),
            Action::Apply => r.demo && p.pending.is_none(),
            Action::Tick => r.selected_item().is_some_and(|i| i.is_manual(step)),
            Action::Next => r.next_blocked().is_none(),
            Action::Back => r.current > 0,
            Action::ContinueUnverified => !p.verdict(step).is_done() && p.pending.is_none(),
            Action::RetrySame => {
                progress::needs_api(step)
                    && p.pending.is_none()
                    && p.verdict(step).is_failed()
                    && r.last_input.is_some()
            }
            Action::Reveal => r.focus_form || step.kind == StepKind::CredentialSubmission,
            Action::Copy | Action::OpenPortal | Action::PortalNext => {
                step.kind == StepKind::CredentialSubmission
            }
            Action::SubmitToVendor => {
                step.kind == StepKind::CredentialSubmission
                    && r.submit_endpoint.is_some()
                    && p.pending.is_none()
            }
            Action::Skip => step.optional && !p.verdict(step).is_done() && p.pending.is_none(),
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                !progress::items(step).is_empty()
            }
            _ => true,
        }
    }
}

/// The one place state changes.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key, &mut effects),
        Msg::Key(_) => {}
        Msg::Mouse(m) => on_mouse(state, m),
        Msg::Paste(text) => {
            if let Screen::Run(r) = &mut state.screen
                && r.focus_form
            {
                for c in text.chars().filter(|c| !c.is_control()) {
                    r.form.handle(InputRequest::InsertChar(c));
                }
            } else if let Screen::Start(s) = &mut state.screen
                && let Some(p) = &mut s.path
            {
                for c in text.chars().filter(|c| !c.is_control()) {
                    p.handle(InputRequest::InsertChar(c));
                }
            }
        }
        Msg::Resize(w, h) => state.size = (w, h),
        Msg::Tick => {
            if state.is_pending() {
                state.spinner = state.spinner.wrapping_add(1);
            }
        }
        Msg::Opened(Ok(run)) => {
            let mut run = run;
            if !run.finished() {
                let cur = run.current;
                run.go_to(cur);
            }
            state.screen = Screen::Run(run);
            effects.push(Effect::SaveSession);
            say_keyring_notice(state);
        }
        Msg::Keyring(view) => {
            state.keyring = Some(view);
            say_keyring_notice(state);
        }
        Msg::Opened(Err(e)) => {
            let mut start =
                match std::mem::replace(&mut state.screen, Screen::Loading(String::new())) {
                    Screen::Start(s) => s,
                    _ => StartScreen::default(),
                };
            start.error = Some(e);
            state.screen = Screen::Start(start);
        }
        Msg::Check {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen
                && let Some(p) = r.progress.get_mut(step)
                && p.pending.is_some_and(|x| x.generation == generation)
            {
                p.results.push(*result);
            }
        }
        Msg::Verified {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen
                && r.progress
                    .get(step)
                    .is_some_and(|p| p.pending.is_some_and(|x| x.generation == generation))
            {
                let wizard = r.wizard.clone();
                let s = &wizard.steps[step];
                let p = &mut r.progress[step];
                p.pending = None;
                match result {
                    Ok(report) => {
                        p.results = report.checks.clone();
                        // Keep the proof this run replaces: if it could not observe the step,
                        // the step reads "not re-verified since" that proof.
                        if let Some(old) = p.report.take() {
                            let old_verdict = Progress {
                                report: Some(old.clone()),
                                ..p.clone()
                            }
                            .verdict(s);
                            if old_verdict.is_observed()
                                && let Some(at) = old_verdict.at()
                            {
                                p.earlier = Some((old, at));
                            }
                        }
                        p.report = Some(report);
                        p.report_at = None;
                        p.error = None;
                        p.deferred = false;
                        if p.results
                            .iter()
                            .any(|c| c.detail.contains("not sent again"))
                        {
                            r.notice = Some(Notice {
                                text: "These exact credentials were refused before and were not resent (Autotask locks accounts after repeated failures). Fix them and press e, or press R to try the same ones again.".into(),
                                error: true,
                            });
                        }
                        // Bring the first problem into view on the step being looked at.
                        if step == r.current && !r.focus_form {
                            let psa = wizard.psa;
                            let p = &r.progress[step];
                            if let Some(i) = progress::items(s).iter().position(|i| {
                                matches!(
                                    p.live(s, psa, *i),
                                    Live::Done(crate::verify::Status::Fail, _)
                                )
                            }) {
                                r.selected = i;
                            }
                        }
                    }
                    Err(e) => {
                        p.error = Some(e);
                    }
                }
                if step == r.conn_step {
                    r.verify_deferred(&mut effects);
                }
                effects.push(Effect::SaveSession);
            }
        }
        Msg::Applied {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen
                && r.progress
                    .get(step)
                    .is_some_and(|p| p.pending.is_some_and(|x| x.generation == generation))
            {
                r.progress[step].pending = None;
                match result {
                    Ok(()) => {
                        r.progress[step].applied = true;
                        // The sandbox changed the account: what it refused may work now.
                        r.forget_refused = true;
                        if step < r.conn_step && !r.done(r.conn_step) {
                            // The integration's credentials do not exist yet: verifying now
                            // could only fail on them.
                            r.notice = Some(Notice {
                                text: format!(
                                    "Done in the sandbox. It is verified once step {} creates the credentials: press n.",
                                    r.conn_step + 1
                                ),
                                error: false,
                            });
                        } else {
                            r.notice = Some(Notice {
                                text: "Done in the sandbox, as you would in the PSA. Verifying."
                                    .into(),
                                error: false,
                            });
                            r.start_verify(step, &mut effects);
                            if r.progress[step].pending.is_none() {
                                // Nothing to verify through the API: the sandbox did the clicks.
                                r.notice = Some(Notice {
                                    text: "Done in the sandbox. Tick each item, then go on.".into(),
                                    error: false,
                                });
                            }
                        }
                    }
                    Err(e) => r.progress[step].error = Some(e),
                }
                effects.push(Effect::SaveSession);
            }
        }
        Msg::Submitted {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen {
                handoff::on_submitted(r, step, generation, result, &mut effects);
            }
        }
        Msg::UrlNotOpened { url, why } => {
            if let Screen::Run(r) = &mut state.screen {
                r.notice = Some(Notice {
                    text: format!(
                        "Could not open a browser ({why}). Open this address yourself: {url}"
                    ),
                    error: true,
                });
            }
        }
        Msg::SecretStored(Ok(())) => {
            if let Screen::Run(r) = &mut state.screen {
                r.secrets_in_keyring = true;
            }
        }
        Msg::SecretStored(Err(e)) => {
            // A keyring that is not there is said once (the probe's notice or the first failed
            // store), not after every verification.
            let text = format!("{} {}", e.message, e.remedy).trim().to_string();
            if state.keyring_said.as_deref() != Some(text.as_str())
                && let Screen::Run(r) = &mut state.screen
            {
                r.notice = Some(Notice {
                    text: text.clone(),
                    error: true,
                });
                state.keyring_said = Some(text);
            }
        }
        Msg::Saved(result) => {
            if let (Err(e), Screen::Run(r)) = (result, &mut state.screen) {
                r.notice = Some(Notice {
                    text: format!("{} {}", e.message, e.remedy),
                    error: true,
                });
            }
        }
    }
    effects
}

/// Show the keyring probe's line on the run's screen, once per process (not in the demo, which
/// keeps no secrets). Waits for both the probe's answer and an open run.
fn say_keyring_notice(state: &mut State) {
    let Some(notice) = state.keyring.as_ref().and_then(|k| k.notice.clone()) else {
        return;
    };
    if state.keyring_said.is_some() {
        return;
    }
    let Screen::Run(r) = &mut state.screen else {
        return;
    };
    if r.demo {
        return;
    }
    state.keyring_said = Some(notice.text.clone());
    r.notice = Some(match r.notice.take() {
        // Keep what was already there (a changed wizard, say) and add the keyring's line.
        Some(old) => Notice {
            text: format!("{} {}", old.text, notice.text),
            error: old.error || notice.error,
        },
        None => notice,
    });
}

fn on_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    let ctx = state.context();
    let action = keys::lookup(ctx, &key);
    match ctx {
        Context::Help => {
            if action == Some(Action::CloseHelp) {
                state.help = false;
            }
        }
        Context::Start | Context::StartPath => on_start_key(state, action, key, effects),
        Context::Confirm => {
            let Screen::Run(r) = &mut state.screen else {
                return;
            };
            match action {
                Some(Action::Yes) => {
                    let i = r.current;
                    r.progress[i].decision = Some(Decision::ContinuedUnverified {
                        at: jiff::Timestamp::UNIX_EPOCH,
                        reason: "the admin chose to continue without verification".into(),
                    });
                    r.confirm = false;
                    r.go_to(i + 1);
                    effects.push(Effect::SaveSession);
                }
                Some(Action::No) => r.confirm = false,
                _ => {}
            }
        }
        Context::Prompt => {
            let Screen::Run(r) = &mut state.screen else {
                return;
            };
            match (action, r.prompt.take()) {
                (Some(Action::Yes), Some(Prompt::Submit)) => handoff::start_submit(r, effects),
                (Some(Action::Yes), Some(Prompt::Writes)) => {
                    let i = r.current;
                    r.start_verify_with(i, true, effects);
                    if r.progress[i].pending.is_some() {
                        r.notice = Some(Notice {
                            text: "Running the write tests this once; v verifies read-only again."
                                .into(),
                            error: false,
                        });
                    }
                }
                (Some(Action::Yes), Some(Prompt::RetrySame)) => {
                    r.forget_refused = true;
                    let i = r.current;
                    r.start_verify(i, effects);
                }
                (Some(Action::No), _) => {}
                (_, prompt) => r.prompt = prompt,
            }
        }
        Context::Form => on_form_key(state, action, key, effects),
        Context::Step | Context::Finished => match action {
            Some(Action::Help) => state.help = true,
            Some(Action::Quit) => quit(state, effects),
            Some(a) if state.enabled(a) => {
                if let Screen::Run(r) = &mut state.screen {
                    on_step_action(r, a, effects);
                }
            }
            Some(Action::Next) => {
                if let Screen::Run(r) = &mut state.screen
                    && let Some(why) = r.next_blocked()
                {
                    r.notice = Some(Notice {
                        text: why,
                        error: true,
                    });
                }
            }
            _ => {}
        },
    }
}

fn quit(state: &mut State, effects: &mut Vec<Effect>) {
    if let Screen::Run(r) = &mut state.screen {
        for p in &mut r.progress {
            if let Some(old) = p.pending.take() {
                effects.push(Effect::Cancel {
                    generation: old.generation,
                });
            }
        }
        effects.push(Effect::SaveSession);
    }
    state.quitting = true;
    effects.push(Effect::Quit);
}

fn on_step_action(r: &mut Run, action: Action, effects: &mut Vec<Effect>) {
    let n_items = r.items().len();
    let i = r.current;
    match action {
        Action::Up => r.selected = r.selected.saturating_sub(1),
        Action::Down => r.selected = (r.selected + 1).min(n_items.saturating_sub(1)),
        Action::PageUp => r.selected = r.selected.saturating_sub(10),
        Action::PageDown => r.selected = (r.selected + 10).min(n_items.saturating_sub(1)),
        Action::Verify => r.start_verify(i, effects),
        Action::Cancel => {
            if let Some(p) = r.progress[i].pending.take() {
                effects.push(Effect::Cancel {
                    generation: p.generation,
                });
                r.notice = Some(Notice {
                    text: "Cancelled. Press v to verify again.".into(),
                    error: false,
                });
            }
        }
        Action::Apply => {
            let generation = r.bump();
            r.progress[i].pending = Some(Pending {
                kind: PendingKind::Apply,
                generation,
            });
            r.progress[i].error = None;
            effects.push(Effect::ApplyInSandbox {
                step: i,
                generation,
            });
        }
        Action::Tick => {
            let wizard = r.wizard.clone();
            let step = &wizard.steps[i];
            if let Some(item) = r.selected_item() {
                let key = item.key(step);
                let p = &mut r.progress[i];
                if !p.ticked.remove(&key) {
                    p.ticked.insert(key);
                }
                effects.push(Effect::SaveSession);
            }
        }
        Action::Next => {
            if r.deferrable(i) && !r.done(i) {
                r.progress[i].deferred = true;
            }
            r.notice = None;
            r.go_to(i + 1);
            effects.push(Effect::SaveSession);
        }
        Action::Back => {
            r.notice = None;
            r.go_to(i.saturating_sub(1));
        }
        Action::ContinueUnverified => r.confirm = true,
        Action::Skip => {
            r.progress[i].decision = Some(Decision::SkippedOptional {
                at: jiff::Timestamp::UNIX_EPOCH,
            });
            r.go_to(i + 1);
            effects.push(Effect::SaveSession);
        }
        Action::EditConnection => {
            r.focus_form = true;
        }
        Action::RetrySame => r.prompt = Some(Prompt::RetrySame),
        // Without a connection nothing would run: say so instead of asking.
        Action::WriteTests if !r.form.is_complete() => r.start_verify(i, effects),
        Action::WriteTests => r.prompt = Some(Prompt::Writes),
        Action::Copy | Action::OpenPortal | Action::Reveal | Action::PortalNext => {
            handoff::on_action(r, action, effects)
        }
        Action::SubmitToVendor => handoff::ask_submit(r),
        _ => {}
    }
}

fn on_form_key(
    state: &mut State,
    action: Option<Action>,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) {
    if action == Some(Action::Quit) {
        return quit(state, effects);
    }
    if action == Some(Action::Help) {
        state.help = true;
        return;
    }
    let Screen::Run(r) = &mut state.screen else {
        return;
    };
    match action {
        Some(Action::FieldNext) => {
            r.form.move_focus(true);
            effects.push(Effect::SaveSession);
        }
        Some(Action::FieldPrev) => {
            r.form.move_focus(false);
        }
        Some(Action::Reveal) => r.form.toggle_reveal(),
        Some(Action::LeaveForm) => {
            r.form.fields.iter_mut().for_each(|f| f.revealed = false);
            r.focus_form = false;
            effects.push(Effect::SaveSession);
        }
        Some(Action::Submit) => {
            if r.form.move_focus(true) {
                effects.push(Effect::SaveSession);
                return;
            }
            if r.form.submit() {
                r.focus_form = false;
                effects.push(Effect::SaveSession);
                for f in &r.form.fields {
                    if f.id.is_secret() && !r.demo {
                        effects.push(Effect::StoreSecret { field: f.id });
                    }
                }
                let i = r.current;
                r.start_verify(i, effects);
            }
        }
        _ => {
            if let Some(req) =
                tui_input::backend::crossterm::to_input_request(&crossterm::event::Event::Key(key))
            {
                r.form.handle(req);
            }
        }
    }
}

fn on_start_key(
    state: &mut State,
    action: Option<Action>,
    key: KeyEvent,
    effects: &mut Vec<Effect>,
) {
    match action {
        Some(Action::Quit) => return quit(state, effects),
        Some(Action::Help) => {
            state.help = true;
            return;
        }
        _ => {}
    }
    let Screen::Start(s) = &mut state.screen else {
        return;
    };
    if let Some(path) = &mut s.path {
        match action {
            Some(Action::Submit) => {
                let p = path.value().trim().to_string();
                if p.is_empty() {
                    s.error = Some(ServiceError {
                        message: "No path given.".into(),
                        remedy: "Type the path of a wizard .toml file, or Esc to go back.".into(),
                    });
                } else {
                    s.path = None;
                    effects.push(Effect::Begin(p));
                }
            }
            Some(Action::LeaveForm) => s.path = None,
            _ => {
                if let Some(req) = tui_input::backend::crossterm::to_input_request(
                    &crossterm::event::Event::Key(key),
                ) {
                    path.handle(req);
                }
            }
        }
        return;
    }
    let rows = s.rows();
    match action {
        Some(Action::Up) => s.selected = s.selected.saturating_sub(1),
        Some(Action::Down) => s.selected = (s.selected + 1).min(rows.len() - 1),
        Some(Action::OpenFile) => s.path = Some(Input::default()),
        Some(Action::Open) => match rows.get(s.selected) {
            Some(StartRow::Session(i)) => effects.push(Effect::Resume(s.sessions[*i].id.clone())),
            Some(StartRow::Wizard(i)) => effects.push(Effect::Begin(s.wizards[*i].id.clone())),
            Some(StartRow::File) => s.path = Some(Input::default()),
            None => {}
        },
        _ => {}
    }
}

fn on_mouse(state: &mut State, m: MouseEvent) {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    let Screen::Run(r) = &mut state.screen else {
        if let Screen::Start(s) = &mut state.screen {
            let n = s.rows().len();
            match m.kind {
                MouseEventKind::ScrollDown => s.selected = (s.selected + 1).min(n - 1),
                MouseEventKind::ScrollUp => s.selected = s.selected.saturating_sub(1),
                _ => {}
            }
        }
        return;
    };
    if r.confirm || r.prompt.is_some() || state.help {
        return;
    }
    let areas = layout::areas(area);
    let pos = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) if areas.rail.contains(pos) => {
            let Some(i) = layout::rail_hit(areas.rail, m.row) else {
                return;
            };
            if i <= r.wizard.steps.len() && i <= r.reachable().max(r.current) {
                r.notice = None;
                r.go_to(i);
            } else if i < r.wizard.steps.len() {
                r.notice = Some(Notice {
                    text: format!(
                        "Finish step {} first (verify it, or continue unverified).",
                        r.reachable() + 1
                    ),
                    error: true,
                });
            }
        }
        MouseEventKind::ScrollDown if !r.focus_form => {
            r.selected = (r.selected + 1).min(r.items().len().saturating_sub(1))
        }
        MouseEventKind::ScrollUp if !r.focus_form => r.selected = r.selected.saturating_sub(1),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
