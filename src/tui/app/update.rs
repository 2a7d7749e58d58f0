//! `update`: the one place state changes.

use super::input::{on_key, on_mouse, type_in};
use super::run::refused_before;
use super::*;

/// The one place state changes.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key, &mut effects),
        Msg::Key(_) => {}
        Msg::Mouse(m) => on_mouse(state, m),
        Msg::Paste(text) => {
            for c in text.chars().filter(|c| !c.is_control()) {
                type_in(state, InputRequest::InsertChar(c));
            }
        }
        Msg::Resize(w, h) => state.size = (w, h),
        Msg::Tick => {
            if state.is_pending() {
                state.spinner = state.spinner.wrapping_add(1);
                if let Screen::Run(r) = &mut state.screen {
                    r.progress.iter_mut().for_each(Progress::tick);
                }
            }
        }
        Msg::Request {
            step,
            generation,
            event,
        } => {
            if let Some(r) = awaiting(state, step, generation) {
                r.progress[step].on_request(event);
            }
        }
        Msg::Opened(Ok(run)) => {
            let mut run = run;
            if let Some(i) = run.current() {
                run.go_to(i);
            }
            if run.origin.resumed {
                run.say_what_is_missing();
            }
            state.screen = Screen::Run(run);
            effects.push(Effect::save());
            say_keyring_notice(state);
        }
        Msg::Keyring(view) => {
            state.keyring = Some(view);
            say_keyring_notice(state);
        }
        Msg::Opened(Err(e)) => {
            let mut start =
                match std::mem::replace(&mut state.screen, Screen::Loading(String::new())) {
                    Screen::Start(s) => s,
                    _ => StartScreen::default(),
                };
            start.error = Some(e);
            start.opening = None;
            state.screen = Screen::Start(start);
        }
        Msg::Check {
            step,
            generation,
            result,
        } => {
            if let Some(r) = awaiting(state, step, generation) {
                let p = &mut r.progress[step];
                p.results.push(*result);
                p.quiet = 0;
            }
        }
        Msg::Verified {
            step,
            generation,
            result,
        } => {
            if let Some(r) = awaiting(state, step, generation) {
                let wizard = r.wizard.clone();
                let s = &wizard.steps[step];
                let p = &mut r.progress[step];
                p.pending = None;
                p.start_watch();
                match result {
                    Ok(report) => {
                        p.results = report.checks.clone();
                        // Keep the proof this run replaces: if it could not observe the step,
                        // the step reads "not re-verified since" that proof.
                        if let Some(old) = p.report.take() {
                            let old_verdict = Progress {
                                report: Some(old.clone()),
                                ..p.clone()
                            }
                            .verdict(s);
                            if old_verdict.is_observed()
                                && let Some(at) = old_verdict.at()
                            {
                                p.earlier = Some((old, at));
                            }
                        }
                        p.report = Some(report);
                        p.report_at = None;
                        p.error = None;
                        p.deferred = false;
                        if p.results.iter().any(refused_before) {
                            let lockout = r.wizard.psa.profile().lockout;
                            r.notice = Some(Notice {
                                text: format!(
                                    "These exact credentials were refused before and were not resent{}. Fix them and press {}, or press {} to try the same ones again.",
                                    lockout
                                        .map(|l| format!(" ({})", l.accounts))
                                        .unwrap_or_default(),
                                    r.key(Action::EditConnection),
                                    r.key(Action::RetrySame)
                                ),
                                error: true,
                            });
                        }
                        // Bring the first problem into view on the step being looked at: a
                        // failure, else a warning (the status points at the ⚠ rows).
                        if r.current() == Some(step) && !r.form_focused() {
                            let psa = wizard.psa;
                            let p = &r.progress[step];
                            let items = progress::items(s);
                            let first = |want: crate::verify::Status| {
                                items.iter().position(|i| {
                                    matches!(p.live(s, psa, *i), Live::Done(st, _) if st == want)
                                })
                            };
                            if let Some(i) = first(crate::verify::Status::Fail)
                                .or_else(|| first(crate::verify::Status::Warn))
                            {
                                r.select(i);
                            }
                        }
                    }
                    Err(e) => {
                        p.error = Some(e);
                    }
                }
                // In the demo, what the sandbox did for a step includes what its checks can
                // only show a person (e.g. which levels resources use): tick those as the demo's.
                if r.demo && r.progress[step].applied {
                    r.demo_tick(step);
                }
                if step == r.conn_step {
                    r.verify_deferred(&mut effects);
                }
                effects.push(Effect::save());
            }
        }
        Msg::Applied {
            step,
            generation,
            result,
        } => {
            if let Some(r) = awaiting(state, step, generation) {
                r.progress[step].pending = None;
                match result {
                    Ok(()) => {
                        r.progress[step].applied = true;
                        // The sandbox changed the account: what it refused may work now.
                        r.requests.forget_refused = true;
                        let ticked = r.demo_tick(step);
                        let also = if ticked > 0 {
                            format!(
                                " The demo ticked {ticked} manual item(s) for you (in your PSA, you tick each yourself)."
                            )
                        } else {
                            String::new()
                        };
                        let needs_api = progress::needs_api(&r.wizard.steps[step]);
                        if !needs_api {
                            // Nothing to verify through the API: the demo did the clicks.
                            r.notice = Some(Notice {
                                text: format!(
                                    "Done in the sandbox.{also} Press {} to go on.",
                                    r.key(Action::Next)
                                ),
                                error: false,
                            });
                        } else if step < r.conn_step && !r.done(r.conn_step) {
                            // The integration's credentials do not exist yet: verifying now
                            // could only fail on them.
                            r.notice = Some(Notice {
                                text: format!(
                                    "Done in the sandbox.{also} It is verified once step {} creates the credentials.",
                                    r.conn_step + 1,
                                ),
                                error: false,
                            });
                        } else {
                            r.start_verify(step, &mut effects);
                            // After start_verify, which clears notices: what the demo did stays
                            // on screen while and after it is verified (unless verifying could
                            // not start: that notice says why).
                            if r.progress[step].pending.is_some() {
                                r.notice = Some(Notice {
                                    text: format!(
                                        "Done in the sandbox, as you would in the PSA.{also} Verifying it against the sandbox."
                                    ),
                                    error: false,
                                });
                            }
                        }
                    }
                    Err(e) => r.progress[step].error = Some(e),
                }
                effects.push(Effect::save());
            }
        }
        Msg::Submitted {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen {
                handoff::on_submitted(r, step, generation, result, &mut effects);
            }
        }
        Msg::TicketFound {
            step,
            generation,
            result,
        } => {
            if let Screen::Run(r) = &mut state.screen {
                ticket::on_found(r, step, generation, result);
            }
        }
        Msg::Renamed(result) => {
            if let Screen::Start(s) = &mut state.screen {
                match result {
                    Ok((from, to)) => {
                        for x in s.sessions.iter_mut().filter(|x| x.id == from) {
                            x.id = to.clone();
                        }
                        s.error = None;
                        s.notice = Some(format!("Renamed {from} to {to}."));
                    }
                    Err(e) => s.error = Some(e),
                }
            }
        }
        Msg::UrlNotOpened { url, why } => {
            if let Screen::Run(r) = &mut state.screen {
                r.notice = Some(Notice {
                    text: format!(
                        "Could not open a browser ({why}). Open this address yourself: {url}"
                    ),
                    error: true,
                });
            }
        }
        Msg::SecretStored(Ok(())) => {
            if let Screen::Run(r) = &mut state.screen {
                r.secrets.in_keyring = true;
            }
        }
        Msg::SecretStored(Err(e)) => {
            // A keyring that is not there is said once (the probe's notice or the first failed
            // store), not after every verification.
            let text = format!("{} {}", e.message, e.remedy).trim().to_string();
            if state.keyring_said.as_deref() != Some(text.as_str())
                && let Screen::Run(r) = &mut state.screen
            {
                r.notice = Some(Notice {
                    text: text.clone(),
                    error: true,
                });
                state.keyring_said = Some(text);
            }
        }
        Msg::Saved(result) => {
            if let (Err(e), Screen::Run(r)) = (result, &mut state.screen) {
                r.notice = Some(Notice {
                    text: format!("{} {}", e.message, e.remedy),
                    error: true,
                });
            }
        }
    }
    seal_saves(state, &mut effects);
    effects
}

/// The run, when step `step`'s work in flight is the one `generation` names (the answer to an
/// older one, cancelled or replaced, is dropped).
fn awaiting(state: &mut State, step: usize, generation: u64) -> Option<&mut Run> {
    match &mut state.screen {
        Screen::Run(r)
            if r.progress
                .get(step)
                .is_some_and(|p| p.pending.is_some_and(|x| x.generation == generation)) =>
        {
            Some(&mut **r)
        }
        _ => None,
    }
}

/// Fill each save with the run as this message left it (see [`Effect::save`]).
fn seal_saves(state: &State, effects: &mut [Effect]) {
    let Some(run) = state.run() else {
        return;
    };
    let mut snapshot = None;
    for e in effects {
        if let Effect::SaveSession(s) = e {
            **s = snapshot
                .get_or_insert_with(|| crate::tui::store::snapshot(run))
                .clone();
        }
    }
}

/// Show the keyring probe's line on the run's screen, once per process (not in the demo, which
/// keeps no secrets). Waits for both the probe's answer and an open run.
pub(super) fn say_keyring_notice(state: &mut State) {
    let Some(notice) = state.keyring.as_ref().and_then(|k| k.notice.clone()) else {
        return;
    };
    if state.keyring_said.is_some() {
        return;
    }
    let Screen::Run(r) = &mut state.screen else {
        return;
    };
    if r.demo {
        return;
    }
    state.keyring_said = Some(notice.text.clone());
    r.notice = Some(match r.notice.take() {
        // Keep what was already there (a changed wizard, say) and add the keyring's line.
        Some(old) => Notice {
            text: format!("{} {}", old.text, notice.text),
            error: old.error || notice.error,
        },
        None => notice,
    });
}
