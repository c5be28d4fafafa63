//! In-process fakes of FunnelFox Billing and Closient Billing for tests: real HTTP
//! servers on `127.0.0.1`, stateful, behaving as the providers document their
//! APIs, checking requests against the same specs (and generated types) as the
//! clients, answering every operation of the specs (those they do not model with
//! a value that fits the spec), and recording every request with its answer.
//! [`servers`] starts real Redis and PostgreSQL servers, for the webhook claim
//! stores (or your own).
//!
//! ```
//! use billing_clients::funnelfox::{CheckoutPaymentStatus, types};
//! use billing_clients::testing::{FakeClosient, FakeFunnelFox, PaymentOutcome, Role};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let funnelfox = FakeFunnelFox::start().await;
//! funnelfox.add_price_point("pro_monthly");
//! funnelfox.add_user("user-42", true);
//! funnelfox.queue_outcome(PaymentOutcome::failed("Your card was declined."));
//! let paid = funnelfox
//!     .client()
//!     .one_click(types::OneClick::builder().external_id("user-42").pp_ident("pro_monthly"))
//!     .await
//!     .unwrap();
//! assert_eq!(paid.checkout_status, CheckoutPaymentStatus::Failed);
//! assert_eq!(funnelfox.count("one_click"), 1);
//!
//! let closient = FakeClosient::start().await;
//! let org = closient.add_org();
//! let key = closient.add_key(&org, Role::Billing);
//! let client = closient.client(&key);
//! let checkout = client
//!     .create_checkout(
//!         billing_clients::closient::types::AdBalanceCheckoutIn::builder()
//!             .organization_id(org.as_str())
//!             .amount_cents(2_500)
//!             .success_url("https://example.com/ok")
//!             .cancel_url("https://example.com/cancel"),
//!     )
//!     .await
//!     .unwrap();
//! assert!(closient.complete_checkout(&checkout.checkout_url));
//! let balance = client.get_balance(&org).await.unwrap();
//! assert_eq!(balance.balance.to_string(), "25.00");
//! # }
//! ```

mod body;
mod closient;
pub mod example;
pub mod forge;
mod funnelfox;
mod ids;
mod record;
mod server;
#[cfg(unix)]
pub mod servers;

pub use closient::{FakeClosient, Role};
pub use funnelfox::{FakeFunnelFox, Mishap, Order, PaymentOutcome, Redelivery, WebhookDelivery, WebhooksPending};
pub use record::RecordedRequest;

/// Every generated method and type of each spec by name, for this crate's own
/// tests (kept off the clients; not an API): `call_json(&client, id, body,
/// params)` calls an operation through its typed method, `through_type(name,
/// value)` reads a component as its generated type and writes it back.
#[doc(hidden)]
pub mod conformance {
    pub use crate::closient::generated::conformance as closient;
    pub use crate::funnelfox::generated::conformance as funnelfox;
    #[cfg(billing_fixture)]
    pub use crate::testing::fixture::generated::conformance as fixture;
}

/// A FunnelFox client generated from FunnelFox's pages plus the repository's
/// fixture pages (`tests/fixtures/new_pages/`): the proof that a new page is all a
/// new operation takes. Only in a checkout of the repository.
#[cfg(billing_fixture)]
#[doc(hidden)]
pub mod fixture {
    #[allow(missing_docs, clippy::all, unused_imports, dead_code)]
    pub(crate) mod generated {
        include!(concat!(env!("OUT_DIR"), "/fixture_types.rs"));
        include!(concat!(env!("OUT_DIR"), "/fixture_operations.rs"));
    }

    pub use generated::{Client, SPEC, types};

    pub(crate) static PROVIDER: crate::runtime::Provider = crate::runtime::Provider {
        name: "funnelfox",
        spec: &SPEC,
        check_secret: crate::funnelfox::check_secret,
        interpret: crate::funnelfox::wire_interpret,
        success: crate::funnelfox::wire_success,
        paces: false,
        auth_name: std::sync::OnceLock::new(),
    };

    impl Client {
        /// Configure a client for organisation `org_id`, as `funnelfox::Client::builder`.
        pub fn builder(org_id: impl Into<String>) -> crate::Builder<Client> {
            crate::funnelfox::builder(org_id)
        }
    }

    impl crate::funnelfox::FunnelFoxApi for Client {}
}
