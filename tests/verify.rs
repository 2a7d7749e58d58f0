//! The verification engine and `psa-onboard check` against the embedded sandbox, over real
//! HTTP(S) on 127.0.0.1: configured tenants pass, each class of admin mistake gives the right
//! failing or warning check with a remedy, throttling is honoured, and a refused sign-in is
//! never repeated.

#[path = "common/check.rs"]
mod check_env;

use std::process::Command;
use std::sync::{Arc, Mutex};

use psa_onboard::connection::{AutotaskTarget, Connection, ConnectwiseTarget};
use psa_onboard::sandbox::{
    CertMode, CwLevel, EntityAccess, Faults, LICENSE_API_USER, RoleSetting, Sandbox,
    SandboxOptions, SecurityLevel, WRONG_HOST_NAME,
};
use psa_onboard::verify::{
    AdminKeys, Blocked, CheckResult, Report, Status, Verifier, VerifyOptions, describe_writes,
    verify_all, verify_step,
};
use psa_onboard::wizard::{self, Psa, Wizard};
use secrecy::SecretString;

/// Every built-in wizard, by id (its file's name): a new built-in is covered without a list to
/// update.
fn wizards() -> impl Iterator<Item = &'static str> {
    wizard::load::BUILTIN
        .iter()
        .map(|(file, _)| file.trim_end_matches(".toml"))
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

fn with_autotask(
    conn: Connection,
    f: impl FnOnce(&mut AutotaskTarget, &mut SecretString),
) -> Connection {
    match conn {
        Connection::Autotask {
            mut target,
            mut secret,
        } => {
            f(&mut target, &mut secret);
            Connection::Autotask { target, secret }
        }
        other => panic!("not an Autotask connection: {other:?}"),
    }
}

fn with_connectwise(
    conn: Connection,
    f: impl FnOnce(&mut ConnectwiseTarget, &mut SecretString),
) -> Connection {
    match conn {
        Connection::Connectwise {
            mut target,
            mut private_key,
        } => {
            f(&mut target, &mut private_key);
            Connection::Connectwise {
                target,
                private_key,
            }
        }
        other => panic!("not a ConnectWise connection: {other:?}"),
    }
}

fn check<'a>(r: &'a Report, step: &str, id: &str) -> &'a CheckResult {
    r.steps
        .iter()
        .find(|s| s.id == step)
        .and_then(|s| s.checks.iter().find(|c| c.id == id))
        .unwrap_or_else(|| panic!("no check {step}/{id} in\n{}", dump(r)))
}

/// The row check whose title names `subject`.
fn row<'a>(r: &'a Report, step: &str, subject: &str) -> &'a CheckResult {
    r.steps
        .iter()
        .find(|s| s.id == step)
        .and_then(|s| {
            s.checks
                .iter()
                .find(|c| c.id.starts_with("row-") && c.title.ends_with(&format!("› {subject}")))
        })
        .unwrap_or_else(|| panic!("no row {subject} in {step}:\n{}", dump(r)))
}

fn dump(r: &Report) -> String {
    r.steps
        .iter()
        .flat_map(|s| {
            s.checks.iter().map(move |c| {
                format!(
                    "{}/{} [{}] {} — {}",
                    s.id,
                    c.id,
                    c.status.label(),
                    c.title,
                    c.detail
                )
            })
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn statuses(r: &Report) -> Vec<Status> {
    r.steps
        .iter()
        .flat_map(|s| s.checks.iter().map(|c| c.status))
        .collect()
}

/// Requests that carried the Autotask credential headers.
fn credentialed(sb: &Sandbox) -> Vec<psa_onboard::sandbox::RecordedRequest> {
    sb.requests()
        .into_iter()
        .filter(|r| {
            r.header_names
                .iter()
                .any(|h| h.eq_ignore_ascii_case("secret"))
        })
        .collect()
}

#[tokio::test]
async fn configured_wizards_pass_every_api_check() {
    // Every part of the guide, its optional steps too (`configured:<id>` applies them all).
    let all = VerifyOptions {
        with: ["all".to_string()].into(),
        ..VerifyOptions::default()
    };
    for id in wizards() {
        let w = wizard(id);
        let sb = sandbox(&format!("configured:{id}")).await;
        let r = verify_all(&w, &connection(&sb, &w), &all).await;
        assert!(r.ok, "{id}:\n{}", dump(&r));
        let s = statuses(&r);
        assert!(!s.contains(&Status::Fail), "{id}:\n{}", dump(&r));
        let passed = s.iter().filter(|s| **s == Status::Pass).count();
        assert!(passed >= 6, "{id}: only {passed} passes\n{}", dump(&r));
        // Every row the API can observe passed; the rest are honest manual checks.
        for step in &r.steps {
            for c in &step.checks {
                let wstep = w.step(&step.id).unwrap();
                if let Some(n) = c.id.strip_prefix("row-") {
                    let prow = &wstep.permissions[n.parse::<usize>().unwrap() - 1];
                    let observable = w.psa == Psa::Connectwise && prow.manual_reason().is_none()
                        || prow.verify.as_ref().is_some_and(|v| v.manual.is_none());
                    let want = if observable {
                        Status::Pass
                    } else {
                        Status::Manual
                    };
                    assert_eq!(c.status, want, "{id} {}/{}: {}", step.id, c.id, c.detail);
                }
                assert!(
                    c.status == Status::Pass || !c.detail.is_empty(),
                    "{id} {} has no detail",
                    c.id
                );
            }
        }
        // One sign-in for the whole run (Autotask: the API user's own Resources query, which
        // also reads the people the impersonation checks list). Nothing credentialed goes out
        // before it has answered... (asserted with latency in `probe_plan`).
        if w.psa == Psa::Autotask {
            let reqs = credentialed(&sb);
            let first = &reqs[0];
            assert!(
                first.path.ends_with("/Resources/query"),
                "{id}: {}",
                first.path
            );
            let filter = first.body.as_ref().map(|b| b["Filter"].to_string());
            assert!(
                filter.is_some_and(|f| f.contains("userName")),
                "{id}: the sign-in asks for the API user itself"
            );
            let versions = reqs.iter().filter(|q| q.path.ends_with("/Version")).count();
            assert_eq!(versions, 0, "{id}");
        }
    }
}

#[tokio::test]
async fn check_binary_exits_0_for_configured_wizards_and_prints_the_json_contract() {
    for id in wizards() {
        let w = wizard(id);
        let sb = sandbox(&format!("configured:{id}")).await;
        let c = sb.credentials();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
        cmd.args(["check", "--wizard", id, "--format", "json"]).env(
            "PSA_ONBOARD_WIZARD_DIR",
            "/nonexistent-psa-onboard-test-dir",
        );
        check_env::sandbox_env(&mut cmd, &sb, w.psa, &c);
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
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
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
        cmd.args(["check", "--wizard", id])
            .env("NO_COLOR", "1")
            .env(
                "PSA_ONBOARD_WIZARD_DIR",
                "/nonexistent-psa-onboard-test-dir",
            );
        check_env::sandbox_env(&mut cmd, &sb, w.psa, &c);
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
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
async fn wrong_secret_makes_exactly_one_credentialed_request() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let conn = with_autotask(connection(&sb, &w), |_, s| {
        *s = SecretString::from("not-the-secret")
    });
    // One verifier session: its runs share the memory of refused credentials.
    let opts = VerifyOptions::default();
    let verifier = Verifier::new(&conn, &opts);
    let r = verifier.verify_all(&w).await;
    // Run a step again in the same session: still no new attempt.
    let again = verifier.verify_step(&w, "api-user", &|_| {}).await;
    assert!(!r.ok);
    let cred = check(&r, "api-user", "credentials");
    assert_eq!(cred.status, Status::Fail);
    for cause in [
        "secret",
        "username",
        "tracking identifier",
        "API-only license",
        "locked",
    ] {
        assert!(
            cred.detail.contains(cause),
            "missing cause {cause}: {}",
            cred.detail
        );
    }
    assert!(!cred.remedy.is_empty());
    let active = check(&r, "api-user", "active");
    assert_eq!(active.status, Status::Skipped);
    assert_eq!(active.detail, "skipped: sign-in failed");
    assert_eq!(row(&r, "security-level", "Tickets").status, Status::Skipped);
    assert_eq!(
        again
            .checks
            .iter()
            .find(|c| c.id == "credentials")
            .unwrap()
            .status,
        Status::Fail
    );
    let creds = credentialed(&sb);
    assert_eq!(
        creds.len(),
        1,
        "{:?}",
        creds.iter().map(|q| &q.path).collect::<Vec<_>>()
    );
    // The sign-in is the API user's own Resources query.
    assert!(
        creds[0].path.ends_with("/Resources/query"),
        "{}",
        creds[0].path
    );
    assert_eq!(creds[0].status, 401);

    // A new run of the same session with the same values does not try again either (no
    // second failed login), and says so in a typed field...
    let r = verify_step(&w, "api-user", &conn, &opts, &|_| {}).await;
    let cred = r.checks.iter().find(|c| c.id == "credentials").unwrap();
    assert_eq!(cred.status, Status::Fail);
    assert!(cred.detail.contains("not sent again"), "{}", cred.detail);
    assert_eq!(cred.blocked, Some(Blocked::CredentialsRefusedBefore));
    assert_eq!(credentialed(&sb).len(), 1);
    // ...until the admin explicitly asks for a retry.
    opts.refused.forget();
    let r = verify_step(&w, "api-user", &conn, &opts, &|_| {}).await;
    let cred = r.checks.iter().find(|c| c.id == "credentials").unwrap();
    assert_eq!(
        cred.blocked, None,
        "sent again, refused again: {}",
        cred.detail
    );
    assert_eq!(credentialed(&sb).len(), 2);
    // The memory is the session's, not the process's: another verifier session sends.
    verify_step(&w, "api-user", &conn, &VerifyOptions::default(), &|_| {}).await;
    assert_eq!(credentialed(&sb).len(), 3);
}

#[tokio::test]
async fn locked_and_inactive_users_fail_sign_in_naming_the_cause() {
    let w = wizard("topleft-autotask");
    for mistake in ["locked", "inactive"] {
        let sb = sandbox("configured:topleft-autotask").await;
        let user = sb.credentials().autotask.username.clone();
        sb.with_tenant(|t| {
            let r = t.autotask.resource_by_user_mut(&user).unwrap();
            if mistake == "locked" {
                r.locked = true;
            } else {
                r.is_active = false;
            }
        });
        let r = verify_step(
            &w,
            "api-user",
            &connection(&sb, &w),
            &VerifyOptions::default(),
            &|_| {},
        )
        .await;
        let cred = r.checks.iter().find(|c| c.id == "credentials").unwrap();
        assert_eq!(cred.status, Status::Fail, "{mistake}");
        assert!(
            cred.detail.contains("locked") && cred.detail.contains("active"),
            "{}",
            cred.detail
        );
        assert_eq!(credentialed(&sb).len(), 1, "{mistake}");
    }
}

#[tokio::test]
async fn unknown_user_fails_the_zone_and_sends_no_credentials() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let conn = with_autotask(connection(&sb, &w), |t, _| {
        t.username = "jane@example.com".into()
    });
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let zone = check(&r, "api-user", "zone");
    assert_eq!(zone.status, Status::Fail);
    assert!(
        zone.detail
            .contains("Zone information could not be determined"),
        "{}",
        zone.detail
    );
    // user@domain is exactly Autotask's username form: the hint names the real causes.
    assert!(
        !zone.detail.contains("looks like an email"),
        "{}",
        zone.detail
    );
    for cause in ["exists and was saved", "typo", "API root"] {
        assert!(zone.detail.contains(cause), "{cause}: {}", zone.detail);
    }
    assert!(
        zone.detail.contains(&sb.autotask_api_root()),
        "{}",
        zone.detail
    );
    assert!(zone.remedy.contains("not its email"), "{}", zone.remedy);
    assert_eq!(check(&r, "api-user", "credentials").status, Status::Skipped);
    assert!(credentialed(&sb).is_empty());
}

#[tokio::test]
async fn wrong_tracking_identifier_fails_sign_in() {
    let w = wizard("rewst-autotask");
    let sb = sandbox("configured:rewst-autotask").await;
    let conn = with_autotask(connection(&sb, &w), |t, _| {
        t.integration_code = "ABCDEFGH00100244MMEEE333".into()
    });
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let cred = check(&r, "tracking-identifier", "credentials");
    assert_eq!(cred.status, Status::Fail, "{}", dump(&r));
    assert!(cred.detail.contains("tracking identifier"));
    assert!(cred.remedy.contains("tracking identifier"));
    assert_eq!(
        check(&r, "webhooks", "webhook-access").status,
        Status::Skipped
    );
    assert_eq!(credentialed(&sb).len(), 1);
}

#[tokio::test]
async fn system_security_level_is_not_a_dedicated_copy() {
    for id in ["topleft-autotask", "tasky-autotask"] {
        let w = wizard(id);
        let sb = sandbox(&format!("configured:{id}")).await;
        let user = sb.credentials().autotask.username.clone();
        sb.with_tenant(|t| {
            let sys = t
                .autotask
                .levels
                .iter()
                .find(|l| l.name.to_lowercase().starts_with("api user (system)"))
                .expect("system API level")
                .clone();
            // The admin skipped the copy: the system level, with the rights the copy had.
            let copy_id = t.autotask.resource_by_user(&user).unwrap().user_type;
            let copy = t.autotask.level(copy_id).unwrap().clone();
            let l = t
                .autotask
                .levels
                .iter_mut()
                .find(|l| l.id == sys.id)
                .unwrap();
            l.access = copy.access.clone();
            l.default_access = copy.default_access;
            l.web_services_login = true;
            t.autotask.resource_by_user_mut(&user).unwrap().user_type = sys.id;
        });
        let r = verify_step(
            &w,
            "api-user",
            &connection(&sb, &w),
            &VerifyOptions::default(),
            &|_| {},
        )
        .await;
        let lvl = r.checks.iter().find(|c| c.id == "security-level").unwrap();
        // Fails even where a different name would only warn (tasky's check is warn_only).
        assert_eq!(lvl.status, Status::Fail, "{id}: {}", lvl.detail);
        assert!(
            lvl.detail.contains("not a dedicated copy"),
            "{}",
            lvl.detail
        );
        assert!(!lvl.remedy.is_empty());
    }
}

/// Guides that keep Autotask's built-in level (`system_level`): that level passes; another
/// level warns, unless the guide offers a dedicated copy as an optional step (MSP360), which then
/// passes and is checked row by row when chosen. The default level then shows its excess over the
/// optional minimal list as warnings, never as failures.
#[tokio::test]
async fn guides_that_keep_the_built_in_level_pass_it_and_say_what_another_level_means() {
    let level_check = |r: &Report| check(r, "api-user", "security-level").clone();
    // IT Glue: "Select API User (system)".
    let w = wizard("itglue-autotask");
    let sb = sandbox("configured:itglue-autotask").await;
    let conn = connection(&sb, &w);
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let c = level_check(&r);
    assert_eq!(c.status, Status::Pass, "{}", c.detail);
    assert!(c.detail.contains("built-in level"), "{}", c.detail);
    let user = sb.credentials().autotask.username.clone();
    sb.with_tenant(|t| {
        let id = t.autotask.alloc_id();
        let mut own = SecurityLevel::new(id, "Our IT Glue level", LICENSE_API_USER, false);
        own.web_services_login = true;
        own.default_access = EntityAccess::ALL;
        t.autotask.levels.push(own);
        t.autotask.resource_by_user_mut(&user).unwrap().user_type = id;
    });
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let c = level_check(&r);
    assert_eq!(c.status, Status::Warn, "{}", c.detail);
    assert!(
        c.detail.contains("Our IT Glue level") && c.detail.contains("no permissions to check"),
        "{}",
        c.detail
    );
    sb.shutdown().await;

    // MSP360: the default level, or the optional minimal copy.
    let w = wizard("msp360-autotask");
    let sb = sandbox("configured:msp360-autotask").await;
    let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
    let c = level_check(&r);
    assert_eq!(c.status, Status::Pass, "{}", c.detail);
    assert!(
        c.detail.contains("--with minimal-permissions"),
        "{}",
        c.detail
    );
    sb.shutdown().await;

    // The admin took the default: only the API user step applied.
    let sb = sandbox("unconfigured").await;
    sb.apply_step(&w, "api-user").unwrap();
    let conn = sb.connection(w.psa);
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let c = level_check(&r);
    assert_eq!(c.status, Status::Pass, "{}", c.detail);
    assert!(c.detail.contains("API User (system)"), "{}", c.detail);
    assert!(r.ok, "{}", dump(&r));
    // Choosing the minimal list on the default level: its excess warns, nothing fails; --strict
    // fails it.
    let chosen = VerifyOptions {
        with: ["minimal-permissions".to_string()].into(),
        ..VerifyOptions::default()
    };
    let r = verify_all(&w, &conn, &chosen).await;
    assert_eq!(r.counts.fail, 0, "{}", dump(&r));
    let tickets = row(&r, "minimal-permissions", "Tickets");
    assert_eq!(tickets.status, Status::Warn, "{}", tickets.detail);
    assert!(
        tickets
            .detail
            .contains("more than the guide grants (Restricted"),
        "{}",
        tickets.detail
    );
    let strict = VerifyOptions {
        strict: true,
        ..chosen
    };
    let r = verify_all(&w, &conn, &strict).await;
    assert_eq!(
        row(&r, "minimal-permissions", "Tickets").status,
        Status::Fail
    );
    sb.shutdown().await;
}

/// A level named otherwise than the guide's example is the admin's choice: a warning, never a
/// failure, whatever the check's `warn_only` says (TopLeft's is not warn_only, Tasky's is).
#[tokio::test]
async fn a_differently_named_level_only_warns() {
    for id in ["topleft-autotask", "tasky-autotask"] {
        let w = wizard(id);
        let sb = sandbox(&format!("configured:{id}")).await;
        let user = sb.credentials().autotask.username.clone();
        sb.with_tenant(|t| {
            let lid = t.autotask.resource_by_user(&user).unwrap().user_type;
            t.autotask
                .levels
                .iter_mut()
                .find(|l| l.id == lid)
                .unwrap()
                .name = "Some Other Level\u{1b}]52;c;ZXZpbA==\u{7}".into();
        });
        let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
        let lvl = check(&r, "api-user", "security-level");
        assert_eq!(lvl.status, Status::Warn, "{id}: {}", lvl.detail);
        assert!(lvl.detail.contains("Some Other Level"));
        assert!(lvl.detail.contains("your choice"), "{}", lvl.detail);
        // Everything else still matches: the run has no failure.
        assert!(!statuses(&r).contains(&Status::Fail), "{id}:\n{}", dump(&r));
        // The PSA's text is untrusted: the OSC 52 clipboard write is stripped whole.
        assert!(
            !lvl.detail.contains('\u{1b}') && !lvl.detail.contains("ZXZpbA"),
            "{:?}",
            lvl.detail
        );
    }
}

/// The same for a ConnectWise role ("or follow an existing pattern for role names").
#[tokio::test]
async fn a_differently_named_role_only_warns() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    sb.with_tenant(|t| {
        let r = t
            .connectwise
            .roles
            .iter_mut()
            .find(|r| r.name == "TopLeft")
            .unwrap();
        r.name = "Integrations - TopLeft".into();
    });
    let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
    let role = check(&r, "api-member", "role");
    assert_eq!(role.status, Status::Warn, "{}", role.detail);
    assert!(
        role.detail.contains("Integrations - TopLeft") && role.detail.contains("your choice"),
        "{}",
        role.detail
    );
    assert!(!statuses(&r).contains(&Status::Fail), "{}", dump(&r));
}

#[tokio::test]
async fn autotask_missing_and_excess_permissions() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let user = sb.credentials().autotask.username.clone();
    sb.with_tenant(|t| {
        let lid = t.autotask.resource_by_user(&user).unwrap().user_type;
        let l = t.autotask.levels.iter_mut().find(|l| l.id == lid).unwrap();
        // Missing: no Tickets query. Excess: Opportunities edit where the guide says No. (The
        // impersonation grid's Tickets edit does not hide either: userAccessFor* ignores it.)
        l.entity_access_mut("Tickets").query = psa_onboard::sandbox::AccessLevel::None;
        l.entity_access_mut("Opportunities").update = psa_onboard::sandbox::AccessLevel::All;
    });
    let conn = connection(&sb, &w);
    let r = verify_step(
        &w,
        "security-level",
        &conn,
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    let rep = Report::new(w.id.clone(), "autotask".into(), vec![r]);
    let tickets = row(&rep, "security-level", "Tickets");
    assert_eq!(tickets.status, Status::Fail, "{}", tickets.detail);
    assert!(
        tickets
            .detail
            .contains("does not have the adequate permissions"),
        "{}",
        tickets.detail
    );
    let p = tickets.permission.as_ref().expect("permission observation");
    assert_eq!((p.function.as_str(), p.op.as_str()), ("Tickets", "query"));
    assert!(
        tickets.remedy.contains("Service Desk › Tickets"),
        "{}",
        tickets.remedy
    );
    let opp = row(&rep, "security-level", "Opportunities & Quotes");
    assert_eq!(opp.status, Status::Warn, "{}", opp.detail);
    assert_eq!(opp.permission.as_ref().unwrap().op, "update");
    let strict = VerifyOptions {
        strict: true,
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "security-level", &conn, &strict, &|_| {}).await;
    let opp = r
        .checks
        .iter()
        .find(|c| c.title.ends_with("Opportunities & Quotes"))
        .unwrap();
    assert_eq!(opp.status, Status::Fail);

    // Missing without a query probe to refuse it: the guide's "Edit: Yes" on Tickets, reported
    // by Autotask as the API user's own update access = None, fails on its own.
    sb.with_tenant(|t| {
        let lid = t.autotask.resource_by_user(&user).unwrap().user_type;
        let l = t.autotask.levels.iter_mut().find(|l| l.id == lid).unwrap();
        l.entity_access_mut("Tickets").query = psa_onboard::sandbox::AccessLevel::All;
        l.entity_access_mut("Tickets").update = psa_onboard::sandbox::AccessLevel::None;
    });
    let fresh = connection(&sb, &w);
    let r = verify_step(
        &w,
        "security-level",
        &fresh,
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    let tickets = r
        .checks
        .iter()
        .find(|c| c.title.ends_with("Service Desk › Tickets"))
        .unwrap();
    assert_eq!(tickets.status, Status::Fail, "{}", tickets.detail);
    let p = tickets.permission.as_ref().unwrap();
    assert_eq!((p.op.as_str(), p.actual.as_str()), ("update", "None"));
}

fn set_cw(
    sb: &Sandbox,
    role: &str,
    module: &str,
    function: &str,
    f: impl FnOnce(&mut RoleSetting),
) {
    sb.with_tenant(|t| {
        let r = t
            .connectwise
            .roles
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(role))
            .expect("role");
        let key = r
            .settings
            .keys()
            .find(|(m, fun)| m.eq_ignore_ascii_case(module) && fun.eq_ignore_ascii_case(function))
            .cloned()
            .unwrap_or((module.to_string(), function.to_string()));
        f(r.settings.entry(key).or_default());
    });
}

#[tokio::test]
async fn connectwise_missing_excess_and_outside_the_table() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    set_cw(&sb, "TopLeft", "Service Desk", "Service Tickets", |s| {
        s.edit = CwLevel::My
    });
    set_cw(&sb, "TopLeft", "Companies", "Company Maintenance", |s| {
        s.add = CwLevel::All
    });
    set_cw(&sb, "TopLeft", "Finance", "Invoicing", |s| {
        s.inquire = CwLevel::All
    });
    let conn = connection(&sb, &w);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let progress = move |c: &CheckResult| seen2.lock().unwrap().push(c.id.clone());
    let r = verify_step(
        &w,
        "security-role",
        &conn,
        &VerifyOptions::default(),
        &progress,
    )
    .await;
    assert_eq!(
        seen.lock().unwrap().len(),
        r.checks.len(),
        "progress sees every check"
    );
    let rep = Report::new(w.id.clone(), "connectwise".into(), vec![r]);
    let st = row(&rep, "security-role", "Service Tickets");
    assert_eq!(st.status, Status::Fail, "{}", st.detail);
    let p = st.permission.as_ref().unwrap();
    assert_eq!(
        (p.op.as_str(), p.required.as_str(), p.actual.as_str()),
        ("edit", "All", "My")
    );
    assert!(
        st.remedy.contains("Service Desk › Service Tickets")
            && st.remedy.contains("System → Security Roles")
    );
    let cm = row(&rep, "security-role", "Company Maintenance");
    assert_eq!(cm.status, Status::Warn, "{}", cm.detail);
    assert!(cm.detail.contains("more than needed"));
    let ex = check(&rep, "security-role", "no-excess");
    assert_eq!(ex.status, Status::Warn);
    assert!(ex.detail.contains("Finance › Invoicing"), "{}", ex.detail);
    let strict = VerifyOptions {
        strict: true,
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "security-role", &conn, &strict, &|_| {}).await;
    assert!(r.checks.iter().filter(|c| c.status == Status::Fail).count() >= 3);

    // With an administrator's keys the role itself is read too: here it is wrong as well.
    let c = sb.credentials();
    let admin = VerifyOptions {
        connectwise_admin: Some(AdminKeys {
            public_key: c.connectwise.admin_public_key.clone(),
            private_key: c.connectwise.admin_private_key.clone(),
        }),
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "security-role", &conn, &admin, &|_| {}).await;
    let st = r
        .checks
        .iter()
        .find(|c| c.title.ends_with("› Service Tickets"))
        .unwrap();
    assert!(
        st.detail.contains("itself is set this way too"),
        "{}",
        st.detail
    );
}

#[tokio::test]
async fn connectwise_renamed_function_warns_with_near_matches() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    sb.with_tenant(|t| {
        for (_, f) in t.connectwise.catalogue.iter_mut() {
            if f == "Merge Tickets" {
                *f = "Merge Service Tickets".into();
            }
        }
        for r in t.connectwise.roles.iter_mut() {
            let old: Vec<_> = r
                .settings
                .keys()
                .filter(|(_, f)| f == "Merge Tickets")
                .cloned()
                .collect();
            for k in old {
                let v = r.settings.remove(&k).unwrap();
                r.settings.insert((k.0, "Merge Service Tickets".into()), v);
            }
        }
    });
    let r = verify_step(
        &w,
        "security-role",
        &connection(&sb, &w),
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    let m = r
        .checks
        .iter()
        .find(|c| c.title.ends_with("Merge Tickets"))
        .unwrap();
    assert_eq!(m.status, Status::Warn, "{}", m.detail);
    assert!(m.detail.contains("Merge Service Tickets"), "{}", m.detail);
}

#[tokio::test]
async fn connectwise_keys_of_another_member_fail_identity() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let c = sb.credentials();
    let conn = with_connectwise(connection(&sb, &w), |t, k| {
        t.public_key = c.connectwise.admin_public_key.clone();
        *k = c.connectwise.admin_private_key.clone();
    });
    let r = verify_step(&w, "api-member", &conn, &VerifyOptions::default(), &|_| {}).await;
    let id = r.checks.iter().find(|c| c.id == "identity").unwrap();
    assert_eq!(id.status, Status::Fail, "{}", id.detail);
    assert!(
        id.detail.contains("\"TopLeft\"") && id.detail.contains("admin1"),
        "{}",
        id.detail
    );
    assert!(id.remedy.contains("API Keys"));
    assert_eq!(
        r.checks
            .iter()
            .find(|c| c.id == "api-member")
            .unwrap()
            .status,
        Status::Fail
    );
    // Another member's role is named otherwise: that alone only warns (the identity and
    // license checks above are what fail).
    assert_eq!(
        r.checks.iter().find(|c| c.id == "role").unwrap().status,
        Status::Warn
    );
}

#[tokio::test]
async fn connectwise_clientid_missing_or_unregistered() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    for (client, expect_text) in [
        ("", "no clientId"),
        ("00000000-0000-0000-0000-000000000000", "not registered"),
    ] {
        let conn = with_connectwise(connection(&sb, &w), |t, _| t.client_id = client.into());
        let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
        let cid = check(&r, "api-keys", "client-id");
        assert_eq!(cid.status, Status::Fail, "{client}: {}", cid.detail);
        assert!(cid.detail.contains(expect_text), "{}", cid.detail);
        assert!(cid.remedy.contains("developer.connectwise.com"));
        assert_eq!(check(&r, "api-keys", "credentials").status, Status::Skipped);
        assert_eq!(
            row(&r, "security-role", "Service Tickets").status,
            Status::Skipped
        );
    }
}

#[tokio::test]
async fn connectwise_wrong_private_key_and_inactive_member() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let conn = with_connectwise(connection(&sb, &w), |_, k| *k = SecretString::from("nope"));
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let cred = check(&r, "api-keys", "credentials");
    assert_eq!(cred.status, Status::Fail);
    assert!(
        cred.detail.contains("UserNotAuthenticated") || cred.detail.contains("refused"),
        "{}",
        cred.detail
    );
    assert_eq!(check(&r, "api-member", "identity").status, Status::Skipped);
    let sys_info = sb
        .requests()
        .iter()
        .filter(|q| q.path.ends_with("/system/info"))
        .count();
    assert_eq!(sys_info, 1, "one sign-in attempt per run");
    // The reads went out with the probe (ConnectWise does not lock keys): each once, refused,
    // never retried, and none of their answers was used (the checks above are skipped).
    let refused: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|q| !q.path.contains("/login/companyinfo/"))
        .collect();
    assert!(refused.iter().all(|q| q.status == 401), "{refused:?}");
    let mut paths: Vec<_> = refused.iter().map(|q| q.path.clone()).collect();
    let n = paths.len();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), n, "a refused request was repeated: {paths:?}");
    assert!(n <= 4, "{paths:?}");

    sb.with_tenant(|t| {
        for m in t
            .connectwise
            .members
            .iter_mut()
            .filter(|m| m.identifier == "TopLeft")
        {
            m.inactive = true;
        }
    });
    let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
    let cred = check(&r, "api-keys", "credentials");
    assert_eq!(cred.status, Status::Fail, "{}", dump(&r));
    assert!(cred.detail.contains("inactive"));
}

#[tokio::test]
async fn retry_after_is_honoured_and_long_waits_are_reported() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    sb.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let r = verify_step(
        &w,
        "api-keys",
        &connection(&sb, &w),
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    let statuses: Vec<u16> = sb.requests().iter().map(|q| q.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );

    // A Retry-After beyond the cap is reported, not waited for.
    let sb = sandbox("configured:topleft-connectwise").await;
    sb.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 3600,
        ..Faults::default()
    });
    let r = verify_step(
        &w,
        "api-keys",
        &connection(&sb, &w),
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail);
    assert!(company.detail.contains("throttled"), "{}", company.detail);
    assert_eq!(sb.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_but_401_never() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    sb.set_faults(Faults {
        server_error_next: 2,
        ..Faults::default()
    });
    let r = verify_step(
        &w,
        "api-user",
        &connection(&sb, &w),
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    assert_eq!(sb.requests().iter().filter(|q| q.status == 503).count(), 2);
}

#[tokio::test]
async fn thread_limit_is_never_exceeded_under_latency() {
    let w = wizard("topleft-autotask");
    let sb = Sandbox::start(SandboxOptions {
        scenario: "configured:topleft-autotask".into(),
        latency: std::time::Duration::from_millis(30),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
    assert!(r.ok, "{}", dump(&r));
    let reqs = sb.requests();
    let throttled: Vec<_> = reqs
        .iter()
        .filter(|q| {
            q.response
                .as_ref()
                .is_some_and(|v| v.to_string().contains("Thread Threshold"))
                || q.status == 429
        })
        .collect();
    assert!(throttled.is_empty(), "{throttled:?}");
    assert!(reqs.len() < 80, "{} requests for one run", reqs.len());
}

#[tokio::test]
async fn impersonation_header_only_on_writes_and_writes_need_opt_in() {
    let w = wizard("topleft-autotask");
    assert!(describe_writes(&w).contains("ticket"));
    let sb = sandbox("configured:topleft-autotask").await;
    let conn = connection(&sb, &w);
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    assert_eq!(
        check(&r, "impersonation-api-level", "write-test").status,
        Status::Skipped
    );
    assert!(
        sb.requests()
            .iter()
            .all(|q| q.method == "GET" || q.path.contains("/query")),
        "no writes without opt-in"
    );
    let opts = VerifyOptions {
        allow_writes: true,
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "impersonation-api-level", &conn, &opts, &|_| {}).await;
    let wt = r.checks.iter().find(|c| c.id == "write-test").unwrap();
    assert_eq!(wt.status, Status::Pass, "{}", wt.detail);
    assert!(
        wt.detail.contains("recorded as written by"),
        "{}",
        wt.detail
    );
    // No security level allows impersonation: the note is refused, and both causes are named.
    sb.with_tenant(|t| {
        for l in t.autotask.levels.iter_mut() {
            l.allow_impersonation = false;
        }
    });
    let r = verify_step(&w, "impersonation-api-level", &conn, &opts, &|_| {}).await;
    let wt = r.checks.iter().find(|c| c.id == "write-test").unwrap();
    assert_eq!(wt.status, Status::Fail, "{}", wt.detail);
    assert!(wt.detail.contains("adequate permissions"), "{}", wt.detail);
    assert!(
        wt.detail.contains("does not allow impersonation"),
        "{}",
        wt.detail
    );
    assert!(wt.remedy.contains("Ticket Notes"), "{}", wt.remedy);

    // The admin picks the ticket the note goes to.
    sb.with_tenant(|t| {
        for l in t.autotask.levels.iter_mut() {
            l.allow_impersonation = true;
        }
    });
    let last = sb.with_tenant(|t| {
        t.autotask.items["tickets"]
            .iter()
            .filter_map(|v| v["id"].as_i64())
            .max()
            .unwrap()
    });
    let chosen = VerifyOptions {
        allow_writes: true,
        test_ticket: Some(last),
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "impersonation-api-level", &conn, &chosen, &|_| {}).await;
    let wt = r.checks.iter().find(|c| c.id == "write-test").unwrap();
    assert_eq!(wt.status, Status::Pass, "{}", wt.detail);
    assert!(
        wt.detail.contains(&format!("on ticket {last}")),
        "{}",
        wt.detail
    );
    let want = format!("/Tickets/{last}/Notes");
    assert!(
        sb.requests()
            .iter()
            .any(|q| q.method == "POST" && q.path.ends_with(&want))
    );
    for q in sb.requests() {
        let impersonated = q
            .header_names
            .iter()
            .any(|h| h.eq_ignore_ascii_case("ImpersonationResourceId"));
        let read = q.method == "GET" || q.path.contains("/query");
        assert!(
            !(impersonated && read),
            "impersonation header on a read: {} {}",
            q.method,
            q.path
        );
    }
    assert!(
        sb.requests().iter().any(|q| q.method == "POST"
            && q.path.ends_with("/Notes")
            && q.header_names
                .iter()
                .any(|h| h.eq_ignore_ascii_case("ImpersonationResourceId"))),
        "the write test sends an impersonated note"
    );
}

#[tokio::test]
async fn webhook_permission_missing_fails_and_write_test_cleans_up() {
    let w = wizard("rewst-autotask");
    let sb = sandbox("configured:rewst-autotask").await;
    let opts = VerifyOptions {
        allow_writes: true,
        // The guide's webhooks are conditional: this run chooses them.
        with: ["webhooks".to_string()].into(),
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "webhooks", &connection(&sb, &w), &opts, &|_| {}).await;
    let ww = r.checks.iter().find(|c| c.id == "webhook-write").unwrap();
    assert_eq!(ww.status, Status::Pass, "{}", ww.detail);
    assert!(
        sb.with_tenant(|t| t.autotask.webhooks.is_empty()),
        "the test webhook was deleted"
    );

    let user = sb.credentials().autotask.username.clone();
    sb.with_tenant(|t| {
        let lid = t.autotask.resource_by_user(&user).unwrap().user_type;
        let l = t.autotask.levels.iter_mut().find(|l| l.id == lid).unwrap();
        l.webhook_permission = false;
        l.entity_access_mut("TicketWebhooks").create = psa_onboard::sandbox::AccessLevel::None;
    });
    let r = verify_step(&w, "webhooks", &connection(&sb, &w), &opts, &|_| {}).await;
    let wa = r.checks.iter().find(|c| c.id == "webhook-access").unwrap();
    assert_eq!(wa.status, Status::Fail, "{}", wa.detail);
    assert!(!wa.remedy.is_empty());
    assert_eq!(
        r.checks
            .iter()
            .find(|c| c.id == "webhook-write")
            .unwrap()
            .status,
        Status::Fail
    );
}

#[tokio::test]
async fn tls_with_the_sandbox_certificate_and_a_plain_certificate_error_without_it() {
    let w = wizard("topleft-connectwise");
    let sb = Sandbox::start(SandboxOptions {
        scenario: "configured:topleft-connectwise".into(),
        tls: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let conn = connection(&sb, &w);
    let trusted = VerifyOptions {
        http: psa_onboard::psa::http::HttpConfig {
            extra_root_pems: vec![sb.root_cert_pem().unwrap()],
            ..Default::default()
        },
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "api-keys", &conn, &trusted, &|_| {}).await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail);
    assert!(company.detail.contains("certificate"), "{}", company.detail);
}

/// Each broken TLS set-up is named plainly in the failing check, and nothing carrying a
/// credential reaches the server (the diagnostic handshake never completes).
#[tokio::test]
async fn tls_failures_are_each_named_plainly() {
    let w = wizard("topleft-connectwise");
    // (mode, trust the sandbox's root PEM, words the failure must contain)
    let cases: [(CertMode, bool, &[&str]); 5] = [
        (
            CertMode::SelfSigned,
            false,
            &["is self-signed", "psa-onboard sandbox", "--ca-cert FILE"],
        ),
        (
            CertMode::Chained,
            false,
            &[
                "issued by an authority this computer does not trust",
                "\"psa-onboard sandbox root CA ",
                "TLS-inspecting proxy",
                "--ca-cert FILE",
            ],
        ),
        (
            CertMode::IncompleteChain,
            true,
            &[
                "did not send the intermediate certificate",
                "\"psa-onboard sandbox intermediate CA ",
            ],
        ),
        (
            CertMode::Expired,
            true,
            &["has expired", "valid until 2021-01-01 00:00:00 UTC"],
        ),
        (
            CertMode::WrongHost,
            true,
            &[
                "is for a different host name",
                "asks for \"127.0.0.1\"",
                WRONG_HOST_NAME,
            ],
        ),
    ];
    for (mode, trust, words) in cases {
        let sb = Sandbox::start(SandboxOptions {
            scenario: "configured:topleft-connectwise".into(),
            tls: true,
            cert: mode,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let mut opts = VerifyOptions::default();
        if trust {
            opts.http.extra_root_pems = vec![sb.root_cert_pem().unwrap()];
        }
        let r = verify_step(&w, "api-keys", &connection(&sb, &w), &opts, &|_| {}).await;
        let company = r.checks.iter().find(|c| c.id == "company").unwrap();
        assert_eq!(company.status, Status::Fail, "{mode:?}");
        for word in words {
            assert!(
                company.detail.contains(word),
                "{mode:?}: {word:?} missing from {}",
                company.detail
            );
        }
        assert!(
            !company
                .detail
                .contains("(self-signed, or the server sends an incomplete chain"),
            "{mode:?}: the undiagnosed sentence: {}",
            company.detail
        );
        assert!(
            sb.requests().is_empty(),
            "{mode:?}: a request reached the server: {:?}",
            sb.requests()
        );
        sb.shutdown().await;
    }

    // The valid chain, its root trusted, verifies.
    let sb = Sandbox::start(SandboxOptions {
        scenario: "configured:topleft-connectwise".into(),
        tls: true,
        cert: CertMode::Chained,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let mut opts = VerifyOptions::default();
    opts.http.extra_root_pems = vec![sb.root_cert_pem().unwrap()];
    let r = verify_step(&w, "api-keys", &connection(&sb, &w), &opts, &|_| {}).await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    assert!(!sb.requests().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn unconfigured_tenant_fails_with_remedies() {
    for id in wizards() {
        let w = wizard(id);
        let sb = sandbox("unconfigured").await;
        let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
        assert!(!r.ok, "{id}");
        for step in &r.steps {
            for c in &step.checks {
                if c.status != Status::Pass {
                    assert!(!c.detail.is_empty(), "{id} {}: no detail", c.id);
                }
                if c.status == Status::Fail {
                    assert!(!c.remedy.is_empty(), "{id} {}: no remedy", c.id);
                }
            }
        }
    }
}

#[tokio::test]
async fn oversized_malformed_and_dropped_answers() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let conn = connection(&sb, &w);
    sb.set_faults(Faults {
        oversized_next: 1,
        oversized_bytes: 5 * 1024 * 1024,
        ..Faults::default()
    });
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail);
    assert!(company.detail.contains("larger than"), "{}", company.detail);

    sb.set_faults(Faults {
        malformed_json_next: 1,
        ..Faults::default()
    });
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail);
    assert!(company.detail.contains("JSON"), "{}", company.detail);

    // A dropped connection on a read is retried.
    sb.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
}

#[tokio::test]
async fn check_binary_trusts_an_extra_root_with_ca_cert() {
    let sb = Sandbox::start(SandboxOptions {
        scenario: "configured:topleft-autotask".into(),
        tls: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
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
async fn legacy_autotask_auth_errors_are_understood() {
    let w = wizard("rewst-autotask");
    let sb = sandbox("configured:rewst-autotask").await;
    sb.with_tenant(|t| t.autotask.legacy_auth_errors = true);
    let conn = with_autotask(connection(&sb, &w), |t, _| {
        t.integration_code = "ABCDEFGH00100244MMEEE333".into()
    });
    let r = verify_all(&w, &conn, &VerifyOptions::default()).await;
    let cred = check(&r, "tracking-identifier", "credentials");
    assert_eq!(cred.status, Status::Fail, "{}", dump(&r));
    assert!(
        cred.detail.contains("tracking identifier"),
        "{}",
        cred.detail
    );
    assert_eq!(check(&r, "api-user", "active").status, Status::Skipped);
    assert_eq!(credentialed(&sb).len(), 1);

    let conn = with_autotask(connection(&sb, &w), |_, s| *s = SecretString::from("wrong"));
    let r = verify_step(
        &w,
        "tracking-identifier",
        &conn,
        &VerifyOptions::default(),
        &|_| {},
    )
    .await;
    assert_eq!(r.checks[0].status, Status::Fail);
    assert_eq!(credentialed(&sb).len(), 2);
}

#[tokio::test]
async fn verification_runs_as_a_spawned_task_with_live_progress() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let conn = connection(&sb, &w);
    let seen = Arc::new(Mutex::new(Vec::<(String, Status)>::new()));
    let sink = seen.clone();
    // The TUI runs verification as a tokio task: the future must be Send + 'static-able.
    let report = tokio::spawn(async move {
        let progress = move |c: &CheckResult| sink.lock().unwrap().push((c.id.clone(), c.status));
        verify_step(&w, "api-user", &conn, &VerifyOptions::default(), &progress).await
    })
    .await
    .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), report.checks.len());
    for c in &report.checks {
        assert!(
            seen.contains(&(c.id.clone(), c.status)),
            "progress missed {}",
            c.id
        );
    }
    assert_eq!(report.status, Status::Pass);
    // verify_all too (checked at compile time).
    fn assert_send<T: Send>(_: T) {}
    let w = wizard("topleft-autotask");
    let conn = connection(&sb, &w);
    let opts = VerifyOptions::default();
    assert_send(verify_all(&w, &conn, &opts));
    let v = Verifier::new(&conn, &opts);
    assert_send(v.verify_all(&w));
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

/// Whether `path` matches a spec path template (`{x}` matches one segment), ignoring case.
fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t.starts_with('{') || t.eq_ignore_ascii_case(p))
}

fn spec_paths(file: &str) -> Vec<(String, Vec<String>)> {
    let path = format!("{}/specs/{file}", env!("CARGO_MANIFEST_DIR"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, ops)| {
            (
                p.clone(),
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_request_is_in_the_official_api_specs() {
    assert!(matches_template(
        "/V1.0/Tickets/{parentId}/Notes",
        "/v1.0/tickets/42/notes"
    ));
    assert!(!matches_template(
        "/V1.0/Tickets/{parentId}/Notes",
        "/V1.0/Tickets/42/Notes/7"
    ));
    assert!(!matches_template(
        "/V1.0/Tickets/query",
        "/V1.0/Ticket/query"
    ));
    let at_spec = spec_paths("autotask-rest-swagger.json");
    let cw_spec = spec_paths("connectwise-manage-openapi.json");
    let opts = VerifyOptions {
        allow_writes: true,
        ..VerifyOptions::default()
    };
    for id in wizards() {
        let w = wizard(id);
        let sb = sandbox(&format!("configured:{id}")).await;
        let r = verify_all(&w, &connection(&sb, &w), &opts).await;
        // Nothing failed. (A write test may not run where the tenant has no resource to
        // impersonate; that makes `ok` false, which is right, but is not this test's point.)
        assert!(r.counts.fail == 0, "{id}:\n{}", dump(&r));
        let reqs = sb.requests();
        assert!(!reqs.is_empty());
        for q in reqs {
            let (spec, rel) = match w.psa {
                Psa::Autotask => {
                    let lower = q.path.to_ascii_lowercase();
                    let at = lower.find("/atservicesrest").expect("Autotask root")
                        + "/atservicesrest".len();
                    let rel = q.path[at..].to_string();
                    // The paging URL Autotask hands back is not a spec path of its own.
                    if rel.to_ascii_lowercase().ends_with("/query/next") {
                        assert_eq!(q.method, "POST", "next pages are POSTed");
                        continue;
                    }
                    (&at_spec, rel)
                }
                Psa::Connectwise => {
                    if q.path.starts_with("/login/companyinfo/") {
                        assert_eq!(q.method, "GET");
                        continue; // documented in the Developer Guide, outside the REST spec
                    }
                    let at =
                        q.path.find("/apis/3.0").expect("ConnectWise base") + "/apis/3.0".len();
                    (&cw_spec, q.path[at..].to_string())
                }
            };
            let found = spec
                .iter()
                .any(|(t, methods)| matches_template(t, &rel) && methods.contains(&q.method));
            assert!(found, "{id}: {} {rel} is not in the spec", q.method);
        }
    }
}

/// (method, lower-case path) of each request: an endpoint, whatever the query string.
fn endpoints(sb: &Sandbox) -> Vec<(String, String)> {
    let mut v: Vec<_> = sb
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.to_ascii_lowercase()))
        .collect();
    v.sort();
    v
}

/// The probe plan's bounds, seen from the sandbox: at most 2 requests per distinct endpoint
/// plus 5, one entityInformation per entity, one sign-in, never more than 2 in flight per
/// Autotask endpoint (the third thread is left to the live integration), reads fired together after the sign-in, and the per-run cap holds (one at
/// a time with `max_in_flight: 1`, for exactly the same requests).
#[tokio::test]
async fn probe_plan_stays_within_request_and_concurrency_bounds() {
    use psa_onboard::psa::http::{DEFAULT_MAX_IN_FLIGHT, HttpConfig};
    for id in wizards() {
        let w = wizard(id);
        // Latency makes the requests overlap as they would against a real PSA.
        let sb = Sandbox::start(SandboxOptions {
            scenario: format!("configured:{id}"),
            latency: std::time::Duration::from_millis(60),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
        assert!(r.ok, "{id}:\n{}", dump(&r));
        let eps = endpoints(&sb);
        let distinct: std::collections::BTreeSet<_> = eps.iter().collect();
        assert!(
            eps.len() <= 2 * distinct.len() + 5,
            "{id}: {} requests for {} endpoints: {eps:?}",
            eps.len(),
            distinct.len()
        );
        let peak = sb.peak_in_flight();
        assert!(
            peak.total as usize <= DEFAULT_MAX_IN_FLIGHT,
            "{id}: {peak:?}"
        );
        assert!(
            peak.autotask.values().all(|&n| n <= 2),
            "{id}: more than 2 in flight on an endpoint: {peak:?}"
        );
        match w.psa {
            Psa::Autotask => {
                let count = |suffix: &str| {
                    eps.iter()
                        .filter(|(_, p)| p.ends_with(suffix))
                        .collect::<Vec<_>>()
                };
                let infos = count("/entityinformation");
                let unique: std::collections::BTreeSet<_> = infos.iter().collect();
                assert_eq!(infos.len(), unique.len(), "{id}: {infos:?}");
                assert_eq!(
                    count("/version").len(),
                    0,
                    "{id}: the sign-in is a Resources query"
                );
                // The Resources endpoint: the sign-in, its picklists and (a row) its entity
                // information; the people to impersonate come with the sign-in.
                assert!(count("/resources/query").len() <= 1, "{id}: {eps:?}");
                // The reads after sign-in go out together (check by check, it was 2 at most):
                // up to 2 per endpoint, all endpoints at once.
                let mut per: std::collections::BTreeMap<String, usize> = Default::default();
                // After the zone lookup and the sign-in (the first credentialed request).
                for q in credentialed(&sb).iter().skip(1) {
                    // Autotask's endpoint is the entity: /atservicesrest/v1.0/<entity>/…
                    let p = q.path.to_ascii_lowercase();
                    let entity = p.split("/v1.0/").nth(1).unwrap_or(&p).split('/').next();
                    *per.entry(entity.unwrap_or(&p).to_string()).or_default() += 1;
                }
                let together: usize = per.values().map(|n| (*n).min(2)).sum();
                assert!(
                    peak.total as usize >= together.min(4),
                    "{id}: {peak:?} for {per:?}"
                );
            }
            Psa::Connectwise => {
                let security: Vec<_> = sb
                    .requests()
                    .into_iter()
                    .filter(|q| q.path.ends_with("/system/mySecurity"))
                    .collect();
                assert_eq!(security.len(), 1, "{id}: one page of up to 1000 rows");
                assert!(
                    security[0]
                        .query
                        .as_deref()
                        .is_some_and(|q| q.contains("pageSize=1000")),
                    "{:?}",
                    security[0].query
                );
                assert!(peak.total >= 2, "{id}: {peak:?}");
            }
        }

        // The same plan one request at a time: the cap holds and nothing else changes.
        let one = sandbox(&format!("configured:{id}")).await;
        let opts = VerifyOptions {
            http: HttpConfig {
                max_in_flight: 1,
                ..HttpConfig::default()
            },
            ..VerifyOptions::default()
        };
        let r1 = verify_all(&w, &connection(&one, &w), &opts).await;
        assert!(r1.ok, "{id}:\n{}", dump(&r1));
        assert_eq!(one.peak_in_flight().total, 1, "{id}");
        assert_eq!(endpoints(&one), eps, "{id}: a different plan one at a time");
    }
}

/// Autotask's 3 threads per endpoint are shared with everything signing in under the same
/// tracking identifier, above all the vendor's live integration. With one thread of every
/// endpoint busy elsewhere, a verification never hits the limit; with two, it is refused now and
/// then, waits and retries, and still gets every answer.
#[tokio::test]
async fn autotask_leaves_a_thread_to_the_live_integration() {
    let w = wizard("topleft-autotask");
    for busy in [1, 2] {
        let sb = Sandbox::start(SandboxOptions {
            scenario: "configured:topleft-autotask".into(),
            latency: std::time::Duration::from_millis(60),
            faults: Faults {
                autotask_busy_threads: busy,
                ..Faults::default()
            },
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let opts = VerifyOptions {
            http: psa_onboard::psa::http::HttpConfig {
                backoff: std::time::Duration::from_millis(50),
                ..Default::default()
            },
            ..VerifyOptions::default()
        };
        let r = verify_all(&w, &connection(&sb, &w), &opts).await;
        let refused = sb
            .requests()
            .iter()
            .filter(|q| {
                q.response
                    .as_ref()
                    .is_some_and(|b| b.to_string().contains("Thread Threshold Exceeded"))
            })
            .count();
        assert!(r.ok, "busy {busy}:\n{}", dump(&r));
        if busy == 1 {
            assert_eq!(refused, 0, "one free thread per endpoint is ours");
        }
        sb.shutdown().await;
    }
}

/// Rewst's guide makes webhooks conditional ("If you plan to use webhooks"): a tenant set up
/// exactly per the guide, without webhook permission, passes unless the admin chooses the
/// webhook step; chosen, the missing permission fails, labelled as Autotask's own requirement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditional_part_of_the_guide_is_a_choice_not_a_failure() {
    let sb = sandbox("configured:rewst-autotask").await;
    sb.with_tenant(|t| {
        for l in &mut t.autotask.levels {
            l.webhook_permission = false;
        }
    });
    let w = wizard("rewst-autotask");
    let c = sb.credentials_for(&w);
    let root = sb.autotask_api_root();
    let run = move |extra: &[&str]| {
        use secrecy::ExposeSecret;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
        cmd.args(["check", "--wizard", "rewst-autotask", "--format", "json"])
            .args(extra)
            .env("AUTOTASK_API_ROOT", &root)
            .env("AUTOTASK_USERNAME", &c.autotask.username)
            .env("AUTOTASK_SECRET", c.autotask.secret.expose_secret())
            .env("AUTOTASK_INTEGRATION_CODE", &c.autotask.integration_code)
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy");
        cmd.output().unwrap()
    };
    let run = std::sync::Arc::new(run);
    let r = run.clone();
    let unchosen = tokio::task::spawn_blocking(move || r(&[])).await.unwrap();
    // Not chosen asks nothing of the PSA.
    assert!(
        !sb.requests()
            .iter()
            .any(|q| q.path.contains("TicketWebhooks")),
        "an unchosen step was checked"
    );
    let (chosen, bad) = tokio::task::spawn_blocking(move || {
        (
            run(&["--with", "webhooks"]),
            run(&["--with", "no-such-step"]),
        )
    })
    .await
    .unwrap();
    let json = |o: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
    };
    let step = |v: &serde_json::Value| {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "webhooks")
            .cloned()
            .unwrap()
    };
    assert_eq!(unchosen.status.code(), Some(0), "{}", json(&unchosen));
    let v = json(&unchosen);
    let hooks = step(&v);
    assert_eq!(hooks["verdict"], "skipped_optional", "{hooks}");
    for c in hooks["checks"].as_array().unwrap() {
        assert_eq!(c["skip"], "not_chosen", "{c}");
        assert!(
            c["detail"].as_str().unwrap().contains("--with webhooks"),
            "{c}"
        );
    }
    assert_eq!(chosen.status.code(), Some(1), "{}", json(&chosen));
    let hooks = step(&json(&chosen));
    let access = hooks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "webhook-access")
        .unwrap()
        .clone();
    assert_eq!(access["status"], "fail", "{access}");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("no-such-step") && err.contains("webhooks"),
        "{err}"
    );
    // The requirement is labelled as Autotask's own wherever the step is shown.
    let show = Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["show", "rewst-autotask"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("Not the guide's own line: Autotask's own requirement"),
        "{text}"
    );
    assert!(text.contains("--with webhooks"), "{text}");
}

/// Issue 16: a row is checked under ConnectWise's name where the guide spells it differently
/// (N-able N-central's "Close Service Ticket"), only on the levels the guide gives (a level it
/// leaves out is reported apart, never compared), and with its note; a conditional step's rows
/// are checked once it is chosen.
#[tokio::test]
async fn connectwise_rows_are_checked_under_the_psas_names_and_only_on_the_levels_the_guide_gives()
{
    let w = wizard("ncentral-connectwise");
    let sb = sandbox("configured:ncentral-connectwise").await;
    let conn = connection(&sb, &w);
    let key = sb.credentials().connectwise.public_key;
    let chosen = VerifyOptions {
        with: ["billing-profiles".to_string()].into(),
        ..VerifyOptions::default()
    };

    let r = verify_all(&w, &conn, &chosen).await;
    let c = row(&r, "security-role", "Close Service Ticket");
    assert_eq!(c.status, Status::Pass, "{}", c.detail);
    assert!(
        c.detail
            .contains("ConnectWise's Service Desk function is Close Service Tickets"),
        "the note travels with the result: {}",
        c.detail
    );
    let c = row(&r, "billing-profiles", "Agreements");
    assert_eq!(c.status, Status::Pass, "chosen: {}", c.detail);
    assert_eq!(
        row(&r, "time-entries", "Billing View Time").status,
        Status::Skipped,
        "not chosen"
    );

    // A level the matrix does not give may be anything: raised to All, the row still passes and
    // says the level was not compared.
    sb.with_tenant(|t| {
        let role = t.connectwise.role_of_key_mut(&key).unwrap();
        role.setting_mut("Companies", "Company Maintenance").add = CwLevel::All;
    });
    let r = verify_all(&w, &conn, &chosen).await;
    let c = row(&r, "security-role", "Company Maintenance");
    assert_eq!(c.status, Status::Pass, "{}", c.detail);
    assert!(
        c.detail.contains(
            "as the guide says: inquire All; not in the guide's row, not compared: add All"
        ),
        "{}",
        c.detail
    );

    // The function under ConnectWise's name, lowered: the row fails and names what it saw.
    sb.with_tenant(|t| {
        let role = t.connectwise.role_of_key_mut(&key).unwrap();
        role.setting_mut("Service Desk", "Close Service Tickets")
            .delete = CwLevel::None;
    });
    let r = verify_all(&w, &conn, &chosen).await;
    let c = row(&r, "security-role", "Close Service Ticket");
    assert_eq!(c.status, Status::Fail, "{}", c.detail);
    assert!(
        c.detail.contains("delete is None, the guide says All"),
        "{}",
        c.detail
    );
    let p = c.permission.as_ref().unwrap();
    assert_eq!(
        (p.module.as_str(), p.function.as_str()),
        ("Service Desk", "Close Service Tickets")
    );
    sb.shutdown().await;
}
