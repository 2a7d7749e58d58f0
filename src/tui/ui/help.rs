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
    // This view's keys, each with every key that does it; nothing from other views.
    let mut rows: Vec<(String, &str)> = keys::bindings(ctx)
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.label.is_empty() && state.applies(b.action))
        .map(|(i, b)| (keys::help_keys(ctx, i, g.ascii), b.desc))
        .collect();
    if let Some(mouse) = mouse(state, ctx) {
        rows.push(("mouse".into(), mouse));
    }
    let close = &keys::bindings(keys::Context::Help)[0];
    rows.push((keys::help_keys(keys::Context::Help, 0, g.ascii), close.desc));
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(w as usize / 3);
    let desc_w = (w as usize).saturating_sub(2 + key_w + 3);
    let mut lines = Vec::new();
    for (label, desc) in &rows {
        for (i, l) in wrap(desc, desc_w, "", "").into_iter().enumerate() {
            let key = if i == 0 { label.as_str() } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:>key_w$}  "), theme.key()),
                Span::raw(l),
            ]));
        }
    }
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

/// What the mouse does in this view, if anything.
fn mouse(state: &State, ctx: keys::Context) -> Option<&'static str> {
    use keys::Context as C;
    match ctx {
        C::Start => Some("The wheel moves the selection."),
        C::Step => Some("Click a step in the rail; the wheel moves the selection."),
        C::Form | C::Finished | C::Ticket if state.run().is_some() => {
            Some("Click a step in the rail.")
        }
        _ => None,
    }
}
