//! A wizard being run: its state, and what may happen on it now.

use super::*;

/// A wizard being run. Its fields are grouped by what they are about: where the run came from,
/// where the admin is looking, what the next verification sends, where the secrets went, and
/// the hand-off step's own state.
#[derive(Debug)]
pub struct Run {
    pub wizard: Arc<Wizard>,
    pub session_id: String,
    /// Running against the embedded sandbox.
    pub demo: bool,
    pub origin: Origin,
    /// A step, or the summary once past the last.
    pub view: View,
    pub progress: Vec<Progress>,
    /// The step where the connection details are entered (the credentials are made there).
    pub conn_step: usize,
    pub form: Form,
    pub cursor: Cursor,
    /// What has the keys over the step: the form, a question, the ticket box, or help.
    pub modal: Option<Modal>,
    /// One line for the admin: what just happened, or what to do.
    pub notice: Option<Notice>,
    pub requests: Requests,
    pub secrets: SecretsKept,
    pub handoff: handoff::Handoff,
}

/// Where a run came from, to find it again.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// How to find the wizard again on resume: a built-in id or a file path.
    pub source: String,
    pub wizard_hash: String,
    /// Opened from a saved session (not begun now).
    pub resumed: bool,
}

/// Where the admin is looking on the step.
#[derive(Debug, Default)]
pub struct Cursor {
    /// The selected item (permission row or check) of the current step.
    pub selected: usize,
    /// The step's text scrolled by the admin (PgUp/PgDn): its first line below the pinned
    /// status. `None` follows the selection; moving the selection or the step resets it.
    pub scroll: Option<usize>,
    /// The step screen's geometry as last drawn, so PgUp/PgDn scroll from what is on screen
    /// and stop at its end.
    pub drawn: std::cell::Cell<Viewport>,
}

/// What the run's next requests to the PSA carry.
#[derive(Debug, Default)]
pub struct Requests {
    /// The last generation handed out: every piece of work carries its own, and answers to
    /// an older one are dropped.
    pub generation: u64,
    /// Fingerprint of the connection input last sent for verification (memory only).
    pub last_input: Option<u64>,
    /// The next verification may resend credentials the PSA refused (the sandbox just changed
    /// the account, or the admin confirmed "try the same credentials again").
    pub forget_refused: bool,
    /// The ticket chosen for the impersonation write test's note (this run only).
    pub test_ticket: Option<ticket::TicketRef>,
}

/// Where the run's secrets are kept.
#[derive(Debug, Default)]
pub struct SecretsKept {
    /// The secrets are in the OS keyring (stored this run, or loaded from it on resume).
    pub in_keyring: bool,
    /// The keyring account each secret is recorded under, when the session says (a renamed
    /// session keeps its earlier entries); else the session's name and the field.
    pub accounts: std::collections::BTreeMap<FieldId, String>,
}

/// The scrollable part of the step screen as last drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewport {
    /// The first line shown when following the selection.
    pub auto: usize,
    /// The furthest the text can scroll (0: it all fits).
    pub max: usize,
    /// Lines one PgUp/PgDn moves.
    pub page: usize,
}

impl Run {
    /// Scroll the step's text by `pages` (negative: up), from where it is on screen.
    pub(crate) fn scroll_by(&mut self, pages: isize) {
        let v = self.cursor.drawn.get();
        let from = self.cursor.scroll.unwrap_or(v.auto).min(v.max);
        let to = from
            .saturating_add_signed(pages * v.page as isize)
            .min(v.max);
        self.cursor.scroll = Some(to);
    }

    /// Demo: tick the step's manual items, as done by the demo in the sandbox (the demo's
    /// confirmation, shown as such). Returns how many it ticked.
    pub(crate) fn demo_tick(&mut self, i: usize) -> usize {
        if !self.demo {
            return 0;
        }
        let wizard = self.wizard.clone();
        let step = &wizard.steps[i];
        let p = &mut self.progress[i];
        let mut n = 0;
        for item in progress::items(step) {
            let key = item.key(step);
            if p.to_confirm(step, item) && p.ticked.insert(key.clone()) {
                p.demo_ticked.insert(key);
                n += 1;
            }
        }
        n
    }

    /// Select an item; the text follows the selection again.
    pub(crate) fn select(&mut self, i: usize) {
        self.cursor.selected = i;
        self.cursor.scroll = None;
    }

    /// The modal that has the keys once help is closed.
    pub fn modal_beneath_help(&self) -> Option<&Modal> {
        Modal::beneath_help(&self.modal)
    }

    /// The connection form has the keys (or will, once help closes).
    pub fn form_focused(&self) -> bool {
        matches!(self.modal_beneath_help(), Some(Modal::Form))
    }

    /// Give the keys to the form, or take them back (a question or the ticket box stays).
    pub(crate) fn focus_form(&mut self, on: bool) {
        match (on, self.modal_beneath_help()) {
            (true, None) => self.modal = Some(Modal::Form),
            (false, Some(Modal::Form)) => self.modal = None,
            _ => {}
        }
    }

    /// The question waiting for y/n, if any.
    pub fn prompt(&self) -> Option<Prompt> {
        match self.modal_beneath_help() {
            Some(Modal::Prompt(p)) => Some(*p),
            _ => None,
        }
    }

    /// The ticket box, when open.
    pub fn ticket_pick(&self) -> Option<&ticket::TicketPick> {
        match self.modal_beneath_help() {
            Some(Modal::Ticket(t)) => Some(t),
            _ => None,
        }
    }

    /// The same, to change it.
    pub fn ticket_pick_mut(&mut self) -> Option<&mut ticket::TicketPick> {
        match Modal::beneath_help_mut(&mut self.modal) {
            Some(Modal::Ticket(t)) => Some(t),
            _ => None,
        }
    }

    /// The current step's index (`None` on the summary).
    pub fn current(&self) -> Option<usize> {
        match self.view {
            View::Step(i) => Some(i),
            _ => None,
        }
    }

    /// Where the run is on the rail, which lists the steps and then the summary.
    pub fn rail_position(&self) -> usize {
        self.current().unwrap_or(self.wizard.steps.len())
    }
}

impl Run {
    pub fn new(wizard: Arc<Wizard>, session_id: String, source: String, hash: String) -> Self {
        let conn_step = [StepKind::ApiKeys, StepKind::ApiUser, StepKind::ApiMember]
            .iter()
            .find_map(|k| wizard.steps.iter().position(|s| s.kind == *k))
            .unwrap_or(0);
        let endpoint = wizard.portal().and_then(|p| p.submit_endpoint.clone());
        Run {
            form: Form::new(&wizard),
            progress: vec![Progress::default(); wizard.steps.len()],
            view: View::at(0, wizard.steps.len()),
            wizard,
            session_id,
            demo: false,
            origin: Origin {
                source,
                wizard_hash: hash,
                resumed: false,
            },
            conn_step,
            cursor: Cursor::default(),
            modal: None,
            notice: None,
            requests: Requests::default(),
            secrets: SecretsKept::default(),
            handoff: handoff::Handoff {
                endpoint,
                ..Default::default()
            },
        }
    }

    /// On the summary, past the last step.
    pub fn finished(&self) -> bool {
        self.view == View::Summary
    }

    pub fn step(&self) -> Option<&crate::wizard::Step> {
        self.current().and_then(|i| self.wizard.steps.get(i))
    }

    pub fn items(&self) -> Vec<Item> {
        self.step().map(progress::items).unwrap_or_default()
    }

    pub(crate) fn selected_item(&self) -> Option<Item> {
        self.items().get(self.cursor.selected).copied()
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
        let i = self.current()?;
        let step = &self.wizard.steps[i];
        let p = &self.progress[i];
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
        if self.deferrable(i) {
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
        self.view = View::at(i, self.wizard.steps.len());
        self.cursor = Cursor::default();
        self.handoff.leave();
        self.modal = (self.view == View::Step(self.conn_step) && !self.form.is_complete())
            .then_some(Modal::Form);
        // The cursor goes where the typing is needed.
        if self.form_focused()
            && let Some(i) = self.form.first_missing()
        {
            self.form.focus = i;
        }
    }

    /// On resume, what the connection still lacks (secrets are never in the session file):
    /// said on screen, with the cursor on the first such field when the form is here.
    pub(crate) fn say_what_is_missing(&mut self) {
        if self.finished() || self.form.is_complete() {
            return;
        }
        let missing = self.form.missing().join(", ");
        let text = if self.form_focused() {
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

    pub(crate) fn bump(&mut self) -> u64 {
        self.requests.generation += 1;
        self.requests.generation
    }

    pub(crate) fn start_verify(&mut self, i: usize, effects: &mut Vec<Effect>) {
        self.start_verify_with(i, false, effects)
    }

    /// Verify step `i`; `allow_writes` is the admin's consent for this one run only.
    pub(crate) fn start_verify_with(
        &mut self,
        i: usize,
        allow_writes: bool,
        effects: &mut Vec<Effect>,
    ) {
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
                self.focus_form(true);
            }
            return;
        }
        // Complete fields that still make no connection: said as the runner would say it.
        let Some(connection) = self.form.connection() else {
            self.progress[i].error = Some(ServiceError {
                message: "The connection details are incomplete.".into(),
                remedy: "Press e and fill in every field.".into(),
            });
            return;
        };
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
        if self.current() == Some(i) {
            self.notice = None;
        }
        // Autotask locks accounts after repeated bad secrets, so the engine will not resend
        // credentials it saw refused. Let it forget them only when the input changed, the
        // sandbox just changed the account, or the admin confirmed a retry.
        let input = self.form.fingerprint();
        if self.requests.forget_refused || self.requests.last_input != Some(input) {
            effects.push(Effect::ForgetRefused);
        }
        self.requests.forget_refused = false;
        self.requests.last_input = Some(input);
        // The write test's ticket, when the admin chose one for this consented run.
        let test_ticket = if allow_writes {
            ticket::chosen(self, &self.wizard.steps[i])
        } else {
            None
        };
        effects.push(Effect::Verify {
            step: i,
            generation,
            job: VerifyJob {
                wizard: self.wizard.clone(),
                step_id: self.wizard.steps[i].id.clone(),
                connection: Sealed(connection),
                allow_writes,
                test_ticket,
            },
        });
    }

    /// After the credentials step verifies, verify the steps that waited for it.
    pub(crate) fn verify_deferred(&mut self, effects: &mut Vec<Effect>) {
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

impl Run {
    /// See [`State::applies`].
    pub fn applies(&self, action: Action) -> bool {
        let Some(step) = self.step() else {
            return self.enabled(action);
        };
        if self.modal_beneath_help().is_some() {
            return true;
        }
        let p = &self.progress[self.rail_position()];
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
        let (View::Step(i), Some(step)) = (r.view, r.step()) else {
            return match action {
                Action::Back => r.rail_position() > 0,
                // Only when the summary does not fit.
                Action::PageUp | Action::PageDown => r.cursor.drawn.get().max > 0,
                _ => true,
            };
        };
        let p = &r.progress[i];
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
            Action::Back => i > 0,
            Action::ContinueUnverified => !p.verdict(step).is_done() && p.pending.is_none(),
            Action::RetrySame => {
                progress::needs_api(step)
                    && p.pending.is_none()
                    && p.verdict(step).is_failed()
                    && r.requests.last_input.is_some()
            }
            Action::Reveal => r.form_focused() || step.kind == StepKind::CredentialSubmission,
            Action::Copy | Action::OpenPortal | Action::PortalNext => {
                step.kind == StepKind::CredentialSubmission
            }
            Action::SubmitToVendor => {
                step.kind == StepKind::CredentialSubmission
                    && r.handoff.endpoint.is_some()
                    && p.pending.is_none()
            }
            Action::Skip => step.optional && !p.verdict(step).is_done() && p.pending.is_none(),
            Action::Up | Action::Down | Action::First | Action::Last => {
                !progress::items(step).is_empty()
            }
            // Only when the step's text does not fit.
            Action::PageUp | Action::PageDown => r.cursor.drawn.get().max > 0,
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
        let Some(p) = self.current().map(|i| &self.progress[i]) else {
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
pub(crate) fn refused_before(c: &crate::verify::CheckResult) -> bool {
    c.blocked == Some(crate::verify::Blocked::CredentialsRefusedBefore)
}
