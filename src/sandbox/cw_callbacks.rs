//! ConnectWise callbacks (`/system/callbacks`): full CRUD with the documented type/level pairs.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::cw_common::{count, invalid, list, method_not_allowed, not_found};
use super::tenant::{Callback, ConnectwiseTenant};
use super::wire::{Req, json};

/// Valid callback `type` → `level`s (connectwise-api.md §4.4, S6).
const CALLBACK_LEVELS: &[(&str, &[&str])] = &[
    (
        "Activity",
        &["Owner", "Status", "Type", "Company", "Activity"],
    ),
    ("Agreement", &["Owner", "Type", "Company", "Agreement"]),
    (
        "Company",
        &[
            "Owner",
            "Status",
            "Type",
            "Territory",
            "Company",
            "IntegratorTag",
        ],
    ),
    (
        "Contact",
        &["Owner", "Type", "Territory", "Company", "Contact"],
    ),
    (
        "Configuration",
        &["Owner", "Type", "Status", "Configuration"],
    ),
    ("Invoice", &["Owner", "Status", "Company", "Invoice"]),
    (
        "Expense",
        &[
            "Owner",
            "ChargeToType",
            "Type",
            "Class",
            "Company",
            "Expense",
        ],
    ),
    ("Member", &["Owner", "Location", "SecurityRole", "Member"]),
    (
        "Opportunity",
        &["Owner", "StatusId", "Company", "Opportunity"],
    ),
    ("ProductCatalog", &["Owner"]),
    ("Project", &["Owner", "Status", "Board", "Project"]),
    (
        "PurchaseOrder",
        &["Owner", "Status", "Vendor", "Company", "PurchaseOrder"],
    ),
    (
        "Schedule",
        &["Owner", "Status", "Type", "Location", "Member", "Schedule"],
    ),
    (
        "Ticket",
        &[
            "Owner",
            "Board",
            "Project",
            "Phase",
            "Status",
            "Ticket",
            "IntegratorTag",
        ],
    ),
    ("Time", &["Owner", "Company", "Time"]),
];

fn callback_from(body: &Value, id: i32, member: i32) -> Result<Callback, Box<Response>> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    for field in ["url", "objectId", "type", "level"] {
        if body.get(field).is_none_or(Value::is_null) {
            return Err(Box::new(invalid(
                "callbackEntry",
                field,
                "Required",
                &format!("{field} is required."),
            )));
        }
    }
    let kind = text("type").unwrap_or_default();
    let level = text("level").unwrap_or_default();
    let valid = CALLBACK_LEVELS.iter().any(|(t, ls)| {
        t.eq_ignore_ascii_case(&kind) && ls.iter().any(|l| l.eq_ignore_ascii_case(&level))
    });
    if !valid {
        return Err(Box::new(invalid(
            "callbackEntry",
            "level",
            "InvalidField",
            &format!("Level {level} is not valid for type {kind}."),
        )));
    }
    let description = text("description").unwrap_or_default();
    if description.len() > 100 {
        return Err(Box::new(invalid(
            "callbackEntry",
            "description",
            "MaxLengthField",
            "The field description must be a string with a maximum length of 100.",
        )));
    }
    Ok(Callback {
        id,
        description,
        url: text("url").unwrap_or_default(),
        object_id: body.get("objectId").and_then(Value::as_i64).unwrap_or(0) as i32,
        kind,
        level,
        member_id: member,
        inactive: body
            .get("inactiveFlag")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Callbacks: full CRUD (§4.4). The permission governing them is UNCONFIRMED: any member may.
pub fn callbacks(
    cw: &mut ConnectwiseTenant,
    req: &Req,
    base: &str,
    caller: i32,
    s: &[&str],
) -> Response {
    match (req.method.clone(), &s[2..]) {
        (Method::GET, []) => list(
            req,
            base,
            cw.callbacks.iter().map(Callback::to_json).collect(),
        ),
        (Method::GET, ["count"]) => count(cw.callbacks.len()),
        (Method::POST, []) => {
            let id = cw.alloc_id();
            match callback_from(&req.json_body().unwrap_or(Value::Null), id, caller) {
                Ok(cb) => {
                    let v = cb.to_json();
                    cw.callbacks.push(cb);
                    json(StatusCode::CREATED, v)
                }
                Err(r) => *r,
            }
        }
        (method, [id]) => {
            let Some(pos) = id
                .parse::<i32>()
                .ok()
                .and_then(|id| cw.callbacks.iter().position(|c| c.id == id))
            else {
                return not_found("Callback");
            };
            match method {
                Method::GET => json(StatusCode::OK, cw.callbacks[pos].to_json()),
                Method::DELETE => {
                    cw.callbacks.remove(pos);
                    StatusCode::NO_CONTENT.into_response()
                }
                Method::PUT => {
                    let existing = cw.callbacks[pos].clone();
                    match callback_from(
                        &req.json_body().unwrap_or(Value::Null),
                        existing.id,
                        existing.member_id,
                    ) {
                        Ok(cb) => {
                            let v = cb.to_json();
                            cw.callbacks[pos] = cb;
                            json(StatusCode::OK, v)
                        }
                        Err(r) => *r,
                    }
                }
                Method::PATCH => {
                    // PATCH takes [{op, path, value}] (§3.3).
                    let mut v = cw.callbacks[pos].to_json();
                    let Some(ops) = req.json_body().and_then(|b| b.as_array().cloned()) else {
                        return invalid(
                            "callbackEntry",
                            "",
                            "InvalidObject",
                            "PATCH expects a JSON array of operations.",
                        );
                    };
                    for op in ops {
                        let path = op
                            .get("path")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .trim_start_matches('/');
                        if let Some(obj) = v.as_object_mut() {
                            obj.insert(
                                path.to_string(),
                                op.get("value").cloned().unwrap_or(Value::Null),
                            );
                        }
                    }
                    let existing = cw.callbacks[pos].clone();
                    match callback_from(&v, existing.id, existing.member_id) {
                        Ok(cb) => {
                            let v = cb.to_json();
                            cw.callbacks[pos] = cb;
                            json(StatusCode::OK, v)
                        }
                        Err(r) => *r,
                    }
                }
                _ => method_not_allowed(),
            }
        }
        _ => method_not_allowed(),
    }
}
