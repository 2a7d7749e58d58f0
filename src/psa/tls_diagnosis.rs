//! Naming a rejected server certificate plainly. rustls says `UnknownIssuer` alike for a
//! self-signed certificate, a chain missing its intermediate, and a private or proxy CA; the fix
//! differs for each, so on that failure one extra TLS handshake fetches the chain the server
//! presents and [`classify_chain`] tells them apart. That handshake is always aborted by our
//! verifier once the chain is recorded, so no HTTP request (and no credential) ever travels on
//! it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::x509;

/// Why an untrusted chain is untrusted, as far as the presented certificates tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// One certificate that issued itself.
    SelfSigned { name: Option<String> },
    /// The leaf's issuer is not among the certificates sent: the intermediate is missing.
    IncompleteChain { issuer: Option<String> },
    /// The server sent its chain, but it leads to an authority that is not trusted here.
    UntrustedAuthority { authority: Option<String> },
}

/// The most certificates looked at (real chains have 2–4).
const MAX_CHAIN: usize = 10;

/// Classifies the chain a server presented (leaf first). `None` when the leaf cannot be read.
pub fn classify_chain(chain: &[impl AsRef<[u8]>]) -> Option<ChainProblem> {
    let certs: Vec<Option<x509::CertSummary>> = chain
        .iter()
        .take(MAX_CHAIN)
        .map(|c| x509::parse(c.as_ref()))
        .collect();
    let leaf = certs.first()?.as_ref()?;
    if leaf.self_issued() {
        return Some(ChainProblem::SelfSigned {
            name: leaf.subject_name.clone(),
        });
    }
    // Walk issuer links through what was sent; each certificate is used at most once, so the
    // walk ends even on a looping chain.
    let mut used = vec![false; certs.len()];
    used[0] = true;
    let mut cur = leaf;
    loop {
        let next = certs.iter().enumerate().find_map(|(i, c)| match c {
            Some(c) if !used[i] && c.subject == cur.issuer => Some((i, c)),
            _ => None,
        });
        match next {
            Some((i, c)) => {
                used[i] = true;
                if c.self_issued() {
                    return Some(ChainProblem::UntrustedAuthority {
                        authority: c.subject_name.clone(),
                    });
                }
                cur = c;
            }
            // Only the leaf was sent: its intermediate is missing.
            None if std::ptr::eq(cur, leaf) => {
                return Some(ChainProblem::IncompleteChain {
                    issuer: leaf.issuer_name.clone(),
                });
            }
            // Intermediates were sent; the root they lead to (which servers need not send) is
            // not trusted here.
            None => {
                return Some(ChainProblem::UntrustedAuthority {
                    authority: cur.issuer_name.clone(),
                });
            }
        }
    }
}

fn quoted(name: &Option<String>) -> String {
    match name {
        Some(n) => format!(" (\"{n}\")"),
        None => String::new(),
    }
}

/// The message the admin sees for a classified chain.
pub fn describe(problem: &ChainProblem) -> String {
    match problem {
        ChainProblem::SelfSigned { name } => format!(
            "the server's certificate is self-signed{}: no trusted authority vouches for it. \
A real PSA's certificate never is, so either this host is not your PSA (check the URL) or a \
TLS-inspecting proxy on this network is replacing certificates (ask your network admin to exempt \
this host). To trust this server's own certificate on purpose, pass --ca-cert FILE with it",
            quoted(name)
        ),
        ChainProblem::IncompleteChain { issuer } => format!(
            "the server did not send the intermediate certificate that links its certificate to a \
trusted authority (an incomplete chain; its certificate is issued by{}, which the server must \
send along). The server's TLS set-up must serve the full chain (certificate plus intermediates, \
e.g. fullchain.pem); if that issuer is your own private CA, pass --ca-cert FILE with it instead",
            match issuer {
                Some(n) => format!(" \"{n}\""),
                None => " an intermediate".to_string(),
            }
        ),
        ChainProblem::UntrustedAuthority { authority } => format!(
            "the server's certificate is issued by an authority this computer does not trust{}: \
a private CA, or a TLS-inspecting proxy on this network re-signing connections. A real PSA's \
certificate comes from a public authority, so check the URL and ask your network admin whether a \
proxy intercepts this host; to trust a private CA on purpose, pass --ca-cert FILE with its \
certificate",
            quoted(authority)
        ),
    }
}

/// Fetches the chain `url`'s server presents, in one handshake that is aborted as soon as the
/// chain is seen. `None` on any failure or after `timeout` (connect and handshake together).
pub async fn presented_chain(url: &str, timeout: Duration) -> Option<Vec<Vec<u8>>> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() != "https" {
        return None;
    }
    let port = parsed.port_or_known_default()?;
    let (server_name, addr): (ServerName<'static>, String) = match parsed.host()? {
        url::Host::Domain(d) => (
            ServerName::try_from(d.to_string()).ok()?,
            format!("{d}:{port}"),
        ),
        url::Host::Ipv4(ip) => (
            ServerName::from(std::net::IpAddr::V4(ip)),
            format!("{ip}:{port}"),
        ),
        url::Host::Ipv6(ip) => (
            ServerName::from(std::net::IpAddr::V6(ip)),
            format!("[{ip}]:{port}"),
        ),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(None),
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
        // Fails by design: the recorder rejects every chain after keeping it.
        let _ = connector.connect(server_name, tcp).await;
        Some(())
    };
    tokio::time::timeout(timeout, handshake).await.ok()??;
    recorder
        .chain
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
}

/// Keeps the presented chain and refuses it, so the handshake never completes.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Option<Vec<Vec<u8>>>>,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .take(MAX_CHAIN)
            .map(|c| c.to_vec())
            .collect();
        *self.chain.lock().unwrap_or_else(|p| p.into_inner()) = Some(chain);
        Err(rustls::Error::General(
            "diagnostic handshake: chain recorded, connection not used".into(),
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("diagnostic handshake only".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("diagnostic handshake only".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    fn params(cn: &str, ca: bool) -> CertificateParams {
        let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name.push(DnType::CommonName, cn);
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p
    }

    /// root, intermediate, leaf (DER).
    fn chain() -> [Vec<u8>; 3] {
        let root_key = KeyPair::generate().unwrap();
        let root_p = params("Test Root", true);
        let root = root_p.self_signed(&root_key).unwrap();
        let root_i = Issuer::new(root_p, root_key);
        let int_key = KeyPair::generate().unwrap();
        let int_p = params("Test Intermediate", true);
        let int = int_p.signed_by(&int_key, &root_i).unwrap();
        let int_i = Issuer::new(int_p, int_key);
        let leaf = params("leaf", false)
            .signed_by(&KeyPair::generate().unwrap(), &int_i)
            .unwrap();
        [root.der().to_vec(), int.der().to_vec(), leaf.der().to_vec()]
    }

    #[test]
    fn classifies_each_shape_of_chain() {
        let [root, int, leaf] = chain();
        let name = |s: &str| Some(s.to_string());
        assert_eq!(
            classify_chain(&[&root]),
            Some(ChainProblem::SelfSigned {
                name: name("Test Root")
            })
        );
        assert_eq!(
            classify_chain(&[&leaf]),
            Some(ChainProblem::IncompleteChain {
                issuer: name("Test Intermediate")
            })
        );
        assert_eq!(
            classify_chain(&[&leaf, &int]),
            Some(ChainProblem::UntrustedAuthority {
                authority: name("Test Root")
            })
        );
        // The root sent too, in any order.
        for sent in [[&leaf, &int, &root], [&leaf, &root, &int]] {
            assert_eq!(
                classify_chain(&sent),
                Some(ChainProblem::UntrustedAuthority {
                    authority: name("Test Root")
                })
            );
        }
        // An unrelated extra certificate does not stand in for the missing intermediate.
        assert_eq!(
            classify_chain(&[&leaf, &root]),
            Some(ChainProblem::IncompleteChain {
                issuer: name("Test Intermediate")
            })
        );
        let text = describe(&classify_chain(&[&leaf]).unwrap());
        assert!(
            text.contains("did not send the intermediate certificate"),
            "{text}"
        );
    }

    #[test]
    fn garbage_chains_are_none_or_a_guess_never_a_panic() {
        let [_, int, leaf] = chain();
        let empty: [&[u8]; 0] = [];
        assert_eq!(classify_chain(&empty), None);
        assert_eq!(classify_chain(&[b"not a certificate".as_slice()]), None);
        assert_eq!(classify_chain(&[&[0x30u8, 0x82, 0xff][..]]), None);
        // A readable leaf followed by garbage: the garbage is ignored.
        assert_eq!(
            classify_chain(&[leaf.as_slice(), b"\x30\x03\x02\x01", &[]]),
            Some(ChainProblem::IncompleteChain {
                issuer: Some("Test Intermediate".into())
            })
        );
        // Truncated intermediates never match.
        for n in 0..int.len() {
            assert!(matches!(
                classify_chain(&[leaf.as_slice(), &int[..n]]),
                Some(ChainProblem::IncompleteChain { .. })
            ));
        }
    }

    proptest::proptest! {
        #[test]
        fn random_chains_never_panic(
            chain in proptest::collection::vec(
                proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..12)
        ) {
            let _ = classify_chain(&chain);
        }
    }

    #[tokio::test]
    async fn presented_chain_gives_up_cleanly() {
        // Not https, not a URL, nothing listening.
        let t = Duration::from_secs(2);
        assert_eq!(presented_chain("http://127.0.0.1:1/", t).await, None);
        assert_eq!(presented_chain("::::", t).await, None);
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        assert_eq!(
            presented_chain(&format!("https://127.0.0.1:{port}/"), t).await,
            None
        );
        // A server that accepts and never answers: the timeout ends the attempt.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://127.0.0.1:{}/", silent.local_addr().unwrap().port());
        let hold = tokio::spawn(async move {
            let conn = silent.accept().await;
            std::future::pending::<()>().await;
            drop(conn);
        });
        assert_eq!(
            presented_chain(&url, Duration::from_millis(200)).await,
            None
        );
        hold.abort();
    }
}
