//! Autotask.

use super::*;

#[tokio::test]
async fn zone_lookup_is_case_insensitive_unauthenticated_and_points_back_here() {
    let sb = start("configured:topleft-autotask").await;
    let user = sb.credentials().autotask.username;
    let http = client();
    for path in ["V1.0/zoneInformation", "v1.0/ZoneInformation"] {
        let r = send(http.get(format!(
            "{}/{path}?user={}",
            sb.autotask_api_root(),
            enc(&user)
        )))
        .await;
        assert_eq!(r.status, 200, "{path}");
        let v = r.json();
        assert_eq!(
            v["url"],
            format!("{}/ATServicesRest/", sb.connectwise_site())
        );
        assert!(v["zoneName"].is_string() && v["webUrl"].is_string() && v["ci"].is_i64());
    }
    let r = send(http.get(format!(
        "{}/V1.0/zoneInformation?user=nobody%40example.com",
        sb.autotask_api_root()
    )))
    .await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        json!({"errors": ["Zone information could not be determined"]})
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn every_credential_problem_is_an_empty_401() {
    let sb = start("configured:topleft-autotask").await;
    let creds = sb.credentials();
    let good = At::new(&sb, &creds);
    assert_eq!(good.get("Version").await.json()["majorVersion"], "1");

    let check = |r: Resp, what: &str| {
        assert_eq!(r.status, 401, "{what}");
        assert!(r.text.is_empty(), "{what}: body {:?}", r.text);
        assert!(
            r.header("www-authenticate")
                .is_some_and(|v| v.starts_with("Basic Realm=")),
            "{what}"
        );
    };
    let mut at = At::new(&sb, &creds);
    at.secret = "wrong".into();
    check(at.get("Version").await, "wrong secret");
    let mut at = At::new(&sb, &creds);
    at.user = "ghost@sandbox.psa-onboard.test".into();
    check(at.get("Version").await, "unknown user");
    let mut at = At::new(&sb, &creds);
    at.code = "NOTTHEVENDORSCODE".into();
    check(at.get("Version").await, "wrong tracking code");

    // A human (Administrator license) with the right secret and a tracking code still fails.
    let mut human = At::new(&sb, &creds);
    human.user = "admin@sandbox.psa-onboard.test".into();
    let code = creds.autotask.integration_code.clone();
    sb.with_tenant(|t| {
        t.autotask
            .resource_by_user_mut("admin@sandbox.psa-onboard.test")
            .unwrap()
            .tracking_code = Some(code);
    });
    check(human.get("Version").await, "non-API-only license");

    sb.with_tenant(|t| {
        t.autotask
            .resource_by_user_mut(&creds.autotask.username)
            .unwrap()
            .is_active = false
    });
    check(good.get("Version").await, "inactive");
    sb.with_tenant(|t| {
        let r = t
            .autotask
            .resource_by_user_mut(&creds.autotask.username)
            .unwrap();
        r.is_active = true;
        r.locked = true;
    });
    check(good.get("Version").await, "locked");

    // The 2023 variants, for tenants that still answer them.
    sb.with_tenant(|t| t.autotask.legacy_auth_errors = true);
    let mut at = At::new(&sb, &creds);
    at.user = "ghost@sandbox.psa-onboard.test".into();
    let r = at.get("Version").await;
    assert_eq!(
        (r.status.as_u16(), r.json()),
        (
            500,
            json!({"errors": ["Zone information could not be determined"]})
        )
    );
    let mut at = At::new(&sb, &creds);
    at.user = "pat.pro@sandbox.psa-onboard.test".into();
    let r = at.get("Version").await;
    assert_eq!(
        (r.status.as_u16(), r.json()),
        (500, json!({"errors": ["IntegrationCode is invalid."]}))
    );
    at.secret = "wrong".into();
    check(at.get("Version").await, "legacy wrong secret");
    sb.shutdown().await;
}

#[tokio::test]
async fn repeated_bad_secrets_lock_the_user() {
    let sb = start("configured:rewst-autotask").await;
    let creds = sb.credentials();
    let good = At::new(&sb, &creds);
    let mut bad = At::new(&sb, &creds);
    bad.secret = "not-the-secret".into();
    // Four failures then a success resets the count.
    for _ in 0..4 {
        assert_eq!(bad.get("Version").await.status, 401);
    }
    assert_eq!(good.get("Version").await.status, 200);
    for _ in 0..sandbox::DEFAULT_LOCKOUT_THRESHOLD {
        assert_eq!(bad.get("Version").await.status, 401);
    }
    let r = good.get("Version").await;
    assert_eq!(r.status, 401, "locked: the right secret is refused too");
    assert!(r.text.is_empty());
    assert!(sb.with_tenant(|t| {
        t.autotask
            .resource_by_user(&creds.autotask.username)
            .unwrap()
            .locked
    }));
    sb.shutdown().await;
}

#[tokio::test]
async fn threshold_information_counts_requests() {
    let sb = start("configured:topleft-autotask").await;
    let at = At::new(&sb, &sb.credentials());
    let first = at.get("ThresholdInformation").await.json();
    at.get("Version").await;
    let second = at.get("ThresholdInformation").await.json();
    assert_eq!(first["externalRequestThreshold"], 10000);
    assert_eq!(first["requestThresholdTimeframe"], 60);
    assert_eq!(
        second["currentTimeframeRequestCount"].as_i64().unwrap(),
        first["currentTimeframeRequestCount"].as_i64().unwrap() + 2
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn entity_information_follows_the_callers_level() {
    let sb = start("configured:topleft-autotask").await;
    let creds = sb.credentials();
    let at = At::new(&sb, &creds);
    let info = at.get("Tickets/entityInformation").await.json();
    assert_eq!(info["info"]["canDelete"], false);
    assert_eq!(info["info"]["userAccessForQuery"], "All");
    assert_eq!(info["info"]["userAccessForUpdate"], "All");
    assert_eq!(info["info"]["userAccessForCreate"], "None");
    assert_eq!(info["info"]["userAccessForDelete"], "None");
    assert_eq!(at.access("Invoices", Op::Query).await, "None");
    // The admin restricts tickets: the API says so.
    sb.with_tenant(|t| {
        let level = t.autotask.level_by_name_mut("TopLeft").unwrap();
        level.entity_access_mut("Tickets").query = AccessLevel::Restricted;
    });
    assert_eq!(at.access("Tickets", Op::Query).await, "Restricted");
    // Case-insensitive paths.
    let r = at.get("tickets/EntityInformation").await;
    assert_eq!(r.status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn resource_fields_list_levels_and_licenses_as_string_picklists() {
    let sb = start("configured:topleft-autotask").await;
    let at = At::new(&sb, &sb.credentials());
    let v = at.get("Resources/entityInformation/fields").await.json();
    let field = |name: &str| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap()
    };
    let user_type = field("userType");
    let labels: Vec<&str> = user_type["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"API User (system)"), "{labels:?}");
    assert!(labels.contains(&"TopLeft"), "{labels:?}");
    let license = field("licenseType");
    let api = license["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["label"] == "API User")
        .unwrap();
    assert_eq!(api["value"], "7", "picklist values are strings");
    assert_eq!(license["picklistValues"].as_array().unwrap().len(), 9);
    sb.shutdown().await;
}

#[tokio::test]
async fn queries_filter_project_page_and_count() {
    let sb = start("configured:topleft-autotask").await;
    let creds = sb.credentials();
    let at = At::new(&sb, &creds);

    let r = at.post("Resources/query", json!({"MaxRecords": 1})).await;
    assert_eq!(r.status, 500);
    assert!(r.json()["errors"][0].as_str().unwrap().contains("filter"));
    for bad in [0, 501] {
        let r = at
            .post(
                "Resources/query",
                json!({"MaxRecords": bad, "Filter": all_filter()}),
            )
            .await;
        assert_eq!(r.status, 500);
        assert_eq!(
            r.json(),
            json!({"errors": ["maxCountOfRecordsToReturn must be between 1 and 500"]})
        );
    }

    let ids = |r: Resp| -> Vec<i64> {
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    let q = |filter: Value| json!({"Filter": [filter], "IncludeFields": ["id"]});
    // The verifier's own-record probe.
    let me = at
        .post(
            "Resources/query",
            json!({"MaxRecords": 1, "IncludeFields": ["id","userName","isActive","licenseType","userType"],
                   "Filter": [{"op": "eq", "field": "userName", "value": creds.autotask.username}]}),
        )
        .await
        .json();
    let item = &me["items"][0];
    assert_eq!(item["licenseType"], LICENSE_API_USER);
    assert_eq!(item["isActive"], true);
    assert!(
        item.get("email").is_none(),
        "IncludeFields limits the fields"
    );
    let my_id = item["id"].as_i64().unwrap();

    let humans = ids(at
        .post(
            "Resources/query",
            q(json!({"op": "and", "items": [
                {"op": "eq", "field": "isActive", "value": true},
                {"op": "noteq", "field": "licenseType", "value": 7}]})),
        )
        .await);
    assert_eq!(humans.len(), 6);
    assert!(!humans.contains(&my_id));
    assert_eq!(
        ids(at
            .post(
                "Resources/query",
                q(json!({"op": "in", "field": "licenseType", "value": [5, 8]}))
            )
            .await),
        vec![29682888, 29682890]
    );
    assert_eq!(
        ids(at
            .post(
                "Resources/query",
                q(json!({"op": "notIn", "field": "licenseType", "value": [1, 3, 4, 5, 8, 9]}))
            )
            .await),
        vec![my_id]
    );
    assert_eq!(
        ids(at
            .post(
                "Resources/query",
                q(json!({"op": "or", "items": [
                {"op": "lt", "field": "id", "value": 29682886},
                {"op": "gt", "field": "id", "value": 29682889},
                ]}))
            )
            .await)
        .len(),
        3
    );
    assert_eq!(
        ids(at
            .post(
                "Resources/query",
                q(json!({"op": "and", "items": [
                {"op": "gte", "field": "id", "value": 29682886},
                {"op": "lte", "field": "id", "value": 29682887},
                ]}))
            )
            .await),
        vec![29682886, 29682887]
    );

    // Paging: POST nextPageUrl with the same body; GET is 405.
    let body = json!({"MaxRecords": 4, "IncludeFields": ["id"], "Filter": all_filter()});
    let page1 = at.post("Resources/query", body.clone()).await.json();
    assert_eq!(page1["pageDetails"]["count"], 4);
    assert_eq!(page1["pageDetails"]["requestCount"], 4);
    let next = page1["pageDetails"]["nextPageUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        next.contains("/V1.0/Resources/query/next?paging="),
        "{next}"
    );
    let follow = |m: Method| {
        at.http
            .request(m, &next)
            .header("ApiIntegrationCode", &at.code)
            .header("UserName", &at.user)
            .header("Secret", &at.secret)
    };
    let r = send(follow(Method::GET)).await;
    assert_eq!(r.status, 405);
    assert_eq!(
        r.json(),
        json!({"Message": "The requested resource does not support http method 'GET'."})
    );
    let page2 = send(follow(Method::POST).json(&body)).await.json();
    assert_eq!(page2["pageDetails"]["count"], 3);
    assert!(page2["pageDetails"]["nextPageUrl"].is_null());

    // The GET form with `search=<json>`.
    let search = enc(&json!({"MaxRecords": 2, "Filter": all_filter()}).to_string());
    let r = at.get(&format!("Resources/query?search={search}")).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);

    let count = at
        .post("Resources/query/count", json!({"Filter": all_filter()}))
        .await
        .json();
    assert_eq!(count, json!({"queryCount": 7}));
    // TicketWebhooks and probed entities answer the same way.
    let r = at
        .post(
            "Contracts/query",
            json!({"MaxRecords": 1, "Filter": all_filter()}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn missing_permissions_are_500s_per_operation() {
    let sb = start("configured:topleft-autotask").await;
    let at = At::new(&sb, &sb.credentials());
    let r = at
        .post("Invoices/query", json!({"Filter": all_filter()}))
        .await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("query")));
    let r = at.post("Tickets", json!({"title": "x"})).await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("create")));
    let r = send(
        at.req(Method::PATCH, "Opportunities")
            .json(&json!({"id": 1, "title": "y"})),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("update")));
    let r = send(at.req(Method::DELETE, "ServiceCalls/1")).await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("delete")));
    // DELETE on tickets or contracts is not in the API at all (the Swagger has none).
    assert_eq!(send(at.req(Method::DELETE, "Tickets/1")).await.status, 405);
    assert_eq!(
        send(at.req(Method::DELETE, "Contracts/1")).await.status,
        405
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn impersonation_follows_levels_and_license_limits() {
    let sb = start("configured:topleft-autotask").await;
    let creds = sb.credentials();
    let at = At::new(&sb, &creds);
    let note =
        json!({"title": "Setup check", "description": "psa-onboard", "noteType": 1, "publish": 2});
    let as_resource = |id: i64, path: &str| {
        at.req(Method::POST, path)
            .header("ImpersonationResourceId", id.to_string())
            .json(&note)
    };
    // Administrator: allowed; the note is attributed to the human.
    let r = send(as_resource(29682885, "Tickets/1/Notes")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let item_id = r.json()["itemId"].as_i64().unwrap();
    let got = at.get(&format!("Tickets/1/Notes/{item_id}")).await.json();
    assert_eq!(got["item"]["creatorResourceID"], 29682885);
    let me = sb.with_tenant(|t| {
        t.autotask
            .resource_by_user(&creds.autotask.username)
            .unwrap()
            .id
    });
    assert_eq!(got["item"]["impersonatorCreatorResourceID"], me);
    // The flat TicketNotes route too; Team Member may add ticket notes.
    let mut flat = note.clone();
    flat["ticketID"] = json!(2);
    let r = send(
        at.req(Method::POST, "TicketNotes")
            .header("ImpersonationResourceId", "29682887")
            .json(&flat),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Contractor and Time & Attendance licenses, and API users, cannot be impersonated here.
    for id in [29682888, 29682890, me] {
        let r = send(as_resource(id, "Tickets/1/Notes")).await;
        assert_eq!(
            (r.status.as_u16(), r.json()),
            (500, denied("create")),
            "resource {id}"
        );
    }
    // A level without "Allow impersonation".
    let level = sb.with_tenant(|t| t.autotask.resource(29682886).unwrap().user_type);
    sb.with_tenant(|t| {
        t.autotask
            .levels
            .iter_mut()
            .find(|l| l.id == level)
            .unwrap()
            .allow_impersonation = false
    });
    let r = send(as_resource(29682886, "Tickets/1/Notes")).await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("create")));
    // The header on reads is refused.
    let r = send(
        at.req(Method::GET, "Tickets/1")
            .header("ImpersonationResourceId", "29682885"),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("query")));
    let r = send(
        at.req(Method::POST, "Tickets/query")
            .header("ImpersonationResourceId", "29682885")
            .json(&json!({"Filter": all_filter()})),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("query")));
    sb.shutdown().await;
}

#[tokio::test]
async fn webhooks_need_the_levels_webhook_permission() {
    let sb = start("configured:topleft-autotask").await;
    let at = At::new(&sb, &sb.credentials());
    let hook = json!({"name": "t", "isActive": false, "webhookUrl": "https://hooks.example.test/x", "deactivationUrl": "https://hooks.example.test/d"});
    assert_eq!(at.access("TicketWebhooks", Op::Create).await, "None");
    let r = at.post("TicketWebhooks", hook.clone()).await;
    assert_eq!((r.status.as_u16(), r.json()), (500, denied("create")));
    sb.shutdown().await;

    let sb = start("configured:rewst-autotask").await;
    let at = At::new(&sb, &sb.credentials());
    assert_eq!(at.access("TicketWebhooks", Op::Create).await, "All");
    let r = at
        .post("TicketWebhooks", json!({"webhookUrl": "https://x"}))
        .await;
    assert_eq!(r.status, 500, "deactivationUrl is required");
    let id = at.post("TicketWebhooks", hook).await.json()["itemId"]
        .as_i64()
        .unwrap();
    let list = at
        .post("TicketWebhooks/query", json!({"Filter": all_filter()}))
        .await
        .json();
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["items"][0]["isActive"], false);
    let r = send(at.req(Method::DELETE, &format!("TicketWebhooks/{id}"))).await;
    assert_eq!(r.json(), json!({"itemId": id}));
    let list = at
        .post("TicketWebhooks/query", json!({"Filter": all_filter()}))
        .await
        .json();
    assert_eq!(list["items"], json!([]));
    sb.shutdown().await;
}

#[tokio::test]
async fn a_fourth_concurrent_request_hits_the_thread_limit() {
    let sb = Sandbox::start(SandboxOptions {
        scenario: "configured:topleft-autotask".into(),
        latency: Duration::from_millis(2500),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let creds = sb.credentials();
    let at = At::new(&sb, &creds);
    let results = futures::future::join_all((0..4).map(|_| at.get("Version"))).await;
    let limited: Vec<&Resp> = results.iter().filter(|r| r.status != 200).collect();
    assert_eq!(
        limited.len(),
        1,
        "exactly one of four concurrent calls is refused"
    );
    assert_eq!(limited[0].status, 429);
    let text = limited[0].json()["errors"][0].as_str().unwrap().to_string();
    assert!(text.contains("Thread Threshold Exceeded"), "{text}");
    assert!(text.contains("thread threshold of 3 threads has been exceeded"));
    // Another documented status for the same error.
    sb.with_tenant(|t| t.autotask.thread_limit_status = 500);
    let results = futures::future::join_all((0..4).map(|_| at.get("ThresholdInformation"))).await;
    let limited: Vec<&Resp> = results.iter().filter(|r| r.status != 200).collect();
    assert_eq!(limited.len(), 1);
    assert_eq!(limited[0].status, 500);
    assert!(limited[0].text.contains("Thread Threshold Exceeded"));
    // Zone lookups are exempt.
    let http = client();
    let zone = format!(
        "{}/V1.0/zoneInformation?user={}",
        sb.autotask_api_root(),
        enc(&creds.autotask.username)
    );
    let zones = futures::future::join_all((0..4).map(|_| send(http.get(&zone)))).await;
    assert!(zones.iter().all(|r| r.status == 200));
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_get_the_iis_html_404() {
    let sb = start("unconfigured").await;
    let http = client();
    for url in [
        format!("{}/V1.0/NoSuchEntity/query", sb.autotask_api_root()),
        format!("{}/nothing/here", sb.connectwise_site()),
    ] {
        let r = send(http.get(&url)).await;
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(r.header("content-type").as_deref(), Some("text/html"));
        assert!(r.text.contains("404 - File or directory not found."));
    }
    sb.shutdown().await;
}
