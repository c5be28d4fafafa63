//! Closient over HTTP: the routes under the base path, and errors in the
//! documented shape `{"error": {"code", "message", "status", "details"}}`.

use super::store::Store;
use crate::Violation;
use crate::core::spec::Rule;
use crate::testing::body::Refused;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The state behind one fake.
pub(super) type Shared = Mutex<Store>;

pub(super) fn lock(shared: &Shared) -> MutexGuard<'_, Store> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every operation of the spec, under `base_path`.
pub(super) fn router(base_path: &str, shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/billing/checkout", post(create_checkout))
        .route("/billing/resolver/checkout", post(create_resolver_checkout))
        .route("/billing/balance/{organization_id}", get(get_balance))
        .route("/billing/resolver/{organization_id}", get(get_resolver_subscription))
        .route(
            "/billing/resolver/{organization_id}/portal",
            post(create_portal_session),
        );
    Router::new()
        .nest(base_path, api)
        .fallback(not_found)
        .with_state(shared)
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
        let body = json!({"error": {
            "code": self.code,
            "message": self.message,
            "status": self.status.as_u16(),
            "details": self.details,
        }});
        (self.status, axum::Json(body)).into_response()
    }
}

pub(super) type Answer = Result<Value, Failure>;

fn respond(answer: Answer) -> Response {
    match answer {
        Ok(v) => axum::Json(v).into_response(),
        Err(f) => f.into_response(),
    }
}

type Fake = State<Arc<Shared>>;
type OrgId = Path<String>;

async fn create_checkout(State(s): Fake, headers: HeaderMap, body: Bytes) -> Response {
    respond(lock(&s).create_checkout(&headers, &body))
}

async fn create_resolver_checkout(State(s): Fake, headers: HeaderMap, body: Bytes) -> Response {
    respond(lock(&s).create_resolver_checkout(&headers, &body))
}

async fn get_balance(State(s): Fake, Path(org): OrgId, headers: HeaderMap) -> Response {
    respond(lock(&s).balance(&headers, &org))
}

async fn get_resolver_subscription(State(s): Fake, Path(org): OrgId, headers: HeaderMap) -> Response {
    respond(lock(&s).resolver_subscription(&headers, &org))
}

async fn create_portal_session(State(s): Fake, Path(org): OrgId, headers: HeaderMap, body: Bytes) -> Response {
    respond(lock(&s).portal(&headers, &org, &body))
}

async fn not_found() -> Response {
    Failure::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such endpoint").into_response()
}
