//! Binding, scenarios, CLI-facing API.

use super::*;

#[tokio::test]
async fn binds_only_to_loopback() {
    let sb = start("unconfigured").await;
    assert_eq!(sb.local_addr().ip(), std::net::IpAddr::from([127, 0, 0, 1]));
    assert!(sb.autotask_api_root().starts_with("http://127.0.0.1:"));
    assert!(sb.connectwise_site().starts_with("http://127.0.0.1:"));
    assert!(sb.root_cert_pem().is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn every_builtin_wizard_has_a_configured_scenario() {
    let names = sandbox::scenario_names();
    assert!(names.contains(&"unconfigured".to_string()));
    for l in wizard::builtin() {
        let name = format!("configured:{}", l.wizard.id);
        assert!(names.contains(&name), "{name} missing");
        let sb = start(&name).await;
        assert_eq!(
            sign_in_status(&sb, l.wizard.psa, &sb.credentials()).await,
            200,
            "{name}"
        );
        sb.shutdown().await;
    }
    assert_eq!(names.len(), 1 + wizard::builtin().len());
    let err = Sandbox::start(SandboxOptions {
        scenario: "configured:nope".into(),
        ..SandboxOptions::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("configured:<wizard-id>"), "{err}");
}

#[tokio::test]
async fn demo_credentials_are_fixed_and_never_debug_printed() {
    let a = start("unconfigured").await;
    let b = start("unconfigured").await;
    let w = wizard("topleft-autotask");
    let (ca, cb) = (a.credentials_for(&w), b.credentials_for(&w));
    assert_eq!(ca.autotask.username, cb.autotask.username);
    assert_eq!(ca.autotask.integration_code, cb.autotask.integration_code);
    assert_eq!(
        ca.autotask.secret.expose_secret(),
        cb.autotask.secret.expose_secret()
    );
    let debug = format!("{ca:?}");
    assert!(
        !debug.contains(ca.autotask.secret.expose_secret()),
        "{debug}"
    );
    assert!(!debug.contains(ca.connectwise.private_key.expose_secret()));
    a.shutdown().await;
    b.shutdown().await;
}
