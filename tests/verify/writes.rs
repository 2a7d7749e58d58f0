//! Write tests: impersonation only on writes, only with consent, and cleaned up.

use super::*;

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

    with_api_user_level(&sb, |l| {
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
