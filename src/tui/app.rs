//! The app's state and its pure `update`: messages in, effects out. No I/O and no clock here:
//! time arrives as `Tick` messages, results as messages carrying the generation they answer.

pub mod form;
pub mod handoff;
mod input;
mod msg;
pub mod progress;
mod run;
mod start;
pub mod ticket;
mod update;

use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

use crate::verdict::{Decision, Verdict};
use crate::verify::{CheckResult, StepReport};
use crate::wizard::{Psa, StepKind, Wizard};

pub use form::{FieldId, Form};
pub use msg::{Effect, Msg, Sealed, VerifyJob};
pub use progress::{Item, Live, Pending, PendingKind, Progress, ServiceError, Waiting};
pub use run::{Cursor, Origin, Requests, Run, SecretsKept, Viewport};
pub use start::{SessionSummary, StartRow, StartScreen, WizardEntry};
pub use update::update;

use super::keys::{self, Action, Context};
use super::ui::layout;

/// Everything the screen shows.
#[derive(Debug)]
pub struct State {
    pub screen: Screen,
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

/// What is on screen, beneath any modal: the view decides which commands exist and what is
/// drawn. A run is on one of its steps or, past the last, on the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Start,
    Loading,
    Step(usize),
    Summary,
}

/// What has the keys over the view, one at a time (the help overlay keeps what it covers, and
/// gives it back when closed). Each screen holds its own: the start screen's are `Path`,
/// `Rename` and `Filter`, a run's the others; `Help` opens over either.
#[derive(Debug)]
pub enum Modal {
    /// The help overlay, over what was open beneath it.
    Help { under: Option<Box<Modal>> },
    /// Typing the connection details.
    Form,
    /// Asking "continue unverified?".
    Confirm,
    /// Another yes/no question.
    Prompt(Prompt),
    /// Naming the ticket the impersonation write test adds its note to.
    Ticket(ticket::TicketPick),
    /// Start screen: typing the path of a wizard file.
    Path(Input),
    /// Start screen: renaming a session (its current name, the new one being typed).
    Rename { from: String, to: Input },
    /// Start screen: typing the filter (the filter stays once this closes).
    Filter,
}

impl View {
    /// Step `i` of `n`, or the summary past the last.
    pub fn at(i: usize, n: usize) -> View {
        if i < n { View::Step(i) } else { View::Summary }
    }
}

impl Modal {
    /// The modal that has the keys once help is closed (itself, when it is not help).
    pub fn beneath_help(modal: &Option<Modal>) -> Option<&Modal> {
        match modal {
            Some(Modal::Help { under }) => under.as_deref(),
            m => m.as_ref(),
        }
    }

    /// The same, to change it.
    pub fn beneath_help_mut(modal: &mut Option<Modal>) -> Option<&mut Modal> {
        match modal {
            Some(Modal::Help { under }) => under.as_deref_mut(),
            m => m.as_mut(),
        }
    }

    /// Open help over `modal`, or close it, giving back what it covered.
    pub fn toggle_help(modal: &mut Option<Modal>, on: bool) {
        let open = matches!(modal, Some(Modal::Help { .. }));
        if on == open {
            return;
        }
        *modal = match modal.take() {
            Some(Modal::Help { under }) => under.map(|b| *b),
            under => Some(Modal::Help {
                under: under.map(Box::new),
            }),
        };
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

impl State {
    pub fn new(screen: Screen, plain: bool) -> Self {
        State {
            screen,
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

    /// What is on screen beneath any modal.
    pub fn view(&self) -> View {
        match &self.screen {
            Screen::Start(_) => View::Start,
            Screen::Loading(_) => View::Loading,
            Screen::Run(r) => r.view,
        }
    }

    /// The open modal, help included.
    pub fn modal(&self) -> Option<&Modal> {
        match &self.screen {
            Screen::Start(s) => s.modal.as_ref(),
            Screen::Run(r) => r.modal.as_ref(),
            Screen::Loading(_) => None,
        }
    }

    /// The help overlay is open.
    pub fn help(&self) -> bool {
        matches!(self.modal(), Some(Modal::Help { .. }))
    }

    /// Open or close the help overlay (over whatever is open; the loading screen has none).
    pub fn set_help(&mut self, on: bool) {
        match &mut self.screen {
            Screen::Start(s) => Modal::toggle_help(&mut s.modal, on),
            Screen::Run(r) => Modal::toggle_help(&mut r.modal, on),
            Screen::Loading(_) => {}
        }
    }

    /// Something is in flight: the spinner ticks only then.
    pub fn is_pending(&self) -> bool {
        match &self.screen {
            Screen::Loading(_) => true,
            Screen::Run(r) => r.progress.iter().any(|p| p.pending.is_some()),
            Screen::Start(s) => s.opening.is_some(),
        }
    }

    /// Whose commands apply: the open modal's, else the view's.
    pub fn context(&self) -> Context {
        if self.help() {
            Context::Help
        } else {
            self.base_context()
        }
    }

    /// The context beneath the help overlay.
    pub fn base_context(&self) -> Context {
        let modal = match &self.screen {
            Screen::Start(s) => Modal::beneath_help(&s.modal),
            Screen::Run(r) => Modal::beneath_help(&r.modal),
            Screen::Loading(_) => None,
        };
        Context::of(self.view(), modal)
    }

    /// The commands of what has the keys now, each with whether it does something right now:
    /// the footer lists the enabled ones and a key press runs the one it names.
    pub fn commands(&self) -> Vec<keys::Command> {
        keys::commands(self.context(), |a| self.enabled(a))
    }

    /// Whether an action does something right now (the footer shows only these).
    pub fn enabled(&self, action: Action) -> bool {
        match &self.screen {
            Screen::Run(r) => r.enabled(action),
            Screen::Loading(_) => matches!(action, Action::Quit | Action::Help | Action::CloseHelp),
            Screen::Start(s) => s.enabled(action),
        }
    }

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

#[cfg(test)]
pub(crate) mod tests;
