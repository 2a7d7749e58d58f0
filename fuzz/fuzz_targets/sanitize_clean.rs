//! Everything a PSA sends passes through `sanitize::clean` before it reaches the screen, a log or
//! an export. Whatever the input: no ESC, no C0/C1 control but '\n', no bidi override or other
//! invisible reordering character survives, and cleaning twice changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psa_onboard::sanitize::{clean, clean_line};

fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{061c}'
                | '\u{feff}'
        )
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let out = clean(input);
    if let Some((i, c)) = out.char_indices().find(|(_, c)| forbidden(*c)) {
        panic!("{:?} at byte {i} survived cleaning {input:?} -> {out:?}", c);
    }
    assert!(out.len() <= input.len(), "cleaning grew the text");
    assert_eq!(clean(&out), out, "not idempotent for {input:?}");

    let line = clean_line(input);
    assert!(
        !line.contains('\n') && !line.chars().any(forbidden),
        "{line:?}"
    );
    assert_eq!(
        clean_line(&line),
        line,
        "clean_line not idempotent for {input:?}"
    );
});
