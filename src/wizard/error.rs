//! Errors from loading a wizard file: always the file, line and column, and what was expected.
//!
//! A wizard file may come from anyone, and so may its name: what an error shows is made safe to
//! print. The file name and message are cleaned of control sequences, and the offending line is
//! quoted as a window around the column with every control or bidi character spelled out
//! (`\u{1b}`), so a 20 MB line prints a hundred characters and nothing in it drives the terminal.

use std::fmt;
use std::ops::Range;

use crate::sanitize;

/// Characters of the offending line quoted before and after the column.
const QUOTE_BEFORE: usize = 60;
const QUOTE_AFTER: usize = 40;
/// Marks a side of the quoted line that was cut off.
const CLIPPED: &str = "...";

/// A problem in a wizard file, located precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardError {
    /// The file as the user knows it (a path, or `builtin:<id>`).
    pub file: String,
    /// 1-based line and column; 0 when the problem is not tied to a place in the file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line of the file, raw (shown clipped and escaped by `Display`).
    pub source_line: Option<String>,
}

impl WizardError {
    pub fn at(file: &str, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        let (line, column, source_line) = match span {
            Some(span) => {
                let (line, column) = line_col(text, span.start);
                let source_line = text.lines().nth(line - 1).map(str::to_owned);
                (line, column, source_line)
            }
            None => (0, 0, None),
        };
        WizardError {
            file: file.to_owned(),
            line,
            column,
            message,
            source_line,
        }
    }

    /// An error about the file as a whole (unreadable, or a conflict between files).
    pub fn file(file: &str, message: String) -> Self {
        WizardError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message,
            source_line: None,
        }
    }
}

impl fmt::Display for WizardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                sanitize::clean_line(&self.file),
                self.line,
                self.column,
                sanitize::clean(&self.message)
            )?;
            if let Some(src) = &self.source_line {
                let (shown, caret) = excerpt(src, self.column);
                write!(f, "\n    {shown}\n    {}^", " ".repeat(caret))?;
            }
            Ok(())
        } else {
            write!(
                f,
                "{}: {}",
                sanitize::clean_line(&self.file),
                sanitize::clean(&self.message)
            )
        }
    }
}

impl std::error::Error for WizardError {}

/// Several problems in one file, reported together so the author fixes them in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardErrors(pub Vec<WizardError>);

impl fmt::Display for WizardErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for WizardErrors {}

/// The part of `line` around the 1-based `column` worth quoting, as (text to show, characters
/// before the caret). A clipped side is marked `...` (ASCII, so the caret lines up in any locale); a control, bidi or invisible character is
/// spelled out as `\u{…}` (the author can find it; the terminal does not obey it); a tab is a
/// space, so the caret lines up.
fn excerpt(line: &str, column: usize) -> (String, usize) {
    let col = column.saturating_sub(1);
    let len = line.chars().count();
    let start = col.min(len).saturating_sub(QUOTE_BEFORE);
    let end = (col + QUOTE_AFTER)
        .max(start + QUOTE_BEFORE + QUOTE_AFTER)
        .min(len);
    let mut shown = String::new();
    let mut caret = 0;
    if start > 0 {
        shown.push_str(CLIPPED);
        caret += CLIPPED.len();
    }
    for (i, c) in line.chars().enumerate().skip(start).take(end - start) {
        let piece = match c {
            '\t' => " ".to_string(),
            c if sanitize::is_unsafe(c) => c.escape_unicode().to_string(),
            c => c.to_string(),
        };
        if i < col {
            caret += piece.chars().count();
        }
        shown.push_str(&piece);
    }
    if end < len {
        shown.push_str(CLIPPED);
    }
    if col > len {
        // Past the end of the line (an unclosed string): the caret sits just after it.
        caret += col - len;
    }
    (shown, caret)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // 'é' is two bytes; '=' is the 4th character of line 2.
        assert_eq!(line_col(text, 10), (2, 4));
    }

    #[test]
    fn a_long_line_is_quoted_as_a_window_with_the_caret_in_place() {
        let line = format!("title = \"{}X{}", "a".repeat(5000), "b".repeat(5000));
        let column = 9 + 5000 + 1;
        let (shown, caret) = excerpt(&line, column);
        assert!(
            shown.chars().count() <= QUOTE_BEFORE + QUOTE_AFTER + 6,
            "{shown}"
        );
        assert!(
            shown.starts_with("...a") && shown.ends_with("b..."),
            "{shown}"
        );
        assert_eq!(shown.chars().nth(caret), Some('X'), "{shown} / {caret}");
        // Past the end (an unclosed string): the caret follows the last character.
        let (shown, caret) = excerpt("x = \"abc", 10);
        assert_eq!((shown.as_str(), caret), ("x = \"abc", 9));
        let (shown, caret) = excerpt(&"a".repeat(500), 502);
        assert_eq!(caret, shown.chars().count() + 1, "{shown}");
    }

    #[test]
    fn controls_in_the_quoted_line_file_and_message_are_shown_inert() {
        let e = WizardError {
            file: "evil\u{1b}]0;t\u{7}.toml".into(),
            line: 1,
            column: 12,
            message: "bad \u{1b}[2Jvalue".into(),
            source_line: Some("vendor = \"\u{1b}]52;c;QQ==\u{7}\tx\u{202e}y\"".into()),
        };
        let shown = e.to_string();
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert!(!shown.contains('\u{202e}'), "{shown:?}");
        assert!(
            shown.starts_with("evil.toml:1:12: bad value\n"),
            "{shown:?}"
        );
        assert!(
            shown.contains(r#"vendor = "\u{1b}]52;c;QQ==\u{7} x\u{202e}y""#),
            "{shown:?}"
        );
        // The caret is under the ESC's spelled-out form (column 11 = ESC; 12 = ']').
        let lines: Vec<&str> = shown.lines().collect();
        let at = lines[2].find('^').unwrap();
        assert_eq!(&lines[1][at..at + 1], "]", "{shown}");
    }
}
