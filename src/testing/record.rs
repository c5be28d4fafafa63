//! What a fake received and answered. Every request is logged before it is handled
//! (so a request whose client gave up still counts) and completed with the response
//! once there is one.

use crate::runtime::spec::Spec;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};

/// Largest request body a fake accepts (real requests are well under 4 KiB).
const MAX_BODY: usize = 1 << 20;

/// One request a fake received, and what it answered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method, upper case.
    pub method: String,
    /// The path as received, without the query, e.g. `/org_x/v1/checkout/one_click`.
    pub path: String,
    /// The spec operation the method and path name (`one_click`, `create_checkout`),
    /// or `None` for a request to no documented operation.
    pub operation: Option<&'static str>,
    /// The headers in the order received, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body: its JSON, `Null` when empty, or a JSON string holding the text of
    /// a body that is not JSON.
    pub body: Value,
    /// The HTTP status answered (0 while the request is being handled).
    pub status: u16,
    /// The body answered, read the same way as [`RecordedRequest::body`] (`Null`
    /// while the request is being handled).
    pub response: Value,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this request was to `operation_or_path`: an operation id
    /// (`one_click`), the exact path, or a path suffix starting with `/`
    /// (`/checkout/one_click`).
    pub fn is(&self, operation_or_path: &str) -> bool {
        let s = operation_or_path;
        self.operation == Some(s) || self.path == s || (s.starts_with('/') && self.path.ends_with(s))
    }
}

/// The log of one fake, shared with its server task.
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<RecordedRequest>>>);

impl Log {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    pub(crate) fn count(&self, operation_or_path: &str) -> usize {
        self.lock().iter().filter(|r| r.is(operation_or_path)).count()
    }
}

/// What the recording middleware needs: the log, and how to name operations.
#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) log: Log,
    pub(crate) spec: &'static Spec,
    /// The part of a request path the spec's paths are relative to (the path
    /// after the server URL's own path), or `None` for a path outside it.
    pub(crate) relative: fn(&str) -> Option<&str>,
}

/// Middleware: log the request, run the handler, log the response.
pub(crate) async fn record(State(rec): State<Recorder>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let path = parts.uri.path().to_string();
    let method = parts.method.as_str().to_string();
    let operation = (rec.relative)(&path)
        .and_then(|rel| rec.spec.route(&method, rel))
        .map(|op| op.id);
    let index = {
        let mut log = rec.log.lock();
        log.push(RecordedRequest {
            method,
            path,
            operation,
            headers: headers(&parts.headers),
            body: json_or_text(&bytes),
            status: 0,
            response: Value::Null,
        });
        log.len() - 1
    };
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = response.into_parts();
    let (bytes, failed) = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => (bytes, None),
        Err(e) => (Bytes::new(), Some(e)),
    };
    if let Some(r) = rec.log.lock().get_mut(index) {
        r.status = parts.status.as_u16();
        r.response = json_or_text(&bytes);
    }
    match failed {
        // An answer that failed on purpose fails for the client too.
        Some(e) => {
            let error = std::io::Error::other(e.to_string());
            Response::from_parts(parts, Body::from_stream(Failing(Some(error))))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

fn headers(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn json_or_text(bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// A body whose first read fails with the error it holds.
struct Failing(Option<std::io::Error>);

impl futures_core::Stream for Failing {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.get_mut().0.take().map(Err))
    }
}
