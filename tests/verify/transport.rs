//! The wire: throttling, retries, TLS, bad answers, the request plan and the official specs.

use super::*;

#[tokio::test]
async fn retry_after_is_honoured_and_long_waits_are_reported() {
    let w = wizard("topleft-connectwise");
    let throttled = |retry_after_secs| Faults {
        rate_limit_next: 1,
        retry_after_secs,
        ..Faults::default()
    };
    let (sb, r, _) = verify_step_with_faults(&w, "api-keys", throttled(1)).await;
    assert_all_pass(&r);
    assert_throttled_once(&sb);

    // A Retry-After beyond the cap is reported, not waited for.
    let (sb, r, _) = verify_step_with_faults(&w, "api-keys", throttled(3600)).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail);
    assert!(company.detail.contains("throttled"), "{}", company.detail);
    assert_eq!(sb.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_but_401_never() {
    let w = wizard("topleft-autotask");
    let faults = Faults {
        server_error_next: 2,
        ..Faults::default()
    };
    let (sb, r, _) = verify_step_with_faults(&w, "api-user", faults).await;
    assert_all_pass(&r);
    assert_eq!(answered(&sb, 503), 2);
}

#[tokio::test]
async fn thread_limit_is_never_exceeded_under_latency() {
    let w = wizard("topleft-autotask");
    let sb = configured_with_latency(&w.id, std::time::Duration::from_millis(30)).await;
    let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
    assert!(r.ok, "{}", dump(&r));
    let reqs = sb.requests();
    let throttled: Vec<_> = reqs
        .iter()
        .filter(|q| {
            q.response
                .as_ref()
                .is_some_and(|v| v.to_string().contains("Thread Threshold"))
                || q.status == 429
        })
        .collect();
    assert!(throttled.is_empty(), "{throttled:?}");
    assert!(reqs.len() < 80, "{} requests for one run", reqs.len());
}

#[tokio::test]
async fn tls_with_the_sandbox_certificate_and_a_plain_certificate_error_without_it() {
    let w = wizard("topleft-connectwise");
    let sb = start(SandboxOptions {
        scenario: "configured:topleft-connectwise".into(),
        tls: true,
        ..SandboxOptions::default()
    })
    .await;
    let conn = connection(&sb, &w);
    let trusted = VerifyOptions {
        http: psa_onboard::psa::http::HttpConfig {
            extra_root_pems: vec![sb.root_cert_pem().unwrap()],
            ..Default::default()
        },
        ..VerifyOptions::default()
    };
    let r = verify_step(&w, "api-keys", &conn, &trusted, &|_| {}).await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail);
    assert!(company.detail.contains("certificate"), "{}", company.detail);
}

/// Each broken TLS set-up is named plainly in the failing check, and nothing carrying a
/// credential reaches the server (the diagnostic handshake never completes).
#[tokio::test]
async fn tls_failures_are_each_named_plainly() {
    let w = wizard("topleft-connectwise");
    // (mode, trust the sandbox's root PEM, words the failure must contain)
    let cases: [(CertMode, bool, &[&str]); 5] = [
        (
            CertMode::SelfSigned,
            false,
            &["is self-signed", "psa-onboard sandbox", "--ca-cert FILE"],
        ),
        (
            CertMode::Chained,
            false,
            &[
                "issued by an authority this computer does not trust",
                "\"psa-onboard sandbox root CA ",
                "TLS-inspecting proxy",
                "--ca-cert FILE",
            ],
        ),
        (
            CertMode::IncompleteChain,
            true,
            &[
                "did not send the intermediate certificate",
                "\"psa-onboard sandbox intermediate CA ",
            ],
        ),
        (
            CertMode::Expired,
            true,
            &["has expired", "valid until 2021-01-01 00:00:00 UTC"],
        ),
        (
            CertMode::WrongHost,
            true,
            &[
                "is for a different host name",
                "asks for \"127.0.0.1\"",
                WRONG_HOST_NAME,
            ],
        ),
    ];
    for (mode, trust, words) in cases {
        let sb = start(SandboxOptions {
            scenario: "configured:topleft-connectwise".into(),
            tls: true,
            cert: mode,
            ..SandboxOptions::default()
        })
        .await;
        let mut opts = VerifyOptions::default();
        if trust {
            opts.http.extra_root_pems = vec![sb.root_cert_pem().unwrap()];
        }
        let r = verify_step(&w, "api-keys", &connection(&sb, &w), &opts, &|_| {}).await;
        let company = r.checks.iter().find(|c| c.id == "company").unwrap();
        assert_eq!(company.status, Status::Fail, "{mode:?}");
        for word in words {
            assert!(
                company.detail.contains(word),
                "{mode:?}: {word:?} missing from {}",
                company.detail
            );
        }
        assert!(
            !company
                .detail
                .contains("(self-signed, or the server sends an incomplete chain"),
            "{mode:?}: the undiagnosed sentence: {}",
            company.detail
        );
        assert!(
            sb.requests().is_empty(),
            "{mode:?}: a request reached the server: {:?}",
            sb.requests()
        );
        sb.shutdown().await;
    }

    // The valid chain, its root trusted, verifies.
    let sb = start(SandboxOptions {
        scenario: "configured:topleft-connectwise".into(),
        tls: true,
        cert: CertMode::Chained,
        ..SandboxOptions::default()
    })
    .await;
    let mut opts = VerifyOptions::default();
    opts.http.extra_root_pems = vec![sb.root_cert_pem().unwrap()];
    let r = verify_step(&w, "api-keys", &connection(&sb, &w), &opts, &|_| {}).await;
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    assert!(!sb.requests().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn oversized_malformed_and_dropped_answers() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    // An answer too large, and one that is not JSON: the company check fails naming which.
    for (faults, says) in [
        (
            Faults {
                oversized_next: 1,
                oversized_bytes: 5 * 1024 * 1024,
                ..Faults::default()
            },
            "larger than",
        ),
        (
            Faults {
                malformed_json_next: 1,
                ..Faults::default()
            },
            "JSON",
        ),
    ] {
        sb.set_faults(faults);
        let r = verify_step_on(&sb, &w, "api-keys").await;
        let company = r.checks.iter().find(|c| c.id == "company").unwrap();
        assert_eq!(company.status, Status::Fail);
        assert!(company.detail.contains(says), "{}", company.detail);
    }

    // A dropped connection on a read is retried.
    sb.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    assert_all_pass(&verify_step_on(&sb, &w, "api-keys").await);
}

#[tokio::test]
async fn verification_runs_as_a_spawned_task_with_live_progress() {
    let w = wizard("topleft-autotask");
    let sb = sandbox("configured:topleft-autotask").await;
    let conn = connection(&sb, &w);
    let seen = Arc::new(Mutex::new(Vec::<(String, Status)>::new()));
    let sink = seen.clone();
    // The TUI runs verification as a tokio task: the future must be Send + 'static-able.
    let report = tokio::spawn(async move {
        let progress = move |c: &CheckResult| sink.lock().unwrap().push((c.id.clone(), c.status));
        verify_step(&w, "api-user", &conn, &VerifyOptions::default(), &progress).await
    })
    .await
    .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), report.checks.len());
    for c in &report.checks {
        assert!(
            seen.contains(&(c.id.clone(), c.status)),
            "progress missed {}",
            c.id
        );
    }
    assert_eq!(report.status, Status::Pass);
    // verify_all too (checked at compile time).
    fn assert_send<T: Send>(_: T) {}
    let w = wizard("topleft-autotask");
    let conn = connection(&sb, &w);
    let opts = VerifyOptions::default();
    assert_send(verify_all(&w, &conn, &opts));
    let v = Verifier::new(&conn, &opts);
    assert_send(v.verify_all(&w));
}

/// Whether `path` matches a spec path template (`{x}` matches one segment), ignoring case.
fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t.starts_with('{') || t.eq_ignore_ascii_case(p))
}

fn spec_paths(file: &str) -> Vec<(String, Vec<String>)> {
    let path = format!("{}/specs/{file}", env!("CARGO_MANIFEST_DIR"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, ops)| {
            (
                p.clone(),
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_request_is_in_the_official_api_specs() {
    assert!(matches_template(
        "/V1.0/Tickets/{parentId}/Notes",
        "/v1.0/tickets/42/notes"
    ));
    assert!(!matches_template(
        "/V1.0/Tickets/{parentId}/Notes",
        "/V1.0/Tickets/42/Notes/7"
    ));
    assert!(!matches_template(
        "/V1.0/Tickets/query",
        "/V1.0/Ticket/query"
    ));
    let at_spec = spec_paths("autotask-rest-swagger.json");
    let cw_spec = spec_paths("connectwise-manage-openapi.json");
    let opts = VerifyOptions {
        allow_writes: true,
        ..VerifyOptions::default()
    };
    for id in wizards() {
        let w = wizard(id);
        let sb = configured(id).await;
        let r = verify_all(&w, &connection(&sb, &w), &opts).await;
        // Nothing failed. (A write test may not run where the tenant has no resource to
        // impersonate; that makes `ok` false, which is right, but is not this test's point.)
        assert!(r.counts.fail == 0, "{id}:\n{}", dump(&r));
        let reqs = sb.requests();
        assert!(!reqs.is_empty());
        for q in reqs {
            let (spec, rel) = match w.psa {
                Psa::Autotask => {
                    let lower = q.path.to_ascii_lowercase();
                    let at = lower.find("/atservicesrest").expect("Autotask root")
                        + "/atservicesrest".len();
                    let rel = q.path[at..].to_string();
                    // The paging URL Autotask hands back is not a spec path of its own.
                    if rel.to_ascii_lowercase().ends_with("/query/next") {
                        assert_eq!(q.method, "POST", "next pages are POSTed");
                        continue;
                    }
                    (&at_spec, rel)
                }
                Psa::Connectwise => {
                    if q.path.starts_with("/login/companyinfo/") {
                        assert_eq!(q.method, "GET");
                        continue; // documented in the Developer Guide, outside the REST spec
                    }
                    let at =
                        q.path.find("/apis/3.0").expect("ConnectWise base") + "/apis/3.0".len();
                    (&cw_spec, q.path[at..].to_string())
                }
            };
            let found = spec
                .iter()
                .any(|(t, methods)| matches_template(t, &rel) && methods.contains(&q.method));
            assert!(found, "{id}: {} {rel} is not in the spec", q.method);
        }
    }
}

/// (method, lower-case path) of each request: an endpoint, whatever the query string.
fn endpoints(sb: &Sandbox) -> Vec<(String, String)> {
    let mut v: Vec<_> = sb
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.to_ascii_lowercase()))
        .collect();
    v.sort();
    v
}

/// The probe plan's bounds, seen from the sandbox: at most 2 requests per distinct endpoint
/// plus 5, one entityInformation per entity, one sign-in, never more than 2 in flight per
/// Autotask endpoint (the third thread is left to the live integration), reads fired together after the sign-in, and the per-run cap holds (one at
/// a time with `max_in_flight: 1`, for exactly the same requests).
#[tokio::test]
async fn probe_plan_stays_within_request_and_concurrency_bounds() {
    use psa_onboard::psa::http::{DEFAULT_MAX_IN_FLIGHT, HttpConfig};
    for id in wizards() {
        let w = wizard(id);
        // Latency makes the requests overlap as they would against a real PSA.
        let sb = start(SandboxOptions {
            scenario: format!("configured:{id}"),
            latency: std::time::Duration::from_millis(60),
            ..SandboxOptions::default()
        })
        .await;
        let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
        assert!(r.ok, "{id}:\n{}", dump(&r));
        let eps = endpoints(&sb);
        let distinct: std::collections::BTreeSet<_> = eps.iter().collect();
        assert!(
            eps.len() <= 2 * distinct.len() + 5,
            "{id}: {} requests for {} endpoints: {eps:?}",
            eps.len(),
            distinct.len()
        );
        let peak = sb.peak_in_flight();
        assert!(
            peak.total as usize <= DEFAULT_MAX_IN_FLIGHT,
            "{id}: {peak:?}"
        );
        assert!(
            peak.autotask.values().all(|&n| n <= 2),
            "{id}: more than 2 in flight on an endpoint: {peak:?}"
        );
        match w.psa {
            Psa::Autotask => {
                let count = |suffix: &str| {
                    eps.iter()
                        .filter(|(_, p)| p.ends_with(suffix))
                        .collect::<Vec<_>>()
                };
                let infos = count("/entityinformation");
                let unique: std::collections::BTreeSet<_> = infos.iter().collect();
                assert_eq!(infos.len(), unique.len(), "{id}: {infos:?}");
                assert_eq!(
                    count("/version").len(),
                    0,
                    "{id}: the sign-in is a Resources query"
                );
                // The Resources endpoint: the sign-in, its picklists and (a row) its entity
                // information; the people to impersonate come with the sign-in.
                assert!(count("/resources/query").len() <= 1, "{id}: {eps:?}");
                // The reads after sign-in go out together (check by check, it was 2 at most):
                // up to 2 per endpoint, all endpoints at once.
                let mut per: std::collections::BTreeMap<String, usize> = Default::default();
                // After the zone lookup and the sign-in (the first credentialed request).
                for q in credentialed(&sb).iter().skip(1) {
                    // Autotask's endpoint is the entity: /atservicesrest/v1.0/<entity>/…
                    let p = q.path.to_ascii_lowercase();
                    let entity = p.split("/v1.0/").nth(1).unwrap_or(&p).split('/').next();
                    *per.entry(entity.unwrap_or(&p).to_string()).or_default() += 1;
                }
                let together: usize = per.values().map(|n| (*n).min(2)).sum();
                assert!(
                    peak.total as usize >= together.min(4),
                    "{id}: {peak:?} for {per:?}"
                );
            }
            Psa::Connectwise => {
                let security: Vec<_> = sb
                    .requests()
                    .into_iter()
                    .filter(|q| q.path.ends_with("/system/mySecurity"))
                    .collect();
                assert_eq!(security.len(), 1, "{id}: one page of up to 1000 rows");
                assert!(
                    security[0]
                        .query
                        .as_deref()
                        .is_some_and(|q| q.contains("pageSize=1000")),
                    "{:?}",
                    security[0].query
                );
                assert!(peak.total >= 2, "{id}: {peak:?}");
            }
        }

        // The same plan one request at a time: the cap holds and nothing else changes.
        let one = configured(id).await;
        let opts = VerifyOptions {
            http: HttpConfig {
                max_in_flight: 1,
                ..HttpConfig::default()
            },
            ..VerifyOptions::default()
        };
        let r1 = verify_all(&w, &connection(&one, &w), &opts).await;
        assert!(r1.ok, "{id}:\n{}", dump(&r1));
        assert_eq!(one.peak_in_flight().total, 1, "{id}");
        assert_eq!(endpoints(&one), eps, "{id}: a different plan one at a time");
    }
}

/// Autotask's 3 threads per endpoint are shared with everything signing in under the same
/// tracking identifier, above all the vendor's live integration. With one thread of every
/// endpoint busy elsewhere, a verification never hits the limit; with two, it is refused now and
/// then, waits and retries, and still gets every answer.
#[tokio::test]
async fn autotask_leaves_a_thread_to_the_live_integration() {
    let w = wizard("topleft-autotask");
    for busy in [1, 2] {
        let sb = start(SandboxOptions {
            scenario: "configured:topleft-autotask".into(),
            latency: std::time::Duration::from_millis(60),
            faults: Faults {
                autotask_busy_threads: busy,
                ..Faults::default()
            },
            ..SandboxOptions::default()
        })
        .await;
        let opts = VerifyOptions {
            http: psa_onboard::psa::http::HttpConfig {
                backoff: std::time::Duration::from_millis(50),
                ..Default::default()
            },
            ..VerifyOptions::default()
        };
        let r = verify_all(&w, &connection(&sb, &w), &opts).await;
        let refused = sb
            .requests()
            .iter()
            .filter(|q| {
                q.response
                    .as_ref()
                    .is_some_and(|b| b.to_string().contains("Thread Threshold Exceeded"))
            })
            .count();
        assert!(r.ok, "busy {busy}:\n{}", dump(&r));
        if busy == 1 {
            assert_eq!(refused, 0, "one free thread per endpoint is ours");
        }
        sb.shutdown().await;
    }
}
