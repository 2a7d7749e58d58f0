//! ConnectWise.

use super::*;

#[tokio::test]
async fn company_info_gives_the_codebase_without_auth() {
    let sb = start("unconfigured").await;
    let r = send(client().get(format!(
        "{}/login/companyinfo/{CW_COMPANY_ID}",
        sb.connectwise_site()
    )))
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["Codebase"], "v2025_1/");
    assert_eq!(v["CompanyID"], CW_COMPANY_ID);
    for key in [
        "CompanyName",
        "VersionCode",
        "VersionNumber",
        "IsCloud",
        "SiteUrl",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let r = send(client().get(format!("{}/login/companyinfo/other", sb.connectwise_site()))).await;
    assert_eq!(r.status, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn connectwise_auth_needs_client_id_and_keys() {
    let sb = start("configured:topleft-connectwise").await;
    let creds = sb.credentials();
    let good = Cw::api(&sb, &creds);
    let info = good.get("system/info").await;
    assert_eq!(info.status, 200);
    assert!(info.json()["version"].is_string());
    // v4_6_release routes too.
    let r = send(
        good.http
            .get(format!("{}/v4_6_release/apis/3.0/system/info", good.site))
            .basic_auth(
                format!("{CW_COMPANY_ID}+{}", creds.connectwise.public_key),
                Some(creds.connectwise.private_key.expose_secret()),
            )
            .header("clientId", CW_CLIENT_ID),
    )
    .await;
    assert_eq!(r.status, 200);

    let mut no_client = Cw::api(&sb, &creds);
    no_client.client_id = None;
    let r = no_client.get("system/info").await;
    assert!(matches!(r.status.as_u16(), 400 | 401));
    assert!(r.text.contains("clientId"), "{}", r.text);
    let mut unregistered = Cw::api(&sb, &creds);
    unregistered.client_id = Some("00000000-0000-0000-0000-000000000000".into());
    let r = unregistered.get("system/info").await;
    assert!(matches!(r.status.as_u16(), 400 | 401));
    assert!(r.text.contains("clientId"));

    let mut bad = Cw::api(&sb, &creds);
    bad.auth = Some((creds.connectwise.public_key.clone(), "wrong".into()));
    let r = bad.get("system/info").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"code": "ConnectWiseApi", "message": "UserNotAuthenticated"})
    );
    // An inactive member looks like bad keys.
    sb.with_tenant(|t| {
        t.connectwise
            .members
            .iter_mut()
            .find(|m| m.identifier == "TopLeft")
            .unwrap()
            .inactive = true
    });
    assert_eq!(good.get("system/info").await.status, 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn members_filter_with_conditions() {
    let sb = start("configured:topleft-connectwise").await;
    let cw = Cw::api(&sb, &sb.credentials());
    let me = cw.get("system/myMembers").await.json();
    assert_eq!(me["identifier"], "TopLeft");
    assert_eq!(me["licenseClass"], "A");
    assert_eq!(me["securityRole"]["name"], "TopLeft");
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["identifier"].as_str().unwrap().to_string())
            .collect()
    };
    let q = |c: &str| format!("system/members?conditions={}", enc(c));
    assert_eq!(
        ids(cw.get(&q("identifier=\"TopLeft\"")).await.json()),
        vec!["TopLeft"]
    );
    assert_eq!(
        ids(cw.get(&q("securityRole/name=\"Admin\"")).await.json()),
        vec!["admin1"]
    );
    assert_eq!(
        ids(cw
            .get(&q("identifier=\"tech1\" or securityRole/name=\"TopLeft\""))
            .await
            .json())
        .len(),
        2
    );
    assert!(
        ids(cw
            .get(&q("identifier=\"tech1\" and securityRole/name=\"TopLeft\""))
            .await
            .json())
        .is_empty()
    );
    assert_eq!(
        ids(cw
            .get(&format!(
                "system/apiMembers?conditions={}",
                enc("identifier=\"TopLeft\"")
            ))
            .await
            .json()),
        vec!["TopLeft"]
    );
    assert_eq!(
        ids(cw.get("system/apiMembers").await.json()),
        vec!["TopLeft"],
        "API members only"
    );
    let r = cw.get(&q("identifier=TopLeft")).await;
    assert_eq!(r.status, 400);
    assert!(
        r.text
            .contains("String values should be enclosed with double or single quotes")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn my_security_pages_with_link_headers() {
    let sb = start("configured:topleft-connectwise").await;
    let cw = Cw::api(&sb, &sb.credentials());
    let all = cw.get("system/mySecurity?pageSize=1000").await;
    let total = all.json().as_array().unwrap().len();
    assert!(total > 25 && total < 1000);
    assert!(all.header("link").is_none(), "one page: no next/last");
    let first = cw.get("system/mySecurity").await;
    assert_eq!(
        first.json().as_array().unwrap().len(),
        25,
        "default page size"
    );
    let link = first.header("link").unwrap();
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"last\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""));
    let next = link
        .split(',')
        .find(|l| l.contains("rel=\"next\""))
        .unwrap();
    let url = next
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap();
    let page2 = send(
        cw.http
            .get(url)
            .basic_auth(
                format!("{CW_COMPANY_ID}+{}", cw.auth.as_ref().unwrap().0),
                Some(&cw.auth.as_ref().unwrap().1),
            )
            .header("clientId", CW_CLIENT_ID),
    )
    .await;
    assert_eq!(page2.status, 200);
    let l2 = page2.header("link").unwrap();
    assert!(
        l2.contains("rel=\"prev\"") && l2.contains("rel=\"first\""),
        "{l2}"
    );
    let big = cw.get("system/mySecurity?pageSize=5000").await;
    assert_eq!(
        big.json().as_array().unwrap().len(),
        total,
        "pageSize is capped at 1000"
    );
    // Rows outside TopLeft's table are at None; a table row has its four levels.
    let rows = all.json();
    let merge = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["moduleFunctionName"] == "Merge Tickets")
        .unwrap();
    assert_eq!(
        (
            merge["addLevel"].as_str(),
            merge["editLevel"].as_str(),
            merge["inquireLevel"].as_str()
        ),
        (Some("All"), Some("None"), Some("All"))
    );
    let invoicing = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["moduleFunctionName"] == "Invoicing")
        .unwrap();
    assert_eq!(invoicing["inquireLevel"], "None");
    sb.shutdown().await;
}

#[tokio::test]
async fn role_settings_are_403_unless_admin() {
    let sb = start("configured:topleft-connectwise").await;
    let api = Cw::api(&sb, &sb.credentials());
    let r = api.get("system/securityroles").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"code": "Security", "message": "You do not have security permission to perform this action."})
    );
    let admin = Cw::admin(&sb);
    let roles = admin
        .get(&format!(
            "system/securityroles?conditions={}",
            enc("name=\"TopLeft\"")
        ))
        .await
        .json();
    let id = roles[0]["id"].as_i64().unwrap();
    assert_eq!(roles[0]["adminFlag"], false);
    assert_eq!(
        api.get(&format!("system/securityRoles/{id}/settings"))
            .await
            .status,
        403
    );
    let settings = admin
        .get(&format!("system/securityRoles/{id}/settings?pageSize=1000"))
        .await
        .json();
    let st = settings
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["moduleFunctionName"] == "Service Tickets")
        .unwrap();
    assert_eq!(st["deleteLevel"], "All");
    // Creating a role: 201; deleting it: 204.
    let r = send(
        admin
            .req(Method::POST, "system/securityroles")
            .json(&json!({"name": "Temp"})),
    )
    .await;
    assert_eq!(r.status, 201);
    let new_id = r.json()["id"].as_i64().unwrap();
    let r = send(admin.req(Method::DELETE, &format!("system/securityroles/{new_id}"))).await;
    assert_eq!(r.status, 204);
    sb.shutdown().await;
}

#[tokio::test]
async fn callbacks_have_full_crud() {
    let sb = start("configured:topleft-connectwise").await;
    let cw = Cw::api(&sb, &sb.credentials());
    let body = json!({"description": "tickets", "url": "https://hooks.example.test/cw?recordId=", "objectId": 1, "type": "Ticket", "level": "Owner"});
    let r = send(cw.req(Method::POST, "system/callbacks").json(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["inactiveFlag"], false);
    let r = send(
        cw.req(Method::POST, "system/callbacks")
            .json(&json!({"url": "x"})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "InvalidObject");
    let r = send(
        cw.req(Method::PATCH, &format!("system/callbacks/{id}"))
            .json(&json!([{"op": "replace", "path": "inactiveFlag", "value": true}])),
    )
    .await;
    assert_eq!(r.json()["inactiveFlag"], true);
    assert_eq!(
        cw.get("system/callbacks/count").await.json(),
        json!({"count": 1})
    );
    let r = send(cw.req(Method::DELETE, &format!("system/callbacks/{id}"))).await;
    assert_eq!(r.status, 204);
    assert_eq!(cw.get("system/callbacks").await.json(), json!([]));
    sb.shutdown().await;
}
