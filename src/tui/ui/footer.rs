//! The footer: the commands of what has the keys ([`State::commands`]) that do something right
//! now, the same list a key press runs from. One line when they fit, two when not, so a key the
//! screen's hints name is always listed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Glyphs, Theme};
use crate::tui::app::State;
use crate::tui::keys::{self, Action, Binding};

const GAP: &str = "  ";
/// The footer never takes more of the screen than this.
pub const MAX_LINES: usize = 2;

pub fn render(state: &State, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let lines: Vec<Line> = lines(state, area.width as usize, g)
        .into_iter()
        .map(|line| {
            let mut spans = vec![Span::raw(" ")];
            for b in line {
                spans.push(Span::styled(label(b, g), theme.key()));
                spans.push(Span::raw(format!(" {}{GAP}", b.short)));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// How many lines the footer needs at this width (the layout gives it these).
pub fn height(state: &State, width: u16) -> u16 {
    lines(state, width as usize, Glyphs::new(state.plain)).len() as u16
}

fn label(b: &Binding, g: Glyphs) -> &'static str {
    if b.label == "↑↓" {
        g.updown
    } else {
        b.label
    }
}

fn len(b: &Binding, g: Glyphs) -> usize {
    label(b, g).chars().count() + 1 + b.short.chars().count() + GAP.len()
}

/// Lay the keys out in keymap order (help and quit last), in as few lines as they fit, at most
/// [`MAX_LINES`]. When even those are too few, the lowest-ranked keys go
/// ([`keys::footer_rank`]): never one the screen's hints name.
pub fn lines(state: &State, width: usize, g: Glyphs) -> Vec<Vec<&'static Binding>> {
    let commands = state.commands();
    let fixed = commands
        .iter()
        .map(|c| c.binding)
        .filter(|b| matches!(b.action, Action::Help | Action::Quit));
    let mut shown: Vec<&'static Binding> = commands
        .iter()
        .filter(|c| {
            c.enabled
                && !c.binding.label.is_empty()
                && !matches!(c.action(), Action::Help | Action::Quit)
        })
        .map(|c| c.binding)
        .collect();
    loop {
        let ordered: Vec<&'static Binding> = shown.iter().copied().chain(fixed.clone()).collect();
        let laid = wrap(&ordered, width, g);
        if laid.len() <= MAX_LINES || shown.is_empty() {
            return laid;
        }
        // Drop the lowest-ranked (the last of them in keymap order) and try again.
        let worst = shown
            .iter()
            .enumerate()
            .max_by_key(|(pos, b)| (rank(state, b.action), *pos))
            .map(|(pos, _)| pos)
            .unwrap_or(0);
        shown.remove(worst);
    }
}

/// Break the keys into lines of `width` (a line's trailing gap may run past the edge).
fn wrap(keys: &[&'static Binding], width: usize, g: Glyphs) -> Vec<Vec<&'static Binding>> {
    let mut lines: Vec<Vec<&Binding>> = vec![Vec::new()];
    let mut used = 1;
    for b in keys {
        let l = len(b, g);
        if used + l - GAP.len() > width && !lines.last().is_some_and(Vec::is_empty) {
            lines.push(Vec::new());
            used = 1;
        }
        lines.last_mut().expect("a line").push(*b);
        used += l;
    }
    lines
}

fn rank(state: &State, action: Action) -> u8 {
    // "Continue unverified" is the way on when n is blocked; next to an open n it can wait for
    // the help screen.
    if action == Action::ContinueUnverified && state.enabled(Action::Next) {
        return 3;
    }
    if state.run().is_some_and(|r| r.hinted(action)) {
        return 0;
    }
    keys::footer_rank(action)
}
