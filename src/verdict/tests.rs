use super::*;
use crate::verify::report::CheckResult;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn r(id: &str, status: Status) -> CheckResult {
    let mut c = CheckResult::new(id, id, status);
    if c.observed() {
        c.observed_at = Some(ts("2026-01-05T10:00:00Z"));
    }
    if status == Status::Skipped {
        c.skip = Some(SkipCause::CouldNotRun);
        c.detail = "skipped: sign-in failed".into();
    }
    c
}

fn step() -> Step {
    // TopLeft Autotask's API-user step: automated checks and manual items.
    crate::wizard::resolve("topleft-autotask", None)
        .unwrap()
        .wizard
        .steps
        .into_iter()
        .find(|s| s.id == "api-user")
        .unwrap()
}

fn judge(runs: &[Vec<CheckResult>], confirmed: &[&str], decision: Option<Decision>) -> Verdict {
    let reports: Vec<StepReport> = runs
        .iter()
        .map(|c| StepReport::new("s".into(), "s".into(), c.clone()))
        .collect();
    let refs: Vec<RunRef<'_>> = reports
        .iter()
        .enumerate()
        .map(|(i, report)| RunRef {
            report,
            at: Some(ts("2026-01-05T10:00:00Z") + jiff::SignedDuration::from_hours(i as i64)),
        })
        .collect();
    let confirmed: Vec<(&str, Option<Timestamp>)> = confirmed
        .iter()
        .map(|k| (*k, Some(ts("2026-01-05T09:00:00Z"))))
        .collect();
    verdict(&Facts {
        step: None,
        runs: &refs,
        confirmed: &confirmed,
        decision: decision.as_ref(),
    })
}

#[test]
fn every_verdict_from_its_facts() {
    use Status::*;
    let at = ts("2026-01-05T10:00:00Z");
    type Case<'a> = (
        &'a str,
        Vec<Vec<CheckResult>>,
        Vec<&'a str>,
        Option<Decision>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        ("never run", vec![], vec![], None, "not_verified"),
        (
            "all pass",
            vec![vec![r("a", Pass), r("b", Pass)]],
            vec![],
            None,
            "verified",
        ),
        (
            "a failure",
            vec![vec![r("a", Pass), r("b", Fail)]],
            vec![],
            None,
            "not_verified",
        ),
        (
            "could not run",
            vec![vec![r("a", Pass), r("b", Skipped)]],
            vec![],
            None,
            "not_verified",
        ),
        (
            "warned",
            vec![vec![r("a", Pass), r("b", Warn)]],
            vec![],
            None,
            "partly_verified",
        ),
        (
            "manual unticked",
            vec![vec![r("a", Pass), r("m", Manual)]],
            vec![],
            None,
            "not_verified",
        ),
        (
            "pass + ticked",
            vec![vec![r("a", Pass), r("m", Manual)]],
            vec!["m"],
            None,
            "partly_verified",
        ),
        (
            "only ticked",
            vec![vec![r("m", Manual)]],
            vec!["m"],
            None,
            "confirmed_by_you",
        ),
        (
            "continued",
            vec![vec![r("a", Fail)]],
            vec![],
            Some(Decision::ContinuedUnverified {
                at,
                reason: "later".into(),
            }),
            "continued_unverified",
        ),
        (
            "skipped optional",
            vec![],
            vec![],
            Some(Decision::SkippedOptional { at }),
            "skipped_optional",
        ),
    ];
    for (name, runs, confirmed, decision, want) in cases {
        let v = judge(&runs, &confirmed, decision);
        assert_eq!(v.key(), want, "{name}: {v:?}");
        // Only an observed verdict may carry the word "verified" without a qualifier.
        if !v.is_observed() {
            assert!(
                !v.sentence().starts_with("Verified"),
                "{name}: {}",
                v.sentence()
            );
        }
    }
}

#[test]
fn a_reaudit_that_could_not_observe_names_the_last_proof() {
    use Status::*;
    let v = judge(&[vec![r("a", Pass)], vec![r("a", Skipped)]], &[], None);
    match &v {
        Verdict::NotVerified(Why::CouldNotRun {
            since: Some(since),
            cause,
            ..
        }) => {
            assert_eq!(*since, ts("2026-01-05T10:00:00Z"));
            assert_eq!(cause, "sign-in failed");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        v.sentence()
            .starts_with("Not re-verified since 2026-01-05 10:00 UTC"),
        "{}",
        v.sentence()
    );
    assert!(!v.is_done());
}

#[test]
fn writes_not_allowed_and_unchosen_parts_do_not_block() {
    use Status::*;
    let mut w = CheckResult::new("w", "w", Skipped);
    w.skip = Some(SkipCause::WritesNotAllowed);
    assert_eq!(
        judge(&[vec![r("a", Pass), w.clone()]], &[], None).key(),
        "verified"
    );
    // A legacy skip without a cause counts as "could not run".
    let legacy = CheckResult::new("x", "x", Skipped);
    assert_eq!(
        judge(&[vec![r("a", Pass), legacy]], &[], None).key(),
        "not_verified"
    );
    let mut n = CheckResult::new("h", "h", Skipped);
    n.skip = Some(SkipCause::NotChosen);
    assert_eq!(judge(&[vec![n]], &[], None).key(), "skipped_optional");
}

#[test]
fn a_later_proof_overrides_continue_unverified_but_a_failure_does_not() {
    use Status::*;
    let early = ts("2026-01-05T08:00:00Z");
    let d = Decision::ContinuedUnverified {
        at: early,
        reason: "r".into(),
    };
    assert_eq!(
        judge(&[vec![r("a", Pass)]], &[], Some(d.clone())).key(),
        "verified"
    );
    assert_eq!(
        judge(&[vec![r("a", Fail)]], &[], Some(d)).key(),
        "continued_unverified"
    );
}

#[test]
fn with_the_wizard_manual_only_steps_need_every_confirmation() {
    let w = crate::wizard::resolve("topleft-connectwise", None)
        .unwrap()
        .wizard;
    let submit = w
        .steps
        .iter()
        .find(|s| items(s).iter().all(|(_, m)| *m))
        .expect("a manual-only step");
    let keys: Vec<String> = items(submit).into_iter().map(|(k, _)| k).collect();
    let facts = |confirmed: &[(&str, Option<Timestamp>)]| {
        verdict(&Facts {
            step: Some(submit),
            runs: &[],
            confirmed,
            decision: None,
        })
    };
    assert_eq!(facts(&[]).key(), "not_verified");
    let all: Vec<(&str, Option<Timestamp>)> = keys.iter().map(|k| (k.as_str(), None)).collect();
    assert_eq!(facts(&all).key(), "confirmed_by_you");
    // A step with automated items is never done by confirmations alone.
    let api = step();
    let v = verdict(&Facts {
        step: Some(&api),
        runs: &[],
        confirmed: &all,
        decision: None,
    });
    assert_eq!(v.key(), "not_verified");
}
