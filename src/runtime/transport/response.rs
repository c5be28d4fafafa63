//! One attempt's response: redirects refused, the body read under its limit, the wire format's reading, the error.

use super::{Done, Failed, Sending};
use crate::error::{ApiError, Error, TransportError, TransportKind};
use crate::runtime::hooks::Attempt;
use crate::runtime::pacing::RateLimit;
use crate::runtime::retry::{Failure, may_retry, retry_after};
use crate::runtime::spec::Operation;
use crate::runtime::{ApiFields, CallOptions, Core, Interpreted};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName};
use std::time::Instant;

impl Core {
    pub(super) async fn attempt(
        &self,
        op: &'static Operation,
        sending: &Sending<'_>,
        hooked: &Attempt<'_>,
        // The pacer's window the attempt went in, when it started.
        (window, started): (u64, Instant),
        options: &CallOptions,
        read: Option<super::ReadAnswer<'_>>,
    ) -> Result<Done, Failed> {
        let n = hooked.number;
        let class = options.retry_class.unwrap_or(op.retry);
        let fail = |error: Error, failure: Failure, retry_after| Failed {
            error,
            retry: may_retry(class, failure),
            retry_after,
        };
        // The request is made in this block so that it is not kept in the
        // attempt's state after it is sent (an attempt's state is moved whole).
        let sent = {
            let mut headers = self.headers(sending.key, sending.body.map(|(_, media)| media), sending.extra);
            let hooks = &self.hooks.0;
            if !hooks.is_empty() {
                let auth = self.spec().auth_header.unwrap_or_default();
                crate::runtime::hooks::before(hooks, hooked, auth, &mut headers);
            }
            let mut request = reqwest::Request::new(sending.method.clone(), sending.url.clone());
            *request.headers_mut() = headers;
            *request.timeout_mut() = Some(options.attempt_timeout);
            if let Some((body, _)) = sending.body {
                *request.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
            self.http.execute(request)
        };
        let mut response = match sent.await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(attempt = n, error = %e, "attempt failed");
                let (error, failure) = transport_failure(op, e, n);
                return Err(fail(error, failure, None));
            }
        };
        let status = response.status().as_u16();
        let success = (200..300).contains(&status);
        let span = tracing::Span::current();
        span.record("http.response.status_code", status);
        // Never followed, never re-sent: the next hop could be another origin, or
        // turn a charge into a GET whose 200 would read as a success.
        let followed = response.url() != sending.url;
        if followed || (300..400).contains(&status) {
            let location = match followed {
                true => Some(response.url().to_string()),
                false => response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned()),
            };
            let error = Error::Redirect(Box::new(crate::error::RedirectError {
                operation: op.id,
                method: op.method.as_str(),
                status,
                location: location.map(|l| self.scrub(l)),
                followed,
                attempts: n,
            }));
            return Err(Failed {
                error,
                retry: false,
                retry_after: None,
            });
        }
        // Its headers moved out, not copied: the body read needs only the stream.
        let headers = std::mem::take(response.headers_mut());
        let limits = match (&self.pacer, status) {
            (None, 429) => RateLimit::from_headers(&headers),
            (None, _) => None,
            (Some(pacer), _) => {
                let seen = RateLimit::from_headers(&headers);
                let ra = (status == 429).then(|| retry_after(&headers)).flatten();
                pacer.observe(window, started, seen, ra);
                seen
            }
        };
        let body = match read_capped(&mut response, options.max_response_bytes).await {
            Ok(body) => body,
            Err(Read::Transport(e)) => {
                let (error, failure) = transport_failure(op, e, n);
                return Err(fail(error, failure, None));
            }
            Err(Read::TooLarge(prefix)) => {
                let reason = format!("body exceeds the limit of {} bytes", options.max_response_bytes);
                let error = self.decode_error(op, Some(status), reason, &prefix, n);
                return Err(Failed {
                    error,
                    retry: false,
                    retry_after: None,
                });
            }
        };
        // A success the caller reads in one pass needs no other reading.
        let mut interpreted = match read.filter(|_| success).and_then(|read| read(&body)) {
            Some(request_id) => Interpreted::Data {
                data: Bytes::new(),
                request_id,
            },
            None => (self.provider.interpret)(status, op.response.media, &body),
        };
        let request_id = match &mut interpreted {
            Interpreted::Api(ApiFields { request_id, .. }) | Interpreted::Data { request_id, .. } => {
                *request_id = request_id.take().or_else(|| header_request_id(&headers));
                request_id.clone()
            }
            Interpreted::Undecodable(_) => header_request_id(&headers),
        };
        let request_id = request_id.map(|id| self.scrub(id));
        tracing::debug!(
            attempt = n,
            status,
            latency_ms = started.elapsed().as_millis() as u64,
            "attempt"
        );
        let error = match interpreted {
            Interpreted::Data { data, .. } if success => {
                return Ok(Done {
                    status,
                    data,
                    attempts: n,
                    request_id,
                });
            }
            Interpreted::Data { .. } => {
                let reason = format!("HTTP {status} with a success body");
                self.decode_error(op, Some(status), reason, &body, n)
            }
            Interpreted::Undecodable(reason) => self.decode_error(op, Some(status), reason, &body, n),
            Interpreted::Api(fields) => self.api_error(op, status, fields, n),
        };
        let mut error = error;
        if let (Error::Api(api), 429) = (&mut error, status) {
            api.rate_limit = limits;
        }
        let ra = retry_after(&headers);
        let failure = Failure::Status(status);
        // An error under a 2xx is the provider's answer: never re-sent.
        let retryable = !success && !matches!(&error, Error::Api(a) if a.retryable == Some(false));
        Err(Failed {
            retry: retryable && may_retry(class, failure),
            error,
            retry_after: ra,
        })
    }

    /// This crate's error for an error the provider reported, scrubbed.
    pub(crate) fn api_error(&self, op: &'static Operation, status: u16, fields: ApiFields, attempts: u32) -> Error {
        let ApiFields {
            code,
            message,
            kind,
            request_id,
            details,
            retryable,
        } = fields;
        Error::Api(Box::new(ApiError {
            provider: self.provider.name,
            operation: op.id,
            status: Some(status),
            code: code.map(|c| self.scrub(c)),
            message: self.scrub(message),
            kind: kind.map(|k| self.scrub(k)),
            request_id: request_id.map(|r| self.scrub(r)),
            details: details
                .into_iter()
                .map(|mut d| {
                    d.message = self.scrub(d.message);
                    d.field = d.field.map(|f| self.scrub(f));
                    d
                })
                .collect(),
            retryable,
            attempts,
            retry_budget_exhausted: false,
            rate_limit: None,
        }))
    }
}

/// A failure of reqwest's, classified once: the error the caller sees and what
/// the retry table reads. A connect timeout is a connect failure: nothing was
/// sent; any other failure may have come after the request was written.
fn transport_failure(op: &'static Operation, e: reqwest::Error, attempts: u32) -> (Error, Failure) {
    let (kind, failure) = if e.is_connect() {
        (TransportKind::Connect, Failure::NotSent)
    } else if e.is_timeout() {
        (TransportKind::Timeout, Failure::Timeout)
    } else {
        (TransportKind::Other, Failure::Dropped)
    };
    let error = Error::Transport(TransportError {
        operation: op.id,
        kind,
        attempts,
        retry_budget_exhausted: false,
        source: Some(e),
    });
    (error, failure)
}

fn header_request_id(headers: &HeaderMap) -> Option<String> {
    const NAMES: [HeaderName; 2] = [
        HeaderName::from_static("x-request-id"),
        HeaderName::from_static("request-id"),
    ];
    if headers.is_empty() {
        return None;
    }
    NAMES
        .iter()
        .find_map(|h| headers.get(h)?.to_str().ok().map(str::to_string))
}

enum Read {
    Transport(reqwest::Error),
    TooLarge(Vec<u8>),
}

/// Read the whole body, giving up past `cap` bytes (keeping what was read). A
/// body that comes in one chunk (most) is that chunk, not a copy.
async fn read_capped(response: &mut reqwest::Response, cap: usize) -> Result<Bytes, Read> {
    let mut only: Option<Bytes> = None;
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Read::Transport)? {
        let read = only.as_ref().map_or(body.len(), Bytes::len);
        if read + chunk.len() > cap {
            let mut prefix = only.map_or_else(|| body.to_vec(), Vec::from);
            prefix.extend_from_slice(&chunk[..cap.saturating_sub(read).min(chunk.len())]);
            return Err(Read::TooLarge(prefix));
        }
        match only.take() {
            None if body.is_empty() => only = Some(chunk),
            None => body.extend_from_slice(&chunk),
            Some(first) => {
                body.reserve(first.len() + chunk.len());
                body.extend_from_slice(&first);
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(only.unwrap_or_else(|| body.freeze()))
}
