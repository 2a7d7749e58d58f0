//! The start screen: its rows, and its keys.

use super::*;

/// The start screen: resume a session or begin a wizard.
#[derive(Debug, Default)]
pub struct StartScreen {
    pub sessions: Vec<SessionSummary>,
    pub wizards: Vec<WizardEntry>,
    /// Index into [`StartScreen::rows`].
    pub selected: usize,
    /// The filter (`/`): rows whose words contain every word typed ([`Modal::Filter`] while
    /// typing).
    pub filter: Input,
    /// Typing a path, a new name or the filter; or help.
    pub modal: Option<Modal>,
    /// A session or wizard is being opened (what, in words): until it answers, starting
    /// another is refused, so the first one's session lock is never let go.
    pub opening: Option<String>,
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
pub(super) fn matches_query(query: &str, fields: &[&str]) -> bool {
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
        // Grouped by PSA, in the order the PSA table offers them.
        wizards.sort_by_key(|&i| (self.wizards[i].psa.rank(), i));
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

impl StartScreen {
    /// See [`State::enabled`].
    pub fn enabled(&self, action: Action) -> bool {
        let busy = self.opening.is_some();
        let typing = matches!(self.modal, Some(Modal::Path(_) | Modal::Rename { .. }));
        match action {
            Action::Rename => !busy && matches!(self.selected_row(), Some(StartRow::Session(_))),
            Action::Open | Action::Submit if !typing => !busy && self.selected_row().is_some(),
            Action::OpenFile => !busy,
            Action::ClearFilter => {
                !self.filter.value().is_empty() || matches!(self.modal, Some(Modal::Filter))
            }
            _ => true,
        }
    }

    /// Run one of the start screen's commands (help and quit are the state's).
    pub(super) fn on_action(&mut self, action: Action, effects: &mut Vec<Effect>) {
        match &mut self.modal {
            Some(Modal::Path(path)) => match action {
                Action::Submit => {
                    let p = path.value().trim().to_string();
                    if p.is_empty() {
                        self.error = Some(ServiceError {
                            message: "No path given.".into(),
                            remedy: "Type the path of a wizard .toml file, or Esc to go back."
                                .into(),
                        });
                    } else {
                        self.modal = None;
                        self.open(Effect::Begin(p.clone()), p, effects);
                    }
                }
                Action::LeaveForm => self.modal = None,
                _ => {}
            },
            Some(Modal::Rename { from, to }) => match action {
                Action::Submit => {
                    let name = to.value().trim().to_string();
                    match crate::session::validate_name(&name) {
                        Ok(()) if &name == from => self.modal = None,
                        Ok(()) => {
                            effects.push(Effect::Rename {
                                from: from.clone(),
                                to: name,
                            });
                            self.modal = None;
                        }
                        Err(e) => {
                            self.error = Some(ServiceError {
                                message: e.to_string(),
                                remedy: "Type another name, or Esc to keep the old one.".into(),
                            })
                        }
                    }
                }
                Action::LeaveForm => {
                    self.modal = None;
                    self.error = None;
                }
                _ => {}
            },
            _ => self.on_list_action(action, effects),
        }
    }

    /// The list's commands (also while typing the filter).
    fn on_list_action(&mut self, action: Action, effects: &mut Vec<Effect>) {
        let n = self.rows().len();
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::OpenFile => self.modal = Some(Modal::Path(Input::default())),
            Action::Filter => self.modal = Some(Modal::Filter),
            Action::ClearFilter => {
                self.filter = Input::default();
                self.modal = None;
                self.selected = 0;
            }
            Action::Rename => {
                if let Some(StartRow::Session(i)) = self.selected_row() {
                    let id = self.sessions[i].id.clone();
                    self.modal = Some(Modal::Rename {
                        from: id.clone(),
                        to: Input::new(id),
                    });
                    self.notice = None;
                }
            }
            Action::Open | Action::Submit => match self.selected_row() {
                Some(StartRow::Session(i)) => {
                    let id = self.sessions[i].id.clone();
                    self.open(Effect::Resume(id.clone()), id, effects)
                }
                Some(StartRow::Wizard(i)) => {
                    let w = &self.wizards[i];
                    let (id, title) = (w.id.clone(), w.title.clone());
                    self.open(Effect::Begin(id), title, effects)
                }
                Some(StartRow::File) => self.modal = Some(Modal::Path(Input::default())),
                None => {}
            },
            _ => {}
        }
    }

    /// Open a session or wizard; nothing else opens until it answers.
    fn open(&mut self, effect: Effect, what: String, effects: &mut Vec<Effect>) {
        self.opening = Some(what);
        effects.push(effect);
    }

    /// Text typed into what is open: the path, the new name, or the filter (the list narrows
    /// as it grows). Whether it went anywhere.
    pub(super) fn type_in(&mut self, req: InputRequest) -> bool {
        match &mut self.modal {
            Some(Modal::Path(path)) => {
                path.handle(req);
            }
            Some(Modal::Rename { to, .. }) => {
                to.handle(req);
                self.error = None;
            }
            Some(Modal::Filter) => {
                if self.filter.handle(req).is_some_and(|r| r.value) {
                    self.selected = 0;
                }
            }
            _ => return false,
        }
        true
    }
}
