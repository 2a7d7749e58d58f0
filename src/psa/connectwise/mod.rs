//! ConnectWise PSA REST client: companyinfo → codebase, Basic auth + clientId, the caller's own
//! security and member record, members, security roles, callbacks.

use std::sync::Mutex;

use base64::Engine;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use super::error::{CONNECTWISE, ErrorKind, PsaError, Transport};
use super::http::{Http, Idempotency, RawResponse};

/// The model version psa-onboard is tested with (pinned so field shapes do not drift).
pub const ACCEPT: &str = "application/vnd.connectwise.com+json; version=2025.1";
/// Pages of mySecurity followed at most (1000 rows each).
const MAX_PAGES: usize = 20;

/// `login/companyinfo/{company}`.
#[derive(Debug, Clone, Deserialize)]
pub struct CompanyInfo {
    #[serde(rename = "CompanyName", default)]
    pub company_name: Option<String>,
    #[serde(rename = "Codebase", default)]
    pub codebase: Option<String>,
    #[serde(rename = "VersionCode", default)]
    pub version_code: Option<String>,
    /// `"True"` (string) in one capture, `true` in another.
    #[serde(rename = "IsCloud", default)]
    pub is_cloud: Option<Value>,
    #[serde(rename = "SiteUrl", default)]
    pub site_url: Option<String>,
}

/// One row of `system/mySecurity` or a role's settings. Levels are kept verbatim.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecuritySetting {
    #[serde(default)]
    pub module_name: Option<String>,
    #[serde(default)]
    pub module_identifier: Option<String>,
    #[serde(default)]
    pub module_function_name: Option<String>,
    #[serde(default)]
    pub module_function_identifier: Option<String>,
    #[serde(default)]
    pub add_level: Option<String>,
    #[serde(default)]
    pub edit_level: Option<String>,
    #[serde(default)]
    pub delete_level: Option<String>,
    #[serde(default)]
    pub inquire_level: Option<String>,
}

pub struct ConnectwiseClient {
    http: Http,
    site_root: String,
    company_id: String,
    public_key: String,
    private_key: SecretString,
    client_id: String,
    base: Mutex<Option<String>>,
}

impl std::fmt::Debug for ConnectwiseClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectwiseClient")
            .field("site_root", &self.site_root)
            .field("company_id", &self.company_id)
            .field("public_key", &self.public_key)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

/// The scheme + host to call for a site as the admin typed it. A cloud login host
/// (`na.myconnectwise.net`) becomes its API host (`api-na.myconnectwise.net`); `http://` is kept
/// only for loopback (the HTTP layer refuses anything else).
pub fn site_root(site: &str) -> Result<String, PsaError> {
    let site = site.trim().trim_end_matches('/');
    let with_scheme = if site.contains("://") {
        site.to_string()
    } else {
        format!("https://{site}")
    };
    let mut url = url::Url::parse(&with_scheme).map_err(|e| {
        PsaError::new(
            ErrorKind::Transport(Transport::Policy),
            None,
            format!("\"{site}\" is not a host name or URL: {e}"),
            site,
        )
    })?;
    if let Some(host) = url.host_str().map(str::to_ascii_lowercase) {
        let cloud = host.ends_with(".myconnectwise.net") || host.ends_with(".connectwisedev.com");
        if cloud && !host.starts_with("api-") {
            let rewritten = format!("api-{host}");
            url.set_host(Some(&rewritten)).map_err(|e| {
                PsaError::new(
                    ErrorKind::Transport(Transport::Policy),
                    None,
                    e.to_string(),
                    site,
                )
            })?;
        }
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        port
    ))
}

impl ConnectwiseClient {
    pub fn new(
        http: Http,
        site: &str,
        company_id: &str,
        public_key: &str,
        private_key: SecretString,
        client_id: &str,
    ) -> Result<Self, PsaError> {
        Ok(ConnectwiseClient {
            http,
            site_root: site_root(site)?,
            company_id: company_id.trim().to_string(),
            public_key: public_key.trim().to_string(),
            private_key,
            client_id: client_id.trim().to_string(),
            base: Mutex::new(None),
        })
    }

    pub fn site_root(&self) -> &str {
        &self.site_root
    }

    /// Unauthenticated `GET {site}/login/companyinfo/{company}`. Sets the base URL.
    pub async fn company_info(&self) -> Result<CompanyInfo, PsaError> {
        let url = format!(
            "{}/login/companyinfo/{}",
            self.site_root,
            urlencode_path(&self.company_id)
        );
        let resp = self
            .http
            .send(&url, Idempotency::Read, CONNECTWISE, || {
                Ok(self
                    .http
                    .request(Method::GET, &url)?
                    .header("Accept", "application/json"))
            })
            .await?;
        let info: CompanyInfo = resp.json().map_err(|mut e| {
            // An unknown company ID gets an empty or odd body (UNCONFIRMED): an empty answer
            // means "not found". HTML or JSON cut short stays a protocol error: a Wi-Fi sign-in
            // page or a broken proxy is likelier than a typo, and the message still asks.
            let text = resp.text();
            if text.trim().is_empty() || text.trim() == "null" {
                e.kind = ErrorKind::NotFound;
            }
            e.message = format!("companyinfo did not answer with the company's details ({}); is the company ID right?", e.message);
            e
        })?;
        let codebase = info
            .codebase
            .clone()
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| {
                PsaError::new(
                    ErrorKind::NotFound,
                    Some(resp.status),
                    format!(
                        "companyinfo has no Codebase for company \"{}\"; is the company ID right?",
                        self.company_id
                    ),
                    &url,
                )
            })?;
        let codebase = codebase.trim().trim_matches('/');
        *self.base.lock().expect("base lock") =
            Some(format!("{}/{codebase}/apis/3.0", self.site_root));
        Ok(info)
    }

    /// Use a known base URL (`…/{codebase}/apis/3.0`) instead of a companyinfo lookup.
    pub fn set_base(&self, base: &str) {
        *self.base.lock().expect("base lock") = Some(base.trim_end_matches('/').to_string());
    }

    pub fn base(&self) -> Option<String> {
        self.base.lock().expect("base lock").clone()
    }

    fn auth_header(&self) -> String {
        let raw = format!(
            "{}+{}:{}",
            self.company_id,
            self.public_key,
            self.private_key.expose_secret()
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    async fn get_url(&self, url: &str) -> Result<RawResponse, PsaError> {
        self.http
            .send(url, Idempotency::Read, CONNECTWISE, || {
                let mut req = self
                    .http
                    .request(Method::GET, url)?
                    .header("Authorization", self.auth_header())
                    .header("Accept", ACCEPT);
                // An empty clientId is sent as absent, so ConnectWise says what is wrong.
                if !self.client_id.is_empty() {
                    req = req.header("clientId", &self.client_id);
                }
                Ok(req)
            })
            .await
    }

    fn url(&self, path_and_query: &str) -> Result<String, PsaError> {
        let base = self.base().ok_or_else(|| {
            PsaError::new(
                ErrorKind::NotFound,
                None,
                "the codebase is not known yet (companyinfo first)",
                path_and_query,
            )
        })?;
        Ok(format!("{base}/{}", path_and_query.trim_start_matches('/')))
    }

    async fn get(&self, path_and_query: &str) -> Result<RawResponse, PsaError> {
        let url = self.url(path_and_query)?;
        self.get_url(&url).await
    }

    pub async fn system_info(&self) -> Result<Value, PsaError> {
        self.get("system/info").await?.json()
    }

    /// The calling member's own record.
    pub async fn my_member(&self) -> Result<Value, PsaError> {
        let v: Value = self.get("system/myMembers").await?.json()?;
        // A single object per the spec; accept a one-element list too.
        Ok(match v {
            Value::Array(mut a) if !a.is_empty() => a.remove(0),
            other => other,
        })
    }

    pub async fn members_by_identifier(&self, identifier: &str) -> Result<Vec<Value>, PsaError> {
        let q = conditions_query(&format!("identifier=\"{}\"", escape_condition(identifier)));
        self.get(&format!("system/members?{q}")).await?.json()
    }

    pub async fn api_members_by_identifier(
        &self,
        identifier: &str,
    ) -> Result<Vec<Value>, PsaError> {
        let q = conditions_query(&format!("identifier=\"{}\"", escape_condition(identifier)));
        self.get(&format!("system/apiMembers?{q}")).await?.json()
    }

    /// Every row of the caller's effective security, following `Link: rel="next"`.
    pub async fn my_security(&self) -> Result<Vec<SecuritySetting>, PsaError> {
        self.paged("system/mySecurity?pageSize=1000").await
    }

    pub async fn security_roles(&self, name: &str) -> Result<Vec<Value>, PsaError> {
        let q = conditions_query(&format!("name=\"{}\"", escape_condition(name)));
        self.get(&format!("system/securityroles?{q}")).await?.json()
    }

    pub async fn role_settings(&self, role_id: i64) -> Result<Vec<SecuritySetting>, PsaError> {
        self.paged(&format!(
            "system/securityRoles/{role_id}/settings?pageSize=1000"
        ))
        .await
    }

    pub async fn callbacks(&self) -> Result<Vec<Value>, PsaError> {
        let rows: Vec<Value> = self.paged("system/callbacks?pageSize=1000").await?;
        Ok(rows)
    }

    async fn paged<T: serde::de::DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, PsaError> {
        let mut url = self.url(first)?;
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let resp = self.get_url(&url).await?;
            let mut page: Vec<T> = resp.json()?;
            out.append(&mut page);
            match resp.header("link").and_then(next_link) {
                Some(next) => url = resolve_link(&url, &next),
                None => break,
            }
        }
        Ok(out)
    }
}

/// The `rel="next"` target of an RFC 5988 `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim().to_ascii_lowercase().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        if is_next && target.starts_with('<') && target.ends_with('>') {
            Some(target[1..target.len() - 1].to_string())
        } else {
            None
        }
    })
}

fn resolve_link(current: &str, next: &str) -> String {
    match url::Url::parse(current).and_then(|c| c.join(next)) {
        Ok(u) => u.to_string(),
        Err(_) => next.to_string(),
    }
}

fn escape_condition(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn conditions_query(cond: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("conditions", cond)
        .finish()
        .replace('+', "%20")
}

fn urlencode_path(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_hosts_get_the_api_prefix() {
        assert_eq!(
            site_root("na.myconnectwise.net").unwrap(),
            "https://api-na.myconnectwise.net"
        );
        assert_eq!(
            site_root("https://eu.myconnectwise.net/").unwrap(),
            "https://api-eu.myconnectwise.net"
        );
        assert_eq!(
            site_root("api-au.myconnectwise.net").unwrap(),
            "https://api-au.myconnectwise.net"
        );
        assert_eq!(
            site_root("http://127.0.0.1:8123").unwrap(),
            "http://127.0.0.1:8123"
        );
        assert_eq!(
            site_root("cw.example.com").unwrap(),
            "https://cw.example.com"
        );
        assert!(site_root("").is_err());
        assert!(site_root("exa mple.com").is_err());
    }

    #[test]
    fn debug_never_shows_the_private_key() {
        let http = Http::new(crate::psa::http::HttpConfig::default()).unwrap();
        let c = ConnectwiseClient::new(
            http,
            "na.myconnectwise.net",
            "co",
            "pub",
            SecretString::from("hunter2-key"),
            "cid",
        )
        .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2-key") && d.contains("redacted"), "{d}");
        assert!(
            !c.auth_header().contains("hunter2-key"),
            "base64-encoded, never plain"
        );
    }

    #[test]
    fn link_header_next() {
        let h = r#"<https://x/apis/3.0/system/mySecurity?page=2&pageSize=1000>; rel="next", <https://x/apis/3.0/system/mySecurity?page=5>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://x/apis/3.0/system/mySecurity?page=2&pageSize=1000")
        );
        assert_eq!(next_link(r#"<https://x/a?page=1>; rel="first""#), None);
        assert_eq!(
            resolve_link("https://x/a/b?page=1", "/a/b?page=2"),
            "https://x/a/b?page=2"
        );
    }

    #[test]
    fn conditions_are_encoded() {
        assert_eq!(
            conditions_query("identifier=\"TopLeft\""),
            "conditions=identifier%3D%22TopLeft%22"
        );
    }
}
