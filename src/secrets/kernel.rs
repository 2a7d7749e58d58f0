//! The kernel keyring (keyutils) as a keyring-core store: Linux without a Secret Service.
//!
//! Entries are `user` keys named `<service>:<account>` in the user keyring (`@u`). The kernel
//! holds them in memory until reboot (before Linux 5.3, until the user's last process exits),
//! and every process of the user reaches them while its session keyring links the user keyring,
//! as `pam_keyinit` arranges at login; [`Store::new`] links it where that was not done.
//!
//! Not `linux-keyutils-keyring-store`: it adds keys to the session keyring and links them into
//! the persistent keyring, and asking for that keyring makes the kernel give a process that has
//! no login session keyring of its own (cron, containers, CI) a new private one, from which the
//! keys it just added cannot be read: its start-up probe fails with "access denied" there.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::api::{CredentialApi, CredentialPersistence, CredentialStoreApi};
use keyring_core::{Credential, Entry, Error, Result};
use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

/// The store: stateless, every call goes to the kernel.
#[derive(Debug)]
pub struct Store;

impl Store {
    /// Fails when the kernel refuses keyrings altogether (some containers and sandboxes).
    pub fn new() -> Result<Arc<Store>> {
        // Best effort: a session keyring that does not reach the user keyring (one made by
        // `keyctl session`, say) could not read the keys back. Linking twice is harmless.
        if let Ok(session) = KeyRing::from_special_id(KeyRingIdentifier::Session, false) {
            let _ = session.link_keyring_id(KeyRingIdentifier::User);
        }
        user_keyring()?;
        Ok(Arc::new(Store))
    }
}

fn user_keyring() -> Result<KeyRing> {
    KeyRing::from_special_id(KeyRingIdentifier::User, false).map_err(failure)
}

impl CredentialStoreApi for Store {
    fn vendor(&self) -> String {
        "psa-onboard: Linux kernel keyring (keyutils), user keyring".into()
    }

    fn id(&self) -> String {
        "kernel-keyring".into()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        _modifiers: Option<&HashMap<&str, &str>>,
    ) -> Result<Entry> {
        Ok(Entry::new_with_credential(Arc::new(Cred {
            description: description(service, user),
            specifiers: (service.to_string(), user.to_string()),
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn persistence(&self) -> CredentialPersistence {
        CredentialPersistence::UntilReboot
    }
}

/// The key's description: `psa-onboard:acme/secret`.
pub fn description(service: &str, account: &str) -> String {
    format!("{service}:{account}")
}

#[derive(Debug)]
struct Cred {
    description: String,
    specifiers: (String, String),
}

impl CredentialApi for Cred {
    fn set_secret(&self, secret: &[u8]) -> Result<()> {
        if secret.is_empty() {
            // The kernel stores no empty `user` key.
            return Err(Error::Invalid("secret".into(), "cannot be empty".into()));
        }
        // Adding a key whose description exists in the keyring replaces its value in place.
        user_keyring()?
            .add_key(&self.description, secret)
            .map(|_| ())
            .map_err(failure)
    }

    fn get_secret(&self) -> Result<Vec<u8>> {
        let key = user_keyring()?.search(&self.description).map_err(failure)?;
        key.read_to_vec().map_err(failure)
    }

    fn delete_credential(&self) -> Result<()> {
        let key = user_keyring()?.search(&self.description).map_err(failure)?;
        key.invalidate().map_err(failure)
    }

    fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
        user_keyring()?.search(&self.description).map_err(failure)?;
        Ok(None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some(self.specifiers.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn failure(e: KeyError) -> Error {
    match e {
        KeyError::KeyDoesNotExist | KeyError::KeyExpired | KeyError::KeyRevoked => Error::NoEntry,
        // Refused, unsupported, or an errno the crate does not name (ENOSYS where keyctl is
        // filtered out): the keyring cannot be used here.
        KeyError::AccessDenied
        | KeyError::PermissionDenied
        | KeyError::OperationNotSupported
        | KeyError::KeyringDoesNotExist
        | KeyError::Unknown(_) => Error::NoStorageAccess(Box::new(e)),
        other => Error::PlatformFailure(Box::new(other)),
    }
}
