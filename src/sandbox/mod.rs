//! The embedded PSA sandbox: a simulated Autotask database and ConnectWise company served over
//! real HTTP(S) on loopback, behaving like the real APIs (quirks included, each cited where it
//! is implemented). Used by the demo, by tests, and by `psa-onboard sandbox`.
//!
//! One axum router serves both PSAs on one port over one mutable in-memory [`Tenant`]; a small
//! accept loop in front of it adds TLS and the dropped-connection fault (a hyper service that
//! errors closes the connection without a response).

mod at_common;
mod at_entities;
mod at_query;
mod at_writes;
mod autotask;
mod connectwise;
mod cw_callbacks;
mod cw_common;
mod cw_conditions;
mod cw_roles;
mod faults;
mod http;
mod scenario;
mod seed;
pub mod standalone;
mod tenant;
mod tls;
mod vendor;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use faults::Faults;
pub use scenario::{ApplyError, level_name_of, scenario_names};
pub use seed::{
    CW_ADMIN_PRIVATE_KEY, CW_ADMIN_PUBLIC_KEY, CW_CLIENT_ID, CW_COMPANY_ID, CW_PRIVATE_KEY,
    CW_PUBLIC_KEY, DEMO_TICKET_NUMBER,
};
pub use tenant::*;
pub use tls::{CertMode, WRONG_HOST_NAME};

use crate::wizard::Wizard;

/// Errors starting or driving the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot bind the sandbox to 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error(
        "unknown sandbox scenario {0:?}: use \"unconfigured\" or \"configured:<wizard-id>\" (see `psa-onboard wizards`)"
    )]
    UnknownScenario(String),
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

/// How to start the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// `unconfigured` or `configured:<wizard-id>`.
    pub scenario: String,
    /// Latency added to every request (also settable through `faults.latency`).
    pub latency: Duration,
    /// 0 picks a free port.
    pub port: u16,
    /// Serve HTTPS with a certificate generated at start (which one: `cert`).
    pub tls: bool,
    /// The certificate served when `tls` is set (default: self-signed).
    pub cert: CertMode,
    pub faults: Faults,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            scenario: "unconfigured".into(),
            latency: Duration::ZERO,
            port: 0,
            tls: false,
            cert: CertMode::default(),
            faults: Faults::default(),
        }
    }
}

/// Demo credentials of the Autotask API user.
#[derive(Debug, Clone)]
pub struct AutotaskDemo {
    pub username: String,
    pub secret: SecretString,
    /// The API tracking identifier (`ApiIntegrationCode`).
    pub integration_code: String,
}

/// Demo credentials of the ConnectWise API member.
#[derive(Debug, Clone)]
pub struct ConnectwiseDemo {
    pub company_id: String,
    pub public_key: String,
    pub private_key: SecretString,
    pub client_id: String,
    /// An administrator's own keys (for admin-only reads such as role settings).
    pub admin_public_key: String,
    pub admin_private_key: SecretString,
}

/// Well-known demo credentials for both PSAs. These are public values: the accounts they name
/// exist only once the matching wizard step is applied.
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    pub autotask: AutotaskDemo,
    pub connectwise: ConnectwiseDemo,
}

/// One request the sandbox received, for contract tests. Header values are never kept.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub header_names: Vec<String>,
    pub body: Option<serde_json::Value>,
    /// The status answered (0 when the connection was dropped).
    pub status: u16,
    pub content_type: Option<String>,
    /// The JSON body answered, if it was JSON.
    pub response: Option<serde_json::Value>,
}

/// The most requests the sandbox saw in flight at once since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeakInFlight {
    /// Any request, either PSA.
    pub total: u32,
    /// Authenticated Autotask requests per (tracking identifier, lower-case object endpoint),
    /// counted on arrival: a request the thread limit refuses still counts.
    pub autotask: HashMap<(String, String), u32>,
}

/// State shared by the request handlers.
pub(crate) struct Shared {
    pub tenant: Mutex<Tenant>,
    pub faults: Mutex<Faults>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    /// In-flight Autotask requests per (tracking identifier, endpoint).
    pub inflight: Mutex<HashMap<(String, String), u32>>,
    /// Requests in flight now, and the peaks seen (for concurrency tests and benchmarks).
    pub peaks: Mutex<(u32, PeakInFlight)>,
    /// `http://127.0.0.1:PORT` or `https://…`.
    pub base_url: String,
    /// Credentials of the API user/member most recently created by a step.
    pub applied_at: Mutex<Option<AutotaskDemo>>,
    pub scenario_at: Option<AutotaskDemo>,
    /// What `POST /vendor/submit` received, in order (memory only).
    pub vendor: Mutex<Vec<serde_json::Value>>,
}

/// Locks a mutex, recovering from poisoning (a panicked handler must not wedge the sandbox).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running sandbox.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls: bool,
    cert_pem: Option<String>,
    stop: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts the sandbox on 127.0.0.1 (never another interface).
    pub async fn start(options: SandboxOptions) -> Result<Sandbox, SandboxError> {
        let (tenant, scenario_at) = scenario::build(&options.scenario)?;
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|source| SandboxError::Bind {
                port: options.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            port: options.port,
            source,
        })?;
        let (acceptor, cert_pem) = if options.tls {
            let (a, pem) = tls::acceptor(options.cert)?;
            (Some(a), Some(pem))
        } else {
            (None, None)
        };
        let scheme = if options.tls { "https" } else { "http" };
        let mut faults = options.faults.clone();
        if faults.latency.is_zero() {
            faults.latency = options.latency;
        }
        let shared = Arc::new(Shared {
            tenant: Mutex::new(tenant),
            faults: Mutex::new(faults),
            requests: Mutex::new(Vec::new()),
            inflight: Mutex::new(HashMap::new()),
            peaks: Mutex::new((0, PeakInFlight::default())),
            base_url: format!("{scheme}://{addr}"),
            applied_at: Mutex::new(None),
            scenario_at,
            vendor: Mutex::new(Vec::new()),
        });
        let (stop, stop_rx) = watch::channel(false);
        let server = tokio::spawn(serve(listener, acceptor, shared.clone(), stop_rx));
        Ok(Sandbox {
            shared,
            addr,
            tls: options.tls,
            cert_pem,
            stop,
            server: Some(server),
        })
    }

    /// The bound address (always 127.0.0.1).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Autotask zone-lookup root, e.g. `http://127.0.0.1:PORT/atservicesrest`.
    pub fn autotask_api_root(&self) -> String {
        format!("{}/atservicesrest", self.shared.base_url)
    }

    /// The ConnectWise site, e.g. `http://127.0.0.1:PORT`.
    pub fn connectwise_site(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The PEM clients should trust when serving HTTPS: the self-signed leaf, or for a chained
    /// [`CertMode`] the private root CA.
    pub fn root_cert_pem(&self) -> Option<String> {
        self.cert_pem.clone()
    }

    /// The demo credentials: the Autotask API user most recently created by a step, else the
    /// scenario's wizard's, else a default API user (which does not exist yet).
    pub fn credentials(&self) -> DemoCredentials {
        let at = lock(&self.shared.applied_at)
            .clone()
            .or_else(|| self.shared.scenario_at.clone())
            .unwrap_or_else(|| {
                let mut t = lock(&self.shared.tenant);
                scenario::default_autotask_demo(&mut t.autotask)
            });
        DemoCredentials {
            autotask: at,
            connectwise: scenario::connectwise_demo(),
        }
    }

    /// The credentials applying `wizard`'s steps creates (known before they are applied).
    pub fn credentials_for(&self, wizard: &Wizard) -> DemoCredentials {
        let mut t = lock(&self.shared.tenant);
        DemoCredentials {
            autotask: scenario::autotask_demo_for(wizard, &mut t.autotask),
            connectwise: scenario::connectwise_demo(),
        }
    }

    /// A connection to this sandbox for a PSA, with the current demo credentials (what an
    /// admin would type after doing the API user/member and keys steps).
    pub fn connection(&self, psa: crate::wizard::Psa) -> crate::connection::Connection {
        let c = self.credentials();
        psa.profile().connection(&|f| self.field_value(&c, f))
    }

    /// The values an admin would type into `wizard`'s connection form, field by field (its
    /// PSA's profile lists the fields): the demo fills the form with these.
    pub fn demo_values(&self, wizard: &Wizard) -> Vec<(crate::profile::FieldId, String)> {
        let c = self.credentials_for(wizard);
        wizard
            .psa
            .profile()
            .fields
            .iter()
            .map(|&f| (f, self.field_value(&c, f)))
            .collect()
    }

    /// One connection field's value for this sandbox and these demo credentials.
    fn field_value(&self, c: &DemoCredentials, f: crate::profile::FieldId) -> String {
        use crate::profile::FieldId;
        match f {
            FieldId::ApiRoot => self.autotask_api_root(),
            FieldId::Username => c.autotask.username.clone(),
            FieldId::TrackingId => c.autotask.integration_code.clone(),
            FieldId::Secret => c.autotask.secret.expose_secret().to_string(),
            FieldId::Site => self.connectwise_site(),
            FieldId::CompanyId => c.connectwise.company_id.clone(),
            FieldId::PublicKey => c.connectwise.public_key.clone(),
            FieldId::ClientId => c.connectwise.client_id.clone(),
            FieldId::PrivateKey => c.connectwise.private_key.expose_secret().to_string(),
        }
    }

    /// Does in the tenant what the step's instructions tell the admin to click.
    pub fn apply_step(&self, wizard: &Wizard, step_id: &str) -> Result<(), SandboxError> {
        let mut t = lock(&self.shared.tenant);
        if let Some(created) = scenario::apply_step(&mut t, wizard, step_id)? {
            *lock(&self.shared.applied_at) = Some(created);
        }
        Ok(())
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.faults) = faults;
    }

    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).clone()
    }

    /// Runs `f` on the tenant (for tests that set up an admin's mistakes).
    /// Replace the tenant with a fresh scenario (`unconfigured`, `configured:<wizard>`) at the
    /// same address: a drift audit's "the tenant changed under the session".
    pub fn load_scenario(&self, name: &str) -> Result<(), SandboxError> {
        let (tenant, _) = scenario::build(name)?;
        self.with_tenant(|t| *t = tenant);
        Ok(())
    }

    pub fn with_tenant<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(&mut lock(&self.shared.tenant))
    }

    /// The vendor submission endpoint (`POST`), for the demo's credential hand-off step.
    pub fn vendor_submit_url(&self) -> String {
        format!("{}/vendor/submit", self.shared.base_url)
    }

    /// The JSON objects `POST /vendor/submit` received, oldest first.
    pub fn vendor_submissions(&self) -> Vec<serde_json::Value> {
        lock(&self.shared.vendor).clone()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The most requests seen in flight at once so far.
    pub fn peak_in_flight(&self) -> PeakInFlight {
        lock(&self.shared.peaks).1.clone()
    }

    /// Requests being handled right now (latency included); a request leaves as soon as it is
    /// answered or its client goes away.
    pub fn in_flight(&self) -> u32 {
        lock(&self.shared.peaks).0
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The accept loop: plain or TLS, each connection served by hyper with the axum router.
async fn serve(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let router = http::router(shared.clone());
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let service = http::hyper_service(router.clone(), shared.clone());
                let acceptor = acceptor.clone();
                if lock(&shared.faults).take_reset() {
                    conns.spawn(reset(stream, acceptor));
                    continue;
                }
                conns.spawn(async move {
                    let builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                let _ = builder
                                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                                    .await;
                            }
                        }
                        None => {
                            let _ = builder
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                    }
                });
            }
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// The reset fault: take the request (after the TLS handshake, if any), then close with
/// `SO_LINGER` 0 so the client sees a TCP RST, not an orderly close.
async fn reset(stream: tokio::net::TcpStream, acceptor: Option<tokio_rustls::TlsAcceptor>) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let wait = std::time::Duration::from_secs(5);
    match acceptor {
        Some(acceptor) => {
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            let _ = tokio::time::timeout(wait, tls.read(&mut buf)).await;
            let _ = tls.get_ref().0.set_zero_linger();
        }
        None => {
            let mut stream = stream;
            let _ = tokio::time::timeout(wait, stream.read(&mut buf)).await;
            let _ = stream.set_zero_linger();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_can_be_shared_across_tasks() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Sandbox>();
        send_sync::<DemoCredentials>();
    }

    #[tokio::test]
    async fn unknown_scenarios_and_busy_ports_are_clear_errors() {
        let e = Sandbox::start(SandboxOptions {
            scenario: "half-done".into(),
            ..SandboxOptions::default()
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("\"half-done\""), "{e}");
        let first = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let e = Sandbox::start(SandboxOptions {
            port: first.local_addr().port(),
            ..SandboxOptions::default()
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("cannot bind"), "{e}");
        first.shutdown().await;
    }
}
