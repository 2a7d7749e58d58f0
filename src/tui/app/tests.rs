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
        id: id.into(),
        title: id.into(),
        status,
        detail: String::new(),
        remedy: if status == Status::Fail {
            "Fix it.".into()
        } else {
            String::new()
        },
        permission: None,
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
            Effect::Verify { step, generation } => Some((*step, *generation)),
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
    assert_eq!(run(&s).progress[0].state, StepState::Deferred);
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
            result: result("no-excess", Status::Fail),
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
    assert_eq!(run(&s).progress[0].state, StepState::Todo);
    // The current generation's results land.
    update(
        &mut s,
        Msg::Check {
            step,
            generation: g2,
            result: result("no-excess", Status::Pass),
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
    assert_eq!(run(&s).progress[0].state, StepState::Verified);
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
    assert_eq!(run(&s).progress[2].state, StepState::Failed);
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
    assert_eq!(run(&s).progress[2].state, StepState::Unverified);
    let saved = crate::tui::store::snapshot(run(&s));
    assert_eq!(saved.steps[2].state, StepState::Unverified);
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
    assert_eq!(run(&s).progress[3].state, StepState::Verified);
    ch(&mut s, 'n');
    assert_eq!(run(&s).current, 4);
}

#[test]
fn optional_steps_can_be_skipped() {
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(3);
    assert!(s.enabled(Action::Skip));
    ch(&mut s, 's');
    assert_eq!(run(&s).progress[3].state, StepState::Skipped);
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
    // Rail: header row 0, rail title row 1, blank row 2, step 1 on row 3.
    update(&mut s, click(5));
    assert_eq!(run(&s).current, 0, "step 3 is not reachable yet");
    assert!(run(&s).notice.as_ref().unwrap().error);
    to_conn_step(&mut s);
    update(&mut s, click(3));
    assert_eq!(run(&s).current, 0);
    update(&mut s, click(4));
    assert_eq!(run(&s).current, 1);
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
    assert!(run(&s).notice.as_ref().unwrap().text.contains("press n"));
    assert!(run(&s).next_blocked().is_none());
    // Once they do, doing it verifies it.
    run_mut(&mut s).progress[2].state = StepState::Verified;
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
            result: res,
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
