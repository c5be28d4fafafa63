//! Running a fake: a real HTTP/1.1 server on `127.0.0.1:0`, on the caller's tokio
//! runtime, recording every exchange, and shut down gracefully (it stops accepting,
//! lets requests in flight finish, closes idle connections) when its handle is
//! dropped or shut down.

use super::record::{Log, RecordedRequest, Recorder, record};
use crate::runtime::spec::{Location, Operation, Spec};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running fake server.
pub(crate) struct Server {
    addr: SocketAddr,
    log: Log,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Serve `router` (with every exchange recorded) on a fresh loopback port.
    ///
    /// Panics when no loopback port can be bound: there is no fake to return.
    pub(crate) async fn start(router: Router, spec: &'static Spec, relative: fn(&str) -> Option<&str>) -> Server {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("a fake server needs a port on 127.0.0.1");
        let addr = listener.local_addr().expect("a bound listener has an address");
        let log = Log::default();
        let recorder = Recorder {
            log: log.clone(),
            spec,
            relative,
        };
        let app = router.layer(axum::middleware::from_fn_with_state(recorder, record));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                // A dropped sender is a stop signal too.
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::debug!(error = %e, "fake server stopped with an error");
            }
        });
        Server {
            addr,
            log,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.log.all()
    }

    pub(crate) fn count(&self, operation_or_path: &str) -> usize {
        self.log.count(operation_or_path)
    }

    /// Stop and wait (up to 5 s, then abort) until the server has stopped.
    pub(crate) async fn shutdown(mut self) {
        self.signal();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err()
        {
            task.abort();
        }
    }

    fn signal(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signal();
    }
}

/// A request to one operation of a spec, as a fake's business rules get it.
pub(crate) struct Incoming {
    /// The operation the method and path name.
    pub(crate) op: &'static Operation,
    /// Path and query parameters, by name (path segments percent-decoded).
    pub(crate) params: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Incoming {
    /// The request to `relative` (the path after the server URL's own path), if
    /// it names an operation of `spec`.
    pub(crate) fn route(
        spec: &'static Spec,
        method: &Method,
        uri: &Uri,
        relative: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Option<Incoming> {
        let op = spec.route(method.as_str(), relative)?;
        let mut params = Vec::new();
        for (template, segment) in op.path.split('/').zip(relative.split('/')) {
            if let Some(name) = template.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                let value = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                params.push((name.to_string(), value.into_owned()));
            }
        }
        let query = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes());
        for (name, value) in query {
            if op
                .params
                .iter()
                .any(|p| p.location == Location::Query && p.name == name)
            {
                params.push((name.into_owned(), value.into_owned()));
            }
        }
        Some(Incoming {
            op,
            params,
            headers,
            body,
        })
    }

    /// The value of parameter `name` (empty when absent).
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of header `name`.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// What an operation the fake does not model answers: the request checked
    /// against the spec (parameters, body), then a value that fits the answer's
    /// schema, for the provider's wire format to wrap.
    pub(crate) fn answer_from_spec(&self) -> Result<serde_json::Value, super::body::Refused> {
        super::body::check_params(self.op, &self.params)?;
        match self.op.body.as_ref().map(|b| b.media) {
            Some(crate::runtime::spec::Media::Multipart) => {
                let content_type = self.header("content-type").unwrap_or_default();
                super::body::check_form(self.op, content_type, &self.body)?;
            }
            _ => {
                super::body::check(self.op, &self.body)?;
            }
        }
        Ok(self
            .op
            .response
            .schema
            .map_or(serde_json::Value::Null, super::example::example))
    }
}

/// What every fake (a struct with a `server: Server` field) offers about its
/// traffic and lifetime, written once.
macro_rules! recording {
    ($fake:ident) => {
        impl $fake {
            /// Every request received so far, oldest first, with the answers.
            pub fn requests(&self) -> Vec<$crate::testing::RecordedRequest> {
                self.server.requests()
            }

            /// How many requests went to `operation_or_path` (see
            /// [`RecordedRequest::is`](crate::testing::RecordedRequest::is)).
            pub fn count(&self, operation_or_path: &str) -> usize {
                self.server.count(operation_or_path)
            }

            /// Stop the server and wait until it has (dropping the fake stops it too).
            pub async fn shutdown(self) {
                self.server.shutdown().await;
            }
        }
    };
}

pub(crate) use recording;
