//! The embedded sandbox on 127.0.0.1, started for a scenario, and what the tests read back from
//! it.

use std::time::{Duration, Instant};

use psa_onboard::connection::Connection;
use psa_onboard::sandbox::{Faults, Sandbox, SandboxOptions};
use psa_onboard::verify::{Status, StepReport, VerifyOptions, verify_step};
use psa_onboard::wizard::Wizard;

/// A sandbox with `options`.
pub async fn start(options: SandboxOptions) -> Sandbox {
    Sandbox::start(options).await.expect("sandbox starts")
}

/// A sandbox for `scenario` ("unconfigured", "configured:<wizard>", …).
pub async fn sandbox(scenario: &str) -> Sandbox {
    start(SandboxOptions {
        scenario: scenario.into(),
        ..SandboxOptions::default()
    })
    .await
}

/// A tenant set up exactly as wizard `id`'s guide says.
pub async fn configured(id: &str) -> Sandbox {
    sandbox(&format!("configured:{id}")).await
}

/// The same, each request answered `latency` late (a PSA is 100–500 ms away).
pub async fn configured_with_latency(id: &str, latency: Duration) -> Sandbox {
    start(SandboxOptions {
        scenario: format!("configured:{id}"),
        latency,
        ..SandboxOptions::default()
    })
    .await
}

/// The sandbox's demo connection for `w`'s PSA.
pub fn connection(sb: &Sandbox, w: &Wizard) -> Connection {
    sb.connection(w.psa)
}

/// How many requests the sandbox answered with HTTP `status`.
pub fn answered(sb: &Sandbox, status: u16) -> usize {
    sb.requests().iter().filter(|q| q.status == status).count()
}

/// Step `step` of `w` verified against `sb`'s demo connection with the default options.
pub async fn verify_step_on(sb: &Sandbox, w: &Wizard, step: &str) -> StepReport {
    verify_step(
        w,
        step,
        &connection(sb, w),
        &VerifyOptions::default(),
        &|_| {},
    )
    .await
}

/// Every check of the step passed.
pub fn assert_all_pass(r: &StepReport) {
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{:?}",
        r.checks
    );
}

/// The sandbox throttled exactly one request (HTTP 429).
pub fn assert_throttled_once(sb: &Sandbox) {
    let statuses: Vec<u16> = sb.requests().iter().map(|q| q.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );
}

/// Step `step` of `w` verified against a tenant set up per its guide, with `faults` injected:
/// the sandbox (to read its requests), the step's report, and how long the verification took.
pub async fn verify_step_with_faults(
    w: &Wizard,
    step: &str,
    faults: Faults,
) -> (Sandbox, StepReport, Duration) {
    let sb = configured(&w.id).await;
    sb.set_faults(faults);
    let start = Instant::now();
    let r = verify_step_on(&sb, w, step).await;
    let took = start.elapsed();
    (sb, r, took)
}
