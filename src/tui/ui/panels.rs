//! The step's panels: the credential hand-off values, the connection form, and the ticket box.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::step::{Body, chunks, token_rows};
use super::text::wrap;
use super::{Glyphs, Theme};
use crate::tui::app::Run;
use crate::tui::app::form::{FieldId, Verdict};
use crate::tui::app::handoff;

/// Naming the ticket for the impersonation write test's note (it cannot be deleted).
pub(super) fn ticket_box(
    run: &Run,
    pick: &crate::tui::app::ticket::TicketPick,
    theme: &Theme,
    g: Glyphs,
    b: &mut Body,
) {
    let strong = theme.warn().add_modifier(ratatui::style::Modifier::BOLD);
    b.text(
        "The write test adds a note that Autotask cannot delete: which ticket may it go on? Its number as Autotask shows it (T20240101.0001) or its ID:",
        &format!("{} ", g.unverified),
        "  ",
        strong,
    );
    if run.demo && run.requests.test_ticket.is_none() {
        b.text(
            "demo: a ticket of the sandbox is filled in",
            "  ",
            "  ",
            theme.accent(),
        );
    }
    let label = "  Ticket: ";
    let value = pick.input.value();
    b.ticket_cursor = Some((
        (label.chars().count() + pick.input.visual_cursor()) as u16,
        b.lines.len(),
    ));
    b.push(Line::from(vec![
        Span::styled(label, theme.bold()),
        Span::styled(value.to_string(), theme.accent()),
    ]));
    if pick.searching.is_some() {
        b.text(
            &format!("Looking it up in the PSA{}", g.ellipsis),
            "  ",
            "  ",
            theme.accent(),
        );
    } else if let Some(e) = &pick.error {
        b.text(
            &crate::sanitize::clean_line(e),
            &format!("  {} ", g.fail),
            "    ",
            theme.fail(),
        );
    }
}

/// What the vendor needs, value by value: secrets masked unless revealed (Ctrl+R).
pub(super) fn handoff_panel(run: &Run, theme: &Theme, g: Glyphs, b: &mut Body) {
    let Some(portal) = handoff::portal(run) else {
        return;
    };
    b.text(
        &format!(
            "What {} needs (Tab next, c copy, Ctrl+R reveal):",
            run.wizard.vendor
        ),
        "",
        "",
        theme.bold(),
    );
    match (&portal.url, &portal.page) {
        (Some(url), _) => b.text(
            &format!("Portal: {url} (o opens it)"),
            "  ",
            "    ",
            Style::default(),
        ),
        (None, Some(page)) => b.text(&format!("Portal: {page}"), "  ", "    ", Style::default()),
        (None, None) => {}
    }
    if let Some(ep) = &run.handoff.endpoint {
        let text = if run.handoff.endpoint_is_demo {
            "demo: submits to the local sandbox (p)".to_string()
        } else {
            format!("Submission endpoint: {ep} (p submits)")
        };
        b.text(&text, "  ", "    ", theme.accent());
    }
    // Wide enough for the longest label and a space, so a value never runs into its label.
    let label_w = portal
        .fields
        .iter()
        .map(|f| f.label().chars().count() + 3)
        .fold(22, usize::max);
    for (i, f) in portal.fields.iter().enumerate() {
        let focused = i == run.handoff.focus;
        let marker = if focused { g.select } else { " " };
        let id = f.field();
        let value = run.form.field(id).map(|x| x.value().trim()).unwrap_or("");
        let (shown, style) = if value.is_empty() {
            (
                format!("(empty: enter it at step {})", run.conn_step + 1),
                theme.dim(),
            )
        } else if f.is_secret() && !run.handoff.revealed {
            let where_ = if run.demo {
                "masked; kept in memory (demo)".to_string()
            } else if !run.secrets.in_keyring {
                "masked; not in the keyring (this run only)".to_string()
            } else {
                let account = run.secrets.accounts.get(&id).cloned().unwrap_or_else(|| {
                    crate::secrets::SecretRef::for_field(&run.session_id, id.key()).account
                });
                format!("stored in the OS keyring as {account}")
            };
            (where_, theme.dim())
        } else {
            (value.to_string(), Style::default())
        };
        let max = b.width.saturating_sub(label_w + 1).max(1);
        let label = format!("{marker} {:<w$}", f.label(), w = label_w - 2);
        // A value the vendor needs is shown whole: wrapped under its column, never cut.
        let rows = if value.is_empty() || (f.is_secret() && !run.handoff.revealed) {
            wrap(&shown, max, "", "")
        } else {
            token_rows(&shown, max)
        };
        for (k, row) in rows.into_iter().enumerate() {
            let label = if k == 0 {
                Span::styled(
                    label.clone(),
                    if focused {
                        theme.bold()
                    } else {
                        Style::default()
                    },
                )
            } else {
                Span::raw(" ".repeat(label_w))
            };
            b.push(Line::from(vec![label, Span::styled(row, style)]));
        }
    }
}

pub(super) fn form(run: &Run, theme: &Theme, g: Glyphs, b: &mut Body) {
    let title = if run.form_focused() {
        "Connection details (Enter/Tab next, Shift+Tab back, Ctrl+R reveals a secret):"
    } else {
        "Connection details (e to edit):"
    };
    b.text(title, "", "", theme.bold());
    let label_w = run
        .form
        .fields
        .iter()
        .map(|f| f.id.label().chars().count() + 3)
        .fold(22, usize::max);
    for (i, f) in run.form.fields.iter().enumerate() {
        let focused = run.form_focused() && i == run.form.focus;
        let marker = if focused { g.select } else { " " };
        let value = f.display();
        let value_empty = value.is_empty();
        let (shown, style) = if value_empty {
            (f.id.placeholder().to_string(), theme.dim())
        } else {
            (
                value,
                if focused {
                    theme.accent()
                } else {
                    Style::default()
                },
            )
        };
        // Long values wrap under the value column (they are single tokens: cut anywhere), so a
        // site, an address or an e-mail is never cut off.
        let max = b.width.saturating_sub(label_w + 1).max(1);
        // The field being typed in breaks evenly, so the cursor's place is plain arithmetic.
        let mut rows = if value_empty {
            wrap(&shown, max, "", "")
        } else if focused {
            chunks(&shown, max)
        } else {
            token_rows(&shown, max)
        };
        let label = format!("{marker} {:<w$}", f.id.label(), w = label_w - 2);
        if focused {
            let (line, col) = if value_empty {
                (0, 0)
            } else {
                let at = f.input.cursor();
                (at / max, at % max)
            };
            // The cursor after a full last row goes on a row of its own.
            if line == rows.len() {
                rows.push(String::new());
            }
            b.cursor = Some(((label_w + col) as u16, b.lines.len() + line));
        }
        let label_style = if focused {
            theme.bold()
        } else {
            Style::default()
        };
        for (k, row) in rows.into_iter().enumerate() {
            let label = if k == 0 {
                Span::styled(label.clone(), label_style)
            } else {
                Span::raw(" ".repeat(label_w))
            };
            b.push(Line::from(vec![label, Span::styled(row, style)]));
        }
        let secret_note = f.id.is_secret() && focused;
        match f.verdict() {
            Verdict::Error(e) => b.text(
                &e,
                &format!("{:w$}{} ", "", g.fail, w = label_w),
                &" ".repeat(label_w + 2),
                theme.fail(),
            ),
            Verdict::Hint(h) if focused => {
                b.text(&h, &" ".repeat(label_w), &" ".repeat(label_w), theme.dim())
            }
            _ => {}
        }
        // Values the admin cannot look up in the PSA: where they come from.
        let source = match f.id {
            FieldId::TrackingId => Some(run.wizard.tracking_identifier_source()),
            FieldId::ClientId => Some(run.wizard.client_id_source()),
            _ => None,
        };
        if let Some(source) = source
            && (focused || f.value().trim().is_empty())
        {
            // Under the field, but wider than its value column: it is a sentence or two.
            b.text(
                &format!("Where it comes from: {source}"),
                "    ",
                "    ",
                theme.dim(),
            );
        }
        if secret_note {
            let text = if f.revealed {
                "shown: Ctrl+R hides it"
            } else {
                "masked: Ctrl+R reveals it; never written to disk"
            };
            b.text(
                text,
                &" ".repeat(label_w),
                &" ".repeat(label_w),
                theme.dim(),
            );
        }
    }
}
