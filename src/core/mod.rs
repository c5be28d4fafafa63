//! The shared client core: configuration, the transport under every generated
//! operation (auth per operation, retries, timeouts, response limits, tracing), and
//! the mapping of every outcome to [`crate::Error`]. Provider modules add only what
//! differs: their spec, credentials and wire format.

pub(crate) mod builder;
#[doc(hidden)]
pub mod fuzzing;
mod glue;
pub mod retry;
pub mod spec;
mod transport;
pub(crate) mod url;
pub mod validate;

pub use builder::{Builder, CallOptions};
pub(crate) use glue::client_glue;

use crate::error::{Error, InvalidInput, TransportError, TransportKind, Violation};
use progenitor_client::ResponseValue;
use secrecy::SecretString;
use spec::{Operation, Spec};
use std::fmt;
use std::sync::Arc;
use tracing::Instrument;

/// What the generated client carries: the shared core.
pub type Inner = Arc<Core>;

/// What a provider's wire format made of a response.
pub(crate) enum Interpreted {
    /// The operation's result, as the JSON the spec documents.
    Data(bytes::Bytes),
    /// An error the provider reported.
    Api(ApiFields),
    /// Neither; why.
    Undecodable(String),
}

/// The provider-specific part of an API error.
#[derive(Default)]
pub(crate) struct ApiFields {
    pub code: Option<String>,
    pub message: String,
    pub kind: Option<String>,
    pub request_id: Option<String>,
    pub details: Vec<crate::error::FieldIssue>,
    pub retryable: Option<bool>,
}

/// A provider: its spec and how to read its responses.
#[doc(hidden)]
pub struct Provider {
    pub(crate) name: &'static str,
    pub(crate) spec: &'static Spec,
    /// Reads a complete response body (any status).
    pub(crate) interpret: fn(status: u16, body: &bytes::Bytes) -> Interpreted,
}

/// Shared state of one configured client.
#[derive(Clone)]
pub struct Core {
    pub(crate) provider: &'static Provider,
    pub(crate) http: reqwest::Client,
    pub(crate) secret: Option<SecretString>,
    pub(crate) user_agent: reqwest::header::HeaderValue,
    pub(crate) options: CallOptions,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("provider", &self.provider.name)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Core {
    pub(crate) fn spec(&self) -> &'static Spec {
        self.provider.spec
    }

    /// The operation `id`; every wrapper method names one of the spec's.
    pub(crate) fn op(&self, id: &'static str) -> &'static Operation {
        self.spec()
            .operation(id)
            .unwrap_or_else(|| unreachable!("{id} is generated from the same spec"))
    }

    /// Everything checked before a request: credentials the operation needs, the
    /// body's conversion and every declared constraint on it.
    pub(crate) fn body<T, B>(&self, op: &'static Operation, body: B) -> Result<T, Error>
    where
        T: serde::Serialize,
        B: TryInto<T>,
        B::Error: fmt::Display,
    {
        self.check_auth(op)?;
        let body = body
            .try_into()
            .map_err(|e| validate::from_builder_message(op, &e.to_string()))?;
        let json = serde_json::to_value(&body)
            .map_err(|e| InvalidInput::new(Some(op.id), "body", Violation::Format(e.to_string())))?;
        validate::check_body(op, &json)?;
        Ok(body)
    }

    /// One operation with a JSON body: check everything, then send it with the
    /// generated builder (`send`) and map the outcome.
    pub(crate) async fn send<B, T, R, E, Fut>(
        &self,
        id: &'static str,
        body: B,
        send: impl FnOnce(T) -> Fut,
    ) -> Result<R, Error>
    where
        B: TryInto<T>,
        B::Error: fmt::Display,
        T: serde::Serialize,
        Fut: Future<Output = Result<ResponseValue<R>, progenitor_client::Error<E>>>,
    {
        let op = self.op(id);
        let body = self.body(op, body)?;
        self.call(op, send(body)).await
    }

    /// Check path parameters (name, value) and credentials.
    pub(crate) fn params(&self, op: &'static Operation, params: &[(&str, &str)]) -> Result<(), Error> {
        self.check_auth(op)?;
        let json = params
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        validate::check_params(op, &serde_json::Value::Object(json))?;
        Ok(())
    }

    fn check_auth(&self, op: &'static Operation) -> Result<(), Error> {
        if op.requires_auth && self.secret.is_none() {
            let header = self.spec().auth_header.unwrap_or("API key");
            return Err(InvalidInput::new(Some(op.id), header, Violation::Required).into());
        }
        Ok(())
    }

    /// Run one generated call under the call deadline and a tracing span, and map
    /// its outcome to this crate's types.
    pub(crate) async fn call<T, E>(
        &self,
        op: &'static Operation,
        call: impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    ) -> Result<T, Error> {
        let span = tracing::info_span!(
            "billing_call",
            provider = self.provider.name,
            operation = op.id,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let result = async {
            match tokio::time::timeout(self.options.call_timeout, call).await {
                Err(_) => Err(Error::Transport(TransportError {
                    operation: op.id,
                    kind: TransportKind::Timeout,
                    source: None,
                })),
                Ok(Ok(value)) => Ok(value.into_inner()),
                Ok(Err(e)) => Err(self.map_error(op, e).await),
            }
        }
        .instrument(span.clone())
        .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if let Err(e) = &result {
            tracing::debug!(parent: &span, error = %e, "call failed");
        }
        result
    }

    async fn map_error<E>(&self, op: &'static Operation, e: progenitor_client::Error<E>) -> Error {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(msg) => validate::from_builder_message(op, &msg).into(),
            P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
                transport::delivered(&e).unwrap_or_else(|| transport_error(op, e))
            }
            P::InvalidResponsePayload(bytes, e) => self.decode_error(op, Some(200), e.to_string(), &bytes, 0),
            P::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(bytes) => {
                        self.decode_error(op, Some(status), format!("unexpected HTTP status {status}"), &bytes, 0)
                    }
                    Err(e) => transport::delivered(&e).unwrap_or_else(|| transport_error(op, e)),
                }
            }
            P::ErrorResponse(rv) => {
                let status = rv.status().as_u16();
                self.decode_error(op, Some(status), "error response".into(), &[], 0)
            }
            P::Custom(msg) => self.decode_error(op, None, msg, &[], 0),
        }
    }

    /// A decode error with a bounded, secret-free excerpt of the body.
    pub(crate) fn decode_error(
        &self,
        op: &'static Operation,
        status: Option<u16>,
        reason: String,
        body: &[u8],
        attempts: u32,
    ) -> Error {
        let end = body.len().min(crate::error::DecodeError::EXCERPT);
        let excerpt = self.scrub(String::from_utf8_lossy(&body[..end]).into_owned());
        Error::Decode(Box::new(crate::error::DecodeError {
            operation: op.id,
            status,
            reason: self.scrub(reason),
            excerpt,
            attempts,
        }))
    }

    /// Remove the configured secret from text that came from the network.
    pub(crate) fn scrub(&self, text: String) -> String {
        use secrecy::ExposeSecret;
        match &self.secret {
            Some(s) if !s.expose_secret().is_empty() && text.contains(s.expose_secret()) => {
                text.replace(s.expose_secret(), "[redacted]")
            }
            _ => text,
        }
    }
}

fn transport_error(op: &'static Operation, e: reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    };
    Error::Transport(TransportError {
        operation: op.id,
        kind,
        source: Some(e),
    })
}

#[cfg(test)]
mod tests {
    use super::spec::{Operation, RetryClass};
    use super::*;

    static OPS: [Operation; 2] = [
        Operation {
            id: "manage",
            method: "POST",
            path: "/m",
            summary: "",
            requires_auth: true,
            retry: RetryClass::Safe,
            params: &[],
            body: &[],
        },
        Operation {
            id: "checkout",
            method: "POST",
            path: "/c",
            summary: "",
            requires_auth: false,
            retry: RetryClass::Safe,
            params: &[],
            body: &[],
        },
    ];
    static SPEC: Spec = Spec {
        title: "test",
        server_url: "https://example.com",
        server_variables: &[],
        auth_header: Some("x-test-key"),
        operations: &OPS,
        corrections: &[],
    };
    static PROVIDER: Provider = Provider {
        name: "test",
        spec: &SPEC,
        interpret: |_, b| Interpreted::Data(b.clone()),
    };

    fn core(secret: Option<&str>) -> Core {
        Core {
            provider: &PROVIDER,
            http: reqwest::Client::new(),
            secret: secret.map(|s| SecretString::from(s.to_string())),
            user_agent: reqwest::header::HeaderValue::from_static("test"),
            options: CallOptions::default(),
        }
    }

    fn request() -> reqwest::Request {
        let mut r = reqwest::Request::new(reqwest::Method::POST, "https://example.com/x".parse().unwrap());
        r.headers_mut().insert("x-test-key", "smuggled".parse().unwrap());
        r.headers_mut().insert("api-version", "1".parse().unwrap());
        r
    }

    #[test]
    fn an_operation_that_requires_the_key_fails_before_sending_without_one() {
        let e = core(None)
            .body::<serde_json::Value, _>(&OPS[0], serde_json::json!({}))
            .unwrap_err();
        let bad = e.invalid_input().unwrap();
        assert_eq!(
            (bad.operation, bad.field.as_str(), &bad.violation),
            (Some("manage"), "x-test-key", &Violation::Required)
        );
        assert!(
            core(None)
                .body::<serde_json::Value, _>(&OPS[1], serde_json::json!({}))
                .is_ok()
        );
    }

    #[test]
    fn the_key_is_sent_sensitive_and_only_where_the_spec_asks() {
        let c = core(Some("s3cr3t"));
        let mut r = request();
        c.decorate(&mut r, Some(&OPS[0]));
        let v = r.headers().get("x-test-key").unwrap();
        assert_eq!(v, "s3cr3t");
        assert!(v.is_sensitive());
        assert!(r.headers().get("api-version").is_none());
        let mut r = request();
        c.decorate(&mut r, Some(&OPS[1]));
        assert!(
            r.headers().get("x-test-key").is_none(),
            "removed even if a default header set it"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!("{:?}", core(Some("s3cr3t")));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(core(Some("s3cr3t")).scrub("echo s3cr3t".into()), "echo [redacted]");
    }
}
