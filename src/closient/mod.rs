//! Closient Billing: Stripe-backed checkout for prepaid ad balance and the resolver
//! subscription, balances, and the customer portal.
//!
//! The types in [`types`] are generated from `specs/closient/openapi.yaml`; money
//! amounts are exact [`rust_decimal::Decimal`]s.
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
mod generated {
    include!(concat!(env!("OUT_DIR"), "/closient_client.rs"));
}
#[allow(missing_docs)]
mod meta {
    include!(concat!(env!("OUT_DIR"), "/closient_meta.rs"));
}

/// Request and response types, generated from `specs/closient/openapi.yaml`.
pub use generated::types;
/// Closient's API as declared by its spec: operations, auth, constraints.
pub use meta::SPEC;

use crate::IntoBody;
use crate::core::{Builder, Inner, Provider, builder::BuildClient, builder::env};
use crate::error::{InvalidInput, Result, Violation};
use secrecy::SecretString;

pub(crate) static PROVIDER: Provider = Provider {
    name: "closient",
    spec: &SPEC,
    interpret: wire::interpret,
};

/// A Closient Billing client holding one API key. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    api: generated::Client,
}

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

    /// A client from `CLOSIENT_API_KEY` (required) and `CLOSIENT_BASE_URL` (optional).
    pub fn from_env() -> Result<Self> {
        let key =
            env("CLOSIENT_API_KEY").ok_or_else(|| InvalidInput::new(None, "CLOSIENT_API_KEY", Violation::Required))?;
        let mut b = Self::builder(key);
        if let Some(url) = env("CLOSIENT_BASE_URL") {
            b = b.base_url(url);
        }
        b.build()
    }

    /// Open a Stripe Checkout session that tops up the prepaid ad balance
    /// (`amount_cents` ≥ 500).
    pub async fn create_checkout(&self, body: impl IntoBody<types::AdBalanceCheckoutIn>) -> Result<types::CheckoutOut> {
        self.core()
            .send("create_checkout", body, |b| self.api.create_checkout().body(b).send())
            .await
    }

    /// Open a Stripe Checkout session for the resolver subscription (refused when
    /// the organisation already has an active one).
    pub async fn create_resolver_checkout(
        &self,
        body: impl IntoBody<types::ResolverCheckoutIn>,
    ) -> Result<types::CheckoutOut> {
        self.core()
            .send("create_resolver_checkout", body, |b| {
                self.api.create_resolver_checkout().body(b).send()
            })
            .await
    }

    /// The organisation's prepaid ad balance and spend.
    pub async fn get_balance(&self, organization_id: &str) -> Result<types::BalanceOut> {
        let op = self.core().op("get_balance");
        self.core().params(op, &[("organization_id", organization_id)])?;
        self.core()
            .call(op, self.api.get_balance().organization_id(organization_id).send())
            .await
    }

    /// The organisation's resolver subscription: tier, status, usage, limits.
    pub async fn get_resolver_subscription(&self, organization_id: &str) -> Result<types::ResolverSubscriptionOut> {
        let op = self.core().op("get_resolver_subscription");
        self.core().params(op, &[("organization_id", organization_id)])?;
        self.core()
            .call(
                op,
                self.api
                    .get_resolver_subscription()
                    .organization_id(organization_id)
                    .send(),
            )
            .await
    }

    /// A single-use Stripe customer-portal URL for the resolver subscription.
    pub async fn create_portal_session(
        &self,
        organization_id: &str,
        body: impl IntoBody<types::PortalIn>,
    ) -> Result<types::PortalOut> {
        let op = self.core().op("create_portal_session");
        self.core().params(op, &[("organization_id", organization_id)])?;
        let body = self.core().body(op, body)?;
        self.core()
            .call(
                op,
                self.api
                    .create_portal_session()
                    .organization_id(organization_id)
                    .body(body)
                    .send(),
            )
            .await
    }
}

crate::core::client_glue!();

impl BuildClient for Client {
    fn provider() -> &'static Provider {
        &PROVIDER
    }
    fn check_secret(secret: &SecretString) -> Result<(), InvalidInput> {
        use secrecy::ExposeSecret;
        api_key::check(secret.expose_secret()).map(|_| ())
    }
    fn from_core(base_url: &str, http: reqwest::Client, core: Inner) -> Self {
        Self {
            api: generated::Client::new_with_client(base_url, http, core),
        }
    }
}
