//! A typed PSA error that keeps the PSA's own words.
//!
//! Classification is by body text first, status second: Autotask answers permission denials
//! with a 500 and thread-limit errors with any status, so the status alone misleads.

use super::http::Classifier;
use std::time::Duration;

/// What went wrong, as far as a person fixing it is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The credentials were refused (wrong secret/keys/username, locked or inactive account).
    Auth,
    /// ConnectWise refused the `clientId` header (missing, unregistered or private).
    ClientId,
    /// Signed in, but the account may not do this.
    Permission,
    /// The thing asked for does not exist (unknown user, wrong URL, unknown company).
    NotFound,
    /// Rate or thread limit; `retry_after` when the PSA said how long to wait.
    Throttled { retry_after: Option<Duration> },
    /// The request never got an HTTP answer (DNS, refused, timeout, TLS, refused by policy).
    Transport(Transport),
    /// An answer we could not use: HTML or invalid JSON where JSON was expected, oversize, a
    /// redirect.
    Protocol,
    /// Any other 5xx.
    Server,
    /// Any other 4xx.
    BadRequest,
}

/// Transport failures, split where the fix differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Dns,
    Refused,
    Timeout,
    /// The server's certificate was not accepted (self-signed, expired, wrong host, incomplete
    /// chain); the text says which when rustls told us.
    Certificate,
    /// Another TLS failure.
    Tls,
    /// psa-onboard refused to send it (plain http to a non-loopback host, bad URL).
    Policy,
    Other,
}

/// A failed PSA call: the classification, the HTTP status if there was one, the PSA's own
/// message verbatim (or our description of a transport failure), and the URL called (it never
/// carries a secret: those travel in headers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct PsaError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub message: String,
    pub url: String,
}

impl PsaError {
    pub fn new(
        kind: ErrorKind,
        status: Option<u16>,
        message: impl Into<String>,
        url: &str,
    ) -> Self {
        PsaError {
            kind,
            status,
            message: message.into(),
            url: url.to_string(),
        }
    }

    pub fn is_auth(&self) -> bool {
        matches!(self.kind, ErrorKind::Auth | ErrorKind::ClientId)
    }

    pub fn is_permission(&self) -> bool {
        self.kind == ErrorKind::Permission
    }

    /// What to do about a failure that says nothing about the PSA's setup: the network, TLS,
    /// an answer that is not the PSA's, an outage or throttling. `None` when the PSA's answer is
    /// about the setup itself (credentials, permissions, a missing record): the step's own
    /// remedy applies then.
    pub fn network_remedy(&self) -> Option<String> {
        let text = match &self.kind {
            ErrorKind::Transport(t) => match t {
                Transport::Timeout => {
                    "The PSA did not answer in time. Check this computer's network (VPN, proxy, \
hotel or guest Wi-Fi) and try again; on a slow link, start psa-onboard with a longer --timeout \
(seconds)."
                }
                Transport::Dns => {
                    "Check the address for typos, and that this computer can look it up (VPN or \
DNS). ConnectWise: the site you sign in at, e.g. na.myconnectwise.net. Autotask: leave the \
zone-lookup address at its default."
                }
                Transport::Refused => {
                    "Nothing answers at that address and port. Check the address, and any proxy \
or firewall in between."
                }
                Transport::Certificate => {
                    "Nothing was sent over this connection. Do what the message above says: \
check the address first; trust a certificate with --ca-cert only for your own private CA or a \
proxy your network admin vouches for."
                }
                Transport::Tls => {
                    "The secure connection could not be set up. Check the address and any proxy \
in between, then try again."
                }
                Transport::Policy => "Use the https:// address of your PSA.",
                Transport::Other => {
                    "The connection closed before the PSA answered (a network drop, a proxy or a \
firewall). Try again; if it keeps happening, try another network or ask whoever runs the proxy."
                }
            },
            ErrorKind::Protocol => {
                "The answer did not come from the PSA's API (an HTML page, often a Wi-Fi sign-in \
page or a proxy; unreadable or oversized data; or a redirect). Check the address, sign in to the \
network if it asks, and try again."
            }
            ErrorKind::Server => {
                "The PSA reported an error of its own. Try again in a few minutes; if it \
persists, check the vendor's status page and quote the message above to their support."
            }
            ErrorKind::Throttled { .. } => {
                "The PSA is limiting requests for your tenant (the limit is shared with your \
other integrations). Wait a few minutes and try again."
            }
            ErrorKind::Auth
            | ErrorKind::ClientId
            | ErrorKind::Permission
            | ErrorKind::NotFound
            | ErrorKind::BadRequest => return None,
        };
        Some(text.to_string())
    }

    /// One line: what happened, with the PSA's message quoted (control sequences removed).
    pub fn describe(&self) -> String {
        let what = match &self.kind {
            ErrorKind::Auth => "sign-in refused".to_string(),
            ErrorKind::ClientId => "clientId refused".to_string(),
            ErrorKind::Permission => "permission denied".to_string(),
            ErrorKind::NotFound => "not found".to_string(),
            ErrorKind::Throttled { retry_after } => match retry_after {
                Some(d) => format!("throttled (retry after {} s)", d.as_secs()),
                None => "throttled".to_string(),
            },
            ErrorKind::Transport(t) => match t {
                Transport::Dns => "host name not found (DNS)".to_string(),
                Transport::Refused => "connection refused".to_string(),
                Transport::Timeout => "timed out".to_string(),
                Transport::Certificate => "TLS certificate not trusted".to_string(),
                Transport::Tls => "TLS handshake failed".to_string(),
                Transport::Policy => "request not sent".to_string(),
                Transport::Other => "connection failed".to_string(),
            },
            ErrorKind::Protocol => "unexpected response".to_string(),
            ErrorKind::Server => "server error".to_string(),
            ErrorKind::BadRequest => "request rejected".to_string(),
        };
        let status = self
            .status
            .map(|s| format!("HTTP {s}, "))
            .unwrap_or_default();
        if self.message.is_empty() {
            format!("{what} ({status}{} with an empty body)", self.url)
        } else {
            // The PSA's words, made inert: this line reaches logs and error output as it is.
            format!(
                "{what} ({status}{}): \"{}\"",
                crate::sanitize::clean_line(&self.url),
                crate::sanitize::clean_line(&self.message)
            )
        }
    }
}

/// The messages of an Autotask error body: `{"errors":[...]}`, `{"Message":..}`, `{"error":..}`,
/// or the raw text when it is not JSON. Empty for an empty body.
pub fn autotask_message(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed) {
        if let Some(errs) = v.get("errors").and_then(|e| e.as_array()) {
            let msgs: Vec<String> = errs
                .iter()
                .map(|e| match e {
                    serde_json::Value::String(s) => s.clone(),
                    other => other
                        .get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                        .unwrap_or_else(|| other.to_string()),
                })
                .collect();
            if !msgs.is_empty() {
                return msgs.join("; ");
            }
        }
        for key in ["Message", "message", "error", "Error"] {
            if let Some(s) = v.get(key).and_then(|m| m.as_str()) {
                return s.to_string();
            }
        }
        return trimmed.chars().take(500).collect();
    }
    if looks_like_html(trimmed) {
        return html_summary(trimmed);
    }
    trimmed.chars().take(500).collect()
}

pub fn looks_like_html(body: &str) -> bool {
    let start: String = body
        .trim_start()
        .chars()
        .take(100)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype")
        || start.starts_with("<html")
        || start.starts_with("<?xml")
        || start.starts_with('<')
}

/// The `<title>` of an HTML page, for quoting.
fn html_summary(body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>"))
        && a + 7 <= b
    {
        return format!("an HTML page titled \"{}\"", body[a + 7..b].trim());
    }
    "an HTML page".to_string()
}

/// Autotask's answers: it may report a thread-limit error with any status, even a 200.
pub const AUTOTASK: Classifier = Classifier {
    error: classify_autotask,
    success_is_error: Some(autotask_success_is_error),
};

/// ConnectWise's answers: a 2xx is always a success (a ticket may quote any text).
pub const CONNECTWISE: Classifier = Classifier {
    error: classify_connectwise,
    success_is_error: None,
};

fn autotask_success_is_error(body: &str) -> bool {
    body.contains("Thread Threshold Exceeded")
}

/// Classify an Autotask non-success answer.
pub fn classify_autotask(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    url: &str,
) -> PsaError {
    let message = autotask_message(body);
    let lower = message.to_ascii_lowercase();
    let html =
        !body.trim().is_empty() && !body.trim_start().starts_with('{') && looks_like_html(body);
    let kind = if lower.contains("thread threshold")
        || lower.contains("request threshold")
        || status == 429
    {
        ErrorKind::Throttled { retry_after }
    } else if lower.contains("does not have the adequate permissions")
        || lower.contains("may not have the required permissions")
    {
        ErrorKind::Permission
    } else if lower.contains("zone information could not be determined") {
        ErrorKind::NotFound
    } else if lower.contains("integrationcode is invalid")
        || lower.contains("account has been locked")
        || status == 401
    {
        ErrorKind::Auth
    } else if status == 403 {
        ErrorKind::Permission
    } else if status == 404 {
        ErrorKind::NotFound
    } else if html {
        ErrorKind::Protocol
    } else if status >= 500 {
        ErrorKind::Server
    } else {
        ErrorKind::BadRequest
    };
    PsaError::new(kind, Some(status), message, url)
}

/// The `code` and `message` of a ConnectWise `ErrorResponseMessage` (or the 429 variant with
/// `error`), or the raw text.
pub fn connectwise_message(body: &str) -> (Option<String>, String) {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return (None, String::new());
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed) {
        let code = v
            .get("code")
            .or_else(|| v.get("error"))
            .and_then(|c| c.as_str())
            .map(str::to_string);
        let mut message = v
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| trimmed.chars().take(500).collect());
        if let Some(errs) = v.get("errors").and_then(|e| e.as_array()) {
            let details: Vec<String> = errs
                .iter()
                .filter_map(|e| {
                    e.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .collect();
            if !details.is_empty() {
                message = format!("{message} ({})", details.join("; "));
            }
        }
        return (code, message);
    }
    if looks_like_html(trimmed) {
        return (None, html_summary(trimmed));
    }
    (None, trimmed.chars().take(500).collect())
}

/// Classify a ConnectWise non-success answer: status first, then `code`, message verbatim.
pub fn classify_connectwise(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    url: &str,
) -> PsaError {
    let (code, message) = connectwise_message(body);
    let shown = match &code {
        Some(c) if !message.contains(c.as_str()) => format!("{c}: {message}"),
        _ => message.clone(),
    };
    let lower = body.to_ascii_lowercase();
    let kind = if (status == 400 || status == 401 || status == 403) && lower.contains("clientid") {
        ErrorKind::ClientId
    } else if status == 429 {
        ErrorKind::Throttled { retry_after }
    } else if status == 401
        || code.as_deref() == Some("Unauthorized")
        || lower.contains("usernotauthenticated")
    {
        ErrorKind::Auth
    } else if lower.contains("ssl is required") {
        ErrorKind::Protocol
    } else if status == 403 || code.as_deref() == Some("Security") {
        ErrorKind::Permission
    } else if status == 404 {
        ErrorKind::NotFound
    } else if status >= 500 {
        ErrorKind::Server
    } else if looks_like_html(body) {
        ErrorKind::Protocol
    } else {
        ErrorKind::BadRequest
    };
    PsaError::new(kind, Some(status), shown, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "https://ws.example/V1.0/Tickets/query";

    #[test]
    fn autotask_strings_from_field_notes() {
        let e = classify_autotask(401, "", None, U);
        assert_eq!(e.kind, ErrorKind::Auth);
        assert_eq!(e.message, "");
        let e = classify_autotask(
            500,
            r#"{"errors":["Zone information could not be determined"]}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.message, "Zone information could not be determined");
        let e = classify_autotask(500, r#"{ "errors":["Something went wrong"]}"#, None, U);
        assert_eq!(e.kind, ErrorKind::Server);
        let e = classify_autotask(
            500,
            r#"{"errors":["IntegrationCode is invalid."]}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        let e = classify_autotask(
            500,
            r#"{"errors":["The logged in Resource does not have the adequate permissions to query this entity type."]}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Permission);
        assert!(e.message.starts_with("The logged in Resource"));
        let e = classify_autotask(403, r#"{"errors":["nope"]}"#, None, U);
        assert_eq!(e.kind, ErrorKind::Permission);
        let e = classify_autotask(
            500,
            r#"{"errors":["The user account has been locked.  Please see your Autotask Administrator for details."]}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        for status in [429, 500, 503, 200] {
            let e = classify_autotask(
                status,
                r#"{"errors":["Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded."]}"#,
                Some(Duration::from_secs(2)),
                U,
            );
            assert_eq!(
                e.kind,
                ErrorKind::Throttled {
                    retry_after: Some(Duration::from_secs(2))
                },
                "{status}"
            );
        }
        let e = classify_autotask(
            405,
            r#"{"Message":"The requested resource does not support http method 'GET'."}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert!(e.message.contains("does not support http method"));
        let e = classify_autotask(
            404,
            "<html><head><title>404 - File or directory not found.</title></head></html>",
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert!(e.message.contains("404 - File or directory not found."));
        let e = classify_autotask(
            500,
            r#"maxCountOfRecordsToReturn must be between 1 and 500"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Server);
        assert_eq!(
            e.message,
            "maxCountOfRecordsToReturn must be between 1 and 500"
        );
        let e = classify_autotask(502, "<!DOCTYPE html><html>bad gateway</html>", None, U);
        assert_eq!(e.kind, ErrorKind::Protocol);
    }

    #[test]
    fn connectwise_strings_from_field_notes() {
        let e = classify_connectwise(
            403,
            r#"{"code":"Security","message":"You do not have security permission to perform this action."}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Permission);
        assert!(e.message.contains("You do not have security permission"));
        let e = classify_connectwise(
            200,
            r#"{ "code": "Security", "message": "SSL is required.", "errors": null }"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Protocol);
        let e = classify_connectwise(
            401,
            r#"{"code":"ConnectWiseApi","message":"UserNotAuthenticated"}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(e.message.contains("UserNotAuthenticated"));
        let e = classify_connectwise(
            400,
            r#"{"code":"Unauthorized","message":"clientId header is required"}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::ClientId);
        let e = classify_connectwise(401, "invalid credentials or missing clientId", None, U);
        assert_eq!(e.kind, ErrorKind::ClientId);
        let e = classify_connectwise(401, "", None, U);
        assert_eq!(e.kind, ErrorKind::Auth);
        let e = classify_connectwise(
            429,
            r#"{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}"#,
            Some(Duration::from_secs(30)),
            U,
        );
        assert_eq!(
            e.kind,
            ErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(30))
            }
        );
        let e = classify_connectwise(
            400,
            r#"{"code":"InvalidObject","message":"ticket object is invalid","errors":[{"code":"NotFound","message":"Service Status 17 not found for Service Board 21","resource":"ticket","field":"status/id"}]}"#,
            None,
            U,
        );
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert!(e.message.contains("Service Status 17 not found"));
        let e = classify_connectwise(404, "", None, U);
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
}
