//! The transport under every generated operation (progenitor's `ClientHooks::exec`):
//! per-operation auth, one attempt after another as the retry table allows, bounded
//! body reads, and the provider's wire format.
//!
//! progenitor decodes what `exec` returns. A success is handed back as a response
//! whose body is the documented JSON; any failure with a response is handed back
//! with its real status and a body that fails to read with [`Delivered`], which
//! carries this crate's typed error through reqwest to [`delivered`].

use super::retry::{Failure, may_retry, retry_after};
use super::spec::{Operation, RetryClass};
use super::{ApiFields, Core, Interpreted};
use crate::error::{ApiError, Error};
use backon::Retryable;
use bytes::Bytes;
use progenitor_client::OperationInfo;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

/// What one attempt produced.
enum Outcome {
    /// A response for progenitor: a success, or a failure carried in the body.
    Response(reqwest::Response),
    /// No complete response.
    Transport(reqwest::Error),
}

/// A failed attempt the retry table allows to be sent again.
struct Retry {
    outcome: Box<Outcome>,
    retry_after: Option<std::time::Duration>,
}

impl Core {
    pub(crate) async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let op = self.spec().operation(info.operation_id);
        let class = op.map_or(RetryClass::Charge, |o| o.retry);
        self.decorate(&mut request, op);
        *request.timeout_mut() = Some(self.options.attempt_timeout);
        let attempts = AtomicU32::new(0);
        let policy = &self.options.retry;
        // Generated requests carry JSON bytes (or nothing), so they can be re-sent.
        let Some(body) = request
            .body()
            .map(|b| b.as_bytes().map(Bytes::copy_from_slice))
            .unwrap_or(Some(Bytes::new()))
        else {
            attempts.store(1, Ordering::Relaxed);
            let outcome = self.attempt(request, op, RetryClass::Charge, 1).await;
            return finish(outcome);
        };
        let attempt = || async {
            let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
            *copy.headers_mut() = request.headers().clone();
            *copy.timeout_mut() = request.timeout().copied();
            if request.body().is_some() {
                *copy.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
            self.attempt(copy, op, class, n).await
        };
        let result = attempt
            .retry(policy.backoff())
            .sleep(tokio::time::sleep)
            .when(|_: &Retry| true)
            .adjust(|r: &Retry, backoff| policy.next_delay(r.retry_after, backoff))
            .notify(|_, delay| tracing::debug!(delay_ms = delay.as_millis() as u64, "retrying"))
            .await;
        tracing::Span::current().record("attempts", attempts.load(Ordering::Relaxed));
        finish(result)
    }

    /// Headers only the core decides: the auth header exactly where the spec's
    /// `security` asks for it, our user agent, and no progenitor `api-version`
    /// (neither API defines one).
    pub(super) fn decorate(&self, request: &mut reqwest::Request, op: Option<&Operation>) {
        let headers = request.headers_mut();
        headers.remove("api-version");
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
        let Some(name) = self
            .spec()
            .auth_header
            .and_then(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        else {
            return;
        };
        headers.remove(&name);
        if op.is_some_and(|o| o.requires_auth) {
            use secrecy::ExposeSecret;
            if let Some(mut value) = self
                .secret
                .as_ref()
                .and_then(|s| HeaderValue::from_str(s.expose_secret()).ok())
            {
                value.set_sensitive(true);
                headers.insert(name, value);
            }
        }
    }

    async fn attempt(
        &self,
        request: reqwest::Request,
        op: Option<&'static Operation>,
        class: RetryClass,
        n: u32,
    ) -> Result<Outcome, Retry> {
        let started = Instant::now();
        let retry = |outcome, failure, retry_after| {
            if may_retry(class, failure) {
                Err(Retry {
                    outcome: Box::new(outcome),
                    retry_after,
                })
            } else {
                Ok(outcome)
            }
        };
        let response = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(attempt = n, error = %e, "attempt failed");
                let failure = if e.is_connect() {
                    Failure::NotSent
                } else if e.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::Dropped
                };
                return retry(Outcome::Transport(e), failure, None);
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match read_capped(response, self.options.max_response_bytes).await {
            Ok(body) => body,
            Err(Read::Transport(e)) => {
                let failure = if e.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::Dropped
                };
                return retry(Outcome::Transport(e), failure, None);
            }
            Err(Read::TooLarge(prefix)) => {
                let reason = format!("body exceeds the limit of {} bytes", self.options.max_response_bytes);
                let err = self.failure(op, status.as_u16(), Interpreted::Undecodable(reason), &prefix, n);
                return Ok(Outcome::Response(failing(status, headers, err)));
            }
        };
        let mut interpreted = (self.provider.interpret)(status.as_u16(), &body);
        let request_id = match &mut interpreted {
            Interpreted::Api(a) => {
                a.request_id = a.request_id.take().or_else(|| header_request_id(&headers));
                a.request_id.clone()
            }
            _ => header_request_id(&headers),
        };
        let span = tracing::Span::current();
        span.record("status", status.as_u16());
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        tracing::debug!(
            attempt = n,
            status = status.as_u16(),
            latency_ms = started.elapsed().as_millis() as u64,
            "attempt"
        );
        match interpreted {
            Interpreted::Data(data) if status.is_success() => Ok(Outcome::Response(success(status, headers, data))),
            other => {
                let ra = retry_after(&headers);
                let failure = Failure::Status {
                    code: status.as_u16(),
                    retry_after: ra.is_some(),
                };
                let err = self.failure(op, status.as_u16(), other, &body, n);
                let outcome = Outcome::Response(failing(status, headers, err));
                if status.is_success() {
                    Ok(outcome)
                } else {
                    retry(outcome, failure, ra)
                }
            }
        }
    }

    /// This crate's error for a response that is not a success.
    pub(super) fn failure(
        &self,
        op: Option<&'static Operation>,
        status: u16,
        what: Interpreted,
        body: &[u8],
        attempts: u32,
    ) -> Error {
        let op = op.unwrap_or(&UNKNOWN);
        match what {
            Interpreted::Api(ApiFields {
                code,
                message,
                kind,
                request_id,
                details,
                retryable,
            }) => Error::Api(Box::new(ApiError {
                provider: self.provider.name,
                operation: op.id,
                status: Some(status),
                code: code.map(|c| self.scrub(c)),
                message: self.scrub(message),
                kind,
                request_id,
                details: details
                    .into_iter()
                    .map(|mut d| {
                        d.message = self.scrub(d.message);
                        d
                    })
                    .collect(),
                retryable,
                attempts,
            })),
            Interpreted::Undecodable(reason) => self.decode_error(op, Some(status), reason, body, attempts),
            Interpreted::Data(_) => self.decode_error(
                op,
                Some(status),
                format!("HTTP {status} with a success body"),
                body,
                attempts,
            ),
        }
    }
}

fn finish(result: Result<Outcome, Retry>) -> reqwest::Result<reqwest::Response> {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(retry) => *retry.outcome,
    };
    match outcome {
        Outcome::Response(r) => Ok(r),
        Outcome::Transport(e) => Err(e),
    }
}

/// Stands in for an operation missing from the spec (never, in generated code).
static UNKNOWN: Operation = Operation {
    id: "unknown",
    method: "",
    path: "",
    summary: "",
    requires_auth: true,
    retry: RetryClass::Charge,
    params: &[],
    body: &[],
};

fn header_request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "request-id"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok().map(str::to_string))
}

enum Read {
    Transport(reqwest::Error),
    TooLarge(Vec<u8>),
}

/// Read the whole body, giving up past `cap` bytes (keeping what was read).
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Bytes, Read> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Read::Transport)? {
        if body.len() + chunk.len() > cap {
            body.extend_from_slice(&chunk[..cap.saturating_sub(body.len()).min(chunk.len())]);
            return Err(Read::TooLarge(body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

fn rebuild(status: reqwest::StatusCode, mut headers: HeaderMap, body: reqwest::Body) -> reqwest::Response {
    for h in [
        reqwest::header::CONTENT_LENGTH,
        reqwest::header::TRANSFER_ENCODING,
        reqwest::header::CONTENT_ENCODING,
    ] {
        headers.remove(h);
    }
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
}

fn success(status: reqwest::StatusCode, headers: HeaderMap, data: Bytes) -> reqwest::Response {
    rebuild(status, headers, reqwest::Body::from(data))
}

fn failing(status: reqwest::StatusCode, headers: HeaderMap, error: Error) -> reqwest::Response {
    let stream = FailOnce(Some(Delivered(Mutex::new(Some(error)))));
    rebuild(status, headers, reqwest::Body::wrap_stream(stream))
}

/// This crate's error, delivered through a response body that fails to read.
#[derive(Debug)]
pub(crate) struct Delivered(Mutex<Option<Error>>);

impl std::fmt::Display for Delivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the response was not a success")
    }
}

impl std::error::Error for Delivered {}

/// The error carried by a failing body, found anywhere in `e`'s source chain.
pub(crate) fn delivered(e: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(d) = err.downcast_ref::<Delivered>() {
            return d.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
        cur = err.source();
    }
    None
}

struct FailOnce(Option<Delivered>);

impl futures_core::Stream for FailOnce {
    type Item = Result<Bytes, Delivered>;
    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.get_mut().0.take().map(Err))
    }
}
