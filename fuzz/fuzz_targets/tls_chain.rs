//! The certificate chain a server presents is read by psa-onboard's own small DER reader to
//! explain why it was refused. Whatever the bytes: no panic, names come out cleaned (they end up
//! on screen), and a chain's explanation is one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psa_onboard::psa::{tls_diagnosis, x509};

/// The input as a chain: 2-byte big-endian lengths, each followed by that many bytes (the last
/// certificate takes whatever is left), so the fuzzer can shape both one certificate and a chain.
fn split(mut data: &[u8]) -> Vec<&[u8]> {
    let mut chain = Vec::new();
    while data.len() >= 2 && chain.len() < 12 {
        let n = usize::from(u16::from_be_bytes([data[0], data[1]]));
        let rest = &data[2..];
        let n = n.min(rest.len());
        chain.push(&rest[..n]);
        data = &rest[n..];
    }
    if !data.is_empty() {
        chain.push(data);
    }
    chain
}

fn shown(name: &Option<String>) {
    if let Some(n) = name {
        assert!(!n.chars().any(char::is_control), "control character in {n:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    // The whole input as one certificate, then as a chain.
    if let Some(c) = x509::parse(data) {
        shown(&c.subject_name);
        shown(&c.issuer_name);
        assert_eq!(c.self_issued(), c.subject == c.issuer);
    }
    let chain = split(data);
    if let Some(problem) = tls_diagnosis::classify_chain(&chain) {
        assert!(x509::parse(chain[0]).is_some(), "classified an unreadable leaf");
        let text = tls_diagnosis::describe(&problem);
        assert!(!text.contains('\n'), "{text:?}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
});
