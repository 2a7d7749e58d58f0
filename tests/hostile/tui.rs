//! The interactive wizard on a pseudo-terminal: hostile names shown inert, typed secrets sent
//! as typed, and each network and certificate failure named.

use super::*;

/// Raw terminal output: the TUI's own escape sequences are expected; none of the PSA's.
fn assert_raw_inert(raw: &[u8]) {
    let text = String::from_utf8_lossy(raw);
    for (bad, name) in [
        ("\u{9b}", "C1 CSI"),
        ("\u{9d}", "C1 OSC"),
        ("\u{202e}", "RLO"),
        (OSC52_PAYLOAD, "OSC 52 payload"),
        ("\x1b]52", "OSC 52"),
        ("\x1b]8;", "OSC 8"),
        ("evil.invalid", "OSC 8 target"),
        ("\x1b[2J\x1b[31m", "the PSA's CSI"),
    ] {
        assert!(!text.contains(bad), "TUI output carries {name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_shows_hostile_connectwise_names_inert_and_takes_a_typed_key() {
    let sb = sandbox("configured:topleft-connectwise").await;
    let cw = sb.credentials().connectwise;
    let public = cw.public_key.clone();
    sb.with_tenant(|t| {
        let c = &mut t.connectwise;
        c.company_name = hostile(&c.company_name);
        let k = c.keys.iter_mut().find(|k| k.public_key == public).unwrap();
        k.private_key = SecretString::from(TYPED);
        let member_id = k.member_id;
        let m = c.members.iter_mut().find(|m| m.id == member_id).unwrap();
        m.identifier = hostile(&m.identifier);
        let role_id = m.role_id;
        let r = c.roles.iter_mut().find(|r| r.id == role_id).unwrap();
        r.name = hostile(&r.name);
    });
    let site = sb.connectwise_site();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (raw, screens) = tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn_sized(&["run", "topleft-connectwise"], &path, &[], 40, 160);
        pty.walk_to_connectwise_credentials();
        // Typed, as an admin would: the private key with $ # " \ space and ö.
        pty.send(&format!(
            "{site}\t{}\t{}\t{TYPED}\t{}\r",
            cw.company_id, cw.public_key, cw.client_id
        ));
        let verified = pty.wait_for(&["passed on the PSA"]);
        // Back to the member step, whose checks quote the member and its role.
        pty.send("b");
        let member = pty.wait_for(&["Step 2 of 5", QUOTED]);
        pty.send("\x03");
        pty.wait_exit();
        pty.drain();
        let raw = pty.raw.lock().unwrap().clone();
        (raw, vec![verified, member])
    })
    .await
    .unwrap();
    for s in &screens {
        assert!(!s.contains(TYPED), "the typed key on screen:\n{s}");
    }
    assert_raw_inert(&raw);
    sb.shutdown().await;
}

/// The screen's right-hand pane as one line: text the TUI wrapped over several rows matches.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.rsplit_once('│').map_or(l, |(_, r)| r).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Send `keys`, then wait until the screen says "Not verified" and names every one of `expect`
/// (none of which it showed before, so a stale screen cannot pass).
fn fails_naming(pty: &mut Pty, keys: &str, expect: &[&str]) -> String {
    let before = flat(&pty.screen());
    assert!(
        !expect.iter().all(|e| before.contains(e)),
        "the screen already shows {expect:?}"
    );
    pty.send(keys);
    let start = std::time::Instant::now();
    loop {
        let screen = pty.screen();
        let text = flat(&screen);
        if text.contains("Not verified") && expect.iter().all(|e| text.contains(e)) {
            return screen;
        }
        assert!(
            start.elapsed() < pty::PATIENCE,
            "timed out waiting for {expect:?}; the screen shows:\n{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `v` with `faults` set must fail naming `expect`; the faults are cleared afterwards.
fn verify_under(pty: &mut Pty, sb: &Sandbox, faults: Faults, expect: &[&str]) -> String {
    sb.set_faults(faults);
    let screen = fails_naming(pty, "v", expect);
    sb.set_faults(Faults::default());
    screen
}

/// Issue #7: a hostile or broken network, driven through the real TUI. Each fault ends in a
/// message that names it and says what to do, `v` retries, nothing is followed elsewhere, the
/// terminal is restored and the session keeps every answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_names_each_network_failure_retries_and_keeps_the_session() {
    let sb = std::sync::Arc::new(sandbox("configured:topleft-connectwise").await);
    // Where the redirect points: a second PSA that must never see a request.
    let elsewhere = sandbox("configured:topleft-connectwise").await;
    let cw = sb.credentials().connectwise;
    let (cw_private, cw_public, cw_company) = (
        cw.private_key.clone(),
        cw.public_key.clone(),
        cw.company_id.clone(),
    );
    let site = sb.connectwise_site();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let redirect_to = format!(
        "{}/v4_6_release/apis/3.0/system/info",
        elsewhere.connectwise_site()
    );
    let sb2 = sb.clone();
    let site2 = site.clone();
    let (raw, screens) = tokio::task::spawn_blocking(move || {
        let (sb, site) = (sb2, site2);
        let mut pty = Pty::spawn_sized(
            &["run", "topleft-connectwise", "--timeout", "1"],
            &path,
            &[],
            40,
            160,
        );
        pty.walk_to_connectwise_credentials();
        pty.send(&format!(
            "{site}\t{}\t{}\t{}\t{}\r",
            cw.company_id,
            cw.public_key,
            cw.private_key.expose_secret(),
            cw.client_id
        ));
        pty.wait_for(&["passed on the PSA"]);
        // The steps that waited for the credentials verify too; let them finish first.
        pty.wait_for(&["3/5 done"]);
        let mut screens = Vec::new();
        // Each fault, and the words the failure must name it with.
        let faults: [(Faults, &[&str]); 9] = [
            (
                Faults {
                    latency: std::time::Duration::from_secs(3),
                    ..Faults::default()
                },
                &["did not answer in time", "--timeout"],
            ),
            (
                Faults {
                    drop_next: 100,
                    ..Faults::default()
                },
                &[
                    "connection closed before message completed",
                    "connection closed before the PSA answered",
                ],
            ),
            (
                Faults {
                    reset_next: 100,
                    ..Faults::default()
                },
                &[
                    "the connection was reset before the PSA answered",
                    "connection closed before the PSA answered",
                ],
            ),
            (
                Faults {
                    server_error_next: 100,
                    server_error_message: Some(hostile("Service Unavailable")),
                    ..Faults::default()
                },
                &[
                    "HTTP 503",
                    "Service Unavailable",
                    "reported an error of its own",
                ],
            ),
            (
                Faults {
                    rate_limit_next: 100,
                    retry_after_secs: 600,
                    ..Faults::default()
                },
                &["retry after 600 s", "limiting requests"],
            ),
            (
                Faults {
                    malformed_json_next: 100,
                    ..Faults::default()
                },
                &["invalid JSON (expected", "did not come from the PSA's API"],
            ),
            (
                Faults {
                    html_next: 100,
                    ..Faults::default()
                },
                &["an HTML page where JSON was expected (a Wi-Fi sign-in page"],
            ),
            (
                Faults {
                    oversized_next: 100,
                    ..Faults::default()
                },
                &["the answer is larger than 4096 KiB; refusing to read it"],
            ),
            (
                Faults {
                    redirect_next: 100,
                    redirect_to,
                    ..Faults::default()
                },
                &["psa-onboard does not follow redirects"],
            ),
        ];
        for (faults, expect) in faults {
            screens.push(verify_under(&mut pty, &sb, faults, expect));
        }
        // The network is back: `v` verifies, and the answers typed at the start still stand.
        pty.send("v");
        screens.push(pty.wait_for(&["passed on the PSA", &site]));
        pty.send("q");
        assert!(pty.wait_exit().success(), "quit exits 0");
        pty.assert_restored();
        let raw = pty.raw.lock().unwrap().clone();
        (raw, screens)
    })
    .await
    .unwrap();
    assert_raw_inert(&raw);
    for s in &screens {
        assert!(
            !s.contains(cw_private.expose_secret()),
            "the private key on screen:\n{s}"
        );
    }
    assert!(elsewhere.requests().is_empty(), "the redirect was followed");
    // The session survived every failure: same step, same answers, the last run verified.
    let store = psa_onboard::session::Store::at(dir.path().join("sessions"));
    let listing = store.list();
    assert_eq!(listing.sessions.len(), 1, "{listing:?}");
    let session = &listing.sessions[0];
    let w = wizard("topleft-connectwise");
    assert_eq!(
        session.current_step.as_deref(),
        Some(w.steps[2].id.as_str())
    );
    let text = toml::to_string(session).unwrap();
    for typed in [&site, &cw_public, &cw_company] {
        assert!(text.contains(typed.as_str()), "{typed} lost:\n{text}");
    }
    assert!(
        !text.contains(cw_private.expose_secret()),
        "the private key on disk"
    );
    let record = &session.steps[&w.steps[2].id];
    let verdict = session.verdict(&w.steps[2].id, Some(&w.steps[2]));
    assert!(verdict.is_observed(), "{verdict:?} {record:?}");
    // The steps verified before the trouble stay verified.
    for earlier in &w.steps[..2] {
        let v = session.verdict(&earlier.id, Some(earlier));
        assert!(v.is_done(), "{}: {v:?}", earlier.id);
    }
    // Every failed attempt is on record (first pass, nine faults, the final pass), each
    // quoting what went wrong, inert.
    let firsts: Vec<_> = record
        .runs
        .iter()
        .map(|r| r.report.checks[0].detail.clone())
        .collect();
    assert_eq!(record.runs.len(), 11, "{firsts:#?}");
    let failed: Vec<_> = record.runs[1..10]
        .iter()
        .map(|r| r.report.checks[0].detail.clone())
        .collect();
    assert!(
        failed.iter().all(|d| d.contains("did not resolve")),
        "{failed:#?}"
    );
    assert_inert("the session file", &text);
    match std::sync::Arc::try_unwrap(sb) {
        Ok(sb) => sb.shutdown().await,
        Err(_) => panic!("sandbox still shared"),
    }
    elsewhere.shutdown().await;
}

/// The Autotask half of the TUI test: hostile security-level names from the PSA are drawn
/// inert, and a secret typed with `$ # " \`, quotes and spaces signs in as typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_shows_hostile_autotask_level_names_inert_and_takes_a_typed_secret() {
    let sb = sandbox("configured:topleft-autotask").await;
    let at = sb.credentials().autotask;
    let user = at.username.clone();
    sb.with_tenant(|t| {
        let a = &mut t.autotask;
        let r = a
            .resources
            .iter_mut()
            .find(|r| r.user_name == user)
            .unwrap();
        r.secret = SecretString::from(TYPED_ASCII);
        for l in a.levels.iter_mut() {
            l.name = hostile(&l.name);
        }
    });
    let root = sb.autotask_api_root();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let (raw, screens) = tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn_sized(&["run", "topleft-autotask"], &path, &[], 40, 160);
        pty.wait_for(&["Step 1 of 6"]);
        // The level waits for the API user's credentials (step 2).
        pty.send_wait(&pty::tick_manual_items("topleft-autotask", 0), &["n next"]);
        pty.send_wait("n", &["Step 2 of 6", "Connection details"]);
        // Username, secret, tracking identifier, and the sandbox's zone-lookup root.
        pty.send(&format!(
            "{}\t{TYPED_ASCII}\t{}\t\x15{root}\r",
            at.username, at.integration_code
        ));
        // The typed secret signs in; the level check quotes the (renamed) level, inert.
        let verified = pty.wait_for(&[
            "✓ The username, password and TopLeft's tracking identifier sign in",
            // A differently named level is the admin's choice: a warning.
            "⚠ The API user has the \"TopLeft\" security level",
            QUOTED,
        ]);
        pty.quit_with("q");
        let raw = pty.raw.lock().unwrap().clone();
        (raw, vec![verified])
    })
    .await
    .unwrap();
    for s in &screens {
        assert!(!s.contains(TYPED_ASCII), "the typed secret on screen:\n{s}");
    }
    assert_raw_inert(&raw);
    sb.shutdown().await;
}

/// Issue #7: each TLS failure, through the real TUI, is named plainly, sends nothing, and the
/// admin fixes the address (e) and goes on with the session intact. One run visits six HTTPS
/// sandboxes; `--ca-cert` trusts the private roots of the ones whose trust is not the problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_names_each_certificate_failure_and_sends_nothing() {
    use psa_onboard::sandbox::CertMode;
    let https = |cert| {
        Sandbox::start(SandboxOptions {
            scenario: "configured:topleft-connectwise".into(),
            tls: true,
            cert,
            ..SandboxOptions::default()
        })
    };
    let self_signed = https(CertMode::SelfSigned).await.unwrap();
    let untrusted = https(CertMode::Chained).await.unwrap();
    let incomplete = https(CertMode::IncompleteChain).await.unwrap();
    let expired = https(CertMode::Expired).await.unwrap();
    let wrong_host = https(CertMode::WrongHost).await.unwrap();
    let good = https(CertMode::Chained).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("private-roots.pem");
    let roots: Vec<String> = [&incomplete, &expired, &wrong_host, &good]
        .iter()
        .map(|sb| sb.root_cert_pem().expect("an HTTPS sandbox has a root"))
        .collect();
    std::fs::write(&bundle, roots.concat()).unwrap();
    let cw = good.credentials().connectwise;
    let sites: Vec<String> = [
        &self_signed,
        &untrusted,
        &incomplete,
        &expired,
        &wrong_host,
        &good,
    ]
    .iter()
    .map(|sb| sb.connectwise_site())
    .collect();
    assert!(sites.iter().all(|s| s.starts_with("https://")), "{sites:?}");
    let path = dir.path().to_path_buf();
    let sites2 = sites.clone();
    let private = cw.private_key.clone();
    let shown_secret = private.expose_secret().to_string();
    let screens = tokio::task::spawn_blocking(move || {
        let sites = sites2;
        let ca = bundle.to_string_lossy().into_owned();
        let mut pty = Pty::spawn_sized(
            &["run", "topleft-connectwise", "--ca-cert", &ca],
            &path,
            &[],
            40,
            160,
        );
        pty.walk_to_connectwise_credentials();
        let mut screens = vec![fails_naming(
            &mut pty,
            &format!(
                "{}\t{}\t{}\t{}\t{}\r",
                sites[0],
                cw.company_id,
                cw.public_key,
                private.expose_secret(),
                cw.client_id
            ),
            &["certificate is self-signed", "Nothing was sent"],
        )];
        // e: back into the form; Shift+Tab up to the site; Ctrl+U clears it; Enter walks on
        // through the kept values and submits.
        let edit_site = |site: &str| format!("e{}\x15{site}\r\r\r\r\r", "\x1b[Z".repeat(5));
        for (site, expect) in sites[1..5].iter().zip([
            "issued by an authority this computer does not trust",
            "did not send the intermediate certificate",
            "certificate has expired",
            "certificate is for a different host name",
        ]) {
            screens.push(fails_naming(&mut pty, &edit_site(site), &[expect, site]));
        }
        pty.send(&edit_site(&sites[5]));
        screens.push(pty.wait_for(&["passed on the PSA", &sites[5]]));
        pty.send("q");
        assert!(pty.wait_exit().success(), "quit exits 0");
        pty.assert_restored();
        screens
    })
    .await
    .unwrap();
    for s in &screens {
        assert!(
            !s.contains(&shown_secret),
            "the private key on screen:\n{s}"
        );
    }
    // Not one request reached a server whose certificate was refused.
    for (sb, name) in [
        (&self_signed, "self-signed"),
        (&untrusted, "untrusted"),
        (&incomplete, "incomplete chain"),
        (&expired, "expired"),
        (&wrong_host, "wrong host"),
    ] {
        assert!(sb.requests().is_empty(), "{name}: {:?}", sb.requests());
    }
    assert!(!good.requests().is_empty());
    let store = psa_onboard::session::Store::at(dir.path().join("sessions"));
    let listing = store.list();
    assert_eq!(listing.sessions.len(), 1, "{listing:?}");
    let session = &listing.sessions[0];
    let text = toml::to_string(session).unwrap();
    assert!(
        text.contains(&sites[5]),
        "the corrected site is saved:\n{text}"
    );
    let w = wizard("topleft-connectwise");
    assert!(
        session
            .verdict(&w.steps[2].id, Some(&w.steps[2]))
            .is_observed()
    );
    for sb in [
        self_signed,
        untrusted,
        incomplete,
        expired,
        wrong_host,
        good,
    ] {
        sb.shutdown().await;
    }
}
