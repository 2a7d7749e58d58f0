//! Entering and leaving the terminal. The terminal is restored on every exit: normal, error
//! and panic (the hook runs before color-eyre's report is printed).

use std::cell::Cell;
use std::io::stdout;
use std::panic::AssertUnwindSafe;
use std::task::Poll;

use crossterm::cursor::Show;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Raw mode, alternate screen, mouse and bracketed paste. Call after `color_eyre::install()`.
pub fn init() -> std::io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    // ratatui's hook leaves raw mode and the alternate screen; ours also releases the mouse
    // and shows the cursor, then hands over to the previous hooks.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic that `caught` turns into a message leaves the TUI running: restoring the
        // terminal or printing over the screen now would break it.
        if CAUGHT.get() {
            tracing::error!("caught a panic, reported on screen: {info}");
            return;
        }
        release();
        previous(info);
    }));
    if let Err(e) = execute!(stdout(), EnableMouseCapture, EnableBracketedPaste) {
        restore();
        return Err(e);
    }
    Ok(terminal)
}

fn release() {
    let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture, Show);
}

/// Leave the terminal as we found it.
pub fn restore() {
    release();
    ratatui::restore();
    let _ = execute!(stdout(), Show);
}

thread_local! {
    /// Set while a future run through [`caught`] is being polled on this thread.
    static CAUGHT: Cell<bool> = const { Cell::new(false) };
}

/// Polls `fut`, turning a panic into `Err` that the TUI reports as a message. While it is
/// polled, the panic hook leaves the terminal alone and logs the panic instead of printing it.
pub async fn caught<F: Future>(fut: F) -> std::thread::Result<F::Output> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        let was = CAUGHT.replace(true);
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)));
        CAUGHT.set(was);
        match polled {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_caught_panic_is_an_error_and_the_mark_is_cleared() {
        let r = caught(async {
            tokio::task::yield_now().await;
            assert!(CAUGHT.get(), "marked while polled");
            panic!("boom");
        })
        .await;
        let payload = r.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        assert!(!CAUGHT.get(), "cleared after");
        assert_eq!(caught(async { 7 }).await.unwrap(), 7);
    }
}
