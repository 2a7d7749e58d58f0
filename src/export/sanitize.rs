//! Cleaning text that may have come from the PSA before it reaches a ticket, a browser or a
//! terminal: terminal escape sequences, control characters and bidirectional overrides are
//! removed; the format-specific escapers then make the rest inert.

/// One line of text: escape sequences and control characters removed, any line break or tab
/// turned into a space, runs of spaces kept as they are.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI: same shape as ESC [.
            '\u{9b}' => skip_csi(&mut chars),
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => {}
            // Bidi embedding/override/isolate controls can reorder what a reader sees.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {}
            c => out.push(c),
        }
    }
    out.trim().to_owned()
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        // OSC (and DCS/PM/APC/SOS): up to BEL or ESC \.
        Some(']' | 'P' | '^' | '_' | 'X') => {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // Two-character sequences (ESC c, ESC 7, …).
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates until a final byte in @..~.
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// Escape for HTML text and attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escape for Markdown text, including table cells: a pipe would split a cell, `<` could open
/// raw HTML in renderers that allow it, emphasis and code markers would restyle the text, and a
/// backslash must stay literal. Backslash escapes (not entities) keep plain text readable in
/// tickets that show the Markdown source.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("\\<"),
            '`' => out.push_str("\\`"),
            '*' => out.push_str("\\*"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences_and_controls() {
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m text"), "red text");
        assert_eq!(
            clean("\u{1b}]0;evil title\u{7}ok \u{1b}]8;;http://x\u{1b}\\link"),
            "ok link"
        );
        assert_eq!(clean("a\u{0}b\u{8}c\u{7f}d"), "abcd");
        assert_eq!(clean("line1\r\nline2\tx"), "line1 line2 x");
        assert_eq!(clean("abc\u{202e}fed"), "abcfed");
        assert_eq!(clean("\u{9b}2Jclear"), "clear");
        assert_eq!(clean("trailing \u{1b}"), "trailing");
        assert_eq!(clean("Ünïcödé ✓ stays"), "Ünïcödé ✓ stays");
    }

    #[test]
    fn escapes_per_format() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(markdown("a|b <i> \\ *x*"), "a\\|b \\<i> \\\\ \\*x\\*");
    }
}
