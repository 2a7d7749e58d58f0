//! Autotask answers are untrusted input: every response shape the client parses goes through
//! the client's own path (`RawResponse::json` into the model types), then the pure helpers that
//! read them. Nothing may panic; a body that does not parse is a `Protocol` error quoting it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psa_onboard::psa::ErrorKind;
use psa_onboard::psa::autotask::{
    EntityInfo, FieldsResponse, QueryPage, Resource, Threshold, UserAccess, ZoneInfo,
    base_from_zone_url, looks_like_email, picklist_label,
};
use psa_onboard::psa::http::RawResponse;
use reqwest::header::HeaderMap;
use serde_json::Value;

const URL: &str = "https://webservices15.autotask.net/ATServicesRest/V1.0/Tickets/query";

fuzz_target!(|data: &[u8]| {
    let resp = RawResponse {
        status: 200,
        headers: HeaderMap::new(),
        body: data.to_vec(),
        url: URL.to_string(),
    };

    // zoneInformation → the base URL every later call uses.
    if let Ok(zone) = resp.json::<ZoneInfo>() {
        let base = base_from_zone_url(&zone.url);
        assert!(base.to_ascii_lowercase().ends_with("/v1.0"), "{base:?}");
        assert_eq!(base_from_zone_url(&base), base, "base of a base changed");
    }
    if let Ok(t) = resp.json::<Threshold>()
        && let Some(f) = t.used_fraction()
    {
        assert!(!f.is_nan(), "NaN budget from {t:?}");
    }
    // {entity}/query pages and the resources in them.
    if let Ok(page) = resp.json::<QueryPage>() {
        for item in &page.items {
            let r = Resource::from_json(item);
            assert_eq!(r.name, r.name.trim());
        }
    }
    // entityInformation/fields: picklist labels by value.
    if let Ok(fields) = resp.json::<FieldsResponse>() {
        for f in &fields.fields {
            for p in f.picklist_values.iter().flatten() {
                if let Some(v) = p.value_i64() {
                    let _ = picklist_label(&fields.fields, &f.name, v);
                }
            }
        }
    }

    match resp.json::<Value>() {
        Ok(v) => {
            // entityInformation, wrapped or bare; userAccessFor* as strings or ints.
            if let Some(info) = EntityInfo::from_json(&v) {
                let _ = format!("{info:?}");
            }
            walk(&v, 0);
        }
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::Protocol, "{e}");
            assert_eq!(e.status, Some(200));
            assert!(!e.message.is_empty(), "an error that says nothing");
            let _ = e.to_string();
        }
    }

    let text = String::from_utf8_lossy(data);
    if looks_like_email(&text) {
        assert!(text.contains('@'));
    }
});

/// Every value in the document through `UserAccess::parse`; a parsed access reads back the same
/// from its label (strings and ints name the same three levels).
fn walk(v: &Value, depth: usize) {
    if let Some(a) = UserAccess::parse(v) {
        assert_eq!(UserAccess::parse(&Value::from(a.label())), Some(a));
    }
    if depth > 64 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| walk(x, depth + 1)),
        Value::Object(o) => o.values().for_each(|x| walk(x, depth + 1)),
        _ => {}
    }
}
