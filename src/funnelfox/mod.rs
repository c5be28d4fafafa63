//! FunnelFox Billing: checkout sessions, one-click purchases and payments.
//!
//! The types in [`types`] are generated from the vendored pages in
//! `specs/funnelfox/`; every method below is one operation of that spec.
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

mod status;
mod wire;

pub use status::CheckoutPaymentStatus;

#[allow(missing_docs, clippy::all, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/funnelfox_client.rs"));
}
#[allow(missing_docs)]
mod meta {
    include!(concat!(env!("OUT_DIR"), "/funnelfox_meta.rs"));
}

/// Request and response types, generated from `specs/funnelfox/`.
pub use generated::types;
/// FunnelFox's API as declared by its corrected spec: operations, auth, constraints.
pub use meta::SPEC;

use crate::IntoBody;
use crate::core::{Builder, Inner, Provider, builder::BuildClient, builder::env};
use crate::error::{InvalidInput, Result, Violation};
use secrecy::SecretString;

pub(crate) static PROVIDER: Provider = Provider {
    name: "funnelfox",
    spec: &SPEC,
    interpret: wire::interpret,
};

/// A FunnelFox Billing client for one organisation. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    api: generated::Client,
}

impl Client {
    /// A client for organisation `org_id` with default settings and no secret key
    /// (checkout operations need none).
    pub fn new(org_id: impl Into<String>) -> Result<Self> {
        Self::builder(org_id).build()
    }

    /// Configure a client for organisation `org_id`; the base URL is the spec's
    /// server template `https://billing.funnelfox.com/{org_id}/v1`.
    pub fn builder(org_id: impl Into<String>) -> Builder<Client> {
        let mut b = Builder::new();
        b.variables.push(("org_id", org_id.into()));
        b
    }

    /// A client from `FUNNELFOX_ORG_ID` (required), `FUNNELFOX_SECRET_KEY` and
    /// `FUNNELFOX_BASE_URL` (optional; a template containing `{org_id}`).
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
        b.build()
    }

    /// Start a lightweight checkout session without a price point or user.
    pub async fn create_simple_client_session(
        &self,
        body: impl IntoBody<types::CheckoutSimpleClientSessionIn>,
    ) -> Result<types::CheckoutSimpleClientSessionOut> {
        self.core()
            .send("create_simple_client_session", body, |b| {
                self.api.create_simple_client_session().body(b).send()
            })
            .await
    }

    /// Start a checkout session for a user and price point: a client token and an order id.
    pub async fn create_client_session(
        &self,
        body: impl IntoBody<types::CheckoutClientSessionIn>,
    ) -> Result<types::CheckoutClientSessionOut> {
        self.core()
            .send("create_client_session", body, |b| {
                self.api.create_client_session().body(b).send()
            })
            .await
    }

    /// Change an existing session, e.g. move its order to another price point.
    pub async fn update_client_session(
        &self,
        body: impl IntoBody<types::CheckoutUpdateClientSessionIn>,
    ) -> Result<types::Ok200> {
        self.core()
            .send("update_client_session", body, |b| {
                self.api.update_client_session().body(b).send()
            })
            .await
    }

    /// Charge a returning user's saved payment method for a price point.
    /// Never re-sent once it may have reached FunnelFox (see the crate's retry table).
    pub async fn one_click(&self, body: impl IntoBody<types::OneClick>) -> Result<types::CheckoutCreatePaymentOut> {
        self.core()
            .send("one_click", body, |b| self.api.one_click().body(b).send())
            .await
    }

    /// Charge an order with the payment method token from the payment form (at
    /// most two charges per token per day). When the result carries an
    /// `action_required_token`, the front end completes the action and you call
    /// [`Client::resume_payment`]. Never re-sent once it may have reached FunnelFox.
    pub async fn create_payment(
        &self,
        body: impl IntoBody<types::CheckoutCreatePaymentIn>,
    ) -> Result<types::CheckoutCreatePaymentOut> {
        self.core()
            .send("create_payment", body, |b| self.api.create_payment().body(b).send())
            .await
    }

    /// Resume a payment after the customer completed the required action (3-D
    /// Secure etc.). Use the newest `order_id`: a retry in the same session can
    /// yield a new one. Never re-sent once it may have reached FunnelFox.
    pub async fn resume_payment(
        &self,
        body: impl IntoBody<types::CheckoutResumePaymentIn>,
    ) -> Result<types::CheckoutCreatePaymentOut> {
        self.core()
            .send("resume_payment", body, |b| self.api.resume_payment().body(b).send())
            .await
    }
}

impl Builder<Client> {
    /// The `ff-secret-key`, sent only to operations whose spec requires it.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret = Some(SecretString::from(key.into()));
        self
    }
}

crate::core::client_glue!();

impl BuildClient for Client {
    fn provider() -> &'static Provider {
        &PROVIDER
    }
    fn check_secret(secret: &SecretString) -> Result<(), InvalidInput> {
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
    fn from_core(base_url: &str, http: reqwest::Client, core: Inner) -> Self {
        Self {
            api: generated::Client::new_with_client(base_url, http, core),
        }
    }
}
