//! Certificates for `--tls`, generated at start: a self-signed leaf (the default), or a private
//! root CA → intermediate → leaf chain, valid or broken in one of the ways a real server's TLS
//! set-up goes wrong, so clients' diagnoses of each can be tested over real TLS.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use super::SandboxError;

/// Which certificate the sandbox serves over HTTPS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CertMode {
    /// A self-signed leaf for 127.0.0.1 and localhost; `root_cert_pem()` is that leaf.
    #[default]
    SelfSigned,
    /// A valid chain: private root CA → intermediate → leaf for 127.0.0.1 and localhost. The
    /// server sends leaf + intermediate; `root_cert_pem()` is the root.
    Chained,
    /// As `Chained`, but the leaf's validity ended in the past.
    Expired,
    /// As `Chained`, but the leaf names only `psa.example.invalid`.
    WrongHost,
    /// As `Chained`, but the server sends only the leaf, not the intermediate.
    IncompleteChain,
}

/// The only host name the `WrongHost` leaf is valid for.
pub const WRONG_HOST_NAME: &str = "psa.example.invalid";

/// The acceptor and the PEM clients should trust (the leaf, or the chain's root).
pub fn acceptor(mode: CertMode) -> Result<(TlsAcceptor, String), SandboxError> {
    let (chain, key, pem) = match mode {
        CertMode::SelfSigned => self_signed()?,
        _ => chained(mode)?,
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SandboxError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| SandboxError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), pem))
}

type Served = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String);

fn gen_err(e: rcgen::Error) -> SandboxError {
    SandboxError::Tls(format!("cannot generate a certificate: {e}"))
}

fn loopback_names() -> Vec<String> {
    vec!["127.0.0.1".to_string(), "localhost".to_string()]
}

fn self_signed() -> Result<Served, SandboxError> {
    let key = KeyPair::generate().map_err(gen_err)?;
    let cert = params(loopback_names(), "psa-onboard sandbox (self-signed)")?
        .self_signed(&key)
        .map_err(gen_err)?;
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((vec![cert.der().clone()], der, cert.pem()))
}

/// Parameters with a distinct common name (distinct names keep issuer ≠ subject below the root).
fn params(names: Vec<String>, common_name: &str) -> Result<CertificateParams, SandboxError> {
    let mut p = CertificateParams::new(names).map_err(gen_err)?;
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "psa-onboard sandbox");
    p.distinguished_name.push(DnType::CommonName, common_name);
    Ok(p)
}

fn ca_params(common_name: &str) -> Result<CertificateParams, SandboxError> {
    let mut p = params(Vec::new(), common_name)?;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(p)
}

fn chained(mode: CertMode) -> Result<Served, SandboxError> {
    let root_key = KeyPair::generate().map_err(gen_err)?;
    // Each sandbox's authorities get their own names, as two real CAs would: a client trusting
    // several sandboxes' roots must not match one sandbox's chain to another's root by name.
    let tag: String = root_key
        .public_key_raw()
        .iter()
        .rev()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    let root_params = ca_params(&format!("psa-onboard sandbox root CA {tag}"))?;
    let root = root_params.self_signed(&root_key).map_err(gen_err)?;
    let root_issuer = Issuer::new(root_params, root_key);

    let int_key = KeyPair::generate().map_err(gen_err)?;
    let int_params = ca_params(&format!("psa-onboard sandbox intermediate CA {tag}"))?;
    let intermediate = int_params
        .signed_by(&int_key, &root_issuer)
        .map_err(gen_err)?;
    let int_issuer = Issuer::new(int_params, int_key);

    let names = if mode == CertMode::WrongHost {
        vec![WRONG_HOST_NAME.to_string()]
    } else {
        loopback_names()
    };
    let mut leaf_params = params(names, "psa-onboard sandbox server")?;
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    if mode == CertMode::Expired {
        leaf_params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf_params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let leaf_key = KeyPair::generate().map_err(gen_err)?;
    let leaf = leaf_params
        .signed_by(&leaf_key, &int_issuer)
        .map_err(gen_err)?;

    let mut chain = vec![leaf.der().clone()];
    if mode != CertMode::IncompleteChain {
        chain.push(intermediate.der().clone());
    }
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok((chain, key, root.pem()))
}
