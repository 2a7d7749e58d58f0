//! ConnectWise security roles, their settings, and members (`/system/securityroles`,
//! `/system/securityRoles/{id}/settings`, `/system/members`, `/system/apiMembers`).

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::cw_common::{count, forbidden, has, invalid, list, method_not_allowed, not_found};
use super::tenant::{ConnectwiseTenant, Member, RoleSetting, info_map};
use super::wire::{Req, json};

fn identifier(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Every catalogue function with the role's levels (None for a missing role or function).
pub fn settings_json(
    cw: &ConnectwiseTenant,
    role: Option<&super::tenant::SecurityRole>,
    member: Option<Value>,
) -> Vec<Value> {
    cw.catalogue
        .iter()
        .enumerate()
        .map(|(i, (module, function))| {
            let s = role
                .map(|r| r.setting(module, function))
                .unwrap_or_default();
            let mut v = json!({
                "id": i as i32 + 1,
                "addLevel": s.add.as_str(),
                "editLevel": s.edit.as_str(),
                "deleteLevel": s.delete.as_str(),
                "inquireLevel": s.inquire.as_str(),
                "moduleFunctionName": function,
                "moduleFunctionDescription": function,
                "moduleFunctionIdentifier": identifier(function),
                "moduleName": module,
                "moduleDescription": module,
                "moduleIdentifier": identifier(module),
                "myAllFlag": true,
                "reportFlag": function == "Reports",
                "restrictFlag": false,
                "customFlag": function == "Table Setup",
                "sortOrder": i as i32 + 1,
                "_info": info_map(),
            });
            if let Some(m) = &member {
                v.as_object_mut()
                    .expect("object")
                    .insert("member".into(), m.clone());
            }
            v
        })
        .collect()
}

fn role_json(r: &super::tenant::SecurityRole) -> Value {
    json!({"id": r.id, "name": r.name, "roleType": r.role_type, "adminFlag": r.admin_flag,
           "inactiveFlag": r.inactive_flag, "_info": info_map()})
}

pub fn roles(
    cw: &mut ConnectwiseTenant,
    req: &Req,
    base: &str,
    caller: i32,
    s: &[&str],
) -> Response {
    // Reading roles needs admin keys or System › Security Roles (connectwise-api.md §4.1).
    let need = match req.method {
        Method::GET => |r: &RoleSetting| r.inquire,
        Method::POST => |r: &RoleSetting| r.add,
        Method::DELETE => |r: &RoleSetting| r.delete,
        _ => return method_not_allowed(),
    };
    if !has(cw, caller, "Security Roles", need) {
        return forbidden();
    }
    match (req.method.clone(), &s[2..]) {
        (Method::GET, []) => list(req, base, cw.roles.iter().map(role_json).collect()),
        (Method::GET, ["count"]) => count(cw.roles.len()),
        (Method::POST, []) => {
            let body = req.json_body().unwrap_or(Value::Null);
            let Some(name) = body.get("name").and_then(Value::as_str).map(str::trim) else {
                return invalid("securityRole", "name", "Required", "Name is required.");
            };
            if name.is_empty() || name.len() > 30 {
                return invalid(
                    "securityRole",
                    "name",
                    "MaxLengthField",
                    "The field name must be a string with a maximum length of 30.",
                );
            }
            if cw.role_by_name(name).is_some() {
                return invalid(
                    "securityRole",
                    "name",
                    "ObjectExists",
                    "A security role with this name already exists.",
                );
            }
            let id = cw.alloc_id();
            // A new role's levels default to None (UNCONFIRMED, §5).
            let role = super::tenant::SecurityRole {
                id,
                name: name.to_string(),
                role_type: "Standard".into(),
                admin_flag: false,
                inactive_flag: false,
                settings: Default::default(),
            };
            let v = role_json(&role);
            cw.roles.push(role);
            json(StatusCode::CREATED, v)
        }
        (method, [id, rest @ ..]) => {
            let Some(role) = id.parse::<i32>().ok().and_then(|id| cw.role(id)).cloned() else {
                return not_found("Security role");
            };
            match (method, rest) {
                (Method::GET, []) => json(StatusCode::OK, role_json(&role)),
                (Method::DELETE, []) => {
                    if cw.members.iter().any(|m| m.role_id == role.id) {
                        return invalid(
                            "securityRole",
                            "id",
                            "InUse",
                            "The security role is assigned to members.",
                        );
                    }
                    cw.roles.retain(|r| r.id != role.id);
                    StatusCode::NO_CONTENT.into_response()
                }
                (Method::GET, ["settings"]) => {
                    list(req, base, settings_json(cw, Some(&role), None))
                }
                (Method::GET, ["settings", "count"]) => count(cw.catalogue.len()),
                (Method::GET, ["settings", sid]) => {
                    let all = settings_json(cw, Some(&role), None);
                    match sid
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| all.get(i.wrapping_sub(1)))
                    {
                        Some(v) => json(StatusCode::OK, v.clone()),
                        None => not_found("Security role setting"),
                    }
                }
                _ => not_found("The requested resource"),
            }
        }
        _ => not_found("The requested resource"),
    }
}

pub fn members(
    cw: &mut ConnectwiseTenant,
    req: &Req,
    base: &str,
    caller: i32,
    s: &[&str],
) -> Response {
    let api_only = s[1] == "apimembers";
    let need = match req.method {
        Method::GET => |r: &RoleSetting| r.inquire,
        Method::POST => |r: &RoleSetting| r.add,
        Method::PUT | Method::PATCH => |r: &RoleSetting| r.edit,
        _ => return method_not_allowed(),
    };
    if !has(cw, caller, "Member Maintenance", need) {
        return forbidden();
    }
    let listed: Vec<Member> = cw
        .members
        .iter()
        .filter(|m| !api_only || m.license_class == "A")
        .cloned()
        .collect();
    match (req.method.clone(), &s[2..]) {
        (Method::GET, []) => list(
            req,
            base,
            listed.iter().map(|m| cw.member_json(m, api_only)).collect(),
        ),
        (Method::GET, ["count"]) => count(listed.len()),
        (Method::GET, ["default"]) if api_only => json(
            StatusCode::OK,
            json!({"identifier": "", "inactiveFlag": false, "excludedServiceBoardIds": [], "_info": info_map()}),
        ),
        (Method::POST, []) if api_only => {
            let body = req.json_body().unwrap_or(Value::Null);
            let Some(identifier) = body.get("identifier").and_then(Value::as_str) else {
                return invalid(
                    "apiMember",
                    "identifier",
                    "Required",
                    "Identifier is required.",
                );
            };
            if identifier.is_empty() || identifier.len() > 15 {
                return invalid(
                    "apiMember",
                    "identifier",
                    "MaxLengthField",
                    "The field identifier must be a string with a maximum length of 15.",
                );
            }
            if cw.member_by_identifier(identifier).is_some() {
                return invalid(
                    "apiMember",
                    "identifier",
                    "ObjectExists",
                    "A member with this identifier already exists.",
                );
            }
            let role_id = body
                .pointer("/securityRole/id")
                .and_then(Value::as_i64)
                .map(|i| i as i32)
                .or_else(|| {
                    body.pointer("/securityRole/name")
                        .and_then(Value::as_str)
                        .and_then(|n| cw.role_by_name(n))
                        .map(|r| r.id)
                });
            let Some(role_id) = role_id.filter(|id| cw.role(*id).is_some()) else {
                return invalid(
                    "apiMember",
                    "securityRole",
                    "NotFound",
                    "Security role not found.",
                );
            };
            let reference = |p: &str, default: &str| {
                (
                    body.pointer(&format!("/{p}/id"))
                        .and_then(Value::as_i64)
                        .unwrap_or(1) as i32,
                    body.pointer(&format!("/{p}/name"))
                        .and_then(Value::as_str)
                        .unwrap_or(default)
                        .to_string(),
                )
            };
            let id = cw.alloc_id();
            let member = Member {
                id,
                identifier: identifier.to_string(),
                first_name: body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(identifier)
                    .to_string(),
                last_name: String::new(),
                email: body
                    .get("emailAddress")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                license_class: "A".into(),
                inactive: body
                    .get("inactiveFlag")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                role_id,
                structure_level: reference("structureLevel", "Corporate"),
                security_location: reference("securityLocation", "Corporate"),
                excluded_service_board_ids: body
                    .get("excludedServiceBoardIds")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_i64().map(|i| i as i32))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            let v = cw.member_json(&member, true);
            cw.members.push(member);
            json(StatusCode::CREATED, v)
        }
        (Method::GET, [id]) => match id
            .parse::<i32>()
            .ok()
            .and_then(|id| listed.iter().find(|m| m.id == id))
        {
            Some(m) => json(StatusCode::OK, cw.member_json(m, api_only)),
            None => not_found("Member"),
        },
        _ => method_not_allowed(),
    }
}
