//! Wizard files are user-editable TOML: parsing, validation and the error path (span → line,
//! column, source line, caret) must never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psa_onboard::wizard::{self, WizardError, error::line_col, load::from_str_unvalidated};

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 never reaches `parse` (files are read with read_to_string); the lossy
    // form still exercises the replacement character in column counting.
    let text = String::from_utf8_lossy(data);
    let lines = text.matches('\n').count() + 1;

    match wizard::parse("fuzz.toml", &text) {
        Ok(w) => {
            // A valid wizard also deserializes without validation, to the same model.
            let raw = from_str_unvalidated(&text).expect("parse accepted what the model rejects");
            assert_eq!(raw, w);
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an error with no problems in it");
            for e in &errors.0 {
                check_located(e, &text, lines);
            }
            let shown = errors.to_string();
            assert!(
                shown.contains("fuzz.toml"),
                "the file is not named: {shown}"
            );
        }
    }
    let _ = from_str_unvalidated(&text);

    // Every offset, including past the end and inside a multi-byte character.
    for offset in [
        0,
        text.len() / 2,
        text.len().saturating_sub(1),
        text.len(),
        text.len() + 3,
    ] {
        let (line, column) = line_col(&text, offset);
        assert!(
            line >= 1 && line <= lines && column >= 1,
            "{offset}: {line}:{column}"
        );
    }
});

fn check_located(e: &WizardError, text: &str, lines: usize) {
    if e.line == 0 {
        assert_eq!(e.column, 0, "column without a line: {e:?}");
        return;
    }
    assert!(
        e.line <= lines,
        "line {} past the end ({lines} lines)",
        e.line
    );
    assert!(e.column >= 1, "column 0 on line {}", e.line);
    if let Some(src) = &e.source_line {
        // The caret points inside (or just past) the quoted line.
        assert!(
            e.column <= src.chars().count() + 1 + usize::from(text.contains('\r')),
            "column {} beyond the line {src:?}",
            e.column
        );
    }
    let _ = e.to_string();
}
