//! Markdown summary: readable as plain text in a ticket, renders as tables where Markdown does.

use std::fmt::Write;

use super::human_time;
use super::sanitize::markdown as md;
use super::summary::Summary;

pub fn render(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Setup summary: {}", md(&s.wizard.title));
    o.push('\n');
    let _ = writeln!(o, "| | |");
    let _ = writeln!(o, "|---|---|");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(o, "| {k} | {v} |");
    };
    row(
        "Integration",
        format!("{} (wizard {})", md(&s.wizard.vendor), md(&s.wizard.id)),
    );
    row("PSA", md(&s.wizard.psa_label));
    if let Some(i) = &s.instance {
        for (k, v) in [
            ("API root", &i.api_root),
            ("Zone", &i.zone),
            ("API user", &i.api_user),
            ("Site", &i.site),
            ("Company ID", &i.company_id),
        ] {
            if let Some(v) = v {
                row(k, md(v));
            }
        }
    } else {
        row("Instance", "not entered yet".into());
    }
    row("Session", md(&s.session));
    row(
        "Started",
        format!("{} by {}", human_time(s.started), md(&s.by)),
    );
    row("Last activity", human_time(s.last_activity));
    row("Progress", progress(s));
    o.push('\n');

    if s.demo {
        let _ = writeln!(
            o,
            "> **Demo session.** Verified against psa-onboard's built-in simulated PSA, not a \
             real tenant.\n"
        );
    }
    if s.wizard.changed_since_start {
        let _ = writeln!(
            o,
            "> **The wizard changed since this session began.** {}\n",
            if s.reverify.is_empty() {
                "No step worked on so far is affected.".to_string()
            } else {
                format!("Verify again: {}.", md(&s.reverify.join(", ")))
            }
        );
    }

    let _ = writeln!(o, "## Steps\n");
    let _ = writeln!(o, "| # | Step | Status | Last verified | Result |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for (n, st) in s.steps.iter().enumerate() {
        let status = match st.status_at {
            Some(at) => format!("{} ({})", label(&st.status), human_time(at)),
            None if st.status == "not_verified" => md(&st.status_text),
            None => label(&st.status).to_string(),
        };
        let _ = writeln!(
            o,
            "| {} | {}{} | {} | {} | {} |",
            n + 1,
            md(&st.title),
            match st.chosen {
                Some(true) => " *(optional, chosen)*",
                Some(false) => " *(optional, not chosen)*",
                None => "",
            },
            status,
            st.last_verified
                .map(human_time)
                .unwrap_or_else(|| "—".into()),
            st.last_result.map(|r| r.label()).unwrap_or("—"),
        );
    }
    o.push('\n');
    for st in s.steps.iter().filter(|st| !st.evidence.is_empty()) {
        let _ = writeln!(o, "### Evidence: {}\n", md(&st.title));
        for c in &st.evidence {
            let _ = writeln!(o, "- {}: {}", md(&c.title), md(&c.detail));
        }
        o.push('\n');
    }
    let open: Vec<_> = s
        .steps
        .iter()
        .filter(|st| !st.open_checks.is_empty())
        .collect();
    if !open.is_empty() {
        let _ = writeln!(o, "### Open checks\n");
        for st in open {
            for c in &st.open_checks {
                let _ = writeln!(
                    o,
                    "- **{}** › {}: {}{}",
                    md(&st.title),
                    md(&c.title),
                    c.status.label(),
                    if c.detail.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", md(&c.detail))
                    }
                );
                if !c.remedy.is_empty() {
                    let _ = writeln!(o, "  - To fix: {}", md(&c.remedy));
                }
            }
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Permissions\n");
    if s.permissions.is_empty() {
        let _ = writeln!(o, "No permission has been observed yet.\n");
    } else {
        let _ = writeln!(
            o,
            "| Row (the guide's) | Object / function | Operation | Guide's value | Observed on the PSA | Result | Observed at |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|");
        for p in &s.permissions {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md(&p.row),
                md(&p.function),
                md(&p.op),
                md(&p.required),
                if p.observed.is_empty() {
                    "—".to_string()
                } else {
                    md(&p.observed)
                },
                row_result(p),
                p.observed_at.map(human_time).unwrap_or_else(|| "—".into()),
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Warnings\n");
    if s.warnings.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        for w in &s.warnings {
            let what = if w.excess_privilege {
                format!(
                    "**Excess privilege**: {} (required {}, observed {})",
                    md(&w.title),
                    md(w.required.as_deref().unwrap_or("?")),
                    md(w.observed.as_deref().unwrap_or("?"))
                )
            } else {
                md(&w.title)
            };
            let _ = write!(o, "- {what}");
            if !w.detail.is_empty() {
                let _ = write!(o, " — {}", md(&w.detail));
            }
            o.push('\n');
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Manual confirmations\n");
    if s.manual_confirmations.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        let _ = writeln!(o, "| Step | Item | Confirmed | By |");
        let _ = writeln!(o, "|---|---|---|---|");
        for c in &s.manual_confirmations {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md(&c.step_title),
                md(&c.title),
                human_time(c.confirmed_at),
                md(&c.by)
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Continued without verification\n");
    if s.continued_unverified.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        for u in &s.continued_unverified {
            let _ = writeln!(
                o,
                "- **{}** — {}: {}",
                md(&u.title),
                human_time(u.at),
                md(&u.reason)
            );
        }
    }
    o.push_str("\n---\nGenerated by psa-onboard. Contains no secrets.\n");
    o
}

pub(super) fn progress(s: &Summary) -> String {
    let p = &s.progress;
    let parts: Vec<String> = [
        (p.verified, "verified on the PSA"),
        (p.partly_verified, "partly verified"),
        (p.confirmed_by_you, "confirmed by you"),
        (p.continued_unverified, "continued unverified"),
        (p.skipped_optional, "skipped"),
        (p.not_verified, "not verified"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    format!(
        "{} of {} steps done ({})",
        p.done,
        p.total,
        parts.join(", ")
    )
}

/// A permission row's result in words: a manual row is confirmed by you or still to confirm.
pub(super) fn row_result(p: &super::summary::PermissionLine) -> &'static str {
    match p.status {
        crate::verify::Status::Manual if p.confirmed => "confirmed by you",
        crate::verify::Status::Manual => "to confirm (the API cannot show it)",
        crate::verify::Status::Skipped => "not observed",
        s => s.label(),
    }
}

pub(super) fn label(status: &str) -> &'static str {
    match status {
        "verified" => "verified",
        "partly_verified" => "partly verified",
        "confirmed_by_you" => "confirmed by you",
        "not_verified" => "not verified",
        "continued_unverified" => "continued unverified",
        "skipped_optional" => "skipped (optional)",
        _ => "unknown",
    }
}
