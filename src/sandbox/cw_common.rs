//! What the ConnectWise handlers share (`connectwise` routes, `cw_roles`, `cw_callbacks`): the
//! error bodies, the permission test, and paged lists. Below all three, so none imports another.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::cw_conditions::{self, SYNTAX_HINT};
use super::tenant::{ConnectwiseTenant, CwLevel, RoleSetting};
use super::wire::{Req, json};

/// An `ErrorResponseMessage` (`{code, message}`; `errors` only for validation).
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(status, json!({"code": code, "message": message}))
}

/// The permission-denial body (connectwise-api.md §3.4, S11; S5 maps permission problems to 403).
pub fn forbidden() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Security",
        "You do not have security permission to perform this action.",
    )
}

pub fn invalid(resource: &str, field: &str, code: &str, message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({"code": "InvalidObject", "message": format!("{resource} object is invalid"),
               "errors": [{"code": code, "message": message, "resource": resource, "field": field}]}),
    )
}

pub fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{what} was not found."),
    )
}

pub fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The requested resource does not support this http method.",
    )
}

pub fn has(
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

/// Applies `conditions` and pages a list (default 25, max 1000; RFC 5988 `Link`, §3.2).
pub fn list(req: &Req, base: &str, items: Vec<Value>) -> Response {
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

pub fn count(items: usize) -> Response {
    json(StatusCode::OK, json!({"count": items}))
}
