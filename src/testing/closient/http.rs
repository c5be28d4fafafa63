//! Closient over HTTP: requests under the base path routed by the spec, answered
//! by the store where the fake models the operation and from the spec otherwise;
//! errors in the documented shape `{"error": {"code", "message", "status", "details"}}`.

use super::store::Store;
use crate::Violation;
use crate::closient::SPEC;
use crate::runtime::spec::Rule;
use crate::testing::body::Refused;
use crate::testing::server::Incoming;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The state behind one fake.
pub(super) type Shared = Mutex<Store>;

pub(super) fn lock(shared: &Shared) -> MutexGuard<'_, Store> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every operation of the spec, under `base_path`, routed by the spec.
pub(super) fn router(base_path: &'static str, shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(move |State(s): State<Arc<Shared>>, request: Request| handle(s, base_path, request))
        .with_state(shared)
}

async fn handle(shared: Arc<Shared>, base_path: &str, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let not_found = || Failure::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint");
    let mut store = lock(&shared);
    // Every request counts, whatever its fate; every answer says so.
    let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let verdict = store.limits.check(key.unwrap_or_default());
    let routed = parts
        .uri
        .path()
        .strip_prefix(base_path)
        .and_then(|rel| Incoming::route(&SPEC, &parts.method, &parts.uri, rel, parts.headers, body));
    let mut response = match (verdict.retry_after, routed) {
        (Some(_), _) => Failure::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many requests for this key",
        )
        .into_response(),
        (None, None) => not_found().into_response(),
        (None, Some(request)) => {
            let answer = match store.model(&request) {
                Some(answer) => answer,
                None => store.spec_answer(&request),
            };
            match answer {
                Ok(v) => axum::Json(v).into_response(),
                Err(f) => f.into_response(),
            }
        }
    };
    response.headers_mut().extend(verdict.headers);
    response
}

/// An error in Closient's documented shape.
pub(super) struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<Value>,
}

impl Failure {
    pub(super) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub(super) fn forbidden(message: &str) -> Self {
        Failure::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }
}

impl From<Refused> for Failure {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Malformed(m) => Failure::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", m),
            Refused::Invalid {
                violation: Some(Violation::Rule(Rule::Minimum { .. })),
                message,
                ..
            } => Failure::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
            Refused::Invalid { field, message, .. } => Failure {
                details: vec![json!({"field": field, "message": message})],
                ..Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "VALIDATION_ERROR",
                    "the request does not match the schema",
                )
            },
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        // Field issues on a 422; `null` otherwise, as Closient's Errors page shows.
        let details = if self.details.is_empty() {
            Value::Null
        } else {
            Value::Array(self.details)
        };
        let body = json!({"error": {
            "code": self.code,
            "message": self.message,
            "status": self.status.as_u16(),
            "details": details,
        }});
        (self.status, axum::Json(body)).into_response()
    }
}

pub(super) type Answer = Result<Value, Failure>;
