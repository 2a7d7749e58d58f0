//! Text from a PSA (level names, member names, company names, error messages) is untrusted: it
//! can carry terminal control sequences (ESC, CSI, OSC — including OSC 52 clipboard writes — C1
//! controls) and bidi overrides that reorder what the admin reads. Everything from a server
//! passes through [`clean`] before it reaches the screen, a log or an export.

/// Remove control sequences and invisible reordering characters; keep printable text, spaces
/// and newlines. Tabs become spaces; other controls are dropped. Escape sequences are removed
/// whole (their parameters do not leak through as text).
pub fn clean(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / APC / PM / SOS introducers: skip their payloads too.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9f}' | '\u{9e}' | '\u{98}' => skip_string(&mut chars),
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            '\r' => {}
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Like [`clean`], and also folds newlines to spaces: for one-line fields (names, table cells).
pub fn clean_line(input: &str) -> String {
    clean(input).replace('\n', " ")
}

/// The first character of `s` that could drive a terminal or disguise text (what [`clean`]
/// removes), as (byte offset, character). Newline, tab and the `\r` of a `\r\n` pair are text.
pub fn first_unsafe(s: &str) -> Option<(usize, char)> {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let line_break = c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n');
        if is_unsafe(c) && !matches!(c, '\n' | '\t') && !line_break {
            return Some((i, c));
        }
    }
    None
}

/// Characters never shown: C0/C1 controls, DEL, bidi embeddings/overrides/isolates, and other
/// invisible format characters that can disguise text.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'       // zero-width space/joiners, LRM, RLM
                | '\u{202a}'..='\u{202e}' // LRE RLE PDF LRO RLO
                | '\u{2066}'..='\u{2069}' // LRI RLI FSI PDI
                | '\u{061c}'              // Arabic letter mark
                | '\u{feff}'              // BOM / zero-width no-break space
        )
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        // OSC, DCS, SOS, PM, APC: a string terminated by BEL or ST (ESC \).
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two-character sequences with an intermediate byte (e.g. ESC ( B).
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            chars.next();
        }
        // Any other single-character escape (ESC c, ESC 7, ...): already consumed.
        _ => {}
    }
}

fn skip_csi(chars: &mut Chars<'_>) {
    // Parameters and intermediates, then one final byte in 0x40..=0x7e.
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Malformed: stop at the first byte that cannot belong to a CSI.
            break;
        }
    }
}

fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_untouched() {
        let s = "Service Desk › Tickets — Café «TopLeft» 東京 ✓";
        assert_eq!(clean(s), s);
    }

    #[test]
    fn csi_sequences_are_removed_whole() {
        assert_eq!(clean("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(clean("x\u{1b}[2J\u{1b}[Hy"), "xy");
        assert_eq!(clean("c1\u{9b}31mcsi"), "c1csi");
    }

    #[test]
    fn osc_including_clipboard_writes_is_removed() {
        // OSC 52 would put attacker text on the admin's clipboard.
        assert_eq!(clean("a\u{1b}]52;c;cm0gLXJmIH4=\u{7}b"), "ab");
        assert_eq!(clean("a\u{1b}]0;title\u{1b}\\b"), "ab");
        assert_eq!(clean("a\u{9d}8;;http://evil\u{9c}b"), "ab");
        // An unterminated OSC swallows the rest rather than leaking it.
        assert_eq!(clean("ok\u{1b}]52;c;AAAA"), "ok");
    }

    #[test]
    fn c0_c1_del_and_bidi_are_dropped() {
        assert_eq!(clean("a\u{7}\u{8}\u{7f}\u{85}b"), "ab");
        assert_eq!(clean("admin\u{202e}txt.exe"), "admintxt.exe");
        assert_eq!(clean("x\u{2066}y\u{2069}z\u{200b}"), "xyz");
        assert_eq!(clean("tab\there\r\n"), "tab here\n");
        assert_eq!(clean_line("two\nlines"), "two lines");
    }

    #[test]
    fn first_unsafe_finds_what_clean_removes_but_line_breaks() {
        assert_eq!(first_unsafe("plain › text\n\ttab\r\n"), None);
        assert_eq!(first_unsafe("ab\u{1b}[2J"), Some((2, '\u{1b}')));
        assert_eq!(first_unsafe("é\u{202e}x"), Some((2, '\u{202e}')));
        assert_eq!(first_unsafe("a\rb"), Some((1, '\r')));
        assert_eq!(first_unsafe("\u{9b}"), Some((0, '\u{9b}')));
    }

    proptest! {
        #[test]
        fn first_unsafe_agrees_with_clean(s in any::<String>()) {
            if first_unsafe(&s).is_none() {
                prop_assert_eq!(clean(&s), s.replace('\t', " ").replace("\r\n", "\n"));
            }
        }

        #[test]
        fn output_never_contains_controls(s in any::<String>()) {
            let out = clean(&s);
            prop_assert!(out.chars().all(|c| c == '\n' || !is_unsafe(c)));
            prop_assert!(!out.contains(char::from(0x1b)));
        }

        #[test]
        fn printable_ascii_survives(s in "[ -~]{0,64}") {
            prop_assert_eq!(clean(&s), s);
        }
    }
}
