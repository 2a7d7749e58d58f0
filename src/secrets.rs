//! Secrets live in the OS keyring only, through keyring-core and one store per platform: the
//! Windows Credential Manager, the macOS Keychain, the Secret Service over D-Bus on Linux and the
//! BSDs, and on Linux, when no Secret Service answers, the kernel keyring (keyutils, our own
//! small store in `secrets/kernel.rs`), whose entries last until logout or reboot. Sessions keep
//! a [`SecretRef`] naming the entry, never the value.
//!
//! Start-up opens the store and proves it with a probe (write, read back, delete), bounded to
//! [`STARTUP_TIMEOUT`] on a thread of its own; every later keyring call runs in
//! `tokio::task::spawn_blocking`, since the stores block (D-Bus, Win32). A store that cannot be
//! used is one sentence and a remedy ([`KeyringUnavailable`]); the library's own words go to the
//! log only.
//!
//! `PSA_ONBOARD_KEYRING` (see [`Choice`]) restricts the choice: `auto` (the default), one store
//! by name (no fallback), or `none` (no keyring: secrets stay in memory for the run).

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[cfg(target_os = "linux")]
mod kernel;
mod stores;

use stores::{classify, fallback_store, open_and_probe, probe_store};

/// The keyring service name all psa-onboard entries use.
pub const SERVICE: &str = "psa-onboard";

/// The environment variable that restricts which keyring is used ([`Choice`]).
pub const KEYRING_ENV: &str = "PSA_ONBOARD_KEYRING";

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

/// A credential store psa-onboard knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The freedesktop Secret Service (GNOME Keyring, KWallet, KeePassXC) over D-Bus.
    SecretService,
    /// Linux's kernel key retention service (keyutils): in memory, until logout or reboot.
    KernelKeyring,
    WindowsCredentialManager,
    MacosKeychain,
    /// keyring-core's in-memory store: tests only.
    Memory,
}

impl StoreKind {
    /// Every real store, in the order they are named in help texts.
    pub const REAL: [StoreKind; 4] = [
        StoreKind::SecretService,
        StoreKind::KernelKeyring,
        StoreKind::WindowsCredentialManager,
        StoreKind::MacosKeychain,
    ];

    /// The stable name (`check --format json`, `PSA_ONBOARD_KEYRING`).
    pub fn id(self) -> &'static str {
        match self {
            StoreKind::SecretService => "secret-service",
            StoreKind::KernelKeyring => "kernel-keyring",
            StoreKind::WindowsCredentialManager => "windows-credential-manager",
            StoreKind::MacosKeychain => "macos-keychain",
            StoreKind::Memory => "memory",
        }
    }

    /// The name a person knows it by.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::SecretService => "Secret Service",
            StoreKind::KernelKeyring => "kernel keyring",
            StoreKind::WindowsCredentialManager => "Windows Credential Manager",
            StoreKind::MacosKeychain => "macOS Keychain",
            StoreKind::Memory => "memory (test store)",
        }
    }

    /// How long an entry lasts there.
    pub fn lasts(self) -> &'static str {
        match self {
            StoreKind::KernelKeyring => "until logout or reboot",
            StoreKind::Memory => "until the process exits",
            _ => "until deleted",
        }
    }

    /// Whether this build has the store (it depends on the platform it was built for).
    pub fn in_this_build(self) -> bool {
        match self {
            StoreKind::SecretService => cfg!(all(unix, not(target_os = "macos"))),
            StoreKind::KernelKeyring => cfg!(target_os = "linux"),
            StoreKind::WindowsCredentialManager => cfg!(windows),
            StoreKind::MacosKeychain => cfg!(target_os = "macos"),
            StoreKind::Memory => true,
        }
    }

    /// The stores tried, in order, when nothing restricts the choice.
    pub fn platform_default() -> Vec<StoreKind> {
        if cfg!(windows) {
            vec![StoreKind::WindowsCredentialManager]
        } else if cfg!(target_os = "macos") {
            vec![StoreKind::MacosKeychain]
        } else if cfg!(target_os = "linux") {
            vec![StoreKind::SecretService, StoreKind::KernelKeyring]
        } else {
            vec![StoreKind::SecretService]
        }
    }
}

/// Which keyring to use: [`KEYRING_ENV`]'s value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The platform's store; on Linux the kernel keyring when no Secret Service answers.
    Auto,
    /// This store only, no fallback.
    Only(StoreKind),
    /// No keyring: secrets are held in memory for the run only.
    Off,
}

impl Choice {
    /// From the environment; an unknown value is refused with the values that work.
    pub fn from_env() -> Result<Choice, KeyringUnavailable> {
        let value = std::env::var(KEYRING_ENV).unwrap_or_default();
        Choice::parse(&value).ok_or_else(|| {
            let shown: String = value.chars().filter(|c| !c.is_control()).take(40).collect();
            KeyringUnavailable::new(
                format!("{KEYRING_ENV} is set to {shown:?}, which names no keyring"),
                format!("set it to auto, none or one of: {}", real_ids()),
            )
        })
    }

    pub fn parse(value: &str) -> Option<Choice> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Some(Choice::Auto),
            "none" | "off" => Some(Choice::Off),
            v => StoreKind::REAL
                .into_iter()
                .find(|k| k.id() == v)
                .map(Choice::Only),
        }
    }

    /// The stores to try, in order.
    fn candidates(self) -> Result<Vec<StoreKind>, KeyringUnavailable> {
        match self {
            Choice::Auto => Ok(StoreKind::platform_default()),
            Choice::Off => Err(KeyringUnavailable::new(
                format!("{KEYRING_ENV}=none turns the OS keyring off"),
                format!("unset {KEYRING_ENV} to keep secrets in the OS keyring"),
            )),
            Choice::Only(kind) if kind.in_this_build() => Ok(vec![kind]),
            Choice::Only(kind) => Err(KeyringUnavailable::new(
                format!(
                    "{KEYRING_ENV} asks for the {}, which this build for {} does not have",
                    kind.name(),
                    std::env::consts::OS
                ),
                format!("unset {KEYRING_ENV}, or set it to auto"),
            )),
        }
    }
}

fn real_ids() -> String {
    StoreKind::REAL.map(StoreKind::id).join(", ")
}

/// The keyring cannot be used: one sentence, and something a person can do about it. The
/// library's own error text is in `detail`, for the log, never for the screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the OS keyring cannot be used: {reason}; to fix: {remedy}")]
pub struct KeyringUnavailable {
    pub reason: String,
    pub remedy: String,
    /// What the store said (logged only: it can be long, and it is not words for an admin).
    pub detail: String,
    /// Nothing answered (no bus, no service, a time-out), as opposed to a store that answered
    /// and refused (locked, denied): only the first falls back to the kernel keyring.
    pub no_answer: bool,
}

impl KeyringUnavailable {
    fn new(reason: impl Into<String>, remedy: impl Into<String>) -> Self {
        KeyringUnavailable {
            reason: reason.into(),
            remedy: remedy.into(),
            detail: String::new(),
            no_answer: false,
        }
    }

    /// What the TUI shows, once: the sentence, the remedy, and what happens to the secrets.
    pub fn notice(&self) -> String {
        format!(
            "No OS keyring: {}. To fix: {}. Until then secrets are held in memory for this run \
             only.",
            self.reason,
            self.remedy.trim_end_matches('.')
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(transparent)]
    Unavailable(#[from] KeyringUnavailable),
    #[error("no secret stored in the keyring for {0}; enter it again")]
    NotFound(SecretRef),
    #[error("the {store} could not {op} the secret {reference}: {message}")]
    Keyring {
        reference: SecretRef,
        store: &'static str,
        op: &'static str,
        message: String,
    },
    #[error("keyring task failed: {0}")]
    Task(String),
}

/// A handle on one credential store.
#[derive(Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
    kind: StoreKind,
    /// Said once when the store is not the platform's first choice (the kernel keyring).
    notice: Option<String>,
    /// Read (and deleted from) when an entry is not in `store`: on Linux, the kernel keyring
    /// behind the Secret Service, so a secret saved over SSH is found on the desktop too.
    also: Option<(Arc<CredentialStore>, StoreKind)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("kind", &self.kind)
            .field("store", &self.store.vendor())
            .finish()
    }
}

const REMEDY_NO_BUS: &str = "run psa-onboard in a desktop session, or give this shell a keyring \
with dbus-run-session and gnome-keyring-daemon (README: Linux without a desktop)";
const REMEDY_NO_SERVICE: &str = "start a Secret Service on this session bus: \
`gnome-keyring-daemon --start --components=secrets`, or KeePassXC with its Secret Service \
integration on";
const REMEDY_SILENT: &str = "start it yourself and read what it says: \
`gnome-keyring-daemon --start --components=secrets` (`journalctl --user -b` shows why it fails), \
then run psa-onboard again";
const REMEDY_LOCKED: &str = "unlock your login keyring (Passwords and Keys / Seahorse); \
headless: `gnome-keyring-daemon --unlock --components=secrets` and type the password";
const REMEDY_KERNEL: &str = "run psa-onboard where a Secret Service answers (a desktop session), \
or outside the container or sandbox that blocks the kernel's keyctl calls";
const REMEDY_WINDOWS: &str = "sign in to Windows interactively (at the console or over Remote \
Desktop; an SSH session signed in with a key has no Credential Manager, one signed in with a \
password has), then run psa-onboard again";
const REMEDY_MACOS: &str = "unlock the login keychain: log in at the Mac, or over SSH run \
`security unlock-keychain ~/Library/Keychains/login.keychain-db`, then run psa-onboard again";
const REMEDY_RETRY: &str = "try again; report a bug if it persists";

impl Keyring {
    /// The keyring [`KEYRING_ENV`] allows, opened and probed once per process (later calls
    /// return the same answer). Also installs it as keyring-core's default store.
    pub async fn system() -> Result<Keyring, KeyringUnavailable> {
        static SYSTEM: tokio::sync::OnceCell<Result<Keyring, KeyringUnavailable>> =
            tokio::sync::OnceCell::const_new();
        SYSTEM
            .get_or_init(|| async {
                let keyring = Keyring::open(Choice::from_env()?).await?;
                keyring_core::set_default_store(keyring.store.clone());
                Ok(keyring)
            })
            .await
            .clone()
    }

    /// Open and probe the first store `choice` allows that works. Each store gets
    /// [`STARTUP_TIMEOUT`]: a Secret Service that is activatable but never comes up would
    /// otherwise hold the call for D-Bus's own activation timeout (up to two minutes).
    pub async fn open(choice: Choice) -> Result<Keyring, KeyringUnavailable> {
        let candidates = choice.candidates()?;
        let mut first: Option<KeyringUnavailable> = None;
        for kind in candidates {
            let attempt = within(kind, STARTUP_TIMEOUT, move || open_and_probe(kind))
                .await
                .and_then(|r| r);
            match attempt {
                Ok(store) => {
                    tracing::info!(store = kind.id(), "keyring in use");
                    let notice = first.as_ref().map(|_| {
                        format!(
                            "No Secret Service answers here, so secrets go to the {}: they last \
                             {}.",
                            kind.name(),
                            kind.lasts()
                        )
                    });
                    let also = (choice == Choice::Auto)
                        .then(|| fallback_store(kind))
                        .flatten();
                    return Ok(Keyring {
                        store,
                        kind,
                        notice,
                        also,
                    });
                }
                Err(e) => {
                    tracing::warn!(
                        store = kind.id(),
                        reason = %e.reason,
                        detail = %e.detail,
                        "keyring store unavailable"
                    );
                    let fall_back = e.no_answer;
                    match &mut first {
                        None => first = Some(e),
                        // Say the fallback failed too, in the same sentence.
                        Some(f) => {
                            f.reason = format!(
                                "{}, and the {} cannot be used either",
                                f.reason,
                                kind.name()
                            )
                        }
                    }
                    if !fall_back {
                        break;
                    }
                }
            }
        }
        Err(first.unwrap_or_else(|| {
            KeyringUnavailable::new("this build has no keyring for this platform", REMEDY_RETRY)
        }))
    }

    /// An in-memory store (keyring-core's mock) for tests and demos; nothing persists.
    pub fn mock() -> Keyring {
        let store: Arc<CredentialStore> =
            keyring_core::mock::Store::new().expect("the mock store cannot fail to build");
        Keyring {
            store,
            kind: StoreKind::Memory,
            notice: None,
            also: None,
        }
    }

    /// The store in use.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// One line to show once, when the store is a fallback (the kernel keyring).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Prove the keyring works end to end: write, read back and delete a probe entry. Catches
    /// a locked collection, which connecting alone does not. ([`Keyring::open`] already did.)
    pub async fn probe(&self) -> Result<(), KeyringUnavailable> {
        let store = self.store.clone();
        let kind = self.kind;
        blocking(move || probe_store(&store, kind))
            .await
            .map_err(|e| KeyringUnavailable::new(format!("the probe stopped: {e}"), REMEDY_RETRY))?
    }

    pub async fn store(
        &self,
        reference: &SecretRef,
        secret: SecretString,
    ) -> Result<(), SecretsError> {
        self.with_entry(&self.store, self.kind, reference, "store", move |entry| {
            entry.set_password(secret.expose_secret())
        })
        .await
    }

    pub async fn load(&self, reference: &SecretRef) -> Result<SecretString, SecretsError> {
        let read = |entry: &Entry| {
            entry.get_password().map(|mut plain| {
                // Copy into the secret, then wipe the store's String (converting it in place
                // could reallocate and leave an unwiped copy behind).
                let secret = SecretString::from(plain.as_str());
                zeroize::Zeroize::zeroize(&mut plain);
                secret
            })
        };
        let first = self
            .with_entry(&self.store, self.kind, reference, "read", read)
            .await;
        match (first, &self.also) {
            (Err(SecretsError::NotFound(r)), Some((store, kind))) => {
                match self.with_entry(store, *kind, reference, "read", read).await {
                    Ok(secret) => Ok(secret),
                    // Report the store in use, not the one looked in second.
                    Err(_) => Err(SecretsError::NotFound(r)),
                }
            }
            (other, _) => other,
        }
    }

    /// Delete an entry; deleting one that does not exist is not an error.
    pub async fn delete(&self, reference: &SecretRef) -> Result<(), SecretsError> {
        let delete = |entry: &Entry| entry.delete_credential();
        if let Some((store, kind)) = &self.also {
            // Best effort: a copy left there by an earlier run without the Secret Service.
            let _ = self
                .with_entry(store, *kind, reference, "delete", delete)
                .await;
        }
        match self
            .with_entry(&self.store, self.kind, reference, "delete", delete)
            .await
        {
            Err(SecretsError::NotFound(_)) => Ok(()),
            other => other,
        }
    }

    async fn with_entry<T: Send + 'static>(
        &self,
        store: &Arc<CredentialStore>,
        kind: StoreKind,
        reference: &SecretRef,
        op: &'static str,
        f: impl FnOnce(&Entry) -> Result<T, KError> + Send + 'static,
    ) -> Result<T, SecretsError> {
        let store = store.clone();
        let r = reference.clone();
        let result = blocking(move || {
            let entry = store.build(&r.service, &r.account, None)?;
            f(&entry)
        })
        .await
        .map_err(|e| SecretsError::Task(e.to_string()))?;
        result.map_err(|e| classify(kind, reference, op, e))
    }
}

/// How long each store gets to open and answer the probe at start-up. A running one answers
/// in milliseconds; one that is being started gets a few seconds.
pub const STARTUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Run a blocking keyring call on a thread of its own and wait at most `limit`. The thread is
/// left behind if the call never returns (not a runtime blocking-pool thread: those would hold up
/// the runtime's shutdown, and so the process's exit, for as long as the call hangs).
async fn within<T: Send + 'static>(
    kind: StoreKind,
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
            detail: e.to_string(),
            ..KeyringUnavailable::new("no thread could be started for the keyring", REMEDY_RETRY)
        })?;
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(KeyringUnavailable::new(
            format!("the connection to the {} failed unexpectedly", kind.name()),
            REMEDY_RETRY,
        )),
        Err(_) => Err(KeyringUnavailable {
            no_answer: true,
            ..KeyringUnavailable::new(
                match kind {
                    StoreKind::SecretService => format!(
                        "the Secret Service did not answer within {} s: the session bus knows how \
                         to start one (org.freedesktop.secrets) but it has not come up",
                        limit.as_secs()
                    ),
                    other => format!(
                        "the {} did not answer within {} s",
                        other.name(),
                        limit.as_secs()
                    ),
                },
                match kind {
                    StoreKind::SecretService => REMEDY_SILENT,
                    _ => REMEDY_RETRY,
                },
            )
        }),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(f).await
}

/// The command that removes an entry by hand from the store in use, for when psa-onboard could
/// not (said after `sessions delete`).
pub fn manual_delete_command(kind: Option<StoreKind>, r: &SecretRef) -> String {
    let kind = kind.unwrap_or_else(|| StoreKind::platform_default()[0]);
    match kind {
        StoreKind::WindowsCredentialManager => {
            // The store's target name: `<account>.<service>`.
            format!("cmdkey /delete:\"{}.{}\"", r.account, r.service)
        }
        StoreKind::MacosKeychain => format!(
            "security delete-generic-password -s {} -a {}",
            r.service, r.account
        ),
        StoreKind::KernelKeyring => format!("keyctl unlink %user:{}:{} @u", r.service, r.account),
        StoreKind::SecretService | StoreKind::Memory => format!(
            "secret-tool clear service {} username {}",
            r.service, r.account
        ),
    }
}

#[cfg(test)]
mod tests;
