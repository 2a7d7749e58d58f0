//! The keyring layer's unit tests (a file of their own to keep `secrets.rs` short).

use super::stores::{refused, unavailable_from};
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
    assert_eq!(k.kind(), StoreKind::Memory);
    assert_eq!(k.notice(), None);
}

#[test]
fn errors_never_carry_secret_bytes_or_raw_platform_text() {
    let r = SecretRef::for_field("acme", "secret");
    let e = classify(
        StoreKind::Memory,
        &r,
        "read",
        KError::BadEncoding(b"hunter2".to_vec()),
    );
    let text = format!("{e} {e:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!format!("{:?}", SecretString::from("hunter2")).contains("hunter2"));
    let zbus = "zbus error: Failed to connect to address unix:path=/run/user/0/bus: No such file";
    let e = classify(
        StoreKind::KernelKeyring,
        &r,
        "store",
        KError::PlatformFailure(zbus.into()),
    );
    assert!(!e.to_string().contains("zbus"), "{e}");
    assert!(
        e.to_string().contains("kernel keyring could not store"),
        "{e}"
    );
    let u = unavailable_from(zbus, false);
    assert!(!u.to_string().contains("zbus"), "{u}");
    assert!(u.detail.contains("zbus"), "kept for the log: {u:?}");
}

#[test]
fn unavailable_reasons_have_actionable_remedies_and_fall_back_only_when_silent() {
    let u = unavailable_from("No such file or directory", false);
    assert!(u.reason.contains("no D-Bus session bus"), "{u:?}");
    assert!(u.remedy.contains("dbus-run-session"));
    assert!(u.no_answer);
    let u = unavailable_from(
        "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided",
        true,
    );
    assert!(u.reason.contains("no Secret Service"), "{u:?}");
    assert!(u.remedy.contains("gnome-keyring-daemon"));
    assert!(u.no_answer);
    let u = unavailable_from("Object is locked", true);
    assert!(u.reason.contains("locked"), "{u:?}");
    assert!(u.remedy.contains("unlock"));
    assert!(!u.no_answer, "a locked keyring answered: no fallback");
    // One sentence and a remedy, on one line.
    for u in [
        unavailable_from("x", false),
        refused(
            StoreKind::WindowsCredentialManager,
            &KError::NoStorageAccess("A specified logon session does not exist.".into()),
        ),
        refused(
            StoreKind::MacosKeychain,
            &KError::NoStorageAccess("User interaction is not allowed.".into()),
        ),
    ] {
        let n = u.notice();
        assert!(!n.contains('\n'), "{n}");
        assert!(n.starts_with("No OS keyring: "), "{n}");
        assert!(n.contains("To fix: "), "{n}");
        assert!(n.ends_with("held in memory for this run only."), "{n}");
        assert!(!n.contains("logon session does not exist"), "{n}");
    }
}

#[test]
fn the_environment_variable_selects_or_forbids_stores() {
    assert_eq!(Choice::parse(""), Some(Choice::Auto));
    assert_eq!(Choice::parse("AUTO"), Some(Choice::Auto));
    assert_eq!(Choice::parse("none"), Some(Choice::Off));
    assert_eq!(
        Choice::parse("kernel-keyring"),
        Some(Choice::Only(StoreKind::KernelKeyring))
    );
    assert_eq!(
        Choice::parse(" windows-credential-manager "),
        Some(Choice::Only(StoreKind::WindowsCredentialManager))
    );
    assert_eq!(
        Choice::parse("memory"),
        None,
        "the test store is not offered"
    );
    assert_eq!(Choice::parse("gnome"), None);
    let off = Choice::Off.candidates().unwrap_err();
    assert!(off.reason.contains("PSA_ONBOARD_KEYRING=none"), "{off:?}");
    // A store of another platform is refused by name.
    let foreign = StoreKind::REAL
        .into_iter()
        .find(|k| !k.in_this_build())
        .unwrap();
    let e = Choice::Only(foreign).candidates().unwrap_err();
    assert!(e.reason.contains(foreign.name()), "{e:?}");
    assert!(!StoreKind::platform_default().is_empty());
    assert!(
        StoreKind::platform_default()
            .iter()
            .all(|k| k.in_this_build())
    );
}

#[tokio::test]
async fn forbidding_the_keyring_is_reported_not_guessed_around() {
    let e = Keyring::open(Choice::Off).await.unwrap_err();
    assert!(e.notice().contains("held in memory"), "{e:?}");
}

#[tokio::test]
async fn a_keyring_call_that_never_returns_is_cut_off_with_a_remedy() {
    let started = std::time::Instant::now();
    let err = within(
        StoreKind::SecretService,
        std::time::Duration::from_millis(100),
        || {
            std::thread::sleep(std::time::Duration::from_secs(3));
        },
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(err.reason.contains("did not answer within 0 s"), "{err:?}");
    assert!(
        err.remedy.contains("gnome-keyring-daemon --start"),
        "{err:?}"
    );
    assert!(err.no_answer, "silence falls back to the kernel keyring");
    assert_eq!(
        within(StoreKind::Memory, STARTUP_TIMEOUT, || 7)
            .await
            .unwrap(),
        7
    );
}

/// Windows (and Wine): the Credential Manager is the store, and a secret written is the
/// secret read back (the entry is deleted again).
#[cfg(windows)]
#[tokio::test]
async fn the_windows_credential_manager_keeps_a_secret() {
    let k = Keyring::open(Choice::Auto)
        .await
        .expect("Credential Manager");
    assert_eq!(k.kind(), StoreKind::WindowsCredentialManager);
    assert_eq!(k.notice(), None);
    let r = SecretRef::for_field(&format!("unit-{}", std::process::id()), "secret");
    k.store(&r, SecretString::from("at-secret-ξ-42"))
        .await
        .unwrap();
    assert_eq!(k.load(&r).await.unwrap().expose_secret(), "at-secret-ξ-42");
    k.delete(&r).await.unwrap();
    assert!(matches!(k.load(&r).await, Err(SecretsError::NotFound(_))));
}

#[test]
fn manual_delete_commands_name_the_entry_in_each_store() {
    let r = SecretRef::for_field("acme", "secret");
    assert_eq!(
        manual_delete_command(Some(StoreKind::WindowsCredentialManager), &r),
        "cmdkey /delete:\"acme/secret.psa-onboard\""
    );
    assert!(
        manual_delete_command(Some(StoreKind::SecretService), &r)
            .contains("secret-tool clear service psa-onboard username acme/secret")
    );
    assert!(
        manual_delete_command(Some(StoreKind::KernelKeyring), &r)
            .contains("keyctl unlink %user:psa-onboard:acme/secret @u")
    );
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
