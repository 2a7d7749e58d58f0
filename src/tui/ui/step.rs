//! The current step: status, the guide's clicks and reasons, the connection form, and the
//! permission table whose rows fill in as the PSA answers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::wrap;
use super::{Glyphs, RunFacts, Theme};
use crate::tui::app::handoff;
use crate::tui::app::progress::{self, Item, Live, PendingKind};
use crate::tui::app::{Modal, Prompt, Run, Viewport};
use crate::tui::keys::{self, Action, Context};
use crate::verdict::{Verdict as StepVerdict, Why};
use crate::wizard::{ImpersonationSupport, Step, StepKind};

/// Lines being built, remembering where each selectable item starts and ends.
pub(super) struct Body<'a> {
    pub(super) lines: Vec<Line<'a>>,
    pub(super) width: usize,
    pub(super) spans: Vec<(usize, usize)>,
    pub(super) cursor: Option<(u16, usize)>,
    /// The connection form's first and last line, when it is on the step.
    pub(super) form: Option<(usize, usize)>,
    /// Where the cursor goes in the ticket box (column, line), when it is open.
    pub(super) ticket_cursor: Option<(u16, usize)>,
}

impl<'a> Body<'a> {
    pub(super) fn push(&mut self, line: Line<'a>) {
        self.lines.push(line);
    }
    pub(super) fn text(&mut self, text: &str, first: &str, rest: &str, style: Style) {
        for l in wrap(text, self.width, first, rest) {
            self.lines.push(Line::from(Span::styled(l, style)));
        }
    }
    pub(super) fn blank(&mut self) {
        self.lines.push(Line::default());
    }
}

pub fn render(facts: &RunFacts, theme: &Theme, g: Glyphs, area: Rect, frame: &mut Frame) {
    let (run, spinner) = (facts.run, facts.spinner);
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
        let pinned = super::summary::summary(facts, theme, g, &mut b);
        return show(run, b, pinned, theme, g, area, frame);
    };
    let i = facts.position;
    let p = &run.progress[i];
    let n = run.wizard.steps.len();
    let optional = if step.optional { " (optional)" } else { "" };
    b.text(
        &format!("Step {} of {n} {} {}{optional}", i + 1, g.dot, step.title),
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
        super::panels::handoff_panel(run, theme, g, &mut b);
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
    if i == run.conn_step || run.form_focused() {
        b.blank();
        let start = b.lines.len();
        super::panels::form(run, theme, g, &mut b);
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
    super::table::table(run, spinner, step, theme, g, &mut b);
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
    let overflow = total > view && !run.form_focused();
    if overflow {
        view = view.saturating_sub(1).max(1);
    }
    let max = total.saturating_sub(view);
    let auto = match (b.cursor, b.spans.get(run.cursor.selected)) {
        // The whole form when it fits, else as much of it as shows the field being typed in.
        (Some((_, line)), _) if run.form_focused() => {
            let (start, end) = b.form.unwrap_or((line, line));
            (end - pinned + 1)
                .saturating_sub(view)
                .min(start - pinned)
                .max((line - pinned + 3).saturating_sub(view))
        }
        (_, Some(_)) if !run.form_focused() && run.cursor.selected == 0 => 0,
        (_, Some(&(start, end))) if !run.form_focused() => {
            (end - pinned + 1).saturating_sub(view).min(start - pinned)
        }
        _ => 0,
    }
    .min(max);
    let scroll = if run.form_focused() {
        auto
    } else {
        run.cursor.scroll.map_or(auto, |s| s.min(max))
    };
    run.cursor.drawn.set(Viewport {
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
        let keys_work = !matches!(
            run.modal_beneath_help(),
            Some(Modal::Confirm | Modal::Prompt(_) | Modal::Ticket(_))
        );
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
        && run.form_focused()
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
    let i = run.rail_position();
    let step = &run.wizard.steps[i];
    let p = &run.progress[i];
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
                    let later = if i < run.conn_step {
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
                StepVerdict::NotVerified(_) if run.deferrable(i) => format!(
                    "Do this, then {}: it is verified after step {} gives the connection.",
                    run.key(Action::Next),
                    run.conn_step + 1
                ),
                StepVerdict::NotVerified(_)
                    if i < run.conn_step
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
    if matches!(run.modal_beneath_help(), Some(Modal::Confirm)) {
        b.text(
            "Continue without verifying this step? The session records it as unverified. y = yes, n = no",
            &format!("{} ", g.unverified),
            "  ",
            theme.warn().add_modifier(ratatui::style::Modifier::BOLD),
        );
    }
    if let Some(prompt) = run.prompt() {
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
    if let Some(pick) = run.ticket_pick() {
        super::panels::ticket_box(run, pick, theme, g, b);
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
    let p = &run.progress[run.rail_position()];
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

/// `text` in rows of `width` characters (for values that are one long token).
pub(super) fn chunks(text: &str, width: usize) -> Vec<String> {
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
pub(super) fn token_rows(text: &str, width: usize) -> Vec<String> {
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

#[cfg(test)]
mod tests {
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
}
