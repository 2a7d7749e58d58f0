//! Error answers from either PSA: classification by body and status, the quoted message, the
//! one-line description, and the `Retry-After` header. Nothing may panic, and a 429 is always
//! throttling whatever the body says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psa_onboard::psa::ErrorKind;
use psa_onboard::psa::error::{
    autotask_message, classify_autotask, classify_connectwise, connectwise_message, looks_like_html,
};
use psa_onboard::psa::http::retry_after;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

const URL: &str = "https://psa.example.invalid/api";

fuzz_target!(|data: &[u8]| {
    // Two bytes of status, a line of Retry-After, then the body.
    let Some((status, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = u16::from_be_bytes(*status);
    let (header, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&rest[..0], rest),
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(header) {
        headers.insert(RETRY_AFTER, v);
    }
    let retry = retry_after(&headers);
    let body = String::from_utf8_lossy(body);

    for e in [
        classify_autotask(status, &body, retry, URL),
        classify_connectwise(status, &body, retry, URL),
    ] {
        assert_eq!(e.status, Some(status));
        if status == 429 {
            assert!(matches!(e.kind, ErrorKind::Throttled { .. }), "{e:?}");
        }
        let line = e.to_string();
        assert!(line.contains(URL), "{line}");
    }
    let _ = autotask_message(&body);
    let _ = connectwise_message(&body);
    let _ = looks_like_html(&body);
});
