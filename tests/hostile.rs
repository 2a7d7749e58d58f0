//! Issue #7: hostile strings from the PSA never reach the admin's terminal or an export as
//! control sequences, typed secrets travel byte for byte, and unsafe URLs are refused before any
//! traffic. Everything runs against the embedded sandbox on 127.0.0.1.

use std::process::{Command, Output};

use psa_onboard::connection::{AutotaskTarget, Connection, ConnectwiseTarget};
use psa_onboard::export::{self, Format};
use psa_onboard::sandbox::{Faults, Sandbox, SandboxOptions};
use psa_onboard::secrets::{Keyring, SecretRef};
use psa_onboard::session::model::VerificationRun;
use psa_onboard::verify::{CheckResult, Report, Status, VerifyOptions, verify_all, verify_step};
use psa_onboard::wizard::{self, Wizard};
use secrecy::{ExposeSecret, SecretString};

/// Issue #13: wizard files, the wizard directory and `--ca-cert`.
#[path = "hostile/files.rs"]
mod files;

/// Issue #13: answers from servers psa-onboard does not control.
#[path = "hostile/servers.rs"]
mod servers;

/// base64 of "rm -rf ~": the clipboard payload an OSC 52 write would plant.
const OSC52_PAYLOAD: &str = "cm0gLXJmIH4=";

/// The text after the bidi override: shown only if a hostile name was quoted back.
const QUOTED: &str = "txt.exe";

/// `visible` wrapped in every kind of hostile sequence the issue names.
fn hostile(visible: &str) -> String {
    format!(
        "\x1b[2J\x1b[31m{visible}\x1b[0m\x1b]52;c;{OSC52_PAYLOAD}\x07\
         \x1b]8;;http://evil.invalid/\x1b\\ here\x1b]8;;\x1b\\\u{9b}31m\u{9d}0;pwned\u{9c}\u{202e}txt.exe"
    )
}

/// No control sequence, C1 byte, OSC 52 payload or bidi override survives in `out`.
fn assert_inert(what: &str, out: &str) {
    for (bad, name) in [
        ("\u{1b}", "ESC"),
        ("\\u001b", "escaped ESC"),
        ("\\u001B", "escaped ESC"),
        ("\u{9b}", "C1 CSI"),
        ("\u{9d}", "C1 OSC"),
        ("\u{9c}", "C1 ST"),
        ("\\u009b", "escaped C1 CSI"),
        ("\\u009d", "escaped C1 OSC"),
        ("\u{202e}", "RLO"),
        ("\\u202e", "escaped RLO"),
        (OSC52_PAYLOAD, "OSC 52 payload"),
        ("evil.invalid", "OSC 8 target"),
    ] {
        assert!(!out.contains(bad), "{what}: {name} leaked:\n{out}");
    }
}

fn wizard(id: &str) -> Wizard {
    wizard::resolve(id, None).expect("built-in wizard").wizard
}

async fn sandbox(scenario: &str) -> Sandbox {
    Sandbox::start(SandboxOptions {
        scenario: scenario.into(),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn connection(sb: &Sandbox, w: &Wizard) -> Connection {
    sb.connection(w.psa)
}

/// `psa-onboard check` with the connection's details in the environment, proxies removed.
fn check_cmd(w: &Wizard, conn: &Connection, format: &str) -> Command {
    check_cmd_with(&w.id, conn, format)
}

/// The same for a wizard named by id or path.
fn check_cmd_with(wizard: &str, conn: &Connection, format: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
    cmd.args(["check", "--wizard", wizard, "--format", format])
        .env(
            "PSA_ONBOARD_WIZARD_DIR",
            "/nonexistent-psa-onboard-test-dir",
        )
        .env("NO_COLOR", "1")
        // The log goes to a scratch directory, not the user's state directory.
        .env(
            "PSA_ONBOARD_STATE_DIR",
            std::env::temp_dir().join("psa-onboard-hostile-tests"),
        );
    for k in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(k);
    }
    match conn {
        Connection::Autotask { target, secret } => {
            cmd.env("AUTOTASK_API_ROOT", &target.api_root)
                .env("AUTOTASK_USERNAME", &target.username)
                .env("AUTOTASK_SECRET", secret.expose_secret())
                .env("AUTOTASK_INTEGRATION_CODE", &target.integration_code);
        }
        Connection::Connectwise {
            target,
            private_key,
        } => {
            cmd.env("CONNECTWISE_SITE", &target.site)
                .env("CONNECTWISE_COMPANY_ID", &target.company_id)
                .env("CONNECTWISE_PUBLIC_KEY", &target.public_key)
                .env("CONNECTWISE_PRIVATE_KEY", private_key.expose_secret())
                .env("CONNECTWISE_CLIENT_ID", &target.client_id);
        }
    }
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dump(r: &Report) -> String {
    r.steps
        .iter()
        .flat_map(|s| s.checks.iter().map(move |c| line(&s.id, c)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn line(step: &str, c: &CheckResult) -> String {
    format!(
        "{step}/{} [{}] {} — {} — {}",
        c.id,
        c.status.label(),
        c.title,
        c.detail,
        c.remedy
    )
}

/// Runs `check` (human and JSON) and renders a session export of the same report in every
/// format; none may carry a hostile byte, and each must still show `visible` text.
async fn assert_every_output_inert(w: &Wizard, conn: &Connection, visible: &[&str]) {
    for format in ["human", "json"] {
        let out = run(check_cmd(w, conn, format)).await;
        let stdout = text(&out.stdout);
        let stderr = text(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{format}: exit {:?}\n{stdout}\n{stderr}",
            out.status
        );
        assert_inert(&format!("check --format {format} stdout"), &stdout);
        assert_inert(&format!("check --format {format} stderr"), &stderr);
        for v in visible {
            assert!(stdout.contains(v), "{format}: {v:?} not shown:\n{stdout}");
        }
        if format == "json" {
            serde_json::from_str::<serde_json::Value>(&stdout).expect("valid JSON");
        }
    }

    // The same verification, recorded in a session and exported.
    let report = verify_all(w, conn, &VerifyOptions::default()).await;
    let (mut session, _) = export::example::session();
    session.wizard.id = w.id.clone();
    session.wizard.psa = w.psa;
    session.steps.clear();
    for step in &report.steps {
        let rec = session.steps.entry(step.id.clone()).or_default();
        rec.runs.push(VerificationRun {
            at: "2026-01-05T10:00:00Z".parse().unwrap(),
            report: step.clone(),
        });
    }
    for format in [Format::Md, Format::Json, Format::Html] {
        let out = export::render(&session, w, format);
        assert_inert(&format!("export {format:?}"), &out);
        for v in visible {
            assert!(out.contains(v), "export {format:?}: {v:?} missing:\n{out}");
        }
    }
}

#[tokio::test]
async fn hostile_connectwise_names_are_shown_inert() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let public = sb.credentials().connectwise.public_key;
    sb.with_tenant(|t| {
        let cw = &mut t.connectwise;
        // companyinfo's CompanyName, which the company check quotes.
        cw.company_name = hostile(&cw.company_name);
        let member_id = cw
            .keys
            .iter()
            .find(|k| k.public_key == public)
            .expect("API key")
            .member_id;
        let m = cw.members.iter_mut().find(|m| m.id == member_id).unwrap();
        m.identifier = hostile(&m.identifier);
        m.first_name = hostile(&m.first_name);
        let role_id = m.role_id;
        let r = cw.roles.iter_mut().find(|r| r.id == role_id).unwrap();
        r.name = hostile(&r.name);
        // A module and a function name as mySecurity reports them.
        let (module, function) = cw.catalogue[0].clone();
        let (hm, hf) = (hostile(&module), hostile(&function));
        cw.catalogue[0] = (hm.clone(), hf.clone());
        for r in cw.roles.iter_mut() {
            if let Some(v) = r.settings.remove(&(module.clone(), function.clone())) {
                r.settings.insert((hm.clone(), hf.clone()), v);
            }
        }
    });
    let conn = connection(&sb, &w);
    assert_every_output_inert(&w, &conn, &["TopLeft", QUOTED]).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn hostile_autotask_level_names_are_shown_inert() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let user = sb.credentials().autotask.username;
    let level = sb.with_tenant(|t| {
        let at = &mut t.autotask;
        let api_level = at
            .resources
            .iter()
            .find(|r| r.user_name == user)
            .expect("API user")
            .user_type;
        let mut visible = String::new();
        // Every level: the API user's and the ones human resources hold.
        for l in at.levels.iter_mut() {
            if l.id == api_level {
                visible = l.name.clone();
            }
            l.name = hostile(&l.name);
        }
        visible
    });
    assert!(!level.is_empty());
    let conn = connection(&sb, &w);
    assert_every_output_inert(&w, &conn, &[&level, QUOTED]).await;
    sb.shutdown().await;
}

/// A typed secret with shell metacharacters, quotes, a backslash, spaces and non-ASCII.
const TYPED: &str = "p@$$ #\"\\ wörd";
/// The same without non-ASCII (what an HTTP header can carry as-is).
const TYPED_ASCII: &str = "p@$$ #\"\\ word`'";

#[tokio::test]
async fn connectwise_private_key_travels_byte_for_byte() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let public = sb.credentials().connectwise.public_key;
    sb.with_tenant(|t| {
        let k = t
            .connectwise
            .keys
            .iter_mut()
            .find(|k| k.public_key == public)
            .unwrap();
        k.private_key = SecretString::from(TYPED);
    });
    let mut conn = connection(&sb, &w);
    if let Connection::Connectwise { private_key, .. } = &mut conn {
        *private_key = SecretString::from(TYPED);
    }
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let cred = r.checks.iter().find(|c| c.id == "credentials").unwrap();
    assert_eq!(cred.status, Status::Pass, "{}", line("api-keys", cred));
    // Through the real binary too: the environment carries the same bytes.
    let out = run(check_cmd(&w, &conn, "json")).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains(TYPED));
    // One byte different is refused: the comparison is exact, not normalised.
    if let Connection::Connectwise { private_key, .. } = &mut conn {
        *private_key = SecretString::from("p@$$ #\"\\ word");
    }
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let cred = r.checks.iter().find(|c| c.id == "credentials").unwrap();
    assert_eq!(cred.status, Status::Fail, "{}", line("api-keys", cred));
    sb.shutdown().await;
}

async fn autotask_sign_in(typed: &str) -> (Report, Sandbox) {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let user = sb.credentials().autotask.username;
    sb.with_tenant(|t| {
        let r = t
            .autotask
            .resources
            .iter_mut()
            .find(|r| r.user_name == user)
            .unwrap();
        r.secret = SecretString::from(typed);
    });
    let mut conn = connection(&sb, &w);
    if let Connection::Autotask { secret, .. } = &mut conn {
        *secret = SecretString::from(typed);
    }
    let r = verify_step(&w, "api-user", &conn, &VerifyOptions::default(), &|_| {}).await;
    (Report::new(w.id.clone(), "autotask".into(), vec![r]), sb)
}

#[tokio::test]
async fn autotask_secret_travels_byte_for_byte_or_is_refused_clearly() {
    let (r, sb) = autotask_sign_in(TYPED_ASCII).await;
    let cred = r.steps[0]
        .checks
        .iter()
        .find(|c| c.id == "credentials")
        .unwrap();
    assert_eq!(cred.status, Status::Pass, "{}", dump(&r));
    sb.shutdown().await;

    let (r, sb) = autotask_sign_in(TYPED).await;
    let cred = r.steps[0]
        .checks
        .iter()
        .find(|c| c.id == "credentials")
        .unwrap();
    // A header value carries only ASCII: the client refuses clearly instead of sending altered
    // bytes that Autotask would refuse (and count toward the lockout).
    assert_eq!(cred.status, Status::Fail, "{}", dump(&r));
    assert!(
        cred.detail
            .contains("secret (password) contains characters")
            && cred.detail.contains("nothing was sent"),
        "{}",
        dump(&r)
    );
    assert!(!cred.detail.contains(TYPED), "the secret is never quoted");
    assert!(
        sb.requests().iter().all(|q| !q
            .header_names
            .iter()
            .any(|h| h.eq_ignore_ascii_case("secret"))),
        "no request carried the secret"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn keyring_round_trips_a_typed_secret_byte_for_byte() {
    let k = Keyring::mock();
    let reference = SecretRef::for_field("hostile-typed", "secret");
    k.store(&reference, SecretString::from(TYPED))
        .await
        .unwrap();
    let back = k.load(&reference).await.unwrap();
    assert_eq!(back.expose_secret().as_bytes(), TYPED.as_bytes());
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_traffic() {
    let w = wizard("topleft-autotask");
    let conn = Connection::Autotask {
        target: AutotaskTarget {
            // .invalid never resolves; the refusal must come before any lookup anyway.
            api_root: "http://example.invalid/atservicesrest".into(),
            username: "topleft-api@acme.example".into(),
            integration_code: "CODE".into(),
        },
        secret: SecretString::from(TYPED_ASCII),
    };
    let out = run(check_cmd(&w, &conn, "human")).await;
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(matches!(out.status.code(), Some(1 | 2)), "{all}");
    assert!(
        all.contains("https://") && all.contains("plain http://"),
        "{all}"
    );
    assert!(!all.contains(TYPED_ASCII));

    let w = wizard("topleft-connectwise");
    let conn = Connection::Connectwise {
        target: ConnectwiseTarget {
            site: "http://example.invalid".into(),
            company_id: "acme".into(),
            public_key: "pub".into(),
            client_id: "1a2b3c4d-0000-4000-8000-00000000abcd".into(),
        },
        private_key: SecretString::from(TYPED_ASCII),
    };
    let out = run(check_cmd(&w, &conn, "human")).await;
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(matches!(out.status.code(), Some(1 | 2)), "{all}");
    assert!(
        all.contains("https://") && all.contains("plain http://"),
        "{all}"
    );
    assert!(!all.contains(TYPED_ASCII));
}

#[tokio::test]
async fn a_clientid_that_is_not_a_guid_is_reported() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let mut conn = connection(&sb, &w);
    if let Connection::Connectwise { target, .. } = &mut conn {
        target.client_id = "not-a-guid".into();
    }
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let cid = r
        .steps
        .iter()
        .flat_map(|s| s.checks.iter())
        .find(|c| c.id == "client-id")
        .unwrap();
    assert_eq!(cid.status, Status::Fail, "{}", dump(&r));
    assert!(
        cid.detail.contains("\"not-a-guid\" is not a GUID"),
        "{}",
        cid.detail
    );
    sb.shutdown().await;
}

#[path = "common/pty.rs"]
mod pty;
use pty::Pty;

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
        let slow = Faults {
            latency: std::time::Duration::from_secs(3),
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            slow,
            &["did not answer in time", "--timeout"],
        ));
        let dropped = Faults {
            drop_next: 100,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            dropped,
            &[
                "connection closed before message completed",
                "connection closed before the PSA answered",
            ],
        ));
        let reset = Faults {
            reset_next: 100,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            reset,
            &[
                "the connection was reset before the PSA answered",
                "connection closed before the PSA answered",
            ],
        ));
        let outage = Faults {
            server_error_next: 100,
            server_error_message: Some(hostile("Service Unavailable")),
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            outage,
            &[
                "HTTP 503",
                "Service Unavailable",
                "reported an error of its own",
            ],
        ));
        let throttled = Faults {
            rate_limit_next: 100,
            retry_after_secs: 600,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            throttled,
            &["retry after 600 s", "limiting requests"],
        ));
        let truncated = Faults {
            malformed_json_next: 100,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            truncated,
            &["invalid JSON (expected", "did not come from the PSA's API"],
        ));
        let portal = Faults {
            html_next: 100,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            portal,
            &["an HTML page where JSON was expected (a Wi-Fi sign-in page"],
        ));
        let huge = Faults {
            oversized_next: 100,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            huge,
            &["the answer is larger than 4096 KiB; refusing to read it"],
        ));
        let moved = Faults {
            redirect_next: 100,
            redirect_to,
            ..Faults::default()
        };
        screens.push(verify_under(
            &mut pty,
            &sb,
            moved,
            &["psa-onboard does not follow redirects"],
        ));
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
        pty.send(&pty::tick_manual_items("topleft-autotask", 0));
        pty.wait_for(&["n next"]);
        pty.send("n");
        pty.wait_for(&["Step 2 of 6", "Connection details"]);
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
        pty.send("q");
        assert!(pty.wait_exit().success());
        pty.assert_restored();
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

/// The log quotes the PSA too (retries name what the PSA said): the real binary's log file,
/// at debug level, carries a hostile error message as one inert line.
#[tokio::test]
async fn hostile_error_text_reaches_the_log_inert() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    sb.set_faults(Faults {
        server_error_next: 100,
        server_error_message: Some(hostile("Service Unavailable")),
        ..Faults::default()
    });
    let state = tempfile::tempdir().unwrap();
    let mut cmd = check_cmd(&w, &connection(&sb, &w), "human");
    cmd.env("PSA_ONBOARD_STATE_DIR", state.path())
        .env("PSA_ONBOARD_LOG", "debug");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("reported an error of its own"), "{stdout}");
    assert_inert("check stdout", &stdout);
    let log = std::fs::read_to_string(state.path().join("logs").join("psa-onboard.log")).unwrap();
    assert!(
        log.contains("Service Unavailable"),
        "the PSA's words were logged:\n{log}"
    );
    assert_inert("the log", &log);
    assert!(
        log.lines().all(|l| l.starts_with("20")),
        "every line is a log event of its own:\n{log}"
    );
    sb.shutdown().await;
}
