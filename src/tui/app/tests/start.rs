//! The start screen.

use super::*;

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
    assert!(!matches!(start(&s).modal, Some(Modal::Rename { .. })));
    key(&mut s, KeyCode::Up);
    ch(&mut s, 'r');
    ch(&mut s, 'x');
    key(&mut s, KeyCode::Esc);
    assert!(!matches!(start(&s).modal, Some(Modal::Rename { .. })));
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
        run.view = View::at(at, w.steps.len());
        run.origin.resumed = true;
        let mut s = State::new(Screen::Loading(String::new()), false);
        update(&mut s, Msg::Opened(Ok(Box::new(run))));
        s
    };
    let s = open(2);
    let r = run(&s);
    assert!(r.form_focused());
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

/// Enter pressed twice before the first session is open: the second press must not open it
/// again (the second open would take the first one's place in the services, letting go of its
/// session lock while its run is on screen). The start screen says it is busy meanwhile.
#[test]
fn a_second_start_while_one_is_opening_is_ignored_and_the_screen_says_it_is_busy() {
    let mut s = start_with_sessions();
    let first = key(&mut s, KeyCode::Enter);
    assert_eq!(first, vec![Effect::Resume("acme-topleft".into())]);
    assert!(s.is_pending(), "the spinner runs while it opens");
    // Again, on the same row and on another: nothing more opens.
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "opened twice");
    key(&mut s, KeyCode::Down);
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "a second session opened"
    );
    assert!(ch(&mut s, 'o').is_empty() && start(&s).modal.is_none());
    assert!(!s.enabled(Action::Open) && !s.enabled(Action::Rename));
    let screen = render(&s, 80, 24);
    assert!(screen.contains("Opening acme-topleft"), "{screen}");
    assert!(!screen.contains("Enter open"), "{screen}");
    // It failed: the screen says why, and another start may be tried.
    update(
        &mut s,
        Msg::Opened(Err(ServiceError {
            message: "locked".into(),
            remedy: "close the other one".into(),
        })),
    );
    assert!(!s.is_pending());
    assert!(start(&s).error.is_some());
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Effect::Resume("contoso-cw".into())]
    );
}
