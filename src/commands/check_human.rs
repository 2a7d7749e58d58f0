//! `psa-onboard check`'s readable report: a header a ticket can carry, failures first, then
//! each step's verdict; glyphs and colour by the terminal's capabilities (`term_caps`).

use crate::verdict::Verdict;
use crate::verify::{CheckResult, Report, Status};
use crate::wizard::Wizard;

/// How the human report is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Unicode glyphs (UTF-8 locale, no NO_COLOR).
    pub fancy: bool,
    /// ANSI colour (a terminal, no NO_COLOR, not TERM=dumb).
    pub color: bool,
}

impl Style {
    pub fn from_env() -> Style {
        use std::io::IsTerminal;
        let no_color = crate::term_caps::no_color_from_env();
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style {
            fancy: fancy_glyphs(),
            color: !no_color && !dumb && std::io::stdout().is_terminal(),
        }
    }

    fn paint(self, s: Status, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match s {
            Status::Pass => "32",
            Status::Fail => "31",
            Status::Warn => "33",
            Status::Manual => "36",
            Status::Skipped => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn bold(self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Unicode glyphs unless NO_COLOR is set or the locale is not UTF-8 (the TUI's rule).
fn fancy_glyphs() -> bool {
    !crate::term_caps::plain()
}

fn glyph(s: Status, fancy: bool) -> &'static str {
    match (s, fancy) {
        (Status::Pass, true) => "✓",
        (Status::Fail, true) => "✗",
        (Status::Warn, true) => "⚠",
        (Status::Manual, true) => "?",
        (Status::Skipped, true) => "–",
        (Status::Pass, false) => "[ok]",
        (Status::Fail, false) => "[FAIL]",
        (Status::Warn, false) => "[warn]",
        (Status::Manual, false) => "[?]",
        (Status::Skipped, false) => "[skip]",
    }
}

/// The glyph status a verdict is drawn with.
fn verdict_status(v: &Verdict) -> Status {
    match v {
        Verdict::Verified { .. } => Status::Pass,
        Verdict::PartlyVerified { .. } => Status::Warn,
        Verdict::ConfirmedByYou { .. } => Status::Manual,
        Verdict::NotVerified(crate::verdict::Why::Failed { .. }) => Status::Fail,
        Verdict::NotVerified(crate::verdict::Why::CouldNotRun { .. }) => Status::Fail,
        Verdict::NotVerified(_) => Status::Manual,
        Verdict::ContinuedUnverified { .. } | Verdict::SkippedOptional { .. } => Status::Skipped,
    }
}

/// The human-readable report: a header a ticket can carry, failures first, checks that could
/// not run collapsed by cause, then each step's verdict. Every string from a wizard file or the
/// PSA is cleaned of terminal control sequences.
pub fn render_human(
    wizard: &Wizard,
    report: &Report,
    verdicts: &[Verdict],
    style: Style,
) -> String {
    let clean = crate::sanitize::clean_line;
    let fancy = style.fancy;
    let sep = if fancy { "›" } else { ">" };
    let mut o = String::new();
    // Header: what, where, who, when, which version. Never a secret.
    o.push_str(&style.bold(&format!("{} ({})", clean(&wizard.title), clean(&wizard.id))));
    o.push('\n');
    let mut line = |k: &str, v: String| o.push_str(&format!("  {k:<11} {v}\n"));
    line("PSA", wizard.psa.label().to_string());
    if let Some(t) = &report.target {
        for (k, v) in [
            ("Site", &t.site),
            ("Company", &t.company_id),
            (
                "API member",
                &t.member_public_key
                    .as_ref()
                    .map(|k| format!("public key {k}")),
            ),
            ("Zone root", &t.api_root),
            ("Zone", &t.zone),
            ("API user", &t.api_user),
        ] {
            if let Some(v) = v {
                line(k, clean(v));
            }
        }
    }
    if let Some(at) = report.started_at {
        line("Checked", at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string());
    }
    line("Tool", format!("psa-onboard {}", report.tool_version));

    let checks = || {
        report
            .steps
            .iter()
            .flat_map(|s| s.checks.iter().map(move |c| (s, c)))
    };
    let detail = |o: &mut String, c: &CheckResult| {
        for l in c.detail.lines().filter(|l| !l.trim().is_empty()) {
            o.push_str(&format!("      {}\n", clean(l)));
        }
        if let Some(p) = &c.permission
            && c.status != Status::Pass
        {
            o.push_str(&format!(
                "      {} {sep} {} {}: required {}, found {}\n",
                clean(&p.module),
                clean(&p.function),
                clean(&p.op),
                clean(&p.required),
                clean(&p.actual)
            ));
        }
        if !c.remedy.is_empty() && matches!(c.status, Status::Fail | Status::Warn) {
            o.push_str(&format!("      fix: {}\n", clean(&c.remedy)));
        }
    };
    for (status, heading) in [(Status::Fail, "Failed"), (Status::Warn, "Warnings")] {
        let hits: Vec<_> = checks().filter(|(_, c)| c.status == status).collect();
        if hits.is_empty() {
            continue;
        }
        o.push_str(&format!(
            "\n{}\n",
            style.bold(&format!("{heading} ({})", hits.len()))
        ));
        for (step, c) in hits {
            o.push_str(&format!(
                "  {} {} {sep} {}\n",
                style.paint(status, glyph(status, fancy)),
                clean(&step.title),
                clean(&c.title)
            ));
            detail(&mut o, c);
        }
    }
    // Checks that could not run, one line per cause.
    let mut causes: Vec<(String, usize)> = Vec::new();
    for (_, c) in checks().filter(|(_, c)| c.could_not_run()) {
        let cause = clean(c.detail.trim().trim_start_matches("skipped:").trim());
        match causes.iter_mut().find(|(k, _)| *k == cause) {
            Some((_, n)) => *n += 1,
            None => causes.push((cause, 1)),
        }
    }
    if !causes.is_empty() {
        o.push_str(&format!("\n{}\n", style.bold("Not run")));
        for (cause, n) in &causes {
            o.push_str(&format!(
                "  {} {n} check(s) not run: {cause}\n",
                style.paint(Status::Skipped, glyph(Status::Skipped, fancy))
            ));
        }
    }
    // The guide's conditional steps the admin did not choose: named, with how to choose them.
    let unchosen: Vec<&crate::wizard::Step> = wizard
        .steps
        .iter()
        .filter(|st| {
            report.steps.iter().any(|r| {
                r.id == st.id
                    && !r.checks.is_empty()
                    && r.checks
                        .iter()
                        .all(|c| c.skip == Some(crate::verify::SkipCause::NotChosen))
            })
        })
        .collect();
    if !unchosen.is_empty() {
        o.push_str(&format!(
            "\n{}\n",
            style.bold("Not chosen (conditional in the guide)")
        ));
        for st in unchosen {
            o.push_str(&format!(
                "  {} {}: {} Add --with {} to check it.\n",
                style.paint(Status::Skipped, glyph(Status::Skipped, fancy)),
                clean(&st.title),
                clean(st.condition.as_deref().unwrap_or("optional")),
                clean(&st.id)
            ));
        }
    }
    let manual: Vec<_> = checks()
        .filter(|(_, c)| c.status == Status::Manual)
        .collect();
    if !manual.is_empty() {
        o.push_str(&format!(
            "\n{}\n",
            style.bold(&format!(
                "To confirm yourself ({}): the PSA's API cannot show these",
                manual.len()
            ))
        ));
        for (step, c) in manual {
            o.push_str(&format!(
                "  {} {} {sep} {}\n",
                style.paint(Status::Manual, glyph(Status::Manual, fancy)),
                clean(&step.title),
                clean(&c.title)
            ));
            // Why the API cannot show it, so the admin knows what to look at.
            detail(&mut o, c);
        }
    }
    o.push_str(&format!("\n{}\n", style.bold("Steps")));
    for (i, step) in wizard.steps.iter().enumerate() {
        let Some(v) = verdicts.get(i) else { continue };
        let s = verdict_status(v);
        o.push_str(&format!(
            "  {} {}. {} — {}\n",
            style.paint(s, glyph(s, fancy)),
            i + 1,
            clean(&step.title),
            v.sentence()
        ));
        let passed: Vec<String> = report
            .steps
            .iter()
            .filter(|r| r.id == step.id)
            .flat_map(|r| &r.checks)
            .filter(|c| c.status == Status::Pass)
            .map(|c| clean(&c.title))
            .collect();
        if !passed.is_empty() {
            o.push_str(&format!(
                "      {} passed: {}\n",
                style.paint(Status::Pass, glyph(Status::Pass, fancy)),
                passed.join("; ")
            ));
        }
    }
    let c = report.counts;
    o.push_str(&format!(
        "\n{} passed, {} failed, {} warnings, {} to confirm yourself, {} not run — {}\n",
        c.pass,
        c.fail,
        c.warn,
        c.manual,
        c.skipped,
        if report.ok {
            "no check failed"
        } else if c.fail == 0 {
            "some checks could not run"
        } else {
            "some checks failed"
        }
    ));
    o
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::commands::check::verdicts_of;
    use crate::verify::ReportTarget;
    use crate::verify::{CheckResult, PermissionObservation, StepReport};

    pub(crate) fn report() -> (Wizard, Report) {
        let w = crate::wizard::resolve("topleft-connectwise", None)
            .unwrap()
            .wizard;
        let checks = vec![
            CheckResult {
                detail: "missing: edit is My, the guide says All".into(),
                remedy: "Set it.".into(),
                permission: Some(PermissionObservation {
                    module: "Service Desk".into(),
                    function: "Service Tickets".into(),
                    op: "edit".into(),
                    required: "All".into(),
                    actual: "My".into(),
                }),
                ..CheckResult::new("row-20", "Service Desk › Service Tickets", Status::Fail)
            },
            CheckResult::new("company", "Company", Status::Pass),
        ];
        let r = Report::new(
            w.id.clone(),
            "connectwise".into(),
            vec![StepReport::new(
                w.steps[0].id.clone(),
                "Step".into(),
                checks,
            )],
        );
        (w, r)
    }

    fn plain() -> Style {
        Style {
            fancy: false,
            color: false,
        }
    }

    #[test]
    fn human_report_glyphs_and_fallback() {
        let (w, r) = report();
        let v = verdicts_of(&w, &r);
        let fancy = render_human(
            &w,
            &r,
            &v,
            Style {
                fancy: true,
                color: false,
            },
        );
        assert!(
            fancy.contains("✗ Step › Service Desk › Service Tickets"),
            "{fancy}"
        );
        assert!(fancy.contains("✓ passed: Company"), "{fancy}");
        assert!(fancy.contains("Service Desk › Service Tickets edit: required All, found My"));
        assert!(fancy.contains("fix: Set it."));
        assert!(fancy.contains("1 passed, 1 failed"));
        assert!(!fancy.contains('\x1b'), "no colour unless asked");
        let plain = render_human(&w, &r, &v, plain());
        assert!(
            plain.contains("[FAIL] Step > Service Desk › Service Tickets"),
            "{plain}"
        );
        assert!(plain.contains("[ok] passed: Company"));
        assert!(!plain.contains('✗'));
        let color = render_human(
            &w,
            &r,
            &v,
            Style {
                fancy: true,
                color: true,
            },
        );
        assert!(color.contains("\x1b[31m✗\x1b[0m"), "{color}");
    }

    #[test]
    fn failures_come_first_and_checks_not_run_collapse_by_cause() {
        let w = crate::wizard::resolve("topleft-connectwise", None)
            .unwrap()
            .wizard;
        let mut steps = Vec::new();
        for (i, step) in w.steps.iter().enumerate() {
            let checks = (0..12)
                .map(|n| {
                    let mut c =
                        CheckResult::new(format!("c{n}"), format!("check {n}"), Status::Skipped);
                    c.detail = "skipped: sign-in failed".into();
                    c.skip = Some(crate::verify::SkipCause::CouldNotRun);
                    if i == 2 && n == 0 {
                        c.status = Status::Fail;
                        c.skip = None;
                        c.detail = "ConnectWise refused the keys".into();
                    }
                    c
                })
                .collect();
            steps.push(StepReport::new(step.id.clone(), step.title.clone(), checks));
        }
        let mut r = Report::new(w.id.clone(), "connectwise".into(), steps);
        r.target = Some(ReportTarget {
            site: Some("na.myconnectwise.net".into()),
            company_id: Some("acme".into()),
            member_public_key: Some("pub123".into()),
            ..ReportTarget::default()
        });
        r.started_at = Some("2026-12-06T01:00:00Z".parse().unwrap());
        let text = render_human(&w, &r, &verdicts_of(&w, &r), plain());
        let fail = text.find("[FAIL]").expect("a failure line");
        let not_run = text
            .find("check(s) not run: sign-in failed")
            .expect("{text}");
        assert!(fail < not_run, "failures first:\n{text}");
        assert_eq!(text.matches("not run: sign-in failed").count(), 1, "{text}");
        for want in [
            "na.myconnectwise.net",
            "acme",
            "public key pub123",
            "2026-12-06 01:00:00 UTC",
            "psa-onboard ",
        ] {
            assert!(
                text.contains(want),
                "{want} missing from the header:\n{text}"
            );
        }
        assert!(!r.ok);
    }
}
