//! Verification: turns a wizard step's checks into PSA probes and verdicts.

pub mod report;

pub use report::{CheckResult, PermissionObservation, Report, Status, StepReport};
