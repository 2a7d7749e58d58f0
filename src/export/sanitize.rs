//! Text that may have come from the PSA is cleaned once (see `crate::sanitize`), then escaped
//! for the format it lands in.

/// One line of text for a summary: the crate's [`crate::sanitize::clean_line`] (escape
/// sequences, controls and bidi overrides removed, line breaks folded to spaces), trimmed.
pub fn clean(s: &str) -> String {
    crate::sanitize::clean_line(s).trim().to_owned()
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
