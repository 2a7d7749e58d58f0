//! The one HTTP client every PSA call goes through: TLS policy, timeouts, a body-size cap, no
//! cross-host redirects, and a retry policy that never retries a refused credential.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode, header::HeaderMap};
use tokio::sync::Semaphore;

use super::error::{ErrorKind, PsaError, Transport};
use super::tls_diagnosis::{self, ChainProblem};

/// How the client behaves. `Default` is right for a live PSA.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Larger answers are a protocol error (no PSA answer the verifier reads comes near this).
    pub max_body_bytes: usize,
    /// Extra trusted roots (PEM), e.g. the sandbox's self-signed certificate.
    pub extra_root_pems: Vec<String>,
    /// Retries after a 429/thread-limit answer or a transient failure.
    pub max_retries: u32,
    /// A `Retry-After` longer than this is reported rather than waited for.
    pub max_retry_wait: Duration,
    /// Pause before retrying a transient failure (doubles each time).
    pub backoff: Duration,
    /// Requests in flight at once through one client, whatever the endpoint (0 counts as 1).
    /// The PSA's per-endpoint limits are enforced on top of this by the PSA clients; this cap
    /// keeps one verification run a polite neighbour of the tenant's other integrations.
    pub max_in_flight: usize,
}

/// The default cap on requests in flight per client: every read of a run after the sign-in
/// goes out in one wave (an Autotask run has about 20; docs/PERFORMANCE.md). Autotask's own
/// limit is per endpoint (3): the Autotask client sends at most 2 to any endpoint, leaving one
/// to the vendor's live integration, so this cap never presses on it.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 24;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 4 * 1024 * 1024,
            extra_root_pems: Vec::new(),
            max_retries: 2,
            max_retry_wait: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// Whether a request may be repeated after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A read (GET, or a POST query): retry 5xx/timeouts.
    Read,
    /// A write: never repeat it blindly (only a throttle answer, which means it did not run).
    Write,
}

/// A successful answer, fully read.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub url: String,
}

impl RawResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parse the body as JSON; HTML or invalid JSON is a protocol error quoting what came back.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, PsaError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let text = self.text();
            let shown = if super::error::looks_like_html(&text) {
                "an HTML page where JSON was expected (a Wi-Fi sign-in page, a proxy, or the wrong address?)".to_string()
            } else if text.trim().is_empty() {
                "an empty body where JSON was expected".to_string()
            } else {
                format!(
                    "invalid JSON ({e}): {}",
                    text.chars().take(200).collect::<String>()
                )
            };
            PsaError::new(ErrorKind::Protocol, Some(self.status), shown, &self.url)
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a PSA's answers become typed errors; each PSA client supplies its own
/// (`error::AUTOTASK`, `error::CONNECTWISE`).
#[derive(Debug, Clone, Copy)]
pub struct Classifier {
    /// Turns a non-success answer into a typed error.
    pub error: fn(u16, &str, Option<Duration>, &str) -> PsaError,
    /// Whether a successful answer's body is in fact an error the PSA reports with a 2xx
    /// status (Autotask's thread limit); such an answer goes through `error` too. `None` for a
    /// PSA whose successes are always successes.
    pub success_is_error: Option<fn(&str) -> bool>,
}

/// The shared client. Clones share the connection pool and the in-flight cap.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    cfg: HttpConfig,
    slots: Arc<Semaphore>,
    /// Chain diagnoses per origin, so requests failing together share one extra handshake
    /// (and a server that never answers costs one connect timeout, not one per request).
    diagnosed: Arc<tokio::sync::Mutex<Diagnoses>>,
}

/// Origin → (when, what the chain showed; `None` when it could not be looked at).
type Diagnoses = std::collections::HashMap<String, (Instant, Option<ChainProblem>)>;

/// How long a chain diagnosis is reused (a re-check after the admin fixes the server must look
/// again).
const DIAGNOSIS_TTL: Duration = Duration::from_secs(30);

impl Http {
    pub fn new(cfg: HttpConfig) -> Result<Self, PsaError> {
        let mut certs = Vec::new();
        for pem in &cfg.extra_root_pems {
            let mut bundle =
                reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                    PsaError::new(
                        ErrorKind::Transport(Transport::Policy),
                        None,
                        format!("the extra CA certificate is not valid PEM: {e}"),
                        "",
                    )
                })?;
            certs.append(&mut bundle);
        }
        let client = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            // Never follow a redirect: a PSA that redirects is misconfigured, and following one
            // to another host would hand it our credential headers.
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_merge(certs)
            .user_agent(concat!("psa-onboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                PsaError::new(
                    ErrorKind::Transport(Transport::Other),
                    None,
                    if cfg.extra_root_pems.is_empty() {
                        format!("cannot build the HTTP client: {}", error_chain(&e))
                    } else {
                        format!(
                            "cannot build the HTTP client; is the extra CA certificate a valid PEM certificate? {}",
                            error_chain(&e)
                        )
                    },
                    "",
                )
            })?;
        let slots = Arc::new(Semaphore::new(cfg.max_in_flight.max(1)));
        Ok(Http {
            client,
            cfg,
            slots,
            diagnosed: Arc::default(),
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    /// A request builder for `url`, after the URL policy check.
    pub fn request(&self, method: Method, url: &str) -> Result<RequestBuilder, PsaError> {
        check_url(url)?;
        Ok(self.client.request(method, url))
    }

    /// Send with the retry policy. `build` makes a fresh request for each attempt.
    ///
    /// - 2xx: the answer.
    /// - 3xx: a protocol error naming where it pointed (never followed).
    /// - Throttled (429, or whatever the classifier calls throttled): wait `Retry-After`
    ///   (1 s when absent) up to `max_retries` times, unless it exceeds `max_retry_wait`.
    /// - 5xx / timeout / connection reset: retried for reads only.
    /// - Anything else, notably 401/403: returned at once. A refused credential is never
    ///   repeated (a PSA may lock the account after repeated failures).
    pub async fn send(
        &self,
        url: &str,
        idem: Idempotency,
        classify: Classifier,
        build: impl Fn() -> Result<RequestBuilder, PsaError>,
    ) -> Result<RawResponse, PsaError> {
        let mut attempt = 0u32;
        loop {
            // A slot per attempt, not across a retry's wait: a throttled request must not hold
            // back the others.
            let outcome = {
                let _slot = self.slots.acquire().await.expect("never closed");
                let req = build()?;
                let watched = super::watch::sent(url);
                let outcome = self.send_once(url, req, classify).await;
                super::watch::answered(watched);
                outcome
            };
            let err = match outcome {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            if attempt >= self.cfg.max_retries {
                return Err(err);
            }
            let wait = match &err.kind {
                ErrorKind::Throttled { retry_after } => {
                    let wait = retry_after.unwrap_or(Duration::from_secs(1));
                    if wait > self.cfg.max_retry_wait {
                        return Err(err);
                    }
                    wait
                }
                ErrorKind::Server | ErrorKind::Transport(Transport::Timeout | Transport::Other)
                    if idem == Idempotency::Read && err.status != Some(501) =>
                {
                    self.cfg.backoff * 2u32.pow(attempt)
                }
                _ => return Err(err),
            };
            tracing::debug!(url, attempt, ?wait, "retrying after {}", err);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        url: &str,
        req: RequestBuilder,
        classify: Classifier,
    ) -> Result<RawResponse, PsaError> {
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.send_failure(&e, url).await),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        if status.is_redirection() {
            let to = headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location)");
            return Err(PsaError::new(
                ErrorKind::Protocol,
                Some(status.as_u16()),
                format!(
                    "redirected to {to}; psa-onboard does not follow redirects (check the host name)"
                ),
                url,
            ));
        }
        if let Some(len) = resp.content_length()
            && len as usize > self.cfg.max_body_bytes
        {
            return Err(oversize(status, self.cfg.max_body_bytes, url));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e, url))? {
            if body.len() + chunk.len() > self.cfg.max_body_bytes {
                return Err(oversize(status, self.cfg.max_body_bytes, url));
            }
            body.extend_from_slice(&chunk);
        }
        let raw = RawResponse {
            status: status.as_u16(),
            headers,
            body,
            url: url.to_string(),
        };
        if status.is_success() {
            if let Some(is_error) = classify.success_is_error {
                let text = raw.text();
                if is_error(&text) {
                    return Err((classify.error)(
                        raw.status,
                        &text,
                        retry_after(&raw.headers),
                        url,
                    ));
                }
            }
            return Ok(raw);
        }
        Err((classify.error)(
            raw.status,
            &raw.text(),
            retry_after(&raw.headers),
            url,
        ))
    }
}

impl Http {
    /// A failed send as a typed error. A certificate from an unknown issuer is looked at more
    /// closely (one aborted handshake, within the connect timeout) to say which of self-signed,
    /// incomplete chain or untrusted authority it is.
    async fn send_failure(&self, e: &reqwest::Error, url: &str) -> PsaError {
        let err = transport_error(e, url);
        let unknown_issuer = matches!(
            find_rustls(e),
            Some(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        );
        if !unknown_issuer || proxy_configured() {
            return err;
        }
        match self.diagnose(url).await {
            Some(problem) => PsaError {
                message: tls_diagnosis::describe(&problem),
                ..err
            },
            None => err,
        }
    }

    /// The chain problem of `url`'s server, looked at once per origin per [`DIAGNOSIS_TTL`].
    async fn diagnose(&self, url: &str) -> Option<ChainProblem> {
        let origin = url::Url::parse(url).ok()?.origin().ascii_serialization();
        // Held across the handshake on purpose: concurrent failures wait for one diagnosis.
        let mut cache = self.diagnosed.lock().await;
        if let Some((at, problem)) = cache.get(&origin)
            && at.elapsed() < DIAGNOSIS_TTL
        {
            return problem.clone();
        }
        let chain = tls_diagnosis::presented_chain(url, self.cfg.connect_timeout).await;
        let problem = chain.as_deref().and_then(tls_diagnosis::classify_chain);
        cache.insert(origin, (Instant::now(), problem.clone()));
        problem
    }
}

/// Whether reqwest may be going through a proxy (its default honours these variables). A
/// direct diagnostic handshake could then see a different server, so none is made.
fn proxy_configured() -> bool {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn oversize(status: StatusCode, max: usize, url: &str) -> PsaError {
    PsaError::new(
        ErrorKind::Protocol,
        Some(status.as_u16()),
        format!(
            "the answer is larger than {} KiB; refusing to read it",
            max / 1024
        ),
        url,
    )
}

/// `Retry-After` as the wait from now. RFC 9110 §10.2.3 allows seconds or an HTTP-date (any of
/// its three formats); a date already past means "now". The caller's cap applies to both.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, std::time::SystemTime::now())
}

fn retry_after_at(headers: &HeaderMap, now: std::time::SystemTime) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // Beyond what a Duration holds (e.g. 1e30): "far too long", never a panic.
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Refuse plain `http://` unless the host is loopback, and anything that is not http(s).
pub fn check_url(url: &str) -> Result<(), PsaError> {
    let parsed = url::Url::parse(url).map_err(|e| {
        PsaError::new(
            ErrorKind::Transport(Transport::Policy),
            None,
            format!("not a valid URL: {e}"),
            url,
        )
    })?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(parsed.host()) => Ok(()),
        "http" => Err(PsaError::new(
            ErrorKind::Transport(Transport::Policy),
            None,
            "plain http:// is refused for anything but this computer (127.0.0.1, ::1, localhost): \
credentials would travel unencrypted; use https://",
            url,
        )),
        other => Err(PsaError::new(
            ErrorKind::Transport(Transport::Policy),
            None,
            format!("unsupported URL scheme \"{other}\"; use https://"),
            url,
        )),
    }
}

/// Whether a URL's host is this computer (`localhost`, 127.0.0.0/8, `::1`): the only place
/// plain http is allowed. The connection form asks the same question.
pub fn is_loopback(host: Option<url::Host<&str>>) -> bool {
    match host {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The full error chain as one line, including io::Error payloads (whose `source()` skips them).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            let t = inner.to_string();
            if !parts.iter().any(|p| p.contains(&t)) {
                parts.push(t);
            }
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// Find the rustls error in a reqwest error's chain, if any. The connector wraps it in an
/// io::Error inside another io::Error, and io::Error's `source()` skips its payload, so payloads
/// are followed explicitly.
fn find_rustls(e: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    // Bounded: error chains are short, and this never loops forever on a strange one.
    for _ in 0..32 {
        let s = cur?;
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            return Some(r.clone());
        }
        cur = match s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => s.source(),
        };
    }
    None
}

/// Describe a certificate problem plainly.
fn certificate_text(err: &rustls::Error) -> Option<String> {
    use rustls::CertificateError as C;
    let rustls::Error::InvalidCertificate(c) = err else {
        return None;
    };
    Some(match c {
        C::UnknownIssuer => UNKNOWN_ISSUER.to_string(),
        C::ExpiredContext { time, not_after } => format!(
            "the server's certificate has expired: it was valid until {}, and it is now {}. The \
server's owner must renew it (if this computer's clock is wrong, correct it)",
            utc(not_after),
            utc(time)
        ),
        C::Expired => "the server's certificate has expired. The server's owner must renew it \
(if this computer's clock is wrong, correct it)"
            .to_string(),
        C::NotValidYetContext { time, not_before } => format!(
            "the server's certificate is not valid yet: it is valid from {}, and it is now {} \
(check this computer's clock)",
            utc(not_before),
            utc(time)
        ),
        C::NotValidYet => {
            "the server's certificate is not valid yet (check this computer's clock)".to_string()
        }
        C::NotValidForNameContext {
            expected,
            presented,
        } => wrong_host_text(&expected.to_str(), presented),
        C::NotValidForName => "the server's certificate is for a different host name; check \
the host name in the URL"
            .to_string(),
        C::Revoked => "the server's certificate has been revoked".to_string(),
        C::BadSignature => "the server's certificate claims a trusted authority as its issuer, \
but that authority did not sign it: it was forged or replaced on the way (a TLS-inspecting proxy, \
or someone in the middle). Check the address and ask your network admin"
            .to_string(),
        other => format!("the server's certificate was rejected ({other:?})"),
    })
}

/// When the chain behind an unknown issuer could not be looked at.
const UNKNOWN_ISSUER: &str = "the server's certificate is not signed by a trusted authority \
(self-signed, or the server sends an incomplete chain without its intermediate certificate); \
install a fully chained certificate, or pass --ca-cert for a private CA";

/// A certificate time as `2021-01-01 00:00:00 UTC`.
fn utc(t: &rustls::pki_types::UnixTime) -> String {
    i64::try_from(t.as_secs())
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "an unreadable date".to_string())
}

/// The names a certificate covers (webpki lists them as `DnsName("x")`, `IpAddress(1.2.3.4)`)
/// against the host asked for.
fn wrong_host_text(expected: &str, presented: &[String]) -> String {
    let mut names: Vec<String> = presented
        .iter()
        .filter_map(|p| {
            let inner = p
                .strip_prefix("DnsName(\"")
                .and_then(|s| s.strip_suffix("\")"))
                .or_else(|| {
                    p.strip_prefix("IpAddress(")
                        .and_then(|s| s.strip_suffix(')'))
                })?;
            let clean = crate::sanitize::clean_line(inner);
            Some(clean.chars().take(100).collect())
        })
        .collect();
    let covers = match names.len() {
        0 => "no host name at all".to_string(),
        n if n > 10 => {
            names.truncate(10);
            format!("{} and {} more", names.join(", "), n - 10)
        }
        _ => names.join(", "),
    };
    format!(
        "the server's certificate is for a different host name: the URL asks for \"{}\", but the \
certificate covers {covers}. Check the host name in the URL (a typo, or another server or \
region); if the PSA is reached under another name, use a name the certificate covers",
        crate::sanitize::clean_line(expected)
    )
}

fn transport_error(e: &reqwest::Error, url: &str) -> PsaError {
    // The URL is reported once, by PsaError; reqwest's own text repeats it.
    let chain = match e.url() {
        Some(u) => error_chain(e).replace(&format!(" for url ({u})"), ""),
        None => error_chain(e),
    };
    let lower = chain.to_ascii_lowercase();
    if let Some(r) = find_rustls(e) {
        if let Some(text) = certificate_text(&r) {
            return PsaError::new(
                ErrorKind::Transport(Transport::Certificate),
                None,
                text,
                url,
            );
        }
        return PsaError::new(
            ErrorKind::Transport(Transport::Tls),
            None,
            format!("TLS handshake failed: {r}"),
            url,
        );
    }
    let (t, text) = if e.is_timeout() || lower.contains("timed out") {
        (Transport::Timeout, format!("no answer in time: {chain}"))
    } else if lower.contains("certificate") || lower.contains("unknownissuer") {
        (
            Transport::Certificate,
            format!("the server's certificate was rejected: {chain}"),
        )
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        (
            Transport::Dns,
            format!("the host name does not resolve: {chain}"),
        )
    } else if lower.contains("connection refused") {
        (
            Transport::Refused,
            format!("nothing is listening there: {chain}"),
        )
    } else if lower.contains("connection reset") {
        (
            Transport::Other,
            format!("the connection was reset before the PSA answered: {chain}"),
        )
    } else if lower.contains("tls") || lower.contains("handshake") {
        (Transport::Tls, format!("TLS failed: {chain}"))
    } else {
        (Transport::Other, chain)
    };
    PsaError::new(ErrorKind::Transport(t), None, text, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("http://127.3.4.5/x").is_ok());
        assert!(check_url("http://[::1]:99/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("https://api-na.myconnectwise.net/x").is_ok());
        let e = check_url("http://na.myconnectwise.net/x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transport(Transport::Policy));
        assert!(e.message.contains("https://"));
        assert!(check_url("http://10.0.0.1/").is_err());
        assert!(check_url("ftp://127.0.0.1/").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn retry_after_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "30".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
        h.insert("retry-after", "-3".parse().unwrap());
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    /// RFC 9110's other form, in each of the three formats a recipient must accept.
    #[test]
    fn retry_after_as_an_http_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:30 GMT").unwrap();
        let mut h = HeaderMap::new();
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            h.insert("retry-after", date.parse().unwrap());
            assert_eq!(
                retry_after_at(&h, now),
                Some(Duration::from_secs(7)),
                "{date}"
            );
        }
        // Already past: retry now rather than never.
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }

    /// Found by fuzzing (psa_errors): a number too large for a Duration panicked.
    #[test]
    fn retry_after_beyond_a_duration_is_the_longest_wait() {
        let mut h = HeaderMap::new();
        for huge in ["1111111111111111111111", "1e30", "1.7976931348623157e308"] {
            h.insert("retry-after", huge.parse().unwrap());
            assert_eq!(retry_after(&h), Some(Duration::MAX), "{huge}");
        }
        h.insert("retry-after", "1.5".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn the_rustls_error_is_found_inside_nested_io_errors() {
        let cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, cert.clone());
        let outer = std::io::Error::other(inner);
        assert_eq!(find_rustls(&outer), Some(cert));
        assert_eq!(find_rustls(&std::io::Error::other("plain")), None);
    }

    /// A chain that names a trusted authority it was not signed by (a forged or re-signed
    /// certificate, or two private CAs sharing a name) is called what it is.
    #[test]
    fn a_forged_signature_is_named() {
        let text = certificate_text(&rustls::Error::InvalidCertificate(
            rustls::CertificateError::BadSignature,
        ))
        .unwrap();
        assert!(text.contains("did not sign it"), "{text}");
        assert!(!text.contains("BadSignature"), "{text}");
    }

    #[test]
    fn expired_and_wrong_host_texts_say_when_and_which_names() {
        use rustls::CertificateError as C;
        use rustls::pki_types::{ServerName, UnixTime};
        let at = |s| UnixTime::since_unix_epoch(Duration::from_secs(s));
        let text = certificate_text(&rustls::Error::InvalidCertificate(C::ExpiredContext {
            time: at(1_700_000_000),
            not_after: at(1_609_459_200),
        }))
        .unwrap();
        assert!(text.contains("has expired"), "{text}");
        assert!(
            text.contains("valid until 2021-01-01 00:00:00 UTC"),
            "{text}"
        );
        assert!(text.contains("now 2023-11-14 22:13:20 UTC"), "{text}");

        let text = certificate_text(&rustls::Error::InvalidCertificate(
            C::NotValidForNameContext {
                expected: ServerName::try_from("psa.example.com").unwrap(),
                presented: vec![
                    "DnsName(\"other.example.com\")".into(),
                    "IpAddress(10.0.0.1)".into(),
                    "UniformResourceIdentifier(\"x\")".into(),
                    "DnsName(\"evil\u{1b}]52;c;AAAA\u{7}.example\")".into(),
                ],
            },
        ))
        .unwrap();
        assert!(text.contains("is for a different host name"), "{text}");
        assert!(text.contains("asks for \"psa.example.com\""), "{text}");
        assert!(
            text.contains("covers other.example.com, 10.0.0.1, evil.example."),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text:?}");

        let many: Vec<String> = (0..25).map(|i| format!("DnsName(\"h{i}.x\")")).collect();
        let text = wrong_host_text("a.x", &many);
        assert!(text.contains("h9.x and 15 more"), "{text}");
        assert!(!text.contains("h10.x"), "{text}");
        assert!(wrong_host_text("a.x", &[]).contains("covers no host name at all"));
    }

    #[tokio::test]
    async fn one_chain_diagnosis_per_origin() {
        use crate::sandbox::{CertMode, Sandbox, SandboxOptions};
        let sb = Sandbox::start(SandboxOptions {
            tls: true,
            cert: CertMode::IncompleteChain,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let site = sb.connectwise_site();
        let http = Http::new(HttpConfig::default()).unwrap();
        let first = http.diagnose(&format!("{site}/a")).await;
        assert!(
            matches!(first, Some(ChainProblem::IncompleteChain { .. })),
            "{first:?}"
        );
        assert!(sb.requests().is_empty(), "{:?}", sb.requests());
        sb.shutdown().await;
        // The server is gone: only the cached diagnosis can answer.
        assert_eq!(http.clone().diagnose(&format!("{site}/b")).await, first);
        let fresh = Http::new(HttpConfig::default()).unwrap();
        assert_eq!(fresh.diagnose(&format!("{site}/b")).await, None);
    }

    #[test]
    fn bad_extra_pem_is_a_clear_error() {
        let cfg = HttpConfig {
            extra_root_pems: vec![
                "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n".into(),
            ],
            ..HttpConfig::default()
        };
        let e = Http::new(cfg).unwrap_err();
        assert!(e.message.contains("CA certificate"), "{}", e.message);
    }
}
