//! Secrets live in the OS keyring only (on Linux the Secret Service over D-Bus, through
//! keyring-core and the zbus store). Sessions keep a [`SecretRef`] naming the entry, never the
//! value.
//!
//! Every keyring call runs in `tokio::task::spawn_blocking`: the stores block on D-Bus, and the
//! blocking Secret Service client must not run on a runtime worker.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The keyring service name all psa-onboard entries use.
pub const SERVICE: &str = "psa-onboard";

/// Where a secret lives in the keyring: `service` + `account` (`<session>/<field>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    pub service: String,
    pub account: String,
}

impl SecretRef {
    pub fn for_field(session: &str, field: &str) -> SecretRef {
        SecretRef {
            service: SERVICE.to_owned(),
            account: format!("{session}/{field}"),
        }
    }
}

impl std::fmt::Display for SecretRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.service, self.account)
    }
}

/// The keyring cannot be used, with something a person can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the OS keyring is unavailable: {reason}\n  to fix: {remedy}")]
pub struct KeyringUnavailable {
    pub reason: String,
    pub remedy: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(transparent)]
    Unavailable(#[from] KeyringUnavailable),
    #[error("no secret stored in the keyring for {0}; enter it again")]
    NotFound(SecretRef),
    #[error("keyring error for {reference}: {message}")]
    Keyring {
        reference: SecretRef,
        message: String,
    },
    #[error("keyring task failed: {0}")]
    Task(String),
}

/// A handle on one credential store.
#[derive(Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("store", &self.store.vendor())
            .finish()
    }
}

const REMEDY_NO_BUS: &str = "run psa-onboard inside a desktop session (which starts a D-Bus session \
bus and a keyring), or on a server start one for this shell: `dbus-run-session -- sh -c 'echo \
<password> | gnome-keyring-daemon --unlock --components=secrets; psa-onboard …'`";
const REMEDY_NO_SERVICE: &str = "start a Secret Service provider on this session bus: \
`gnome-keyring-daemon --start --components=secrets` (package gnome-keyring), or enable KeePassXC's \
Secret Service integration";
const REMEDY_SILENT: &str = "start the Secret Service yourself and look at what it says: \
`gnome-keyring-daemon --start --components=secrets` (or open KeePassXC with its Secret Service \
integration on); if it fails to start, `journalctl --user -b` shows why; then run psa-onboard again";
const REMEDY_LOCKED: &str = "unlock your login keyring (log in to the desktop, or open Passwords \
and Keys / Seahorse and unlock it); headless: `echo <password> | gnome-keyring-daemon --unlock \
--components=secrets`";

impl Keyring {
    /// The platform keyring. Also installs it as keyring-core's default store, since keyring 4
    /// has no implicit default.
    ///
    /// Bounded by [`STARTUP_TIMEOUT`]: connecting opens a Secret Service session, and a bus on
    /// which the service is activatable but never comes up would hold that call for D-Bus's own
    /// activation timeout (up to two minutes) before saying anything.
    pub async fn system() -> Result<Keyring, KeyringUnavailable> {
        let store = within(STARTUP_TIMEOUT, open_platform_store).await??;
        keyring_core::set_default_store(store.clone());
        Ok(Keyring { store })
    }

    /// An in-memory store (keyring-core's mock) for tests and demos; nothing persists.
    pub fn mock() -> Keyring {
        let store: Arc<CredentialStore> =
            keyring_core::mock::Store::new().expect("the mock store cannot fail to build");
        Keyring { store }
    }

    /// Prove the keyring works end to end: write, read back and delete a probe entry. Catches
    /// a locked collection, which connecting alone does not.
    pub async fn probe(&self) -> Result<(), KeyringUnavailable> {
        let probe = SecretRef {
            service: SERVICE.into(),
            account: format!("probe/{}", std::process::id()),
        };
        let value = SecretString::from("psa-onboard keyring probe");
        let result = async {
            self.store(&probe, value.clone()).await?;
            let back = self.load(&probe).await?;
            self.delete(&probe).await?;
            if back.expose_secret() != value.expose_secret() {
                return Err(SecretsError::Keyring {
                    reference: probe.clone(),
                    message: "the value read back differs from the value written".into(),
                });
            }
            Ok(())
        }
        .await;
        result.map_err(|e| match e {
            SecretsError::Unavailable(u) => u,
            other => KeyringUnavailable {
                reason: other.to_string(),
                remedy: REMEDY_LOCKED.into(),
            },
        })
    }

    pub async fn store(
        &self,
        reference: &SecretRef,
        secret: SecretString,
    ) -> Result<(), SecretsError> {
        self.with_entry(reference, move |entry| {
            entry.set_password(secret.expose_secret())
        })
        .await
    }

    pub async fn load(&self, reference: &SecretRef) -> Result<SecretString, SecretsError> {
        self.with_entry(reference, |entry| {
            entry.get_password().map(|mut plain| {
                // Copy into the secret, then wipe the store's String (converting it in place
                // could reallocate and leave an unwiped copy behind).
                let secret = SecretString::from(plain.as_str());
                zeroize::Zeroize::zeroize(&mut plain);
                secret
            })
        })
        .await
    }

    /// Delete an entry; deleting one that does not exist is not an error.
    pub async fn delete(&self, reference: &SecretRef) -> Result<(), SecretsError> {
        match self
            .with_entry(reference, |entry| entry.delete_credential())
            .await
        {
            Err(SecretsError::NotFound(_)) => Ok(()),
            other => other,
        }
    }

    async fn with_entry<T: Send + 'static>(
        &self,
        reference: &SecretRef,
        op: impl FnOnce(&Entry) -> Result<T, KError> + Send + 'static,
    ) -> Result<T, SecretsError> {
        let store = self.store.clone();
        let r = reference.clone();
        let result = blocking(move || {
            let entry = store.build(&r.service, &r.account, None)?;
            op(&entry)
        })
        .await
        .map_err(|e| SecretsError::Task(e.to_string()))?;
        result.map_err(|e| classify(reference, e))
    }
}

/// How long the Secret Service gets to answer at start-up. A running one answers in
/// milliseconds; one that is being started gets a few seconds.
pub const STARTUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Run a blocking keyring call on a thread of its own and wait at most `limit`. The thread is
/// left behind if the call never returns (not a runtime blocking-pool thread: those would hold up
/// the runtime's shutdown, and so the process's exit, for as long as the call hangs).
async fn within<T: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, KeyringUnavailable> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("keyring-start".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| KeyringUnavailable {
            reason: format!("cannot start a thread for the keyring: {e}"),
            remedy: "try again; report a bug if it persists".into(),
        })?;
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(KeyringUnavailable {
            reason: "the keyring connection failed unexpectedly".into(),
            remedy: "try again; report a bug if it persists".into(),
        }),
        Err(_) => Err(KeyringUnavailable {
            reason: format!(
                "the Secret Service did not answer within {} s: the session bus knows how to \
                 start one (org.freedesktop.secrets) but it has not come up",
                limit.as_secs()
            ),
            remedy: REMEDY_SILENT.into(),
        }),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(f).await
}

#[cfg(all(unix, not(target_os = "macos")))]
fn open_platform_store() -> Result<Arc<CredentialStore>, KeyringUnavailable> {
    let bus_set = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    match zbus_secret_service_keyring_store::Store::new() {
        Ok(store) => Ok(store),
        Err(e) => Err(unavailable_from(&describe(&e), bus_set)),
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn open_platform_store() -> Result<Arc<CredentialStore>, KeyringUnavailable> {
    // Other platforms are not supported yet; say so rather than pretend.
    Err(KeyringUnavailable {
        reason: "this build supports only the Secret Service keyring (Linux and BSD)".into(),
        remedy: "run psa-onboard on Linux with a Secret Service provider".into(),
    })
}

/// Turn a store-connection failure into words and a remedy.
fn unavailable_from(detail: &str, bus_set: bool) -> KeyringUnavailable {
    let lower = detail.to_ascii_lowercase();
    if !bus_set && !lower.contains("serviceunknown") {
        return KeyringUnavailable {
            reason: format!(
                "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): {detail}"
            ),
            remedy: REMEDY_NO_BUS.into(),
        };
    }
    if lower.contains("serviceunknown") || lower.contains("org.freedesktop.secrets") {
        return KeyringUnavailable {
            reason: format!("no Secret Service is running on the session bus: {detail}"),
            remedy: REMEDY_NO_SERVICE.into(),
        };
    }
    if lower.contains("locked") || lower.contains("prompt") {
        return KeyringUnavailable {
            reason: format!("the keyring is locked: {detail}"),
            remedy: REMEDY_LOCKED.into(),
        };
    }
    KeyringUnavailable {
        reason: format!("cannot reach the session bus: {detail}"),
        remedy: REMEDY_NO_BUS.into(),
    }
}

/// Words for a keyring error that never include secret bytes (`BadEncoding` and
/// `BadDataFormat` carry the stored value).
fn describe(e: &KError) -> String {
    match e {
        KError::PlatformFailure(inner) => format!("platform failure: {inner}"),
        KError::NoStorageAccess(inner) => format!("no access to the keyring: {inner}"),
        KError::NoEntry => "no such entry".into(),
        KError::BadEncoding(_) => "the stored value is not UTF-8 text".into(),
        KError::BadDataFormat(_, _) => "the stored value has an unexpected format".into(),
        KError::BadStoreFormat(m) => format!("the keyring's data is damaged: {m}"),
        KError::TooLong(what, max) => format!("{what} is longer than {max}"),
        KError::Invalid(what, why) => format!("invalid {what}: {why}"),
        KError::Ambiguous(v) => format!("{} entries match; expected one", v.len()),
        KError::NoDefaultStore => "no keyring store is configured".into(),
        KError::NotSupportedByStore(m) => format!("not supported by this keyring: {m}"),
        _ => "unexpected keyring error".into(),
    }
}

fn classify(reference: &SecretRef, e: KError) -> SecretsError {
    match &e {
        KError::NoEntry => SecretsError::NotFound(reference.clone()),
        KError::NoStorageAccess(_) => SecretsError::Unavailable(KeyringUnavailable {
            reason: format!(
                "the keyring is locked or access was denied: {}",
                describe(&e)
            ),
            remedy: REMEDY_LOCKED.into(),
        }),
        KError::NoDefaultStore => SecretsError::Unavailable(KeyringUnavailable {
            reason: describe(&e),
            remedy: REMEDY_NO_BUS.into(),
        }),
        KError::PlatformFailure(inner) => {
            let d = inner.to_string();
            let lower = d.to_ascii_lowercase();
            if lower.contains("serviceunknown")
                || lower.contains("locked")
                || lower.contains("connection")
            {
                SecretsError::Unavailable(unavailable_from(&d, true))
            } else {
                SecretsError::Keyring {
                    reference: reference.clone(),
                    message: describe(&e),
                }
            }
        }
        _ => SecretsError::Keyring {
            reference: reference.clone(),
            message: describe(&e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mock_round_trip_and_delete() {
        let k = Keyring::mock();
        let r = SecretRef::for_field("acme", "secret");
        assert!(matches!(k.load(&r).await, Err(SecretsError::NotFound(_))));
        k.store(&r, SecretString::from("hunter2")).await.unwrap();
        assert_eq!(k.load(&r).await.unwrap().expose_secret(), "hunter2");
        k.store(&r, SecretString::from("hunter3")).await.unwrap();
        assert_eq!(k.load(&r).await.unwrap().expose_secret(), "hunter3");
        k.delete(&r).await.unwrap();
        assert!(matches!(k.load(&r).await, Err(SecretsError::NotFound(_))));
        k.delete(&r).await.expect("deleting twice is fine");
        k.probe().await.expect("mock store probes fine");
    }

    #[test]
    fn errors_never_carry_secret_bytes() {
        let r = SecretRef::for_field("acme", "secret");
        let e = classify(&r, KError::BadEncoding(b"hunter2".to_vec()));
        let text = format!("{e} {e:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{:?}", SecretString::from("hunter2")).contains("hunter2"));
    }

    #[test]
    fn unavailable_reasons_have_actionable_remedies() {
        let u = unavailable_from("No such file or directory", false);
        assert!(u.reason.contains("no D-Bus session bus"), "{u:?}");
        assert!(u.remedy.contains("dbus-run-session"));
        let u = unavailable_from(
            "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided",
            true,
        );
        assert!(u.reason.contains("no Secret Service"), "{u:?}");
        assert!(u.remedy.contains("gnome-keyring-daemon"));
        let u = unavailable_from("Object is locked", true);
        assert!(u.reason.contains("locked"), "{u:?}");
        assert!(u.remedy.contains("unlock"));
    }

    #[tokio::test]
    async fn a_keyring_call_that_never_returns_is_cut_off_with_a_remedy() {
        let started = std::time::Instant::now();
        let err = within(std::time::Duration::from_millis(100), || {
            std::thread::sleep(std::time::Duration::from_secs(3));
        })
        .await
        .unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(err.reason.contains("did not answer within 0 s"), "{err:?}");
        assert!(
            err.remedy.contains("gnome-keyring-daemon --start"),
            "{err:?}"
        );
        assert_eq!(within(STARTUP_TIMEOUT, || 7).await.unwrap(), 7);
    }

    #[test]
    fn secret_ref_serializes_without_values() {
        let r = SecretRef::for_field("acme", "private_key");
        let t = toml::to_string(&r).unwrap();
        assert_eq!(
            t,
            "service = \"psa-onboard\"\naccount = \"acme/private_key\"\n"
        );
    }
}
