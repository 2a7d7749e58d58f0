//! Setup summaries: a session rendered for the MSP's ticket or the vendor (Markdown, JSON,
//! self-contained HTML). Every renderer works from one [`Summary`] built here, so the formats
//! never disagree; text that may have come from the PSA is cleaned of control characters once,
//! then escaped per format. No secret can appear: the session holds none, and the summary
//! copies only named non-secret fields.

pub mod example;
mod html;
mod markdown;
pub mod sanitize;
pub mod summary;

pub use summary::Summary;

use crate::session::Session;
use crate::wizard::Wizard;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for pasting into a ticket.
    #[value(alias = "markdown")]
    Md,
    /// JSON, stable and documented in docs/EXPORT.md.
    Json,
    /// One self-contained HTML file (inline CSS, prints well).
    Html,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Html => "html",
        }
    }
}

/// Render a session's setup summary.
pub fn render(session: &Session, wizard: &Wizard, format: Format) -> String {
    let summary = Summary::build(session, wizard);
    match format {
        Format::Md => markdown::render(&summary),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&summary)
                .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize summary: {e}\"}}"));
            s.push('\n');
            s
        }
        Format::Html => html::render(&summary),
    }
}

/// `2026-01-05 10:00 UTC`: what a person reads in a ticket.
pub(crate) fn human_time(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M UTC").to_string()
}
