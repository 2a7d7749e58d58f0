//! Just enough X.509 DER reading to explain a rejected certificate chain: who issued each
//! certificate, who it names as its subject, and whether it is a CA. The bytes come from
//! whatever server answered, so every read is bounds-checked and anything unexpected is `None`
//! (never a panic); nothing here decides trust.

/// What the diagnosis needs from one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// The subject Name, DER as sent (compared byte for byte, as path building does).
    pub subject: Vec<u8>,
    /// The issuer Name, DER as sent.
    pub issuer: Vec<u8>,
    /// The subject's common name (else organisation), cleaned for display.
    pub subject_name: Option<String>,
    /// The issuer's common name (else organisation), cleaned for display.
    pub issuer_name: Option<String>,
    /// basicConstraints cA = TRUE.
    pub is_ca: bool,
}

impl CertSummary {
    /// Issuer and subject are the same Name: a self-signed (self-issued) certificate.
    pub fn self_issued(&self) -> bool {
        self.subject == self.issuer
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const VERSION: u8 = 0xa0;
const EXTENSIONS: u8 = 0xa3;

const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const OID_ORGANIZATION: &[u8] = &[0x55, 0x04, 0x0a];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];

/// Names longer than this are cut: they end up in one line of an error message.
const MAX_NAME_CHARS: usize = 100;

/// One DER element: (tag, content, what follows). Single-byte tags and definite lengths only,
/// as DER requires.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The next element, which must have `tag`.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(input)?;
    (t == tag).then_some((content, rest))
}

/// The whole DER of the next element (tag and length included) and what follows.
fn raw(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, _, rest) = tlv(input)?;
    Some((&input[..input.len() - rest.len()], rest))
}

/// Reads one certificate. `None` if it is not a DER certificate this reader understands.
pub fn parse(der: &[u8]) -> Option<CertSummary> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    if let Some((VERSION, _, after)) = tlv(rest) {
        rest = after;
    }
    let (_serial, rest) = expect(rest, 0x02)?;
    let (_sig_alg, rest) = expect(rest, SEQUENCE)?;
    let (issuer, rest) = raw(rest)?;
    let (_validity, rest) = expect(rest, SEQUENCE)?;
    let (subject, mut rest) = raw(rest)?;
    let (_spki, after) = expect(rest, SEQUENCE)?;
    rest = after;
    let mut is_ca = false;
    while let Some((tag, content, after)) = tlv(rest) {
        if tag == EXTENSIONS {
            is_ca = basic_constraints_ca(content).unwrap_or(false);
        }
        rest = after;
    }
    Some(CertSummary {
        subject_name: display_name(subject),
        issuer_name: display_name(issuer),
        subject: subject.to_vec(),
        issuer: issuer.to_vec(),
        is_ca,
    })
}

/// cA from the basicConstraints extension inside `[3] { SEQUENCE OF Extension }`.
fn basic_constraints_ca(explicit: &[u8]) -> Option<bool> {
    let (mut exts, _) = expect(explicit, SEQUENCE)?;
    while let Some((ext, after)) = expect(exts, SEQUENCE) {
        exts = after;
        let (oid, rest) = expect(ext, OID)?;
        if oid != OID_BASIC_CONSTRAINTS {
            continue;
        }
        let rest = match tlv(rest) {
            Some((BOOLEAN, _, after)) => after,
            _ => rest,
        };
        let (value, _) = expect(rest, OCTET_STRING)?;
        let (bc, _) = expect(value, SEQUENCE)?;
        return Some(matches!(tlv(bc), Some((BOOLEAN, [b], _)) if *b != 0));
    }
    None
}

/// The common name of a Name (else its organisation), cleaned for one line of text.
fn display_name(name: &[u8]) -> Option<String> {
    let (mut rdns, _) = expect(name, SEQUENCE)?;
    let (mut cn, mut org) = (None, None);
    while let Some((rdn, after)) = expect(rdns, SET) {
        rdns = after;
        let mut atvs = rdn;
        while let Some((atv, after)) = expect(atvs, SEQUENCE) {
            atvs = after;
            let Some((oid, rest)) = expect(atv, OID) else {
                continue;
            };
            let Some((tag, value, _)) = tlv(rest) else {
                continue;
            };
            if oid == OID_COMMON_NAME {
                cn = cn.or_else(|| string_value(tag, value));
            } else if oid == OID_ORGANIZATION {
                org = org.or_else(|| string_value(tag, value));
            }
        }
    }
    cn.or(org)
}

/// A directory string as display text (BMPString is UTF-16BE; the rest are read as UTF-8).
fn string_value(tag: u8, value: &[u8]) -> Option<String> {
    let text = match tag {
        0x1e => {
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        0x0c | 0x13 | 0x14 | 0x16 | 0x1c => String::from_utf8_lossy(value).into_owned(),
        _ => return None,
    };
    let clean = crate::sanitize::clean_line(&text);
    let clean = clean.trim();
    if clean.is_empty() {
        return None;
    }
    Some(if clean.chars().count() > MAX_NAME_CHARS {
        let cut: String = clean.chars().take(MAX_NAME_CHARS).collect();
        format!("{cut}…")
    } else {
        clean.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

    fn cert(cn: &str, ca: bool) -> Vec<u8> {
        let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::OrganizationName, "Org");
        p.distinguished_name.push(DnType::CommonName, cn);
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p.self_signed(&KeyPair::generate().unwrap())
            .unwrap()
            .der()
            .to_vec()
    }

    #[test]
    fn reads_names_and_the_ca_flag() {
        let s = parse(&cert("Some CA", true)).unwrap();
        assert_eq!(s.subject_name.as_deref(), Some("Some CA"));
        assert_eq!(s.issuer_name.as_deref(), Some("Some CA"));
        assert!(s.is_ca);
        assert!(s.self_issued());
        let s = parse(&cert("leaf\u{1b}[31m", false)).unwrap();
        assert_eq!(s.subject_name.as_deref(), Some("leaf"));
        assert!(!s.is_ca);
    }

    #[test]
    fn garbage_and_truncations_are_none_never_a_panic() {
        let good = cert("x", false);
        for n in 0..good.len() {
            assert!(parse(&good[..n]).is_none(), "prefix {n}");
        }
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80, 0, 0],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x1f, 0x01, 0x00],
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn corrupted_certificates_never_panic(at in 0usize..2000, byte in proptest::num::u8::ANY) {
            static GOOD: std::sync::LazyLock<Vec<u8>> =
                std::sync::LazyLock::new(|| cert("corrupt me", true));
            let mut der = GOOD.clone();
            let i = at % der.len();
            der[i] = byte;
            let _ = parse(&der);
        }
    }
}
