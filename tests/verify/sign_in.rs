//! Signing in: each wrong credential named, and a refused one never sent again.

use super::*;

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
        let r = verify_step_on(&sb, &w, "api-user").await;
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
