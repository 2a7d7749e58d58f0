//! Messages in, effects out.

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::connection::Connection;
use crate::handoff::Payload;
use crate::tui::store::SavedSession;

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

/// Work for the effect runner. Each carries everything it needs, taken from the state by
/// `update`: the runner never reads the state.
#[derive(Debug, Clone, PartialEq)]
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
        job: VerifyJob,
    },
    /// Find the ticket the admin named (number or ID) for the write test's note.
    FindTicket {
        step: usize,
        generation: u64,
        query: String,
        connection: Sealed<Connection>,
    },
    /// Abandon the work with this generation (its result would be dropped anyway).
    Cancel {
        generation: u64,
    },
    /// Demo: do a step in the sandbox.
    ApplyInSandbox {
        step: usize,
        generation: u64,
        wizard: Arc<Wizard>,
        step_id: String,
    },
    /// Save this snapshot of the run (the run as `update` left it).
    SaveSession(Box<SavedSession>),
    /// Keep a secret in the OS keyring, under the session.
    StoreSecret {
        session: String,
        field: FieldId,
        secret: Sealed<SecretString>,
    },
    /// Let the verifier resend credentials the PSA refused before (see
    /// [`Requests::forget_refused`](super::run::Requests)).
    ForgetRefused,
    /// Put a field's value on the clipboard with OSC 52, through the terminal writer.
    Copy(FieldId, Sealed<SecretString>),
    /// Open the vendor's portal in a browser.
    OpenUrl(String),
    /// POST the portal fields to the submission endpoint.
    Submit {
        step: usize,
        generation: u64,
        endpoint: String,
        payload: Sealed<Payload>,
    },
    Quit,
}

/// What one step's verification needs.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyJob {
    pub wizard: Arc<Wizard>,
    /// The step's id in the wizard.
    pub step_id: String,
    pub connection: Sealed<Connection>,
    /// Run the checks that write to the PSA (the admin said yes to `Prompt::Writes`).
    pub allow_writes: bool,
    /// The ticket the impersonation write test adds its note to (the admin's choice).
    pub test_ticket: Option<i64>,
}

impl Effect {
    /// Save the run. `update` fills in the snapshot once it is done with the message, so a save
    /// never carries half of a change.
    pub(crate) fn save() -> Effect {
        Effect::SaveSession(Box::default())
    }
}

/// A piece of work that holds a secret: never printed, compared by value (tests compare
/// effects).
pub struct Sealed<T>(pub T);

impl Clone for Sealed<SecretString> {
    fn clone(&self) -> Self {
        Sealed(self.0.clone())
    }
}

impl Clone for Sealed<Connection> {
    fn clone(&self) -> Self {
        Sealed(self.0.clone())
    }
}

impl<T> std::fmt::Debug for Sealed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealed(..)")
    }
}

impl PartialEq for Sealed<SecretString> {
    fn eq(&self, other: &Self) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }
}

impl PartialEq for Sealed<Connection> {
    fn eq(&self, other: &Self) -> bool {
        use Connection::*;
        match (&self.0, &other.0) {
            (
                Autotask {
                    target: a,
                    secret: x,
                },
                Autotask {
                    target: b,
                    secret: y,
                },
            ) => a == b && x.expose_secret() == y.expose_secret(),
            (
                Connectwise {
                    target: a,
                    private_key: x,
                },
                Connectwise {
                    target: b,
                    private_key: y,
                },
            ) => a == b && x.expose_secret() == y.expose_secret(),
            _ => false,
        }
    }
}

impl Clone for Sealed<Payload> {
    fn clone(&self) -> Self {
        Sealed(Payload {
            fields: self.0.fields.clone(),
        })
    }
}

impl PartialEq for Sealed<Payload> {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.0.fields, &other.0.fields);
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((f, x), (g, y))| f == g && x.expose_secret() == y.expose_secret())
    }
}
