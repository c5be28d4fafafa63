//! The fake server behind [`FakeClosient`].

mod http;
mod limits;
mod store;

use super::ids::{self, ALNUM};
use super::server::Server;
use crate::closient::{self, SPEC, api_key};
use http::{Shared, lock};
use std::sync::Arc;
use std::time::Duration;

/// A key's role in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Owns the organisation: may read and write.
    Owner,
    /// The BILLING role: may read and write billing.
    Billing,
    /// A plain member: may read only.
    Member,
}

impl Role {
    pub(super) fn may_write(self) -> bool {
        matches!(self, Role::Owner | Role::Billing)
    }
}

/// A fake Closient Billing: organisations, API keys with roles, checkout sessions
/// for prepaid ad balance and the resolver subscription, balances and the portal.
///
/// What it models, as Closient documents its API:
/// - Every operation of the spec under `/billing/api/v1` (the real server URL's
///   path); errors in the documented shape `{"error": {"code", "message",
///   "status", "details"}}` (`details` is null but on a 422, as the Errors page
///   shows); a path that is no operation is 404 `NOT_FOUND`.
/// - Operations it does not model below are answered from the spec after the same
///   key and request checks: a value that fits the answer's schema.
/// - Checks in this order: `X-API-Key` missing or unknown → 401 `UNAUTHORIZED`;
///   a path `organization_id` that breaks the spec → 422 `VALIDATION_ERROR`; a
///   body that is not JSON → 400 `BAD_REQUEST`; an integer below its `minimum`
///   (`amount_cents` < 500) → 400 `BAD_REQUEST`; any other spec violation → 422
///   `VALIDATION_ERROR` with `details: [{field, message}]`; an organisation in a
///   path that does not exist → 404 `NOT_FOUND`; a key that is not a member of the
///   organisation, or a write without the BILLING or OWNER role → 403 `FORBIDDEN`.
/// - `POST /billing/checkout`: a single-use checkout URL, unique per call
///   (`https://checkout.stripe.com/c/pay/cs_test_…`). Nothing changes until the
///   test completes it with [`FakeClosient::complete_checkout`] (as Stripe would
///   confirm the payment); then `amount_cents / 100` is added to the balance.
/// - `POST /billing/resolver/checkout`: a checkout URL; completing it makes the
///   subscription BUSINESS / ACTIVE. Refused with 400 `BAD_REQUEST` while the
///   organisation has an active paid subscription.
/// - `GET /billing/balance/{organization_id}`: starts at `"0.00"` USD, nothing
///   spent, no active campaigns; any member may read it.
/// - `GET /billing/resolver/{organization_id}`: FREE / ACTIVE with a `limits`
///   object (`max_gtins`, `max_lots`, `max_serials`, `max_epcis_events`) and a
///   null `estimated_monthly_bill`; on a paid tier (BUSINESS, or EARLY_ADOPTER
///   set with [`FakeClosient::set_tier`]) `limits` is null and
///   `estimated_monthly_bill` an object. Closient does not publish that object's
///   members; the fake sends `{"currency": "USD", "total": "0.00",
///   "period_end": "2026-02-01T00:00:00Z"}`, members of its own (usage is
///   always zero). Any member may read it.
/// - `POST /billing/resolver/{organization_id}/portal`: a single-use portal URL,
///   unique per call, on any tier (the docs name no refusal; the tolerant reading).
/// - Rate limits per API key, counted across every connection in fixed windows
///   aligned to the Unix epoch (a 60 s window resets on the minute): by default
///   as documented, 300 requests a minute and 10,000 a day (`cpk_` keys 100 a
///   minute); [`FakeClosient::set_rate_limit`] sets one window for every key.
///   Every answer carries `RateLimit-Policy` (`300;w=60, 10000;w=86400`),
///   `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds,
///   rounded up) of the most restrictive window, and the same as legacy
///   `X-RateLimit-*` with `X-RateLimit-Reset` an absolute Unix time. Past the
///   limit: 429 `RATE_LIMITED` with `Retry-After`, the request not counted
///   ([`FakeClosient::rate_limited`] counts them).
/// - Not modelled: checkout expiry, problem+json errors.
pub struct FakeClosient {
    server: Server,
    shared: Arc<Shared>,
}

/// The real server URL's path, under which the fake serves.
const BASE_PATH: &str = "/billing/api/v1";

impl FakeClosient {
    /// Start a fake with no organisations and no keys.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = http::router(BASE_PATH, shared.clone());
        let server = Server::start(router, &SPEC, |p| p.strip_prefix(BASE_PATH)).await;
        FakeClosient { server, shared }
    }

    /// The base URL a client should use: `http://127.0.0.1:PORT/billing/api/v1`.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.server.origin())
    }

    /// A client with this API key, pointed at the fake.
    ///
    /// # Panics
    ///
    /// When the client itself rejects the key (see [`api_key::check`]); build
    /// clients for malformed keys with `closient::Client::builder`.
    pub fn client(&self, api_key: &str) -> closient::Client {
        closient::Client::builder(api_key)
            .base_url(self.base_url())
            .build()
            .unwrap_or_else(|e| panic!("FakeClosient::client: {e}"))
    }

    /// Add an organisation (FREE resolver tier, zero balance); returns its id, a
    /// fresh 22-character shortuuid.
    pub fn add_org(&self) -> String {
        lock(&self.shared).add_org()
    }

    /// A new well-formed business key (`csb_…`) with `role` in `org`.
    pub fn add_key(&self, org: &str, role: Role) -> String {
        let key = api_key::with_checksum("csb", &ids::random(ALNUM, 32));
        self.grant(&key, org, role);
        key
    }

    /// Give `api_key` (new or existing) `role` in `org`.
    pub fn grant(&self, api_key: &str, org: &str, role: Role) {
        lock(&self.shared).grant(api_key, org, role);
    }

    /// Put `org` on a resolver tier, as Closient's staff assign EARLY_ADOPTER by
    /// hand (a completed resolver checkout makes it BUSINESS). False for an
    /// unknown organisation.
    pub fn set_tier(&self, org: &str, tier: closient::types::ResolverTier) -> bool {
        lock(&self.shared).set_tier(org, tier)
    }

    /// Allow every key `limit` requests per `window` (whole seconds, at least
    /// one) instead of Closient's documented limits, counting afresh:
    ///
    /// ```
    /// # async fn run() {
    /// use billing_clients::testing::FakeClosient;
    /// use std::time::Duration;
    ///
    /// let fake = FakeClosient::start().await;
    /// fake.set_rate_limit(30, Duration::from_secs(2));
    /// # }
    /// ```
    pub fn set_rate_limit(&self, limit: u64, window: Duration) {
        lock(&self.shared).limits.set(limit, window);
    }

    /// The requests answered 429 so far, every key together.
    pub fn rate_limited(&self) -> usize {
        lock(&self.shared).limits.refused()
    }

    /// Complete the checkout behind `checkout_url`, as Stripe's confirmation
    /// would: ad-balance funds land, or the resolver subscription becomes
    /// BUSINESS. False for an unknown or already completed URL (single use).
    pub fn complete_checkout(&self, checkout_url: &str) -> bool {
        lock(&self.shared).complete_checkout(checkout_url)
    }
}

super::server::recording!(FakeClosient);
