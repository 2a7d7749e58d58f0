//! Word wrapping with known line counts (the body scrolls by lines it built itself).

/// Wrap `text` to `width` columns: the first line starts with `first`, the rest with `rest`.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    let w = |s: &str| s.chars().count();
    for word in text.split_whitespace() {
        let indent = if out.is_empty() { first } else { rest };
        if !empty && w(&line) + 1 + w(word) > width {
            out.push(std::mem::take(&mut line));
            line = rest.to_string();
            empty = true;
        }
        let _ = indent;
        if !empty {
            line.push(' ');
        }
        // Hard-break words longer than a line.
        let mut word = word.to_string();
        while w(&line) + w(&word) > width && width > w(rest) + 1 {
            let room = width.saturating_sub(w(&line)).max(1);
            let head: String = word.chars().take(room).collect();
            word = word.chars().skip(room).collect();
            line.push_str(&head);
            out.push(std::mem::take(&mut line));
            line = rest.to_string();
        }
        line.push_str(&word);
        empty = false;
    }
    if !empty || out.is_empty() {
        out.push(line);
    }
    out
}

/// Cut `s` to `width` columns, ending in `ellipsis` when cut.
pub fn truncate(s: &str, width: usize, ellipsis: &str) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let keep = width.saturating_sub(ellipsis.chars().count());
    let mut t: String = s.chars().take(keep).collect();
    t.push_str(ellipsis);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_with_hanging_indent() {
        let lines = wrap("one two three four five", 10, "1. ", "   ");
        assert_eq!(lines, vec!["1. one two", "   three", "   four", "   five"]);
        assert_eq!(wrap("", 10, "- ", "  "), vec!["- "]);
        assert!(
            wrap("abcdefghijklmnop", 8, "", "")
                .iter()
                .all(|l| l.chars().count() <= 8)
        );
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4, "…"), "abc…");
        assert_eq!(truncate("abc", 4, "…"), "abc");
    }
}
