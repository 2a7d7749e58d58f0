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

/// Whether to draw plainly: NO_COLOR is set (any value), or the locale is not UTF-8.
pub fn plain_from_env(get: impl Fn(&str) -> Option<String>) -> bool {
    if get("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    !utf8_locale(get)
}

/// Whether the locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`) says UTF-8; unset says not. The
/// plain-text commands (`show`, `wizards`, `validate`) print ASCII when it does not.
pub fn utf8_locale(get: impl Fn(&str) -> Option<String>) -> bool {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| get(k).filter(|v| !v.is_empty()));
    locale.is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_when_no_color_or_not_utf8() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(!plain_from_env(env(&[("LANG", "en_US.UTF-8")])));
        assert!(plain_from_env(env(&[
            ("LANG", "en_US.UTF-8"),
            ("NO_COLOR", "1")
        ])));
        assert!(plain_from_env(env(&[("LANG", "C")])));
        assert!(plain_from_env(env(&[
            ("LC_ALL", "POSIX"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(plain_from_env(env(&[])));
    }
}
