//! Closient Billing: Stripe-backed checkout for prepaid ad balance and the resolver
//! subscription, balances, and the customer portal.
//!
//! [`Client`], its methods and the types in [`types`] are generated from
//! `specs/closient/openapi.yaml`; money amounts are exact [`rust_decimal::Decimal`]s.
//! This module adds what is Closient's own: the API key and its local check
//! ([`api_key`]), and its two error shapes (`wire`).
//!
//! ```no_run
//! # async fn run() -> billing_clients::Result<()> {
//! use billing_clients::closient::{Client, types};
//!
//! let closient = Client::new(std::env::var("CLOSIENT_API_KEY").unwrap_or_default())?;
//! let checkout = closient
//!     .create_checkout(
//!         types::AdBalanceCheckoutIn::builder()
//!             .organization_id("2aBcDeFgHiJkLmNoPqRsTu")
//!             .amount_cents(5_000)
//!             .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
//!             .cancel_url("https://example.com/cancel"),
//!     )
//!     .await?;
//! println!("redirect to {}", checkout.checkout_url);
//! # Ok(()) }
//! ```

pub mod api_key;
mod wire;

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
pub(crate) mod generated {
    include!(concat!(env!("OUT_DIR"), "/closient_types.rs"));
    include!(concat!(env!("OUT_DIR"), "/closient_operations.rs"));
}

/// A Closient Billing client holding one API key; its methods are the spec's
/// operations, generated.
pub use generated::Client;
/// Every operation of the spec by name ([`OperationId::of`] an operation of
/// [`SPEC`]); generated, so a match on it follows the spec.
pub use generated::OperationId;
/// Closient's API as declared by its spec: operations, auth, constraints.
pub use generated::SPEC;
/// Request and response types, generated from `specs/closient/openapi.yaml`.
pub use generated::types;

use crate::error::{InvalidInput, Result, Violation};
use crate::runtime::builder::{env, read_from};
use crate::runtime::{Builder, Provider};
use secrecy::SecretString;

pub(crate) static PROVIDER: Provider = Provider {
    name: "closient",
    spec: &SPEC,
    check_secret: |secret| {
        use secrecy::ExposeSecret;
        api_key::check(secret.expose_secret()).map(|_| ())
    },
    interpret: wire::interpret,
    // A success's body is the documented object itself.
    success: crate::runtime::decode::Success::Body,
    // Closient documents RateLimit-* and X-RateLimit-* on every answer.
    paces: true,
    auth_name: std::sync::OnceLock::new(),
};

impl Client {
    /// A client with this API key (checked locally: prefix, body, CRC-32).
    pub fn new(api_key: impl Into<String>) -> Result<Self> {
        Self::builder(api_key).build()
    }

    /// Configure a client with this API key.
    pub fn builder(api_key: impl Into<String>) -> Builder<Client> {
        let mut b = Builder::new();
        b.secret = Some(SecretString::from(api_key.into()));
        b
    }

    /// A client from `CLOSIENT_API_KEY` (required) and `CLOSIENT_BASE_URL`
    /// (optional); an error names the variable that is missing or malformed
    /// ([`crate::ErrorClass::Configuration`]).
    pub fn from_env() -> Result<Self> {
        let key =
            env("CLOSIENT_API_KEY").ok_or_else(|| InvalidInput::new(None, "CLOSIENT_API_KEY", Violation::Required))?;
        let mut b = Self::builder(key);
        if let Some(url) = env("CLOSIENT_BASE_URL") {
            b = b.base_url(url);
        }
        // A malformed key or URL is named by its variable, not by its header.
        let read = [("X-API-Key", "CLOSIENT_API_KEY"), ("base_url", "CLOSIENT_BASE_URL")];
        read_from(b.build(), &read)
    }
}
