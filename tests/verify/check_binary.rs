//! `psa-onboard check`, the real binary: exit codes, the JSON contract, `--ca-cert`, `--session`.

use super::*;

#[tokio::test]
async fn check_binary_exits_0_for_configured_wizards_and_prints_the_json_contract() {
    for id in wizards() {
        let w = wizard(id);
        let sb = configured(id).await;
        let c = sb.credentials();
        let mut cmd = check::check_cmd(id);
        cmd.args(["--format", "json"]);
        check::sandbox_env(&mut cmd, &sb, w.psa, &c);
        let out = check::output(cmd).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{id}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
        assert_eq!(v["wizard"], id);
        assert_eq!(v["psa"], w.psa.short());
        assert_eq!(v["ok"], true);
        // The header names the instance by role; Autotask's the zone its lookup answered.
        let target = &v["target"];
        if w.psa == Psa::Autotask {
            assert_eq!(target["api_user"], c.autotask.username.as_str(), "{target}");
            let zone = target["zone"].as_str().unwrap_or_default();
            assert!(zone.contains("127.0.0.1"), "{id}: {target}");
        } else {
            assert_eq!(target["company_id"], c.connectwise.company_id.as_str());
            assert!(target.get("zone").is_none(), "{target}");
        }
        let steps = v["steps"].as_array().unwrap();
        assert_eq!(steps.len(), w.steps.len());
        for s in steps {
            for k in ["id", "title", "status", "checks"] {
                assert!(s.get(k).is_some(), "step lacks {k}");
            }
            for c in s["checks"].as_array().unwrap() {
                for k in ["id", "title", "status", "detail", "remedy"] {
                    assert!(c.get(k).is_some(), "check lacks {k}: {c}");
                }
                let st = c["status"].as_str().unwrap();
                assert!(["pass", "warn", "fail", "manual", "skipped"].contains(&st));
            }
        }
        // Never a secret in the output.
        use secrecy::ExposeSecret;
        assert!(!stdout.contains(c.autotask.secret.expose_secret()));
        assert!(!stdout.contains(c.connectwise.private_key.expose_secret()));
    }
}

/// The same for the tenant nobody set up: every built-in wizard's `check` fails with exit 1 (its
/// API user, with the wizard's own credentials, does not exist there yet).
#[tokio::test]
async fn check_binary_exits_1_for_every_wizard_against_the_unconfigured_tenant() {
    let sb = sandbox("unconfigured").await;
    for id in wizards() {
        let w = wizard(id);
        let c = sb.credentials_for(&w);
        let mut cmd = check::check_cmd(id);
        check::sandbox_env(&mut cmd, &sb, w.psa, &c);
        let out = check::output(cmd).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{id}:\n{stdout}");
        assert!(stdout.contains("[FAIL]"), "{id}:\n{stdout}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn check_binary_exit_codes_for_failures_and_missing_details() {
    let sb = sandbox("configured:topleft-autotask").await;
    let c = sb.credentials();
    let root = sb.autotask_api_root();
    let user = c.autotask.username.clone();
    let code = c.autotask.integration_code.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
            .args(["check", "--wizard", "topleft-autotask"])
            .env("AUTOTASK_API_ROOT", root)
            .env("AUTOTASK_USERNAME", user)
            .env("AUTOTASK_SECRET", "wrong-secret")
            .env("AUTOTASK_INTEGRATION_CODE", code)
            .env("NO_COLOR", "1")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("[FAIL]") && text.contains("sign-in"),
        "{text}"
    );
    assert!(!text.contains("wrong-secret"));

    let out = Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["check", "--wizard", "topleft-autotask"])
        .env_remove("AUTOTASK_USERNAME")
        .env_remove("AUTOTASK_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AUTOTASK_USERNAME"));

    let state = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["check", "--session", "no-such-session"])
        .env("PSA_ONBOARD_STATE_DIR", state.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-session"));

    let out = Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "neither --wizard nor --session");

    let out = Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["check", "--wizard", "no-such-wizard"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-wizard"));
}

#[tokio::test]
async fn check_binary_trusts_an_extra_root_with_ca_cert() {
    let sb = start(SandboxOptions {
        scenario: "configured:topleft-autotask".into(),
        tls: true,
        ..SandboxOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("sandbox.pem");
    std::fs::write(&pem, sb.root_cert_pem().unwrap()).unwrap();
    let c = sb.credentials();
    let root = sb.autotask_api_root();
    assert!(root.starts_with("https://127.0.0.1:"));
    let run = move |with_ca: bool| {
        use secrecy::ExposeSecret;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
        cmd.args(["check", "--wizard", "topleft-autotask", "--format", "json"])
            .env("AUTOTASK_API_ROOT", &root)
            .env("AUTOTASK_USERNAME", &c.autotask.username)
            .env("AUTOTASK_SECRET", c.autotask.secret.expose_secret())
            .env("AUTOTASK_INTEGRATION_CODE", &c.autotask.integration_code)
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy");
        if with_ca {
            cmd.arg("--ca-cert").arg(&pem);
        }
        cmd.output().unwrap()
    };
    let (trusted, untrusted) = tokio::task::spawn_blocking(move || (run(true), run(false)))
        .await
        .unwrap();
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&trusted.stdout)
    );
    assert_eq!(untrusted.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&untrusted.stdout).unwrap();
    let zone = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap().iter())
        .find(|c| c["id"] == "zone")
        .unwrap();
    assert!(
        zone["detail"].as_str().unwrap().contains("is self-signed"),
        "{zone}"
    );
}

#[tokio::test]
async fn check_session_reverifies_and_saves_or_names_the_missing_keyring() {
    use psa_onboard::secrets::Keyring;
    use psa_onboard::session::model::{Session, Target};
    use psa_onboard::session::store::Store;

    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let c = sb.credentials();
    let state = tempfile::tempdir().unwrap();
    let store = Store::at(state.path().join("sessions"));
    let loaded = wizard::resolve("topleft-connectwise", None).unwrap();
    let t0: jiff::Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
    let name = format!("verify-it-{}", std::process::id());
    let mut s = Session::new(&name, &loaded, "tester", t0).unwrap();
    s.target = Some(Target::Connectwise(ConnectwiseTarget {
        site: sb.connectwise_site(),
        company_id: c.connectwise.company_id.clone(),
        public_key: c.connectwise.public_key.clone(),
        client_id: c.connectwise.client_id.clone(),
    }));
    let r = s.secret_ref("private_key");
    let mut open = store.create(s).unwrap();
    open.save().unwrap();
    drop(open);

    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
    let keyring = if bus {
        let k = Keyring::system().await.expect("keyring with a session bus");
        k.store(&r, c.connectwise.private_key.clone())
            .await
            .unwrap();
        Some(k)
    } else {
        None
    };
    let dir = state.path().to_path_buf();
    let n = name.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
        cmd.args(["check", "--session", &n, "--format", "json"])
            .env("PSA_ONBOARD_STATE_DIR", &dir)
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy");
        if !bus {
            // The Secret Service only: no fallback to the kernel keyring.
            cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
                .env("PSA_ONBOARD_KEYRING", "secret-service");
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match keyring {
        Some(k) => {
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["wizard"], "topleft-connectwise");
            assert_eq!(v["ok"], true);
            // The results were saved into the session.
            let reopened = store.open(&name).unwrap();
            assert!(!reopened.session.steps.is_empty());
            assert!(reopened.session.updated > t0);
            k.delete(&r).await.unwrap();
            assert_eq!(w.id, "topleft-connectwise");
        }
        None => {
            eprintln!("no session bus: checking the keyring-unavailable path of check --session");
            assert_eq!(out.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains("keyring"), "{stderr}");
            assert!(
                sb.requests().is_empty(),
                "nothing is sent without the secret"
            );
        }
    }
}

/// The zone's name is the PSA's text: the report header shows it inert, in both formats.
#[tokio::test]
async fn check_shows_the_zone_the_psa_named_without_its_control_sequences() {
    let id = "topleft-autotask";
    let w = wizard(id);
    let sb = configured(id).await;
    sb.with_tenant(|t| t.autotask.zone_name = "Zone\u{1b}]52;c;aGk=\u{7} one\u{1b}[31m".into());
    let c = sb.credentials();
    for format in ["human", "json"] {
        let mut cmd = check::check_cmd(id);
        cmd.args(["--format", format]);
        check::sandbox_env(&mut cmd, &sb, w.psa, &c);
        let out = check::output(cmd).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{format}: {stdout}");
        assert!(!stdout.contains('\u{1b}'), "{format}: {stdout}");
        let zone = if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
            v["target"]["zone"].as_str().unwrap_or_default().to_string()
        } else {
            stdout.to_string()
        };
        assert!(
            zone.contains("Zone"),
            "{format}: the zone is still named: {zone}"
        );
        assert!(!zone.contains("\u{1b}]52"), "{format}: {zone}");
    }
}
