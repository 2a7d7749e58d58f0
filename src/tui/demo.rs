//! The demo: the embedded sandbox on an `unconfigured` tenant, its demo credentials pre-filled,
//! and "do it for me" performing a step in the sandbox as the admin would in the PSA's UI.

use super::app::{Run, ServiceError};
use crate::sandbox::{Sandbox, SandboxOptions};
use crate::wizard::Wizard;

/// Start the sandbox on loopback with nothing configured.
pub async fn start() -> Result<Sandbox, ServiceError> {
    Sandbox::start(SandboxOptions {
        scenario: "unconfigured".into(),
        ..SandboxOptions::default()
    })
    .await
    .map_err(|e| ServiceError {
        message: format!("The demo sandbox did not start: {e}"),
        remedy: "Check that this computer allows listening on 127.0.0.1.".into(),
    })
}

/// Fill the connection form with the sandbox's addresses and demo credentials.
pub fn prefill(sb: &Sandbox, run: &mut Run) {
    let values = sb.demo_values(&run.wizard);
    for (id, v) in values {
        run.form.set(id, &v);
    }
    // The demo never sends credentials to a real vendor: the hand-off step submits to the
    // sandbox's stand-in endpoint (the built-in guides give none anyway).
    run.handoff.endpoint = Some(sb.vendor_submit_url());
    run.handoff.endpoint_is_demo = true;
}

/// Perform one step in the sandbox.
pub fn apply(sb: &Sandbox, wizard: &Wizard, step: &str) -> Result<(), ServiceError> {
    sb.apply_step(wizard, step).map_err(|e| ServiceError {
        message: format!("The sandbox could not do this step: {e}"),
        remedy: "Do it by hand is not possible in the demo; continue unverified (u) instead."
            .into(),
    })
}

/// A resumed demo gets a fresh sandbox: redo the steps the admin had done in it.
pub fn replay(sb: &Sandbox, run: &Run) -> Result<(), ServiceError> {
    for (step, p) in run.wizard.steps.iter().zip(&run.progress) {
        if p.applied {
            apply(sb, &run.wizard, &step.id)?;
        }
    }
    Ok(())
}
