//! The axum endpoint (feature `axum`): reads a delivery, claims its event, runs
//! the handler only for the claimant, and answers so that FunnelFox re-sends
//! whatever was not processed.

use super::{Claim, Deduplicator, Delivery, LEASE, MAX_BODY};
use axum::http::StatusCode;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// An axum route for FunnelFox's deliveries with the defaults
/// (`Endpoint::new(dedup, handle).route()`); see [`Endpoint`] for what it
/// answers and for its settings (lease, concurrency cap).
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
pub fn endpoint<S, F, Fut, E>(dedup: Arc<dyn Deduplicator>, handle: F) -> axum::routing::MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    F: Fn(Delivery) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: fmt::Display,
{
    Endpoint::new(dedup, handle).route()
}

/// FunnelFox's webhook endpoint (feature `axum`), set up before it becomes a
/// route of any router (with or without state):
///
/// ```no_run
/// use billing_clients::funnelfox::webhooks::{Delivery, Endpoint, MemoryDeduplicator};
/// use std::{sync::Arc, time::Duration};
///
/// #[derive(Clone)]
/// struct AppState;
///
/// let hooks = Endpoint::new(Arc::new(MemoryDeduplicator::default()), |d: Delivery| async move {
///     println!("{} {:?}", d.event.event_type, d.event.subtype);
///     Ok::<(), std::convert::Infallible>(())
/// })
/// .lease(Duration::from_secs(60))
/// .max_concurrent(32);
/// let app: axum::Router<AppState> = axum::Router::new().route("/funnelfox/webhooks", hooks.route());
/// # let _ = app;
/// ```
///
/// For each POST it reads the raw body (at most [`MAX_BODY`] bytes) as a
/// [`Delivery`] (a body that is not an event at all: 400; an event with members
/// that do not fit is handed on, see [`Delivery::unfit`]), then claims the
/// event's key in the store for the lease:
///
/// | claim | handler | answer |
/// |---|---|---|
/// | claimed | runs; succeeded | 200 (the key is done) |
/// | claimed | runs; failed | 500 (the claim is released: FunnelFox's retry runs it again) |
/// | done already | does not run | 200 |
/// | another delivery's handler is running | does not run | 503 with `Retry-After`: delivered again later, never acknowledged while its outcome is unknown |
/// | the store failed | does not run | 503: nothing lost, nothing run twice |
/// | [`max_concurrent`](Self::max_concurrent) handlers already running | does not run, the store is not asked | 503 with `Retry-After` |
pub struct Endpoint<F> {
    dedup: Arc<dyn Deduplicator>,
    handle: F,
    lease: Duration,
    running: Option<Arc<Semaphore>>,
}

impl<F> fmt::Debug for Endpoint<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("lease", &self.lease)
            .field("max_concurrent", &self.running.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}

impl<F, Fut, E> Endpoint<F>
where
    F: Fn(Delivery) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: fmt::Display,
{
    /// An endpoint that claims events in `dedup` and runs `handle` for each
    /// event once; [`LEASE`] long claims, no cap on concurrent handlers.
    pub fn new(dedup: Arc<dyn Deduplicator>, handle: F) -> Self {
        Self {
            dedup,
            handle,
            lease: LEASE,
            running: None,
        }
    }

    /// How long a claim lasts before another delivery may run the event again
    /// (default [`LEASE`]): a replica that dies mid-handler holds the event this
    /// long. It must outlast the handler's slowest run.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// At most `n` handlers run at once; a delivery beyond that is answered 503
    /// with `Retry-After` before its body is read into an event or the store is
    /// asked (FunnelFox delivers it again later), so a flood costs neither.
    pub fn max_concurrent(mut self, n: usize) -> Self {
        self.running = Some(Arc::new(Semaphore::new(n)));
        self
    }

    /// The route: a POST handler for any router state `S`.
    pub fn route<S: Clone + Send + Sync + 'static>(self) -> axum::routing::MethodRouter<S> {
        let this = Arc::new(self);
        let receive = move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
            let _slot = match &this.running {
                Some(running) => match running.clone().try_acquire_owned() {
                    Ok(slot) => Some(slot),
                    Err(_) => return retry_later("too many deliveries at once"),
                },
                None => None,
            };
            this.receive(headers, body).await
        };
        axum::routing::post(receive).layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
    }

    async fn receive(&self, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Answer {
        let dedup = &self.dedup;
        let delivery = match Delivery::new(body, headers) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "FunnelFox webhook refused");
                return answer(StatusCode::BAD_REQUEST, "not a FunnelFox event");
            }
        };
        let key = delivery.key.clone();
        let token = match dedup.claim(&key, self.lease).await {
            Ok(Claim::Claimed(token)) => token,
            Ok(Claim::Done) => return answer(StatusCode::OK, "already processed"),
            Ok(Claim::InProgress) => return retry_later("in progress elsewhere"),
            Err(e) => {
                tracing::warn!(error = %e, event = %key, "FunnelFox webhook not claimed; FunnelFox will retry");
                return retry_later("store unavailable");
            }
        };
        let handled = (self.handle)(delivery).await.map_err(|e| e.to_string());
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
    }
}

type Answer = (StatusCode, [(&'static str, &'static str); 1], &'static str);

fn answer(status: StatusCode, text: &'static str) -> Answer {
    (status, [("cache-control", "no-store")], text)
}

/// 503 with `Retry-After`: any non-2xx makes FunnelFox deliver again later.
fn retry_later(text: &'static str) -> Answer {
    (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "30")], text)
}
