//! TLS for the default HTTP client: rustls, the platform's certificate
//! verifier, and the crypto provider chosen at build time: `ring` by default
//! (it builds in a fraction of `aws-lc-sys`'s time), `aws-lc-rs` with that
//! feature. A provider the application installed process-wide
//! (`CryptoProvider::install_default`, e.g. a FIPS one) takes precedence.

use rustls::crypto::CryptoProvider;
use std::sync::Arc;

/// The client configuration: TLS 1.2 and 1.3, ALPN offering h2 and http/1.1.
pub(crate) fn config() -> Result<rustls::ClientConfig, String> {
    let provider = provider()?;
    let verifier =
        rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| format!("certificate verifier: {e}"))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn provider() -> Result<Arc<CryptoProvider>, String> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Ok(installed.clone());
    }
    built_in().map(Arc::new).ok_or_else(|| {
        "no TLS crypto provider: enable the `ring` or `aws-lc-rs` feature of billing-clients, \
         or install one with `rustls::crypto::CryptoProvider::install_default`"
            .to_string()
    })
}

#[cfg(feature = "aws-lc-rs")]
fn built_in() -> Option<CryptoProvider> {
    Some(rustls::crypto::aws_lc_rs::default_provider())
}

#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
fn built_in() -> Option<CryptoProvider> {
    Some(rustls::crypto::ring::default_provider())
}

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
fn built_in() -> Option<CryptoProvider> {
    None
}
