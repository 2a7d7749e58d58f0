//! The router both PSAs share: fault injection, request recording, and dispatch by path.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use super::faults::{Action, BodyFault};
use super::wire::{Req, iis_404, json};
use super::{RecordedRequest, Shared, autotask, connectwise, lock};

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

/// Wraps the router for hyper; the dropped-connection fault answers with an error, which makes
/// hyper close the connection without writing a response.
pub fn hyper_service(
    router: Router,
    shared: Arc<Shared>,
) -> impl hyper::service::Service<
    Request<hyper::body::Incoming>,
    Response = Response,
    Error = std::io::Error,
    Future = impl Future<Output = Result<Response, std::io::Error>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        let router = router.clone();
        let shared = shared.clone();
        async move {
            let action = lock(&shared.faults).take_action();
            if action == Action::Drop {
                record(
                    &shared,
                    RecordedRequest {
                        method: req.method().to_string(),
                        path: req.uri().path().to_string(),
                        query: req.uri().query().map(str::to_string),
                        header_names: header_names(req.headers()),
                        body: None,
                        status: 0,
                        content_type: None,
                        response: None,
                    },
                );
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "sandbox fault: dropped connection",
                ));
            }
            req.extensions_mut().insert(action);
            Ok(router
                .oneshot(req.map(Body::new))
                .await
                .unwrap_or_else(|e| match e {}))
        }
    })
}

/// Counts a request in flight for its whole handling (latency included).
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let mut p = lock(&shared.peaks);
        p.0 += 1;
        p.1.total = p.1.total.max(p.0);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut p = lock(&self.0.peaks);
        p.0 = p.0.saturating_sub(1);
    }
}

fn header_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_string()).collect();
    names.dedup();
    names
}

fn record(shared: &Shared, r: RecordedRequest) {
    lock(&shared.requests).push(r);
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    action: Option<axum::Extension<Action>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let action = action.map(|a| a.0).unwrap_or(Action::Serve);
    let _in_flight = InFlight::enter(&shared);
    let latency = lock(&shared.faults).latency;
    let req = Req {
        method: method.clone(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: headers.clone(),
        body: body.clone(),
        latency,
    };
    let is_autotask = req.path.to_ascii_lowercase().starts_with("/atservicesrest");
    let response = match action {
        Action::RateLimit {
            retry_after,
            as_date,
        } => rate_limited(is_autotask, retry_after, as_date),
        Action::ServerError => {
            let message = lock(&shared.faults).server_error_message.clone();
            server_error(is_autotask, message.as_deref())
        }
        Action::Redirect => {
            let to = lock(&shared.faults).redirect_to.clone();
            redirect(&to)
        }
        Action::Html => captive_portal(),
        Action::Serve | Action::Drop => route(&shared, &req).await,
    };
    let (mut parts, resp_body) = response.into_parts();
    let mut bytes = axum::body::to_bytes(resp_body, usize::MAX)
        .await
        .unwrap_or_default();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json && parts.status.is_success() {
        match lock(&shared.faults).take_body_fault() {
            BodyFault::None => {}
            BodyFault::Malformed => {
                // Cut the body short mid-value, as a truncated proxy response would be.
                let keep = (bytes.len() / 2).max(1).min(bytes.len());
                let mut cut = bytes[..keep].to_vec();
                cut.extend_from_slice(b"\"unterminated");
                bytes = Bytes::from(cut);
            }
            BodyFault::Oversized(n) => {
                let pad = "x".repeat(n.saturating_sub(20));
                bytes = Bytes::from(format!("{{\"padding\":\"{pad}\"}}"));
            }
        }
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    record(
        &shared,
        RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            header_names: header_names(&headers),
            body: req.json_body(),
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            response: if is_json {
                serde_json::from_slice(&bytes).ok()
            } else {
                None
            },
        },
    );
    Response::from_parts(parts, Body::from(bytes))
}

async fn route(shared: &Arc<Shared>, req: &Req) -> Response {
    let lower = req.path.to_ascii_lowercase();
    if lower == "/atservicesrest" || lower.starts_with("/atservicesrest/") {
        return autotask::handle(shared, req).await;
    }
    tokio::time::sleep(req.latency).await;
    if lower == "/vendor/submit" {
        return super::vendor::submit(shared, req);
    }
    if let Some(company) = lower.strip_prefix("/login/companyinfo/") {
        return connectwise::company_info(shared, company.trim_end_matches('/'));
    }
    if let Some(rest) = connectwise::api_path(&req.path) {
        return connectwise::handle(shared, req, &rest);
    }
    iis_404()
}

fn rate_limited(is_autotask: bool, retry_after: u32, as_date: bool) -> Response {
    let body = if is_autotask {
        // The hourly threshold's status and body are UNCONFIRMED (autotask-api.md §3); clients
        // handle 429 + Retry-After.
        serde_json::json!({"errors": ["Request Threshold Exceeded"]})
    } else {
        // connectwise-api.md §3.5, quoted body.
        serde_json::json!({"error": "ConnectWiseAPI", "message": format!("Too many requests. Please try again in {retry_after} seconds.")})
    };
    let mut r = json(StatusCode::TOO_MANY_REQUESTS, body);
    let value = if as_date {
        // RFC 9110's other form: the moment to come back, to the second.
        let at = std::time::SystemTime::now() + Duration::from_secs(retry_after.into());
        HeaderValue::from_str(&httpdate::fmt_http_date(at)).expect("an HTTP-date is ASCII")
    } else {
        HeaderValue::from(retry_after)
    };
    r.headers_mut().insert(header::RETRY_AFTER, value);
    r
}

fn server_error(is_autotask: bool, message: Option<&str>) -> Response {
    let message = message.unwrap_or("Service Unavailable");
    let body = if is_autotask {
        serde_json::json!({"errors": [message]})
    } else {
        serde_json::json!({"code": "ServiceUnavailable", "message": message})
    };
    json(StatusCode::SERVICE_UNAVAILABLE, body)
}

/// A redirect elsewhere, as a moved tenant, an SSO front door or a proxy would send.
fn redirect(to: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// What a hotel or guest Wi-Fi answers every request with until someone signs in: a 200 page.
fn captive_portal() -> Response {
    let html = "<!DOCTYPE html>\n<html><head><title>Guest Wi-Fi</title></head>\n<body><h1>Welcome to Guest Wi-Fi</h1>\n<p>Please accept the terms of use to continue.</p>\n<form method=\"post\" action=\"/accept\"><button>Accept and connect</button></form>\n</body></html>\n";
    let mut r = (StatusCode::OK, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}
