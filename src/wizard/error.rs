//! Errors from loading a wizard file: always the file, line and column, and what was expected.

use std::fmt;
use std::ops::Range;

/// A problem in a wizard file, located precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardError {
    /// The file as the user knows it (a path, or `builtin:<id>`).
    pub file: String,
    /// 1-based line and column; 0 when the problem is not tied to a place in the file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line of the file, for context.
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
                self.file, self.line, self.column, self.message
            )?;
            if let Some(src) = &self.source_line {
                write!(f, "\n    {}\n    {}^", src, " ".repeat(self.column - 1))?;
            }
            Ok(())
        } else {
            write!(f, "{}: {}", self.file, self.message)
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
}
