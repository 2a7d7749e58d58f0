//! The help overlay, generated from the keymap's descriptions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text::wrap;

use super::{Glyphs, Theme};
use crate::tui::app::State;
use crate::tui::keys;

pub fn render(state: &State, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let ctx = state.base_context();
    let w = area.width.saturating_sub(4).min(76);
    let desc_w = (w as usize).saturating_sub(2 + 13);
    let mut lines = Vec::new();
    let row = |label: &str, desc: &str, lines: &mut Vec<Line<'static>>| {
        for (i, l) in wrap(desc, desc_w, "", "").into_iter().enumerate() {
            let key = if i == 0 { label } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{key:>11}  "), theme.key()),
                Span::raw(l),
            ]));
        }
    };
    // Keys that only apply to some steps are listed in full only where they apply; elsewhere
    // the hand-off keys share one line, so the overlay fits a small terminal.
    let mut handoff_folded = false;
    for b in keys::bindings(ctx) {
        if b.label.is_empty() {
            continue;
        }
        if keys::is_situational(b.action) && !state.enabled(b.action) {
            handoff_folded |=
                !matches!(b.action, keys::Action::RetrySame | keys::Action::WriteTests);
            continue;
        }
        let label = if b.label == "↑↓" {
            g.updown
        } else {
            b.label
        };
        row(label, b.desc, &mut lines);
    }
    if handoff_folded {
        row(
            "hand-off",
            "Hand-off: Tab next, c copy, Ctrl+R reveal, o open, p submit.",
            &mut lines,
        );
    }
    row(
        "mouse",
        "Click a step in the rail; the wheel moves the selection.",
        &mut lines,
    );
    row("Esc", "Close this help.", &mut lines);
    let h = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        popup,
    );
}
