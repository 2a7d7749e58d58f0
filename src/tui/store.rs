//! The session as the TUI sees it: a pure snapshot of a run (`snapshot`), and the mapping to and
//! from `psa_onboard::session::Session` (`apply`, `restore`). The session store does the I/O
//! (atomic writes, the lock); secrets never enter either.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;

use super::app::{FieldId, Progress, Run, View};
use crate::session::{Confirmation, Session};
use crate::verdict::{Decision, Facts, RunRef};
use crate::verify::StepReport;
use crate::wizard::Wizard;

/// Where a demo session records the steps done in the sandbox (replayed on resume).
pub const DEMO_APPLIED: &str = "demo_applied_steps";

/// What the TUI saves: taken from a run without I/O or a clock.
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// The guide makes the step conditional: verifying it chooses it.
    pub optional: bool,
    /// Continued unverified or skipped (a time of the Unix epoch: made in this run, stamped
    /// when saved).
    pub decision: Option<Decision>,
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
                optional: s.optional,
                decision: p.decision.clone(),
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
    s.target = s
        .wizard
        .psa
        .profile()
        .target(&answer)
        .or_else(|| s.target.clone());
    for st in &snap.steps {
        if let Some(report) = &st.report
            && s.latest(&st.id).map(|r| &r.report) != Some(report)
        {
            s.record_run(report.clone(), now);
        }
        // Verifying an optional step chose it; skipping it un-chose it.
        match (&st.decision, &st.report) {
            (Some(Decision::SkippedOptional { .. }), _) => {
                s.choices.remove(&st.id);
            }
            (_, Some(report))
                if report
                    .checks
                    .iter()
                    .all(|c| c.skip != Some(crate::verify::SkipCause::NotChosen))
                    && st.optional =>
            {
                s.choices.insert(st.id.clone());
            }
            _ => {}
        }
        let rec = s.steps.entry(st.id.clone()).or_default();
        rec.confirmations.retain(|k, _| st.ticked.contains(k));
        for k in &st.ticked {
            rec.confirmations
                .entry(k.clone())
                .or_insert_with(|| Confirmation {
                    at: now,
                    by: who.to_string(),
                });
        }
        // A decision keeps its first time; one made in this run is stamped now.
        rec.decision = match (&st.decision, &rec.decision) {
            (None, _) => None,
            (Some(new), Some(old))
                if std::mem::discriminant(new) == std::mem::discriminant(old) =>
            {
                Some(old.clone())
            }
            (Some(Decision::ContinuedUnverified { reason, .. }), _) => {
                Some(Decision::ContinuedUnverified {
                    at: now,
                    reason: reason.clone(),
                })
            }
            (Some(Decision::SkippedOptional { .. }), _) => {
                Some(Decision::SkippedOptional { at: now })
            }
        };
    }
    s.current_step = snap.current.clone();
    s.updated = now;
}

/// Rebuild a run from a stored session.
pub fn restore(s: &Session, wizard: Arc<Wizard>, source: String, hash: String) -> Run {
    let mut run = Run::new(wizard.clone(), s.name.clone(), source, hash);
    run.demo = s.demo;
    run.origin.resumed = true;
    let applied: BTreeSet<&str> = s
        .answers
        .get(DEMO_APPLIED)
        .map(|v| v.split(',').filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    run.view = match &s.current_step {
        Some(id) => View::Step(wizard.steps.iter().position(|st| &st.id == id).unwrap_or(0)),
        None if s.progress(Some(&wizard)).0 == wizard.steps.len() => View::Summary,
        None => View::at(0, wizard.steps.len()),
    };
    for (i, step) in wizard.steps.iter().enumerate() {
        let Some(rec) = s.steps.get(&step.id) else {
            continue;
        };
        let latest = rec.runs.last();
        // The last earlier run that proved the step, for "not re-verified since".
        let earlier = rec.runs[..rec.runs.len().saturating_sub(1)]
            .iter()
            .rev()
            .find_map(|r| {
                let v = crate::verdict::verdict(&Facts {
                    step: Some(step),
                    runs: &[RunRef {
                        report: &r.report,
                        at: Some(r.at),
                    }],
                    confirmed: &rec
                        .confirmations
                        .iter()
                        .map(|(k, c)| (k.as_str(), Some(c.at)))
                        .collect::<Vec<_>>(),
                    decision: None,
                });
                v.is_observed().then(|| (r.report.clone(), r.at))
            });
        run.progress[i] = Progress {
            results: latest.map(|r| r.report.checks.clone()).unwrap_or_default(),
            report: latest.map(|r| r.report.clone()),
            report_at: latest.map(|r| r.at),
            earlier,
            ticked: rec.confirmations.keys().cloned().collect(),
            applied: applied.contains(step.id.as_str()),
            decision: rec.decision.clone(),
            ..Progress::default()
        };
    }
    for id in FieldId::ALL {
        if let Some(v) = s.answers.get(id.key())
            && !id.is_secret()
        {
            run.form.set(id, v);
        }
    }
    // Steps passed over before the credentials existed are still waiting for them.
    for i in 0..run.rail_position() {
        if !run.done(i) && run.deferrable(i) {
            run.progress[i].deferred = true;
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
        run.view = View::Step(2);
        run.progress[0].deferred = true;
        run.progress[1].ticked.insert("board-restrictions".into());
        run.progress[1].deferred = true;
        run.progress[3].decision = Some(Decision::ContinuedUnverified {
            at: Timestamp::UNIX_EPOCH,
            reason: "the admin chose to continue without verification".into(),
        });
        let t0: Timestamp = "2026-11-23T00:00:00Z".parse().unwrap();
        let mut session = Session::new(name, &loaded, "admin", t0).unwrap();
        // When the decision on the allow-list step was stamped.
        let decided_at = |s: &Session| s.steps["allow-list"].decision.as_ref().map(Decision::at);
        apply(&snapshot(&run), &mut session, t0, "admin");
        let text = toml::to_string(&session).unwrap();
        assert!(!text.contains("very-private-key"), "{text}");
        assert!(text.contains("cw.example.com"));
        assert_eq!(
            session.verdict("allow-list", None).key(),
            "continued_unverified"
        );
        // Stamped when saved, not left at the epoch.
        assert_eq!(decided_at(&session), Some(t0));
        assert_eq!(
            session.steps["api-member"].confirmations["board-restrictions"].by,
            "admin"
        );

        // A later save keeps the time of what did not change.
        let t1: Timestamp = "2026-11-23T01:00:00Z".parse().unwrap();
        apply(&snapshot(&run), &mut session, t1, "admin");
        assert_eq!(decided_at(&session), Some(t0));

        let back = restore(
            &session,
            w.clone(),
            "topleft-connectwise".into(),
            loaded.content_hash,
        );
        assert_eq!(back.view, View::Step(2));
        assert!(back.progress[0].is_deferred(&w.steps[0]));
        assert_eq!(back.verdict(3).key(), "continued_unverified");
        assert!(back.progress[1].ticked.contains("board-restrictions"));
        assert_eq!(
            back.form.field(FieldId::Site).unwrap().value(),
            "cw.example.com"
        );
        assert_eq!(back.form.field(FieldId::PrivateKey).unwrap().value(), "");
    }
}
