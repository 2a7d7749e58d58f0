//! Per-step progress: which items a step has, what the PSA said about each, and the step's state.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::verdict::{Decision, Facts, RunRef, Verdict};
use crate::verify::{CheckResult, ItemRef, Status, StepReport};
use crate::wizard::{Psa, Step};

/// A permission row or a step check: the unit the table shows a status for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    Row(usize),
    Check(usize),
}

impl Item {
    /// The id the verification engine gives this item's result (`row-N` from 1, or the
    /// check's id): manual confirmations are recorded under it in the session.
    pub fn key(self, step: &Step) -> String {
        match self {
            Item::Row(i) => format!("row-{}", i + 1),
            Item::Check(i) => step.checks[i].id.clone(),
        }
    }

    pub fn is_manual(self, step: &Step) -> bool {
        match self {
            Item::Row(i) => step.permissions[i].manual_reason().is_some(),
            Item::Check(i) => step.checks[i].manual.is_some(),
        }
    }

    /// Why the API cannot observe a manual item.
    pub fn manual_reason(self, step: &Step) -> Option<&str> {
        match self {
            Item::Row(i) => step.permissions[i].manual_reason(),
            Item::Check(i) => step.checks[i].manual.as_deref(),
        }
    }
}

/// All items of a step, rows first.
pub fn items(step: &Step) -> Vec<Item> {
    (0..step.permissions.len())
        .map(Item::Row)
        .chain((0..step.checks.len()).map(Item::Check))
        .collect()
}

/// True when the step has something the PSA's API can observe.
pub fn needs_api(step: &Step) -> bool {
    items(step).iter().any(|i| !i.is_manual(step))
}

/// The step has a check that writes to the PSA (run only after the admin agrees, `w`).
pub fn has_writes(step: &Step) -> bool {
    step.checks
        .iter()
        .any(|c| c.manual.is_none() && c.observe.is_some_and(|o| o.is_write()))
}

/// The question asked before running a step's write checks: what each leaves in the PSA.
pub fn writes_question(step: &Step) -> String {
    format!(
        "Run the write tests on this step, once? They write to your PSA: {} y = run them now, n = cancel",
        crate::verify::describe_step_writes(step).join(" ")
    )
}

/// Decide which item a check result belongs to. `None`: report it separately.
///
/// A result from the verifier says which item it is about ([`ItemRef`]). One read back from a
/// session has only its id: the engine names checks by the wizard's check ids, and permission
/// results carry the row's module and function. Ids ending in `row-N`/`row:N` are accepted too.
pub fn match_result(step: &Step, psa: Psa, r: &CheckResult) -> Option<Item> {
    match r.item {
        Some(ItemRef::Check(i)) if i < step.checks.len() => return Some(Item::Check(i)),
        Some(ItemRef::Row(i)) if i < step.permissions.len() => return Some(Item::Row(i)),
        _ => {}
    }
    if let Some(i) = step.checks.iter().position(|c| c.id == r.id) {
        return Some(Item::Check(i));
    }
    if let Some(p) = &r.permission {
        let found = step.permissions.iter().position(|row| {
            row.module == p.module
                && (row.subject() == p.function
                    || row
                        .verify
                        .as_ref()
                        .is_some_and(|v| v.all_entities().contains(&p.function.as_str())))
        });
        if let Some(i) = found {
            return Some(Item::Row(i));
        }
        if psa.profile().permissions == crate::profile::PermissionModel::ModuleFunctions {
            // ConnectWise reports functions by name; modules may be spelled differently.
            if let Some(i) = step
                .permissions
                .iter()
                .position(|row| row.function.as_deref() == Some(p.function.as_str()))
            {
                return Some(Item::Row(i));
            }
        }
    }
    // The engine names rows `row-N`, counting from 1.
    let tail = r.id.rsplit(['/', '.']).next().unwrap_or(&r.id);
    if let Some(n) = tail
        .strip_prefix("row-")
        .and_then(|n| n.parse::<usize>().ok())
        && (1..=step.permissions.len()).contains(&n)
    {
        return Some(Item::Row(n - 1));
    }
    if let Some(i) = step.permissions.iter().position(|row| row.label() == r.id) {
        return Some(Item::Row(i));
    }
    None
}

/// What the screen knows about one step. Its verdict is derived ([`Progress::verdict`]), never
/// stored.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Continued unverified or skipped by the admin. A decision made in this run carries the
    /// Unix epoch as its time until the session store stamps it (`store::apply`): `update` is
    /// pure and reads no clock.
    pub decision: Option<Decision>,
    /// Passed over before the connection existed; verified once it does.
    pub deferred: bool,
    /// Results as they arrive, in arrival order (the live table reads them).
    pub results: Vec<CheckResult>,
    /// The last complete report, kept as evidence.
    pub report: Option<StepReport>,
    /// When the session recorded `report` (restored sessions); else its observation times.
    pub report_at: Option<Timestamp>,
    /// The last earlier run that proved the step, with its time: a later run that could not
    /// observe the step reads "not re-verified since" it.
    pub earlier: Option<(StepReport, Timestamp)>,
    /// Manual items the admin ticked, by [`Item::key`].
    pub ticked: BTreeSet<String>,
    /// Demo: those of `ticked` the demo ticked after doing the step in the sandbox (the screen
    /// says so). In memory only: the session records a demo as a demo.
    pub demo_ticked: BTreeSet<String>,
    /// A verification or sandbox action in flight: its generation.
    pub pending: Option<Pending>,
    /// Why the last verification could not run, with its remedy.
    pub error: Option<ServiceError>,
    /// The step was performed in the demo sandbox (replayed when a demo resumes).
    pub applied: bool,
    /// The running verification's PSA requests still without an answer, oldest first: what each
    /// asked for and how many ticks it has waited.
    pub waiting: Vec<Waiting>,
    /// How many PSA answers the running verification has had.
    pub answers: u32,
    /// Ticks since the running verification last heard anything (a result or a PSA answer).
    pub quiet: u32,
}

/// A PSA request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: u64,
    pub what: String,
    pub ticks: u32,
}

/// Ticks (at `event::TICK`, 100 ms) without news after which the screen names what it waits
/// for: one second.
pub const SLOW_TICKS: u32 = 10;

/// Ticks per second, to say how long something has waited.
pub const TICKS_PER_SECOND: u32 = 10;

/// Work in flight for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub kind: PendingKind,
    pub generation: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingKind {
    Verify,
    Apply,
    /// Sending the credentials to the vendor's endpoint.
    Submit,
}

/// A failure to run a service (not a failed check): what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub message: String,
    pub remedy: String,
}

/// The live status of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live<'a> {
    /// Not verified yet.
    Unknown,
    /// Verification is running and this item has no result yet.
    Waiting,
    /// The worst result and all results for the item.
    Done(Status, Vec<&'a CheckResult>),
    /// A manual item: ticked or not.
    Manual(bool),
}

impl Progress {
    /// A verification starts: forget the last one's requests.
    pub fn start_watch(&mut self) {
        self.waiting.clear();
        self.answers = 0;
        self.quiet = 0;
    }

    /// A PSA request of the running verification was sent or answered.
    pub fn on_request(&mut self, event: crate::psa::watch::RequestEvent) {
        use crate::psa::watch::RequestEvent;
        match event {
            RequestEvent::Sent { id, what } => self.waiting.push(Waiting { id, what, ticks: 0 }),
            RequestEvent::Answered { id } => {
                self.waiting.retain(|w| w.id != id);
                self.answers += 1;
                self.quiet = 0;
            }
        }
    }

    /// Time passes (a spinner tick) for the running verification.
    pub fn tick(&mut self) {
        if self.verifying() {
            self.quiet = self.quiet.saturating_add(1);
            for w in &mut self.waiting {
                w.ticks = w.ticks.saturating_add(1);
            }
        }
    }

    pub fn verifying(&self) -> bool {
        matches!(
            self.pending,
            Some(Pending {
                kind: PendingKind::Verify,
                ..
            })
        )
    }

    pub fn live<'a>(&'a self, step: &Step, psa: Psa, item: Item) -> Live<'a> {
        if item.is_manual(step) {
            return Live::Manual(self.ticked.contains(&item.key(step)));
        }
        let mine: Vec<&CheckResult> = self
            .results
            .iter()
            .filter(|r| match_result(step, psa, r) == Some(item))
            .collect();
        if mine.is_empty() {
            return if self.verifying() {
                Live::Waiting
            } else {
                Live::Unknown
            };
        }
        let worst = mine
            .iter()
            .map(|r| r.status)
            .fold(Status::Pass, Status::worst);
        Live::Done(worst, mine)
    }

    /// Results that belong to no item (e.g. excess privilege the guide's table does not list).
    pub fn extra<'a>(&'a self, step: &Step, psa: Psa) -> Vec<&'a CheckResult> {
        self.results
            .iter()
            .filter(|r| match_result(step, psa, r).is_none())
            .collect()
    }

    /// Whether the admin confirms this item: the wizard's manual items, and those whose latest
    /// result came back manual (the PSA showed what it could; a person judges it).
    pub fn to_confirm(&self, step: &Step, item: Item) -> bool {
        item.is_manual(step) || {
            let key = item.key(step);
            self.results
                .iter()
                .any(|r| r.id == key && r.status == Status::Manual)
        }
    }

    pub fn all_ticked(&self, step: &Step) -> bool {
        items(step)
            .into_iter()
            .filter(|i| self.to_confirm(step, *i))
            .all(|i| self.ticked.contains(&i.key(step)))
    }

    /// The step's verdict (the one rule: [`crate::verdict::verdict`]).
    pub fn verdict(&self, step: &Step) -> Verdict {
        let mut runs: Vec<RunRef<'_>> = Vec::new();
        if let Some((report, at)) = &self.earlier {
            runs.push(RunRef {
                report,
                at: Some(*at),
            });
        }
        if let Some(report) = &self.report {
            runs.push(RunRef {
                report,
                at: self.report_at,
            });
        }
        let confirmed: Vec<(&str, Option<Timestamp>)> =
            self.ticked.iter().map(|k| (k.as_str(), None)).collect();
        crate::verdict::verdict(&Facts {
            step: Some(step),
            runs: &runs,
            confirmed: &confirmed,
            decision: self.decision.as_ref(),
        })
    }

    /// Waiting for the connection: passed over before it existed and not done since.
    pub fn is_deferred(&self, step: &Step) -> bool {
        self.deferred && !self.verdict(step).is_done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status) -> CheckResult {
        CheckResult::new(id, id, status)
    }

    #[test]
    fn checks_that_could_not_run_do_not_verify_a_step() {
        let w = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-autotask")
            .unwrap()
            .wizard;
        // The API user step: skipped because sign-in failed is not verified.
        let st = &w.steps[1];
        let mut checks: Vec<CheckResult> = st
            .checks
            .iter()
            .map(|c| {
                let mut r = result(&c.id, Status::Skipped);
                r.skip = Some(crate::verify::SkipCause::CouldNotRun);
                r
            })
            .collect();
        let mut p = Progress {
            report: Some(StepReport::new(
                st.id.clone(),
                st.title.clone(),
                checks.clone(),
            )),
            ..Progress::default()
        };
        assert_eq!(p.verdict(st).key(), "not_verified");
        for c in &mut checks {
            c.status = if c.id.starts_with("row-")
                || st.checks.iter().any(|k| k.id == c.id && k.manual.is_some())
            {
                Status::Manual
            } else {
                Status::Pass
            };
            c.skip = None;
            c.observed_at = Some("2026-01-05T10:00:00Z".parse().unwrap());
        }
        p.report = Some(StepReport::new(st.id.clone(), st.title.clone(), checks));
        for i in items(st).into_iter().filter(|i| i.is_manual(st)) {
            p.ticked.insert(i.key(st));
        }
        assert!(p.verdict(st).is_done(), "{:?}", p.verdict(st));
    }
}
