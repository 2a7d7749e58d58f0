//! The real binary.

use super::contract::{at_spec, check, cw_spec};
use super::*;

/// `psa-onboard sandbox` prints both endpoints and the demo credentials, serves them, and
/// stops cleanly on Ctrl-C (SIGINT).
#[tokio::test]
async fn the_cli_serves_both_psas_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader};
    let mut child = ChildGuard(Some(
        std::process::Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
            .args(["sandbox", "--scenario", "configured:topleft-autotask"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    ));
    let stdout = child.0.as_mut().unwrap().stdout.take().unwrap();
    let banner = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.contains("Press Ctrl-C");
            lines.push(line);
            if done {
                break;
            }
        }
        lines.join("\n")
    })
    .await
    .unwrap();
    assert!(banner.contains("PUBLIC demo values"), "{banner}");
    let root = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("API root (zone lookup): "))
        .expect("Autotask root printed")
        .to_string();
    assert!(root.starts_with("http://127.0.0.1:"));
    let site = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("site: "))
        .expect("ConnectWise site printed")
        .to_string();
    let field = |name: &str| {
        banner
            .lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("{name} printed"))
    };
    let (user, secret, code) = (
        field("username:"),
        field("secret:"),
        field("tracking identifier:"),
    );
    let http = client();
    let r = send(
        http.get(format!("{root}/V1.0/Version"))
            .header("ApiIntegrationCode", &code)
            .header("UserName", &user)
            .header("Secret", &secret),
    )
    .await;
    assert_eq!(r.status, 200, "the printed credentials work");
    let r = send(http.get(format!("{site}/login/companyinfo/{}", field("company ID:")))).await;
    assert_eq!(r.status, 200);

    let status = std::process::Command::new("kill")
        .args(["-INT", &child.0.as_ref().unwrap().id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let process = child.0.take().unwrap();
    let out = tokio::task::spawn_blocking(move || process.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "exit after Ctrl-C: {:?}", out.status);
    assert!(
        send_err(&http, &format!("{site}/login/companyinfo/sandbox")).await,
        "the port is closed"
    );
}

/// Kills the child this test started if the test fails before stopping it.
struct ChildGuard(Option<std::process::Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn send_err(http: &reqwest::Client, url: &str) -> bool {
    http.get(url).send().await.is_err()
}

/// The contract test's schema checker itself catches wrong types, unknown fields, missing
/// required fields and enum violations.
#[test]
fn the_schema_checker_can_fail() {
    let spec = cw_spec();
    let schema = json!({"$ref": "#/components/schemas/MySecurity"});
    let mut errors = Vec::new();
    check(
        spec,
        &schema,
        &json!({"id": 1, "addLevel": "All", "_info": {"a": "b"}}),
        "ok",
        false,
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:?}");
    for bad in [
        json!({"id": "1"}),
        json!({"addLevel": "Mine"}),
        json!({"notAField": true}),
        json!({"_info": {"a": 1}}),
        json!({"member": {"id": "x"}}),
    ] {
        let mut errors = Vec::new();
        check(spec, &schema, &bad, "bad", false, &mut errors);
        assert!(!errors.is_empty(), "{bad} passed");
    }
    let mut errors = Vec::new();
    check(
        spec,
        &json!({"$ref": "#/components/schemas/CallbackEntry"}),
        &json!({"url": "x"}),
        "cb",
        false,
        &mut errors,
    );
    assert!(
        errors.iter().any(|e| e.contains("missing required")),
        "{errors:?}"
    );
    let at = at_spec();
    let mut errors = Vec::new();
    check(
        at,
        &json!({"$ref": "#/definitions/EntityInformationResultModel"}),
        &json!({"info": {"userAccessForQuery": 1}}),
        "at",
        true,
        &mut errors,
    );
    assert_eq!(
        errors.len(),
        1,
        "userAccessFor* must be a string: {errors:?}"
    );
}
