//! `sessions delete` and `export`: asked before deleting, the wizard's changes named, no secret in any file.

use super::*;

// ---------------------------------------------------------------------------------------------
// CLI: sessions delete, export

#[test]
fn sessions_delete_asks_refuses_without_a_tty_and_removes_keyring_entries() {
    let env = Env::new();
    let store = env.store();
    let mut s = Session::new(
        "acme",
        &builtin("topleft-autotask"),
        "tester",
        ts("2026-01-05T10:00:00Z"),
    )
    .unwrap();
    let account = format!("acme-{}/secret", std::process::id());
    let r = SecretRef {
        service: "psa-onboard".into(),
        account: account.clone(),
    };
    s.secrets.insert("secret".into(), r.clone());
    store.create(s).unwrap();

    let out = env.run(&["sessions", "delete", "acme"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("stdin is not a terminal")
            && text(&out.stderr).contains("--yes"),
        "{}",
        text(&out.stderr)
    );
    assert!(store.path("acme").exists());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let real = session_bus().then(|| {
        rt.block_on(async {
            let k = Keyring::system().await.expect("keyring with a session bus");
            k.store(&r, SecretString::from("to-be-deleted"))
                .await
                .unwrap();
            k
        })
    });

    let mut cmd = env.cmd(&["sessions", "delete", "acme", "--yes"]);
    if real.is_none() {
        // The Secret Service only: no fallback to the kernel keyring.
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("XDG_RUNTIME_DIR")
            .env("PSA_ONBOARD_KEYRING", "secret-service");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Deleted session \"acme\""), "{stdout}");
    assert!(!store.path("acme").exists());
    match real {
        Some(k) => {
            assert!(stdout.contains("Removed 1 keyring entries"), "{stdout}");
            let gone = rt.block_on(k.load(&r));
            assert!(matches!(gone, Err(SecretsError::NotFound(_))), "{gone:?}");
        }
        None => {
            eprintln!("no session bus: checking the keyring-unavailable path of delete");
            assert!(
                stdout.contains("keyring entries were not removed"),
                "{stdout}"
            );
            if StoreKind::SecretService.in_this_build() {
                assert!(stdout.contains("dbus-run-session"), "remedy: {stdout}");
                assert!(
                    stdout.contains(&format!(
                        "secret-tool clear service psa-onboard username {account}"
                    )),
                    "{stdout}"
                );
            }
            // The platform's own way to remove the entry by hand.
            assert!(
                stdout.contains(&psa_onboard::secrets::manual_delete_command(None, &r)),
                "{stdout}"
            );
        }
    }
    let out = env.run(&["sessions", "delete", "acme", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no session named \"acme\""));
}

/// Run `sessions delete <name>` in a pseudo-terminal, answer the question, return the screen.
fn delete_on_a_tty(env: &Env, name: &str, answer: &str) -> (String, bool) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(BIN);
    cmd.args(["sessions", "delete", name]);
    cmd.env("PSA_ONBOARD_STATE_DIR", env.path("state"));
    cmd.env("XDG_STATE_HOME", env.path("state"));
    cmd.env("HOME", env.path("home"));
    cmd.cwd(env.path("home"));
    let mut child = pair.slave.spawn_command(cmd).expect("spawn in pty");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = Vec::new();
    // A generous bound so a broken prompt fails the test instead of hanging it.
    let patience = std::time::Duration::from_secs(60);
    while !String::from_utf8_lossy(&screen).contains("[y/N]") {
        screen.extend(
            rx.recv_timeout(patience)
                .expect("the delete prompt appears"),
        );
    }
    writer.write_all(format!("{answer}\r").as_bytes()).unwrap();
    writer.flush().unwrap();
    let status = child.wait().expect("child exits");
    while let Ok(chunk) = rx.recv_timeout(patience) {
        screen.extend(chunk);
    }
    (
        String::from_utf8_lossy(&screen).into_owned(),
        status.success(),
    )
}

#[test]
fn sessions_delete_asks_on_a_terminal() {
    let env = Env::new();
    let store = env.store();
    new_session(&store, "acme", "topleft-connectwise");

    let (screen, ok) = delete_on_a_tty(&env, "acme", "n");
    assert!(ok, "{screen}");
    assert!(
        screen.contains("Delete session \"acme\" (topleft-connectwise, 0/"),
        "{screen}"
    );
    assert!(screen.contains("Not deleted."), "{screen}");
    assert!(store.path("acme").exists());

    let (screen, ok) = delete_on_a_tty(&env, "acme", "y");
    assert!(ok, "{screen}");
    assert!(screen.contains("Deleted session \"acme\"."), "{screen}");
    assert!(!store.path("acme").exists());
}

#[test]
fn export_names_steps_to_reverify_when_the_wizard_changed() {
    let env = Env::new();
    let wiz_dir = env.path("config").join("psa-onboard").join("wizards");
    std::fs::create_dir_all(&wiz_dir).unwrap();
    let file = wiz_dir.join("rewst-autotask.toml");
    let original = wizard::load::BUILTIN
        .iter()
        .find(|(n, _)| *n == "rewst-autotask.toml")
        .unwrap()
        .1;
    std::fs::write(&file, original).unwrap();
    let loaded = wizard::load::load_file(&file, wizard::Origin::User(file.clone())).unwrap();
    let mut s = Session::new("rw", &loaded, "tester", ts("2026-01-05T10:00:00Z")).unwrap();
    let first = loaded.wizard.steps[0].id.clone();
    // Every item of the first step observed and passing (manual ones confirmed).
    let checks = psa_onboard::verdict::items(&loaded.wizard.steps[0])
        .into_iter()
        .map(|(k, manual)| {
            if manual {
                s.confirm(&first, &k, "tester", ts("2026-01-05T10:04:00Z"));
                CheckResult::new(k.clone(), k, Status::Manual)
            } else {
                CheckResult {
                    observed_at: Some(ts("2026-01-05T10:05:00Z")),
                    ..CheckResult::new(k.clone(), k, Status::Pass)
                }
            }
        })
        .collect();
    s.record_run(
        StepReport::new(first.clone(), "t".into(), checks),
        ts("2026-01-05T10:05:00Z"),
    );
    let first_verdict = s.verdict(&first, Some(&loaded.wizard.steps[0])).key();
    assert!(
        matches!(first_verdict, "verified" | "partly_verified"),
        "{first_verdict}"
    );
    env.store().create(s).unwrap();

    let out = env.run(&["export", "rw", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("changed"),
        "{}",
        text(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["wizard"]["changed_since_start"], false);
    assert_eq!(json["steps"][0]["status"], first_verdict);

    // Edit the first step's why text: that step (and only it) must be verified again.
    let edited = original.replacen("why = \"", "why = \"(edited) ", 1);
    assert_ne!(edited, original);
    std::fs::write(&file, edited).unwrap();
    let out_file = env.path("rw.json");
    let out = env.run(&[
        "export",
        "rw",
        "--format",
        "json",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("changed since this session began") && stderr.contains(&first),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(json["wizard"]["changed_since_start"], true);
    assert_eq!(json["reverify"], serde_json::json!([first]));
}

// ---------------------------------------------------------------------------------------------
// Secrets nowhere

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_appear_in_no_file_and_no_export() {
    let env = Env::new();
    let store = env.store();
    let keyring = Keyring::mock();
    let mut secrets: BTreeMap<String, String> = BTreeMap::new();
    for (name, wizard_id, field) in [
        ("acme-at", "topleft-autotask", "secret"),
        ("acme-cw", "topleft-connectwise", "private_key"),
        ("acme-rw", "rewst-autotask", "secret"),
    ] {
        let value = format!("S3cr3t-{name}-7f9c2e1d");
        let r = SecretRef::for_field(name, field);
        keyring
            .store(&r, SecretString::from(value.clone()))
            .await
            .unwrap();
        let mut s = Session::new(name, &builtin(wizard_id), "tester", Timestamp::now()).unwrap();
        s.secrets.insert(field.into(), r.clone());
        s.answers.insert("company".into(), "Acme MSP".into());
        let mut open = store.create(s).unwrap();
        open.session.record_run(
            StepReport::new("security-level".into(), "t".into(), vec![]),
            Timestamp::now(),
        );
        open.save().unwrap();
        // The value is in the keyring, not the session.
        assert_eq!(keyring.load(&r).await.unwrap().expose_secret(), value);
        secrets.insert(name.to_owned(), value);
    }

    let export_dir = env.path("exports");
    std::fs::create_dir_all(&export_dir).unwrap();
    let mut outputs = Vec::new();
    for name in secrets.keys() {
        let session = store.load(name).unwrap();
        let wizard = builtin(&session.wizard.id).wizard;
        for format in [Format::Md, Format::Json, Format::Html] {
            outputs.push(export::render(&session, &wizard, format));
            // And through the binary, to files.
            let path = export_dir.join(format!("{name}.{}", format.extension()));
            let out = env.run(&[
                "export",
                name,
                "--format",
                format.extension(),
                "-o",
                path.to_str().unwrap(),
            ]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            outputs.push(text(&out.stdout));
            outputs.push(text(&out.stderr));
        }
        outputs.push(format!("{session:?}"));
    }
    let list = env.run(&["sessions", "list"]);
    outputs.push(text(&list.stdout));

    let mut files = Vec::new();
    for d in ["state", "config", "cache", "data", "home", "exports"] {
        files_under(&env.path(d), &mut files);
    }
    assert!(
        files.len() >= 3 + 9,
        "sessions and exports were written: {files:?}"
    );
    let mut hits = Vec::new();
    for value in secrets.values() {
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            if bytes.windows(value.len()).any(|w| w == value.as_bytes()) {
                hits.push(f.display().to_string());
            }
        }
        for (i, o) in outputs.iter().enumerate() {
            if o.contains(value.as_str()) {
                hits.push(format!("output #{i}"));
            }
        }
    }
    assert!(hits.is_empty(), "secret found in: {hits:?}");
    // The references are there (so the check above searched the right files).
    let saved = std::fs::read_to_string(store.path("acme-cw")).unwrap();
    assert!(
        saved.contains("account = \"acme-cw/private_key\""),
        "{saved}"
    );
}
