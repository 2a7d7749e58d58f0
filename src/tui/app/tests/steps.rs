//! Stepping through a run: verifying, moving on, ticking, results as they land.

use super::*;

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
        run(&s).form_focused(),
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
    assert!(run(&s).form_focused());
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in "1a2b3c4d-0000-4000-8000-00000000abcd".chars() {
        ch(&mut s, c);
    }
    let fx = key(&mut s, KeyCode::Enter);
    assert!(!run(&s).form_focused());
    assert!(fx.contains(&saved(&s)));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::StoreSecret {
            field: FieldId::PrivateKey,
            session,
            secret,
        } if session == "s" && secrecy::ExposeSecret::expose_secret(&secret.0) == "priv"
    )));
    assert_eq!(verify_effect(&fx).0, 2);
}

/// topleft-connectwise with the connection typed in, its first step verifying: the state and
/// the verification's step and generation.
fn verifying_cw() -> (State, (usize, u64)) {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    let started = verify_effect(&ch(&mut s, 'v'));
    (s, started)
}

#[test]
fn stale_results_are_dropped_by_generation() {
    let (mut s, (step, g1)) = verifying_cw();
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
    assert!(fx.contains(&saved(&s)));
    assert_eq!(shown(&s, 0), "verified");
}

#[test]
fn next_is_blocked_until_the_step_verifies() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    to_conn_step(&mut s);
    let fx = ch(&mut s, 'n');
    assert!(fx.is_empty());
    assert_eq!(run(&s).rail_position(), 2, "blocked before verification");
    assert!(!s.enabled(Action::Next));
    let fx = ch(&mut s, 'v');
    // Blocked while verifying, too.
    ch(&mut s, 'n');
    assert_eq!(run(&s).rail_position(), 2);
    answer(&mut s, &fx, Status::Fail);
    assert_eq!(shown(&s, 2), "not_verified");
    ch(&mut s, 'n');
    assert_eq!(run(&s).rail_position(), 2, "blocked after a failure");
    assert!(
        run(&s)
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("verify again")
    );
    let fx = ch(&mut s, 'v');
    let fx = answer(&mut s, &fx, Status::Pass);
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
    assert_eq!(run(&s).rail_position(), 3);
}

#[test]
fn continue_unverified_is_confirmed_and_recorded() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    to_conn_step(&mut s);
    ch(&mut s, 'u');
    assert_eq!(s.context(), Context::Confirm);
    assert_eq!(run(&s).rail_position(), 2);
    // "n" at the prompt means no.
    ch(&mut s, 'n');
    assert_eq!(run(&s).rail_position(), 2);
    ch(&mut s, 'u');
    let fx = ch(&mut s, 'y');
    assert_eq!(fx, vec![saved(&s)]);
    assert_eq!(run(&s).rail_position(), 3);
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
    assert_eq!(fx, vec![saved(&s)]);
    // A ticked manual item is confirmed by the admin, never "verified".
    assert_eq!(shown(&s, 3), "confirmed_by_you");
    ch(&mut s, 'n');
    assert_eq!(run(&s).rail_position(), 4);
}

#[test]
fn optional_steps_can_be_skipped() {
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(3);
    assert!(s.enabled(Action::Skip));
    ch(&mut s, 's');
    assert_eq!(shown(&s, 3), "skipped_optional");
    assert_eq!(run(&s).rail_position(), 4);
}

#[test]
fn secrets_are_masked_unless_revealed() {
    let mut s = state("topleft-connectwise");
    fill_cw(&mut s);
    run_mut(&mut s).go_to(2);
    ch(&mut s, 'e');
    assert!(run(&s).form_focused());
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
    assert_eq!(run(&s).rail_position(), 0, "step 3 is not reachable yet");
    assert!(run(&s).notice.as_ref().unwrap().error);
    to_conn_step(&mut s);
    update(&mut s, click(3));
    assert_eq!(run(&s).rail_position(), 0);
    update(&mut s, click(5));
    assert_eq!(run(&s).rail_position(), 1);
    update(&mut s, click(4));
    assert_eq!(
        run(&s).rail_position(),
        0,
        "a title's second line is the same step"
    );
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
            Some(Effect::ApplyInSandbox {
                step, generation, ..
            }) => (*step, *generation),
            _ => panic!("{fx:?}"),
        }
    };
    // Before the credentials exist, doing a step does not verify it (it could only fail).
    let (step, generation) = apply(&mut s);
    let fx = applied(&mut s, step, generation);
    assert_eq!(fx, vec![saved(&s)]);
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
    let fx = applied(&mut s, step, generation);
    assert_eq!(verify_effect(&fx).0, 0);
}

#[test]
fn quitting_cancels_and_saves() {
    let (mut s, (_, g)) = verifying_cw();
    let fx = ch(&mut s, 'q');
    assert_eq!(
        fx,
        vec![Effect::Cancel { generation: g }, saved(&s), Effect::Quit]
    );
}

#[test]
fn permission_results_fill_rows_as_they_arrive() {
    let (mut s, (step, g)) = verifying_cw();
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
    let (mut s, (step, g)) = verifying_cw();
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
