//! FunnelFox Billing: checkout sessions, one-click purchases and payments.
//!
//! [`Client`], its methods and the types in [`types`] are generated from the
//! vendored pages in `specs/funnelfox/`: every method is one operation of that
//! spec. This module adds what is FunnelFox's own: the organisation in the server
//! URL, the secret key, and the response envelope (`wire`).
//!
//! ```no_run
//! # async fn run() -> billing_clients::Result<()> {
//! use billing_clients::funnelfox::{Client, types};
//!
//! let funnelfox = Client::new("my-org-id")?;
//! let session = funnelfox
//!     .create_client_session(
//!         types::CheckoutClientSessionIn::builder()
//!             .region("default")
//!             .integration_type(types::IntegrationEnum::Stripe)
//!             .pp_ident("pro_monthly")
//!             .external_id("user-42")
//!             .email_address("jane@example.com"),
//!     )
//!     .await?;
//! println!("order {} token {}", session.order_id, session.client_token);
//! # Ok(()) }
//! ```

pub mod webhooks;
pub(crate) mod wire;

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
pub(crate) mod generated {
    include!(concat!(env!("OUT_DIR"), "/funnelfox_types.rs"));
    include!(concat!(env!("OUT_DIR"), "/funnelfox_operations.rs"));
}

/// A FunnelFox Billing client for one organisation; its methods are the spec's
/// operations, generated.
pub use generated::Client;
/// Every operation of the spec by name ([`OperationId::of`] an operation of
/// [`SPEC`]); generated, so a match on it follows the spec.
pub use generated::OperationId;
/// FunnelFox's API as declared by its corrected spec: operations, auth, constraints.
pub use generated::SPEC;
/// Request and response types, generated from `specs/funnelfox/`.
pub use generated::types;
/// `checkout_status` of a payment. Generated open, as every enum is: FunnelFox adds
/// statuses over time, and a charge that happened must not become a decode error
/// because its status is new. Treat [`CheckoutPaymentStatus::Other`] as "not known
/// to have succeeded" and reconcile, never as a reason to charge again.
pub use generated::types::CheckoutPaymentStatus;

use crate::error::{InvalidInput, Result, Violation};
use crate::runtime::builder::{env, read_from};
use crate::runtime::{Builder, Provider};
use secrecy::SecretString;

#[cfg(billing_fixture)]
pub(crate) use wire::{SUCCESS as wire_success, interpret as wire_interpret};

pub(crate) static PROVIDER: Provider = Provider {
    name: "funnelfox",
    spec: &SPEC,
    check_secret,
    interpret: wire::interpret,
    success: wire::SUCCESS,
    // FunnelFox documents no rate limit and no rate-limit headers.
    paces: false,
    auth_name: std::sync::OnceLock::new(),
};

impl Client {
    /// A client for organisation `org_id` with default settings and no secret key
    /// (checkout operations need none).
    pub fn new(org_id: impl Into<String>) -> Result<Self> {
        Self::builder(org_id).build()
    }

    /// Configure a client for organisation `org_id`; the base URL is the spec's
    /// server template `https://billing.funnelfox.com/{org_id}/v1`.
    pub fn builder(org_id: impl Into<String>) -> Builder<Client> {
        builder(org_id)
    }

    /// A client from `FUNNELFOX_ORG_ID` (required), `FUNNELFOX_SECRET_KEY` and
    /// `FUNNELFOX_BASE_URL` (optional; a template containing `{org_id}`); an
    /// error names the variable that is missing or malformed
    /// ([`crate::ErrorClass::Configuration`]).
    pub fn from_env() -> Result<Self> {
        let org =
            env("FUNNELFOX_ORG_ID").ok_or_else(|| InvalidInput::new(None, "FUNNELFOX_ORG_ID", Violation::Required))?;
        let mut b = Self::builder(org);
        if let Some(key) = env("FUNNELFOX_SECRET_KEY") {
            b = b.secret_key(key);
        }
        if let Some(url) = env("FUNNELFOX_BASE_URL") {
            b = b.base_url(url);
        }
        // A malformed value is named by its variable, not by its header.
        let read = [
            ("ff-secret-key", "FUNNELFOX_SECRET_KEY"),
            ("base_url", "FUNNELFOX_BASE_URL"),
            ("org_id", "FUNNELFOX_ORG_ID"),
        ];
        read_from(b.build(), &read)
    }
}

/// A builder for any client of FunnelFox's API (the real one, or a test fixture's).
pub(crate) fn builder<C: crate::runtime::Api>(org_id: impl Into<String>) -> Builder<C> {
    let mut b = Builder::new();
    b.variables.push(("org_id", org_id.into()));
    b
}

impl<C: FunnelFoxApi> Builder<C> {
    /// The `ff-secret-key`, sent only to operations whose spec requires it.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret = Some(SecretString::from(key.into()));
        self
    }
}

/// A client of FunnelFox's API: its builder takes a secret key.
#[doc(hidden)]
pub trait FunnelFoxApi: crate::runtime::Api {}

impl FunnelFoxApi for Client {}

/// FunnelFox keys are opaque; they must at least be a valid header value.
pub(crate) fn check_secret(secret: &SecretString) -> Result<(), InvalidInput> {
    use secrecy::ExposeSecret;
    let key = secret.expose_secret();
    if key.is_empty() || key.len() > 512 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidInput::new(
            None,
            "ff-secret-key",
            Violation::Format("must be 1 to 512 visible ASCII characters".into()),
        ));
    }
    Ok(())
}
