//! ConnectWise Manage REST: `login/companyinfo` and `/{codebase}apis/3.0/…`.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::cw_callbacks::callbacks;
use super::cw_common::{error, list, not_found};
use super::cw_roles::{members, roles, settings_json};
use super::tenant::ConnectwiseTenant;
use super::wire::{Req, json};
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
