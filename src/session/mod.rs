//! Resumable onboarding sessions: what the admin has done so far, with the evidence.
//!
//! One TOML file per session under the state directory, written atomically, guarded by an
//! advisory lock so two instances never edit the same session. Secrets are never stored here:
//! only [`SecretRef`](crate::secrets::SecretRef)s naming keyring entries.

pub mod changes;
pub mod connect;
pub mod lock;
pub mod migrate;
pub mod model;
pub mod open;
pub mod store;

pub use changes::WizardChanges;
pub use connect::{ConnectError, ResumeError, Resumed, connection, resume, secret_field};
pub use lock::{LockError, SessionLock};
pub use model::{
    Confirmation, HISTORY_LIMIT, SCHEMA_VERSION, Session, StepRecord, Target, VerificationRun,
    WizardRef, current_user, slug, step_hashes, validate_name,
};
pub use open::{OpenError, Opened, open, wizard_of};
pub use store::{Listing, OpenSession, Store, StoreError};
