//! The credential hand-off step.

use super::*;

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
    assert_eq!(
        copied(ch(&mut s, 'c')),
        vec![(FieldId::Site, "127.0.0.1".into())]
    );
    key(&mut s, KeyCode::Tab);
    assert_eq!(
        copied(ch(&mut s, 'c')),
        vec![(FieldId::CompanyId, "acme".into())]
    );
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
    assert_eq!(
        copied(ch(&mut s, 'c')),
        vec![(FieldId::PrivateKey, "s3cret-private".into())]
    );
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
    run_mut(&mut s).handoff.endpoint = Some("https://vendor.example/submit".into());
    run_mut(&mut s).handoff.endpoint_is_demo = false;
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
        [
            Effect::Submit {
                step, generation, ..
            },
        ] => (*step, *generation),
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
    assert_eq!(fx, vec![saved(&s)]);
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
