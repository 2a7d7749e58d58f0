//! A step's verdict: the one rule that says what a step's checks and the admin's confirmations
//! add up to. `check`, sessions, the TUI, `sessions` and every export ask [`verdict`]; nothing
//! else decides whether a step is verified.
//!
//! The vocabulary cannot overstate: *verified* means every automated check was observed on the
//! PSA and passed; a manual item the admin ticked is *confirmed by you*, never verified; a check
//! that could not run never counts as passing, and a re-audit that could not observe a step
//! leaves it "not re-verified since" the last time it was, never refreshed as verified now.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::verify::report::{CheckResult, SkipCause, Status, StepReport};
use crate::wizard::Step;

/// What the admin decided about a step without verifying it. Stored in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Decision {
    /// Moved on without a passing verification, saying why.
    ContinuedUnverified { at: Timestamp, reason: String },
    /// An optional step the admin chose to skip.
    SkippedOptional { at: Timestamp },
}

impl Decision {
    pub fn at(&self) -> Timestamp {
        match self {
            Decision::ContinuedUnverified { at, .. } | Decision::SkippedOptional { at } => *at,
        }
    }
}

/// Why a step is not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// No verification has run (or nothing it could observe was run).
    NotRun,
    /// Checks observed a requirement not met.
    Failed { failed: usize },
    /// Checks could not run; `since` is when an earlier run last proved the step.
    CouldNotRun {
        checks: usize,
        cause: String,
        since: Option<Timestamp>,
    },
    /// Manual items the admin has not confirmed yet.
    ToConfirm { left: usize },
}

/// A step's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every automated check passed, observed on the PSA at `at`; nothing manual.
    Verified {
        at: Timestamp,
    },
    /// Nothing automated: every manual item was confirmed by the admin.
    ConfirmedByYou {
        at: Option<Timestamp>,
    },
    /// Automated checks passed and manual items were confirmed, or some checks warned.
    PartlyVerified {
        at: Timestamp,
        warnings: usize,
    },
    NotVerified(Why),
    ContinuedUnverified {
        at: Timestamp,
        reason: String,
    },
    SkippedOptional {
        at: Timestamp,
    },
}

impl Verdict {
    /// Stable machine name (sessions listing, exports, JSON).
    pub fn key(&self) -> &'static str {
        match self {
            Verdict::Verified { .. } => "verified",
            Verdict::ConfirmedByYou { .. } => "confirmed_by_you",
            Verdict::PartlyVerified { .. } => "partly_verified",
            Verdict::NotVerified(_) => "not_verified",
            Verdict::ContinuedUnverified { .. } => "continued_unverified",
            Verdict::SkippedOptional { .. } => "skipped_optional",
        }
    }

    /// The short label, the same on screen, in `check` and in exports.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Verified { .. } => "verified",
            Verdict::ConfirmedByYou { .. } => "confirmed by you",
            Verdict::PartlyVerified { .. } => "partly verified",
            Verdict::NotVerified(_) => "not verified",
            Verdict::ContinuedUnverified { .. } => "continued unverified",
            Verdict::SkippedOptional { .. } => "skipped (optional)",
        }
    }

    /// One sentence with the reason and the time, for a busy admin.
    pub fn sentence(&self) -> String {
        let when = |t: &Timestamp| t.strftime("%Y-%m-%d %H:%M UTC").to_string();
        match self {
            Verdict::Verified { at } => {
                format!("Verified: every check passed on the PSA at {}.", when(at))
            }
            Verdict::ConfirmedByYou { at: Some(at) } => {
                format!(
                    "Confirmed by you at {} (the PSA's API cannot show it).",
                    when(at)
                )
            }
            Verdict::ConfirmedByYou { at: None } => {
                "Confirmed by you (the PSA's API cannot show it).".into()
            }
            Verdict::PartlyVerified { at, warnings: 0 } => format!(
                "Partly verified: the checks passed on the PSA at {}; the rest is confirmed by you.",
                when(at)
            ),
            Verdict::PartlyVerified { at, warnings } => format!(
                "Partly verified: the checks passed on the PSA at {} with {warnings} warning(s).",
                when(at)
            ),
            Verdict::NotVerified(Why::NotRun) => "Not verified yet.".into(),
            Verdict::NotVerified(Why::Failed { failed }) => {
                format!("Not verified: {failed} check(s) failed.")
            }
            Verdict::NotVerified(Why::CouldNotRun {
                checks,
                cause,
                since: Some(since),
            }) => format!(
                "Not re-verified since {}: {checks} check(s) could not run ({cause}).",
                when(since)
            ),
            Verdict::NotVerified(Why::CouldNotRun { checks, cause, .. }) => {
                format!("Not verified: {checks} check(s) could not run ({cause}).")
            }
            Verdict::NotVerified(Why::ToConfirm { left }) => {
                format!("Not verified: {left} item(s) for you to confirm.")
            }
            Verdict::ContinuedUnverified { at, reason } => {
                format!(
                    "Continued unverified at {}: {}.",
                    when(at),
                    reason.trim_end_matches('.')
                )
            }
            Verdict::SkippedOptional { at } => format!("Skipped (optional) at {}.", when(at)),
        }
    }

    /// The step no longer blocks progress.
    pub fn is_done(&self) -> bool {
        !matches!(self, Verdict::NotVerified(_))
    }

    /// Observed on the PSA (fully or partly): the only verdicts that may say "verified".
    pub fn is_observed(&self) -> bool {
        matches!(
            self,
            Verdict::Verified { .. } | Verdict::PartlyVerified { .. }
        )
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Verdict::NotVerified(Why::Failed { .. }))
    }

    /// When the step reached a done verdict.
    pub fn at(&self) -> Option<Timestamp> {
        match self {
            Verdict::Verified { at }
            | Verdict::PartlyVerified { at, .. }
            | Verdict::ContinuedUnverified { at, .. }
            | Verdict::SkippedOptional { at } => Some(*at),
            Verdict::ConfirmedByYou { at } => *at,
            Verdict::NotVerified(_) => None,
        }
    }
}

/// One verification run as the verdict sees it.
#[derive(Debug, Clone, Copy)]
pub struct RunRef<'a> {
    pub report: &'a StepReport,
    /// When it ran (the session's record), if known; else the latest observation time.
    pub at: Option<Timestamp>,
}

impl RunRef<'_> {
    fn time(&self) -> Option<Timestamp> {
        self.at.or_else(|| {
            self.report
                .checks
                .iter()
                .filter_map(|c| c.observed_at)
                .max()
        })
    }
}

/// Everything a step's verdict depends on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The wizard's step (which items exist and which are manual); `None` when the wizard no
    /// longer has it, and the latest report alone decides.
    pub step: Option<&'a Step>,
    /// Runs, oldest first; the last one decides, earlier ones date a stale proof.
    pub runs: &'a [RunRef<'a>],
    /// Manual items the admin confirmed: item key and when.
    pub confirmed: &'a [(&'a str, Option<Timestamp>)],
    pub decision: Option<&'a Decision>,
}

/// The verdict of one step.
pub fn verdict(f: &Facts<'_>) -> Verdict {
    let latest = f.runs.last().map(|r| of_run(f, r));
    if let Some(d) = f.decision {
        // A run after the decision that proves the step wins; otherwise the decision stands.
        let proven_later = latest
            .as_ref()
            .is_some_and(|v| v.is_done() && v.at().is_none_or(|at| at >= d.at()));
        if !proven_later {
            return match d {
                Decision::ContinuedUnverified { at, reason } => Verdict::ContinuedUnverified {
                    at: *at,
                    reason: reason.clone(),
                },
                Decision::SkippedOptional { at } => Verdict::SkippedOptional { at: *at },
            };
        }
    }
    match latest {
        Some(Verdict::NotVerified(Why::CouldNotRun { checks, cause, .. })) => {
            // A re-audit that could not observe the step: name when it was last proven.
            let since = f.runs[..f.runs.len() - 1]
                .iter()
                .rev()
                .map(|r| of_run(f, r))
                .find(Verdict::is_observed)
                .and_then(|v| v.at());
            Verdict::NotVerified(Why::CouldNotRun {
                checks,
                cause,
                since,
            })
        }
        Some(v) => v,
        None => without_run(f),
    }
}

/// The item keys of a step: `row-N` (from 1) for permission rows, the check id for checks,
/// with whether each is manual. The verification engine names its results the same way.
pub fn items(step: &Step) -> Vec<(String, bool)> {
    step.permissions
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("row-{}", i + 1), r.manual_reason().is_some()))
        .chain(
            step.checks
                .iter()
                .map(|c| (c.id.clone(), c.manual.is_some() || c.observe.is_none())),
        )
        .collect()
}

fn is_confirmed<'a>(f: &'a Facts<'_>, key: &str) -> Option<&'a Option<Timestamp>> {
    f.confirmed.iter().find(|(k, _)| *k == key).map(|(_, t)| t)
}

/// A step never verified: only a step with nothing automated can be done, by confirmations.
fn without_run(f: &Facts<'_>) -> Verdict {
    let Some(step) = f.step else {
        return Verdict::NotVerified(Why::NotRun);
    };
    let items = items(step);
    if items.is_empty() || items.iter().any(|(_, manual)| !manual) {
        return Verdict::NotVerified(Why::NotRun);
    }
    confirmations(f, items.iter().map(|(k, _)| k.as_str()))
}

fn confirmations<'a>(f: &Facts<'_>, manual: impl Iterator<Item = &'a str>) -> Verdict {
    let mut left = 0;
    let mut latest: Option<Timestamp> = None;
    for key in manual {
        match is_confirmed(f, key) {
            Some(t) => latest = latest.max(*t),
            None => left += 1,
        }
    }
    if left > 0 {
        Verdict::NotVerified(Why::ToConfirm { left })
    } else {
        Verdict::ConfirmedByYou { at: latest }
    }
}

/// Whether a result stands for one of the step's own items (results the wizard does not
/// define, such as the vendor's answer to a credential hand-off, are evidence only).
fn is_item(step: Option<&Step>, r: &CheckResult) -> bool {
    step.is_none_or(|s| items(s).iter().any(|(k, _)| *k == r.id))
}

fn of_run(f: &Facts<'_>, run: &RunRef<'_>) -> Verdict {
    let checks = &run.report.checks;
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    if failed > 0 {
        return Verdict::NotVerified(Why::Failed { failed });
    }
    let not_run: Vec<&CheckResult> = checks.iter().filter(|c| c.could_not_run()).collect();
    if let Some(first) = not_run.first() {
        return Verdict::NotVerified(Why::CouldNotRun {
            checks: not_run.len(),
            cause: cause(&first.detail),
            since: None,
        });
    }
    let own: Vec<&CheckResult> = checks.iter().filter(|c| is_item(f.step, c)).collect();
    let observed: Vec<&CheckResult> = own.iter().copied().filter(|c| c.observed()).collect();
    let warnings = observed.iter().filter(|c| c.status == Status::Warn).count();
    // Manual items: those the run reported as manual, and (with the wizard) any manual item the
    // run did not report at all.
    let mut manual: Vec<&str> = own
        .iter()
        .filter(|c| c.status == Status::Manual)
        .map(|c| c.id.as_str())
        .collect();
    let step_items = f.step.map(items).unwrap_or_default();
    for (key, is_manual) in &step_items {
        if *is_manual && !checks.iter().any(|c| c.id == *key) {
            manual.push(key.as_str());
        }
    }
    let confirmed = confirmations(f, manual.iter().copied());
    if let Verdict::NotVerified(_) = confirmed {
        return confirmed;
    }
    let not_chosen = own
        .iter()
        .any(|c| c.status == Status::Skipped && c.skip == Some(SkipCause::NotChosen));
    match (observed.is_empty(), manual.is_empty(), run.time()) {
        (true, true, at) if not_chosen => Verdict::SkippedOptional {
            at: at.unwrap_or_else(|| confirmed.at().unwrap_or_default()),
        },
        (true, true, _) => Verdict::NotVerified(Why::NotRun),
        (true, false, _) => confirmed,
        (false, _, None) => Verdict::NotVerified(Why::NotRun),
        (false, true, Some(at)) if warnings == 0 => Verdict::Verified { at },
        (false, _, Some(at)) => Verdict::PartlyVerified { at, warnings },
    }
}

/// The cause of a skip, from its detail ("skipped: sign-in failed" → "sign-in failed").
fn cause(detail: &str) -> String {
    let d = detail.trim();
    let d = d.strip_prefix("skipped:").unwrap_or(d).trim();
    let first = d.split(['\n', '.']).next().unwrap_or(d).trim();
    if first.is_empty() {
        "a check it depends on did not pass".into()
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests;
