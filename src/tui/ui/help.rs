//! The help overlay, generated from the keymap's descriptions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Glyphs, Theme};
use crate::tui::app::State;
use crate::tui::keys;

pub fn render(state: &State, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let ctx = state.base_context();
    let mut lines = Vec::new();
    for b in keys::bindings(ctx) {
        if b.label.is_empty() {
            continue;
        }
        let label = if b.label == "↑↓" {
            g.updown
        } else {
            b.label
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:>10}  "), theme.key()),
            Span::raw(b.desc),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Mouse: click a step in the rail to go to it; the wheel scrolls.",
        theme.dim(),
    )));
    lines.push(Line::from(vec![
        Span::styled("       Esc  ", theme.key()),
        Span::raw("Close this help."),
    ]));
    let w = area.width.saturating_sub(4).min(76);
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Keys ")),
        popup,
    );
}
