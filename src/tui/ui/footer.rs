//! The footer: the keys that do something right now, from the keymap's descriptions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Glyphs, Theme};
use crate::tui::app::State;
use crate::tui::keys::{self, Action};

pub fn render(state: &State, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let ctx = state.context();
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    let width = area.width as usize;
    for b in keys::bindings(ctx) {
        if b.label.is_empty() || !state.enabled(b.action) {
            continue;
        }
        // Help and quit go last, so the step's own keys are never the ones cut off.
        if matches!(b.action, Action::Help | Action::Quit) {
            continue;
        }
        let label = if b.label == "↑↓" {
            g.updown
        } else {
            b.label
        };
        let len = label.chars().count() + 1 + b.short.chars().count() + 3;
        if used + len + 16 > width {
            continue;
        }
        spans.push(Span::styled(label, theme.key()));
        spans.push(Span::raw(format!(" {}   ", b.short)));
        used += len;
    }
    for b in keys::bindings(ctx)
        .iter()
        .filter(|b| matches!(b.action, Action::Help | Action::Quit))
    {
        spans.push(Span::styled(b.label, theme.key()));
        spans.push(Span::raw(format!(" {}   ", b.short)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
