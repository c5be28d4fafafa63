//! The transport under every call: per-operation auth, one attempt after another
//! as the retry table allows, bounded body reads, the provider's wire format, and
//! this crate's error for every way it can fail. Each attempt ends in a success's
//! data or an [`Error`] built here, so no response shape can lose an error.

use super::spec::Operation;
use super::{CallOptions, Core};
use crate::error::{Error, TransportError, TransportKind};
use backon::BackoffBuilder;
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tracing::Instrument;

mod request_url;
mod response;

/// A successful call: the data the wire format extracted, and how it came.
pub(crate) struct Done {
    pub(crate) status: u16,
    pub(crate) data: Bytes,
    pub(crate) attempts: u32,
    pub(crate) request_id: Option<String>,
}

/// A caller's one-pass read of a success answer ([`super::decode::answer`]):
/// `Some(request id)` when it took the answer (keeping the value itself), `None`
/// to leave it to the wire format.
pub(crate) type ReadAnswer<'r> = &'r (dyn Fn(&Bytes) -> Option<Option<String>> + Sync);

/// What every attempt of a call sends; each attempt builds its own request
/// from it (a request is consumed by sending).
struct Sending<'a> {
    url: &'a reqwest::Url,
    method: &'a reqwest::Method,
    body: Option<&'a super::call::Encoded>,
    /// Whether the auth header goes (by default where the operation's `security` asks).
    key: bool,
    extra: &'a HeaderMap,
}

/// A failed attempt, and whether the retry table lets it be sent again.
struct Failed {
    error: Error,
    retry: bool,
    retry_after: Option<std::time::Duration>,
}

impl Core {
    /// Send `body` to `path` (relative to the base URL, query included) as `op`,
    /// under the call deadline and a tracing span; a success answer goes to
    /// `read` first, if given.
    ///
    /// Not an `async fn`, nor is [`Core::attempts`]: one of those keeps a second
    /// copy of its arguments in its state (rust-lang/rust#62958), and futures
    /// are moved whole.
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn execute(
        &self,
        op: &'static Operation,
        (path, body): (Cow<'static, str>, Option<super::call::Encoded>),
        options: &CallOptions,
        extra: HeaderMap,
        read: Option<ReadAnswer<'_>>,
    ) -> impl Future<Output = Result<Done, Error>> + Send {
        async move {
            // OpenTelemetry's HTTP client conventions: `url.template` is the path
            // template, never the filled URL; `otel.name` is "{method} {template}".
            let empty = tracing::field::Empty;
            let span = tracing::info_span!(
                "billing.call",
                otel.name = %format_args!("{} {}", op.method, op.path),
                otel.kind = "client",
                http.request.method = op.method.as_str(),
                server.address = self.host.as_str(),
                server.port = self.port,
                url.template = op.path,
                http.response.status_code = empty,
                http.request.resend_count = empty,
                error.type = empty,
                billing.provider = self.provider.name,
                billing.operation = op.id,
                billing.request_id = empty,
            );
            let sent = AtomicU32::new(0);
            let attempts = self
                .attempts(op, (path, body), options, extra, read, &sent, &span)
                .instrument(span.clone());
            let result = match tokio::time::timeout(options.call_timeout, attempts).await {
                Err(_) => Err(Error::Transport(TransportError {
                    operation: op.id,
                    kind: TransportKind::Timeout,
                    attempts: sent.load(Ordering::Relaxed),
                    retry_budget_exhausted: false,
                    source: None,
                })),
                Ok(result) => result,
            };
            if let Err(e) = &result {
                span.record("error.type", error_type(e).as_ref());
                tracing::debug!(parent: &span, error = %e, "call failed");
            }
            result
        }
    }

    // The call's parts, its attempt counter and its span: one call's state, not a bundle worth a type.
    #[allow(clippy::too_many_arguments, clippy::manual_async_fn)]
    fn attempts(
        &self,
        op: &'static Operation,
        (path, body): (Cow<'static, str>, Option<super::call::Encoded>),
        options: &CallOptions,
        extra: HeaderMap,
        read: Option<ReadAnswer<'_>>,
        attempts: &AtomicU32,
        call: &tracing::Span,
    ) -> impl Future<Output = Result<Done, Error>> + Send {
        async move {
            let url = self.request_url(op, path).map_err(|e| {
                crate::error::InvalidInput::new(Some(op.id), "path", crate::Violation::Format(e.to_string()))
            })?;
            let method = op.method.to_reqwest();
            let sending = Sending {
                url: &url,
                method: &method,
                body: body.as_ref(),
                key: options.send_key.unwrap_or(op.requires_auth),
                extra: &extra,
            };
            let policy = &options.retry;
            let budget = &self.budget;
            budget.deposit();
            // A loop rather than backon's `Retry` combinator, which keeps the
            // attempt's future in a state of its own and moves it there on every
            // attempt; backon still makes the delays.
            let mut backoff = policy.backoff().build();
            let mut waited = std::time::Duration::ZERO;
            let mut refused = false;
            let result = loop {
                let window = match &self.pacer {
                    Some(pacer) => pace(pacer, policy).await,
                    None => 0,
                };
                let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
                let failed = match self.traced(op, &sending, (n, window), options, read, call).await {
                    Ok(done) => break Ok(done),
                    Err(failed) => failed,
                };
                let delay = match failed.retry {
                    true => policy.next_delay(failed.retry_after, backoff.next(), &mut waited),
                    false => None,
                };
                let Some(delay) = delay else { break Err(failed) };
                // The shared budget has the last word: an outage is not multiplied.
                if !budget.withdraw() {
                    refused = true;
                    break Err(failed);
                }
                tracing::debug!(delay_ms = delay.as_millis() as u64, "retrying");
                tokio::time::sleep(delay).await;
            };
            let resends = attempts.load(Ordering::Relaxed).saturating_sub(1);
            call.record("http.request.resend_count", resends);
            result.map_err(|f| {
                let mut error = f.error;
                if refused {
                    error.mark_retry_budget_exhausted();
                }
                error
            })
        }
    }

    /// Attempt number `n` under its span, its outcome recorded on the call's
    /// span, given to the hooks and measured.
    async fn traced(
        &self,
        op: &'static Operation,
        sending: &Sending<'_>,
        (n, window): (u32, u64),
        options: &CallOptions,
        read: Option<ReadAnswer<'_>>,
        call: &tracing::Span,
    ) -> Result<Done, Failed> {
        let hooked = super::hooks::Attempt {
            operation: op.id,
            method: op.method,
            path: op.path,
            number: n,
            provider: self.provider.name,
        };
        let span = tracing::info_span!(
            "billing.attempt",
            otel.name = %format_args!("{} {}", op.method, op.path),
            otel.kind = "client",
            http.request.method = op.method.as_str(),
            url.template = op.path,
            http.request.resend_count = n - 1,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .attempt(op, sending, &hooked, (window, started), options, read)
            .instrument(span.clone())
            .await;
        let (status, request_id) = match &result {
            Ok(done) => (Some(done.status), done.request_id.as_deref()),
            Err(f) => (f.error.status(), f.error.request_id()),
        };
        if let Some(status) = status {
            call.record("http.response.status_code", status);
        }
        if let Some(id) = request_id {
            call.record("billing.request_id", id);
        }
        for hook in &self.hooks.0 {
            let outcome = result.as_ref().map(|done| done.status).map_err(|f| &f.error);
            hook.after_attempt(&hooked, outcome, started.elapsed());
        }
        let error = result.as_ref().err().map(|f| error_type(&f.error));
        if let Some(e) = &error {
            span.record("error.type", e.as_ref());
        }
        // OpenTelemetry's `http.client.request.duration` histogram, through
        // tracing (tracing-opentelemetry's MetricsLayer reads `histogram.*`);
        // without a subscriber it costs one disabled-callsite check.
        tracing::info!(
            parent: &span,
            histogram.http.client.request.duration = started.elapsed().as_secs_f64(),
            http.request.method = op.method.as_str(),
            server.address = self.host.as_str(),
            url.template = op.path,
            http.response.status_code = status,
            error.type = error.as_deref(),
            "attempt"
        );
        result
    }

    /// The headers of every attempt: the body's media type, our user agent, and the auth header
    /// when `key` (by default exactly where the operation's `security` asks for it), marked
    /// sensitive. The call's extra headers come last, replacing any of the same name.
    fn headers(&self, key: bool, content_type: Option<&HeaderValue>, extra: &HeaderMap) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4 + extra.keys_len());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(value) = content_type {
            headers.insert(CONTENT_TYPE, value.clone());
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let (true, Some(name), Some(secret)) = (key, self.provider.auth_name(), &self.secret) {
            use secrecy::ExposeSecret;
            if let Ok(mut value) = HeaderValue::from_str(secret.expose_secret()) {
                value.set_sensitive(true);
                headers.insert(name.clone(), value);
            }
        }
        if !extra.is_empty() {
            headers.extend(extra.clone());
        }
        headers
    }
}

/// Wait as the pacer says, up to the patience the policy shows a `Retry-After`
/// (a longer wait is not made: the server decides, and a 429 says how long);
/// the pacer's window the call goes in.
async fn pace(pacer: &super::pacing::Pacer, policy: &super::retry::RetryPolicy) -> u64 {
    let (delay, window) = pacer.delay();
    if let Some(delay) = delay {
        let delay_ms = delay.as_millis() as u64;
        if delay > policy.longest_retry_after() {
            tracing::debug!(delay_ms, "pacing would wait longer than max_retry_after: not waiting");
        } else {
            tracing::debug!(delay_ms, "pacing delays the call");
            tokio::time::sleep(delay).await;
        }
    }
    window
}

/// OpenTelemetry's `error.type`: low-cardinality, the status code for HTTP errors.
fn error_type(e: &Error) -> std::borrow::Cow<'static, str> {
    if e.is_connect() {
        "connect".into()
    } else if e.is_timeout() {
        "timeout".into()
    } else if e.is_connection_dropped() {
        "connection_dropped".into()
    } else if e.is_redirect() {
        "redirect".into()
    } else if e.is_invalid_input() {
        "invalid_input".into()
    } else if let Some(status) = e.status().filter(|s| !(200..300).contains(s)) {
        status.to_string().into()
    } else if e.is_api() {
        "api_error".into()
    } else {
        "decode".into()
    }
}
