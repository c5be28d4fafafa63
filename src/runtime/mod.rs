//! The runtime every generated client runs on, written once for every provider
//! and every operation: configuration, the call every generated method returns ([`Call`]), the
//! transport under it (auth per operation, retries, timeouts, response limits,
//! tracing), validation against the spec, and the mapping of every outcome to
//! [`crate::Error`]. Provider modules add only what differs: credentials and
//! their wire format.

pub(crate) mod absent;
pub(crate) mod builder;
mod call;
#[doc(hidden)]
pub mod decode;
#[doc(hidden)]
pub mod fuzzing;
pub mod hooks;
pub mod intents;
pub(crate) mod items;
pub mod pacing;
pub mod pages;
#[cfg(feature = "postgres")]
pub(crate) mod pg;
pub(crate) mod random;
pub mod raw;
pub mod retry;
pub mod spec;
mod tls;
mod transport;
pub mod unknown;
pub(crate) mod upload;
pub(crate) mod url;
pub mod validate;

pub use builder::{Builder, CallOptions, http_client_builder, install_crypto_provider};
pub use call::Call;
pub use pages::Pages;

use crate::error::{Error, InvalidInput, Violation};
use secrecy::SecretString;
use spec::{Media, Operation, Spec};
use std::fmt;
use std::sync::Arc;

/// What a provider's wire format made of a complete response.
#[doc(hidden)]
pub enum Interpreted {
    /// The operation's result: the documented JSON (or text, bytes), and the
    /// provider's request id if the wire format carries one.
    Data {
        data: bytes::Bytes,
        request_id: Option<String>,
    },
    /// An error the provider reported.
    Api(ApiFields),
    /// Neither; why.
    Undecodable(String),
}

impl Interpreted {
    /// A result without a request id.
    pub(crate) fn data(data: bytes::Bytes) -> Self {
        Interpreted::Data { data, request_id: None }
    }
}

/// The provider-specific part of an API error.
#[derive(Default)]
#[doc(hidden)]
pub struct ApiFields {
    pub code: Option<String>,
    pub message: String,
    pub kind: Option<String>,
    pub request_id: Option<String>,
    pub details: Vec<crate::error::FieldIssue>,
    pub retryable: Option<bool>,
}

/// A provider: its spec, how to check its credentials, how to read its answers.
#[doc(hidden)]
pub struct Provider {
    pub(crate) name: &'static str,
    pub(crate) spec: &'static Spec,
    /// Checks a configured secret before any request.
    pub(crate) check_secret: fn(&SecretString) -> Result<(), InvalidInput>,
    /// Reads a complete response body (any status) of an operation answering `media`.
    pub(crate) interpret: fn(status: u16, media: Media, body: &bytes::Bytes) -> Interpreted,
    /// Where a success's data is, for the one-pass read of a JSON answer.
    pub(crate) success: decode::Success,
    /// Whether the provider sends the IETF rate-limit headers clients pace by
    /// (see [`pacing`]); pacing is then on by default.
    pub(crate) paces: bool,
    /// The spec's auth header as a header name, made once (start with `OnceLock::new()`).
    pub(crate) auth_name: std::sync::OnceLock<Option<reqwest::header::HeaderName>>,
}

impl Provider {
    /// The spec's auth header as a header name, if it has one (and it is valid).
    pub(crate) fn auth_name(&self) -> Option<&reqwest::header::HeaderName> {
        self.auth_name
            .get_or_init(|| {
                let header = self.spec.auth_header?;
                reqwest::header::HeaderName::from_bytes(header.as_bytes()).ok()
            })
            .as_ref()
    }
}

/// A generated provider client, built by [`Builder`].
pub trait Api: Sized {
    #[doc(hidden)]
    fn provider() -> &'static Provider;
    #[doc(hidden)]
    fn from_core(core: Arc<Core>) -> Self;
}

/// Shared state of one configured client.
#[derive(Clone)]
#[doc(hidden)]
pub struct Core {
    pub(crate) provider: &'static Provider,
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// `base_url` parsed, once: each request's URL is a copy with its path set.
    pub(crate) parsed_base: reqwest::Url,
    /// Each operation's URL when its path is fixed (no parameter, no query):
    /// made once per client, on its first call (by position in the spec).
    pub(crate) fixed_urls: Box<[std::sync::OnceLock<reqwest::Url>]>,
    /// The base URL's host and port (`server.address`, `server.port` in telemetry).
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) secret: Option<SecretString>,
    pub(crate) user_agent: reqwest::header::HeaderValue,
    pub(crate) options: CallOptions,
    pub(crate) budget: retry::RetryBudget,
    /// The user's code around every attempt (`Builder::hook`).
    pub(crate) hooks: hooks::Hooks,
    /// Pacing from the rate-limit headers, when on (`Builder::pacing`).
    pub(crate) pacer: Option<pacing::Pacer>,
    /// Where calls with an intent key are written (`Builder::journal`).
    pub(crate) journal: Arc<dyn intents::Journal>,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.provider.name)
            .field("base_url", &self.base_url)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("options", &self.options)
            .field("hooks", &self.hooks)
            .field("pacing", &self.pacer.is_some())
            .finish_non_exhaustive()
    }
}

impl Core {
    pub(crate) fn spec(&self) -> &'static Spec {
        self.provider.spec
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A copy with other call limits.
    pub fn with_options(&self, f: impl FnOnce(&mut CallOptions)) -> Arc<Core> {
        let mut core = self.clone();
        f(&mut core.options);
        Arc::new(core)
    }

    /// A call that sends the key fails before sending on a client without one.
    pub(crate) fn check_auth(&self, op: &'static Operation, options: &CallOptions) -> Result<(), Error> {
        if options.send_key.unwrap_or(op.requires_auth) && self.secret.is_none() {
            let header = self.spec().auth_header.unwrap_or("API key");
            return Err(InvalidInput::new(Some(op.id), header, Violation::Required)
                .of_configuration()
                .into());
        }
        Ok(())
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
        // Scrub before cutting, so a key straddling the cut leaves no prefix behind.
        let whole = self.scrub(String::from_utf8_lossy(body).into_owned());
        Error::Decode(Box::new(crate::error::DecodeError {
            operation: op.id,
            status,
            reason: self.scrub(reason),
            excerpt: crate::error::DecodeError::excerpt_of(&whole).to_string(),
            attempts,
            retry_budget_exhausted: false,
        }))
    }

    /// A decode error for the data of an answer (its status, its attempts).
    pub(crate) fn decode_error_of(&self, op: &'static Operation, done: &transport::Done, reason: String) -> Error {
        self.decode_error(op, Some(done.status), reason, &done.data, done.attempts)
    }

    /// Remove the configured secret from text that came from the network.
    pub(crate) fn scrub(&self, text: String) -> String {
        use secrecy::ExposeSecret;
        match &self.secret {
            Some(s)
                if !s.expose_secret().is_empty()
                    && text.len() >= s.expose_secret().len()
                    && text.contains(s.expose_secret()) =>
            {
                text.replace(s.expose_secret(), "[redacted]")
            }
            _ => text,
        }
    }
}
