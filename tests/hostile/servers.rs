//! Issue #13: what a server that psa-onboard does not control may answer.

use std::time::{Duration, Instant};

use psa_onboard::sandbox::Faults;
use psa_onboard::verify::{Status, VerifyOptions, verify_step};

use super::{connection, sandbox, wizard};

/// RFC 9110 lets `Retry-After` be a date. One 429 whose date is 3 s ahead: the retry waits for
/// that moment (at least 2 s, the date having whole seconds), then the step verifies. A date an
/// hour ahead is past the 60 s cap: reported at once, not waited for.
#[tokio::test]
async fn a_retry_after_http_date_is_honoured_within_the_cap() {
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    sb.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 3,
        retry_after_as_date: true,
        ..Faults::default()
    });
    let conn = connection(&sb, &w);
    let start = Instant::now();
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let waited = start.elapsed();
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
    let statuses: Vec<u16> = sb.requests().iter().map(|q| q.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, before the date"
    );
    assert!(waited < Duration::from_secs(20), "{waited:?}");
    sb.shutdown().await;

    let sb = sandbox("configured:topleft-connectwise").await;
    sb.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 3600,
        retry_after_as_date: true,
        ..Faults::default()
    });
    let conn = connection(&sb, &w);
    let start = Instant::now();
    let r = verify_step(&w, "api-keys", &conn, &VerifyOptions::default(), &|_| {}).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail, "{company:?}");
    assert!(
        company.detail.contains("throttled (retry after 35"),
        "names the wait the date asks for: {}",
        company.detail
    );
    assert_eq!(sb.requests().len(), 1, "not retried");
    assert!(start.elapsed() < Duration::from_secs(10));
    sb.shutdown().await;
}
