//! The keyring: the mock store, the real Secret Service, one that never answers, the kernel keyring.

use super::*;

// ---------------------------------------------------------------------------------------------
// Keyring

/// Store `secret` under `r`, and read back the same bytes.
async fn round_trip(keyring: &Keyring, r: &SecretRef, secret: &str) {
    keyring.store(r, SecretString::from(secret)).await.unwrap();
    assert_eq!(keyring.load(r).await.unwrap().expose_secret(), secret);
}

#[tokio::test]
async fn mock_keyring_stores_loads_and_deletes_secrets_referenced_by_sessions() {
    let keyring = Keyring::mock();
    keyring.probe().await.expect("mock store works");
    let r = SecretRef::for_field("acme", "private_key");
    assert_eq!(r.service, "psa-onboard");
    assert_eq!(r.account, "acme/private_key");
    round_trip(&keyring, &r, "pk-0123456789").await;
    keyring.delete(&r).await.unwrap();
    match keyring.load(&r).await {
        Err(e @ SecretsError::NotFound(_)) => {
            assert!(
                e.to_string().contains("psa-onboard / acme/private_key"),
                "{e}"
            )
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn real_secret_service_round_trip_or_a_clear_unavailable_error() {
    if !StoreKind::SecretService.in_this_build() {
        eprintln!("SKIPPED: this platform has no Secret Service");
        return;
    }
    if !session_bus() {
        eprintln!(
            "SKIPPED real Secret Service round trip: DBUS_SESSION_BUS_ADDRESS is not set (run \
             inside `dbus-run-session` with an unlocked gnome-keyring to exercise it)"
        );
        // Without a bus the Secret Service must say so, with a remedy a person can act on
        // (`Keyring::system()` would fall back to the kernel keyring: tested below).
        let err = Keyring::open(Choice::Only(StoreKind::SecretService))
            .await
            .expect_err("no bus, no Secret Service");
        assert!(err.reason.contains("D-Bus session bus"), "{err:?}");
        assert!(err.remedy.contains("dbus-run-session"), "{err:?}");
        return;
    }
    let keyring = Keyring::system()
        .await
        .unwrap_or_else(|e| panic!("session bus present but keyring unavailable: {e}"));
    keyring.probe().await.expect("probe");
    let r = SecretRef::for_field(&format!("it-{}", std::process::id()), "secret");
    round_trip(&keyring, &r, "at-secret-ξ-42").await;
    round_trip(&keyring, &r, "rotated").await;
    keyring.delete(&r).await.unwrap();
    assert!(matches!(
        keyring.load(&r).await,
        Err(SecretsError::NotFound(_))
    ));
}

/// A private D-Bus session bus on which `org.freedesktop.secrets` is activatable but never
/// answers: its `Exec` sleeps without claiming the name, so the bus holds every call to it until
/// the sleeper exits. Stopped (the daemon we started, by its handle) on drop.
struct SilentSecretServiceBus {
    daemon: std::process::Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl SilentSecretServiceBus {
    /// `None` when dbus-daemon is not installed.
    fn start() -> Option<SilentSecretServiceBus> {
        let dir = tempfile::tempdir().unwrap();
        let services = dir.path().join("services");
        std::fs::create_dir(&services).unwrap();
        // Longer than the keyring's start-up limit, short enough not to linger after the test.
        std::fs::write(
            services.join("org.freedesktop.secrets.service"),
            "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/sleep 25\n",
        )
        .unwrap();
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type>\
                 <listen>unix:path={}</listen><servicedir>{}</servicedir>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                dir.path().join("bus").display(),
                services.display()
            ),
        )
        .unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        Some(SilentSecretServiceBus {
            daemon,
            address: address.trim().to_string(),
            _dir: dir,
        })
    }
}

impl Drop for SilentSecretServiceBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// Issue #13: a Secret Service that is activatable but never answers used to hold `check
/// --session` for D-Bus's activation timeout (two minutes) before its error. Start-up is bounded
/// by a few seconds, and the error says what happened and what to do.
#[test]
fn a_secret_service_that_never_answers_is_reported_within_seconds() {
    let Some(bus) = SilentSecretServiceBus::start() else {
        eprintln!("SKIPPED: dbus-daemon is not installed (Debian: dbus-daemon)");
        return;
    };
    let env = Env::new();
    new_session(&env.store(), "acme", "topleft-connectwise");
    let err_file = env.path("stderr");
    let mut cmd = env.cmd(&["check", "--session", "acme"]);
    // The Secret Service only: with `auto` the kernel keyring would be used after the wait.
    cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("PSA_ONBOARD_KEYRING", "secret-service")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_file).unwrap());
    let start = std::time::Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let took = start.elapsed();
    let stderr = std::fs::read_to_string(&err_file).unwrap();
    assert_eq!(status.and_then(|s| s.code()), Some(2), "{stderr}");
    assert!(
        took < std::time::Duration::from_secs(12),
        "took {took:?}: {stderr}"
    );
    assert!(
        stderr.contains("the Secret Service did not answer within 5 s"),
        "{stderr}"
    );
    assert!(stderr.contains("to fix:"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// The kernel keyring: Linux without D-Bus

/// Where no Secret Service answers (no D-Bus here), `check --save-session` keeps the secret in
/// the kernel keyring, saying so once; `check --session` reads it back from there in a new
/// process (a wrong value there makes the re-audit fail: the secret really comes from it); with
/// a Secret Service present, the same session still finds it; `sessions delete` removes it.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_dbus_the_kernel_keyring_keeps_the_secret_between_runs() {
    const NOTICE: &str = "No Secret Service answers here, so secrets go to the kernel keyring: \
                          they last until logout or reboot.";
    let env = Env::new();
    let id = "topleft-connectwise";
    let w = builtin(id).wizard;
    let sb = configured(id).await;
    let name = format!("kernel-{}", std::process::id());
    let run = check::output;
    let no_bus = |cmd: &mut Command| {
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("PSA_ONBOARD_KEYRING");
    };

    let mut cmd = env.cmd(&[
        "check",
        "--wizard",
        id,
        "--save-session",
        &name,
        "--format",
        "json",
    ]);
    check_env(&mut cmd, &sb, &w);
    no_bus(&mut cmd);
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches(NOTICE).count(), 1, "said once: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "and nothing else: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["keyring"]["store"], "kernel-keyring", "{v}");

    // The entry is in the kernel keyring, with the secret from the environment.
    let kernel = Keyring::open(Choice::Only(StoreKind::KernelKeyring))
        .await
        .expect("the kernel keyring works here");
    let reference = SecretRef::for_field(&name, "private_key");
    let private_key = sb.credentials_for(&w).connectwise.private_key;
    assert_eq!(
        kernel.load(&reference).await.unwrap().expose_secret(),
        private_key.expose_secret()
    );

    // A new process, no secret in its environment: it comes from the kernel keyring.
    let recheck = |bus: bool| {
        let mut cmd = env.cmd(&["check", "--session", &name, "--format", "json"]);
        check_env(&mut cmd, &sb, &w);
        cmd.env_remove("CONNECTWISE_PRIVATE_KEY");
        if !bus {
            no_bus(&mut cmd);
        }
        cmd
    };
    let out = run(recheck(false)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches(NOTICE).count(), 1, "said once: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["keyring"]["store"], "kernel-keyring");
    assert_eq!(v["ok"], true, "{v}");

    // The control: a wrong value in the kernel keyring makes the same re-audit fail.
    kernel
        .store(&reference, SecretString::from("not-the-private-key"))
        .await
        .unwrap();
    let out = run(recheck(false)).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    kernel.store(&reference, private_key.clone()).await.unwrap();

    // With a Secret Service (scripts/test.sh): it is the store, and the secret saved without
    // one is still found.
    if session_bus() {
        let out = run(recheck(true)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains(NOTICE), "{stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["keyring"]["store"], "secret-service");
    } else {
        eprintln!("no session bus: the Secret Service half of this test did not run");
    }

    let mut cmd = env.cmd(&["sessions", "delete", &name, "--yes"]);
    no_bus(&mut cmd);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Removed 1 keyring entries (kernel keyring)"),
        "{}",
        text(&out.stdout)
    );
    assert!(matches!(
        kernel.load(&reference).await,
        Err(SecretsError::NotFound(_))
    ));
    sb.shutdown().await;
}
