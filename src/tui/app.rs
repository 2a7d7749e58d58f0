//! The app's state and its pure `update`: messages in, effects out. No I/O and no clock here:
//! time arrives as `Tick` messages, results as messages carrying the generation they answer.

pub mod form;
pub mod handoff;
pub mod progress;
pub mod ticket;

use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

use crate::verdict::{Decision, Verdict};
use crate::verify::{CheckResult, StepReport};
use crate::wizard::{Psa, StepKind, Wizard};

pub use form::{FieldId, Form};
pub use progress::{Item, Live, Pending, PendingKind, Progress, ServiceError, Waiting};

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

// There is one screen at a time, replaced a few times per session: its size does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// Index into [`StartScreen::rows`].
    pub selected: usize,
    /// The "open a wizard file" prompt, when open.
    pub path: Option<Input>,
    /// The filter (`/`): rows whose words contain every word typed. Open while typing.
    pub filter: Input,
    pub filtering: bool,
    /// Renaming a session: its current name and the new one being typed.
    pub rename: Option<(String, Input)>,
    /// What just happened (a rename).
    pub notice: Option<String>,
    pub error: Option<ServiceError>,
}

/// A saved session as the start screen lists it: enough to tell one from another.
#[derive(Debug, Clone, Default)]
pub struct SessionSummary {
    /// The session's name.
    pub id: String,
    /// The wizard's title and id.
    pub title: String,
    pub wizard_id: String,
    /// The PSA instance: site and company, or the API user (empty until entered).
    pub instance: String,
    /// The current step's title ("" on the summary).
    pub at_step: String,
    /// The current step's number (from 1), when on a step.
    pub at_number: Option<usize>,
    pub done: usize,
    pub total: usize,
    /// Last activity, local time.
    pub updated: String,
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct WizardEntry {
    pub id: String,
    pub title: String,
    pub psa: Psa,
    pub vendor: String,
    /// Where it was loaded from ("built-in", or the file).
    pub source: String,
    /// The vendor's pages it follows (the wizard's `sources`).
    pub sources: Vec<String>,
}

/// A start-screen row: sessions first, then wizards grouped by PSA, then "open a file".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRow {
    Session(usize),
    Wizard(usize),
    File,
}

/// Whether every word of `query` is in one of `fields` (case-insensitive).
fn matches_query(query: &str, fields: &[&str]) -> bool {
    let hay = fields.join(" ").to_lowercase();
    query
        .to_lowercase()
        .split_whitespace()
        .all(|w| hay.contains(w))
}

impl StartScreen {
    /// The rows shown, in order: the sessions, the wizards by PSA (ConnectWise, then Autotask,
    /// each in catalog order), then "open a file"; all filtered by what was typed after `/`.
    pub fn rows(&self) -> Vec<StartRow> {
        let q = self.filter.value().trim();
        let sessions = self.sessions.iter().enumerate().filter(|(_, x)| {
            matches_query(q, &[&x.id, &x.title, &x.wizard_id, &x.instance, &x.at_step])
        });
        let mut wizards: Vec<usize> = (0..self.wizards.len())
            .filter(|&i| {
                let w = &self.wizards[i];
                matches_query(
                    q,
                    &[&w.id, &w.title, &w.vendor, w.psa.label(), w.psa.short()],
                )
            })
            .collect();
        wizards.sort_by_key(|&i| (self.wizards[i].psa != Psa::Connectwise, i));
        sessions
            .map(|(i, _)| StartRow::Session(i))
            .chain(wizards.into_iter().map(StartRow::Wizard))
            .chain(q.is_empty().then_some(StartRow::File))
            .collect()
    }

    /// The selected row, if any is shown.
    pub fn selected_row(&self) -> Option<StartRow> {
        self.rows().get(self.selected).copied()
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
    /// The step's text scrolled by the admin (PgUp/PgDn): its first line below the pinned
    /// status. `None` follows the selection; moving the selection or the step resets it.
    pub scroll: Option<usize>,
    /// The step screen's geometry as last drawn, so PgUp/PgDn scroll from what is on screen
    /// and stop at its end.
    pub view: std::cell::Cell<View>,
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
    /// Opened from a saved session (not begun now).
    pub resumed: bool,
    /// The keyring account each secret is recorded under, when the session says (a renamed
    /// session keeps its earlier entries); else the session's name and the field.
    pub secret_accounts: std::collections::BTreeMap<FieldId, String>,
    /// Demo: manual items the demo ticked after doing the step in the sandbox (step, item key);
    /// the screen says so. In memory only: the session records a demo as a demo.
    pub demo_ticked: std::collections::BTreeSet<(usize, String)>,
    /// Choosing the ticket the impersonation write test adds its note to (`w`).
    pub ticket_pick: Option<ticket::TicketPick>,
    /// The ticket chosen for that note (this run only).
    pub test_ticket: Option<ticket::TicketRef>,
}

/// The scrollable part of the step screen as last drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// The first line shown when following the selection.
    pub auto: usize,
    /// The furthest the text can scroll (0: it all fits).
    pub max: usize,
    /// Lines one PgUp/PgDn moves.
    pub page: usize,
}

impl Run {
    /// Scroll the step's text by `pages` (negative: up), from where it is on screen.
    fn scroll_by(&mut self, pages: isize) {
        let v = self.view.get();
        let from = self.scroll.unwrap_or(v.auto).min(v.max);
        let to = from
            .saturating_add_signed(pages * v.page as isize)
            .min(v.max);
        self.scroll = Some(to);
    }

    /// Demo: tick the step's manual items, as done by the demo in the sandbox (the demo's
    /// confirmation, shown as such). Returns how many it ticked.
    fn demo_tick(&mut self, i: usize) -> usize {
        if !self.demo {
            return 0;
        }
        let wizard = self.wizard.clone();
        let step = &wizard.steps[i];
        let mut n = 0;
        for item in progress::items(step) {
            let key = item.key(step);
            if self.progress[i].to_confirm(step, item)
                && self.progress[i].ticked.insert(key.clone())
            {
                self.demo_ticked.insert((i, key));
                n += 1;
            }
        }
        n
    }

    /// Select an item; the text follows the selection again.
    fn select(&mut self, i: usize) {
        self.selected = i;
        self.scroll = None;
    }
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
            scroll: None,
            view: Default::default(),
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
            secret_accounts: Default::default(),
            resumed: false,
            demo_ticked: Default::default(),
            ticket_pick: None,
            test_ticket: None,
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
        let k = |a| self.key(a);
        if !p.all_ticked(step) {
            return Some(format!(
                "Tick each manual item once you have done it ({}).",
                k(Action::Tick)
            ));
        }
        if self.deferrable(self.current) {
            return None;
        }
        if verdict.is_failed() || p.error.is_some() {
            return Some(format!(
                "Fix what failed and verify again ({}), or continue unverified ({}).",
                k(Action::Verify),
                k(Action::ContinueUnverified)
            ));
        }
        if progress::needs_api(step) && p.report.is_none() {
            return Some(format!(
                "Verify this step first ({}), or continue unverified ({}).",
                k(Action::Verify),
                k(Action::ContinueUnverified)
            ));
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
        self.scroll = None;
        self.view.set(View::default());
        self.confirm = false;
        self.prompt = None;
        self.ticket_pick = None;
        self.handoff = handoff::HandoffView::default();
        self.focus_form = self.current == self.conn_step && !self.form.is_complete();
        // The cursor goes where the typing is needed.
        if self.focus_form
            && let Some(i) = self.form.first_missing()
        {
            self.form.focus = i;
        }
    }

    /// On resume, what the connection still lacks (secrets are never in the session file):
    /// said on screen, with the cursor on the first such field when the form is here.
    fn say_what_is_missing(&mut self) {
        if self.finished() || self.form.is_complete() {
            return;
        }
        let missing = self.form.missing().join(", ");
        let text = if self.focus_form {
            format!(
                "Still needed to go on: {missing}. Secrets are never written to the session file: enter what is missing."
            )
        } else {
            format!(
                "The connection still needs: {missing} (secrets are never written to the session file). Press {} to enter it.",
                self.key(Action::EditConnection)
            )
        };
        self.notice = Some(match self.notice.take() {
            Some(n) => Notice {
                text: format!("{} {text}", n.text),
                error: n.error,
            },
            None => Notice { text, error: false },
        });
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
        p.start_watch();
        p.error = None;
        // A step verified in the background (deferred) leaves the current step's notice alone.
        if i == self.current {
            self.notice = None;
        }
        // Autotask locks accounts after repeated bad secrets, so the engine will not resend
        // credentials it saw refused. Let it forget them only when the input changed, the
        // sandbox just changed the account, or the admin confirmed a retry.
        let input = self.form.fingerprint();
        if self.forget_refused || self.last_input != Some(input) {
            effects.push(Effect::ForgetRefused);
        }
        self.forget_refused = false;
        self.last_input = Some(input);
        // The write test's ticket, when the admin chose one for this consented run.
        let test_ticket = if allow_writes {
            ticket::chosen(self, &self.wizard.steps[i])
        } else {
            None
        };
        effects.push(Effect::Verify {
            step: i,
            generation,
            allow_writes,
            test_ticket,
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
    /// A PSA request of a verification was sent or answered (to say what it waits for).
    Request {
        step: usize,
        generation: u64,
        event: crate::psa::watch::RequestEvent,
    },
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
    /// The ticket the admin named for the write test was looked up.
    TicketFound {
        step: usize,
        generation: u64,
        result: Result<ticket::TicketRef, ServiceError>,
    },
    /// A session was renamed on the start screen: (old name, new name).
    Renamed(Result<(String, String), ServiceError>),
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
    /// Rename a saved session.
    Rename {
        from: String,
        to: String,
    },
    Verify {
        step: usize,
        generation: u64,
        /// Run the checks that write to the PSA (the admin said yes to `Prompt::Writes`).
        allow_writes: bool,
        /// The ticket the impersonation write test adds its note to (the admin's choice).
        test_ticket: Option<i64>,
    },
    /// Find the ticket the admin named (number or ID) for the write test's note.
    FindTicket {
        step: usize,
        generation: u64,
        query: String,
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
            Screen::Start(s) if s.rename.is_some() => Context::StartRename,
            Screen::Start(s) if s.filtering => Context::StartFilter,
            Screen::Start(_) | Screen::Loading(_) => Context::Start,
            Screen::Run(r) if r.ticket_pick.is_some() => Context::Ticket,
            Screen::Run(r) if r.prompt.is_some() => Context::Prompt,
            Screen::Run(r) if r.confirm => Context::Confirm,
            Screen::Run(r) if r.finished() => Context::Finished,
            Screen::Run(r) if r.focus_form => Context::Form,
            Screen::Run(_) => Context::Step,
        }
    }

    /// Whether an action does something right now (the footer shows only these).
    pub fn enabled(&self, action: Action) -> bool {
        match &self.screen {
            Screen::Run(r) => r.enabled(action),
            Screen::Loading(_) => matches!(action, Action::Quit | Action::Help | Action::CloseHelp),
            Screen::Start(s) => match action {
                Action::Rename => matches!(s.selected_row(), Some(StartRow::Session(_))),
                Action::Open | Action::Submit if s.rename.is_none() && s.path.is_none() => {
                    s.selected_row().is_some()
                }
                Action::ClearFilter => !s.filter.value().is_empty() || s.filtering,
                _ => true,
            },
        }
    }
}

impl State {
    /// Whether a key belongs to this view at all (the help lists these): the ones that work
    /// now, and those of this view that wait for something (Esc while verifying, n once the
    /// step is done). Keys for other steps, other screens or the demo are not this view's.
    pub fn applies(&self, action: Action) -> bool {
        match &self.screen {
            Screen::Run(r) => r.applies(action),
            _ => self.enabled(action),
        }
    }
}

impl Run {
    /// See [`State::applies`].
    pub fn applies(&self, action: Action) -> bool {
        let Some(step) = self.step() else {
            return self.enabled(action);
        };
        if self.focus_form || self.confirm || self.prompt.is_some() || self.ticket_pick.is_some() {
            return true;
        }
        let p = &self.progress[self.current];
        match action {
            Action::Verify | Action::Cancel => progress::needs_api(step),
            Action::Tick => progress::items(step)
                .into_iter()
                .any(|i| p.to_confirm(step, i)),
            Action::Next | Action::ContinueUnverified | Action::EditConnection => true,
            a => self.enabled(a),
        }
    }

    /// Whether an action does something right now on this run's screen. The footer lists these,
    /// and the screen's hints name a key only when it is one of them.
    pub fn enabled(&self, action: Action) -> bool {
        let r = self;
        let Some(step) = r.step() else {
            return match action {
                Action::Back => r.current > 0,
                // Only when the summary does not fit.
                Action::PageUp | Action::PageDown => r.view.get().max > 0,
                _ => true,
            };
        };
        let p = &r.progress[r.current];
        match action {
            Action::Verify => progress::needs_api(step) && p.pending.is_none(),
            Action::WriteTests => progress::has_writes(step) && p.pending.is_none(),
            Action::Cancel => p.pending.is_some(),
            Action::Apply => r.demo && p.pending.is_none(),
            // On another item, Space selects the next manual item still to tick.
            Action::Tick => {
                r.selected_item().is_some_and(|i| p.to_confirm(step, i)) || !p.all_ticked(step)
            }
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
            Action::Up | Action::Down | Action::First | Action::Last => {
                !progress::items(step).is_empty()
            }
            // Only when the step's text does not fit.
            Action::PageUp | Action::PageDown => r.view.get().max > 0,
            _ => true,
        }
    }

    /// How the screen writes the key for an action (from the keymap, as the footer does).
    pub fn key(&self, action: Action) -> &'static str {
        keys::label(Context::Step, action)
    }

    /// Keys the step's hints name right now beyond moving on (refused credentials: fix them
    /// with e, or resend with R): the footer keeps these.
    pub fn hinted(&self, action: Action) -> bool {
        let Some(p) = self.progress.get(self.current) else {
            return false;
        };
        let refused = p.results.iter().any(refused_before);
        match action {
            Action::RetrySame => refused,
            Action::EditConnection => refused || p.error.is_some(),
            _ => false,
        }
    }
}

/// The verifier held the credentials back: refused before (see `Run::forget_refused`).
fn refused_before(c: &crate::verify::CheckResult) -> bool {
    c.blocked == Some(crate::verify::Blocked::CredentialsRefusedBefore)
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
                && let Some(pick) = &mut r.ticket_pick
            {
                for c in text.chars().filter(|c| !c.is_control()) {
                    pick.input.handle(InputRequest::InsertChar(c));
                }
            } else if let Screen::Run(r) = &mut state.screen
                && r.focus_form
            {
                for c in text.chars().filter(|c| !c.is_control()) {
                    r.form.handle(InputRequest::InsertChar(c));
                }
            } else if let Screen::Start(s) = &mut state.screen {
                let input = match (&mut s.path, &mut s.rename) {
                    (Some(p), _) => Some(p),
                    (None, Some((_, to))) => Some(to),
                    (None, None) if s.filtering => {
                        s.selected = 0;
                        Some(&mut s.filter)
                    }
                    _ => None,
                };
                if let Some(input) = input {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        input.handle(InputRequest::InsertChar(c));
                    }
                }
            }
        }
        Msg::Resize(w, h) => state.size = (w, h),
        Msg::Tick => {
            if state.is_pending() {
                state.spinner = state.spinner.wrapping_add(1);
                if let Screen::Run(r) = &mut state.screen {
                    r.progress.iter_mut().for_each(Progress::tick);
                }
            }
        }
        Msg::Request {
            step,
            generation,
            event,
        } => {
            if let Screen::Run(r) = &mut state.screen
                && let Some(p) = r.progress.get_mut(step)
                && p.pending.is_some_and(|x| x.generation == generation)
            {
                p.on_request(event);
            }
        }
        Msg::Opened(Ok(run)) => {
            let mut run = run;
            if !run.finished() {
                let cur = run.current;
                run.go_to(cur);
            }
            if run.resumed {
                run.say_what_is_missing();
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
                p.quiet = 0;
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
                p.start_watch();
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
                        if p.results.iter().any(refused_before) {
                            let lockout = r.wizard.psa.profile().lockout;
                            r.notice = Some(Notice {
                                text: format!(
                                    "These exact credentials were refused before and were not resent{}. Fix them and press {}, or press {} to try the same ones again.",
                                    lockout
                                        .map(|l| format!(" ({})", l.accounts))
                                        .unwrap_or_default(),
                                    r.key(Action::EditConnection),
                                    r.key(Action::RetrySame)
                                ),
                                error: true,
                            });
                        }
                        // Bring the first problem into view on the step being looked at: a
                        // failure, else a warning (the status points at the ⚠ rows).
                        if step == r.current && !r.focus_form {
                            let psa = wizard.psa;
                            let p = &r.progress[step];
                            let items = progress::items(s);
                            let first = |want: crate::verify::Status| {
                                items.iter().position(|i| {
                                    matches!(p.live(s, psa, *i), Live::Done(st, _) if st == want)
                                })
                            };
                            if let Some(i) = first(crate::verify::Status::Fail)
                                .or_else(|| first(crate::verify::Status::Warn))
                            {
                                r.select(i);
                            }
                        }
                    }
                    Err(e) => {
                        p.error = Some(e);
                    }
                }
                // In the demo, what the sandbox did for a step includes what its checks can
                // only show a person (e.g. which levels resources use): tick those as the demo's.
                if r.demo && r.progress[step].applied {
                    r.demo_tick(step);
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
                        let ticked = r.demo_tick(step);
                        let also = if ticked > 0 {
                            format!(
                                " The demo ticked {ticked} manual item(s) for you (in your PSA, you tick each yourself)."
                            )
                        } else {
                            String::new()
                        };
                        let needs_api = progress::needs_api(&r.wizard.steps[step]);
                        if !needs_api {
                            // Nothing to verify through the API: the demo did the clicks.
                            r.notice = Some(Notice {
                                text: format!(
                                    "Done in the sandbox.{also} Press {} to go on.",
                                    r.key(Action::Next)
                                ),
                                error: false,
                            });
                        } else if step < r.conn_step && !r.done(r.conn_step) {
                            // The integration's credentials do not exist yet: verifying now
                            // could only fail on them.
                            r.notice = Some(Notice {
                                text: format!(
                                    "Done in the sandbox.{also} It is verified once step {} creates the credentials.",
                                    r.conn_step + 1,
                                ),
                                error: false,
                            });
                        } else {
                            r.start_verify(step, &mut effects);
                            // After start_verify, which clears notices: what the demo did stays
                            // on screen while and after it is verified (unless verifying could
                            // not start: that notice says why).
                            if r.progress[step].pending.is_some() {
                                r.notice = Some(Notice {
                                    text: format!(
                                        "Done in the sandbox, as you would in the PSA.{also} Verifying it against the sandbox."
                                    ),
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
        Msg::TicketFound {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen {
                ticket::on_found(r, step, generation, result);
            }
        }
        Msg::Renamed(result) => {
            if let Screen::Start(s) = &mut state.screen {
                match result {
                    Ok((from, to)) => {
                        for x in s.sessions.iter_mut().filter(|x| x.id == from) {
                            x.id = to.clone();
                        }
                        s.error = None;
                        s.notice = Some(format!("Renamed {from} to {to}."));
                    }
                    Err(e) => s.error = Some(e),
                }
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
        Context::Start | Context::StartPath | Context::StartFilter | Context::StartRename => {
            on_start_key(state, action, key, effects)
        }
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
        Context::Ticket => {
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
                Some(Action::Submit) => ticket::submit(r, effects),
                Some(Action::LeaveForm) => ticket::cancel(r, effects),
                _ => {
                    if let Some(pick) = &mut r.ticket_pick
                        && pick.searching.is_none()
                        && let Some(req) = tui_input::backend::crossterm::to_input_request(
                            &crossterm::event::Event::Key(key),
                        )
                    {
                        pick.input.handle(req);
                        pick.error = None;
                    }
                }
            }
        }
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
        ticket::cancel(r, effects);
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
        Action::Up => r.select(r.selected.saturating_sub(1)),
        Action::Down => r.select((r.selected + 1).min(n_items.saturating_sub(1))),
        Action::First => r.select(0),
        Action::Last => r.select(n_items.saturating_sub(1)),
        Action::PageUp => r.scroll_by(-1),
        Action::PageDown => r.scroll_by(1),
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
            if r.selected_item()
                .is_none_or(|it| !r.progress[i].to_confirm(step, it))
            {
                // Nothing to tick here: go to the next manual item still to tick.
                let items = progress::items(step);
                let p = &r.progress[i];
                let todo = |it: &Item| p.to_confirm(step, *it) && !p.ticked.contains(&it.key(step));
                let next = (r.selected + 1..items.len())
                    .chain(0..r.selected)
                    .find(|&n| todo(&items[n]));
                if let Some(n) = next {
                    r.select(n);
                    r.notice = Some(Notice {
                        text: format!(
                            "This is the next item to tick: {} ticks it once you have done it.",
                            r.key(Action::Tick)
                        ),
                        error: false,
                    });
                }
                return;
            }
            if let Some(item) = r.selected_item() {
                let key = item.key(step);
                r.demo_ticked.remove(&(i, key.clone()));
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
            if let Some(f) = r.form.first_missing() {
                r.form.focus = f;
            }
        }
        Action::RetrySame => r.prompt = Some(Prompt::RetrySame),
        // Without a connection nothing would run: say so instead of asking.
        Action::WriteTests if !r.form.is_complete() => r.start_verify(i, effects),
        // The note cannot be deleted: the admin names its ticket first.
        Action::WriteTests if r.step().is_some_and(ticket::needs_ticket) => ticket::ask(r),
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
    let typed =
        || tui_input::backend::crossterm::to_input_request(&crossterm::event::Event::Key(key));
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
                if let Some(req) = typed() {
                    path.handle(req);
                }
            }
        }
        return;
    }
    if let Some((from, to)) = &mut s.rename {
        match action {
            Some(Action::Submit) => {
                let name = to.value().trim().to_string();
                match crate::session::validate_name(&name) {
                    Ok(()) if &name == from => s.rename = None,
                    Ok(()) => {
                        effects.push(Effect::Rename {
                            from: from.clone(),
                            to: name,
                        });
                        s.rename = None;
                    }
                    Err(e) => {
                        s.error = Some(ServiceError {
                            message: e.to_string(),
                            remedy: "Type another name, or Esc to keep the old one.".into(),
                        })
                    }
                }
            }
            Some(Action::LeaveForm) => {
                s.rename = None;
                s.error = None;
            }
            _ => {
                if let Some(req) = typed() {
                    to.handle(req);
                    s.error = None;
                }
            }
        }
        return;
    }
    let n = s.rows().len();
    match action {
        Some(Action::Up) => s.selected = s.selected.saturating_sub(1),
        Some(Action::Down) => s.selected = (s.selected + 1).min(n.saturating_sub(1)),
        Some(Action::OpenFile) => s.path = Some(Input::default()),
        Some(Action::Filter) => s.filtering = true,
        Some(Action::ClearFilter) => {
            s.filter = Input::default();
            s.filtering = false;
            s.selected = 0;
        }
        Some(Action::Rename) => {
            if let Some(StartRow::Session(i)) = s.selected_row() {
                let id = s.sessions[i].id.clone();
                s.rename = Some((id.clone(), Input::new(id)));
                s.notice = None;
            }
        }
        Some(Action::Open | Action::Submit) => match s.selected_row() {
            Some(StartRow::Session(i)) => effects.push(Effect::Resume(s.sessions[i].id.clone())),
            Some(StartRow::Wizard(i)) => effects.push(Effect::Begin(s.wizards[i].id.clone())),
            Some(StartRow::File) => s.path = Some(Input::default()),
            None => {}
        },
        _ if s.filtering => {
            // Everything else is typing: the list narrows as the filter grows.
            if let Some(req) = typed()
                && s.filter.handle(req).is_some_and(|r| r.value)
            {
                s.selected = 0;
            }
        }
        _ => {}
    }
}

fn on_mouse(state: &mut State, m: MouseEvent) {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    let footer_lines = super::ui::footer::height(state, area.width);
    let Screen::Run(r) = &mut state.screen else {
        if let Screen::Start(s) = &mut state.screen {
            let n = s.rows().len();
            match m.kind {
                MouseEventKind::ScrollDown => {
                    s.selected = (s.selected + 1).min(n.saturating_sub(1))
                }
                MouseEventKind::ScrollUp => s.selected = s.selected.saturating_sub(1),
                _ => {}
            }
        }
        return;
    };
    if r.confirm || r.prompt.is_some() || state.help {
        return;
    }
    let labels = layout::step_labels(&r.wizard);
    let areas = layout::areas(area, footer_lines, &labels);
    let pos = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) if areas.rail.contains(pos) => {
            let g = super::ui::Glyphs::new(state.plain);
            let lines = layout::rail_labels(&labels, r.current, areas.rail, g.ellipsis);
            let Some(i) = layout::rail_hit(areas.rail, m.row, &lines) else {
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
            let last = r.items().len().saturating_sub(1);
            r.select((r.selected + 1).min(last))
        }
        MouseEventKind::ScrollUp if !r.focus_form => r.select(r.selected.saturating_sub(1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
