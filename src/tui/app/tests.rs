use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::verify::{CheckResult, PermissionObservation, Status, StepReport};

fn wizard(id: &str) -> Arc<Wizard> {
    Arc::new(
        crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == id)
            .unwrap()
            .wizard,
    )
}

fn state(id: &str) -> State {
    let w = wizard(id);
    let run = Run::new(w.clone(), "s".into(), w.id.clone(), "h".into());
    let mut s = State::new(Screen::Loading(String::new()), false);
    let fx = update(&mut s, Msg::Opened(Ok(Box::new(run))));
    assert_eq!(fx, vec![Effect::SaveSession]);
    s
}

fn fill_cw(s: &mut State) {
    let r = run_mut(s);
    r.form.set(FieldId::Site, "127.0.0.1");
    r.form.set(FieldId::CompanyId, "acme");
    r.form.set(FieldId::PublicKey, "pubkey");
    r.form.set(FieldId::PrivateKey, "s3cret-private");
    r.form
        .set(FieldId::ClientId, "1a2b3c4d-0000-4000-8000-00000000abcd");
}

/// From step 1 to the credentials step (3) of topleft-connectwise: defer the role, tick the
/// member's manual item and defer the member.
fn to_conn_step(s: &mut State) {
    ch(s, 'n');
    assert_eq!(run(s).current, 1);
    ch(s, 'n');
    assert_eq!(run(s).current, 1, "the manual item is not ticked yet");
    for _ in 0..6 {
        key(s, KeyCode::Down);
    }
    ch(s, ' ');
    ch(s, 'n');
    assert_eq!(run(s).current, 2);
}

fn run_mut(s: &mut State) -> &mut Run {
    match &mut s.screen {
        Screen::Run(r) => r,
        _ => panic!("not running"),
    }
}

fn run(s: &State) -> &Run {
    s.run().expect("running")
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(s: &mut State, c: char) -> Vec<Effect> {
    key(s, KeyCode::Char(c))
}

fn result(id: &str, status: Status) -> CheckResult {
    CheckResult {
        remedy: if status == Status::Fail {
            "Fix it.".into()
        } else {
            String::new()
        },
        observed_at: matches!(status, Status::Pass | Status::Warn | Status::Fail)
            .then(|| "2026-01-05T10:00:00Z".parse().unwrap()),
        skip: (status == Status::Skipped).then_some(crate::verify::SkipCause::CouldNotRun),
        ..CheckResult::new(id, id, status)
    }
}

/// A step's state as the screen shows it: "deferred" while it waits for the connection, else
/// its verdict's key.
fn shown(s: &State, i: usize) -> &'static str {
    let r = run(s);
    if r.progress[i].is_deferred(&r.wizard.steps[i]) {
        "deferred"
    } else {
        r.verdict(i).key()
    }
}

fn report(s: &State, step: usize, status: Status) -> StepReport {
    let w = &run(s).wizard;
    let st = &w.steps[step];
    let checks = st
        .checks
        .iter()
        .map(|c| {
            if c.manual.is_some() {
                result(&c.id, Status::Manual)
            } else {
                result(&c.id, status)
            }
        })
        .collect();
    StepReport::new(st.id.clone(), st.title.clone(), checks)
}

fn verify_effect(fx: &[Effect]) -> (usize, u64) {
    fx.iter()
        .find_map(|e| match e {
            Effect::Verify {
                step, generation, ..
            } => Some((*step, *generation)),
            _ => None,
        })
        .expect("a Verify effect")
}

fn render(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::render(s, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn verify_needs_the_connection_first() {
    let mut s = state("topleft-connectwise");
    let fx = ch(&mut s, 'v');
    assert!(fx.is_empty(), "{fx:?}");
    let notice = run(&s).notice.clone().unwrap();
    assert!(notice.text.contains("connection details"), "{notice:?}");
}

#[test]
fn form_typing_tab_and_submit_start_verification() {
    let mut s = state("topleft-connectwise");
    // Go to the credentials step (steps before it are deferred while there is no connection).
    to_conn_step(&mut s);
    assert_eq!(shown(&s, 0), "deferred");
    assert!(
        run(&s).focus_form,
        "the empty form takes focus at the credentials step"
    );
    assert_eq!(s.context(), Context::Form);
    // Letters go into the field, not to commands.
    for c in "127.0.0.1".chars() {
        ch(&mut s, c);
    }
    assert_eq!(
        run(&s).form.field(FieldId::Site).unwrap().value(),
        "127.0.0.1"
    );
    key(&mut s, KeyCode::Tab);
    for c in "acme".chars() {
        ch(&mut s, c);
    }
    key(&mut s, KeyCode::Enter);
    for c in "pub".chars() {
        ch(&mut s, c);
    }
    key(&mut s, KeyCode::Enter);
    for c in "priv".chars() {
        ch(&mut s, c);
    }
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(run(&s).form.focus, 2);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    for c in "not-a-guid".chars() {
        ch(&mut s, c);
    }
    // Submit re-checks every field and stays on the bad one.
    let fx = key(&mut s, KeyCode::Enter);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(run(&s).form.focus, 4);
    assert!(run(&s).focus_form);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in "1a2b3c4d-0000-4000-8000-00000000abcd".chars() {
        ch(&mut s, c);
    }
    let fx = key(&mut s, KeyCode::Enter);
    assert!(!run(&s).focus_form);
    assert!(fx.contains(&Effect::SaveSession));
    assert!(fx.contains(&Effect::StoreSecret {
        field: FieldId::PrivateKey
    }));
    assert_eq!(verify_effect(&fx).0, 2);
}

#[test]
fn stale_results_are_dropped_by_generation() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    let (step, g1) = verify_effect(&ch(&mut s, 'v'));
    assert!(run(&s).progress[0].verifying());
    // Esc cancels: the task is aborted and its result would be dropped.
    let fx = key(&mut s, KeyCode::Esc);
    assert_eq!(fx, vec![Effect::Cancel { generation: g1 }]);
    let (_, g2) = verify_effect(&ch(&mut s, 'v'));
    assert_ne!(g1, g2);
    let rep = report(&s, step, Status::Fail);
    let fx = update(
        &mut s,
        Msg::Check {
            step,
            generation: g1,
            result: Box::new(result("no-excess", Status::Fail)),
        },
    );
    assert!(fx.is_empty());
    assert!(
        run(&s).progress[0].results.is_empty(),
        "stale check dropped"
    );
    update(
        &mut s,
        Msg::Verified {
            step,
            generation: g1,
            result: Ok(rep),
        },
    );
    assert!(run(&s).progress[0].verifying(), "stale report dropped");
    assert_eq!(shown(&s, 0), "not_verified");
    // The current generation's results land.
    update(
        &mut s,
        Msg::Check {
            step,
            generation: g2,
            result: Box::new(result("no-excess", Status::Pass)),
        },
    );
    assert_eq!(run(&s).progress[0].results.len(), 1);
    let rep = report(&s, step, Status::Pass);
    let fx = update(
        &mut s,
        Msg::Verified {
            step,
            generation: g2,
            result: Ok(rep),
        },
    );
    assert!(fx.contains(&Effect::SaveSession));
    assert_eq!(shown(&s, 0), "verified");
}

#[test]
fn next_is_blocked_until_the_step_verifies() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    to_conn_step(&mut s);
    let fx = ch(&mut s, 'n');
    assert!(fx.is_empty());
    assert_eq!(run(&s).current, 2, "blocked before verification");
    assert!(!s.enabled(Action::Next));
    let (step, g) = verify_effect(&ch(&mut s, 'v'));
    // Blocked while verifying, too.
    ch(&mut s, 'n');
    assert_eq!(run(&s).current, 2);
    let rep = report(&s, step, Status::Fail);
    update(
        &mut s,
        Msg::Verified {
            step,
            generation: g,
            result: Ok(rep),
        },
    );
    assert_eq!(shown(&s, 2), "not_verified");
    ch(&mut s, 'n');
    assert_eq!(run(&s).current, 2, "blocked after a failure");
    assert!(
        run(&s)
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("verify again")
    );
    let (step, g) = verify_effect(&ch(&mut s, 'v'));
    let rep = report(&s, step, Status::Pass);
    let fx = update(
        &mut s,
        Msg::Verified {
            step,
            generation: g,
            result: Ok(rep),
        },
    );
    // The credentials now work: the deferred steps verify in the background.
    let deferred: Vec<usize> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Verify { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(deferred, vec![0, 1]);
    ch(&mut s, 'n');
    assert_eq!(run(&s).current, 3);
}

#[test]
fn continue_unverified_is_confirmed_and_recorded() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    to_conn_step(&mut s);
    ch(&mut s, 'u');
    assert_eq!(s.context(), Context::Confirm);
    assert_eq!(run(&s).current, 2);
    // "n" at the prompt means no.
    ch(&mut s, 'n');
    assert_eq!(run(&s).current, 2);
    ch(&mut s, 'u');
    let fx = ch(&mut s, 'y');
    assert_eq!(fx, vec![Effect::SaveSession]);
    assert_eq!(run(&s).current, 3);
    assert_eq!(shown(&s, 2), "continued_unverified");
    let saved = crate::tui::store::snapshot(run(&s));
    assert!(matches!(
        saved.steps[2].decision,
        Some(crate::verdict::Decision::ContinuedUnverified { .. })
    ));
}

#[test]
fn manual_items_are_ticked_not_verified() {
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(3);
    let r = run(&s);
    assert!(!progress::needs_api(r.step().unwrap()));
    assert!(r.next_blocked().is_some());
    assert!(s.enabled(Action::Tick));
    let fx = ch(&mut s, ' ');
    assert_eq!(fx, vec![Effect::SaveSession]);
    // A ticked manual item is confirmed by the admin, never "verified".
    assert_eq!(shown(&s, 3), "confirmed_by_you");
    ch(&mut s, 'n');
    assert_eq!(run(&s).current, 4);
}

#[test]
fn optional_steps_can_be_skipped() {
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(3);
    assert!(s.enabled(Action::Skip));
    ch(&mut s, 's');
    assert_eq!(shown(&s, 3), "skipped_optional");
    assert_eq!(run(&s).current, 4);
}

#[test]
fn secrets_are_masked_unless_revealed() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    run_mut(&mut s).go_to(2);
    ch(&mut s, 'e');
    assert!(run(&s).focus_form);
    let screen = render(&s, 100, 40);
    assert!(!screen.contains("s3cret-private"), "{screen}");
    assert!(screen.contains("••••••••••••••"), "{screen}");
    // Reveal works only on the secret field, and only while it is focused.
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    assert_eq!(run(&s).form.focused().id, FieldId::PrivateKey);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
    );
    assert!(render(&s, 100, 40).contains("s3cret-private"));
    key(&mut s, KeyCode::Tab);
    assert!(
        !render(&s, 100, 40).contains("s3cret-private"),
        "leaving the field masks it again"
    );
}

#[test]
fn spinner_ticks_only_while_pending() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    update(&mut s, Msg::Tick);
    assert_eq!(s.spinner, 0);
    assert!(!s.is_pending());
    ch(&mut s, 'v');
    assert!(s.is_pending());
    update(&mut s, Msg::Tick);
    assert_eq!(s.spinner, 1);
}

#[test]
fn clicking_the_rail_moves_back_but_not_past_unfinished_steps() {
    let mut s = state("topleft-connectwise");
    update(&mut s, Msg::Resize(80, 24));
    let click = |row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 3,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Rail: header row 0, rail title row 1, blank row 2, step 1 on rows 3-4 (its title wraps
    // at 80 columns), step 2 on row 5, step 3 from row 6.
    update(&mut s, click(6));
    assert_eq!(run(&s).current, 0, "step 3 is not reachable yet");
    assert!(run(&s).notice.as_ref().unwrap().error);
    to_conn_step(&mut s);
    update(&mut s, click(3));
    assert_eq!(run(&s).current, 0);
    update(&mut s, click(5));
    assert_eq!(run(&s).current, 1);
    update(&mut s, click(4));
    assert_eq!(run(&s).current, 0, "a title's second line is the same step");
}

#[test]
fn demo_apply_then_verifies() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    assert!(!s.enabled(Action::Apply), "only in the demo");
    run_mut(&mut s).demo = true;
    let apply = |s: &mut State| {
        let fx = ch(s, 'a');
        match fx.first() {
            Some(Effect::ApplyInSandbox { step, generation }) => (*step, *generation),
            _ => panic!("{fx:?}"),
        }
    };
    // Before the credentials exist, doing a step does not verify it (it could only fail).
    let (step, generation) = apply(&mut s);
    let fx = update(
        &mut s,
        Msg::Applied {
            step,
            generation,
            result: Ok(()),
        },
    );
    assert_eq!(fx, vec![Effect::SaveSession]);
    assert!(run(&s).progress[0].applied);
    assert!(
        run(&s)
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("verified once step 3 creates the credentials")
    );
    assert!(run(&s).next_blocked().is_none());
    // Once they do, doing it verifies it.
    run_mut(&mut s).progress[2].decision = Some(crate::verdict::Decision::ContinuedUnverified {
        at: jiff::Timestamp::UNIX_EPOCH,
        reason: "test".into(),
    });
    let (step, generation) = apply(&mut s);
    let fx = update(
        &mut s,
        Msg::Applied {
            step,
            generation,
            result: Ok(()),
        },
    );
    assert_eq!(verify_effect(&fx).0, 0);
}

#[test]
fn quitting_cancels_and_saves() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    let (_, g) = verify_effect(&ch(&mut s, 'v'));
    let fx = ch(&mut s, 'q');
    assert_eq!(
        fx,
        vec![
            Effect::Cancel { generation: g },
            Effect::SaveSession,
            Effect::Quit
        ]
    );
}

#[test]
fn permission_results_fill_rows_as_they_arrive() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    let (step, g) = verify_effect(&ch(&mut s, 'v'));
    let w = run(&s).wizard.clone();
    let st = &w.steps[0];
    let r = run(&s);
    assert_eq!(
        r.progress[0].live(st, Psa::Connectwise, Item::Row(0)),
        Live::Waiting
    );
    let mut res = result("perm", Status::Fail);
    res.permission = Some(PermissionObservation {
        module: "Companies".into(),
        function: "Company Maintenance".into(),
        op: "inquire".into(),
        required: "All".into(),
        actual: "None".into(),
    });
    update(
        &mut s,
        Msg::Check {
            step,
            generation: g,
            result: Box::new(res),
        },
    );
    let r = run(&s);
    assert!(matches!(
        r.progress[0].live(st, Psa::Connectwise, Item::Row(0)),
        Live::Done(Status::Fail, _)
    ));
    assert_eq!(
        r.progress[0].live(st, Psa::Connectwise, Item::Row(1)),
        Live::Waiting
    );
    let screen = render(&s, 100, 40);
    assert!(
        screen.contains("observed: Company Maintenance inquire is None (needs All)"),
        "{screen}"
    );
}

/// The counter counts each answer as it lands, and a verification that has heard nothing for a
/// second names the request it waits for; answers from an older run are not counted.
#[test]
fn progress_counts_answers_as_they_land_and_names_what_it_waits_for() {
    use crate::psa::watch::RequestEvent;
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    let (step, g) = verify_effect(&ch(&mut s, 'v'));
    let line = |s: &State| {
        render(s, 200, 30)
            .lines()
            .find(|l| l.contains("Verifying against the PSA"))
            .map(|l| l.split('│').nth(1).unwrap_or(l).trim().to_string())
            .unwrap_or_default()
    };
    assert!(line(&s).contains("0 of 27 answered · Esc"), "{}", line(&s));
    let sent = |id, what: &str| Msg::Request {
        step,
        generation: g,
        event: RequestEvent::Sent {
            id,
            what: what.into(),
        },
    };
    update(&mut s, sent(1, "login/companyinfo/acme"));
    update(
        &mut s,
        Msg::Request {
            step,
            generation: g,
            event: RequestEvent::Answered { id: 1 },
        },
    );
    update(&mut s, sent(2, "system/mySecurity"));
    // A stale run's news changes nothing.
    update(
        &mut s,
        Msg::Request {
            step,
            generation: g - 1,
            event: RequestEvent::Answered { id: 2 },
        },
    );
    assert!(
        line(&s).contains("0 of 27 answered · 1 PSA answer · Esc"),
        "{}",
        line(&s)
    );
    for _ in 0..progress::SLOW_TICKS + 20 {
        update(&mut s, Msg::Tick);
    }
    assert!(
        line(&s).contains("waiting 3 s for the PSA to answer system/mySecurity"),
        "{}",
        line(&s)
    );
    // Rows fill in one by one: the count rises with each.
    let w = run(&s).wizard.clone();
    for (n, row) in w.steps[0].permissions.iter().take(3).enumerate() {
        let mut res = result("perm", Status::Pass);
        res.permission = Some(PermissionObservation {
            module: row.module.clone(),
            function: row.function.clone().unwrap(),
            op: "inquire".into(),
            required: "All".into(),
            actual: "All".into(),
        });
        update(
            &mut s,
            Msg::Check {
                step,
                generation: g,
                result: Box::new(res),
            },
        );
        assert!(
            line(&s).contains(&format!("{} of 27 answered", n + 1)),
            "{}",
            line(&s)
        );
        // News: not slow any more.
        assert!(!line(&s).contains("waiting"), "{}", line(&s));
    }
}

fn forgets(fx: &[Effect]) -> bool {
    fx.contains(&Effect::ForgetRefused)
}

/// Verify the current step and answer it with a failure (as a refused sign-in would).
fn verify_and_fail(s: &mut State) -> Vec<Effect> {
    let fx = ch(s, 'v');
    let (step, generation) = verify_effect(&fx);
    let rep = report(s, step, Status::Fail);
    update(
        s,
        Msg::Verified {
            step,
            generation,
            result: Ok(rep),
        },
    );
    fx
}

#[test]
fn refused_credentials_are_forgotten_only_when_the_input_changed() {
    let mut s = state("topleft-autotask");
    {
        let r = run_mut(&mut s);
        r.form.set(FieldId::Username, "api@acme.example");
        r.form.set(FieldId::Secret, "wrong-secret");
        r.form.set(FieldId::TrackingId, "TRACK-1");
        r.form
            .set(FieldId::ApiRoot, "http://127.0.0.1:9/atservicesrest");
        r.go_to(1);
    }
    // The first verification of this input may send it.
    assert!(forgets(&verify_and_fail(&mut s)));
    // Pressing v again with the same input must not clear the engine's guard: Autotask
    // counts every refused sign-in towards locking the account.
    let fx = verify_and_fail(&mut s);
    assert!(!forgets(&fx), "{fx:?}");
    // A changed secret is new input.
    run_mut(&mut s).form.set(FieldId::Secret, "fixed-secret");
    assert!(forgets(&verify_and_fail(&mut s)));
    assert!(!forgets(&verify_and_fail(&mut s)));
    // A whitespace-only edit is the same input.
    run_mut(&mut s).form.set(FieldId::Secret, " fixed-secret ");
    assert!(!forgets(&verify_and_fail(&mut s)));
}

/// The lockout warning is Autotask's: a ConnectWise retry asks without it.
#[test]
fn retrying_connectwise_keys_does_not_warn_of_autotask_lockouts() {
    let mut s = state("topleft-connectwise");
    {
        let r = run_mut(&mut s);
        r.form.set(FieldId::Site, "http://127.0.0.1:9");
        r.form.set(FieldId::CompanyId, "acme");
        r.form.set(FieldId::PublicKey, "pub");
        r.form.set(FieldId::PrivateKey, "wrong-key");
        r.form
            .set(FieldId::ClientId, "00000000-0000-0000-0000-000000000000");
        r.go_to(1);
    }
    verify_and_fail(&mut s);
    assert!(s.enabled(Action::RetrySame));
    ch(&mut s, 'R');
    assert_eq!(s.context(), Context::Prompt);
    let screen = render(&s, 100, 30);
    assert!(
        screen.contains("Send the same credentials again"),
        "{screen}"
    );
    assert!(!screen.contains("Autotask"), "{screen}");
    assert!(!screen.contains("locks"), "{screen}");
}

#[test]
fn retrying_the_same_credentials_asks_first_and_warns_of_lockout() {
    let mut s = state("topleft-autotask");
    {
        let r = run_mut(&mut s);
        r.form.set(FieldId::Username, "api@acme.example");
        r.form.set(FieldId::Secret, "wrong-secret");
        r.form.set(FieldId::TrackingId, "TRACK-1");
        r.form
            .set(FieldId::ApiRoot, "http://127.0.0.1:9/atservicesrest");
        r.go_to(1);
    }
    assert!(
        !s.enabled(Action::RetrySame),
        "nothing was sent yet, so nothing to retry"
    );
    verify_and_fail(&mut s);
    assert!(s.enabled(Action::RetrySame));
    // R asks; n cancels without sending anything.
    let fx = ch(&mut s, 'R');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.context(), Context::Prompt);
    let screen = render(&s, 100, 30);
    assert!(screen.contains("locks an account"), "{screen}");
    let fx = ch(&mut s, 'n');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.context(), Context::Step);
    // R then y: forget, then verify.
    ch(&mut s, 'R');
    let fx = ch(&mut s, 'y');
    assert!(forgets(&fx), "{fx:?}");
    let forget_at = fx.iter().position(|e| *e == Effect::ForgetRefused).unwrap();
    let verify_at = fx
        .iter()
        .position(|e| matches!(e, Effect::Verify { .. }))
        .unwrap();
    assert!(forget_at < verify_at, "forget before sending: {fx:?}");
    // The confirmation covers one verification only.
    let (step, generation) = verify_effect(&fx);
    let rep = report(&s, step, Status::Fail);
    update(
        &mut s,
        Msg::Verified {
            step,
            generation,
            result: Ok(rep),
        },
    );
    assert!(!forgets(&verify_and_fail(&mut s)));
}

#[test]
fn a_sandbox_action_lets_the_next_verification_resend() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    run_mut(&mut s).demo = true;
    run_mut(&mut s).go_to(2);
    assert!(forgets(&verify_and_fail(&mut s)));
    assert!(!forgets(&verify_and_fail(&mut s)));
    let fx = ch(&mut s, 'a');
    let Some(Effect::ApplyInSandbox { step, generation }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let fx = update(
        &mut s,
        Msg::Applied {
            step,
            generation,
            result: Ok(()),
        },
    );
    assert!(forgets(&fx), "the sandbox created the keys: {fx:?}");
    verify_effect(&fx);
}

#[test]
fn the_engine_guard_message_points_at_the_retry_key() {
    let mut s = state("topleft-autotask");
    run_mut(&mut s)
        .form
        .set(FieldId::Username, "api@acme.example");
    run_mut(&mut s).form.set(FieldId::Secret, "x");
    run_mut(&mut s).form.set(FieldId::TrackingId, "T");
    run_mut(&mut s).go_to(1);
    let (step, generation) = verify_effect(&ch(&mut s, 'v'));
    let mut c = result("signin", Status::Fail);
    c.detail = "not sent again: Autotask refused these exact values earlier in this session".into();
    c.blocked = Some(crate::verify::Blocked::CredentialsRefusedBefore);
    let rep = StepReport::new("api-user".into(), "t".into(), vec![c]);
    update(
        &mut s,
        Msg::Verified {
            step,
            generation,
            result: Ok(rep),
        },
    );
    let n = run(&s).notice.clone().unwrap();
    assert!(n.error && n.text.contains("press R"), "{n:?}");
}

/// topleft-connectwise at its hand-off step with the connection filled.
fn at_handoff() -> State {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    let r = run_mut(&mut s);
    let i = r
        .wizard
        .steps
        .iter()
        .position(|st| st.kind == StepKind::CredentialSubmission)
        .unwrap();
    r.go_to(i);
    s
}

#[test]
fn handoff_shows_values_masks_secrets_and_copies_only_revealed_secrets() {
    let mut s = at_handoff();
    let screen = render(&s, 100, 40);
    assert!(
        screen.contains("https://customers.topleft.team/welcome/"),
        "{screen}"
    );
    assert!(
        screen.contains("acme") && screen.contains("pubkey"),
        "{screen}"
    );
    assert!(!screen.contains("s3cret-private"), "{screen}");
    assert!(screen.contains("not in the keyring"), "{screen}");
    update(&mut s, Msg::SecretStored(Ok(())));
    let screen = render(&s, 100, 40);
    assert!(
        screen.contains("stored in the OS keyring as s/private_key"),
        "{screen}"
    );
    // Copy the focused field (the site), then the company ID.
    assert_eq!(ch(&mut s, 'c'), vec![Effect::Copy(FieldId::Site)]);
    key(&mut s, KeyCode::Tab);
    assert_eq!(ch(&mut s, 'c'), vec![Effect::Copy(FieldId::CompanyId)]);
    assert!(run(&s).notice.as_ref().unwrap().text.contains("Company ID"));
    // The private key: refused while masked.
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    assert!(ch(&mut s, 'c').is_empty());
    let n = run(&s).notice.clone().unwrap();
    assert!(n.error && n.text.contains("reveal it first"), "{n:?}");
    // Revealed, it shows and may be copied.
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
    );
    assert!(render(&s, 100, 40).contains("s3cret-private"));
    assert_eq!(ch(&mut s, 'c'), vec![Effect::Copy(FieldId::PrivateKey)]);
    // Leaving the step hides them again.
    ch(&mut s, 'b');
    ch(&mut s, 'n');
    assert!(!run(&s).handoff.revealed);
}

#[test]
fn handoff_opens_the_portal_or_shows_its_address() {
    let mut s = at_handoff();
    let url = "https://customers.topleft.team/welcome/".to_string();
    assert_eq!(ch(&mut s, 'o'), vec![Effect::OpenUrl(url.clone())]);
    update(
        &mut s,
        Msg::UrlNotOpened {
            url: url.clone(),
            why: "no browser opener worked (tried xdg-open)".into(),
        },
    );
    let n = run(&s).notice.clone().unwrap();
    assert!(
        n.text.contains(&url) && n.text.contains("yourself"),
        "{n:?}"
    );
}

#[test]
fn handoff_submits_only_after_confirming_and_records_the_answer() {
    let mut s = at_handoff();
    assert!(
        !s.enabled(Action::SubmitToVendor),
        "the guide gives no endpoint"
    );
    assert!(ch(&mut s, 'p').is_empty());
    run_mut(&mut s).submit_endpoint = Some("https://vendor.example/submit".into());
    run_mut(&mut s).submit_demo = false;
    let fx = ch(&mut s, 'p');
    assert!(fx.is_empty(), "asks first: {fx:?}");
    assert_eq!(s.context(), Context::Prompt);
    let screen = render(&s, 120, 40);
    assert!(
        screen.contains("Send ConnectWise site, Company ID, Public key, Private key to")
            && screen.contains("https://vendor.example/submit"),
        "{screen}"
    );
    ch(&mut s, 'n');
    assert_eq!(s.context(), Context::Step);
    ch(&mut s, 'p');
    let fx = ch(&mut s, 'y');
    let (step, generation) = match fx.as_slice() {
        [Effect::Submit { step, generation }] => (*step, *generation),
        _ => panic!("{fx:?}"),
    };
    assert!(s.is_pending());
    let answer = crate::handoff::VendorAnswer {
        endpoint: "https://vendor.example/submit".into(),
        status: 200,
        body: r#"{"status":"received","reference":"SBX-0001"}"#.into(),
    };
    let fx = update(
        &mut s,
        Msg::Submitted {
            step,
            generation,
            result: Ok(answer),
        },
    );
    assert_eq!(fx, vec![Effect::SaveSession]);
    let p = &run(&s).progress[step];
    let rec = &p.report.as_ref().unwrap().checks[0];
    assert_eq!(rec.status, Status::Pass);
    assert!(rec.detail.contains("HTTP 200") && rec.detail.contains("SBX-0001"));
    // The manual confirmation still decides the step.
    assert_eq!(shown(&s, step), "not_verified");
    // A refusal is recorded as a failure with its message.
    ch(&mut s, 'p');
    let fx = ch(&mut s, 'y');
    let Some(Effect::Submit { generation, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Msg::Submitted {
            step,
            generation,
            result: Ok(crate::handoff::VendorAnswer {
                endpoint: "https://vendor.example/submit".into(),
                status: 422,
                body: "company ID not recognised".into(),
            }),
        },
    );
    let n = run(&s).notice.clone().unwrap();
    assert!(n.error && n.text.contains("422"), "{n:?}");
    assert_eq!(
        run(&s).progress[step].report.as_ref().unwrap().checks[0].status,
        Status::Fail
    );
}

/// The Allow flags of a Verify effect, in order.
fn writes_allowed(fx: &[Effect]) -> Vec<bool> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Verify { allow_writes, .. } => Some(*allow_writes),
            _ => None,
        })
        .collect()
}

/// topleft-autotask with a connection typed in, at the step whose check writes a ticket note
/// as an impersonated resource.
fn at_write_step() -> State {
    let mut s = state("topleft-autotask");
    let r = run_mut(&mut s);
    r.form.set(FieldId::Username, "api@acme.example");
    r.form.set(FieldId::Secret, "a-secret");
    r.form.set(FieldId::TrackingId, "TRACK-1");
    r.form
        .set(FieldId::ApiRoot, "http://127.0.0.1:9/atservicesrest");
    let i = r
        .wizard
        .steps
        .iter()
        .position(|st| {
            st.checks
                .iter()
                .any(|c| c.observe == Some(crate::wizard::Observe::AutotaskImpersonationWrite))
        })
        .expect("topleft-autotask has the impersonation write test");
    // The connection was verified with exactly these values.
    let c = r.conn_step;
    let st = r.wizard.steps[c].clone();
    let checks = crate::verdict::items(&st)
        .into_iter()
        .map(|(k, manual)| result(&k, if manual { Status::Manual } else { Status::Pass }))
        .collect();
    r.progress[c].report = Some(StepReport::new(st.id.clone(), st.title.clone(), checks));
    for (k, manual) in crate::verdict::items(&st) {
        if manual {
            r.progress[c].ticked.insert(k);
        }
    }
    r.last_input = Some(r.form.fingerprint());
    r.go_to(i);
    s
}

/// The step's column as one line of text, so a sentence wrapped over lines can be matched.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.rsplit('│').next().unwrap_or(l).trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Type a ticket into the ticket box and answer the lookup with ticket 42.
fn choose_ticket(s: &mut State, typed: &str) {
    assert_eq!(s.context(), Context::Ticket);
    for c in typed.chars() {
        ch(s, c);
    }
    let fx = key(s, KeyCode::Enter);
    let Some(Effect::FindTicket {
        step,
        generation,
        query,
    }) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(query, typed.to_ascii_uppercase());
    update(
        s,
        Msg::TicketFound {
            step,
            generation,
            result: Ok(ticket::TicketRef {
                id: 42,
                number: Some("T20240101.0042".into()),
                title: Some("Printer offline".into()),
            }),
        },
    );
}

#[test]
fn write_tests_key_applies_only_on_steps_with_write_checks() {
    let mut s = state("topleft-autotask");
    let n = run(&s).wizard.steps.len();
    for i in 0..n {
        run_mut(&mut s).go_to(i);
        let step = run(&s).step().unwrap();
        let writes = step
            .checks
            .iter()
            .any(|c| c.observe.is_some_and(|o| o.is_write()));
        assert_eq!(s.enabled(Action::WriteTests), writes, "step {}", step.id);
    }
    let mut s = state("topleft-connectwise");
    assert!(!s.enabled(Action::WriteTests));
    // Disabled keys do nothing.
    let fx = ch(&mut s, 'w');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.context(), Context::Step);
    assert!(!render(&s, 140, 30).contains("run the write tests"));
}

#[test]
fn write_tests_ask_naming_what_stays_in_the_psa_and_run_once() {
    let mut s = at_write_step();
    assert!(s.enabled(Action::WriteTests));
    assert!(render(&s, 200, 30).contains("w write tests"));
    // w asks for the note's ticket, then asks, naming what is left behind; n sends nothing.
    let fx = ch(&mut s, 'w');
    assert!(fx.is_empty(), "{fx:?}");
    choose_ticket(&mut s, "t20240101.0042");
    assert_eq!(s.context(), Context::Prompt);
    let screen = flat(&render(&s, 120, 40));
    for what in [
        "They write to your PSA",
        "adds a note titled \"psa-onboard setup",
        "to ticket T20240101.0042 (ID 42) \"Printer offline\", the one you chose",
        "does not allow deleting ticket notes",
        "y = run them now, n = cancel",
    ] {
        assert!(screen.contains(what), "{what}: {screen}");
    }
    let fx = ch(&mut s, 'n');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.context(), Context::Step);
    assert!(run(&s).progress[run(&s).current].pending.is_none());
    // w (the chosen ticket filled in again), Enter, then y: one verification with writes
    // allowed, on that ticket.
    ch(&mut s, 'w');
    assert_eq!(
        run(&s).ticket_pick.as_ref().unwrap().input.value(),
        "T20240101.0042"
    );
    for _ in 0.."T20240101.0042".len() {
        key(&mut s, KeyCode::Backspace);
    }
    choose_ticket(&mut s, "42");
    let fx = ch(&mut s, 'y');
    assert_eq!(writes_allowed(&fx), vec![true], "{fx:?}");
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Verify {
                test_ticket: Some(42),
                ..
            }
        )),
        "{fx:?}"
    );
    assert!(render(&s, 120, 40).contains("Running the write tests this once"));
    assert!(!s.enabled(Action::WriteTests), "not while it runs");
    let (step, generation) = verify_effect(&fx);
    let rep = report(&s, step, Status::Pass);
    update(
        &mut s,
        Msg::Verified {
            step,
            generation,
            result: Ok(rep),
        },
    );
    // The consent covered that run only: v is read-only again, and names no ticket.
    let fx = ch(&mut s, 'v');
    assert_eq!(writes_allowed(&fx), vec![false]);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Verify {
            test_ticket: None,
            ..
        }
    )));
}

#[test]
fn the_write_tests_ticket_is_checked_found_or_refused_and_esc_writes_nothing() {
    // Not a ticket number or ID: said so, nothing looked up.
    let mut s = at_write_step();
    ch(&mut s, 'w');
    for c in "printer".chars() {
        ch(&mut s, c);
    }
    let fx = key(&mut s, KeyCode::Enter);
    assert!(fx.is_empty(), "{fx:?}");
    let screen = render(&s, 120, 40);
    assert!(screen.contains("is not a ticket number"), "{screen}");
    // A lookup that finds nothing says why and stays in the box.
    for _ in 0..7 {
        key(&mut s, KeyCode::Backspace);
    }
    for c in "T1".chars() {
        ch(&mut s, c);
    }
    let fx = key(&mut s, KeyCode::Enter);
    let Some(Effect::FindTicket {
        step, generation, ..
    }) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    assert!(render(&s, 120, 40).contains("Looking it up in the PSA"));
    update(
        &mut s,
        Msg::TicketFound {
            step,
            generation,
            result: Err(ServiceError {
                message: "No ticket T1 is visible to the API user.".into(),
                remedy: "Check the number.".into(),
            }),
        },
    );
    assert_eq!(s.context(), Context::Ticket);
    assert!(render(&s, 120, 40).contains("No ticket T1 is visible"));
    // Esc during a lookup: abandoned, nothing written, nothing asked.
    let fx = key(&mut s, KeyCode::Enter);
    let Some(Effect::FindTicket { generation, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let fx = key(&mut s, KeyCode::Esc);
    assert_eq!(fx, vec![Effect::Cancel { generation }]);
    assert_eq!(s.context(), Context::Step);
    assert!(run(&s).test_ticket.is_none());
    // A late answer to the abandoned lookup changes nothing.
    update(
        &mut s,
        Msg::TicketFound {
            step,
            generation,
            result: Ok(ticket::TicketRef {
                id: 1,
                number: None,
                title: None,
            }),
        },
    );
    assert_eq!(s.context(), Context::Step);
    assert!(run(&s).test_ticket.is_none());

    // Before the connection is proven, w does not sign in to look tickets up.
    let mut s = at_write_step();
    run_mut(&mut s).form.set(FieldId::Secret, "changed-since");
    let fx = ch(&mut s, 'w');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.context(), Context::Step);
    let notice = run(&s).notice.clone().unwrap();
    assert!(
        notice.text.contains("verify the connection first"),
        "{notice:?}"
    );
}

#[test]
fn help_lists_the_write_tests_key_only_where_it_applies() {
    let mut s = at_write_step();
    ch(&mut s, '?');
    assert!(render(&s, 120, 50).contains("write tests too"));
    let mut s = state("topleft-autotask");
    ch(&mut s, '?');
    assert!(!render(&s, 120, 50).contains("write tests too"));
}

#[test]
fn write_tests_without_a_connection_point_at_it_instead_of_asking() {
    let mut s = at_write_step();
    run_mut(&mut s).form.set(FieldId::Secret, "");
    let fx = ch(&mut s, 'w');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.context(), Context::Step, "no prompt");
    let notice = run(&s).notice.clone().unwrap();
    assert!(
        notice.text.contains("connection details first"),
        "{notice:?}"
    );
}

/// Issue #11, defect 3: Tasky's "assign levels" step has one check, an observation only a
/// person can judge (the PSA lists security levels; it cannot say which users are Tasky's).
/// Its result is manual: the step is not verified until ticked, then confirmed by you — never
/// "verified" on screen.
#[test]
fn an_observation_only_a_person_can_judge_is_never_called_verified() {
    let mut s = state("tasky-autotask");
    let w = run(&s).wizard.clone();
    let i = w
        .steps
        .iter()
        .position(|st| st.id == "assign-levels")
        .expect("Tasky's assign-levels step");
    let st = &w.steps[i];
    let checks = st
        .checks
        .iter()
        .map(|c| CheckResult {
            detail: "no active non-API resources are visible to the API user".into(),
            ..CheckResult::new(c.id.clone(), c.title.clone(), Status::Manual)
        })
        .collect();
    run_mut(&mut s).go_to(i);
    run_mut(&mut s).progress[i].report =
        Some(StepReport::new(st.id.clone(), st.title.clone(), checks));
    assert_eq!(shown(&s, i), "not_verified");
    let screen = render(&s, 100, 40);
    assert!(!screen.contains("Verified"), "{screen}");
    for item in progress::items(st) {
        run_mut(&mut s).progress[i].ticked.insert(item.key(st));
    }
    assert_eq!(shown(&s, i), "confirmed_by_you");
    let screen = render(&s, 100, 40);
    assert!(screen.contains("Confirmed by you"), "{screen}");
    assert!(!screen.contains("Verified"), "{screen}");
}

/// Apply the current step in the demo and answer for the sandbox.
fn demo_apply(s: &mut State) -> Vec<Effect> {
    let fx = ch(s, 'a');
    let Some(Effect::ApplyInSandbox { step, generation }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(
        s,
        Msg::Applied {
            step,
            generation,
            result: Ok(()),
        },
    )
}

#[test]
fn the_demo_ticks_the_manual_items_it_did_and_says_so() {
    // TopLeft Autotask, step 1: ten checkboxes and settings the API cannot read.
    let mut s = state("topleft-autotask");
    run_mut(&mut s).demo = true;
    let st = run(&s).wizard.steps[0].clone();
    let manual = progress::items(&st)
        .into_iter()
        .filter(|i| i.is_manual(&st))
        .count();
    assert!(manual >= 10, "{manual}");
    assert!(run(&s).next_blocked().is_some(), "unticked at first");
    demo_apply(&mut s);
    let r = run(&s);
    assert!(r.progress[0].all_ticked(&st), "the demo ticked every item");
    assert_eq!(r.demo_ticked.len(), manual);
    assert!(r.next_blocked().is_none(), "n goes on (deferred)");
    let notice = r.notice.clone().unwrap().text;
    assert!(
        notice.contains(&format!("ticked {manual} manual item(s)")),
        "{notice}"
    );
    // The screen says whose confirmation it is, on the selected item.
    let first_manual = progress::items(&st)
        .iter()
        .position(|i| i.is_manual(&st))
        .unwrap();
    run_mut(&mut s).select(first_manual);
    assert!(render(&s, 100, 60).contains("Ticked by the demo"));
    // Unticking by hand takes the demo's mark away.
    ch(&mut s, ' ');
    assert!(!render(&s, 100, 60).contains("Ticked by the demo"));

    // A step with nothing for the API (TopLeft's own setting): done and settled at once.
    run_mut(&mut s).go_to(4);
    let fx = demo_apply(&mut s);
    assert_eq!(fx, vec![Effect::SaveSession], "nothing to verify");
    assert!(run(&s).done(4));
    assert!(run(&s).next_blocked().is_none());

    // Outside the demo nothing is ticked for the admin.
    let mut s = state("topleft-autotask");
    assert!(!s.enabled(Action::Apply));
    assert_eq!(run_mut(&mut s).demo_tick(0), 0);
}

#[test]
fn page_keys_scroll_the_text_and_leave_the_selection() {
    let mut s = state("topleft-autotask");
    run_mut(&mut s).go_to(3);
    // Nothing is known about the geometry before the first frame.
    assert!(!s.enabled(Action::PageDown));
    let top = render(&s, 80, 24);
    assert!(top.contains("PgDn scrolls down"), "{top}");
    assert!(!top.contains("License limits"), "{top}");
    assert!(s.enabled(Action::PageDown), "the text does not fit");
    // A page at a time, with a line of context: the guide's license limits come into view.
    let mut seen = Vec::new();
    for _ in 0..3 {
        key(&mut s, KeyCode::PageDown);
        seen.push(render(&s, 80, 24));
    }
    assert!(
        seen.iter()
            .any(|sc| sc.contains("License limits on impersonation")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|sc| sc.contains("cannot: Manage Service Calls"))
    );
    assert_eq!(run(&s).selected, 0, "the selection stays");
    // Scrolling stops at the end, and comes back a page at a time.
    for _ in 0..50 {
        key(&mut s, KeyCode::PageDown);
    }
    let end = render(&s, 80, 24);
    assert!(
        end.contains("end of this step: PgUp scrolls back up"),
        "{end}"
    );
    let max = run(&s).view.get().max;
    assert_eq!(run(&s).scroll, Some(max));
    key(&mut s, KeyCode::PageUp);
    assert!(run(&s).scroll.unwrap() < max);
    // Moving the selection brings the view back to it.
    key(&mut s, KeyCode::Down);
    assert_eq!(run(&s).scroll, None);
    key(&mut s, KeyCode::End);
    assert_eq!(run(&s).selected, run(&s).items().len() - 1);
    key(&mut s, KeyCode::Home);
    assert_eq!(run(&s).selected, 0);
    // A step that fits has no page keys and no marker.
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(3);
    let screen = render(&s, 120, 50);
    assert!(!screen.contains("scrolls"), "{screen}");
    assert!(!s.enabled(Action::PageDown));
}

#[test]
fn space_off_a_manual_item_selects_the_next_one_to_tick() {
    let mut s = state("topleft-autotask");
    let st = run(&s).wizard.steps[0].clone();
    assert!(
        !progress::items(&st)[0].is_manual(&st),
        "row 1 is API-verified"
    );
    assert!(s.enabled(Action::Tick), "there are items to tick");
    let fx = ch(&mut s, ' ');
    assert!(fx.is_empty(), "nothing ticked: {fx:?}");
    let i = run(&s).selected;
    assert!(progress::items(&st)[i].is_manual(&st));
    assert!(run(&s).progress[0].ticked.is_empty());
    ch(&mut s, ' ');
    assert_eq!(run(&s).progress[0].ticked.len(), 1);
}

/// Keys the step screen's text (not the footer) tells the admin to press.
fn keys_named(body: &str) -> Vec<&'static str> {
    let mut named = Vec::new();
    for b in crate::tui::keys::bindings(Context::Step) {
        for label in b.label.split('/').filter(|l| !l.is_empty()) {
            let said = [
                format!("press {label} "),
                format!("Press {label} "),
                format!(" ({label})"),
                format!("then {label}:"),
                format!("then {label} "),
                format!(" {label} scrolls"),
            ];
            if said.iter().any(|p| body.contains(p.as_str())) {
                named.push(label);
            }
        }
    }
    named
}

/// Every key the screen's hints name is in the footer, as the footer writes it.
fn assert_hints_agree(s: &State, what: &str) {
    let screen = render(s, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let h = crate::tui::ui::footer::height(s, 80) as usize;
    let (body, footer) = (
        rows[..rows.len() - h].join("\n"),
        rows[rows.len() - h..].join("  "),
    );
    // The footer writes paired keys as one ("PgUp/PgDn").
    let in_footer = |k: &str| {
        footer.split("  ").any(|item| {
            let key = item.trim().split(' ').next().unwrap_or("");
            key.split('/').any(|part| part == k)
        })
    };
    // Join wrapped lines of the body's right column so a hint split over two lines is seen.
    let text: String = body
        .lines()
        .map(|l| l.rsplit('│').next().unwrap_or(l).trim())
        .collect::<Vec<_>>()
        .join(" ");
    for k in keys_named(&text) {
        assert!(
            in_footer(k),
            "{what}: the screen names {k:?} but the footer does not show it:\n{screen}"
        );
    }
}

#[test]
fn every_key_a_hint_names_is_in_the_footer_through_each_demo() {
    for id in [
        "topleft-connectwise",
        "topleft-autotask",
        "tasky-autotask",
        "rewst-autotask",
    ] {
        let mut s = state(id);
        update(&mut s, Msg::Resize(80, 24));
        run_mut(&mut s).demo = true;
        match run(&s).wizard.psa {
            Psa::Connectwise => fill_cw(&mut s),
            Psa::Autotask => {
                let r = run_mut(&mut s);
                r.form.set(FieldId::Username, "api@example.com");
                r.form.set(FieldId::Secret, "secret");
                r.form.set(FieldId::TrackingId, "TRACKING");
                r.form
                    .set(FieldId::ApiRoot, "http://127.0.0.1:9/atservicesrest");
            }
        }
        let n = run(&s).wizard.steps.len();
        for i in 0..n {
            // As n and the rail do.
            run_mut(&mut s).notice = None;
            run_mut(&mut s).go_to(i);
            assert_hints_agree(&s, &format!("{id} step {} at first", i + 1));
            // Pressing n too early says why, naming keys.
            ch(&mut s, 'n');
            if run(&s).current == i {
                assert_hints_agree(&s, &format!("{id} step {} blocked", i + 1));
            } else {
                run_mut(&mut s).go_to(i);
            }
            let fx = demo_apply(&mut s);
            assert_hints_agree(&s, &format!("{id} step {} done in the sandbox", i + 1));
            if let Some(Effect::Verify { generation, .. }) =
                fx.iter().find(|e| matches!(e, Effect::Verify { .. }))
            {
                let failed = report(&s, i, Status::Fail);
                update(
                    &mut s,
                    Msg::Verified {
                        step: i,
                        generation: *generation,
                        result: Ok(failed),
                    },
                );
                assert_hints_agree(&s, &format!("{id} step {} failed", i + 1));
            }
            // Whatever happened, the admin can always go on: n, or u.
            assert!(
                s.enabled(Action::Next) || s.enabled(Action::ContinueUnverified),
                "{id} step {}: a dead end",
                i + 1
            );
        }
    }
}

#[test]
fn the_form_says_where_the_tracking_identifier_and_client_id_come_from() {
    // Autotask: the empty tracking identifier says where it comes from, even unfocused.
    let mut s = state("topleft-autotask");
    run_mut(&mut s).go_to(1);
    let screen = render(&s, 120, 60);
    assert!(
        screen.contains("Where it comes from: TopLeft's own identifier"),
        "{screen}"
    );
    // Filled in and not focused: the line goes; focused, it is back.
    run_mut(&mut s).form.set(FieldId::TrackingId, "ABC123");
    assert!(!render(&s, 120, 60).contains("Where it comes from"));
    let r = run_mut(&mut s);
    r.focus_form = true;
    while r.form.focused().id != FieldId::TrackingId {
        r.form.move_focus(true);
    }
    assert!(render(&s, 120, 60).contains("Where it comes from"));

    // ConnectWise: the clientId's source, the vendor's developer registration.
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(2);
    let screen = render(&s, 120, 60);
    assert!(screen.contains("developer.connectwise.com"), "{screen}");
    assert!(screen.contains("TopLeft's own clientId"), "{screen}");
}

fn start_with_sessions() -> State {
    let w = wizard("topleft-connectwise");
    let sessions = ["acme-topleft", "contoso-cw"]
        .iter()
        .map(|id| SessionSummary {
            id: id.to_string(),
            title: w.title.clone(),
            wizard_id: w.id.clone(),
            done: 1,
            total: 5,
            ..SessionSummary::default()
        })
        .collect();
    let wizards = vec![WizardEntry {
        id: w.id.clone(),
        title: w.title.clone(),
        psa: w.psa,
        vendor: w.vendor.clone(),
        source: "built-in".into(),
        sources: w.sources.clone(),
    }];
    State::new(
        Screen::Start(StartScreen {
            sessions,
            wizards,
            ..StartScreen::default()
        }),
        false,
    )
}

fn start(s: &State) -> &StartScreen {
    match &s.screen {
        Screen::Start(x) => x,
        _ => panic!("not the start screen"),
    }
}

#[test]
fn a_session_is_renamed_from_the_start_screen() {
    let mut s = start_with_sessions();
    key(&mut s, KeyCode::Down);
    assert!(s.enabled(Action::Rename));
    ch(&mut s, 'r');
    assert_eq!(s.context(), Context::StartRename);
    // The old name is there to edit: clear it and type a bad one, then a good one.
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in "Contoso CW".chars() {
        ch(&mut s, c);
    }
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(
        start(&s)
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("invalid session name")
    );
    for _ in 0.."Contoso CW".len() {
        key(&mut s, KeyCode::Backspace);
    }
    for c in "contoso-msp".chars() {
        ch(&mut s, c);
    }
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(
        fx,
        vec![Effect::Rename {
            from: "contoso-cw".into(),
            to: "contoso-msp".into()
        }]
    );
    assert_eq!(s.context(), Context::Start);
    update(
        &mut s,
        Msg::Renamed(Ok(("contoso-cw".into(), "contoso-msp".into()))),
    );
    assert_eq!(start(&s).sessions[1].id, "contoso-msp");
    assert!(render(&s, 80, 24).contains("Renamed contoso-cw to contoso-msp."));
    // Enter resumes it under its new name.
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Effect::Resume("contoso-msp".into())]
    );
    // A wizard row has nothing to rename; Esc leaves a rename unchanged.
    key(&mut s, KeyCode::Down);
    assert!(!s.enabled(Action::Rename));
    assert!(ch(&mut s, 'r').is_empty());
    assert!(start(&s).rename.is_none());
    key(&mut s, KeyCode::Up);
    ch(&mut s, 'r');
    ch(&mut s, 'x');
    key(&mut s, KeyCode::Esc);
    assert!(start(&s).rename.is_none());
    assert_eq!(start(&s).sessions[1].id, "contoso-msp");
}

#[test]
fn the_start_screen_help_lists_only_its_keys() {
    let mut s = start_with_sessions();
    ch(&mut s, '?');
    let screen = render(&s, 80, 24);
    let out: String = screen
        .lines()
        .skip_while(|l| !l.contains("┌ Keys"))
        .take_while(|l| !l.contains('└'))
        .collect::<Vec<_>>()
        .join("\n");
    for want in ["/ ", "r ", "o ", "↑↓ k j", "Enter", "q Ctrl+C", "wheel"] {
        assert!(out.contains(want), "{want:?} missing:\n{out}");
    }
    for unwanted in ["Verify", "verify", "Click a step", "Hand-off", "resume`"] {
        assert!(!out.contains(unwanted), "{unwanted:?} listed:\n{out}");
    }
}

/// Resuming at the credentials step without the secret (it never is in the session file): the
/// cursor is on the first missing field and the screen says what is missing.
#[test]
fn resume_puts_the_cursor_on_the_first_missing_field_and_names_it() {
    let open = |at: usize| {
        let w = wizard("topleft-connectwise");
        let mut run = Run::new(w.clone(), "acme-cw".into(), w.id.clone(), "h".into());
        run.form.set(FieldId::Site, "cw.example.com");
        run.form.set(FieldId::CompanyId, "acme");
        run.form.set(FieldId::PublicKey, "pubkey");
        run.current = at;
        run.resumed = true;
        let mut s = State::new(Screen::Loading(String::new()), false);
        update(&mut s, Msg::Opened(Ok(Box::new(run))));
        s
    };
    let s = open(2);
    let r = run(&s);
    assert!(r.focus_form);
    assert_eq!(r.form.focused().id, FieldId::PrivateKey);
    let notice = &r.notice.as_ref().unwrap().text;
    assert!(
        notice.contains("Still needed to go on: Private key, clientId."),
        "{notice}"
    );
    // Further on, the step says how to get to the form, and e puts the cursor there.
    let mut s = open(3);
    let notice = run(&s).notice.as_ref().unwrap().text.clone();
    assert!(
        notice.contains("The connection still needs: Private key, clientId")
            && notice.contains("Press e"),
        "{notice}"
    );
    ch(&mut s, 'e');
    assert_eq!(run(&s).form.focused().id, FieldId::PrivateKey);
}
