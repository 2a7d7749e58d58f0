//! What the Autotask handlers share (`autotask` routes, `at_writes` writes): the caller, what
//! it may do, and Autotask's error bodies. Below both, so neither imports the other's module.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::tenant::{AccessLevel, AutotaskTenant};
use super::wire::json;
use crate::wizard::Op;

/// The permission-denial body: HTTP 500, not 403 (autotask-api.md §3 "Entity permission missing").
pub fn denied(op: Op) -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"errors": [format!(
            "The logged in Resource does not have the adequate permissions to {} this entity type.",
            op.label()
        )]}),
    )
}

pub fn error500(msg: impl Into<String>) -> Response {
    json(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"errors": [msg.into()]}),
    )
}

pub fn method_not_allowed(method: &Method) -> Response {
    // autotask-api.md §3 "Unsupported method" (WYRE-AI/autotask-mcp PR #170).
    json(
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"Message": format!("The requested resource does not support http method '{method}'.")}),
    )
}

/// The caller, once authenticated.
pub struct Caller {
    pub resource_id: i64,
    pub level_id: i64,
}

pub fn can_do(at: &AutotaskTenant, caller: &Caller, e: &str, op: Op) -> bool {
    at.level(caller.level_id)
        .is_some_and(|l| l.effective(e, op) != AccessLevel::None)
}

/// All items of an entity, as JSON.
pub fn all_items(at: &AutotaskTenant, e: &str) -> Vec<Value> {
    match e {
        "Resources" => at.resources.iter().map(|r| r.to_json()).collect(),
        "TicketWebhooks" => at.webhooks.iter().map(|w| w.to_json()).collect(),
        _ => at
            .items
            .get(&e.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default(),
    }
}
