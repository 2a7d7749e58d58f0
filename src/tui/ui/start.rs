//! The start screen: resume a session, or begin a wizard (built-in or from a file), grouped by
//! PSA and narrowed by a filter as you type.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::wrap;
use super::{Glyphs, Theme};
use crate::tui::app::{Modal, SessionSummary, StartRow, StartScreen};

/// Columns before a row's text: " ▌ ".
const MARK: usize = 3;

pub fn render(
    s: &StartScreen,
    spinner: usize,
    theme: &Theme,
    g: Glyphs,
    area: Rect,
    frame: &mut Frame,
) {
    let width = area.width.saturating_sub(1) as usize;
    // What is being typed stays on screen (with its cursor) under the help overlay.
    let typing = Modal::beneath_help(&s.modal);
    let filtering = matches!(typing, Some(Modal::Filter));
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" psa-onboard ", theme.title()),
            Span::raw("  set up and verify an integration's access to your PSA"),
        ]),
        Line::default(),
    ];
    let rows = s.rows();
    let query = s.filter.value();
    let mut cursor = None;
    if filtering || !query.is_empty() {
        let shown = rows.iter().filter(|r| !matches!(r, StartRow::File)).count();
        let all = s.sessions.len() + s.wizards.len();
        let label = " Filter: ";
        if filtering {
            cursor = Some((label.len() + s.filter.visual_cursor(), lines.len()));
        }
        lines.push(Line::from(vec![
            Span::styled(label, theme.bold()),
            Span::styled(query.to_string(), theme.accent()),
            Span::styled(format!("   {shown} of {all} shown"), theme.dim()),
        ]));
        lines.push(Line::default());
    }
    let heading = |lines: &mut Vec<Line<'static>>, text: &str| {
        lines.push(Line::from(Span::styled(format!(" {text}"), theme.bold())));
    };
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" Nothing matches \"{query}\". Esc shows the whole list."),
            theme.warn(),
        )));
    }
    let mut selected_lines = (0, 0);
    let mut last_psa = None;
    for (n, row) in rows.iter().enumerate() {
        match row {
            StartRow::Session(_) if n == 0 => heading(&mut lines, "Resume where you left off"),
            StartRow::Wizard(i) => {
                let psa = s.wizards[*i].psa;
                if last_psa.is_none() {
                    if n > 0 {
                        lines.push(Line::default());
                    }
                    heading(&mut lines, "Start a new setup");
                }
                if last_psa != Some(psa) {
                    lines.push(Line::from(Span::styled(
                        format!("   {}", psa.label()),
                        theme.dim(),
                    )));
                    last_psa = Some(psa);
                }
            }
            StartRow::File => lines.push(Line::default()),
            _ => {}
        }
        let sel = n == s.selected;
        let first = lines.len();
        let marker = if sel { g.select } else { " " };
        let style = if sel {
            theme.selected()
        } else {
            Style::default()
        };
        let head = |text: String, lines: &mut Vec<Line<'static>>, indent: &str| {
            for (k, l) in wrap(&text, width.saturating_sub(MARK), indent, indent)
                .into_iter()
                .enumerate()
            {
                let mark = if k == 0 { marker } else { " " };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {mark} "), theme.accent()),
                    Span::styled(l, style),
                ]));
            }
        };
        match row {
            StartRow::Session(i) => {
                let x = &s.sessions[*i];
                let demo = if x.demo { "  [demo]" } else { "" };
                head(
                    format!("{} {} {}{demo}", x.id, g.dot, x.title),
                    &mut lines,
                    "",
                );
                for l in wrap(
                    &session_detail(x, g),
                    width.saturating_sub(MARK),
                    "    ",
                    "    ",
                ) {
                    lines.push(Line::from(vec![
                        Span::raw(" ".repeat(MARK)),
                        Span::styled(l, theme.dim()),
                    ]));
                }
                if let Some(Modal::Rename { from, to }) = typing
                    && from == &x.id
                {
                    let label = "    New name: ";
                    cursor = Some((MARK + label.len() + to.visual_cursor(), lines.len()));
                    lines.push(Line::from(vec![
                        Span::raw(" ".repeat(MARK)),
                        Span::styled(label, theme.bold()),
                        Span::styled(to.value().to_string(), theme.accent()),
                    ]));
                }
            }
            StartRow::Wizard(i) => {
                let w = &s.wizards[*i];
                head(
                    format!("{}  ({}, {})", w.title, w.id, w.source),
                    &mut lines,
                    "  ",
                );
                // The vendor's page it follows, to compare with (the selected one only).
                if sel {
                    for src in &w.sources {
                        for l in wrap(src, width.saturating_sub(MARK), "    From: ", "          ") {
                            lines.push(Line::from(vec![
                                Span::raw(" ".repeat(MARK)),
                                Span::styled(l, theme.dim()),
                            ]));
                        }
                    }
                }
            }
            StartRow::File => head(format!("Open a wizard file{}", g.ellipsis), &mut lines, ""),
        }
        if sel {
            selected_lines = (first, lines.len());
        }
    }
    if let Some(Modal::Path(path)) = typing {
        lines.push(Line::default());
        let label = " Path to a wizard .toml: ";
        cursor = Some((label.len() + path.visual_cursor(), lines.len()));
        lines.push(Line::from(vec![
            Span::styled(label, theme.bold()),
            Span::styled(path.value().to_string(), theme.accent()),
        ]));
    }
    if let Some(what) = &s.opening {
        lines.push(Line::default());
        let text = format!("Opening {what}{} (keys wait until it is open)", g.ellipsis);
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(g.spinner(spinner), theme.accent()),
            Span::raw(" "),
            Span::styled(text, theme.accent()),
        ]));
    }
    if let Some(n) = &s.notice {
        lines.push(Line::default());
        for l in wrap(n, width, " ", " ") {
            lines.push(Line::from(Span::styled(l, theme.accent())));
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
    // Scroll so the selected row is whole on screen.
    let height = area.height as usize;
    let scroll = selected_lines
        .1
        .saturating_sub(height)
        .min(selected_lines.0);
    let body = Rect::new(area.x, area.y, area.width, height as u16);
    if let Some((x, y)) = cursor
        && y >= scroll
        && y - scroll < height
        && x < area.width as usize
    {
        frame.set_cursor_position((area.x + x as u16, area.y + (y - scroll) as u16));
    }
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), body);
}

/// A session's second line: the PSA instance, progress, where it is, last activity.
fn session_detail(x: &SessionSummary, g: Glyphs) -> String {
    let instance = if x.instance.is_empty() {
        "PSA not entered yet".to_string()
    } else {
        x.instance.clone()
    };
    let at = match (x.at_number, x.at_step.as_str()) {
        (_, "") if x.done == x.total => "all steps done".to_string(),
        (_, "") => "on the summary".to_string(),
        (Some(n), title) => format!("at step {n}: {title}"),
        (None, id) => format!("at {id}"),
    };
    let dot = format!(" {} ", g.dot);
    [
        instance,
        format!("{}/{} done", x.done, x.total),
        at,
        format!("last active {}", x.updated),
    ]
    .join(&dot)
}
