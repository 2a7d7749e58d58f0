//! Opening each platform's store and proving it works, and turning the stores' errors into one
//! sentence and a remedy (the library's own words go to the log only).

use std::sync::Arc;

use keyring_core::{CredentialStore, Error as KError};

use super::{
    KEYRING_ENV, KeyringUnavailable, REMEDY_KERNEL, REMEDY_LOCKED, REMEDY_MACOS, REMEDY_NO_BUS,
    REMEDY_NO_SERVICE, REMEDY_RETRY, REMEDY_WINDOWS, SERVICE, SecretRef, SecretsError, StoreKind,
};

/// Open `kind` and prove it works (blocking; run through [`within`]).
pub(super) fn open_and_probe(kind: StoreKind) -> Result<Arc<CredentialStore>, KeyringUnavailable> {
    let store = connect(kind)?;
    probe_store(&store, kind)?;
    Ok(store)
}

/// Write, read back and delete a probe entry.
pub(super) fn probe_store(
    store: &Arc<CredentialStore>,
    kind: StoreKind,
) -> Result<(), KeyringUnavailable> {
    let account = format!("probe/{}", std::process::id());
    let value = "psa-onboard keyring probe";
    let run = || -> Result<bool, KError> {
        let entry = store.build(SERVICE, &account, None)?;
        entry.set_password(value)?;
        let mut back = entry.get_password()?;
        let same = back == value;
        zeroize::Zeroize::zeroize(&mut back);
        entry.delete_credential()?;
        Ok(same)
    };
    match run() {
        Ok(true) => Ok(()),
        Ok(false) => Err(KeyringUnavailable::new(
            format!(
                "the {} gave back a different value than was written",
                kind.name()
            ),
            REMEDY_RETRY,
        )),
        Err(e) => Err(refused(kind, &e)),
    }
}

/// A store that answered but refused: one sentence per platform.
pub(super) fn refused(kind: StoreKind, e: &KError) -> KeyringUnavailable {
    let detail = raw(e);
    let lower = detail.to_ascii_lowercase();
    let (reason, remedy) = match kind {
        StoreKind::SecretService
            if lower.contains("serviceunknown") || lower.contains("connection") =>
        {
            return unavailable_from(&detail, true);
        }
        StoreKind::SecretService => (
            "the Secret Service is locked or refused access",
            REMEDY_LOCKED,
        ),
        StoreKind::KernelKeyring => (
            "the kernel keyring refused access (some containers and sandboxes block it)",
            REMEDY_KERNEL,
        ),
        StoreKind::WindowsCredentialManager => (
            "the Windows Credential Manager is not available to this logon session",
            REMEDY_WINDOWS,
        ),
        StoreKind::MacosKeychain => (
            "the macOS Keychain is locked or refused access",
            REMEDY_MACOS,
        ),
        StoreKind::Memory => ("the test store failed", REMEDY_RETRY),
    };
    KeyringUnavailable {
        detail,
        ..KeyringUnavailable::new(reason, remedy)
    }
}

/// Connect to a store (blocking). Only the stores of this build are reachable here:
/// [`Choice::candidates`] filters the rest out first.
fn connect(kind: StoreKind) -> Result<Arc<CredentialStore>, KeyringUnavailable> {
    let not_built = || {
        KeyringUnavailable::new(
            format!("this build has no {}", kind.name()),
            format!("unset {KEYRING_ENV}"),
        )
    };
    match kind {
        StoreKind::Memory => {
            Ok(keyring_core::mock::Store::new().expect("the mock store cannot fail to build"))
        }
        StoreKind::SecretService => secret_service().ok_or_else(not_built)?,
        StoreKind::KernelKeyring => kernel_keyring().ok_or_else(not_built)?,
        StoreKind::WindowsCredentialManager => windows().ok_or_else(not_built)?,
        StoreKind::MacosKeychain => macos().ok_or_else(not_built)?,
    }
}

type Opened = Option<Result<Arc<CredentialStore>, KeyringUnavailable>>;

#[cfg(all(unix, not(target_os = "macos")))]
fn secret_service() -> Opened {
    let bus_set = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    Some(
        zbus_secret_service_keyring_store::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| unavailable_from(&raw(&e), bus_set)),
    )
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn secret_service() -> Opened {
    None
}

#[cfg(target_os = "linux")]
fn kernel_keyring() -> Opened {
    Some(
        super::kernel::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| refused(StoreKind::KernelKeyring, &e)),
    )
}

#[cfg(not(target_os = "linux"))]
fn kernel_keyring() -> Opened {
    None
}

#[cfg(windows)]
fn windows() -> Opened {
    Some(
        windows_native_keyring_store::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| refused(StoreKind::WindowsCredentialManager, &e)),
    )
}

#[cfg(not(windows))]
fn windows() -> Opened {
    None
}

#[cfg(target_os = "macos")]
fn macos() -> Opened {
    Some(
        apple_native_keyring_store::keychain::Store::new()
            .map(|s| s as Arc<CredentialStore>)
            .map_err(|e| refused(StoreKind::MacosKeychain, &e)),
    )
}

#[cfg(not(target_os = "macos"))]
fn macos() -> Opened {
    None
}

/// The store read second behind `kind` (Linux: the kernel keyring behind the Secret Service).
pub(super) fn fallback_store(kind: StoreKind) -> Option<(Arc<CredentialStore>, StoreKind)> {
    if kind != StoreKind::SecretService {
        return None;
    }
    match kernel_keyring() {
        Some(Ok(store)) => Some((store, StoreKind::KernelKeyring)),
        _ => None,
    }
}

/// Turn a Secret Service connection failure into words and a remedy; the library's text is
/// kept for the log only.
pub(super) fn unavailable_from(detail: &str, bus_set: bool) -> KeyringUnavailable {
    let lower = detail.to_ascii_lowercase();
    let (reason, remedy, no_answer) = if !bus_set && !lower.contains("serviceunknown") {
        (
            "there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret \
             Service can be reached",
            REMEDY_NO_BUS,
            true,
        )
    } else if lower.contains("serviceunknown") || lower.contains("org.freedesktop.secrets") {
        (
            "no Secret Service is running on the D-Bus session bus",
            REMEDY_NO_SERVICE,
            true,
        )
    } else if lower.contains("locked") || lower.contains("prompt") {
        ("the keyring is locked", REMEDY_LOCKED, false)
    } else {
        (
            "the D-Bus session bus cannot be reached",
            REMEDY_NO_BUS,
            true,
        )
    };
    KeyringUnavailable {
        reason: reason.into(),
        remedy: remedy.into(),
        detail: detail.into(),
        no_answer,
    }
}

/// The library's words for an error, for the log; never secret bytes (`BadEncoding` and
/// `BadDataFormat` carry the stored value).
pub(super) fn raw(e: &KError) -> String {
    match e {
        KError::PlatformFailure(inner) => format!("platform failure: {inner}"),
        KError::NoStorageAccess(inner) => format!("no storage access: {inner}"),
        other => describe(other),
    }
}

/// Words for a keyring error fit for the screen: never the platform's raw text, never secret
/// bytes.
pub(super) fn describe(e: &KError) -> String {
    match e {
        KError::PlatformFailure(_) => "the keyring reported a failure".into(),
        KError::NoStorageAccess(_) => "the keyring is locked or access was denied".into(),
        KError::NoEntry => "no such entry".into(),
        KError::BadEncoding(_) => "the stored value is not UTF-8 text".into(),
        KError::BadDataFormat(_, _) => "the stored value has an unexpected format".into(),
        KError::BadStoreFormat(_) => "the keyring's data is damaged".into(),
        KError::TooLong(what, max) => format!("the {what} is longer than {max}"),
        KError::Invalid(what, why) => format!("invalid {what}: {why}"),
        KError::Ambiguous(v) => format!("{} entries match; expected one", v.len()),
        KError::NoDefaultStore => "no keyring store is configured".into(),
        KError::NotSupportedByStore(_) => "this keyring does not support that".into(),
        _ => "unexpected keyring error".into(),
    }
}

pub(super) fn classify(
    kind: StoreKind,
    reference: &SecretRef,
    op: &'static str,
    e: KError,
) -> SecretsError {
    if !matches!(e, KError::NoEntry) {
        tracing::warn!(store = kind.id(), op, entry = %reference, detail = %raw(&e), "keyring call failed");
    }
    match &e {
        KError::NoEntry => SecretsError::NotFound(reference.clone()),
        KError::NoStorageAccess(_) => SecretsError::Unavailable(refused(kind, &e)),
        KError::NoDefaultStore => {
            SecretsError::Unavailable(KeyringUnavailable::new(describe(&e), REMEDY_RETRY))
        }
        KError::PlatformFailure(inner) if kind == StoreKind::SecretService => {
            let lower = inner.to_string().to_ascii_lowercase();
            if lower.contains("serviceunknown")
                || lower.contains("locked")
                || lower.contains("connection")
            {
                SecretsError::Unavailable(unavailable_from(&inner.to_string(), true))
            } else {
                SecretsError::Keyring {
                    reference: reference.clone(),
                    store: kind.name(),
                    op,
                    message: describe(&e),
                }
            }
        }
        _ => SecretsError::Keyring {
            reference: reference.clone(),
            store: kind.name(),
            op,
            message: describe(&e),
        },
    }
}
