//! TLS for the default HTTP client: rustls, the platform's certificate
//! verifier, and the crypto provider chosen at build time: `ring` by default
//! (it builds in a fraction of `aws-lc-sys`'s time), `aws-lc-rs` with that
//! feature. A provider the application installed process-wide
//! (`CryptoProvider::install_default`, e.g. a FIPS one) takes precedence; when
//! none is installed, the built-in one is installed process-wide (see
//! [`install`]), so that any other `reqwest` 0.13 client of the application,
//! which shares this crate's `rustls-no-provider` feature, finds one too.

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

/// The process-wide provider, after installing the built-in one if none was.
pub(crate) fn provider() -> Result<Arc<CryptoProvider>, String> {
    install().ok_or_else(|| {
        "no TLS crypto provider: enable the `ring` or `aws-lc-rs` feature of billing-clients, \
         or install one with `rustls::crypto::CryptoProvider::install_default`"
            .to_string()
    })
}

/// The process-wide provider: the installed one, else the built-in one, now
/// installed (`None`: neither). Harmless when one is installed, which is kept; a
/// race with another thread's installation leaves the winner's, used here too.
pub(crate) fn install() -> Option<Arc<CryptoProvider>> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Some(installed.clone());
    }
    // `Err` only when another thread installed one first: that one is used.
    let _ = built_in()?.install_default();
    CryptoProvider::get_default().cloned()
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
