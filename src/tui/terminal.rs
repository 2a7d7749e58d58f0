//! Entering and leaving the terminal. The terminal is restored on every exit: normal, error
//! and panic (the hook runs before color-eyre's report is printed).

use std::io::stdout;

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
