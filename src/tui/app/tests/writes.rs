//! Write tests and the ticket they write to.

use super::*;

fn writes_allowed(fx: &[Effect]) -> Vec<bool> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Verify { job, .. } => Some(job.allow_writes),
            _ => None,
        })
        .collect()
}

/// topleft-autotask with a connection typed in, at the step whose check writes a ticket note
/// as an impersonated resource.
fn at_write_step() -> State {
    let mut s = state("topleft-autotask");
    fill_at(&mut s, "a-secret");
    let r = run_mut(&mut s);
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
    r.requests.last_input = Some(r.form.fingerprint());
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
        ..
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
    assert!(run(&s).progress[run(&s).rail_position()].pending.is_none());
    // w (the chosen ticket filled in again), Enter, then y: one verification with writes
    // allowed, on that ticket.
    ch(&mut s, 'w');
    assert_eq!(
        run(&s).ticket_pick().unwrap().input.value(),
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
            Effect::Verify { job, .. } if job.test_ticket == Some(42)
        )),
        "{fx:?}"
    );
    assert!(render(&s, 120, 40).contains("Running the write tests this once"));
    assert!(!s.enabled(Action::WriteTests), "not while it runs");
    answer(&mut s, &fx, Status::Pass);
    // The consent covered that run only: v is read-only again, and names no ticket.
    let fx = ch(&mut s, 'v');
    assert_eq!(writes_allowed(&fx), vec![false]);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Verify { job, .. } if job.test_ticket.is_none()
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
    assert!(run(&s).requests.test_ticket.is_none());
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
    assert!(run(&s).requests.test_ticket.is_none());

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
