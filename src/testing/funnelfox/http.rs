//! FunnelFox over HTTP: every request is routed by the spec, checked (organisation,
//! secret key where the spec requires it, body against the spec), answered by the
//! store where the fake models the operation and from the spec otherwise, in the
//! envelope every FunnelFox answer comes in.

use super::store::Store;
use crate::runtime::spec::{Media, Spec};
use crate::testing::body::Refused;
use crate::testing::ids;
use crate::testing::server::Incoming;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The state behind one fake: its spec, organisation, key and store.
pub(super) struct Shared {
    pub(super) spec: &'static Spec,
    pub(super) org_id: String,
    pub(super) secret_key: String,
    pub(super) store: Mutex<Store>,
    pub(super) outbox: super::deliver::Outbox,
}

impl Shared {
    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Everything under `/{org_id}/v1`, routed by the spec.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
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
    pub(super) fn request(msg: impl Into<String>) -> Self {
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

/// A success with nothing to tell: `data` is `{}`.
pub(super) fn ok() -> Answer {
    Ok(success(json!({})))
}

async fn handle(State(s): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    s.answer(&parts.method, &parts.uri, parts.headers, body)
        .unwrap_or_else(IntoResponse::into_response)
}

impl Shared {
    fn answer(
        &self,
        method: &axum::http::Method,
        uri: &axum::http::Uri,
        headers: axum::http::HeaderMap,
        body: Bytes,
    ) -> Answer {
        let not_found = || Rejection {
            http: StatusCode::NOT_FOUND,
            code: "not_found",
            msg: "no such endpoint".into(),
        };
        let (org_id, relative) = split(uri.path()).ok_or_else(not_found)?;
        if org_id != self.org_id {
            return Err(Rejection::request(format!("unknown organisation {org_id:?}")));
        }
        let request = Incoming::route(self.spec, method, uri, relative, headers, body).ok_or_else(not_found)?;
        if request.op.requires_auth && request.header("ff-secret-key") != Some(self.secret_key.as_str()) {
            let msg = match request.header("ff-secret-key") {
                None => "the ff-secret-key header is required",
                Some(_) => "invalid ff-secret-key",
            };
            return Err(Rejection {
                http: StatusCode::UNAUTHORIZED,
                code: "unauthorized",
                msg: msg.into(),
            });
        }
        let modelled = {
            let mut store = self.store();
            let op = crate::funnelfox::OperationId::of(request.op);
            let next = store.next_mishaps.iter().position(|(o, _)| Some(*o) == op);
            store.mishap = next.map(|i| store.next_mishaps.remove(i).1);
            if store.mishap == Some(super::Mishap::BadGatewayBeforeWork) {
                store.mishap = None;
                return Ok((StatusCode::BAD_GATEWAY, "502 Bad Gateway").into_response());
            }
            let answer = store.model(&request);
            self.outbox.send(std::mem::take(&mut store.assets.events));
            match store.mishap.take() {
                // The work is done; the answer never arrives whole.
                Some(super::Mishap::DroppedAfterWork) => {
                    return Ok(Response::new(axum::body::Body::from_stream(super::magic::Dropped)));
                }
                Some(super::Mishap::HeldAfterWork) => {
                    return Ok(Response::new(axum::body::Body::from_stream(super::magic::Held)));
                }
                _ => {}
            }
            answer
        };
        if let Some(answer) = modelled {
            return answer;
        }
        let data = request.answer_from_spec()?;
        Ok(match request.op.response.media {
            Media::Text | Media::Bytes => ([("content-type", "text/csv")], "example\n").into_response(),
            _ => success(data),
        })
    }
}

/// `/{org_id}/v1/rest` → (`org_id`, `/rest`).
pub(super) fn split(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('/')?;
    let (org, rest) = rest.split_once('/')?;
    Some((org, rest.strip_prefix("v1").filter(|r| r.starts_with('/'))?))
}

/// What the store answers for an operation it models, from the parsed body.
pub(super) fn modelled<T: serde::de::DeserializeOwned>(
    store: &mut Store,
    request: &Incoming,
    f: impl FnOnce(&mut Store, T) -> Answer,
) -> Option<Answer> {
    Some(
        crate::testing::body::parse::<T>(request.op, &request.body)
            .map_err(Rejection::from)
            .and_then(|t| f(store, t)),
    )
}
