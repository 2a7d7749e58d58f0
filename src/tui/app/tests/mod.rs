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

/// A run of the built-in wizard `id`, opened as the TUI opens one.
pub(crate) fn state(id: &str) -> State {
    let w = wizard(id);
    let run = Run::new(w.clone(), "s".into(), w.id.clone(), "h".into());
    let mut s = State::new(Screen::Loading(String::new()), false);
    let fx = update(&mut s, Msg::Opened(Ok(Box::new(run))));
    assert_eq!(fx, vec![saved(&s)]);
    s
}

/// The ConnectWise connection typed in (to loopback).
pub(crate) fn fill_cw(s: &mut State) {
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
/// An Autotask connection typed in (to a loopback port nothing answers on), with `secret`.
fn fill_at(s: &mut State, secret: &str) {
    let r = run_mut(s);
    r.form.set(FieldId::Username, "api@acme.example");
    r.form.set(FieldId::Secret, secret);
    r.form.set(FieldId::TrackingId, "TRACK-1");
    r.form
        .set(FieldId::ApiRoot, "http://127.0.0.1:9/atservicesrest");
}

fn to_conn_step(s: &mut State) {
    ch(s, 'n');
    assert_eq!(run(s).rail_position(), 1);
    ch(s, 'n');
    assert_eq!(
        run(s).rail_position(),
        1,
        "the manual item is not ticked yet"
    );
    for _ in 0..6 {
        key(s, KeyCode::Down);
    }
    ch(s, ' ');
    ch(s, 'n');
    assert_eq!(run(s).rail_position(), 2);
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

/// The save `update` asks for with the run as it now stands.
fn saved(s: &State) -> Effect {
    Effect::SaveSession(Box::new(crate::tui::store::snapshot(run(s))))
}

/// What each effect copied (field and value); any other effect fails the test.
fn copied(fx: Vec<Effect>) -> Vec<(FieldId, String)> {
    use secrecy::ExposeSecret;
    fx.into_iter()
        .map(|e| match e {
            Effect::Copy(f, v) => (f, v.0.expose_secret().to_string()),
            other => panic!("not a copy: {other:?}"),
        })
        .collect()
}

/// Answer the verification `fx` started with a report of `status` for its step.
fn answer(s: &mut State, fx: &[Effect], status: Status) -> Vec<Effect> {
    let (step, generation) = verify_effect(fx);
    let rep = report(s, step, status);
    update(
        s,
        Msg::Verified {
            step,
            generation,
            result: Ok(rep),
        },
    )
}

/// The sandbox did step `step` for run `generation`.
fn applied(s: &mut State, step: usize, generation: u64) -> Vec<Effect> {
    update(
        s,
        Msg::Applied {
            step,
            generation,
            result: Ok(()),
        },
    )
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

mod demo;
mod handoff;
mod hints;
mod refused;
mod start;
mod steps;
mod writes;
