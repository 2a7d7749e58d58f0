//! ConnectWise Manage REST: `login/companyinfo` and `/{codebase}apis/3.0/…`.

use std::sync::Arc;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::cw_conditions::{self, SYNTAX_HINT};
use super::http::{Req, json};
use super::tenant::{Callback, ConnectwiseTenant, CwLevel, Member, RoleSetting, info_map};
use super::{Shared, lock};

/// Codebases routed: the company's own and the on-prem/router `v4_6_release/` (§2.5).
const CODEBASES: &[&str] = &["/v2025_1/apis/3.0/", "/v4_6_release/apis/3.0/"];

/// The part after `/{codebase}apis/3.0/`, if the path is a ConnectWise API path.
pub fn api_path(path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    CODEBASES
        .iter()
        .find(|p| lower.starts_with(*p))
        .map(|p| path[p.len()..].to_string())
}

/// `GET /login/companyinfo/{companyId}` (no auth; connectwise-api.md §2.5).
pub fn company_info(shared: &Shared, company: &str) -> Response {
    let t = lock(&shared.tenant);
    let cw = &t.connectwise;
    if !cw.company_id.eq_ignore_ascii_case(company) {
        // The real answer for an unknown company is UNCONFIRMED ("probably an empty or odd
        // body", §2.5): the sandbox answers 404 with an empty body.
        return StatusCode::NOT_FOUND.into_response();
    }
    let site = shared
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or(&shared.base_url)
        .to_string();
    json(
        StatusCode::OK,
        json!({
            "CompanyName": cw.company_name,
            "Codebase": cw.codebase,
            "VersionCode": cw.version_code,
            "VersionNumber": cw.version_number,
            "CompanyID": cw.company_id,
            "IsCloud": true,
            "SiteUrl": site,
        }),
    )
}

/// An `ErrorResponseMessage` (`{code, message}`; `errors` only for validation).
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(status, json!({"code": code, "message": message}))
}

/// The permission-denial body (connectwise-api.md §3.4, S11; S5 maps permission problems to 403).
fn forbidden() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Security",
        "You do not have security permission to perform this action.",
    )
}

fn invalid(resource: &str, field: &str, code: &str, message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({"code": "InvalidObject", "message": format!("{resource} object is invalid"),
               "errors": [{"code": code, "message": message, "resource": resource, "field": field}]}),
    )
}

fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{what} was not found."),
    )
}

fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The requested resource does not support this http method.",
    )
}

/// Checks clientId and Basic auth; returns the caller's member id.
fn authenticate(cw: &ConnectwiseTenant, req: &Req) -> Result<i32, Box<Response>> {
    // clientId errors are UNCONFIRMED (§2.2): a 400 or a 401 whose body mentions clientId. The
    // sandbox answers 400 when the header is missing and 401 when it is not registered.
    match req.header("clientId") {
        None => {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "InvalidClientId",
                "The clientId header is required. Register your integration at https://developer.connectwise.com/ClientID and send its clientId.",
            )));
        }
        Some(id)
            if !cw
                .client_ids
                .iter()
                .any(|c| c.eq_ignore_ascii_case(id.trim())) =>
        {
            return Err(Box::new(error(
                StatusCode::UNAUTHORIZED,
                "InvalidClientId",
                "The clientId is not registered for this integration.",
            )));
        }
        Some(_) => {}
    }
    // Bad keys, wrong company or an inactive member: 401 `ConnectWiseApi`/`UserNotAuthenticated`
    // (S9, ConnectWiseManageAPI issue #18; pitfall 6: inactive looks like bad keys).
    let unauth = || {
        Box::new(error(
            StatusCode::UNAUTHORIZED,
            "ConnectWiseApi",
            "UserNotAuthenticated",
        ))
    };
    let auth = req.header("Authorization").ok_or_else(unauth)?;
    let encoded = auth
        .strip_prefix("Basic ")
        .or_else(|| auth.strip_prefix("basic "))
        .ok_or_else(unauth)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(unauth)?;
    let (user, private) = decoded.split_once(':').ok_or_else(unauth)?;
    let (company, public) = user.split_once('+').ok_or_else(unauth)?;
    if !company.eq_ignore_ascii_case(&cw.company_id) {
        return Err(unauth());
    }
    let member = cw.authenticate(public, private).ok_or_else(unauth)?;
    if member.inactive {
        return Err(unauth());
    }
    Ok(member.id)
}

fn has(
    cw: &ConnectwiseTenant,
    member: i32,
    function: &str,
    pick: fn(&RoleSetting) -> CwLevel,
) -> bool {
    let Some(m) = cw.member(member) else {
        return false;
    };
    let Some(role) = cw.role(m.role_id) else {
        return false;
    };
    role.admin_flag || pick(&role.setting("System", function)) != CwLevel::None
}

pub fn handle(shared: &Arc<Shared>, req: &Req, rest: &str) -> Response {
    let mut t = lock(&shared.tenant);
    let cw = &mut t.connectwise;
    let caller = match authenticate(cw, req) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = &req.method;
    let base = &shared.base_url;
    match (m.clone(), s.as_slice()) {
        (Method::GET, ["system", "info"]) => json(
            StatusCode::OK,
            json!({
                "version": format!("{}.{}", cw.version_code, cw.version_number.rsplit('.').next().unwrap_or("0")),
                "isCloud": true,
                "serverTimeZone": "Eastern Standard Time",
                "licenseBits": [{"name": "ManagedServices", "activeFlag": true}, {"name": "PocketPC", "activeFlag": true}],
                "cloudRegion": "NA",
                "maxWorkFlowRecordsAllowed": 500,
            }),
        ),
        (Method::GET, ["system", "mymembers"]) => {
            let me = cw.member(caller).cloned().expect("authenticated member");
            let mut v = cw.member_json(&me, false);
            // MyMember has no hireDate/defaultPhone (spec).
            if let Some(obj) = v.as_object_mut() {
                obj.remove("hireDate");
                obj.remove("defaultPhone");
            }
            json(StatusCode::OK, v)
        }
        (Method::GET, ["system", "mysecurity"]) => {
            let me = cw.member(caller).cloned().expect("authenticated member");
            let role = cw.role(me.role_id).cloned();
            let member_ref = json!({"id": me.id, "identifier": me.identifier,
                "name": format!("{} {}", me.first_name, me.last_name).trim().to_string()});
            let items = settings_json(cw, role.as_ref(), Some(member_ref));
            list(req, base, items)
        }
        (Method::GET, ["system", "mysecurity", "customizeitems"]) => list(req, base, vec![]),
        (_, ["system", "members", ..]) | (_, ["system", "apimembers", ..]) => {
            members(cw, req, base, caller, &s)
        }
        (_, ["system", "securityroles", ..]) => roles(cw, req, base, caller, &s),
        (_, ["system", "callbacks", ..]) => callbacks(cw, req, base, caller, &s),
        _ => not_found("The requested resource"),
    }
}

/// Applies `conditions` and pages a list (default 25, max 1000; RFC 5988 `Link`, §3.2).
fn list(req: &Req, base: &str, items: Vec<Value>) -> Response {
    let items = match req.param("conditions") {
        Some(c) if !c.trim().is_empty() => match cw_conditions::parse(&c) {
            Ok(cond) => items.into_iter().filter(|i| cond.matches(i)).collect(),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidObject",
                    &format!("{e} {SYNTAX_HINT}"),
                );
            }
        },
        _ => items,
    };
    let page_size = req
        .param("pageSize")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 1000);
    let page = req
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(page_size).max(1);
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * page_size)
        .take(page_size)
        .collect();
    let url = |p: usize| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        if let Some(q) = req.query.as_deref() {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                if !k.eq_ignore_ascii_case("page") && !k.eq_ignore_ascii_case("pageSize") {
                    ser.append_pair(&k, &v);
                }
            }
        }
        ser.append_pair("pageSize", &page_size.to_string());
        ser.append_pair("page", &p.to_string());
        format!("<{base}{}?{}>", req.path, ser.finish())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", url(1)));
        links.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    let mut r = json(StatusCode::OK, Value::Array(body));
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(", "))
    {
        r.headers_mut().insert(header::LINK, v);
    }
    r
}

fn count(items: usize) -> Response {
    json(StatusCode::OK, json!({"count": items}))
}

fn identifier(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Every catalogue function with the role's levels (None for a missing role or function).
fn settings_json(
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

fn roles(cw: &mut ConnectwiseTenant, req: &Req, base: &str, caller: i32, s: &[&str]) -> Response {
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

fn members(cw: &mut ConnectwiseTenant, req: &Req, base: &str, caller: i32, s: &[&str]) -> Response {
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
fn callbacks(
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
