//! Faults and TLS.

use super::*;

#[tokio::test]
async fn faults_rate_limit_burst_drop_malformed_and_oversize() {
    let sb = start("configured:topleft-connectwise").await;
    let cw = Cw::api(&sb, &sb.credentials());
    sb.set_faults(Faults {
        rate_limit_next: 2,
        retry_after_secs: 7,
        ..Faults::default()
    });
    for _ in 0..2 {
        let r = cw.get("system/info").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").as_deref(), Some("7"));
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("Too many requests")
        );
    }
    assert_eq!(cw.get("system/info").await.status, 200);

    sb.set_faults(Faults {
        server_error_next: 3,
        ..Faults::default()
    });
    for _ in 0..3 {
        assert!(cw.get("system/info").await.status.is_server_error());
    }
    assert_eq!(cw.get("system/info").await.status, 200);

    sb.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    let err = cw.req(Method::GET, "system/info").send().await;
    assert!(err.is_err(), "dropped connection gives no response");
    assert_eq!(cw.get("system/info").await.status, 200);

    sb.set_faults(Faults {
        malformed_json_next: 1,
        ..Faults::default()
    });
    let r = cw.get("system/info").await;
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_str::<Value>(&r.text).is_err(),
        "{}",
        r.text
    );

    sb.set_faults(Faults {
        oversized_next: 1,
        oversized_bytes: 3 * 1024 * 1024,
        ..Faults::default()
    });
    let r = cw.get("system/info").await;
    assert!(r.text.len() >= 3 * 1024 * 1024 - 32);
    assert!(cw.get("system/info").await.text.len() < 4096);
    let left = sb.faults();
    assert_eq!(
        (
            left.rate_limit_next,
            left.server_error_next,
            left.drop_next,
            left.malformed_json_next,
            left.oversized_next
        ),
        (0, 0, 0, 0, 0),
        "every counter consumed"
    );

    // Faults set at start; Autotask's 429 carries Retry-After as well.
    let at_sb = Sandbox::start(SandboxOptions {
        scenario: "configured:topleft-autotask".into(),
        faults: Faults {
            rate_limit_next: 1,
            ..Faults::default()
        },
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let at = At::new(&at_sb, &at_sb.credentials());
    let r = at.get("Version").await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    at_sb.shutdown().await;
    sb.shutdown().await;
}

#[tokio::test]
async fn tls_serves_a_self_signed_certificate_clients_can_trust() {
    let sb = Sandbox::start(SandboxOptions {
        tls: true,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let pem = sb.root_cert_pem().expect("PEM exposed");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(sb.connectwise_site().starts_with("https://127.0.0.1:"));
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let url = format!(
        "{}/login/companyinfo/{CW_COMPANY_ID}",
        sb.connectwise_site()
    );
    let r = send(trusting.get(&url)).await;
    assert_eq!(r.status, 200);
    let zone = send(trusting.get(format!(
        "{}/V1.0/zoneInformation?user=x",
        sb.autotask_api_root()
    )))
    .await;
    assert_eq!(zone.status, 500);
    let untrusting = client();
    assert!(
        untrusting.get(&url).send().await.is_err(),
        "an untrusted self-signed cert fails"
    );
    sb.shutdown().await;
}
