//! Autotask PSA REST client: zone lookup, the three auth headers, entity metadata, queries.
//!
//! Rules this client enforces (see docs/autotask-api.md): at most 3 requests in flight per
//! endpoint (Autotask's thread limit), `ImpersonationResourceId` only on writes, and a refused
//! credential is never sent again by the retry policy.

mod model;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

pub use model::*;

use super::error::{AUTOTASK, ErrorKind, PsaError};
use super::http::{Http, Idempotency, RawResponse};

/// Autotask's limit of concurrent requests per (tracking identifier + endpoint).
pub const AUTOTASK_THREAD_LIMIT: usize = 3;
/// What one client uses of it. The limit is shared with everything else that signs in with the
/// same tracking identifier — above all the vendor's live integration, whose drift `check`
/// re-audits — so one slot per endpoint is always left free for it.
pub const THREADS_PER_ENDPOINT: usize = AUTOTASK_THREAD_LIMIT - 1;
/// Query pages followed at most (500 records each).
const MAX_PAGES: usize = 20;

/// An Autotask API user's credentials, and the client bound to them.
pub struct AutotaskClient {
    http: Http,
    api_root: String,
    username: String,
    secret: SecretString,
    integration_code: String,
    base: Mutex<Option<String>>,
    endpoints: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl std::fmt::Debug for AutotaskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutotaskClient")
            .field("api_root", &self.api_root)
            .field("username", &self.username)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl AutotaskClient {
    pub fn new(
        http: Http,
        api_root: &str,
        username: &str,
        secret: SecretString,
        integration_code: &str,
    ) -> Self {
        AutotaskClient {
            http,
            api_root: api_root.trim().trim_end_matches('/').to_string(),
            username: username.trim().to_string(),
            secret,
            integration_code: integration_code.trim().to_string(),
            base: Mutex::new(None),
            endpoints: Mutex::new(HashMap::new()),
        }
    }

    /// The API root the zone lookup asks (as given, without a trailing slash).
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// `GET {root}/V1.0/zoneInformation?user=…`, unauthenticated. Sets the base URL on success.
    pub async fn zone(&self) -> Result<ZoneInfo, PsaError> {
        let mut url =
            url::Url::parse(&format!("{}/V1.0/zoneInformation", self.api_root)).map_err(|e| {
                PsaError::new(
                    ErrorKind::Transport(super::error::Transport::Policy),
                    None,
                    format!(
                        "the Autotask API root \"{}\" is not a URL: {e}",
                        self.api_root
                    ),
                    &self.api_root,
                )
            })?;
        url.query_pairs_mut().append_pair("user", &self.username);
        let url = url.to_string();
        let resp = self
            .http
            .send(&url, Idempotency::Read, AUTOTASK, || {
                Ok(self
                    .http
                    .request(Method::GET, &url)?
                    .header("Accept", "application/json"))
            })
            .await?;
        let zone: ZoneInfo = resp.json()?;
        if zone.url.trim().is_empty() {
            return Err(PsaError::new(
                ErrorKind::Protocol,
                Some(resp.status),
                "zoneInformation answered without a url",
                &url,
            ));
        }
        *self.base.lock().expect("base lock") = Some(base_from_zone_url(&zone.url));
        Ok(zone)
    }

    /// Use a known base URL (`…/ATServicesRest/V1.0`) instead of a zone lookup.
    pub fn set_base(&self, base: &str) {
        *self.base.lock().expect("base lock") = Some(base.trim_end_matches('/').to_string());
    }

    pub fn base(&self) -> Option<String> {
        self.base.lock().expect("base lock").clone()
    }

    fn url(&self, path: &str) -> Result<String, PsaError> {
        let base = self.base().ok_or_else(|| {
            PsaError::new(
                ErrorKind::NotFound,
                None,
                "the zone is not known yet (zone lookup first)",
                path,
            )
        })?;
        Ok(format!("{base}/{}", path.trim_start_matches('/')))
    }

    fn semaphore(&self, path: &str) -> Arc<Semaphore> {
        // The thread limit is per object endpoint: `Tickets/query` and `Tickets/entityInformation`
        // share `Tickets`.
        let key = path
            .trim_start_matches('/')
            .split(['/', '?'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        self.endpoints
            .lock()
            .expect("endpoint lock")
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(THREADS_PER_ENDPOINT)))
            .clone()
    }

    /// One authenticated call. `impersonate` only for writes (a read with it is refused).
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        impersonate: Option<i64>,
    ) -> Result<RawResponse, PsaError> {
        let url = self.url(path)?;
        self.call_url(method, &url, path, body, impersonate).await
    }

    async fn call_url(
        &self,
        method: Method,
        url: &str,
        path: &str,
        body: Option<&Value>,
        impersonate: Option<i64>,
    ) -> Result<RawResponse, PsaError> {
        let is_read = method == Method::GET || path.ends_with("/query") || path.contains("/query/");
        debug_assert!(
            impersonate.is_none() || !is_read,
            "never impersonate on a read"
        );
        let impersonate = if is_read { None } else { impersonate };
        self.check_header_values(url)?;
        let sem = self.semaphore(path);
        let _permit = sem.acquire().await.expect("semaphore never closed");
        let idem = if is_read {
            Idempotency::Read
        } else {
            Idempotency::Write
        };
        self.http
            .send(url, idem, AUTOTASK, || {
                let mut req = self
                    .http
                    .request(method.clone(), url)?
                    .header("ApiIntegrationCode", &self.integration_code)
                    .header("UserName", &self.username)
                    .header("Secret", self.secret.expose_secret())
                    .header("Accept", "application/json");
                if let Some(id) = impersonate {
                    req = req.header("ImpersonationResourceId", id.to_string());
                }
                if let Some(b) = body {
                    req = req.json(b);
                }
                Ok(req)
            })
            .await
    }

    /// The credentials travel as HTTP header values, which carry only visible ASCII: anything
    /// else would reach Autotask altered (and count toward the lockout), so refuse before
    /// sending. The message never quotes the secret.
    fn check_header_values(&self, url: &str) -> Result<(), PsaError> {
        let bad = |v: &str| !v.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
        let field = if bad(self.secret.expose_secret()) {
            "secret (password)"
        } else if bad(&self.username) {
            "username"
        } else if bad(&self.integration_code) {
            "API tracking identifier"
        } else {
            return Ok(());
        };
        Err(PsaError::new(
            ErrorKind::Transport(super::error::Transport::Policy),
            None,
            format!(
                "the {field} contains characters Autotask's API cannot receive (non-ASCII letters \
such as ö, or control characters such as a pasted line break); nothing was sent, so no sign-in \
attempt was used. Re-type it, or reset it in Autotask to plain ASCII letters, digits and symbols"
            ),
            url,
        ))
    }

    /// `GET Version`: needs no entity permission.
    pub async fn version(&self) -> Result<Value, PsaError> {
        self.call(Method::GET, "Version", None, None).await?.json()
    }

    pub async fn threshold(&self) -> Result<Threshold, PsaError> {
        self.call(Method::GET, "ThresholdInformation", None, None)
            .await?
            .json()
    }

    pub async fn entity_information(&self, entity: &str) -> Result<EntityInfo, PsaError> {
        let v: Value = self
            .call(
                Method::GET,
                &format!("{entity}/entityInformation"),
                None,
                None,
            )
            .await?
            .json()?;
        let resp_url = self.url(&format!("{entity}/entityInformation"))?;
        EntityInfo::from_json(&v).ok_or_else(|| {
            PsaError::new(
                ErrorKind::Protocol,
                Some(200),
                "entityInformation answered without `info`",
                &resp_url,
            )
        })
    }

    pub async fn entity_fields(&self, entity: &str) -> Result<Vec<FieldInfo>, PsaError> {
        let v: FieldsResponse = self
            .call(
                Method::GET,
                &format!("{entity}/entityInformation/fields"),
                None,
                None,
            )
            .await?
            .json()?;
        Ok(v.fields)
    }

    /// `POST {entity}/query`, following `nextPageUrl` (POSTed with the same body) up to a cap.
    pub async fn query(&self, entity: &str, body: &Value) -> Result<Vec<Value>, PsaError> {
        let path = format!("{entity}/query");
        let mut page: QueryPage = self
            .call(Method::POST, &path, Some(body), None)
            .await?
            .json()?;
        let mut items = std::mem::take(&mut page.items);
        let mut pages = 1;
        while let Some(next) = page
            .page_details
            .as_ref()
            .and_then(|p| p.next_page_url.clone())
        {
            if next.trim().is_empty() || pages >= MAX_PAGES {
                break;
            }
            page = self
                .call_url(Method::POST, &next, &path, Some(body), None)
                .await?
                .json()?;
            items.append(&mut page.items);
            pages += 1;
        }
        Ok(items)
    }

    /// `POST {entity}/query/count`.
    pub async fn query_count(&self, entity: &str, body: &Value) -> Result<u64, PsaError> {
        let v: Value = self
            .call(
                Method::POST,
                &format!("{entity}/query/count"),
                Some(body),
                None,
            )
            .await?
            .json()?;
        Ok(v.get("queryCount").and_then(Value::as_u64).unwrap_or(0))
    }

    /// The permission probe: one record's id.
    pub async fn probe_query(&self, entity: &str) -> Result<usize, PsaError> {
        let body = json!({"MaxRecords": 1, "IncludeFields": ["id"], "Filter": [{"op": "gte", "field": "id", "value": 0}]});
        let path = format!("{entity}/query");
        let page: QueryPage = self
            .call(Method::POST, &path, Some(&body), None)
            .await?
            .json()?;
        Ok(page.items.len())
    }

    /// The resource with this userName, if the API user can see it.
    pub async fn resource_by_username(&self, username: &str) -> Result<Option<Resource>, PsaError> {
        let body = json!({
            "MaxRecords": 1,
            "IncludeFields": ["id", "userName", "isActive", "licenseType", "userType", "email", "firstName", "lastName"],
            "Filter": [{"op": "eq", "field": "userName", "value": username}]
        });
        let items = self.query("Resources", &body).await?;
        Ok(items.first().map(Resource::from_json))
    }

    /// The API user's own record and, with `humans`, every active resource that is not an API
    /// user, in one query (`userName eq me OR (isActive AND licenseType noteq API User)`). It is
    /// the run's sign-in: one request with the three headers, whose refusal is a 401 like any
    /// other, and whose answer is data every Autotask wizard needs.
    pub async fn people(&self, username: &str, humans: bool) -> Result<Vec<Resource>, PsaError> {
        let me = json!({"op": "eq", "field": "userName", "value": username});
        let body = if humans {
            json!({
                "MaxRecords": 500,
                "IncludeFields": ["id", "userName", "isActive", "licenseType", "userType", "email", "firstName", "lastName"],
                "Filter": [{"op": "or", "items": [
                    me,
                    {"op": "and", "items": [
                        {"op": "eq", "field": "isActive", "value": true},
                        {"op": "noteq", "field": "licenseType", "value": API_USER_LICENSE}
                    ]}
                ]}]
            })
        } else {
            json!({
                "MaxRecords": 1,
                "IncludeFields": ["id", "userName", "isActive", "licenseType", "userType", "email", "firstName", "lastName"],
                "Filter": [me]
            })
        };
        Ok(self
            .query("Resources", &body)
            .await?
            .iter()
            .map(Resource::from_json)
            .collect())
    }

    /// Active resources that are not API users (the people an integration may impersonate).
    pub async fn human_resources(&self) -> Result<Vec<Resource>, PsaError> {
        let body = json!({
            "MaxRecords": 500,
            "IncludeFields": ["id", "userName", "isActive", "licenseType", "userType", "firstName", "lastName"],
            "Filter": [
                {"op": "eq", "field": "isActive", "value": true},
                {"op": "noteq", "field": "licenseType", "value": API_USER_LICENSE}
            ]
        });
        Ok(self
            .query("Resources", &body)
            .await?
            .iter()
            .map(Resource::from_json)
            .collect())
    }

    /// WRITE: a ticket note created as `resource_id` (impersonated). Returns the note id.
    pub async fn create_ticket_note_as(
        &self,
        ticket_id: i64,
        resource_id: i64,
        note: &Value,
    ) -> Result<i64, PsaError> {
        let v: Value = self
            .call(
                Method::POST,
                &format!("Tickets/{ticket_id}/Notes"),
                Some(note),
                Some(resource_id),
            )
            .await?
            .json()?;
        item_id(&v, &self.url("Tickets")?)
    }

    pub async fn ticket_note(&self, ticket_id: i64, note_id: i64) -> Result<Value, PsaError> {
        let v: Value = self
            .call(
                Method::GET,
                &format!("Tickets/{ticket_id}/Notes/{note_id}"),
                None,
                None,
            )
            .await?
            .json()?;
        Ok(v.get("item").cloned().unwrap_or(Value::Null))
    }

    /// WRITE: create a ticket webhook. Returns its id.
    pub async fn create_ticket_webhook(&self, body: &Value) -> Result<i64, PsaError> {
        let v: Value = self
            .call(Method::POST, "TicketWebhooks", Some(body), None)
            .await?
            .json()?;
        item_id(&v, &self.url("TicketWebhooks")?)
    }

    /// WRITE: delete a ticket webhook.
    pub async fn delete_ticket_webhook(&self, id: i64) -> Result<(), PsaError> {
        self.call(Method::DELETE, &format!("TicketWebhooks/{id}"), None, None)
            .await?;
        Ok(())
    }
}

fn item_id(v: &Value, url: &str) -> Result<i64, PsaError> {
    v.get("itemId")
        .or_else(|| v.get("itemID"))
        .and_then(|i| {
            i.as_i64()
                .or_else(|| i.as_str().and_then(|s| s.parse().ok()))
        })
        .ok_or_else(|| {
            PsaError::new(
                ErrorKind::Protocol,
                Some(200),
                format!("no itemId in {v}"),
                url,
            )
        })
}

/// `https://webservices15.autotask.net/ATServicesRest/` → `…/ATServicesRest/V1.0`.
pub fn base_from_zone_url(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    if lower.ends_with("/v1.0") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/V1.0")
    }
}

/// Whether an Autotask username looks like an email address typed where the API username goes.
pub fn looks_like_email(username: &str) -> bool {
    match username.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.ends_with('.')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_url_to_base() {
        assert_eq!(
            base_from_zone_url("https://webservices15.autotask.net/ATServicesRest/"),
            "https://webservices15.autotask.net/ATServicesRest/V1.0"
        );
        assert_eq!(
            base_from_zone_url("https://webservices2.autotask.net/atservicesrest"),
            "https://webservices2.autotask.net/atservicesrest/V1.0"
        );
        assert_eq!(
            base_from_zone_url("http://127.0.0.1:9/ATServicesRest/V1.0/"),
            "http://127.0.0.1:9/ATServicesRest/V1.0"
        );
    }

    #[test]
    fn header_values_autotask_cannot_receive_are_named_never_quoted() {
        let client = |user: &str, secret: &str, code: &str| {
            let http = Http::new(crate::psa::http::HttpConfig::default()).unwrap();
            AutotaskClient::new(http, "https://x", user, SecretString::from(secret), code)
        };
        let ok = client("api@acme.example", "p@$$ #\"\\ word`'~", "CODE 1");
        assert!(ok.check_header_values("https://x").is_ok());
        for (c, field) in [
            (client("api@acme.example", "wörd-secret", "CODE"), "secret"),
            (client("api@acme.example", "line\nbreak", "CODE"), "secret"),
            (client("api@acmé.example", "s", "CODE"), "username"),
            (client("api@acme.example", "s", "CO\tDE"), "tracking"),
        ] {
            let e = c.check_header_values("https://x").unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains(field) && text.contains("nothing was sent"),
                "{text}"
            );
            assert!(!text.contains("wörd-secret") && !text.contains("line\nbreak"));
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let http = Http::new(crate::psa::http::HttpConfig::default()).unwrap();
        let c = AutotaskClient::new(
            http,
            "https://x",
            "u",
            SecretString::from("hunter2-secret"),
            "CODE",
        );
        let d = format!("{c:?}");
        assert!(
            !d.contains("hunter2-secret") && d.contains("redacted"),
            "{d}"
        );
    }

    #[test]
    fn email_detection() {
        assert!(looks_like_email("jane@example.com"));
        assert!(!looks_like_email("topleftabc"));
        assert!(!looks_like_email("@x.y"));
    }
}
