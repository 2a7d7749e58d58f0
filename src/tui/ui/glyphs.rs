//! Status glyphs, with ASCII fallbacks for terminals without UTF-8 (or when NO_COLOR asks for plain).

use crate::verdict::Verdict;
use crate::verify::Status;

#[derive(Debug, Clone, Copy)]
pub struct Glyphs {
    pub ascii: bool,
    pub current: &'static str,
    pub todo: &'static str,
    pub ok: &'static str,
    pub fail: &'static str,
    pub warn: &'static str,
    pub unverified: &'static str,
    pub skipped: &'static str,
    pub deferred: &'static str,
    /// Confirmed by the admin (nothing automated).
    pub confirmed: &'static str,
    /// Partly verified: observed and confirmed, or observed with warnings.
    pub partly: &'static str,
    pub unknown: &'static str,
    pub box_on: &'static str,
    pub box_off: &'static str,
    pub sep: &'static str,
    pub arrow: &'static str,
    pub select: &'static str,
    pub ellipsis: &'static str,
    pub bullet: &'static str,
    pub dot: &'static str,
    pub updown: &'static str,
    /// Marks the line saying more text is below / the text ends here.
    pub more: &'static str,
    pub more_up: &'static str,
    spinner: &'static [&'static str],
}

const UTF8: Glyphs = Glyphs {
    ascii: false,
    current: "◆",
    todo: "◇",
    ok: "✓",
    fail: "✗",
    warn: "⚠",
    unverified: "▲",
    skipped: "–",
    deferred: "◇",
    confirmed: "☑",
    partly: "◐",
    unknown: "·",
    box_on: "[✓]",
    box_off: "[ ]",
    sep: "›",
    arrow: "→",
    select: "▌",
    ellipsis: "…",
    bullet: "•",
    dot: "·",
    updown: "↑↓",
    more: "▼",
    more_up: "▲",
    spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
};

const ASCII: Glyphs = Glyphs {
    ascii: true,
    current: ">",
    todo: "o",
    ok: "+",
    fail: "x",
    warn: "!",
    unverified: "?",
    skipped: "-",
    deferred: "~",
    confirmed: "c",
    partly: "p",
    unknown: ".",
    box_on: "[x]",
    box_off: "[ ]",
    sep: ">",
    arrow: "->",
    select: ">",
    ellipsis: "...",
    bullet: "*",
    dot: "-",
    updown: "Up/Down",
    // Not "v": that is the verify key.
    more: "...",
    more_up: "...",
    spinner: &["|", "/", "-", "\\"],
};

impl Glyphs {
    pub fn new(plain: bool) -> Self {
        if plain { ASCII } else { UTF8 }
    }

    pub fn spinner(&self, frame: usize) -> &'static str {
        self.spinner[frame % self.spinner.len()]
    }

    pub fn status(&self, s: Status) -> &'static str {
        match s {
            Status::Pass => self.ok,
            Status::Warn => self.warn,
            Status::Fail => self.fail,
            Status::Manual => self.box_off,
            Status::Skipped => self.skipped,
        }
    }

    /// A step's glyph: its verdict, or "deferred" while it waits for the connection.
    pub fn verdict(&self, v: &Verdict, deferred: bool) -> &'static str {
        match v {
            Verdict::Verified { .. } => self.ok,
            Verdict::ConfirmedByYou { .. } => self.confirmed,
            Verdict::PartlyVerified { warnings: 0, .. } => self.partly,
            Verdict::PartlyVerified { .. } => self.warn,
            Verdict::NotVerified(_) if deferred => self.deferred,
            Verdict::NotVerified(w) if *w == crate::verdict::Why::NotRun => self.todo,
            Verdict::NotVerified(crate::verdict::Why::ToConfirm { .. }) => self.todo,
            Verdict::NotVerified(_) => self.fail,
            Verdict::ContinuedUnverified { .. } => self.unverified,
            Verdict::SkippedOptional { .. } => self.skipped,
        }
    }
}
