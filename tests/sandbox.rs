//! The embedded PSA sandbox over real HTTP on loopback: Autotask and ConnectWise behaviour
//! (quirks included), faults, TLS, scenarios, wizard-driven admin actions, and a contract test
//! holding every route and JSON body to the official specs (specs/, or
//! `$PSA_ONBOARD_SPECS_DIR`).

use std::sync::OnceLock;
use std::time::Duration;

use psa_onboard::sandbox::{
    self, AccessLevel, CW_ADMIN_PRIVATE_KEY, CW_ADMIN_PUBLIC_KEY, CW_CLIENT_ID, CW_COMPANY_ID,
    DemoCredentials, Faults, LICENSE_API_USER, Sandbox, SandboxOptions,
};
use psa_onboard::wizard::{self, Access, Column, Op, Psa, StepKind, Wizard};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

#[path = "common/mod.rs"]
mod common;
use common::sandbox::sandbox as start;
use common::wizards::wizard;

// ------------------------------------------------------------------------------------------
// helpers
// ------------------------------------------------------------------------------------------

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

struct Resp {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

async fn send(rb: reqwest::RequestBuilder) -> Resp {
    let r = rb.send().await.expect("request reaches the sandbox");
    Resp {
        status: r.status(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap(),
    }
}

/// An Autotask API caller with the three headers.
struct At {
    root: String,
    user: String,
    secret: String,
    code: String,
    http: reqwest::Client,
}

impl At {
    fn new(sb: &Sandbox, creds: &DemoCredentials) -> At {
        At {
            root: sb.autotask_api_root(),
            user: creds.autotask.username.clone(),
            secret: creds.autotask.secret.expose_secret().to_string(),
            code: creds.autotask.integration_code.clone(),
            http: client(),
        }
    }
    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/V1.0/{path}", self.root))
            .header("ApiIntegrationCode", &self.code)
            .header("UserName", &self.user)
            .header("Secret", &self.secret)
    }
    async fn get(&self, path: &str) -> Resp {
        send(self.req(Method::GET, path)).await
    }
    async fn post(&self, path: &str, body: Value) -> Resp {
        send(self.req(Method::POST, path).json(&body)).await
    }
    async fn access(&self, entity: &str, op: Op) -> String {
        let r = self.get(&format!("{entity}/entityInformation")).await;
        assert_eq!(r.status, 200, "{entity}: {}", r.text);
        let key = match op {
            Op::Query => "userAccessForQuery",
            Op::Create => "userAccessForCreate",
            Op::Update => "userAccessForUpdate",
            Op::Delete => "userAccessForDelete",
        };
        r.json()["info"][key].as_str().unwrap().to_string()
    }
}

/// The status the PSA answers its cheapest credentialed read with (Autotask `Version`,
/// ConnectWise `system/info`), signed in with `creds`.
async fn sign_in_status(sb: &Sandbox, psa: Psa, creds: &DemoCredentials) -> StatusCode {
    match psa {
        Psa::Autotask => At::new(sb, creds).get("Version").await.status,
        Psa::Connectwise => Cw::api(sb, creds).get("system/info").await.status,
    }
}

fn all_filter() -> Value {
    json!([{"op": "gte", "field": "id", "value": 0}])
}

fn denied(op: &str) -> Value {
    json!({"errors": [format!("The logged in Resource does not have the adequate permissions to {op} this entity type.")]})
}

/// A ConnectWise caller.
struct Cw {
    site: String,
    auth: Option<(String, String)>,
    client_id: Option<String>,
    http: reqwest::Client,
}

impl Cw {
    fn api(sb: &Sandbox, creds: &DemoCredentials) -> Cw {
        Cw {
            site: sb.connectwise_site(),
            auth: Some((
                creds.connectwise.public_key.clone(),
                creds.connectwise.private_key.expose_secret().to_string(),
            )),
            client_id: Some(creds.connectwise.client_id.clone()),
            http: client(),
        }
    }
    fn admin(sb: &Sandbox) -> Cw {
        Cw {
            site: sb.connectwise_site(),
            auth: Some((CW_ADMIN_PUBLIC_KEY.into(), CW_ADMIN_PRIVATE_KEY.into())),
            client_id: Some(CW_CLIENT_ID.into()),
            http: client(),
        }
    }
    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self
            .http
            .request(method, format!("{}/v2025_1/apis/3.0/{path}", self.site));
        if let Some((public, private)) = &self.auth {
            rb = rb.basic_auth(format!("{CW_COMPANY_ID}+{public}"), Some(private));
        }
        if let Some(id) = &self.client_id {
            rb = rb.header("clientId", id);
        }
        rb
    }
    async fn get(&self, path: &str) -> Resp {
        send(self.req(Method::GET, path)).await
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// The tests, by area (each file `use super::*` for the helpers above).
#[path = "sandbox/actions.rs"]
mod actions;
#[path = "sandbox/autotask.rs"]
mod autotask;
#[path = "sandbox/basics.rs"]
mod basics;
#[path = "sandbox/binary.rs"]
mod binary;
#[path = "sandbox/connectwise.rs"]
mod connectwise;
#[path = "sandbox/contract.rs"]
mod contract;
#[path = "sandbox/faults.rs"]
mod faults;
