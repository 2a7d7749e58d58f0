//! The current step: status, the guide's clicks and reasons, the connection form, and the
//! permission table whose rows fill in as the PSA answers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::wrap;
use super::{Glyphs, Theme};
use crate::tui::app::form::{FieldId, Verdict};
use crate::tui::app::handoff;
use crate::tui::app::progress::{self, Item, Live, PendingKind};
use crate::tui::app::{Prompt, Run, View};
use crate::tui::keys::{self, Action, Context};
use crate::verdict::{Verdict as StepVerdict, Why};
use crate::verify::{CheckResult, Status};
use crate::wizard::{Column, ImpersonationSupport, PermissionRow, Psa, RowShape, Step, StepKind};

/// Lines being built, remembering where each selectable item starts and ends.
struct Body<'a> {
    lines: Vec<Line<'a>>,
    width: usize,
    spans: Vec<(usize, usize)>,
    cursor: Option<(u16, usize)>,
    /// The connection form's first and last line, when it is on the step.
    form: Option<(usize, usize)>,
    /// Where the cursor goes in the ticket box (column, line), when it is open.
    ticket_cursor: Option<(u16, usize)>,
}

impl<'a> Body<'a> {
    fn push(&mut self, line: Line<'a>) {
        self.lines.push(line);
    }
    fn text(&mut self, text: &str, first: &str, rest: &str, style: Style) {
        for l in wrap(text, self.width, first, rest) {
            self.lines.push(Line::from(Span::styled(l, style)));
        }
    }
    fn blank(&mut self) {
        self.lines.push(Line::default());
    }
}

pub fn render(run: &Run, spinner: usize, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let area = Rect::new(
        area.x + 1,
        area.y,
        area.width.saturating_sub(2),
        area.height,
    );
    let mut b = Body {
        lines: Vec::new(),
        width: area.width as usize,
        spans: Vec::new(),
        cursor: None,
        form: None,
        ticket_cursor: None,
    };
    let Some(step) = run.step() else {
        let pinned = summary(run, theme, g, &mut b);
        return show(run, b, pinned, theme, g, area, frame);
    };
    let p = &run.progress[run.current];
    let n = run.wizard.steps.len();
    let optional = if step.optional { " (optional)" } else { "" };
    b.text(
        &format!(
            "Step {} of {n} {} {}{optional}",
            run.current + 1,
            g.dot,
            step.title
        ),
        "",
        "",
        theme.bold(),
    );
    status(run, spinner, theme, g, &mut b);
    if let Some(notice) = &run.notice {
        let style = if notice.error {
            theme.warn()
        } else {
            theme.accent()
        };
        b.text(&notice.text, "", "", style);
    }
    // Lines above here stay pinned; the rest scrolls.
    let pinned = b.lines.len();
    b.blank();
    // The hand-off values come first: they are what the step is about.
    if step.kind == StepKind::CredentialSubmission {
        handoff_panel(run, theme, g, &mut b);
    }
    if let Some(c) = &step.condition {
        b.text(&format!("Only if: {c}"), "", "", theme.warn());
    }
    if !step.why.is_empty() {
        b.text(&step.why, "", "", theme.dim());
    }
    if !step.instructions.is_empty() {
        b.blank();
        b.text(
            &format!("Do this in {}:", step.place(run.wizard.psa)),
            "",
            "",
            theme.bold(),
        );
        for (i, ins) in step.instructions.iter().enumerate() {
            let first = format!("{:>2}. ", i + 1);
            b.text(ins, &first, "    ", Style::default());
        }
    }
    for note in &step.notes {
        b.text(note, &format!("{} ", g.bullet), "  ", theme.dim());
    }
    license_limits(run, step, theme, g, &mut b);
    if run.current == run.conn_step || run.focus_form {
        b.blank();
        let start = b.lines.len();
        form(run, theme, g, &mut b);
        b.form = Some((start, b.lines.len().saturating_sub(1)));
    }
    if let Some(e) = &p.error {
        b.blank();
        b.text(
            &format!("Could not verify: {}", e.message),
            &format!("{} ", g.fail),
            "  ",
            theme.fail(),
        );
        b.text(
            &e.remedy,
            &format!("  {} ", g.arrow),
            "    ",
            Style::default(),
        );
    }
    table(run, spinner, step, theme, g, &mut b);
    if (p.verdict(step).is_failed() || p.error.is_some()) && !run.wizard.troubleshooting.is_empty()
    {
        b.blank();
        b.push(Line::from(Span::styled("If it still fails:", theme.bold())));
        for t in &run.wizard.troubleshooting {
            b.text(t, &format!("{} ", g.bullet), "  ", theme.dim());
        }
    }

    show(run, b, pinned, theme, g, area, frame);
}

/// Draw `b`: its first `pinned` lines stay, the rest scrolls (see below).
fn show(
    run: &Run,
    b: Body,
    pinned: usize,
    theme: &Theme,
    g: Glyphs,
    area: Rect,
    frame: &mut Frame,
) {
    // Scroll the least that shows the selected item (or the focused field) whole, unless the
    // admin scrolled the text (PgUp/PgDn). Text that does not fit ends in a line saying so.
    let height = area.height as usize;
    let total = b.lines.len() - pinned;
    let mut view = height.saturating_sub(pinned).max(1);
    // In the form the view follows the cursor and PgUp/PgDn are not keys: no marker there.
    let overflow = total > view && !run.focus_form;
    if overflow {
        view = view.saturating_sub(1).max(1);
    }
    let max = total.saturating_sub(view);
    let auto = match (b.cursor, b.spans.get(run.selected)) {
        // The whole form when it fits, else as much of it as shows the field being typed in.
        (Some((_, line)), _) if run.focus_form => {
            let (start, end) = b.form.unwrap_or((line, line));
            (end - pinned + 1)
                .saturating_sub(view)
                .min(start - pinned)
                .max((line - pinned + 3).saturating_sub(view))
        }
        (_, Some(_)) if !run.focus_form && run.selected == 0 => 0,
        (_, Some(&(start, end))) if !run.focus_form => {
            (end - pinned + 1).saturating_sub(view).min(start - pinned)
        }
        _ => 0,
    }
    .min(max);
    let scroll = if run.focus_form {
        auto
    } else {
        run.scroll.map_or(auto, |s| s.min(max))
    };
    run.view.set(View {
        auto,
        max,
        // Keep a line of context across a page turn.
        page: view.saturating_sub(1).max(1),
    });
    let mut lines: Vec<Line> = b.lines[..pinned].to_vec();
    lines.extend(b.lines.iter().skip(pinned + scroll).take(view).cloned());
    if overflow {
        let below = max - scroll;
        let (up, down) = (
            keys::label(Context::Step, Action::PageUp),
            keys::label(Context::Step, Action::PageDown),
        );
        // The scroll keys work on the step itself, not while a question waits for y/n.
        let keys_work = !run.confirm && run.prompt.is_none() && run.ticket_pick.is_none();
        let what = if run.finished() {
            "the summary"
        } else {
            "this step"
        };
        let text = match (below > 0, keys_work) {
            (true, true) => format!("{} {below} more line(s) below: {down} scrolls down", g.more),
            (true, false) => format!("{} {below} more line(s) below", g.more),
            (false, true) => format!("{} end of {what}: {up} scrolls back up", g.more_up),
            (false, false) => format!("{} end of {what}", g.more_up),
        };
        lines.push(Line::from(Span::styled(text, theme.dim())));
    }
    // The ticket box is in the pinned lines: its cursor never scrolls.
    if let Some((x, line)) = b.ticket_cursor
        && line < height
    {
        frame.set_cursor_position((area.x + x, area.y + line as u16));
    } else if let Some((x, line)) = b.cursor
        && run.focus_form
        && line >= pinned + scroll
    {
        let y = line - scroll;
        if y < height {
            frame.set_cursor_position((area.x + x, area.y + y as u16));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn status(run: &Run, spinner: usize, theme: &Theme, g: Glyphs, b: &mut Body) {
    let step = &run.wizard.steps[run.current];
    let p = &run.progress[run.current];
    let (glyph, text, style): (&str, String, Style) = match p.pending.map(|x| x.kind) {
        Some(PendingKind::Verify) => {
            let total = progress::items(step)
                .iter()
                .filter(|i| !i.is_manual(step))
                .count();
            let answered = progress::items(step)
                .into_iter()
                .filter(|i| {
                    !i.is_manual(step) && matches!(p.live(step, run.wizard.psa, *i), Live::Done(..))
                })
                .count();
            (
                g.spinner(spinner),
                format!(
                    "Verifying against the PSA{} {answered} of {total} answered{} {} Esc cancels",
                    g.ellipsis,
                    waiting_on(run, step, g),
                    g.dot
                ),
                theme.accent(),
            )
        }
        Some(PendingKind::Apply) => (
            g.spinner(spinner),
            format!(
                "Doing this step in the sandbox, as you would in the PSA{}",
                g.ellipsis
            ),
            theme.accent(),
        ),
        Some(PendingKind::Submit) => (
            g.spinner(spinner),
            format!("Sending to the vendor{}", g.ellipsis),
            theme.accent(),
        ),
        None if p.error.is_some() => {
            let e = p.error.as_ref().expect("checked");
            (
                g.fail,
                format!(
                    "Could not verify: {}",
                    crate::sanitize::clean_line(&e.message)
                ),
                theme.fail(),
            )
        }
        None => {
            let v = p.verdict(step);
            let text = match &v {
                StepVerdict::Verified { .. } => v.sentence(),
                StepVerdict::PartlyVerified { warnings, .. } if *warnings > 0 => {
                    format!("{} See the {} rows.", v.sentence(), g.warn)
                }
                StepVerdict::NotVerified(Why::Failed { failed }) => {
                    let unchecked = p.results.iter().filter(|r| r.could_not_run()).count();
                    if unchecked > 0 {
                        format!(
                            "Not verified: {failed} check(s) failed and {unchecked} could not run. The remedy is under each {} row.",
                            g.fail
                        )
                    } else {
                        format!(
                            "Not verified: {failed} check(s) failed: the remedy is under each {} row.",
                            g.fail
                        )
                    }
                }
                StepVerdict::NotVerified(Why::CouldNotRun { .. }) => {
                    // Nothing to fix here yet: say what stopped the checks.
                    let later = if run.current < run.conn_step {
                        // Name n only when it works; until then, what unblocks it.
                        let then = if run.enabled(Action::Next) {
                            format!("press {} and come back, or", run.key(Action::Next))
                        } else {
                            format!(
                                "tick each manual item ({}) to go on;",
                                run.key(Action::Tick)
                            )
                        };
                        format!(
                            " They need the credentials from step {}: {then} they are checked then.",
                            run.conn_step + 1
                        )
                    } else {
                        String::new()
                    };
                    format!("{}{later}", v.sentence())
                }
                StepVerdict::ContinuedUnverified { .. } => {
                    format!(
                        "Continued unverified (recorded in the session). {} verifies it now.",
                        run.key(Action::Verify)
                    )
                }
                StepVerdict::NotVerified(_) if p.is_deferred(step) => format!(
                    "Verified once the connection exists (step {}).",
                    run.conn_step + 1
                ),
                StepVerdict::NotVerified(Why::ToConfirm { .. }) if p.report.is_some() => format!(
                    "The PSA's checks are in. Tick each manual item once done ({}).",
                    run.key(Action::Tick)
                ),
                StepVerdict::NotVerified(_) if run.deferrable(run.current) => format!(
                    "Do this, then {}: it is verified after step {} gives the connection.",
                    run.key(Action::Next),
                    run.conn_step + 1
                ),
                StepVerdict::NotVerified(_)
                    if run.current < run.conn_step
                        && !run.done(run.conn_step)
                        && progress::needs_api(step) =>
                {
                    format!(
                        "Do this and tick each manual item ({}); it is verified after step {} gives the connection.",
                        run.key(Action::Tick),
                        run.conn_step + 1
                    )
                }
                StepVerdict::NotVerified(_) if progress::needs_api(step) => format!(
                    "Not verified yet. Do the clicks below, then press {} to verify.",
                    run.key(Action::Verify)
                ),
                StepVerdict::NotVerified(_) => format!(
                    "Not verifiable through the API: tick each item once done ({}).",
                    run.key(Action::Tick)
                ),
                _ => v.sentence(),
            };
            let glyph = match &v {
                StepVerdict::NotVerified(Why::NotRun | Why::ToConfirm { .. })
                    if !p.is_deferred(step) =>
                {
                    g.current
                }
                _ => g.verdict(&v, p.deferred),
            };
            let style = match &v {
                StepVerdict::NotVerified(Why::NotRun | Why::ToConfirm { .. }) => theme.accent(),
                _ => verdict_style(theme, &v),
            };
            (glyph, text, style)
        }
    };
    b.text(&text, &format!("{glyph} "), "  ", style);
    if run.confirm {
        b.text(
            "Continue without verifying this step? The session records it as unverified. y = yes, n = no",
            &format!("{} ", g.unverified),
            "  ",
            theme.warn().add_modifier(ratatui::style::Modifier::BOLD),
        );
    }
    if let Some(prompt) = run.prompt {
        let text = match prompt {
            Prompt::Submit => handoff::submit_question(run),
            Prompt::Writes => crate::tui::app::ticket::writes_question(run),
            Prompt::RetrySame => format!(
                "Send the same credentials again? The PSA refused them before{}: do this only after fixing the account in the PSA. y = try again, n = cancel",
                run.wizard
                    .psa
                    .profile()
                    .lockout
                    .map(|l| format!(", and {}", l.an_account))
                    .unwrap_or_default()
            ),
        };
        b.text(
            &text,
            &format!("{} ", g.unverified),
            "  ",
            theme.warn().add_modifier(ratatui::style::Modifier::BOLD),
        );
    }
    if let Some(pick) = &run.ticket_pick {
        ticket_box(run, pick, theme, g, b);
    }
    if let Some(e) = &p.error
        && p.pending.is_none()
    {
        b.text(
            &e.remedy,
            &format!("  {} ", g.arrow),
            "    ",
            Style::default(),
        );
    }
}

/// While a verification runs: how many PSA answers are in, and once nothing has come for a
/// while, what it is waiting on (the oldest request still out, else the items without an
/// answer).
fn waiting_on(run: &Run, step: &Step, g: Glyphs) -> String {
    let p = &run.progress[run.current];
    let mut out = String::new();
    if p.answers > 0 {
        let s = if p.answers == 1 { "" } else { "s" };
        out.push_str(&format!(" {} {} PSA answer{s}", g.dot, p.answers));
    }
    if p.quiet < progress::SLOW_TICKS {
        return out;
    }
    if let Some(w) = p.waiting.first() {
        // Only a request out for a while is what holds things up.
        if w.ticks < progress::SLOW_TICKS {
            return out;
        }
        let secs = w.ticks / progress::TICKS_PER_SECOND;
        let more = match p.waiting.len() - 1 {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        out.push_str(&format!(
            " {} waiting {secs} s for the PSA to answer {}{more}",
            g.dot, w.what
        ));
    } else {
        let psa = run.wizard.psa;
        let names: Vec<String> = progress::items(step)
            .into_iter()
            .filter(|i| matches!(p.live(step, psa, *i), Live::Waiting))
            .map(|i| match i {
                Item::Row(n) => step.permissions[n].subject().to_string(),
                Item::Check(n) => step.checks[n].title.clone(),
            })
            .collect();
        if let Some(first) = names.first() {
            let more = match names.len() - 1 {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            out.push_str(&format!(" {} still waiting on {first}{more}", g.dot));
        }
    }
    out
}

/// Naming the ticket for the impersonation write test's note (it cannot be deleted).
fn ticket_box(
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
    if run.demo && run.test_ticket.is_none() {
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
fn handoff_panel(run: &Run, theme: &Theme, g: Glyphs, b: &mut Body) {
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
    if let Some(ep) = &run.submit_endpoint {
        let text = if run.submit_demo {
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
        let id = handoff::field_id(*f);
        let value = run.form.field(id).map(|x| x.value().trim()).unwrap_or("");
        let (shown, style) = if value.is_empty() {
            (
                format!("(empty: enter it at step {})", run.conn_step + 1),
                theme.dim(),
            )
        } else if f.is_secret() && !run.handoff.revealed {
            let where_ = if run.demo {
                "masked; kept in memory (demo)".to_string()
            } else if !run.secrets_in_keyring {
                "masked; not in the keyring (this run only)".to_string()
            } else {
                let account = run.secret_accounts.get(&id).cloned().unwrap_or_else(|| {
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

fn form(run: &Run, theme: &Theme, g: Glyphs, b: &mut Body) {
    let title = if run.focus_form {
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
        let focused = run.focus_form && i == run.form.focus;
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

fn table(run: &Run, spinner: usize, step: &Step, theme: &Theme, g: Glyphs, b: &mut Body) {
    let p = &run.progress[run.current];
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
        let selected = n == run.selected && !run.focus_form;
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
            if run.demo_ticked.contains(&(run.current, item.key(step))) {
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

/// `text` in rows of `width` characters (for values that are one long token).
fn chunks(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// Like [`chunks`], but a row ends after a `/`, `.`, `@` or `-` in its second half when there is
/// one, so an address breaks where a person would break it.
fn token_rows(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rest: Vec<char> = text.chars().collect();
    let mut rows = Vec::new();
    while rest.len() > width {
        let cut = (width / 2..width)
            .rev()
            .find(|&i| matches!(rest[i], '/' | '.' | '@' | '-' | '?' | '&'))
            .map_or(width, |i| i + 1);
        rows.push(rest.drain(..cut).collect());
    }
    rows.push(rest.into_iter().collect());
    rows
}

/// What each license can and cannot do when impersonated, as the guide lists it.
fn license_limits(run: &Run, step: &Step, theme: &Theme, g: Glyphs, b: &mut Body) {
    if step.license_limits.is_empty() {
        return;
    }
    b.blank();
    b.text(
        &format!(
            "License limits on impersonation, from {}'s guide:",
            run.wizard.vendor
        ),
        "",
        "",
        theme.bold(),
    );
    for lim in &step.license_limits {
        let what = match lim.impersonation {
            ImpersonationSupport::Full => "no limitations",
            ImpersonationSupport::Partial => "limited",
            ImpersonationSupport::None => "cannot be impersonated",
        };
        b.text(
            &format!("{}: {what}", lim.licenses.join(", ")),
            &format!("{} ", g.bullet),
            "  ",
            Style::default(),
        );
        if !lim.note.is_empty() {
            b.text(&lim.note, "  ", "  ", theme.dim());
        }
        for c in &lim.cannot {
            b.text(c, "    cannot: ", "            ", Style::default());
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

/// The colour of a verdict: observed green, confirmed or continued amber, failed red.
pub(super) fn verdict_style(theme: &Theme, v: &StepVerdict) -> Style {
    match v {
        StepVerdict::Verified { .. } => theme.ok(),
        StepVerdict::PartlyVerified { warnings: 0, .. } => theme.ok(),
        StepVerdict::PartlyVerified { .. }
        | StepVerdict::ConfirmedByYou { .. }
        | StepVerdict::ContinuedUnverified { .. } => theme.warn(),
        StepVerdict::NotVerified(Why::Failed { .. } | Why::CouldNotRun { .. }) => theme.fail(),
        _ => theme.dim(),
    }
}

/// The summary's headline: exactly how many steps stand on what, never more than observed.
/// `(all verified on the PSA, text)`: "all verified" only when every step was observed.
pub fn summary_headline(verdicts: &[StepVerdict]) -> (bool, String) {
    let count = |key: &str| verdicts.iter().filter(|v| v.key() == key).count();
    let total = verdicts.len();
    let verified = count("verified");
    if verified == total {
        return (
            true,
            "All steps done: every step is verified on the PSA. Your session is saved.".into(),
        );
    }
    let mut parts = Vec::new();
    for (key, label) in [
        ("verified", "verified on the PSA"),
        ("partly_verified", "partly verified"),
        ("confirmed_by_you", "confirmed by you"),
        ("continued_unverified", "continued unverified"),
        ("skipped_optional", "skipped (optional)"),
        ("not_verified", "not verified"),
    ] {
        let n = count(key);
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    let done = verdicts.iter().all(StepVerdict::is_done);
    let text = if done {
        format!(
            "All steps done: {}. Your session is saved.",
            parts.join(", ")
        )
    } else {
        format!(
            "{total} steps: {}. Go back (b, or click a step) to finish the rest.",
            parts.join(", ")
        )
    };
    (false, text)
}

/// The summary screen; returns how many of its lines stay pinned while the rest scrolls.
fn summary(run: &Run, theme: &Theme, g: Glyphs, b: &mut Body) -> usize {
    let verdicts: Vec<StepVerdict> = (0..run.progress.len()).map(|i| run.verdict(i)).collect();
    let (all, headline) = summary_headline(&verdicts);
    b.push(Line::from(Span::styled("Summary", theme.bold())));
    let (glyph, style) = if all {
        (g.ok, theme.ok())
    } else {
        (g.warn, theme.warn())
    };
    b.text(&headline, &format!("{glyph} "), "  ", style);
    let pinned = b.lines.len();
    b.blank();
    for (i, (step, v)) in run.wizard.steps.iter().zip(&verdicts).enumerate() {
        let glyph = format!(" {} ", g.verdict(v, run.progress[i].deferred));
        let indent = " ".repeat(glyph.chars().count());
        let number = format!("{}. ", i + 1);
        let title = format!("{number}{}", step.title);
        let under = " ".repeat(number.len());
        for (k, l) in wrap(&title, b.width.saturating_sub(indent.len()), "", &under)
            .into_iter()
            .enumerate()
        {
            b.push(Line::from(vec![
                Span::styled(
                    if k == 0 {
                        glyph.clone()
                    } else {
                        indent.clone()
                    },
                    verdict_style(theme, v),
                ),
                Span::raw(l),
            ]));
        }
        b.text(&v.sentence(), "      ", "      ", theme.dim());
    }
    b.blank();
    b.text(&format!("Session: {}", run.session_id), "", "", theme.dim());
    // Where the steps came from, so the admin can compare with the vendor's page.
    for src in &run.wizard.sources {
        b.text(src, "From: ", "      ", theme.dim());
    }
    if verdicts.iter().all(StepVerdict::is_done) {
        b.blank();
        b.text("Export the setup summary:", "", "", theme.accent());
        b.text(
            &crate::tui::export_command(&run.session_id),
            "  ",
            "    ",
            theme.accent(),
        );
    }
    pinned
}

#[cfg(test)]
mod headline_tests {
    use super::*;

    #[test]
    fn long_values_break_into_rows_without_losing_a_character() {
        let url = "https://webservices.autotask.net/atservicesrest";
        let rows = token_rows(url, 28);
        assert_eq!(
            rows,
            vec!["https://webservices.", "autotask.net/atservicesrest"]
        );
        assert_eq!(rows.concat(), url);
        assert_eq!(chunks("abcdef", 4), vec!["abcd", "ef"]);
        assert!(
            token_rows("x".repeat(70).as_str(), 30)
                .iter()
                .all(|r| r.len() <= 30)
        );
    }

    #[test]
    fn the_summary_headline_never_says_verified_for_what_was_confirmed() {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let verified = StepVerdict::Verified { at };
        let confirmed = StepVerdict::ConfirmedByYou { at: None };
        let (all, text) = summary_headline(&[verified.clone(), verified.clone()]);
        assert!(all, "{text}");
        assert!(text.contains("every step is verified on the PSA"));
        let (all, text) = summary_headline(&[verified, confirmed]);
        assert!(!all);
        assert_eq!(
            text,
            "All steps done: 1 verified on the PSA, 1 confirmed by you. Your session is saved."
        );
        let (_, text) = summary_headline(&[StepVerdict::NotVerified(Why::NotRun)]);
        assert!(
            text.contains("1 not verified") && text.contains("Go back"),
            "{text}"
        );
    }
}
