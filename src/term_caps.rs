//! What the terminal can show, from the environment: one rule for the TUI and the plain-text
//! commands (`check`, `show`, `wizards`, `validate`). NO_COLOR (any non-empty value) asks for
//! no colour; a locale that does not say UTF-8 asks for ASCII glyphs. Each rule takes the
//! variable lookup as a function, so tests pass their own environment.

/// NO_COLOR is set to something (<https://no-color.org>).
pub fn no_color(get: impl Fn(&str) -> Option<String>) -> bool {
    get("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether to draw plainly (ASCII, no colour): NO_COLOR is set, or the locale is not UTF-8.
pub fn plain_from_env(get: impl Fn(&str) -> Option<String>) -> bool {
    if no_color(&get) {
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

/// [`plain_from_env`] for this process.
pub fn plain() -> bool {
    plain_from_env(env)
}

/// [`utf8_locale`] for this process.
pub fn utf8_locale_from_env() -> bool {
    utf8_locale(env)
}

/// [`no_color`] for this process.
pub fn no_color_from_env() -> bool {
    no_color(env)
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn plain_when_no_color_or_not_utf8() {
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

    #[test]
    fn an_empty_no_color_asks_for_nothing_and_the_first_set_locale_decides() {
        assert!(!no_color(env(&[("NO_COLOR", "")])));
        assert!(no_color(env(&[("NO_COLOR", "0")])));
        assert!(utf8_locale(env(&[("LC_ALL", ""), ("LANG", "de_DE.utf8")])));
        assert!(!utf8_locale(env(&[
            ("LC_CTYPE", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
    }
}
