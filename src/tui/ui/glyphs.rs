//! Status glyphs, with ASCII fallbacks for terminals without UTF-8 (or when NO_COLOR asks for plain).

use crate::tui::app::StepState;
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

    pub fn step(&self, s: StepState) -> &'static str {
        match s {
            StepState::Todo => self.todo,
            StepState::Deferred => self.deferred,
            StepState::Verified => self.ok,
            StepState::Warned => self.warn,
            StepState::Failed => self.fail,
            StepState::Unverified => self.unverified,
            StepState::Skipped => self.skipped,
        }
    }
}

/// Whether to draw plainly: NO_COLOR is set (any value), or the locale is not UTF-8.
pub fn plain_from_env(get: impl Fn(&str) -> Option<String>) -> bool {
    if get("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| get(k).filter(|v| !v.is_empty()));
    match locale {
        Some(l) => {
            let l = l.to_ascii_lowercase();
            !(l.contains("utf-8") || l.contains("utf8"))
        }
        None => true,
    }
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
