//! FunnelFox over HTTP: the routes, the envelope every answer comes in, and the
//! checks before the store sees a request (organisation, body against the spec).

use super::store::Store;
use crate::funnelfox::SPEC;
use crate::testing::body::{self, Refused};
use crate::testing::ids;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The state behind one fake: its organisation and its store.
pub(super) struct Shared {
    pub(super) org_id: String,
    pub(super) store: Mutex<Store>,
}

impl Shared {
    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `POST /{org_id}/v1/checkout/{operation}` for each operation the fake serves.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/{org_id}/v1/checkout/create_simple_client_session",
            post(create_simple_client_session),
        )
        .route(
            "/{org_id}/v1/checkout/create_client_session",
            post(create_client_session),
        )
        .route(
            "/{org_id}/v1/checkout/update_client_session",
            post(update_client_session),
        )
        .route("/{org_id}/v1/checkout/one_click", post(one_click))
        .route("/{org_id}/v1/checkout/create_payment", post(create_payment))
        .route("/{org_id}/v1/checkout/resume_payment", post(resume_payment))
        .fallback(not_found)
        .with_state(shared)
}

/// An error for the envelope, and the HTTP status it comes with.
pub(super) struct Rejection {
    pub(super) http: StatusCode,
    pub(super) code: &'static str,
    pub(super) msg: String,
}

impl Rejection {
    /// A business rule: `bad_request` under HTTP 200.
    pub(super) fn rule(msg: impl Into<String>) -> Self {
        Rejection {
            http: StatusCode::OK,
            code: "bad_request",
            msg: msg.into(),
        }
    }

    /// A request the service cannot take at all: `bad_request` under HTTP 400.
    fn request(msg: impl Into<String>) -> Self {
        Rejection {
            http: StatusCode::BAD_REQUEST,
            code: "bad_request",
            msg: msg.into(),
        }
    }
}

impl From<Refused> for Rejection {
    fn from(r: Refused) -> Self {
        Rejection::request(r.message())
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let body = json!({
            "status": "error",
            "data": null,
            "error": [{"msg": self.msg, "code": self.code, "type": "api_exception"}],
            "req_id": ids::request_id(),
        });
        (self.http, axum::Json(body)).into_response()
    }
}

pub(super) fn success(data: impl serde::Serialize) -> Response {
    let data = serde_json::to_value(data).unwrap_or_default();
    let body = json!({"status": "success", "data": data, "error": [], "req_id": ids::request_id()});
    axum::Json(body).into_response()
}

pub(super) type Answer = Result<Response, Rejection>;

impl Shared {
    /// Check the org id and the body of `op`, then run `f` on the store.
    fn handle<T: DeserializeOwned>(
        &self,
        org_id: &str,
        op: &str,
        body: &[u8],
        f: impl FnOnce(&mut Store, T) -> Answer,
    ) -> Response {
        let answer = (|| {
            if org_id != self.org_id {
                return Err(Rejection::request(format!("unknown organisation {org_id:?}")));
            }
            let request = body::parse::<T>(&SPEC, op, body)?;
            f(&mut self.store(), request)
        })();
        answer.unwrap_or_else(IntoResponse::into_response)
    }
}

type Org = Path<String>;
type Fake = State<Arc<Shared>>;

async fn create_simple_client_session(State(s): Fake, Path(org): Org, body: Bytes) -> Response {
    s.handle(&org, "create_simple_client_session", &body, Store::simple_session)
}

async fn create_client_session(State(s): Fake, Path(org): Org, body: Bytes) -> Response {
    s.handle(&org, "create_client_session", &body, Store::client_session)
}

async fn update_client_session(State(s): Fake, Path(org): Org, body: Bytes) -> Response {
    s.handle(&org, "update_client_session", &body, Store::update_session)
}

async fn one_click(State(s): Fake, Path(org): Org, body: Bytes) -> Response {
    s.handle(&org, "one_click", &body, Store::one_click)
}

async fn create_payment(State(s): Fake, Path(org): Org, body: Bytes) -> Response {
    s.handle(&org, "create_payment", &body, Store::create_payment)
}

async fn resume_payment(State(s): Fake, Path(org): Org, body: Bytes) -> Response {
    s.handle(&org, "resume_payment", &body, Store::resume_payment)
}

async fn not_found() -> Response {
    Rejection {
        http: StatusCode::NOT_FOUND,
        code: "not_found",
        msg: "no such endpoint".into(),
    }
    .into_response()
}
