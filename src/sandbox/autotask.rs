//! Autotask REST under `/atservicesrest/` (paths case-insensitive, autotask-api.md §1.3).

use std::sync::Arc;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::at_common::{Caller, all_items, can_do, denied, error500, method_not_allowed};
use super::at_entities::{can, canonical, capabilities, fields, singular};
use super::at_query::Query;
use super::at_writes::{create, delete, update};
use super::tenant::{AccessLevel, AutotaskTenant, LICENSE_API_USER, constant_eq};
use super::wire::{Req, iis_404, json};
use super::{Shared, lock};
use crate::wizard::Op;

/// Concurrent requests allowed per (tracking identifier, endpoint) (official ThreadLimiting.htm).
pub const THREAD_LIMIT: u32 = 3;

/// The thread-limit error text (autotask-api.md §3; n8n-nodes-autotask PR #107). Of the
/// documented variants the sandbox answers it with HTTP 429 by default (field-notes.md item 10:
/// "in notification emails and 429 responses"); `thread_limit_status` picks another status,
/// since it "may arrive with a non-429 status".
pub const THREAD_THRESHOLD_TEXT: &str =
    "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded.";
/// Every credential problem: 401 with an empty body (autotask-api.md §3, first row).
fn unauthorized() -> Response {
    let mut r = StatusCode::UNAUTHORIZED.into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic Realm=\"webservicessandbox.autotask.net\""),
    );
    r
}

enum Route {
    VersionInformation,
    Zone,
    Version,
    Threshold,
    Modules,
    EntityInfo(&'static str),
    Fields(&'static str),
    Udfs,
    Query(&'static str),
    Count(&'static str),
    Next(&'static str),
    Collection(&'static str, Option<i64>),
    Item(&'static str, i64, Option<i64>),
}

fn parse_route(segs: &[&str]) -> Option<Route> {
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    Some(match l.as_slice() {
        ["versioninformation"] => Route::VersionInformation,
        ["v1.0", "zoneinformation"] => Route::Zone,
        ["v1.0", "version"] => Route::Version,
        ["v1.0", "thresholdinformation"] => Route::Threshold,
        ["v1.0", "modules"] => Route::Modules,
        ["v1.0", e, rest @ ..] => {
            let entity = canonical(e)?;
            match rest {
                [] => Route::Collection(entity, None),
                ["entityinformation"] => Route::EntityInfo(entity),
                ["entityinformation", "fields"] => Route::Fields(entity),
                ["entityinformation", "userdefinedfields"] => Route::Udfs,
                ["query"] => Route::Query(entity),
                ["query", "count"] => Route::Count(entity),
                ["query", "next"] => Route::Next(entity),
                [id] => Route::Item(entity, id.parse().ok()?, None),
                // Child collections: Tickets/{id}/Notes is TicketNotes of that ticket.
                [parent, child] if entity == "Tickets" && *child == "notes" => {
                    Route::Collection("TicketNotes", Some(parent.parse().ok()?))
                }
                [parent, child, id] if entity == "Tickets" && *child == "notes" => {
                    Route::Item("TicketNotes", id.parse().ok()?, Some(parent.parse().ok()?))
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Releases a thread-limit slot when the request ends (even if the client went away).
struct Slot {
    shared: Arc<Shared>,
    key: (String, String),
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = lock(&self.shared.inflight);
        if let Some(n) = map.get_mut(&self.key) {
            *n = n.saturating_sub(1);
        }
    }
}

pub async fn handle(shared: &Arc<Shared>, req: &Req) -> Response {
    let segs: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(route) = parse_route(&segs[1..]) else {
        tokio::time::sleep(req.latency).await;
        return iis_404();
    };
    match route {
        Route::VersionInformation => {
            tokio::time::sleep(req.latency).await;
            return json(StatusCode::OK, json!({"apiVersions": ["V1.0"]}));
        }
        Route::Zone => {
            // Unauthenticated and exempt from thread limiting (autotask-api.md §1.3).
            tokio::time::sleep(req.latency).await;
            return zone(shared, req);
        }
        _ => {}
    }
    let (caller, legacy) = {
        let mut t = lock(&shared.tenant);
        (
            authenticate(&mut t.autotask, req),
            t.autotask.legacy_auth_errors,
        )
    };
    let caller = match caller {
        Ok(c) => c,
        Err(failure) => {
            tokio::time::sleep(req.latency).await;
            return failure.response(legacy);
        }
    };
    let endpoint = segs
        .get(2)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let key = (
        req.header("ApiIntegrationCode").unwrap_or("").to_string(),
        endpoint,
    );
    let busy = lock(&shared.faults).autotask_busy_threads;
    let _slot = {
        let mut map = lock(&shared.inflight);
        let n = map.entry(key.clone()).or_insert(0);
        {
            let mut peaks = lock(&shared.peaks);
            let peak = peaks.1.autotask.entry(key.clone()).or_insert(0);
            *peak = (*peak).max(*n + 1);
        }
        if *n + busy >= THREAD_LIMIT {
            let status = lock(&shared.tenant).autotask.thread_limit_status;
            return json(
                StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS),
                json!({"errors": [THREAD_THRESHOLD_TEXT]}),
            );
        }
        *n += 1;
        Slot {
            shared: shared.clone(),
            key,
        }
    };
    tokio::time::sleep(req.latency).await;
    let mut t = lock(&shared.tenant);
    t.autotask
        .request_times
        .push_back(std::time::Instant::now());
    serve(&mut t.autotask, &shared.base_url, req, &caller, route)
}

fn zone(shared: &Shared, req: &Req) -> Response {
    if req.method != Method::GET {
        return method_not_allowed(&req.method);
    }
    let t = lock(&shared.tenant);
    let user = req.param("user").unwrap_or_default();
    if user.is_empty() || t.autotask.resource_by_user(&user).is_none() {
        return error500("Zone information could not be determined");
    }
    // `url` ends in `/ATServicesRest/` with a trailing slash (autotask-api.md §1.3).
    json(
        StatusCode::OK,
        json!({
            "zoneName": t.autotask.zone_name,
            "url": format!("{}/ATServicesRest/", shared.base_url),
            "webUrl": format!("{}/", shared.base_url),
            "ci": t.autotask.ci,
        }),
    )
}

/// Checks the three headers. Any failure is the same empty 401; a wrong secret counts toward
/// lockout, and a locked user stays refused even with the right secret (autotask-api.md §1.6).
/// Why the three headers were refused.
enum AuthFailure {
    /// Wrong secret, locked, inactive, wrong license.
    Refused,
    UnknownUser,
    BadIntegrationCode,
}

impl AuthFailure {
    /// Today every failure is an empty 401 (autotask-api.md §3, first row); tenants with
    /// `legacy_auth_errors` answer the 2023 variants (apigrate README and issue #19).
    fn response(self, legacy: bool) -> Response {
        match (self, legacy) {
            (AuthFailure::UnknownUser, true) => {
                error500("Zone information could not be determined")
            }
            (AuthFailure::BadIntegrationCode, true) => error500("IntegrationCode is invalid."),
            _ => unauthorized(),
        }
    }
}

fn authenticate(at: &mut AutotaskTenant, req: &Req) -> Result<Caller, AuthFailure> {
    let user = req.header("UserName").ok_or(AuthFailure::UnknownUser)?;
    let secret = req.header("Secret").unwrap_or("");
    let code = req.header("ApiIntegrationCode").unwrap_or("");
    let threshold = at.lockout_threshold;
    let r = at
        .resource_by_user_mut(user)
        .ok_or(AuthFailure::UnknownUser)?;
    if r.locked {
        return Err(AuthFailure::Refused);
    }
    if !constant_eq(secrecy::ExposeSecret::expose_secret(&r.secret), secret) {
        r.failed_attempts += 1;
        if r.failed_attempts >= threshold {
            r.locked = true;
        }
        return Err(AuthFailure::Refused);
    }
    r.failed_attempts = 0;
    if r.tracking_code.as_deref() != Some(code) {
        return Err(AuthFailure::BadIntegrationCode);
    }
    if r.license_type != LICENSE_API_USER || !r.is_active {
        return Err(AuthFailure::Refused);
    }
    let (resource_id, level_id) = (r.id, r.user_type);
    // "Can login to Web Services API" is not consulted: Autotask's help (Web Services API
    // security settings) says it applies only to API versions 1.5 and earlier, and that access
    // to 1.6 and later (REST) is limited to API User security levels: the license above.
    match at.level(level_id) {
        Some(_) => Ok(Caller {
            resource_id,
            level_id,
        }),
        None => Err(AuthFailure::Refused),
    }
}

fn serve(
    at: &mut AutotaskTenant,
    base: &str,
    req: &Req,
    caller: &Caller,
    route: Route,
) -> Response {
    let impersonating = req.header("ImpersonationResourceId").is_some();
    let is_read = req.method == Method::GET
        || matches!(route, Route::Query(_) | Route::Count(_) | Route::Next(_));
    // The impersonation header on a read checks the impersonated resource's rights and fails
    // (autotask-api.md §3 "Impersonation header on a GET/query").
    if impersonating && is_read {
        return denied(Op::Query);
    }
    match route {
        Route::VersionInformation | Route::Zone => iis_404(),
        Route::Version => get_only(
            req,
            || json!({"majorVersion": "1", "minorVersion": "0", "build": "2025.1.0.0"}),
        ),
        Route::Threshold => {
            if req.method != Method::GET {
                return method_not_allowed(&req.method);
            }
            let count = at.hourly_count();
            json(
                StatusCode::OK,
                json!({
                    "externalRequestThreshold": at.external_request_threshold,
                    "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": count,
                }),
            )
        }
        Route::Modules => get_only(
            req,
            || json!({"modules": [{"key": 24, "value": true}, {"key": 1, "value": true}]}),
        ),
        Route::EntityInfo(e) => {
            let level = at.level(caller.level_id).cloned();
            get_only(req, || {
                let access = |op: Op| {
                    if !can(e, op) {
                        return AccessLevel::None.as_str();
                    }
                    level
                        .as_ref()
                        .map(|l| l.effective(e, op))
                        .unwrap_or_default()
                        .as_str()
                };
                let [c, d, q, u] = capabilities(e);
                json!({"info": {
                    "name": singular(e),
                    "canCreate": c, "canDelete": d, "canQuery": q, "canUpdate": u,
                    // Strings on the wire although the swagger enum is empty (§2.6).
                    "userAccessForCreate": access(Op::Create),
                    "userAccessForDelete": access(Op::Delete),
                    "userAccessForQuery": access(Op::Query),
                    "userAccessForUpdate": access(Op::Update),
                    "hasUserDefinedFields": matches!(e, "Tickets" | "Companies" | "Contacts" | "Projects" | "Opportunities"),
                    "supportsWebhookCallouts": matches!(e, "Tickets" | "Companies" | "Contacts" | "ConfigurationItems" | "TicketNotes" | "Resources"),
                }})
            })
        }
        Route::Fields(e) => {
            let fields = fields(at, e);
            get_only(req, || json!({"fields": fields}))
        }
        Route::Udfs => get_only(req, || json!({"fields": []})),
        Route::Query(e) => {
            let body = if req.method == Method::GET {
                match req
                    .param("search")
                    .map(|s| serde_json::from_str::<Value>(&s))
                {
                    Some(Ok(v)) => v,
                    _ => return error500("The search parameter must hold a JSON query."),
                }
            } else if req.method == Method::POST {
                req.json_body().unwrap_or(Value::Null)
            } else {
                return method_not_allowed(&req.method);
            };
            query(at, base, caller, e, &body, 0)
        }
        Route::Count(e) => {
            if !can_do(at, caller, e, Op::Query) {
                return denied(Op::Query);
            }
            let body = if req.method == Method::GET {
                req.param("search")
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or(Value::Null)
            } else {
                req.json_body().unwrap_or(Value::Null)
            };
            let q = match Query::parse(&body) {
                Ok(q) => q,
                Err(m) => return error500(m),
            };
            let items = visible_items(at, caller, e);
            let mut n = 0;
            for i in &items {
                match q.matches(i) {
                    Ok(true) => n += 1,
                    Ok(false) => {}
                    Err(m) => return error500(m),
                }
            }
            json(StatusCode::OK, json!({"queryCount": n}))
        }
        Route::Next(e) => {
            // nextPageUrl must be POSTed with the same body; GET is 405 (autotask-api.md §2.4).
            if req.method != Method::POST {
                return method_not_allowed(&req.method);
            }
            let token = req.param("paging").unwrap_or_default();
            match at.pages.get(&token).cloned() {
                Some((pe, body, offset)) if pe == e => query(at, base, caller, e, &body, offset),
                _ => error500("The paging token is invalid or has expired."),
            }
        }
        Route::Collection(e, parent) => match req.method {
            Method::POST => create(at, req, caller, e, parent),
            Method::PATCH | Method::PUT => update(at, req, caller, e),
            Method::GET if parent.is_some() => {
                if !can_do(at, caller, e, Op::Query) {
                    return denied(Op::Query);
                }
                let items: Vec<Value> = visible_items(at, caller, e)
                    .into_iter()
                    .filter(|i| i.get("ticketID").and_then(Value::as_i64) == parent)
                    .collect();
                json(
                    StatusCode::OK,
                    json!({"items": items, "pageDetails": {"count": items.len(), "requestCount": 500, "prevPageUrl": null, "nextPageUrl": null}}),
                )
            }
            _ => method_not_allowed(&req.method),
        },
        Route::Item(e, id, parent) => match req.method {
            Method::GET => {
                if !can_do(at, caller, e, Op::Query) {
                    return denied(Op::Query);
                }
                let item = visible_items(at, caller, e).into_iter().find(|i| {
                    i.get("id").and_then(Value::as_i64) == Some(id)
                        && (parent.is_none() || i.get("ticketID").and_then(Value::as_i64) == parent)
                });
                json(StatusCode::OK, json!({"item": item}))
            }
            Method::DELETE => delete(at, caller, e, id, &req.method),
            _ => method_not_allowed(&req.method),
        },
    }
}

fn get_only(req: &Req, body: impl FnOnce() -> Value) -> Response {
    if req.method != Method::GET {
        return method_not_allowed(&req.method);
    }
    json(StatusCode::OK, body())
}
/// Items the caller may see: Restricted shows only the caller's own records (the official
/// REST_Security_Auth.htm: restricted data gives 200 with fewer or no items).
fn visible_items(at: &AutotaskTenant, caller: &Caller, e: &str) -> Vec<Value> {
    let level = at
        .level(caller.level_id)
        .map(|l| l.effective(e, Op::Query))
        .unwrap_or_default();
    let mut items = all_items(at, e);
    if level == AccessLevel::Restricted {
        items.retain(|i| {
            let id = Some(caller.resource_id);
            i.get("id").and_then(Value::as_i64) == id && e == "Resources"
                || i.get("creatorResourceID").and_then(Value::as_i64) == id
                || i.get("ownerResourceID").and_then(Value::as_i64) == id
        });
    }
    items.sort_by_key(|i| i.get("id").and_then(Value::as_i64).unwrap_or(0));
    items
}

fn query(
    at: &mut AutotaskTenant,
    base: &str,
    caller: &Caller,
    e: &str,
    body: &Value,
    offset: usize,
) -> Response {
    if !can_do(at, caller, e, Op::Query) {
        return denied(Op::Query);
    }
    let q = match Query::parse(body) {
        Ok(q) => q,
        Err(m) => return error500(m),
    };
    let mut matched = Vec::new();
    for i in visible_items(at, caller, e) {
        match q.matches(&i) {
            Ok(true) => matched.push(i),
            Ok(false) => {}
            Err(m) => return error500(m),
        }
    }
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(q.max_records)
        .map(|i| q.project(i))
        .collect();
    let next_offset = offset + page.len();
    let next = if next_offset < matched.len() {
        let token = format!("p{}", at.alloc_id());
        at.pages
            .insert(token.clone(), (e.to_string(), body.clone(), next_offset));
        Value::String(format!(
            "{base}/ATServicesRest/V1.0/{e}/query/next?paging={token}"
        ))
    } else {
        Value::Null
    };
    json(
        StatusCode::OK,
        json!({"items": page, "pageDetails": {
            "count": page.len(), "requestCount": q.max_records,
            "prevPageUrl": null, "nextPageUrl": next,
        }}),
    )
}
