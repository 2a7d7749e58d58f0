//! Opening a saved session: the one rule the TUI and the CLI share for finding the session's
//! wizard and telling how it changed since the session began.

use std::path::Path;

use crate::wizard::{self, Loaded, Origin};

use super::changes::WizardChanges;
use super::model::Session;
use super::store::{OpenSession, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "session {session:?} follows wizard {wizard:?}, which is not available (it came from \
         {origin}); put the wizard file back in the wizard directory and try again"
    )]
    WizardMissing {
        session: String,
        wizard: String,
        origin: String,
    },
    #[error("{0}")]
    Wizard(String),
}

/// Find the wizard a session follows: the file it came from if that still exists, else the
/// catalog entry (built-in or the wizard directory) with its id.
pub fn wizard_of(session: &Session, dir: Option<&Path>) -> Result<Loaded, OpenError> {
    let origin = Path::new(&session.wizard.origin);
    if session.wizard.origin.ends_with(".toml") && origin.is_file() {
        return wizard::load::load_file(origin, Origin::File(origin.to_path_buf()))
            .map_err(|e| OpenError::Wizard(e.to_string()));
    }
    let (all, _) = wizard::catalog(dir);
    all.into_iter()
        .find(|l| l.wizard.id == session.wizard.id)
        .ok_or_else(|| OpenError::WizardMissing {
            session: session.name.clone(),
            wizard: session.wizard.id.clone(),
            origin: session.wizard.origin.clone(),
        })
}

/// A saved session opened under its lock, with its wizard and what changed in it.
#[derive(Debug)]
pub struct Opened {
    pub open: OpenSession,
    pub wizard: Loaded,
    pub changes: WizardChanges,
}

/// Open `name` under its lock and find its wizard.
pub fn open(store: &Store, name: &str, dir: Option<&Path>) -> Result<Opened, OpenError> {
    let open = store.open(name)?;
    let wizard = wizard_of(&open.session, dir)?;
    let changes = WizardChanges::between(&open.session, &wizard);
    Ok(Opened {
        open,
        wizard,
        changes,
    })
}
