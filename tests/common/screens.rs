//! TUI state for screen tests and the render bench: a built-in wizard opened as a run, its
//! ConnectWise form filled in, keys pressed and verifications answered without a PSA.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use psa_onboard::tui::app::{self, FieldId, Msg, Run, Screen, State};
use psa_onboard::verify::{CheckResult, StepReport};

use super::wizards;

/// The private key `fill_cw` types: it may reach the screen only once revealed.
pub const PRIVATE_KEY: &str = "never-on-screen-42";

/// The state with built-in wizard `id` open at its first step.
pub fn running(id: &str) -> State {
    let w = Arc::new(wizards::wizard(id));
    let run = Run::new(w.clone(), "topleft-demo-1".into(), w.id.clone(), "h".into());
    let mut s = State::new(Screen::Loading(String::new()), false);
    app::update(&mut s, Msg::Opened(Ok(Box::new(run))));
    s
}

pub fn run_mut(s: &mut State) -> &mut Run {
    match &mut s.screen {
        Screen::Run(r) => r,
        _ => panic!("not running"),
    }
}

/// A ConnectWise connection typed into the form.
pub fn fill_cw(s: &mut State) {
    let r = run_mut(s);
    r.form.set(FieldId::Site, "na.myconnectwise.net");
    r.form.set(FieldId::CompanyId, "acme");
    r.form.set(FieldId::PublicKey, "Xk2pQ7aLm3Rt9Vb1");
    r.form.set(FieldId::PrivateKey, PRIVATE_KEY);
    r.form
        .set(FieldId::ClientId, "1a2b3c4d-0000-4000-8000-00000000abcd");
}

pub fn key(s: &mut State, code: KeyCode) -> Vec<app::Effect> {
    app::update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Type `text`, a key a character.
pub fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

/// Press v: the step and generation of the verification it starts.
pub fn start_verify(s: &mut State) -> (usize, u64) {
    let fx = key(s, KeyCode::Char('v'));
    fx.iter()
        .find_map(|e| match e {
            app::Effect::Verify {
                step, generation, ..
            } => Some((*step, *generation)),
            _ => None,
        })
        .expect("verification starts")
}

/// Press v and answer the verification with `results`.
pub fn verified(s: &mut State, results: Vec<CheckResult>) {
    let (step, generation) = start_verify(s);
    let st = &s.run().expect("a run").wizard.steps[step];
    let report = StepReport::new(st.id.clone(), st.title.clone(), results);
    app::update(
        s,
        Msg::Verified {
            step,
            generation,
            result: Ok(report),
        },
    );
}
