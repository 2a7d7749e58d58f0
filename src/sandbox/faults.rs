//! Injected faults: what a real PSA or the network between does on a bad day.

use std::time::Duration;

/// Faults the sandbox injects. Counters are consumed one per request, in the order: dropped
/// connection, rate limit, server error, redirect, HTML page; then the request is served and,
/// if asked, its body is replaced by malformed or oversized JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    /// Added to every request (Autotask: while holding a thread-limit slot).
    pub latency: Duration,
    /// Answer the next N requests with 429 + `Retry-After`.
    pub rate_limit_next: u32,
    /// The `Retry-After` value, in seconds.
    pub retry_after_secs: u32,
    /// Send `Retry-After` as an HTTP-date (`retry_after_secs` from now, RFC 9110 §10.2.3)
    /// instead of a number of seconds.
    pub retry_after_as_date: bool,
    /// Answer the next N requests with 503 (a 5xx burst).
    pub server_error_next: u32,
    /// The message those 503 answers carry (default: "Service Unavailable"), e.g. to test that
    /// a PSA's hostile error text reaches no screen raw.
    pub server_error_message: Option<String>,
    /// Answer the next N requests with `302 Found` to `redirect_to` (a moved tenant, an SSO or
    /// proxy page): the client must never follow it with credentials.
    pub redirect_next: u32,
    pub redirect_to: String,
    /// Answer the next N requests with `200 OK` and an HTML page, as a Wi-Fi sign-in (captive)
    /// portal or a proxy's block page does.
    pub html_next: u32,
    /// Close the connection of the next N requests without any response.
    pub drop_next: u32,
    /// Reset (TCP RST) the next N connections once their first request has arrived, as a
    /// flaky network, a proxy or a firewall does. Counted per connection, before any other fault.
    pub reset_next: u32,
    /// Replace the next N successful JSON bodies with truncated JSON.
    pub malformed_json_next: u32,
    /// Replace the next N successful JSON bodies with a valid body of `oversized_bytes`.
    pub oversized_next: u32,
    pub oversized_bytes: usize,
    /// Autotask: requests someone else (the vendor's live integration, under the same tracking
    /// identifier) keeps in flight on every endpoint; they count toward the thread limit.
    pub autotask_busy_threads: u32,
    /// Answer the next N vendor submissions (`POST /vendor/submit`) with 422 and a message.
    pub vendor_reject_next: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            rate_limit_next: 0,
            retry_after_secs: 30,
            retry_after_as_date: false,
            server_error_next: 0,
            server_error_message: None,
            redirect_next: 0,
            redirect_to: "https://login.example.invalid/sso?return=/".to_string(),
            html_next: 0,
            drop_next: 0,
            reset_next: 0,
            malformed_json_next: 0,
            oversized_next: 0,
            oversized_bytes: 8 * 1024 * 1024,
            autotask_busy_threads: 0,
            vendor_reject_next: 0,
        }
    }
}

/// What to do with one request, decided up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Serve,
    Drop,
    /// 429 with `Retry-After`: seconds, or (`as_date`) the HTTP-date that many seconds ahead.
    RateLimit {
        retry_after: u32,
        as_date: bool,
    },
    ServerError,
    Redirect,
    Html,
}

/// What to do with a served response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFault {
    None,
    Malformed,
    Oversized(usize),
}

fn take(n: &mut u32) -> bool {
    if *n > 0 {
        *n -= 1;
        true
    } else {
        false
    }
}

impl Faults {
    /// Consumes the request-level fault for one request.
    pub fn take_action(&mut self) -> Action {
        if take(&mut self.drop_next) {
            Action::Drop
        } else if take(&mut self.rate_limit_next) {
            Action::RateLimit {
                retry_after: self.retry_after_secs,
                as_date: self.retry_after_as_date,
            }
        } else if take(&mut self.server_error_next) {
            Action::ServerError
        } else if take(&mut self.redirect_next) {
            Action::Redirect
        } else if take(&mut self.html_next) {
            Action::Html
        } else {
            Action::Serve
        }
    }

    /// Consumes one connection reset.
    pub fn take_reset(&mut self) -> bool {
        take(&mut self.reset_next)
    }

    /// Consumes one vendor-submission rejection.
    pub fn take_vendor_reject(&mut self) -> bool {
        take(&mut self.vendor_reject_next)
    }

    /// Consumes the body fault for one successful JSON response.
    pub fn take_body_fault(&mut self) -> BodyFault {
        if take(&mut self.malformed_json_next) {
            BodyFault::Malformed
        } else if take(&mut self.oversized_next) {
            BodyFault::Oversized(self.oversized_bytes)
        } else {
            BodyFault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_consumed_in_order() {
        let mut f = Faults {
            drop_next: 1,
            rate_limit_next: 1,
            server_error_next: 1,
            redirect_next: 1,
            html_next: 1,
            ..Faults::default()
        };
        assert_eq!(f.take_action(), Action::Drop);
        assert_eq!(
            f.take_action(),
            Action::RateLimit {
                retry_after: 30,
                as_date: false
            }
        );
        assert_eq!(f.take_action(), Action::ServerError);
        assert_eq!(f.take_action(), Action::Redirect);
        assert_eq!(f.take_action(), Action::Html);
        assert_eq!(f.take_action(), Action::Serve);
    }
}
