//! Refused credentials: forgotten only when the input changed, retried only when asked.

use super::*;

fn forgets(fx: &[Effect]) -> bool {
    fx.contains(&Effect::ForgetRefused)
}

/// Verify the current step and answer it with a failure (as a refused sign-in would).
fn verify_and_fail(s: &mut State) -> Vec<Effect> {
    let fx = ch(s, 'v');
    answer(s, &fx, Status::Fail);
    fx
}

#[test]
fn refused_credentials_are_forgotten_only_when_the_input_changed() {
    let mut s = state("topleft-autotask");
    fill_at(&mut s, "wrong-secret");
    run_mut(&mut s).go_to(1);
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
    fill_at(&mut s, "wrong-secret");
    run_mut(&mut s).go_to(1);
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
    answer(&mut s, &fx, Status::Fail);
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
    let Some(Effect::ApplyInSandbox {
        step, generation, ..
    }) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    let fx = applied(&mut s, step, generation);
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
