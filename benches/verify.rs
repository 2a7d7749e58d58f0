//! Verification latency against the embedded sandbox with added per-request latency (a PSA is
//! 100–500 ms away). Prints, per wizard and latency: wall time of a full `verify_all`, requests
//! made, and the time the same requests would take one after another.
//!
//! Run: `cargo bench --bench verify --profile dev` (or with the default bench profile on a
//! machine with cores to spare).

use std::time::{Duration, Instant};

use psa_onboard::connection::{AutotaskTarget, Connection, ConnectwiseTarget};
use psa_onboard::sandbox::{Sandbox, SandboxOptions};
use psa_onboard::verify::{VerifyOptions, verify_all};
use psa_onboard::wizard::{self, Psa};

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{:<22} {:>8} {:>9} {:>10} {:>12}",
        "wizard", "latency", "requests", "wall", "sequential"
    );
    for latency_ms in [0u64, 25, 100] {
        for id in [
            "topleft-autotask",
            "tasky-autotask",
            "rewst-autotask",
            "topleft-connectwise",
        ] {
            rt.block_on(async {
                let w = wizard::resolve(id, None).expect("built-in").wizard;
                let sb = Sandbox::start(SandboxOptions {
                    scenario: format!("configured:{id}"),
                    latency: Duration::from_millis(latency_ms),
                    ..SandboxOptions::default()
                })
                .await
                .expect("sandbox");
                let c = sb.credentials();
                let conn = match w.psa {
                    Psa::Autotask => Connection::Autotask {
                        target: AutotaskTarget {
                            api_root: sb.autotask_api_root(),
                            username: c.autotask.username.clone(),
                            integration_code: c.autotask.integration_code.clone(),
                        },
                        secret: c.autotask.secret.clone(),
                    },
                    Psa::Connectwise => Connection::Connectwise {
                        target: ConnectwiseTarget {
                            site: sb.connectwise_site(),
                            company_id: c.connectwise.company_id.clone(),
                            public_key: c.connectwise.public_key.clone(),
                            client_id: c.connectwise.client_id.clone(),
                        },
                        private_key: c.connectwise.private_key.clone(),
                    },
                };
                let start = Instant::now();
                let report = verify_all(&w, &conn, &VerifyOptions::default()).await;
                let wall = start.elapsed();
                assert!(report.ok, "{id} should verify cleanly");
                let n = sb.requests().len();
                println!(
                    "{id:<22} {:>6}ms {n:>9} {:>8}ms {:>10}ms",
                    latency_ms,
                    wall.as_millis(),
                    n as u64 * latency_ms
                );
            });
        }
    }
}
