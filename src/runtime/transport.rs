//! The transport under every call: per-operation auth, one attempt after another
//! as the retry table allows, bounded body reads, the provider's wire format, and
//! this crate's error for every way it can fail. Each attempt ends in a success's
//! data or an [`Error`] built here, so no response shape can lose an error.

use super::retry::{Failure, may_retry, retry_after};
use super::spec::Operation;
use super::{ApiFields, CallOptions, Core, Interpreted};
use crate::error::{ApiError, Error, TransportError, TransportKind};
use backon::Retryable;
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tracing::Instrument;

/// A successful call: the data the wire format extracted, and how it came.
pub(crate) struct Done {
    pub(crate) status: u16,
    pub(crate) data: Bytes,
    pub(crate) attempts: u32,
    pub(crate) request_id: Option<String>,
}

/// A failed attempt, and whether the retry table lets it be sent again.
struct Failed {
    error: Error,
    retry: bool,
    retry_after: Option<std::time::Duration>,
}

impl Core {
    /// Send `body` to `path` (relative to the base URL, query included) as `op`,
    /// under the call deadline and a tracing span.
    pub(crate) async fn execute(
        &self,
        op: &'static Operation,
        path: Cow<'static, str>,
        body: Option<super::call::Encoded>,
        options: &CallOptions,
        extra: HeaderMap,
    ) -> Result<Done, Error> {
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
        let result = async {
            match tokio::time::timeout(
                options.call_timeout,
                // Boxed: the attempts' state (about 2.7 KB) is allocated once
                // rather than copied into each wrapper around it.
                Box::pin(self.attempts(op, path, body, options, extra, &sent, &span)),
            )
            .await
            {
                Err(_) => Err(Error::Transport(TransportError {
                    operation: op.id,
                    kind: TransportKind::Timeout,
                    attempts: sent.load(Ordering::Relaxed),
                    retry_budget_exhausted: false,
                    source: None,
                })),
                Ok(result) => result,
            }
        }
        .instrument(span.clone())
        .await;
        if let Err(e) = &result {
            span.record("error.type", error_type(e).as_ref());
            tracing::debug!(parent: &span, error = %e, "call failed");
        }
        result
    }

    // The call's parts, its attempt counter and its span: one call's state, not a bundle worth a type.
    #[allow(clippy::too_many_arguments)]
    async fn attempts(
        &self,
        op: &'static Operation,
        path: Cow<'static, str>,
        body: Option<super::call::Encoded>,
        options: &CallOptions,
        extra: HeaderMap,
        attempts: &AtomicU32,
        call: &tracing::Span,
    ) -> Result<Done, Error> {
        let url = request_url(&self.base_url, path).map_err(|e| {
            crate::error::InvalidInput::new(Some(op.id), "path", crate::Violation::Format(e.to_string()))
        })?;
        let method = op.method.to_reqwest();
        let content_type = body.as_ref().map(|(_, media)| media);
        // The first attempt takes these; a retry builds its own.
        let key = options.send_key.unwrap_or(op.requires_auth);
        let mut first = Some(self.headers(key, content_type, &extra));
        let (url, method, body, extra) = (&url, &method, &body, &extra);
        let policy = &options.retry;
        let mut waited = std::time::Duration::ZERO;
        let budget = &self.budget;
        budget.deposit();
        let refused = std::sync::atomic::AtomicBool::new(false);
        let attempt = || {
            let headers = first.take().unwrap_or_else(|| self.headers(key, content_type, extra));
            async move {
                let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
                let mut headers = headers;
                let hooked = super::hooks::Attempt {
                    operation: op.id,
                    method: op.method,
                    path: op.path,
                    number: n,
                    provider: self.provider.name,
                };
                let hooks = &self.hooks.0;
                if !hooks.is_empty() {
                    let auth = self.spec().auth_header.unwrap_or_default();
                    super::hooks::before(hooks, &hooked, auth, &mut headers);
                }
                let mut request = reqwest::Request::new(method.clone(), url.clone());
                *request.headers_mut() = headers;
                *request.timeout_mut() = Some(options.attempt_timeout);
                if let Some((body, _)) = body {
                    *request.body_mut() = Some(reqwest::Body::from(body.clone()));
                }
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
                    .attempt(op, request, url, n, options, started)
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
                for hook in hooks {
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
        };
        let result = attempt
            .retry(policy.backoff())
            .sleep(tokio::time::sleep)
            .when(|f: &Failed| f.retry)
            .adjust(|f: &Failed, backoff| {
                let delay = policy.next_delay(f.retry_after, backoff, &mut waited)?;
                // The shared budget has the last word: an outage is not multiplied.
                if budget.withdraw() {
                    Some(delay)
                } else {
                    refused.store(true, Ordering::Relaxed);
                    None
                }
            })
            .notify(|_, delay| tracing::debug!(delay_ms = delay.as_millis() as u64, "retrying"))
            .await;
        let resends = attempts.load(Ordering::Relaxed).saturating_sub(1);
        call.record("http.request.resend_count", resends);
        result.map_err(|f| {
            let mut error = f.error;
            if refused.load(Ordering::Relaxed) {
                error.mark_retry_budget_exhausted();
            }
            error
        })
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

    async fn attempt(
        &self,
        op: &'static Operation,
        request: reqwest::Request,
        requested: &reqwest::Url,
        n: u32,
        options: &CallOptions,
        started: Instant,
    ) -> Result<Done, Failed> {
        let class = options.retry_class.unwrap_or(op.retry);
        let fail = |error: Error, failure: Failure, retry_after| Failed {
            error,
            retry: may_retry(class, failure),
            retry_after,
        };
        let response = match self.http.execute(request).await {
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
        let followed = response.url() != requested;
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
        // The body read takes the response: keep its headers (moved, not copied).
        let mut response = response;
        let headers = std::mem::take(response.headers_mut());
        let body = match read_capped(response, options.max_response_bytes).await {
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
        let mut interpreted = (self.provider.interpret)(status, op.response.media, &body);
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
        }))
    }
}

/// `base` (a checked base URL: absolute, no query, no fragment, no trailing
/// slash) followed by `path` (and its query), as `Url::parse(base + path)` reads
/// it. Parsing a whole URL (the host above all) costs more than the rest of a
/// call's own work, so each thread keeps a few: the URLs of operations whose
/// path is the spec's template itself (`Cow::Borrowed`: no parameter in it),
/// and bases, on a copy of which a plain path is set; any other path is parsed
/// whole.
pub(crate) fn request_url(base: &str, path: Cow<'static, str>) -> Result<reqwest::Url, url::ParseError> {
    use std::cell::RefCell;
    const KEPT: usize = 8;
    type Fixed = Vec<(Box<str>, &'static str, reqwest::Url)>;
    thread_local! {
        static BASES: RefCell<Vec<(Box<str>, reqwest::Url)>> = const { RefCell::new(Vec::new()) };
        static FIXED: RefCell<Fixed> = const { RefCell::new(Vec::new()) };
    }
    if let Cow::Borrowed(fixed) = path {
        let same = |(b, p, _): &&(Box<str>, &'static str, reqwest::Url)| std::ptr::eq(*p, fixed) && &**b == base;
        if let Some(url) = FIXED.with_borrow(|all| all.iter().find(same).map(|(_, _, u)| u.clone())) {
            return Ok(url);
        }
        let url = request_url(base, Cow::Owned(fixed.to_string()))?;
        FIXED.with_borrow_mut(|all| {
            if all.len() == 4 * KEPT {
                all.remove(0);
            }
            all.push((base.into(), fixed, url.clone()));
        });
        return Ok(url);
    }
    let path = &*path;
    let (only_path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let plain = only_path.starts_with('/')
        && !only_path.contains("/.")
        && only_path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b))
        && query.is_none_or(|q| {
            q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%*+=&".contains(&b))
        });
    if !plain {
        return reqwest::Url::parse(&[base, path].concat());
    }
    let cached = BASES.with_borrow(|bases| bases.iter().find(|(b, _)| &**b == base).map(|(_, u)| u.clone()));
    let mut url = match cached {
        Some(url) => url,
        None => {
            let url = reqwest::Url::parse(base)?;
            BASES.with_borrow_mut(|bases| {
                if bases.len() == KEPT {
                    bases.remove(0);
                }
                bases.push((base.into(), url.clone()));
            });
            url
        }
    };
    match url.path() {
        "/" => url.set_path(only_path),
        prefix => url.set_path(&[prefix, only_path].concat()),
    }
    url.set_query(query);
    Ok(url)
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
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Bytes, Read> {
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

#[cfg(test)]
mod tests {
    use super::request_url;
    use std::borrow::Cow;

    #[test]
    fn request_urls_are_what_parsing_the_whole_url_gives() {
        let bases = [
            "https://billing.funnelfox.com/org_123/v1",
            "https://billing.funnelfox.com/a%2Fb%3Fc/v1",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/billing/api/v1",
            "https://www.closient.com/billing/api/v1",
            "http://[::1]:9/x",
        ];
        let paths = [
            "/checkout/create_client_session",
            "/billing/balance/2aBcDeFgHiJkLmNoPqRsTu",
            "/billing/balance/a%20b",
            "/x?limit=5&cursor=abc%2Bd",
            "/x?a=b+c&d=*",
            "/.well-known/x",
            "/a/../b",
            "/a b",
            "/x?a=%ZZ",
            "/x#frag",
            "/",
            "/x?",
        ];
        for _ in 0..2 {
            for base in bases {
                for path in paths {
                    let whole = reqwest::Url::parse(&format!("{base}{path}")).unwrap();
                    for path in [Cow::Borrowed(path), Cow::Owned(path.to_string())] {
                        assert_eq!(request_url(base, path.clone()).unwrap(), whole, "{base} {path}");
                        assert_eq!(
                            request_url(base, path.clone()).unwrap().as_str(),
                            whole.as_str(),
                            "{base} {path}"
                        );
                    }
                }
            }
        }
    }
}
