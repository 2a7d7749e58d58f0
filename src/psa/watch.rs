//! Who is waiting on the PSA: a task can ask to be told of each request it sends and of each
//! answer (the TUI names what a slow verification is waiting for). Nothing is told when no one
//! watches, and nothing secret is: only the request's path.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One request's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestEvent {
    /// Sent (after any wait for a free slot): `what` is the path asked for, e.g.
    /// `system/mySecurity` or `Tickets/entityInformation`.
    Sent { id: u64, what: String },
    /// The PSA answered it (or the request failed).
    Answered { id: u64 },
}

/// Told of each event, from whichever task sends the request.
pub type Watcher = Arc<dyn Fn(RequestEvent) + Send + Sync>;

tokio::task_local! {
    static WATCHER: Watcher;
}

/// Run `fut`, telling `watcher` of every PSA request it makes.
pub async fn watched<F: Future>(watcher: Watcher, fut: F) -> F::Output {
    WATCHER.scope(watcher, fut).await
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A request to `url` is on its way: tell the watcher, if any. Returns its id for [`answered`].
pub(crate) fn sent(url: &str) -> u64 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let _ = WATCHER.try_with(|w| {
        w(RequestEvent::Sent {
            id,
            what: describe(url),
        })
    });
    id
}

/// The request `id` has its answer.
pub(crate) fn answered(id: u64) {
    let _ = WATCHER.try_with(|w| w(RequestEvent::Answered { id }));
}

/// The part of a PSA address that says what was asked: the path after the API's version
/// (`…/V1.0/`, `…/apis/3.0/`), without the query, cleaned, at most 60 characters.
pub fn describe(url: &str) -> String {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| url.split('?').next().unwrap_or(url).to_string());
    let tail = ["/V1.0/", "/apis/3.0/"]
        .iter()
        .find_map(|p| path.find(p).map(|i| &path[i + p.len()..]))
        .unwrap_or(path.trim_start_matches('/'));
    let clean = crate::sanitize::clean_line(tail);
    if clean.chars().count() > 60 {
        let start = clean.chars().count() - 59;
        format!("…{}", clean.chars().skip(start).collect::<String>())
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_path_after_the_api_version() {
        assert_eq!(
            describe(
                "https://webservices2.autotask.net/ATServicesRest/V1.0/Tickets/entityInformation"
            ),
            "Tickets/entityInformation"
        );
        assert_eq!(
            describe(
                "https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/mySecurity?page=2"
            ),
            "system/mySecurity"
        );
        assert_eq!(
            describe("https://na.myconnectwise.net/login/companyinfo/acme"),
            "login/companyinfo/acme"
        );
    }

    #[tokio::test]
    async fn only_a_watched_task_is_told() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s = seen.clone();
        let w: Watcher = Arc::new(move |e| s.lock().unwrap().push(e));
        let id = watched(w, async { sent("http://127.0.0.1/apis/3.0/system/info") }).await;
        answered(id);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![RequestEvent::Sent {
                id,
                what: "system/info".into()
            }]
        );
    }
}
