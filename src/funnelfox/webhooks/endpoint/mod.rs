//! The axum endpoint (feature `axum`): refuses what does not carry the URL's
//! secret token or pass the [`Verifier`](super::Verifier) before anything else
//! is done, reads a delivery, optionally confirms it with FunnelFox's API, claims
//! its event, runs the handler only for the claimant, and answers so that
//! FunnelFox re-sends whatever was not processed.

mod receive;

use super::{Deduplicator, Delivery, LEASE, MAX_BODY, UrlToken, Verifier};
use secrecy::SecretString;
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
/// Each POST goes through these steps in order; the first that refuses answers,
/// and nothing after it runs (a refused request costs no API call, no store
/// call and no handler run):
///
/// | step | refused when | answer |
/// |---|---|---|
/// | [`token`](Self::token) (if set) | the query has no accepted token | 403, before the body is read |
/// | [`max_concurrent`](Self::max_concurrent) | that many handlers already run | 503 with `Retry-After` |
/// | body | over [`MAX_BODY`] bytes | 413 |
/// | [`verifier`](Self::verifier) (if set) | it refuses the body and headers | 403 |
/// | event | the body is no event at all (an event with members that do not fit is handed on, see [`Delivery::unfit`]) | 400 |
/// | [`read_back`](Self::read_back) (for its types) | FunnelFox's API does not show what it says | 409 (503 when the API cannot be asked) |
///
/// then it claims the event's key in the store for the lease:
///
/// | claim | handler | answer |
/// |---|---|---|
/// | claimed | runs; succeeded | 200 (the key is done) |
/// | claimed | runs; failed | 500 (the claim is released: FunnelFox's retry runs it again) |
/// | done already | does not run | 200 |
/// | another delivery's handler is running | does not run | 503 with `Retry-After`: delivered again later, never acknowledged while its outcome is unknown |
/// | the store failed | does not run | 503: nothing lost, nothing run twice |
///
/// A 403 says only "forbidden": it never echoes the token or why. FunnelFox
/// retries any non-2xx, which is harmless for a forged request (nobody retries
/// it) and makes a misconfigured target URL visible as a warning in the log.
pub struct Endpoint<F> {
    dedup: Arc<dyn Deduplicator>,
    handle: F,
    lease: Duration,
    running: Option<Arc<Semaphore>>,
    token: Option<UrlToken>,
    token_param: String,
    verifier: Option<Arc<dyn Verifier>>,
    read_back: Option<(crate::funnelfox::Client, Vec<super::EventType>)>,
}

impl<F> fmt::Debug for Endpoint<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("lease", &self.lease)
            .field("max_concurrent", &self.running.as_ref().map(|_| ".."))
            .field("token", &self.token)
            .field("token_param", &self.token_param)
            .field("verifier", &self.verifier.as_ref().map(|_| ".."))
            .field("read_back", &self.read_back.as_ref().map(|(_, types)| types))
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
    /// event once; [`LEASE`] long claims, no cap on concurrent handlers, no
    /// token required (set one: [`token`](Self::token)).
    pub fn new(dedup: Arc<dyn Deduplicator>, handle: F) -> Self {
        Self {
            dedup,
            handle,
            lease: LEASE,
            running: None,
            token: None,
            token_param: super::TOKEN_PARAM.to_string(),
            verifier: None,
            read_back: None,
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

    /// Require `secret` in the query of every delivery: register the target URL
    /// in FunnelFox's billing settings as `https://…/funnelfox/webhooks?token=<secret>`
    /// (a long random value; the parameter is `token` unless
    /// [`token_param`](Self::token_param) says otherwise). A request without it,
    /// or with another, is answered 403 before its body is read.
    pub fn token(mut self, secret: impl Into<SecretString>) -> Self {
        self.token = Some(match self.token.take() {
            Some(t) => t.only(secret),
            None => UrlToken::new(secret),
        });
        self
    }

    /// Accept `secret` as well as the [`token`](Self::token), for a rotation:
    /// deploy with both, change the URL in FunnelFox, then deploy with the new
    /// one alone.
    ///
    /// ```no_run
    /// # use billing_clients::funnelfox::webhooks::{Delivery, Endpoint, MemoryDeduplicator};
    /// # use std::sync::Arc;
    /// let hooks = Endpoint::new(Arc::new(MemoryDeduplicator::default()), |_: Delivery| async {
    ///     Ok::<(), std::convert::Infallible>(())
    /// })
    /// .token(std::env::var("FUNNELFOX_WEBHOOK_TOKEN").unwrap())
    /// .also_accept(std::env::var("FUNNELFOX_WEBHOOK_TOKEN_NEXT").unwrap());
    /// # let _: axum::routing::MethodRouter = hooks.route();
    /// ```
    pub fn also_accept(mut self, secret: impl Into<SecretString>) -> Self {
        self.token = Some(match self.token.take() {
            Some(t) => t.also_accept(secret),
            None => UrlToken::new(secret),
        });
        self
    }

    /// The query parameter that carries the token (default `token`).
    /// The query parameter that carries the token (default
    /// [`TOKEN_PARAM`](super::TOKEN_PARAM), `token`).
    pub fn token_param(mut self, name: impl Into<String>) -> Self {
        self.token_param = name.into();
        self
    }

    /// Check every delivery's raw body and headers with `verifier` (after the
    /// token, before the body is read as an event): a refusal is answered 403
    /// and logged. The seam for FunnelFox's signature check.
    pub fn verifier(mut self, verifier: Arc<dyn Verifier>) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Confirm every event of `types` with FunnelFox's API before the handler
    /// sees it ([`read_back`](super::read_back), by the rules declared in the
    /// spec: orders, refunds, subscriptions, one-offs), with `client` (it needs
    /// the secret key: `payments_history` requires it). Confirmed events reach
    /// the handler with [`Delivery::verified`] set; an event the API does not
    /// show for its user in that state is answered 409 without running the
    /// handler (FunnelFox retries it, so a real event seen before the API shows
    /// it is handled later); when the API cannot be asked: 503. One API read
    /// per delivery of those types, before the claim, so that forged events
    /// never occupy the store. Turn it on for the events that grant something.
    ///
    /// ```no_run
    /// # use billing_clients::funnelfox::{Client, webhooks::{Delivery, Endpoint, EventType, MemoryDeduplicator}};
    /// # use std::sync::Arc;
    /// # fn run() -> billing_clients::Result<()> {
    /// let funnelfox = Client::builder("my-org-id").secret_key("ff_...").build()?;
    /// let hooks = Endpoint::new(Arc::new(MemoryDeduplicator::default()), |d: Delivery| async move {
    ///     assert!(d.verified.is_some(), "orders and subscriptions are read back");
    ///     Ok::<(), std::convert::Infallible>(())
    /// })
    /// .token("a-long-random-secret")
    /// .read_back(funnelfox, [EventType::Order, EventType::Subscription]);
    /// # let _: axum::routing::MethodRouter = hooks.route();
    /// # Ok(()) }
    /// ```
    pub fn read_back(
        mut self,
        client: crate::funnelfox::Client,
        types: impl IntoIterator<Item = super::EventType>,
    ) -> Self {
        self.read_back = Some((client, types.into_iter().collect()));
        self
    }

    /// The route: a POST handler for any router state `S`.
    pub fn route<S: Clone + Send + Sync + 'static>(mut self) -> axum::routing::MethodRouter<S> {
        self.token = self.token.take().map(|t| t.param(self.token_param.clone()));
        let this = Arc::new(self);
        let receive = move |request: axum::extract::Request| async move { this.receive(request).await };
        axum::routing::post(receive).layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
    }
}
