//! The summary screen, once past the last step.

use ratatui::text::{Line, Span};

use super::step::{Body, verdict_style};
use super::text::wrap;
use super::{Glyphs, RunFacts, Theme};
use crate::verdict::Verdict as StepVerdict;

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
pub(super) fn summary(facts: &RunFacts, theme: &Theme, g: Glyphs, b: &mut Body) -> usize {
    let (run, verdicts) = (facts.run, &facts.verdicts);
    let (all, headline) = summary_headline(verdicts);
    b.push(Line::from(Span::styled("Summary", theme.bold())));
    let (glyph, style) = if all {
        (g.ok, theme.ok())
    } else {
        (g.warn, theme.warn())
    };
    b.text(&headline, &format!("{glyph} "), "  ", style);
    let pinned = b.lines.len();
    b.blank();
    for (i, (step, v)) in run.wizard.steps.iter().zip(verdicts).enumerate() {
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
mod tests {
    use super::*;
    use crate::verdict::Why;

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
