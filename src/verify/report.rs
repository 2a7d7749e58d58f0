//! Verification results: what was observed, and what to do about it.
//!
//! These types are the contract between `verify` (which produces them), the session store (which
//! keeps them as evidence), the TUI (which shows them) and `export`/`check` (which print them).
//! The JSON shape is stable and documented in docs/CHECK_JSON.md.

use serde::{Deserialize, Serialize};

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Observed through the PSA's API and as the guide requires.
    Pass,
    /// Observed, and more than the guide requires (excess privilege) or only a recommendation
    /// differs.
    Warn,
    /// Observed, and not as the guide requires.
    Fail,
    /// Not observable through the API: the admin confirms it.
    Manual,
    /// Not run (an earlier check it depends on failed, it writes and the admin did not opt in,
    /// or the step is optional and was skipped).
    Skipped,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Manual => "manual",
            Status::Skipped => "skipped",
        }
    }

    /// The worse of two statuses, for rolling checks up into a step: fail > warn > manual >
    /// skipped > pass.
    pub fn worst(self, other: Status) -> Status {
        fn rank(s: Status) -> u8 {
            match s {
                Status::Pass => 0,
                Status::Skipped => 1,
                Status::Manual => 2,
                Status::Warn => 3,
                Status::Fail => 4,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// A permission comparison: what the guide requires and what the PSA reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionObservation {
    /// Module as the guide names it (ConnectWise module; Autotask module).
    pub module: String,
    /// ConnectWise module function, or Autotask object/entity.
    pub function: String,
    /// `add` | `edit` | `delete` | `inquire` (ConnectWise) or `query` | `create` | `update` |
    /// `delete` (Autotask).
    pub op: String,
    pub required: String,
    pub actual: String,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// What was observed (empty only for a pass with nothing worth saying).
    #[serde(default)]
    pub detail: String,
    /// What to click to fix it, quoting the guide's UI path (empty for a pass).
    #[serde(default)]
    pub remedy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<PermissionObservation>,
}

/// The results of one step's checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub checks: Vec<CheckResult>,
}

impl StepReport {
    /// Roll the checks up: the worst status, or pass when every check passed.
    pub fn new(id: String, title: String, checks: Vec<CheckResult>) -> Self {
        let status = checks
            .iter()
            .map(|c| c.status)
            .fold(Status::Pass, Status::worst);
        StepReport {
            id,
            title,
            status,
            checks,
        }
    }
}

/// A whole verification run (`psa-onboard check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub wizard: String,
    pub psa: String,
    /// True when no check failed.
    pub ok: bool,
    pub steps: Vec<StepReport>,
}

impl Report {
    pub fn new(wizard: String, psa: String, steps: Vec<StepReport>) -> Self {
        let ok = steps
            .iter()
            .all(|s| s.checks.iter().all(|c| c.status != Status::Fail));
        Report {
            wizard,
            psa,
            ok,
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status) -> CheckResult {
        CheckResult {
            id: "c".into(),
            title: "c".into(),
            status,
            detail: String::new(),
            remedy: String::new(),
            permission: None,
        }
    }

    #[test]
    fn step_status_is_the_worst_check() {
        let s = StepReport::new(
            "s".into(),
            "s".into(),
            vec![
                check(Status::Pass),
                check(Status::Warn),
                check(Status::Manual),
            ],
        );
        assert_eq!(s.status, Status::Warn);
        let s = StepReport::new("s".into(), "s".into(), vec![check(Status::Pass)]);
        assert_eq!(s.status, Status::Pass);
    }

    #[test]
    fn report_is_ok_unless_a_check_fails() {
        let warn = StepReport::new("a".into(), "a".into(), vec![check(Status::Warn)]);
        assert!(Report::new("w".into(), "autotask".into(), vec![warn.clone()]).ok);
        let fail = StepReport::new("b".into(), "b".into(), vec![check(Status::Fail)]);
        assert!(!Report::new("w".into(), "autotask".into(), vec![warn, fail]).ok);
    }
}
