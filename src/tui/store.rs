//! The session as the TUI sees it: a pure snapshot of a run (`snapshot`), and the mapping to and
//! from `psa_onboard::session::Session` (`apply`, `restore`). The session store does the I/O
//! (atomic writes, the lock); secrets never enter either.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;

use super::app::{FieldId, Progress, Run, StepState};
use crate::connection::{AutotaskTarget, ConnectwiseTarget};
use crate::session::{Confirmation, Session, StepStatus, Target};
use crate::verify::{Status, StepReport};
use crate::wizard::{Psa, Wizard};

/// Where a demo session records the steps done in the sandbox (replayed on resume).
pub const DEMO_APPLIED: &str = "demo_applied_steps";

/// What the TUI saves: taken from a run without I/O or a clock.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSession {
    pub id: String,
    pub demo: bool,
    /// The current step's id; `None` on the summary.
    pub current: Option<String>,
    pub steps: Vec<SavedStep>,
    /// Non-secret connection values only.
    pub fields: Vec<(FieldId, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SavedStep {
    pub id: String,
    pub state: StepState,
    pub ticked: BTreeSet<String>,
    pub applied: bool,
    pub report: Option<StepReport>,
}

/// The session as it should be saved (pure).
pub fn snapshot(run: &Run) -> SavedSession {
    SavedSession {
        id: run.session_id.clone(),
        demo: run.demo,
        current: run.step().map(|s| s.id.clone()),
        steps: run
            .wizard
            .steps
            .iter()
            .zip(&run.progress)
            .map(|(s, p)| SavedStep {
                id: s.id.clone(),
                state: p.state,
                ticked: p.ticked.clone(),
                applied: p.applied,
                report: p.report.clone(),
            })
            .collect(),
        fields: run.form.public_values(),
    }
}

/// Bring a stored session up to date with a snapshot. Times of unchanged facts are kept;
/// changes are stamped `now`.
pub fn apply(snap: &SavedSession, s: &mut Session, now: Timestamp, who: &str) {
    s.demo = snap.demo;
    s.current_step = snap.current.clone();
    s.updated = now;
    for (id, v) in &snap.fields {
        if !id.is_secret() {
            s.answers.insert(id.key().to_string(), v.clone());
        }
    }
    let applied: Vec<&str> = snap
        .steps
        .iter()
        .filter(|st| st.applied)
        .map(|st| st.id.as_str())
        .collect();
    if snap.demo {
        s.answers.insert(DEMO_APPLIED.into(), applied.join(","));
    }
    let answer = |k: FieldId| s.answers.get(k.key()).cloned().unwrap_or_default();
    s.target = match s.wizard.psa {
        Psa::Autotask if !answer(FieldId::Username).is_empty() => {
            Some(Target::Autotask(AutotaskTarget {
                api_root: answer(FieldId::ApiRoot),
                username: answer(FieldId::Username),
                integration_code: answer(FieldId::TrackingId),
            }))
        }
        Psa::Connectwise if !answer(FieldId::Site).is_empty() => {
            Some(Target::Connectwise(ConnectwiseTarget {
                site: answer(FieldId::Site),
                company_id: answer(FieldId::CompanyId),
                public_key: answer(FieldId::PublicKey),
                client_id: answer(FieldId::ClientId),
            }))
        }
        _ => s.target.clone(),
    };
    for st in &snap.steps {
        let rec = s.steps.entry(st.id.clone()).or_default();
        if let Some(report) = &st.report
            && rec.runs.last().map(|r| &r.report) != Some(report)
        {
            rec.runs.push(crate::session::model::VerificationRun {
                at: now,
                report: report.clone(),
            });
            let excess = rec.runs.len().saturating_sub(crate::session::HISTORY_LIMIT);
            rec.runs.drain(..excess);
        }
        rec.confirmations.retain(|k, _| st.ticked.contains(k));
        for k in &st.ticked {
            rec.confirmations
                .entry(k.clone())
                .or_insert_with(|| Confirmation {
                    at: now,
                    by: who.to_string(),
                });
        }
        let at = rec.status.at().unwrap_or(now);
        rec.status = match st.state {
            StepState::Verified | StepState::Warned => StepStatus::Verified {
                at: if matches!(rec.status, StepStatus::Verified { .. }) {
                    at
                } else {
                    now
                },
            },
            StepState::Unverified => match &rec.status {
                s @ StepStatus::ContinuedUnverified { .. } => s.clone(),
                _ => StepStatus::ContinuedUnverified {
                    at: now,
                    reason: "the admin chose to continue without verification".into(),
                },
            },
            StepState::Skipped => StepStatus::SkippedOptional {
                at: if matches!(rec.status, StepStatus::SkippedOptional { .. }) {
                    at
                } else {
                    now
                },
            },
            StepState::Todo if st.report.is_none() && st.ticked.is_empty() && !st.applied => {
                StepStatus::NotStarted
            }
            _ => StepStatus::InProgress,
        };
    }
}

/// Rebuild a run from a stored session.
pub fn restore(s: &Session, wizard: Arc<Wizard>, source: String, hash: String) -> Run {
    let mut run = Run::new(wizard.clone(), s.name.clone(), source, hash);
    run.demo = s.demo;
    let applied: BTreeSet<&str> = s
        .answers
        .get(DEMO_APPLIED)
        .map(|v| v.split(',').filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    run.current = match &s.current_step {
        Some(id) => wizard.steps.iter().position(|st| &st.id == id).unwrap_or(0),
        None if s.progress().0 == s.progress().1 => wizard.steps.len(),
        None => 0,
    };
    for (i, step) in wizard.steps.iter().enumerate() {
        let Some(rec) = s.steps.get(&step.id) else {
            continue;
        };
        let report = rec.runs.last().map(|r| r.report.clone());
        let mut p = Progress {
            results: report
                .as_ref()
                .map(|r| r.checks.clone())
                .unwrap_or_default(),
            report,
            ticked: rec.confirmations.keys().cloned().collect(),
            applied: applied.contains(step.id.as_str()),
            ..Progress::default()
        };
        p.state = match &rec.status {
            StepStatus::ContinuedUnverified { .. } => StepState::Unverified,
            StepStatus::SkippedOptional { .. } => StepState::Skipped,
            StepStatus::Verified { .. } => {
                let warned = p
                    .report
                    .as_ref()
                    .is_some_and(|r| r.checks.iter().any(|c| c.status == Status::Warn));
                if warned {
                    StepState::Warned
                } else {
                    StepState::Verified
                }
            }
            _ => {
                p.settle(step);
                p.state
            }
        };
        run.progress[i] = p;
    }
    for id in FieldId::ALL {
        if let Some(v) = s.answers.get(id.key())
            && !id.is_secret()
        {
            run.form.set(id, v);
        }
    }
    // Steps passed over before the credentials existed are still waiting for them.
    for i in 0..run.current.min(wizard.steps.len()) {
        if matches!(run.progress[i].state, StepState::Todo) && run.deferrable(i) {
            run.progress[i].state = StepState::Deferred;
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_session_without_secrets() {
        let loaded = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-connectwise")
            .unwrap();
        let w = Arc::new(loaded.wizard.clone());
        let name = "topleft-connectwise-20261123-000000";
        let mut run = Run::new(
            w.clone(),
            name.into(),
            w.id.clone(),
            loaded.content_hash.clone(),
        );
        run.form.set(FieldId::Site, "cw.example.com");
        run.form.set(FieldId::PrivateKey, "very-private-key");
        run.current = 2;
        run.progress[0].state = StepState::Deferred;
        run.progress[1].ticked.insert("board-restrictions".into());
        run.progress[1].state = StepState::Deferred;
        run.progress[3].state = StepState::Unverified;
        let t0: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        let mut session = Session::new(name, &loaded, "admin", t0).unwrap();
        apply(&snapshot(&run), &mut session, t0, "admin");
        let text = toml::to_string(&session).unwrap();
        assert!(!text.contains("very-private-key"), "{text}");
        assert!(text.contains("cw.example.com"));
        assert_eq!(
            session.steps["allow-list"].status.key(),
            "continued_unverified"
        );
        assert_eq!(
            session.steps["api-member"].confirmations["board-restrictions"].by,
            "admin"
        );

        // A later save keeps the time of what did not change.
        let t1: Timestamp = "2026-11-23T01:00:00Z".parse().unwrap();
        apply(&snapshot(&run), &mut session, t1, "admin");
        assert_eq!(session.steps["allow-list"].status.at(), Some(t0));

        let back = restore(
            &session,
            w,
            "topleft-connectwise".into(),
            loaded.content_hash,
        );
        assert_eq!(back.current, 2);
        assert_eq!(back.progress[0].state, StepState::Deferred);
        assert_eq!(back.progress[3].state, StepState::Unverified);
        assert!(back.progress[1].ticked.contains("board-restrictions"));
        assert_eq!(
            back.form.field(FieldId::Site).unwrap().value(),
            "cw.example.com"
        );
        assert_eq!(back.form.field(FieldId::PrivateKey).unwrap().value(), "");
    }
}
