//! HTML summary: one self-contained file (inline CSS, no scripts, no external resources) that
//! reads well in a browser and prints well.

use std::fmt::Write;

use super::human_time;
use super::markdown::{label, progress};
use super::sanitize::html as h;
use super::summary::Summary;
use crate::verify::report::Status;

const CSS: &str = include_str!("../../assets/summary.css");

fn badge(class: &str, text: &str) -> String {
    format!("<span class=\"badge s-{}\">{}</span>", h(class), h(text))
}

fn status_badge(s: Status) -> String {
    badge(s.label(), s.label())
}

pub fn render(s: &Summary) -> String {
    let mut o = String::new();
    let title = format!("Setup summary: {}", s.wizard.title);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        h(&title)
    );
    let _ = write!(
        o,
        "<header>\n<div class=\"kicker\">Setup summary · {}</div>\n<h1>{}</h1>\n</header>\n",
        h(&s.wizard.psa_label),
        h(&s.wizard.title)
    );

    o.push_str("<dl class=\"facts\">\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(o, "<dt>{}</dt><dd>{v}</dd>", h(k));
    };
    fact(
        "Integration",
        format!(
            "{} (wizard <code>{}</code>)",
            h(&s.wizard.vendor),
            h(&s.wizard.id)
        ),
    );
    fact("PSA", h(&s.wizard.psa_label));
    match &s.instance {
        Some(i) => {
            for (k, v) in [
                ("API root", &i.api_root),
                ("Zone", &i.zone),
                ("API user", &i.api_user),
                ("Site", &i.site),
                ("Company ID", &i.company_id),
            ] {
                if let Some(v) = v {
                    fact(k, h(v));
                }
            }
        }
        None => fact(
            "Instance",
            "<span class=\"none\">not entered yet</span>".into(),
        ),
    }
    fact("Session", h(&s.session));
    fact(
        "Started",
        format!("{} by {}", h(&human_time(s.started)), h(&s.by)),
    );
    fact("Last activity", h(&human_time(s.last_activity)));
    fact("Progress", h(&progress(s)));
    o.push_str("</dl>\n");
    let pct = (s.progress.done * 100)
        .checked_div(s.progress.total)
        .unwrap_or(0);
    let _ = writeln!(
        o,
        "<div class=\"progress\" role=\"img\" aria-label=\"{pct}% done\"><span style=\"width:{pct}%\"></span></div>"
    );

    if s.demo {
        o.push_str(
            "<p class=\"notice\"><strong>Demo session.</strong> Verified against psa-onboard's \
             built-in simulated PSA, not a real tenant.</p>\n",
        );
    }
    if s.wizard.changed_since_start {
        let what = if s.reverify.is_empty() {
            "No step worked on so far is affected.".to_string()
        } else {
            format!("Verify again: {}.", h(&s.reverify.join(", ")))
        };
        let _ = writeln!(
            o,
            "<p class=\"notice\"><strong>The wizard changed since this session began.</strong> {what}</p>"
        );
    }

    o.push_str("<h2>Steps</h2>\n<table>\n<thead><tr><th>#</th><th>Step</th><th>Status</th><th>Last verified</th><th>Result</th></tr></thead>\n<tbody>\n");
    for (n, st) in s.steps.iter().enumerate() {
        let mut status = badge(&st.status, label(&st.status));
        if st.status_at.is_none() && st.status == "not_verified" {
            let _ = write!(
                status,
                " <span class=\"detail\">{}</span>",
                h(&st.status_text)
            );
        }
        if let Some(at) = st.status_at {
            let _ = write!(
                status,
                " <span class=\"detail\">{}</span>",
                h(&human_time(at))
            );
        }
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}{}</td><td>{status}</td><td class=\"time\">{}</td><td>{}</td></tr>",
            n + 1,
            h(&st.title),
            match st.chosen {
                Some(true) => " <span class=\"opt\">(optional, chosen)</span>",
                Some(false) => " <span class=\"opt\">(optional, not chosen)</span>",
                None => "",
            },
            st.last_verified
                .map(|t| h(&human_time(t)))
                .unwrap_or_else(|| "—".into()),
            st.last_result
                .map(status_badge)
                .unwrap_or_else(|| "—".into()),
        );
    }
    o.push_str("</tbody>\n</table>\n");
    for st in s.steps.iter().filter(|st| !st.evidence.is_empty()) {
        let _ = writeln!(
            o,
            "<h3>Evidence: {}</h3>\n<ul class=\"items\">",
            h(&st.title)
        );
        for c in &st.evidence {
            let _ = writeln!(
                o,
                "<li>{} {} <span class=\"detail\">— {}</span></li>",
                status_badge(c.status),
                h(&c.title),
                h(&c.detail)
            );
        }
        o.push_str("</ul>\n");
    }
    let open: Vec<_> = s
        .steps
        .iter()
        .filter(|st| !st.open_checks.is_empty())
        .collect();
    if !open.is_empty() {
        o.push_str("<h3>Open checks</h3>\n<ul class=\"items\">\n");
        for st in open {
            for c in &st.open_checks {
                let _ = write!(
                    o,
                    "<li>{} <strong>{}</strong> › {}",
                    status_badge(c.status),
                    h(&st.title),
                    h(&c.title)
                );
                if !c.detail.is_empty() {
                    let _ = write!(o, " <span class=\"detail\">— {}</span>", h(&c.detail));
                }
                if !c.remedy.is_empty() {
                    let _ = write!(o, "<div class=\"remedy\">To fix: {}</div>", h(&c.remedy));
                }
                o.push_str("</li>\n");
            }
        }
        o.push_str("</ul>\n");
    }

    o.push_str("<h2>Permissions</h2>\n");
    if s.permissions.is_empty() {
        o.push_str("<p class=\"none\">No permission has been observed yet.</p>\n");
    } else {
        o.push_str("<table>\n<thead><tr><th>Row (the guide's)</th><th>Object / function</th><th>Operation</th><th>Guide's value</th><th>Observed on the PSA</th><th>Result</th><th>Observed at</th></tr></thead>\n<tbody>\n");
        for p in &s.permissions {
            let result = match p.status {
                Status::Pass | Status::Warn | Status::Fail => status_badge(p.status),
                _ => h(super::markdown::row_result(p)),
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{result}</td><td class=\"time\">{}</td></tr>",
                h(&p.row),
                h(&p.function),
                h(&p.op),
                h(&p.required),
                if p.observed.is_empty() {
                    "—".to_string()
                } else {
                    h(&p.observed)
                },
                p.observed_at
                    .map(|t| h(&human_time(t)))
                    .unwrap_or_else(|| "—".into()),
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }

    o.push_str("<h2>Warnings</h2>\n");
    if s.warnings.is_empty() {
        o.push_str("<p class=\"none\">None.</p>\n");
    } else {
        o.push_str("<ul class=\"items\">\n");
        for w in &s.warnings {
            o.push_str("<li>");
            if w.excess_privilege {
                let _ = write!(
                    o,
                    "{} <strong>Excess privilege:</strong> {} (required {}, observed {})",
                    badge("warn", "warn"),
                    h(&w.title),
                    h(w.required.as_deref().unwrap_or("?")),
                    h(w.observed.as_deref().unwrap_or("?"))
                );
            } else {
                let _ = write!(o, "{} {}", badge("warn", "warn"), h(&w.title));
            }
            if !w.detail.is_empty() {
                let _ = write!(o, " <span class=\"detail\">— {}</span>", h(&w.detail));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n");
    }

    o.push_str("<h2>Manual confirmations</h2>\n");
    if s.manual_confirmations.is_empty() {
        o.push_str("<p class=\"none\">None.</p>\n");
    } else {
        o.push_str("<table>\n<thead><tr><th>Step</th><th>Item</th><th>Confirmed</th><th>By</th></tr></thead>\n<tbody>\n");
        for c in &s.manual_confirmations {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"time\">{}</td><td>{}</td></tr>",
                h(&c.step_title),
                h(&c.title),
                h(&human_time(c.confirmed_at)),
                h(&c.by)
            );
        }
        o.push_str("</tbody>\n</table>\n");
    }

    o.push_str("<h2>Continued without verification</h2>\n");
    if s.continued_unverified.is_empty() {
        o.push_str("<p class=\"none\">None.</p>\n");
    } else {
        o.push_str("<ul class=\"items\">\n");
        for u in &s.continued_unverified {
            let _ = writeln!(
                o,
                "<li>{} <strong>{}</strong> — {}: {}</li>",
                badge("continued_unverified", "unverified"),
                h(&u.title),
                h(&human_time(u.at)),
                h(&u.reason)
            );
        }
        o.push_str("</ul>\n");
    }
    let _ = write!(
        o,
        "<footer>Generated by psa-onboard from session {} · wizard hash {} · contains no secrets</footer>\n</main>\n</body>\n</html>\n",
        h(&s.session),
        h(&s.wizard.content_hash)
    );
    o
}
