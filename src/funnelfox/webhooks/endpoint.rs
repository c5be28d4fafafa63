//! The axum endpoint (feature `axum`): reads a delivery, claims its event, runs
//! the handler only for the claimant, and answers so that FunnelFox re-sends
//! whatever was not processed.

use super::{Claim, Deduplicator, Delivery, LEASE, MAX_BODY};
use axum::http::StatusCode;
use std::fmt;
use std::sync::Arc;

/// An axum endpoint for FunnelFox's deliveries (feature `axum`).
///
/// ```no_run
/// use billing_clients::funnelfox::webhooks::{self, Delivery, MemoryDeduplicator};
/// use std::sync::Arc;
///
/// let app: axum::Router = axum::Router::new().route(
///     "/funnelfox/webhooks",
///     webhooks::endpoint(Arc::new(MemoryDeduplicator::default()), |d: Delivery| async move {
///         println!("{} {:?} for {:?}", d.event.event_type, d.event.subtype, d.event.external_id);
///         Ok::<(), std::convert::Infallible>(())
///     }),
/// );
/// ```
///
/// For each POST it reads the raw body (at most [`MAX_BODY`] bytes) as a
/// [`Delivery`] (a body that is not an event at all: 400; an event with members
/// that do not fit is handed on, see [`Delivery::unfit`]), then claims the
/// event's key in `dedup` for [`LEASE`]:
///
/// | claim | handler | answer |
/// |---|---|---|
/// | claimed | runs; succeeded | 200 (the key is done) |
/// | claimed | runs; failed | 500 (the claim is released: FunnelFox's retry runs it again) |
/// | done already | does not run | 200 |
/// | another delivery's handler is running | does not run | 503 with `Retry-After`: delivered again later, never acknowledged while its outcome is unknown |
/// | the store failed | does not run | 503: nothing lost, nothing run twice |
pub fn endpoint<F, Fut, E>(dedup: Arc<dyn Deduplicator>, handle: F) -> axum::routing::MethodRouter
where
    F: Fn(Delivery) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), E>> + Send,
    E: fmt::Display,
{
    let receive = move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
        let delivery = match Delivery::new(body, headers) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "FunnelFox webhook refused");
                return answer(StatusCode::BAD_REQUEST, "not a FunnelFox event");
            }
        };
        let key = delivery.key.clone();
        let token = match dedup.claim(&key, LEASE).await {
            Ok(Claim::Claimed(token)) => token,
            Ok(Claim::Done) => return answer(StatusCode::OK, "already processed"),
            Ok(Claim::InProgress) => return retry_later("in progress elsewhere"),
            Err(e) => {
                tracing::warn!(error = %e, event = %key, "FunnelFox webhook not claimed; FunnelFox will retry");
                return retry_later("store unavailable");
            }
        };
        let handled = handle(delivery).await.map_err(|e| e.to_string());
        match handled {
            Ok(()) => match dedup.complete(&key, &token).await {
                Ok(()) => answer(StatusCode::OK, "processed"),
                Err(e) => {
                    // Processed, but not recorded: the claim stays until its lease
                    // ends, so a re-send within it is not run again.
                    tracing::warn!(error = %e, event = %key, "FunnelFox webhook processed but not recorded");
                    answer(StatusCode::OK, "processed")
                }
            },
            Err(why) => {
                tracing::warn!(error = %why, event = %key, "FunnelFox webhook handler failed; FunnelFox will retry");
                if let Err(e) = dedup.release(&key, &token).await {
                    tracing::warn!(error = %e, event = %key, "claim not released; it ends with its lease");
                }
                answer(StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
            }
        }
    };
    axum::routing::post(receive).layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
}

type Answer = (StatusCode, [(&'static str, &'static str); 1], &'static str);

fn answer(status: StatusCode, text: &'static str) -> Answer {
    (status, [("cache-control", "no-store")], text)
}

/// 503 with `Retry-After`: any non-2xx makes FunnelFox deliver again later.
fn retry_later(text: &'static str) -> Answer {
    (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "30")], text)
}
