//! Handing the credentials to the integration vendor: the clipboard (OSC 52, which works over
//! SSH), opening the vendor's portal in a browser, and POSTing the fields to a vendor endpoint.
//!
//! Secrets stay in [`SecretString`]s until the moment they are serialised into the request
//! body; the vendor's answer is sanitised and has every submitted secret redacted before it is
//! shown or recorded.

use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};

use crate::psa::error::{ErrorKind, PsaError};
use crate::psa::http::{Http, HttpConfig, Idempotency};
use crate::wizard::PortalField;

/// The longest vendor answer kept (characters, after sanitising).
pub const ANSWER_LIMIT: usize = 300;

/// The OSC 52 sequence that asks the terminal to put `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// Why the portal could not be opened in a browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("not a web address psa-onboard will open: {0}")]
    NotWeb(String),
    #[error("no program to open a browser was found (tried {0})")]
    NoOpener(String),
    /// Every opener ran and reported failure (xdg-open exits 3 when no browser is set up).
    #[error("nothing opened it: {0}")]
    Failed(String),
}

/// How long an opener has to say it failed. One still running then is taken to have handed
/// the address to a browser (some openers wait for the browser to close).
pub const OPENER_VERDICT: Duration = Duration::from_secs(5);

/// The platform's "open this URL" commands, in the order tried.
pub fn openers() -> Vec<Vec<String>> {
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    if cfg!(target_os = "macos") {
        vec![v(&["open"])]
    } else if cfg!(windows) {
        // The shell's URL handler, with no command interpreter in between: through
        // `cmd /c start` an `&` in a wizard's address would end the command and start the next.
        vec![v(&["rundll32.exe", "url.dll,FileProtocolHandler"])]
    } else {
        vec![v(&["xdg-open"]), v(&["gio", "open"])]
    }
}

/// Open `url` in the browser with the first opener that works: each is started detached (its
/// output goes nowhere, so it cannot draw over the TUI) and given up to `wait` to report
/// failure (a non-zero exit: no browser); one that exits 0, or is still running then, is taken
/// to have opened it. Only http(s) URLs are passed on. Blocking: run it off the UI's thread.
pub fn open_url(url: &str, openers: &[Vec<String>], wait: Duration) -> Result<(), OpenError> {
    let parsed = url::Url::parse(url).map_err(|_| OpenError::NotWeb(url.to_string()))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(OpenError::NotWeb(url.to_string()));
    }
    // The parsed form is percent-encoded: no spaces or control characters reach the opener.
    let url = parsed.as_str();
    let mut tried = Vec::new();
    let mut failed = Vec::new();
    for argv in openers {
        let Some((prog, args)) = argv.split_first() else {
            continue;
        };
        tried.push(prog.clone());
        let spawned = std::process::Command::new(prog)
            .args(args)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(mut child) = spawned else {
            continue;
        };
        let deadline = std::time::Instant::now() + wait;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(25))
                }
                // Still running (or cannot be asked): it has the address. Reap it later so it
                // does not linger as a zombie.
                _ => {
                    std::thread::spawn(move || child.wait());
                    break None;
                }
            }
        };
        match status {
            Some(s) if !s.success() => failed.push(match s.code() {
                Some(code) => format!("{prog} exited with status {code}"),
                None => format!("{prog} was stopped"),
            }),
            _ => return Ok(()),
        }
    }
    if failed.is_empty() {
        Err(OpenError::NoOpener(tried.join(", ")))
    } else {
        Err(OpenError::Failed(failed.join("; ")))
    }
}

/// The fields to send, each under its wizard name (`site`, `private_key`, ...).
pub struct Payload {
    pub fields: Vec<(PortalField, SecretString)>,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.fields.iter().map(|(k, _)| key(*k)).collect();
        f.debug_struct("Payload")
            .field("fields", &names)
            .finish_non_exhaustive()
    }
}

/// The JSON name of a portal field (as the wizard files spell it).
pub fn key(f: PortalField) -> &'static str {
    match f {
        PortalField::Username => "username",
        PortalField::Secret => "secret",
        PortalField::TrackingIdentifier => "tracking_identifier",
        PortalField::Site => "site",
        PortalField::CompanyId => "company_id",
        PortalField::PublicKey => "public_key",
        PortalField::PrivateKey => "private_key",
        PortalField::ClientId => "client_id",
    }
}

impl Payload {
    fn to_json(&self) -> serde_json::Value {
        let map = self
            .fields
            .iter()
            .map(|(k, v)| {
                (
                    key(*k).to_string(),
                    serde_json::Value::String(v.expose_secret().to_string()),
                )
            })
            .collect();
        serde_json::Value::Object(map)
    }

    /// Redact every secret value (and anything long enough to be one) from vendor text.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.fields {
            let v = v.expose_secret();
            if k.is_secret() && !v.is_empty() {
                out = out.replace(v, "[redacted]");
                // As a JSON echo would spell it (quotes, backslashes, controls escaped).
                let escaped = serde_json::Value::String(v.to_string()).to_string();
                out = out.replace(&escaped[1..escaped.len() - 1], "[redacted]");
            }
        }
        out
    }
}

/// What the vendor's endpoint answered: its status and a sanitised, truncated body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorAnswer {
    pub endpoint: String,
    pub status: u16,
    /// Control sequences removed, secrets redacted, at most [`ANSWER_LIMIT`] characters.
    pub body: String,
}

impl VendorAnswer {
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why nothing came back from the vendor.
#[derive(Debug, thiserror::Error)]
#[error("the submission to {endpoint} failed: {reason}")]
pub struct SubmitError {
    pub endpoint: String,
    pub reason: String,
}

/// The vendor endpoint policy: https, or plain http only on this computer (the sandbox).
pub fn check_endpoint(endpoint: &str) -> Result<(), SubmitError> {
    crate::psa::http::check_url(endpoint).map_err(|e| SubmitError {
        endpoint: endpoint.to_string(),
        reason: e.message,
    })
}

fn sanitize(payload: &Payload, body: &str) -> String {
    let clean = crate::sanitize::clean_line(&payload.redact(body));
    let clean = clean.trim();
    if clean.chars().count() > ANSWER_LIMIT {
        let mut s: String = clean.chars().take(ANSWER_LIMIT).collect();
        s.push('…');
        s
    } else {
        clean.to_string()
    }
}

/// Vendor answers are not PSA answers: keep the status and the raw body for the record.
fn classify(status: u16, body: &str, _: Option<Duration>, url: &str) -> PsaError {
    let kind = if status >= 500 {
        ErrorKind::Server
    } else {
        ErrorKind::BadRequest
    };
    PsaError::new(kind, Some(status), body, url)
}

/// POST the payload as JSON through the project's HTTP client (TLS policy, timeouts, no
/// redirects, body cap). Never retried: a submission is a write. Any HTTP answer, success or
/// not, is a [`VendorAnswer`]; only a request that got no answer is an error.
pub async fn submit(
    endpoint: &str,
    payload: &Payload,
    cfg: HttpConfig,
) -> Result<VendorAnswer, SubmitError> {
    check_endpoint(endpoint)?;
    let fail = |reason: String| SubmitError {
        endpoint: endpoint.to_string(),
        reason,
    };
    let http = Http::new(HttpConfig {
        max_retries: 0,
        max_body_bytes: 64 * 1024,
        ..cfg
    })
    .map_err(|e| fail(e.describe()))?;
    let body = payload.to_json();
    let result = http
        .send(
            endpoint,
            Idempotency::Write,
            crate::psa::http::Classifier {
                error: classify,
                success_is_error: None,
            },
            || {
                Ok(http
                    .request(Method::POST, endpoint)?
                    .header("accept", "application/json")
                    .json(&body))
            },
        )
        .await;
    match result {
        Ok(raw) => Ok(VendorAnswer {
            endpoint: endpoint.to_string(),
            status: raw.status,
            body: sanitize(payload, &raw.text()),
        }),
        Err(e) => match e.status {
            Some(status) if matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Server) => {
                Ok(VendorAnswer {
                    endpoint: endpoint.to_string(),
                    status,
                    body: sanitize(payload, &e.message),
                })
            }
            // A redirect or an unusable answer: say what happened, with secrets redacted.
            _ => Err(fail(
                payload.redact(&crate::sanitize::clean_line(&e.describe())),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> Payload {
        Payload {
            fields: vec![
                (PortalField::CompanyId, SecretString::from("acme")),
                (PortalField::PrivateKey, SecretString::from("sup3r-s3cret")),
            ],
        }
    }

    #[test]
    fn osc52_is_base64_of_the_text() {
        assert_eq!(osc52("acme"), "\x1b]52;c;YWNtZQ==\x07");
    }

    #[test]
    fn payload_debug_names_fields_not_values() {
        let d = format!("{:?}", payload());
        assert!(
            d.contains("private_key") && !d.contains("sup3r-s3cret"),
            "{d}"
        );
    }

    #[test]
    fn vendor_text_is_sanitised_redacted_and_truncated() {
        let p = payload();
        let s = sanitize(&p, "echo: sup3r-s3cret \x1b]52;c;AAAA\x07 acme");
        assert_eq!(s, "echo: [redacted]  acme");
        let q = Payload {
            fields: vec![(PortalField::Secret, SecretString::from("a\"b\\c"))],
        };
        assert_eq!(
            sanitize(&q, r#"{"echo":"a\"b\\c"}"#),
            r#"{"echo":"[redacted]"}"#
        );
        let long = "x".repeat(1000);
        assert_eq!(sanitize(&p, &long).chars().count(), ANSWER_LIMIT + 1);
    }

    #[test]
    fn only_web_urls_are_opened_and_a_missing_opener_is_an_error() {
        let none = vec![vec!["/nonexistent/psa-onboard-opener".to_string()]];
        let wait = Duration::from_secs(5);
        assert!(matches!(
            open_url("file:///etc/passwd", &none, wait),
            Err(OpenError::NotWeb(_))
        ));
        let e = open_url("https://customers.topleft.team/welcome/", &none, wait).unwrap_err();
        assert!(e.to_string().contains("psa-onboard-opener"), "{e}");
        // No platform opens a URL through a command interpreter.
        for argv in openers() {
            assert!(!argv.iter().any(|a| a == "cmd" || a == "sh"), "{argv:?}");
        }
    }

    /// Windows under Wine (scripts/wine-check.sh): the address reaches the browser whole, `&`
    /// and all. Wine hands it to the host's `xdg-open`, which the script replaces with one that
    /// records its argument in `PSA_ONBOARD_TEST_BROWSER_LOG`. Skipped elsewhere: on a real
    /// desktop it would open a browser.
    #[cfg(windows)]
    #[test]
    fn the_portal_address_reaches_the_browser_whole() {
        let Some(log) = std::env::var_os("PSA_ONBOARD_TEST_BROWSER_LOG") else {
            eprintln!("SKIPPED: PSA_ONBOARD_TEST_BROWSER_LOG is not set (scripts/wine-check.sh)");
            return;
        };
        let log = std::path::PathBuf::from(log);
        let url = "https://portal.example/welcome/?ref=msp&next=%2Fsetup&x=1";
        open_url(url, &openers(), std::time::Duration::from_secs(10)).expect("the opener starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let seen = loop {
            if let Ok(text) = std::fs::read_to_string(&log)
                && !text.trim().is_empty()
            {
                break text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the browser was never asked to open anything"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        };
        assert_eq!(seen.trim(), url);
    }

    /// An opener that runs and fails (xdg-open without a browser exits 3) is a failure, named
    /// with its status; one that succeeds, or keeps running, opened it.
    #[cfg(unix)]
    #[test]
    fn an_opener_that_fails_is_reported_not_taken_for_success() {
        let sh = |script: &str| {
            vec![
                "/bin/sh".to_string(),
                "-c".into(),
                script.into(),
                "sh".into(),
            ]
        };
        let url = "https://customers.topleft.team/welcome/";
        let wait = Duration::from_secs(5);
        let e = open_url(url, &[sh("exit 3")], wait).unwrap_err();
        assert_eq!(e, OpenError::Failed("/bin/sh exited with status 3".into()));
        assert!(open_url(url, &[sh("exit 3"), sh("exit 0")], wait).is_ok());
        let start = std::time::Instant::now();
        assert!(open_url(url, &[sh("sleep 5")], Duration::from_millis(200)).is_ok());
        assert!(start.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn plain_http_endpoints_are_refused_off_this_computer() {
        let e = check_endpoint("http://vendor.example/submit").unwrap_err();
        assert!(e.to_string().contains("https"), "{e}");
        assert!(check_endpoint("http://127.0.0.1:9/vendor/submit").is_ok());
    }

    #[tokio::test]
    async fn the_sandbox_endpoint_records_and_answers() {
        use crate::sandbox::{Faults, Sandbox, SandboxOptions};
        let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let cw = sb.credentials().connectwise;
        let p = Payload {
            fields: vec![
                (PortalField::CompanyId, SecretString::from(cw.company_id)),
                (PortalField::PublicKey, SecretString::from(cw.public_key)),
                (PortalField::PrivateKey, cw.private_key.clone()),
            ],
        };
        let a = submit(&sb.vendor_submit_url(), &p, HttpConfig::default())
            .await
            .unwrap();
        assert!(a.accepted(), "{a:?}");
        assert!(
            a.body.contains("SBX-0001") && a.body.contains("\"valid\""),
            "{a:?}"
        );
        let got = sb.vendor_submissions();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["private_key"], cw.private_key.expose_secret());
        // A vendor that refuses: the status and its message are the answer, not an error.
        sb.set_faults(Faults {
            vendor_reject_next: 1,
            ..Faults::default()
        });
        let a = submit(&sb.vendor_submit_url(), &p, HttpConfig::default())
            .await
            .unwrap();
        assert_eq!(a.status, 422);
        assert!(a.body.contains("not recognised"), "{a:?}");
        // A wrong path: the server's 404 page is the answer, sanitised (no HTML controls).
        let a = submit(
            &format!("{}/vendor/submit/", sb.connectwise_site()),
            &p,
            HttpConfig::default(),
        )
        .await
        .unwrap();
        assert_eq!(a.status, 404);
        assert!(!a.accepted() && !a.body.contains('\n'), "{a:?}");
        // Nothing listening: an error naming the endpoint.
        let addr = sb.local_addr();
        sb.shutdown().await;
        let e = submit(
            &format!("http://{addr}/vendor/submit"),
            &p,
            HttpConfig::default(),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("/vendor/submit"), "{e}");
    }

    #[tokio::test]
    async fn https_endpoints_need_a_trusted_certificate() {
        use crate::sandbox::{Sandbox, SandboxOptions};
        let sb = Sandbox::start(SandboxOptions {
            tls: true,
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let url = sb.vendor_submit_url();
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        let p = payload();
        // Self-signed and not trusted: refused before anything is sent.
        let e = submit(&url, &p, HttpConfig::default()).await.unwrap_err();
        assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
        assert!(sb.vendor_submissions().is_empty());
        // Trusted as an extra root: sent, over TLS.
        let cfg = HttpConfig {
            extra_root_pems: vec![sb.root_cert_pem().unwrap()],
            ..HttpConfig::default()
        };
        let a = submit(&url, &p, cfg).await.unwrap();
        assert!(a.accepted(), "{a:?}");
        assert!(
            a.body.contains("unrecognised"),
            "not the sandbox's keys: {a:?}"
        );
        assert_eq!(sb.vendor_submissions()[0]["company_id"], "acme");
        sb.shutdown().await;
    }
}
