//! Verification results: what was observed, and what to do about it.
//!
//! These types are the contract between `verify` (which produces them), the session store (which
//! keeps them as evidence), the TUI (which shows them) and `export`/`check` (which print them).
//! The JSON shape is stable and documented in docs/CHECK_JSON.md.

use jiff::Timestamp;
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
    /// Module (ConnectWise: as ConnectWise names it, the row's `verify.module` where the guide
    /// spells it differently; Autotask module).
    pub module: String,
    /// ConnectWise module function (as ConnectWise names it), or Autotask object/entity.
    pub function: String,
    /// `add` | `edit` | `delete` | `inquire` (ConnectWise) or `query` | `create` | `update` |
    /// `delete` (Autotask).
    pub op: String,
    pub required: String,
    pub actual: String,
}

/// Why a check did not run. Only [`SkipCause::CouldNotRun`] stands between a step and its
/// verdict; the other two are the admin's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCause {
    /// Something it depends on failed (zone lookup, sign-in, the client could not start).
    CouldNotRun,
    /// It writes to the PSA and the admin did not allow writes for this run.
    WritesNotAllowed,
    /// It belongs to a part of the guide the admin chose not to use (e.g. webhooks).
    NotChosen,
}

/// Which item of its step a result is about, as the verifier knows it: a check by its index in
/// the step's `checks`, a permission row by its index in `permissions` (both from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemRef {
    Check(usize),
    Row(usize),
}

/// Why a check's request was not sent at all (a typed signal for the screens; the detail says it
/// in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocked {
    /// The PSA refused these exact credentials earlier in this verifier session, so they were
    /// not sent again (a PSA may lock the account after repeated failures).
    CredentialsRefusedBefore,
}

/// What the PSA was asked and what it answered that decided a check: the proof behind a
/// verdict. Never holds a secret (requests are method and path only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Method and path, e.g. `GET /v1.0/Tickets/entityInformation`.
    pub request: String,
    /// The part of the answer that decided it, e.g. `userAccessForUpdate = All`.
    pub answer: String,
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
    /// The comparison that decided the verdict (the first problem, or the first comparison).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<PermissionObservation>,
    /// Every permission comparison the check made (one per entity and operation, or per
    /// ConnectWise operation): the setup summary's permission table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<PermissionObservation>,
    /// What was asked and answered. Present on every result the PSA answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// When the PSA's answer was observed; absent when nothing was observed (manual, skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<Timestamp>,
    /// Why it did not run (`status` skipped only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipCause>,
    /// Why nothing was sent, when the verifier held the request back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
    /// The item this result is about, set by the verifier. Not saved: results read back from a
    /// session are linked to their items by `id`.
    #[serde(skip)]
    pub item: Option<ItemRef>,
}

impl CheckResult {
    /// A result with nothing observed yet: fill in the rest with struct update syntax.
    pub fn new(id: impl Into<String>, title: impl Into<String>, status: Status) -> Self {
        CheckResult {
            id: id.into(),
            title: title.into(),
            status,
            detail: String::new(),
            remedy: String::new(),
            permission: None,
            observations: Vec::new(),
            evidence: Vec::new(),
            observed_at: None,
            skip: None,
            blocked: None,
            item: None,
        }
    }

    /// The check could not run (a dependency failed, or an older session recorded a skip
    /// without a cause and it is not a write test).
    pub fn could_not_run(&self) -> bool {
        self.status == Status::Skipped && self.skip.is_none_or(|c| c == SkipCause::CouldNotRun)
    }

    /// Observed on the PSA: pass, warn or fail with the PSA's answer.
    pub fn observed(&self) -> bool {
        matches!(self.status, Status::Pass | Status::Warn | Status::Fail)
    }
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

/// Which PSA instance a run looked at (non-secret parts only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTarget {
    /// Autotask: the zone-lookup root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_root: Option<String>,
    /// Autotask: the zone the API user resolved to, when the lookup answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Autotask: the API user's username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_user: Option<String>,
    /// ConnectWise: the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// ConnectWise: the login company id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// ConnectWise: the API member's public key (it names the member; the private key is
    /// never shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_public_key: Option<String>,
}

/// How many checks ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub manual: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn of<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> Counts {
        let mut c = Counts::default();
        for r in checks {
            *match r.status {
                Status::Pass => &mut c.pass,
                Status::Warn => &mut c.warn,
                Status::Fail => &mut c.fail,
                Status::Manual => &mut c.manual,
                Status::Skipped => &mut c.skipped,
            } += 1;
        }
        c
    }
}

/// A whole verification run (`psa-onboard check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub wizard: String,
    pub psa: String,
    /// True when no check failed and none that should have run could not.
    pub ok: bool,
    /// The instance checked; filled in by the caller that knows the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ReportTarget>,
    /// When the run began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// The psa-onboard version that ran it.
    #[serde(default)]
    pub tool_version: String,
    /// Checks per status.
    #[serde(default)]
    pub counts: Counts,
    pub steps: Vec<StepReport>,
}

impl Report {
    pub fn new(wizard: String, psa: String, steps: Vec<StepReport>) -> Self {
        let ok = steps.iter().all(|s| {
            s.checks
                .iter()
                .all(|c| c.status != Status::Fail && !c.could_not_run())
        });
        Report {
            wizard,
            psa,
            ok,
            target: None,
            started_at: None,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            counts: Counts::of(steps.iter().flat_map(|s| &s.checks)),
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status) -> CheckResult {
        CheckResult::new("c", "c", status)
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
