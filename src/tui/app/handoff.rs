//! The credential hand-off step: what the vendor needs, copied (OSC 52), opened (the portal) or
//! sent (the vendor's endpoint). Secrets are masked unless revealed, and copied only then.

use secrecy::SecretString;

use super::{Effect, Modal, Notice, Pending, PendingKind, Prompt, Run, Sealed, ServiceError};
use crate::handoff::{Payload, VendorAnswer};
use crate::tui::keys::Action;
use crate::verify::{CheckResult, Status, StepReport};
use crate::wizard::{Portal, PortalField};

/// The id of the vendor's answer in the step's report (and the session's evidence).
pub const ANSWER_ID: &str = "vendor-submission";

/// The hand-off step: which portal field has focus, whether secrets are shown, and where the
/// fields would be sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handoff {
    pub focus: usize,
    pub revealed: bool,
    /// Where the submission step POSTs the fields: the wizard's endpoint, or the sandbox's in
    /// the demo.
    pub endpoint: Option<String>,
    /// The endpoint is the demo sandbox's (the screen says so).
    pub endpoint_is_demo: bool,
}

impl Handoff {
    /// Leaving the step: focus back on the first field, secrets hidden again.
    pub fn leave(&mut self) {
        self.focus = 0;
        self.revealed = false;
    }
}

/// The current step's portal, if it is a hand-off step.
pub fn portal(r: &Run) -> Option<&Portal> {
    r.step().and_then(|s| s.portal.as_ref())
}

fn value(r: &Run, f: PortalField) -> &str {
    r.form
        .field(f.field())
        .map(|x| x.value().trim())
        .unwrap_or("")
}

fn notice(r: &mut Run, text: String, error: bool) {
    r.notice = Some(Notice { text, error });
}

pub fn on_action(r: &mut Run, action: Action, effects: &mut Vec<Effect>) {
    let Some(portal) = portal(r).cloned() else {
        return;
    };
    let n = portal.fields.len();
    match action {
        Action::PortalNext if n > 0 => r.handoff.focus = (r.handoff.focus + 1) % n,
        Action::Reveal => {
            r.handoff.revealed = !r.handoff.revealed;
            let text = if r.handoff.revealed {
                "Secrets shown: make sure nobody is looking. Ctrl+R hides them."
            } else {
                "Secrets hidden."
            };
            notice(r, text.into(), false);
        }
        Action::Copy => {
            let Some(&f) = portal.fields.get(r.handoff.focus) else {
                return;
            };
            if value(r, f).is_empty() {
                let text = format!(
                    "Nothing to copy: the {} is empty (enter it at step {}).",
                    f.label(),
                    r.conn_step + 1
                );
                return notice(r, text, true);
            }
            // A secret goes to the clipboard only once the admin has chosen to see it.
            if f.is_secret() && !r.handoff.revealed {
                let text = format!(
                    "The {} is a secret: reveal it first (Ctrl+R) if you mean to copy it.",
                    f.label()
                );
                return notice(r, text, true);
            }
            let copied = SecretString::from(value(r, f).to_string());
            effects.push(Effect::Copy(f.field(), Sealed(copied)));
            let tail = if f.is_secret() {
                " Paste it, then clear your clipboard."
            } else {
                ""
            };
            let text = format!(
                "Copied the {} (OSC 52): it stays in your clipboard manager as long as that decides.{tail}",
                f.label()
            );
            notice(r, text, false);
        }
        Action::OpenPortal => match (&portal.url, &portal.page) {
            (Some(url), _) => {
                effects.push(Effect::OpenUrl(url.clone()));
                notice(
                    r,
                    format!(
                        "Asked your system to open {url} in a browser (it says so here if nothing opens)."
                    ),
                    false,
                );
            }
            (None, Some(page)) => notice(
                r,
                format!("The guide gives no address: open {page} yourself."),
                true,
            ),
            (None, None) => notice(r, "The guide names no portal.".into(), true),
        },
        _ => {}
    }
}

/// `p`: ask before sending, unless something is missing.
pub fn ask_submit(r: &mut Run) {
    let Some(portal) = portal(r).cloned() else {
        return;
    };
    if let Some(f) = portal.fields.iter().find(|f| value(r, **f).is_empty()) {
        let text = format!(
            "The {} is empty: enter it at step {} before submitting.",
            f.label(),
            r.conn_step + 1
        );
        return notice(r, text, true);
    }
    r.modal = Some(Modal::Prompt(Prompt::Submit));
}

/// The question asked before sending: the endpoint and every field that would go.
pub fn submit_question(r: &Run) -> String {
    let fields: Vec<&str> = portal(r)
        .map(|p| p.fields.iter().map(|f| f.label()).collect())
        .unwrap_or_default();
    format!(
        "Send {} to {}? y = send, n = cancel",
        fields.join(", "),
        r.handoff.endpoint.as_deref().unwrap_or("(no endpoint)")
    )
}

pub fn start_submit(r: &mut Run, effects: &mut Vec<Effect>) {
    let Some(i) = r.current() else {
        return;
    };
    let Some(endpoint) = r.handoff.endpoint.clone() else {
        let text = "This guide gives no endpoint to submit to. Enter the values in the vendor's portal (o opens it, c copies a value).";
        return notice(r, text.into(), true);
    };
    let fields = r.wizard.steps[i]
        .portal
        .iter()
        .flat_map(|p| &p.fields)
        .map(|f| (*f, SecretString::from(value(r, *f).to_string())))
        .collect();
    let generation = r.bump();
    r.progress[i].pending = Some(Pending {
        kind: PendingKind::Submit,
        generation,
    });
    r.progress[i].error = None;
    notice(r, "Sending to the vendor.".into(), false);
    effects.push(Effect::Submit {
        step: i,
        generation,
        endpoint,
        payload: Sealed(Payload { fields }),
    });
}

/// The vendor answered: record it as the step's evidence (status and a sanitised body).
pub fn on_submitted(
    r: &mut Run,
    step: usize,
    generation: u64,
    result: Result<VendorAnswer, ServiceError>,
    effects: &mut Vec<Effect>,
) {
    if r.progress
        .get(step)
        .is_none_or(|p| p.pending.is_none_or(|x| x.generation != generation))
    {
        return;
    }
    r.progress[step].pending = None;
    match result {
        Ok(a) => {
            let ok = a.accepted();
            let check = CheckResult {
                status: if ok { Status::Pass } else { Status::Fail },
                detail: format!("{} answered HTTP {}: {}", a.endpoint, a.status, a.body),
                remedy: if ok {
                    String::new()
                } else {
                    "Check the values with the vendor, or enter them in the portal by hand (o)."
                        .into()
                },
                ..CheckResult::new(ANSWER_ID, "Sent to the vendor's endpoint", Status::Pass)
            };
            let wizard = r.wizard.clone();
            let st = &wizard.steps[step];
            let p = &mut r.progress[step];
            p.results = vec![check.clone()];
            p.report = Some(StepReport::new(
                st.id.clone(),
                st.title.clone(),
                vec![check],
            ));
            let text = if ok {
                format!(
                    "The vendor answered HTTP {}: {}. Tick the item once you are done.",
                    a.status, a.body
                )
            } else {
                format!("The vendor refused (HTTP {}): {}", a.status, a.body)
            };
            notice(r, text, !ok);
        }
        Err(e) => notice(r, format!("{} {}", e.message, e.remedy), true),
    }
    effects.push(Effect::save());
}
