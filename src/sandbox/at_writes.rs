//! Autotask writes: create, update, delete, and the impersonation checks on them.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::at_common::{Caller, all_items, can_do, denied, error500, method_not_allowed};
use super::at_entities::{IMPERSONATION_ENTITIES, can, license_allows_impersonation, singular};
use super::at_query::get_ci;
use super::tenant::{AutotaskTenant, LICENSE_API_USER};
use super::wire::{Req, json};
use crate::wizard::Op;

/// Whether this write is impersonated: the header is present and the entity supports it (Tasks
/// and others ignore the header silently, autotask-api.md §3).
fn impersonating(req: &Req, e: &str) -> bool {
    req.header("ImpersonationResourceId").is_some() && IMPERSONATION_ENTITIES.contains(&e)
}

/// Whether the caller may make this write: its module permissions, or, when impersonating, the
/// Web Services API grid of its level (the sandbox's model of "Enables resource impersonation
/// for adding ticket notes": the grid is what an impersonated write needs on the API side).
fn may_write(at: &AutotaskTenant, req: &Req, caller: &Caller, e: &str, op: Op) -> bool {
    if impersonating(req, e) {
        at.level(caller.level_id)
            .is_some_and(|l| l.grid_allows(e, op))
    } else {
        can_do(at, caller, e, op)
    }
}

/// Checks `ImpersonationResourceId` on a write; `Err` is the refusal (autotask-api.md §3/§4).
fn check_impersonation(
    at: &AutotaskTenant,
    req: &Req,
    e: &str,
    op: Op,
) -> Result<Option<i64>, Box<Response>> {
    if !impersonating(req, e) {
        return Ok(None);
    }
    let raw = req.header("ImpersonationResourceId").unwrap_or_default();
    let target = raw
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| at.resource(id))
        .filter(|r| r.is_active)
        .ok_or_else(|| Box::new(denied(op)))?;
    let level = at
        .level(target.user_type)
        .ok_or_else(|| Box::new(denied(op)))?;
    // "API Only security levels do not support impersonation" (Settings_WSAPI.htm); the same
    // text whatever the reason (autotask-api.md §3 "Impersonation refused").
    if target.license_type == LICENSE_API_USER
        || !level.allow_impersonation
        || !license_allows_impersonation(target.license_type, e)
    {
        return Err(Box::new(denied(op)));
    }
    Ok(Some(target.id))
}

pub fn create(
    at: &mut AutotaskTenant,
    req: &Req,
    caller: &Caller,
    e: &str,
    parent: Option<i64>,
) -> Response {
    if !can(e, Op::Create) {
        return method_not_allowed(&req.method);
    }
    if !may_write(at, req, caller, e, Op::Create) {
        return denied(Op::Create);
    }
    let impersonated = match check_impersonation(at, req, e, Op::Create) {
        Ok(i) => i,
        Err(r) => return *r,
    };
    let Some(Value::Object(body)) = req.json_body() else {
        return error500("The request body must be a JSON object.");
    };
    let text = |k: &str| get_ci(&body, k).and_then(Value::as_str).map(str::to_string);
    match e {
        "TicketWebhooks" => {
            let level = at.level(caller.level_id).cloned();
            let owned = at
                .webhooks
                .iter()
                .filter(|w| w.owner_resource_id == caller.resource_id)
                .count() as u32;
            // Creation is off by default for every level ("Can create WebHooks" + a max count).
            if !level.is_some_and(|l| l.webhook_permission && owned < l.webhook_max) {
                return denied(Op::Create);
            }
            let (Some(url), Some(deactivation)) = (text("webhookUrl"), text("deactivationUrl"))
            else {
                // Official Webhooks_Creating.htm: both URLs are required.
                return error500("Both webhookUrl and deactivationUrl are required.");
            };
            let id = at.alloc_id();
            let hook = super::tenant::TicketWebhook {
                id,
                name: text("name").unwrap_or_else(|| format!("Webhook {id}")),
                webhook_url: url,
                deactivation_url: deactivation,
                is_active: get_ci(&body, "isActive")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                owner_resource_id: caller.resource_id,
                guid: format!("{:0>32}", format!("{id:x}")),
                secret_key: super::tenant::derived_code(&format!("webhook-{id}")),
            };
            at.webhooks.push(hook);
            json(StatusCode::OK, json!({"itemId": id}))
        }
        "TicketNotes" => {
            let ticket_id = parent.or_else(|| get_ci(&body, "ticketID").and_then(Value::as_i64));
            let exists = ticket_id.is_some_and(|tid| {
                all_items(at, "Tickets")
                    .iter()
                    .any(|t| t.get("id").and_then(Value::as_i64) == Some(tid))
            });
            if !exists {
                // Validation failures are 500s with the message (autotask-api.md §3).
                return error500("Value does not reference an existing entity for ticketID . ");
            }
            if text("description").is_none() && text("title").is_none() {
                return error500("Missing Required Field: description.");
            }
            let id = at.alloc_id();
            let note = json!({
                "id": id,
                "ticketID": ticket_id,
                "title": text("title").unwrap_or_default(),
                "description": text("description").unwrap_or_default(),
                "noteType": get_ci(&body, "noteType").cloned().unwrap_or(json!(1)),
                "publish": get_ci(&body, "publish").cloned().unwrap_or(json!(1)),
                "creatorResourceID": impersonated.unwrap_or(caller.resource_id),
                "impersonatorCreatorResourceID": impersonated.map(|_| caller.resource_id),
                "createDateTime": "2025-01-01T00:00:00Z",
            });
            at.items.entry("ticketnotes".into()).or_default().push(note);
            json(StatusCode::OK, json!({"itemId": id}))
        }
        _ => {
            let id = at.alloc_id();
            let mut item = body.clone();
            item.insert("id".into(), json!(id));
            if let Some(h) = impersonated {
                item.insert(
                    "impersonatorCreatorResourceID".into(),
                    json!(caller.resource_id),
                );
                item.insert("creatorResourceID".into(), json!(h));
            }
            at.items
                .entry(e.to_ascii_lowercase())
                .or_default()
                .push(Value::Object(item));
            json(StatusCode::OK, json!({"itemId": id}))
        }
    }
}

pub fn update(at: &mut AutotaskTenant, req: &Req, caller: &Caller, e: &str) -> Response {
    if !can(e, Op::Update) {
        return method_not_allowed(&req.method);
    }
    if !may_write(at, req, caller, e, Op::Update) {
        return denied(Op::Update);
    }
    if let Err(r) = check_impersonation(at, req, e, Op::Update) {
        return *r;
    }
    let Some(Value::Object(body)) = req.json_body() else {
        return error500("The request body must be a JSON object.");
    };
    let Some(id) = get_ci(&body, "id").and_then(Value::as_i64) else {
        return error500("Missing Required Field: id.");
    };
    if let Some(items) = at.items.get_mut(&e.to_ascii_lowercase())
        && let Some(item) = items
            .iter_mut()
            .find(|i| i.get("id").and_then(Value::as_i64) == Some(id))
        && let Some(obj) = item.as_object_mut()
    {
        for (k, v) in body {
            obj.insert(k, v);
        }
        return json(StatusCode::OK, json!({"itemId": id}));
    }
    error500(format!("No {} with id {id} was found.", singular(e)))
}

pub fn delete(
    at: &mut AutotaskTenant,
    caller: &Caller,
    e: &str,
    id: i64,
    method: &Method,
) -> Response {
    if !can(e, Op::Delete) {
        return method_not_allowed(method);
    }
    if !can_do(at, caller, e, Op::Delete) {
        return denied(Op::Delete);
    }
    let found = if e == "TicketWebhooks" {
        let before = at.webhooks.len();
        at.webhooks.retain(|w| w.id != id);
        before != at.webhooks.len()
    } else if let Some(items) = at.items.get_mut(&e.to_ascii_lowercase()) {
        let before = items.len();
        items.retain(|i| i.get("id").and_then(Value::as_i64) != Some(id));
        before != items.len()
    } else {
        false
    };
    if found {
        json(StatusCode::OK, json!({"itemId": id}))
    } else {
        error500(format!("No {} with id {id} was found.", singular(e)))
    }
}
