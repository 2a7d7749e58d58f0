//! The step rail: every step with its state at a glance. Click a step to go to it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::RunFacts;
use super::layout;
use super::{Glyphs, Theme};

pub fn render(facts: &RunFacts, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let (run, spinner, at) = (facts.run, facts.spinner, facts.position);
    let mut block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(theme.dim());
    if g.ascii {
        block = block.border_set(ratatui::symbols::border::Set {
            vertical_right: "|",
            ..ratatui::symbols::border::PLAIN
        });
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let labels = layout::rail_labels(&facts.labels, at, area, g.ellipsis);
    let done = facts.done();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" Steps", theme.bold()),
            Span::styled(format!("  {done}/{} done", run.progress.len()), theme.dim()),
        ]),
        Line::default(),
    ];
    for (i, verdict) in facts.verdicts.iter().enumerate() {
        let p = &run.progress[i];
        let untouched = matches!(
            verdict,
            crate::verdict::Verdict::NotVerified(
                crate::verdict::Why::NotRun | crate::verdict::Why::ToConfirm { .. }
            )
        );
        let (glyph, style) = if p.pending.is_some() {
            (g.spinner(spinner), theme.accent())
        } else if i == at && untouched && !p.deferred {
            (g.current, theme.accent())
        } else {
            (
                g.verdict(verdict, p.deferred),
                super::step::verdict_style(theme, verdict),
            )
        };
        let mut text_style = if i == at {
            theme.bold()
        } else {
            ratatui::style::Style::default()
        };
        if i == at {
            text_style = text_style.patch(theme.selected());
        }
        for (k, label) in labels[i].iter().enumerate() {
            let glyph = if k == 0 { glyph } else { " " };
            lines.push(Line::from(vec![
                Span::raw(" "),
                Span::styled(glyph, style),
                Span::raw(" "),
                Span::styled(label.clone(), text_style),
            ]));
        }
    }
    let finished = run.finished();
    lines.push(Line::from(vec![
        Span::raw(" "),
        Span::styled(if finished { g.current } else { g.todo }, theme.dim()),
        Span::raw(" "),
        Span::styled(
            "Summary",
            if finished {
                theme.bold().patch(theme.selected())
            } else {
                theme.dim()
            },
        ),
    ]));
    frame.render_widget(Paragraph::new(lines), inner);
}
