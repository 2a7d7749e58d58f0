use std::process::Command;
use std::sync::{Arc, Mutex};

use psa_onboard::connection::ConnectwiseTarget;
use psa_onboard::sandbox::{
    CertMode, CwLevel, EntityAccess, Faults, LICENSE_API_USER, RoleSetting, Sandbox,
    SandboxOptions, SecurityLevel, WRONG_HOST_NAME,
};
use psa_onboard::verify::{
    AdminKeys, Blocked, CheckResult, Report, Status, Verifier, VerifyOptions, describe_writes,
    verify_all, verify_step,
};
use psa_onboard::wizard::{self, Psa};
use secrecy::SecretString;

#[path = "common/mod.rs"]
mod common;
use common::check;
use common::connection::{with_autotask, with_connectwise};
use common::sandbox::{
    answered, assert_all_pass, assert_throttled_once, configured, configured_with_latency,
    connection, sandbox, start, verify_step_on, verify_step_with_faults,
};
use common::wizards::{ids as wizards, wizard};

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

/// Change the security level of `sb`'s Autotask API user (the sandbox's own credentials).
fn with_api_user_level(sb: &Sandbox, f: impl FnOnce(&mut SecurityLevel)) {
    let user = sb.credentials().autotask.username;
    sb.with_tenant(|t| {
        let lid = t.autotask.resource_by_user(&user).unwrap().user_type;
        f(t.autotask.levels.iter_mut().find(|l| l.id == lid).unwrap());
    });
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

/// `psa-onboard check`, the real binary: exit codes, the JSON contract, `--ca-cert`, `--session`.
#[path = "verify/check_binary.rs"]
mod check_binary;

/// Signing in: each wrong credential named, and a refused one never sent again.
#[path = "verify/sign_in.rs"]
mod sign_in;

/// Levels, roles and permission rows: missing, excess, renamed, and the guide's choices.
#[path = "verify/permissions.rs"]
mod permissions;

/// Write tests: impersonation only on writes, only with consent, and cleaned up.
#[path = "verify/writes.rs"]
mod writes;

/// The wire: throttling, retries, TLS, bad answers, the request plan and the official specs.
#[path = "verify/transport.rs"]
mod transport;

#[tokio::test]
async fn configured_wizards_pass_every_api_check() {
    // Every part of the guide, its optional steps too (`configured:<id>` applies them all).
    let all = VerifyOptions {
        with: ["all".to_string()].into(),
        ..VerifyOptions::default()
    };
    for id in wizards() {
        let w = wizard(id);
        let sb = configured(id).await;
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
