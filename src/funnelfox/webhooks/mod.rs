//! FunnelFox's webhooks: the events FunnelFox POSTs to your endpoints when an order
//! settles, a subscription renews or lapses, a refund goes through. The event
//! types are generated from `specs/funnelfox/webhooks.yaml` like every other type:
//! types and subtypes are open enums (a new one is kept, not an error; upstream's
//! misspellings such as `convertion` and `defering` read as the correct ones),
//! timestamps naive or RFC 3339, money exact decimals.
//!
//! ```
//! use billing_clients::funnelfox::webhooks::{self, Deduplicator, EventType, MemoryDeduplicator};
//!
//! let body = br#"{"event_id": "018522bc-905a-4124-a955-37db2a731ab2", "event_type": "subscription", "subtype": "convertion",
//!                 "event_timestamp": "2026-01-05T10:00:00.123456", "external_id": "user-42"}"#;
//! let event = webhooks::parse(body).unwrap();
//! assert_eq!(event.event_type, EventType::Subscription);
//! assert_eq!(event.subtype.as_ref().map(|s| s.as_str()), Some("conversion"));
//!
//! // FunnelFox retries deliveries, to any replica: process each event once, by claim.
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use webhooks::Claim;
//! let store = MemoryDeduplicator::default();
//! let key = webhooks::dedup_key(&event);
//! let Claim::Claimed(token) = store.claim(&key, webhooks::LEASE).await.unwrap() else { panic!() };
//! assert_eq!(store.claim(&key, webhooks::LEASE).await.unwrap(), Claim::InProgress);
//! store.complete(&key, &token).await.unwrap(); // after the handler succeeded
//! assert_eq!(store.claim(&key, webhooks::LEASE).await.unwrap(), Claim::Done);
//! # });
//! ```
//!
//! **Forged events.** FunnelFox lets you configure a signing secret but
//! documents neither the header, the algorithm nor the signed text, so this
//! crate does not guess one. Instead: a secret token in the target URL
//! ([`UrlToken`]; `Endpoint::token` with feature `axum`), a [`Verifier`] seam
//! for the day the scheme is published, and [`read_back`]: each event
//! confirmed with FunnelFox's API by rules declared in the spec. [`Delivery`]
//! keeps the raw body and the headers next to the parsed event.

mod claims;
#[cfg(feature = "axum")]
mod endpoint;
mod guard;
#[cfg(feature = "postgres")]
mod postgres_store;
mod read_back;
#[cfg(feature = "redis")]
mod redis_store;

pub use claims::{Claim, ClaimToken, Deduplicator, LEASE, MemoryDeduplicator, Pending, StoreError};
/// The pool [`PostgresDeduplicator::with_pool`] takes (with its `tokio_postgres`),
/// for a pool of your own (TLS, other limits) at the version this crate uses.
#[cfg(feature = "postgres")]
#[doc(no_inline)]
pub use deadpool_postgres;
#[cfg(feature = "axum")]
pub use endpoint::{Endpoint, endpoint};
pub use guard::{Refusal, TOKEN_PARAM, UrlToken, Verifier};
#[cfg(feature = "postgres")]
pub use postgres_store::PostgresDeduplicator;
pub use read_back::{Confirmation, Verified, read_back};
#[cfg(feature = "redis")]
pub use redis_store::RedisDeduplicator;
use std::fmt;

pub use super::types::WebhookEvent as Event;
pub use super::types::WebhookEventSubtype as Subtype;
pub use super::types::WebhookEventType as EventType;
pub use crate::runtime::decode::Unfit;

/// The largest body [`parse`] reads (real events are a few KiB).
pub const MAX_BODY: usize = 1 << 20;

/// A body that is not a FunnelFox event; keeps a bounded excerpt of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookError {
    /// Why it is not an event (the JSON path that failed, where one did).
    pub reason: String,
    /// The start of the body (at most [`crate::DecodeError::EXCERPT`] bytes, lossy UTF-8).
    pub excerpt: String,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a FunnelFox webhook event: {}; body starts {:?}",
            self.reason, self.excerpt
        )
    }
}

impl std::error::Error for WebhookError {}

/// Parse the raw request body of a webhook delivery into an event, strictly:
/// every member must fit its type (absent values may be missing, `null` or, for
/// dates, ids, numbers, flags and enums, `""`). [`Delivery::new`], which the
/// endpoint uses, is lenient: it keeps an event whose members do not all fit.
pub fn parse(body: &[u8]) -> Result<Event, WebhookError> {
    if body.len() > MAX_BODY {
        return Err(refused(body, format!("the body is over {MAX_BODY} bytes")));
    }
    crate::runtime::decode::json::<Event>(bytes::Bytes::copy_from_slice(body)).map_err(|reason| refused(body, reason))
}

/// Why `body` is not an event, with a bounded excerpt of it.
fn refused(body: &[u8], reason: String) -> WebhookError {
    WebhookError {
        reason,
        excerpt: crate::DecodeError::excerpt_of(&String::from_utf8_lossy(body)).to_string(),
    }
}

/// The key under which a delivery counts as "already processed": the event's
/// `event_id`, else (FunnelFox names `event_timestamp` as the key) its timestamp
/// with its type, subtype and user.
pub fn dedup_key(event: &Event) -> String {
    match &event.event_id {
        Some(id) => format!("id:{id}"),
        None => format!(
            "ts:{}|{}|{}|{}",
            event.event_timestamp.map(|t| t.to_string()).unwrap_or_default(),
            event.event_type,
            event.subtype.as_ref().map(|s| s.as_str()).unwrap_or_default(),
            event.external_id.as_deref().unwrap_or_default()
        ),
    }
}

/// One delivery: the event, typed where it fits, and the raw body and headers it
/// came with (to verify a signature with).
///
/// An event is never refused for a member that does not fit the spec (a new
/// date format, a number where a string was documented): that member is left
/// out of [`Delivery::event`] and listed in [`Delivery::unfit`] with its value,
/// and [`Delivery::body`] has it as sent. Only a body that is not an event at
/// all (not JSON, no `event_type`) is refused.
///
/// ```
/// use billing_clients::funnelfox::webhooks::Delivery;
///
/// let body = br#"{"event_type": "subscription", "subtype": "renewing", "event_timestamp": "",
///                 "subscription": {"subs_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f",
///                                  "current_period_ends_at": "next Tuesday"}}"#;
/// let d = Delivery::new(body.to_vec().into(), Default::default()).unwrap();
/// assert!(d.event.event_timestamp.is_none(), "\"\" is absent");
/// assert_eq!(d.unfit[0].path, "subscription.current_period_ends_at");
/// assert!(d.event.subscription.unwrap().subs_id.is_some(), "the rest of it is typed");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The event: every member that fits its type.
    pub event: Event,
    /// The members that did not fit, left out of `event` (empty when all fit).
    pub unfit: Vec<Unfit>,
    /// Its deduplication key ([`dedup_key`]).
    pub key: String,
    /// The request body as received.
    pub body: bytes::Bytes,
    /// The request headers as received.
    pub headers: reqwest::header::HeaderMap,
    /// How the endpoint verified it: `Some` when FunnelFox's API confirmed it
    /// (the endpoint's read-back mode, [`read_back`]); `None` when nothing was
    /// read back (read-back off for its type, or no rule declared for it).
    pub verified: Option<Verified>,
}

impl Delivery {
    /// Read a delivery from its raw body and headers; an error only for a body
    /// that is not an event at all.
    pub fn new(body: bytes::Bytes, headers: reqwest::header::HeaderMap) -> Result<Self, WebhookError> {
        if body.len() > MAX_BODY {
            return Err(refused(&body, format!("the body is over {MAX_BODY} bytes")));
        }
        let (event, unfit) =
            crate::runtime::decode::json_keeping_unfit::<Event>(&body).map_err(|reason| refused(&body, reason))?;
        Ok(Self {
            key: dedup_key(&event),
            event,
            unfit,
            body,
            headers,
            verified: None,
        })
    }
}
