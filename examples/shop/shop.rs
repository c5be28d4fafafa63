//! A small shop back end on billing-clients, written from the README and the
//! rustdoc: a checkout (a one-click purchase through FunnelFox), a webhook
//! endpoint that keeps entitlements, and a Closient top-up, as one axum router
//! with state. `main.rs` runs it; `tests/shop.rs` tests it on the fakes.
//!
//! Routes:
//!
//! | route | what it does |
//! |---|---|
//! | `POST /checkout` `{"user", "product"}` | charges the user's saved payment method (`one_click`) |
//! | `POST /funnelfox/webhooks?token=…` | FunnelFox's deliveries: keeps entitlements |
//! | `GET /entitlements/{user}` | what the user may use, as last read from FunnelFox |
//! | `POST /topup` `{"cents"}` | a Closient checkout adding to the prepaid ad balance |
//! | `GET /balance` | the Closient balance |
//!
//! **The entitlement rule.** A webhook is a signal that something changed for
//! its user, not the state: FunnelFox delivers at least once, in no
//! guaranteed order (a re-sent `renewing` can arrive after the `expiration`
//! that followed it), and a purchase arrives as an `order` event that does
//! not carry the subscription. So, for each event:
//!
//! 1. the endpoint processes each event once (its claim store:
//!    `MemoryDeduplicator` here, a shared one with replicas);
//! 2. an event older than the newest one already applied for its user
//!    (`event_timestamp`) is stale: nothing to do, the state read for the
//!    newer one already includes its change;
//! 3. otherwise the handler re-reads what the user owns (`my_assets`, the
//!    source of truth) and stores it, stamped with the event's timestamp,
//!    unless a newer event's read was stored meanwhile;
//! 4. when FunnelFox cannot be asked, the handler fails: the endpoint answers
//!    500 and FunnelFox delivers the event again later.
//!
//! Re-reading also makes a forged event (one that got past the URL's token)
//! grant nothing: the shop believes `my_assets`, never the event's body.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use billing_clients::funnelfox::webhooks::{Delivery, Endpoint, MemoryDeduplicator};
use billing_clients::funnelfox::{self, CheckoutPaymentStatus};
use billing_clients::{Timestamp, closient};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// What a user may use, as the shop last read it from FunnelFox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entitlement {
    /// The price points of the user's active subscriptions and one-offs.
    pub products: BTreeSet<String>,
    /// The timestamp of the newest event applied (the read was made after it).
    pub as_of: Option<Timestamp>,
}

/// What the webhook handler did with an event (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// `my_assets` re-read and stored for the user.
    Refreshed {
        /// The user.
        user: String,
    },
    /// Older than the newest event applied for its user: nothing done.
    Stale {
        /// The user.
        user: String,
    },
    /// No user named: nothing to keep.
    NoUser,
}

/// The shop: its clients and what it keeps, shared by every route (the
/// router's state; clones share everything).
#[derive(Clone)]
pub struct Shop {
    funnelfox: funnelfox::Client,
    closient: closient::Client,
    closient_org: String,
    entitlements: Arc<Mutex<HashMap<String, Entitlement>>>,
    log: Arc<Mutex<Vec<(String, Applied)>>>,
}

impl Shop {
    /// A shop charging through `funnelfox` and topping up `closient_org`'s
    /// balance through `closient`.
    pub fn new(funnelfox: funnelfox::Client, closient: closient::Client, closient_org: impl Into<String>) -> Self {
        Self {
            funnelfox,
            closient,
            closient_org: closient_org.into(),
            entitlements: Arc::default(),
            log: Arc::default(),
        }
    }

    /// The router: the shop's routes and FunnelFox's webhook endpoint, which
    /// requires `webhook_token` in its URL's query (`?token=…`, as registered
    /// in FunnelFox's billing settings).
    pub fn router(&self, webhook_token: &str) -> Router {
        let shop = self.clone();
        let hooks = Endpoint::new(Arc::new(MemoryDeduplicator::default()), move |d: Delivery| {
            let shop = shop.clone();
            async move { shop.on_event(d).await.map(|_| ()) }
        })
        .token(webhook_token.to_string());
        Router::new()
            .route("/checkout", post(checkout))
            .route("/funnelfox/webhooks", hooks.route())
            .route("/entitlements/{user}", get(entitlements))
            .route("/topup", post(topup))
            .route("/balance", get(balance))
            .with_state(self.clone())
    }

    /// What `user` may use now, as last read.
    pub fn entitlement(&self, user: &str) -> Entitlement {
        lock(&self.entitlements).get(user).cloned().unwrap_or_default()
    }

    /// What the handler did with each event it ran for, in order, by
    /// `event_id`.
    pub fn applied(&self) -> Vec<(String, Applied)> {
        lock(&self.log).clone()
    }

    /// The webhook handler: the rule in this module's docs.
    pub async fn on_event(&self, d: Delivery) -> Result<Applied, billing_clients::Error> {
        let event = d.event;
        let id = event.event_id.map(|i| i.to_string()).unwrap_or_default();
        let Some(user) = event.external_id else {
            lock(&self.log).push((id, Applied::NoUser));
            return Ok(Applied::NoUser);
        };
        let at = event.event_timestamp;
        let stale = |e: &Entitlement| matches!((at, e.as_of), (Some(at), Some(seen)) if at < seen);
        let applied = if lock(&self.entitlements).get(&user).is_some_and(stale) {
            Applied::Stale { user }
        } else {
            let products = self.read(&user).await?;
            let mut all = lock(&self.entitlements);
            let kept = all.entry(user.clone()).or_default();
            // A newer event's read may have been stored while this one read.
            if !stale(kept) {
                kept.products = products;
                kept.as_of = kept.as_of.max(at);
            }
            Applied::Refreshed { user }
        };
        lock(&self.log).push((id, applied.clone()));
        Ok(applied)
    }

    /// The price points `user` may use: active subscriptions and one-offs.
    async fn read(&self, user: &str) -> Result<BTreeSet<String>, billing_clients::Error> {
        let owned = self
            .funnelfox
            .my_assets(funnelfox::types::UserInfoIn::builder().external_id(user))
            .await?;
        let subscriptions = owned
            .subscriptions
            .into_iter()
            .filter(|s| s.is_active)
            .map(|s| s.price_point.ident);
        let oneoffs = owned
            .oneoffs
            .into_iter()
            .filter(|o| o.is_active == Some(true))
            .filter_map(|o| o.price_point.map(|p| p.ident));
        Ok(subscriptions.chain(oneoffs).collect())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An error as the shop answers it, in one `match` on its class: the crate's
/// invalid-input messages and the provider's refusals go to the caller as they
/// are; anything else is the shop's upstream or its setup failing.
fn failed(e: billing_clients::Error) -> Response {
    use billing_clients::{ErrorClass, Refusal};
    let status = match e.class() {
        ErrorClass::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorClass::Refused(Refusal::DoublePurchase) => StatusCode::CONFLICT,
        ErrorClass::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorClass::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorClass::InDoubt => StatusCode::ACCEPTED,
        ErrorClass::Configuration => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_GATEWAY,
    };
    (status, Json(json!({"error": e.to_string()}))).into_response()
}

/// The body of `POST /checkout`.
#[derive(serde::Deserialize)]
struct CheckoutRequest {
    user: String,
    product: String,
}

async fn checkout(State(shop): State<Shop>, Json(r): Json<CheckoutRequest>) -> Response {
    let paid = shop
        .funnelfox
        .one_click(
            funnelfox::types::OneClick::builder()
                .external_id(r.user)
                .pp_ident(r.product),
        )
        .await;
    let paid = match paid {
        Ok(paid) => paid,
        Err(e) => return failed(e),
    };
    let order = paid.order_id.map(|o| o.to_string());
    // The entitlement follows with the webhook (or re-read `my_assets` now).
    match paid.checkout_status {
        CheckoutPaymentStatus::Succeeded => (StatusCode::OK, Json(json!({"status": "paid", "order_id": order}))),
        CheckoutPaymentStatus::Failed => (
            StatusCode::PAYMENT_REQUIRED,
            Json(json!({"status": "declined", "message": paid.failed_message_for_user})),
        ),
        _ if paid.action_required_token.as_deref().is_some_and(|t| !t.is_empty()) => (
            StatusCode::ACCEPTED,
            Json(json!({"status": "action_required", "order_id": order, "token": paid.action_required_token})),
        ),
        other => (
            StatusCode::ACCEPTED,
            Json(json!({"status": other.to_string(), "order_id": order})),
        ),
    }
    .into_response()
}

async fn entitlements(State(shop): State<Shop>, Path(user): Path<String>) -> Json<Value> {
    Json(json!({"products": shop.entitlement(&user).products}))
}

/// The body of `POST /topup`.
#[derive(serde::Deserialize)]
struct TopUpRequest {
    cents: i64,
}

async fn topup(State(shop): State<Shop>, Json(r): Json<TopUpRequest>) -> Response {
    let checkout = shop
        .closient
        .create_checkout(
            closient::types::AdBalanceCheckoutIn::builder()
                .organization_id(shop.closient_org.as_str())
                .amount_cents(r.cents)
                .success_url("https://shop.example.com/billing?paid={CHECKOUT_SESSION_ID}")
                .cancel_url("https://shop.example.com/billing"),
        )
        .await;
    match checkout {
        Ok(c) => Json(json!({"checkout_url": c.checkout_url})).into_response(),
        Err(e) => failed(e),
    }
}

async fn balance(State(shop): State<Shop>) -> Response {
    match shop.closient.get_balance(&shop.closient_org).await {
        Ok(b) => Json(json!({"balance": b.balance.to_string(), "currency": b.currency})).into_response(),
        Err(e) => failed(e),
    }
}
