//! A stand-in for an integration vendor's credential-submission endpoint (`POST /vendor/submit`),
//! for the demo and the tests. It records what it received (in memory only) and says whether
//! the credentials are the ones this sandbox issued, as a vendor's own test call would.

use axum::http::StatusCode;
use axum::response::Response;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::wire::{Req, json as reply};
use super::{Shared, lock, scenario};

/// `POST /vendor/submit`: 200 `{"status":"received","reference":"SBX-…"}`; 400 when the body
/// is not a JSON object; 422 with a message when the `vendor_reject_next` fault is set.
pub fn submit(shared: &Shared, req: &Req) -> Response {
    if req.method != axum::http::Method::POST {
        return reply(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"status": "error", "message": "use POST"}),
        );
    }
    let Some(Value::Object(fields)) = req.json_body() else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"status": "error", "message": "expected a JSON object of fields"}),
        );
    };
    let mut received = lock(&shared.vendor);
    received.push(Value::Object(fields.clone()));
    let n = received.len();
    drop(received);
    if lock(&shared.faults).take_vendor_reject() {
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"status": "rejected", "message": "The vendor could not use these credentials: the company ID is not recognised."}),
        );
    }
    let valid = credentials_valid(shared, &fields);
    reply(
        StatusCode::OK,
        json!({
            "status": "received",
            "reference": format!("SBX-{n:04}"),
            "credentials": if valid { "valid" } else { "unrecognised" },
        }),
    )
}

/// Whether the submitted credentials are the sandbox's API member keys or API user login.
fn credentials_valid(shared: &Shared, f: &serde_json::Map<String, Value>) -> bool {
    let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("");
    let cw = scenario::connectwise_demo();
    if !s("private_key").is_empty() {
        return s("public_key") == cw.public_key
            && s("private_key") == cw.private_key.expose_secret();
    }
    if !s("secret").is_empty() {
        let at = lock(&shared.applied_at)
            .clone()
            .or(shared.scenario_at.clone());
        return at.is_some_and(|a| {
            s("username").eq_ignore_ascii_case(&a.username)
                && s("secret") == a.secret.expose_secret()
        });
    }
    false
}
