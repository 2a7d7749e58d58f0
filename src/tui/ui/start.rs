//! The start screen: resume a session, or begin a wizard (built-in or from a file).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{truncate, wrap};
use super::{Glyphs, Theme};
use crate::tui::app::{StartRow, StartScreen};

pub fn render(s: &StartScreen, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" psa-onboard ", theme.title()),
            Span::raw("  set up and verify an integration's access to your PSA"),
        ]),
        Line::default(),
    ];
    let rows = s.rows();
    let mut selected_line = 0;
    let heading = |lines: &mut Vec<Line<'static>>, text: &'static str| {
        lines.push(Line::from(Span::styled(format!(" {text}"), theme.bold())));
    };
    if !s.sessions.is_empty() {
        heading(&mut lines, "Resume where you left off");
    }
    for (n, row) in rows.iter().enumerate() {
        if matches!(row, StartRow::Wizard(0)) {
            if !s.sessions.is_empty() {
                lines.push(Line::default());
            }
            heading(&mut lines, "Start a new setup");
        }
        if matches!(row, StartRow::File) {
            lines.push(Line::default());
        }
        let sel = n == s.selected;
        let text = match row {
            StartRow::Session(i) => {
                let x = &s.sessions[*i];
                format!(
                    "{}{}  {}/{} done, at: {}  ({})",
                    x.title,
                    if x.demo { " [demo]" } else { "" },
                    x.done,
                    x.total,
                    x.at_step,
                    x.updated
                )
            }
            StartRow::Wizard(i) => {
                let w = &s.wizards[*i];
                format!("{}  ({}, {})", w.title, w.id, w.source)
            }
            StartRow::File => format!("Open a wizard file{}", g.ellipsis),
        };
        if sel {
            selected_line = lines.len();
        }
        let marker = if sel { g.select } else { " " };
        let style = if sel {
            theme.selected()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {marker} "), theme.accent()),
            Span::styled(truncate(&text, width.saturating_sub(4), g.ellipsis), style),
        ]));
    }
    if let Some(path) = &s.path {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(" Path to a wizard .toml: ", theme.bold()),
            Span::styled(path.value().to_string(), theme.accent()),
        ]));
        let x = area.x + 26 + path.visual_cursor() as u16;
        let y = area.y + lines.len() as u16 - 1;
        if x < area.right() && y < area.bottom().saturating_sub(1) {
            frame.set_cursor_position((x, y));
        }
    }
    if let Some(e) = &s.error {
        lines.push(Line::default());
        for l in wrap(&e.message, width, &format!(" {} ", g.fail), "   ") {
            lines.push(Line::from(Span::styled(l, theme.fail())));
        }
        for l in wrap(&e.remedy, width, &format!("   {} ", g.arrow), "     ") {
            lines.push(Line::from(l));
        }
    }
    let height = area.height.saturating_sub(1) as usize;
    let scroll = selected_line.saturating_sub(height.saturating_sub(3));
    let body = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), body);
}
