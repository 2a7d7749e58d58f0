//! The loop: terminal events and effect results on one `select!`; draw only when something
//! changed, and tick the spinner only while work is pending (no timer when idle).

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;

use secrecy::ExposeSecret;

use super::app::{Effect, Msg, State, update};
use super::effects::{Flow, Runner};
use super::ui;

/// The spinner's frame interval.
pub const TICK: Duration = Duration::from_millis(100);

/// Turn a terminal event into a message (`None`: nothing to do).
pub fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// Run until the app quits. Returns the final state (for the final save).
pub async fn run<B: Backend + std::io::Write>(
    terminal: &mut Terminal<B>,
    mut state: State,
    runner: &mut Runner,
    mut rx: UnboundedReceiver<Msg>,
) -> std::io::Result<State>
where
    B::Error: Into<std::io::Error>,
{
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut first_frame = true;
    if let Ok(size) = terminal.size() {
        state.size = (size.width, size.height);
    }
    loop {
        if dirty {
            terminal
                .draw(|f| ui::render(&state, f))
                .map_err(Into::into)?;
            dirty = false;
            if first_frame {
                first_frame = false;
                // Lets tests prove the terminal is restored after a panic.
                if std::env::var_os("PSA_ONBOARD_TEST_PANIC").is_some_and(|v| v == "1") {
                    panic!("PSA_ONBOARD_TEST_PANIC is set: panicking after the first frame");
                }
            }
        }
        let pending = state.is_pending();
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => to_msg(ev),
                Some(Err(e)) => return Err(e),
                None => return Ok(state),
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = ticker.tick(), if pending => Some(Msg::Tick),
        };
        let Some(msg) = msg else { continue };
        if let Msg::Resize(..) = msg {
            terminal.autoresize().map_err(Into::into)?;
        }
        let effects = update(&mut state, msg);
        dirty = true;
        for e in effects {
            if let Effect::Copy(_, value) = &e {
                copy(terminal, value.0.expose_secret());
            }
            if runner.run(e) == Flow::Quit {
                return Ok(state);
            }
        }
    }
}

/// Put a value on the clipboard: OSC 52 through the terminal's own writer (so it works over
/// SSH). The value is never logged.
fn copy<B: Backend + std::io::Write>(terminal: &mut Terminal<B>, value: &str) {
    let seq = crate::handoff::osc52(value.trim());
    let out = terminal.backend_mut();
    let _ = out.write_all(seq.as_bytes());
    let _ = std::io::Write::flush(out);
}
