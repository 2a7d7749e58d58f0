//! Where things go. `update` uses this too, to hit-test mouse clicks.

use ratatui::layout::{Constraint, Layout, Rect};

#[derive(Debug, Clone, Copy)]
pub struct Areas {
    pub header: Rect,
    pub rail: Rect,
    pub body: Rect,
    pub footer: Rect,
}

/// The screen's areas, with a footer of `footer_lines` (see `footer::height`).
pub fn areas(area: Rect, footer_lines: u16) -> Areas {
    let [header, middle, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(footer_lines.max(1)),
    ])
    .areas(area);
    let rail_w = (area.width / 3).clamp(16, 30);
    let [rail, body] =
        Layout::horizontal([Constraint::Length(rail_w), Constraint::Min(1)]).areas(middle);
    Areas {
        header,
        rail,
        body,
        footer,
    }
}

/// The step index a click on rail row `row` means (the rail's first line is its title).
pub fn rail_hit(rail: Rect, row: u16) -> Option<usize> {
    let first = rail.y + 2;
    (row >= first && row < rail.bottom()).then(|| (row - first) as usize)
}
