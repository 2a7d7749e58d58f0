//! Issue #7: hostile strings from the PSA never reach the admin's terminal or an export as
//! control sequences, typed secrets travel byte for byte, and unsafe URLs are refused before any
//! traffic. Everything runs against the embedded sandbox on 127.0.0.1.

use std::process::Command;

use psa_onboard::connection::Connection;
use psa_onboard::export::{self, Format};
use psa_onboard::sandbox::{Faults, Sandbox, SandboxOptions};
use psa_onboard::secrets::{Keyring, SecretRef};
use psa_onboard::session::model::VerificationRun;
use psa_onboard::verify::{CheckResult, Report, Status, VerifyOptions, verify_all, verify_step};
use psa_onboard::wizard::{self, Wizard};
use secrecy::{ExposeSecret, SecretString};

#[path = "common/mod.rs"]
mod common;
use common::check::{self, output as run};
use common::connection::{autotask, connectwise, with_autotask, with_connectwise};
use common::pty::{self, Pty};
use common::sandbox::{connection, sandbox};
use common::wizards::wizard;

/// Issue #13: wizard files, the wizard directory and `--ca-cert`.
#[path = "hostile/files.rs"]
mod files;

/// Issue #13: answers from servers psa-onboard does not control.
#[path = "hostile/servers.rs"]
mod servers;

/// The interactive wizard: hostile names shown inert, typed secrets sent as typed, and each
/// network and certificate failure named.
#[path = "hostile/tui.rs"]
mod tui;

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
    check::connection_env(&mut cmd, conn);
    cmd
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
    let typed =
        |key: &str| with_connectwise(connection(&sb, &w), |_, k| *k = SecretString::from(key));
    let conn = typed(TYPED);
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let cred = r.checks.iter().find(|c| c.id == "credentials").unwrap();
    assert_eq!(cred.status, Status::Pass, "{}", line("api-keys", cred));
    // Through the real binary too: the environment carries the same bytes.
    let out = run(check_cmd(&w, &conn, "json")).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains(TYPED));
    // One byte different is refused: the comparison is exact, not normalised.
    let conn = typed("p@$$ #\"\\ word");
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
    let conn = with_autotask(connection(&sb, &w), |_, s| *s = SecretString::from(typed));
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
    // .invalid never resolves; the refusal must come before any lookup anyway.
    for (id, conn) in [
        (
            "topleft-autotask",
            autotask(
                "http://example.invalid/atservicesrest",
                "topleft-api@acme.example",
                "CODE",
                TYPED_ASCII,
            ),
        ),
        (
            "topleft-connectwise",
            connectwise(
                "http://example.invalid",
                "acme",
                "pub",
                "1a2b3c4d-0000-4000-8000-00000000abcd",
                TYPED_ASCII,
            ),
        ),
    ] {
        let out = run(check_cmd(&wizard(id), &conn, "human")).await;
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(matches!(out.status.code(), Some(1 | 2)), "{id}: {all}");
        assert!(
            all.contains("https://") && all.contains("plain http://"),
            "{id}: {all}"
        );
        assert!(!all.contains(TYPED_ASCII), "{id}");
    }
}

#[tokio::test]
async fn a_clientid_that_is_not_a_guid_is_reported() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let conn = with_connectwise(connection(&sb, &w), |t, _| {
        t.client_id = "not-a-guid".into()
    });
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
