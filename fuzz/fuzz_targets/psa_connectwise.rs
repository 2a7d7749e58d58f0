//! ConnectWise answers are untrusted input: companyinfo, mySecurity / role settings pages, the
//! `Link` header that pages them, and the site the admin typed. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psa_onboard::psa::ErrorKind;
use psa_onboard::psa::connectwise::{CompanyInfo, SecuritySetting, next_link, site_root};
use psa_onboard::psa::http::{RawResponse, check_url};
use reqwest::header::{HeaderMap, HeaderValue, LINK};

const URL: &str = "https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/mySecurity";

fuzz_target!(|data: &[u8]| {
    // First line: the Link header; the rest: the body.
    let (link, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(link) {
        headers.insert(LINK, v);
    }
    let resp = RawResponse {
        status: 200,
        headers,
        body: body.to_vec(),
        url: URL.to_string(),
    };

    if let Ok(info) = resp.json::<CompanyInfo>()
        && let Some(codebase) = &info.codebase
    {
        let _ = codebase.trim().trim_matches('/');
    }
    match resp.json::<Vec<SecuritySetting>>() {
        Ok(rows) => assert!(rows.len() <= body.len()),
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Protocol, "{e}");
            let _ = e.to_string();
        }
    }
    // The paging path: header → next URL.
    if let Some(next) = resp.header("link").and_then(next_link) {
        let header = resp.header("link").unwrap_or_default();
        assert!(
            header.contains(&format!("<{next}>")),
            "{next:?} not in {header:?}"
        );
    }

    // The site as typed → scheme + host (+ port), then the HTTP layer's policy check.
    let text = String::from_utf8_lossy(data);
    for site in [text.as_ref(), String::from_utf8_lossy(link).as_ref()] {
        match site_root(site) {
            Ok(root) => {
                assert!(root.contains("://"), "{root:?}");
                let _ = check_url(&root);
            }
            Err(e) => {
                assert!(!e.message.is_empty());
                let _ = e.to_string();
            }
        }
    }
    let _ = next_link(&text);
});
