//! The step's table: its permission rows and checks, each filled in as the PSA answers, with
//! what was observed and the evidence for the selected one.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::step::Body;
use super::text::wrap;
use super::{Glyphs, Theme};
use crate::tui::app::Run;
use crate::tui::app::progress::{self, Item, Live};
use crate::verify::{CheckResult, Status};
use crate::wizard::{Column, PermissionRow, Psa, RowShape, Step};

pub(super) fn table(
    run: &Run,
    spinner: usize,
    step: &Step,
    theme: &Theme,
    g: Glyphs,
    b: &mut Body,
) {
    let p = &run.progress[run.rail_position()];
    let psa = run.wizard.psa;
    let items = progress::items(step);
    let rows = step.permissions.len();
    for (n, item) in items.iter().enumerate() {
        if n == 0 && rows > 0 {
            b.blank();
            let name = step.name.as_deref().unwrap_or("the role");
            b.text(
                &format!(
                    "Permissions for \"{name}\" ({rows} rows), with the vendor's reason for each:"
                ),
                "",
                "",
                theme.bold(),
            );
        }
        if n == rows {
            b.blank();
            b.push(Line::from(Span::styled("Checks:", theme.bold())));
        }
        let start = b.lines.len();
        let selected = n == run.cursor.selected && !run.form_focused();
        let live = p.live(step, psa, *item);
        let (glyph, gstyle): (String, Style) = match &live {
            Live::Unknown => (g.unknown.into(), theme.dim()),
            Live::Waiting => (g.spinner(spinner).into(), theme.accent()),
            // A result only a person can judge: its box, ticked or not.
            Live::Done(Status::Manual, _) if p.ticked.contains(&item.key(step)) => {
                (g.box_on.into(), theme.ok())
            }
            Live::Done(s, _) => (g.status(*s).into(), status_style(theme, *s)),
            Live::Manual(true) => (g.box_on.into(), theme.ok()),
            Live::Manual(false) => (g.box_off.into(), theme.warn()),
        };
        let marker = if selected { g.select } else { " " };
        let (label, detail, why) = match item {
            Item::Row(i) => {
                let row = &step.permissions[*i];
                (
                    row.label().replace('›', g.sep),
                    levels(row, psa, g),
                    row.comment.clone(),
                )
            }
            Item::Check(i) => {
                let c = &step.checks[*i];
                let basis = c
                    .basis
                    .as_deref()
                    .map(|b| format!("Not the guide's own line: {b}"))
                    .unwrap_or_default();
                (c.title.clone(), String::new(), basis)
            }
        };
        let lstyle = if selected {
            theme.selected()
        } else {
            theme.bold()
        };
        let prefix_w = glyph.chars().count() + 3;
        let lines = wrap(&label, b.width.saturating_sub(prefix_w), "", "");
        for (k, l) in lines.into_iter().enumerate() {
            if k == 0 {
                b.push(Line::from(vec![
                    Span::styled(marker.to_string(), theme.accent()),
                    Span::styled(glyph.clone(), gstyle),
                    Span::raw(" "),
                    Span::styled(l, lstyle),
                ]));
            } else {
                b.push(Line::from(vec![
                    Span::raw(" ".repeat(prefix_w - 1)),
                    Span::styled(l, lstyle),
                ]));
            }
        }
        let indent = "    ";
        if !detail.is_empty() {
            b.text(&detail, indent, indent, Style::default());
        }
        if let Some(reason) = item.manual_reason(step) {
            b.text(
                &format!("Not verifiable through the API: {reason}"),
                indent,
                indent,
                theme.warn(),
            );
            if p.demo_ticked.contains(&item.key(step)) {
                b.text(
                    "Ticked by the demo, which did this in the sandbox (not your confirmation).",
                    indent,
                    indent,
                    theme.accent(),
                );
            }
        }
        if !why.is_empty() {
            b.text(&why, indent, indent, theme.dim());
        }
        if let Live::Done(_, results) = &live {
            for r in results.iter().filter(|r| r.status != Status::Pass) {
                observed(r, theme, g, b);
            }
            // The proof behind the selected item's result: what was asked, what the PSA said.
            if selected {
                for r in results {
                    evidence(r, theme, g, b);
                }
            }
        }
        let end = b.lines.len().saturating_sub(1);
        b.spans.push((start, end));
    }
    let extra = p.extra(step, psa);
    if !extra.is_empty() {
        b.blank();
        b.push(Line::from(Span::styled("Also found:", theme.bold())));
        for r in extra {
            let title = crate::sanitize::clean_line(&r.title);
            let glyph = g.status(r.status);
            let indent = " ".repeat(glyph.chars().count() + 2);
            for (k, l) in wrap(&title, b.width.saturating_sub(indent.len()), "", "")
                .into_iter()
                .enumerate()
            {
                b.push(Line::from(vec![
                    Span::raw(if k == 0 { " " } else { "" }),
                    Span::styled(
                        if k == 0 {
                            glyph.to_string()
                        } else {
                            indent.clone()
                        },
                        status_style(theme, r.status),
                    ),
                    Span::raw(if k == 0 { " " } else { "" }),
                    Span::raw(l),
                ]));
            }
            if r.status != Status::Pass {
                observed(r, theme, g, b);
            }
        }
    }
}

fn observed(r: &CheckResult, theme: &Theme, g: Glyphs, b: &mut Body) {
    let style = status_style(theme, r.status);
    let clean = crate::sanitize::clean_line;
    let text = match &r.permission {
        Some(o) => {
            let what = if r.status == Status::Warn {
                "excess"
            } else {
                "observed"
            };
            let mut t = format!(
                "{what}: {} {} is {} (needs {})",
                o.function, o.op, o.actual, o.required
            );
            if !r.detail.is_empty() {
                t.push_str(&format!(" — {}", r.detail));
            }
            t
        }
        None if !r.detail.is_empty() => format!("observed: {}", clean(&r.detail)),
        None => String::new(),
    };
    if !text.is_empty() {
        b.text(
            &text,
            &format!("    {} ", g.status(r.status)),
            "      ",
            style,
        );
    }
    // A check that could not run has nothing to fix itself: the failure that stopped it does.
    if !r.remedy.is_empty() && matches!(r.status, Status::Fail | Status::Warn) {
        b.text(
            &clean(&r.remedy),
            &format!("      {} ", g.arrow),
            "        ",
            Style::default(),
        );
    }
}

/// The evidence lines of a result: `asked GET … → answer (at HH:MM UTC)`.
fn evidence(r: &CheckResult, theme: &Theme, g: Glyphs, b: &mut Body) {
    let clean = crate::sanitize::clean_line;
    let at = r
        .observed_at
        .map(|t| format!(" (at {})", t.strftime("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    for e in &r.evidence {
        b.text(
            &format!(
                "asked {} {} {}{at}",
                clean(&e.request),
                g.arrow,
                clean(&e.answer)
            ),
            "      ",
            "        ",
            theme.dim(),
        );
    }
}

fn status_style(theme: &Theme, s: Status) -> Style {
    match s {
        Status::Pass => theme.ok(),
        Status::Warn => theme.warn(),
        Status::Fail => theme.fail(),
        Status::Manual | Status::Skipped => theme.dim(),
    }
}

/// The values the guide asks for, in the PSA's own column names.
fn levels(row: &PermissionRow, psa: Psa, g: Glyphs) -> String {
    match row.shape() {
        RowShape::Levels => row
            .levels()
            .map(|(c, v): (Column, &str)| format!("{} {v}", c.label(psa)))
            .collect::<Vec<_>>()
            .join(&format!(" {} ", g.dot)),
        RowShape::Checkbox => {
            if row.is_checked() {
                format!("{} checked", g.box_on)
            } else {
                format!("{} unchecked", g.box_off)
            }
        }
        RowShape::Setting => format!("set to: {}", row.value.as_deref().unwrap_or("")),
        RowShape::Requirement => format!("needs: {}", row.required.join(", ")),
        RowShape::Customize => format!("Customize, allow access to: {}", row.customize.join(", ")),
    }
}
