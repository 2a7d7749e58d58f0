//! Issue #13: what a server that psa-onboard does not control may answer.

use std::time::Duration;

use psa_onboard::sandbox::Faults;
use psa_onboard::verify::Status;

use super::common::sandbox::{assert_all_pass, assert_throttled_once, verify_step_with_faults};
use super::wizard;

/// One 429 whose `Retry-After` is a date `secs` ahead.
fn throttled_until(secs: u32) -> Faults {
    Faults {
        rate_limit_next: 1,
        retry_after_secs: secs,
        retry_after_as_date: true,
        ..Faults::default()
    }
}

/// RFC 9110 lets `Retry-After` be a date. One 429 whose date is 3 s ahead: the retry waits for
/// that moment (at least 2 s, the date having whole seconds), then the step verifies. A date an
/// hour ahead is past the 60 s cap: reported at once, not waited for.
#[tokio::test]
async fn a_retry_after_http_date_is_honoured_within_the_cap() {
    let w = wizard("topleft-connectwise");
    let (sb, r, waited) = verify_step_with_faults(&w, "api-keys", throttled_until(3)).await;
    assert_all_pass(&r);
    assert_throttled_once(&sb);
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, before the date"
    );
    assert!(waited < Duration::from_secs(20), "{waited:?}");
    sb.shutdown().await;

    let (sb, r, waited) = verify_step_with_faults(&w, "api-keys", throttled_until(3600)).await;
    let company = r.checks.iter().find(|c| c.id == "company").unwrap();
    assert_eq!(company.status, Status::Fail, "{company:?}");
    assert!(
        company.detail.contains("throttled (retry after 35"),
        "names the wait the date asks for: {}",
        company.detail
    );
    assert_eq!(sb.requests().len(), 1, "not retried");
    assert!(waited < Duration::from_secs(10));
    sb.shutdown().await;
}
