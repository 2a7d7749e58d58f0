//! Paging and header contracts of both clients against a tiny loopback server.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::{Value, json};

use super::autotask::AutotaskClient;
use super::connectwise::ConnectwiseClient;
use super::http::{Http, HttpConfig};

/// method, URI, headers, body.
type Recorded = (String, String, HeaderMap, String);

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Recorded>>>);

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

async fn record(State(seen): State<Seen>, req: Request) -> Response {
    let method = req.method().to_string();
    let uri = req.uri().to_string();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body).into_owned();
    seen.0
        .lock()
        .unwrap()
        .push((method.clone(), uri.clone(), headers.clone(), body));
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    match (method.as_str(), uri.as_str()) {
        (_, u) if u.starts_with("/cw/system/mySecurity") => {
            let page: u32 = u
                .split("page=")
                .nth(1)
                .and_then(|p| p.split('&').next())
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let row = json!([{"moduleName": "M", "moduleFunctionName": format!("F{page}"), "addLevel": "All"}]);
            let mut resp = axum::Json(row).into_response();
            if page < 3 {
                let next = format!("</cw/system/mySecurity?pageSize=1000&page={}>; rel=\"next\", </cw/x>; rel=\"last\"", page + 1);
                resp.headers_mut().insert("link", next.parse().unwrap());
            }
            resp
        }
        ("POST", "/at/V1.0/Resources/query") => axum::Json(json!({
            "items": [{"id": 1}],
            "pageDetails": {"count": 1, "nextPageUrl": format!("http://{host}/at/V1.0/Resources/query/next?paging=abc")}
        }))
        .into_response(),
        ("POST", u) if u.starts_with("/at/V1.0/Resources/query/next") => {
            axum::Json(json!({"items": [{"id": 2}], "pageDetails": {"count": 1, "nextPageUrl": null}})).into_response()
        }
        _ => (StatusCode::NOT_FOUND, "").into_response(),
    }
}

#[tokio::test]
async fn connectwise_follows_every_next_link() {
    let seen = Seen::default();
    let base = serve(Router::new().fallback(record).with_state(seen.clone())).await;
    let http = Http::new(HttpConfig::default()).unwrap();
    let c = ConnectwiseClient::new(http, &base, "co", "pub", SecretString::from("priv"), "cid")
        .unwrap();
    // Pretend companyinfo ran: the codebase is "cw" at this server's root.
    c.set_base(&format!("{base}/cw"));
    let rows = c.my_security().await.unwrap();
    let names: Vec<_> = rows
        .iter()
        .filter_map(|r| r.module_function_name.clone())
        .collect();
    assert_eq!(names, ["F1", "F2", "F3"]);
    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (_, uri, headers, _) in seen.iter() {
        assert!(uri.contains("pageSize=1000"), "{uri}");
        assert_eq!(headers["clientid"], "cid");
        assert_eq!(headers["accept"], super::connectwise::ACCEPT);
        assert!(
            headers["authorization"]
                .to_str()
                .unwrap()
                .starts_with("Basic ")
        );
    }
}

#[tokio::test]
async fn autotask_posts_the_next_page_url_with_the_same_body() {
    let seen = Seen::default();
    let base = serve(Router::new().fallback(record).with_state(seen.clone())).await;
    // The server's nextPageUrl is absolute; write it with the real base.
    let http = Http::new(HttpConfig::default()).unwrap();
    let c = AutotaskClient::new(http, &base, "user", SecretString::from("s3cret"), "CODE");
    c.set_base(&format!("{base}/at/V1.0"));
    let body = json!({"MaxRecords": 1, "Filter": [{"op": "gte", "field": "id", "value": 0}]});
    let items = c.query("Resources", &body).await.unwrap();
    let ids: Vec<_> = items.iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(ids, [1, 2]);
    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1]
            .1
            .starts_with("/at/V1.0/Resources/query/next?paging=abc")
    );
    for (method, _, headers, sent) in seen.iter() {
        assert_eq!(method, "POST", "the next page is POSTed, never GET (405)");
        assert_eq!(headers["apiintegrationcode"], "CODE");
        assert_eq!(headers["username"], "user");
        assert!(headers.get("impersonationresourceid").is_none());
        assert_eq!(
            serde_json::from_str::<Value>(sent).unwrap(),
            body,
            "same body"
        );
    }
}

/// A server answering from a script, counting hits.
async fn scripted(
    script: Vec<(u16, &'static str, Option<&'static str>)>,
) -> (String, Arc<Mutex<usize>>) {
    let hits = Arc::new(Mutex::new(0usize));
    let h = hits.clone();
    let script = Arc::new(script);
    let router = Router::new().fallback(move || {
        let h = h.clone();
        let script = script.clone();
        async move {
            let n = {
                let mut g = h.lock().unwrap();
                *g += 1;
                *g - 1
            };
            let (status, body, retry) = script[n.min(script.len() - 1)];
            let mut resp = (StatusCode::from_u16(status).unwrap(), body).into_response();
            if let Some(r) = retry {
                resp.headers_mut().insert("retry-after", r.parse().unwrap());
            }
            resp
        }
    });
    (serve(router).await, hits)
}

fn fast() -> Http {
    Http::new(HttpConfig {
        backoff: std::time::Duration::from_millis(1),
        ..HttpConfig::default()
    })
    .unwrap()
}

async fn get(
    http: &Http,
    url: &str,
    idem: super::http::Idempotency,
) -> Result<super::http::RawResponse, super::PsaError> {
    http.send(url, idem, super::error::AUTOTASK, || {
        http.request(reqwest::Method::GET, url)
    })
    .await
}

/// Autotask's thread-limit phrase is Autotask's: a ConnectWise success that quotes it (a
/// ticket's text, say) is a success, not throttling; the same answer from Autotask is throttled.
#[tokio::test]
async fn only_autotask_reads_its_thread_limit_phrase_in_a_success() {
    let http = fast();
    let body = r#"{"summary":"Customer says: Thread Threshold Exceeded"}"#;
    let (url, hits) = scripted(vec![(200, body, None)]).await;
    let r = http
        .send(
            &url,
            super::http::Idempotency::Read,
            super::error::CONNECTWISE,
            || http.request(reqwest::Method::GET, &url),
        )
        .await
        .expect("a ConnectWise 200 is a success");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Thread Threshold Exceeded"));
    assert_eq!(*hits.lock().unwrap(), 1);

    let (url, _) = scripted(vec![(200, body, Some("0")); 3]).await;
    let e = get(&http, &url, super::http::Idempotency::Read)
        .await
        .unwrap_err();
    assert!(
        matches!(e.kind, super::ErrorKind::Throttled { .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn retry_policy_over_real_http() {
    use super::ErrorKind;
    use super::http::Idempotency::{Read, Write};
    let http = fast();
    const THREAD: &str = r#"{"errors":["Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded."]}"#;

    // A 401 is never repeated.
    let (url, hits) = scripted(vec![(401, "", None), (200, "{}", None)]).await;
    let e = get(&http, &url, Read).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(*hits.lock().unwrap(), 1);

    // The thread limit, even as a 500, is waited out (Retry-After 0 here) and retried.
    let (url, hits) = scripted(vec![(500, THREAD, Some("0")), (200, "{}", None)]).await;
    assert!(get(&http, &url, Read).await.is_ok());
    assert_eq!(*hits.lock().unwrap(), 2);

    // At most two retries, then the throttle is reported.
    let (url, hits) = scripted(vec![(429, "", Some("0"))]).await;
    let e = get(&http, &url, Read).await.unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Throttled { .. }));
    assert_eq!(*hits.lock().unwrap(), 3);

    // A Retry-After beyond the cap is reported at once, not waited for.
    let (url, hits) = scripted(vec![(429, "", Some("3600")), (200, "{}", None)]).await;
    let e = get(&http, &url, Read).await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Throttled {
            retry_after: Some(std::time::Duration::from_secs(3600))
        }
    );
    assert_eq!(*hits.lock().unwrap(), 1);

    // 5xx: retried for reads, never for writes.
    let (url, hits) = scripted(vec![(503, "", None), (503, "", None), (200, "{}", None)]).await;
    assert!(get(&http, &url, Read).await.is_ok());
    assert_eq!(*hits.lock().unwrap(), 3);
    let (url, hits) = scripted(vec![(503, "", None), (200, "{}", None)]).await;
    assert_eq!(
        get(&http, &url, Write).await.unwrap_err().kind,
        ErrorKind::Server
    );
    assert_eq!(*hits.lock().unwrap(), 1);

    // A redirect is reported, never followed.
    let (url, hits) = scripted(vec![(302, "", None)]).await;
    let e = get(&http, &url, Read).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Protocol);
    assert!(e.message.contains("redirect"), "{}", e.message);
    assert_eq!(*hits.lock().unwrap(), 1);
}

/// A server that holds each request briefly and records the most it had in flight at once.
async fn peak_server() -> (String, Arc<Mutex<(u32, u32)>>) {
    let state = Arc::new(Mutex::new((0u32, 0u32)));
    let s = state.clone();
    let router = Router::new().fallback(move || {
        let s = s.clone();
        async move {
            {
                let mut g = s.lock().unwrap();
                g.0 += 1;
                g.1 = g.1.max(g.0);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            s.lock().unwrap().0 -= 1;
            (StatusCode::OK, "{}").into_response()
        }
    });
    (serve(router).await, state)
}

#[tokio::test]
async fn the_per_run_cap_bounds_requests_in_flight() {
    for (cap, most) in [(2, 2), (0, 1)] {
        let (url, state) = peak_server().await;
        let http = Http::new(HttpConfig {
            max_in_flight: cap,
            ..HttpConfig::default()
        })
        .unwrap();
        let sends = (0..6).map(|_| get(&http, &url, super::http::Idempotency::Read));
        for r in futures::future::join_all(sends).await {
            assert!(r.is_ok(), "cap {cap}: {r:?}");
        }
        let peak = state.lock().unwrap().1;
        assert!((1..=most).contains(&peak), "cap {cap}: {peak} in flight");
    }
}
