//! The one error type of both clients.
//!
//! One classification for a back end's one `match` ([`Error::class`], an
//! [`ErrorClass`]: refused by the provider with a [`Refusal`], invalid input,
//! configuration, rate limited, provider failure, transport, in doubt,
//! journal). Underneath, five kinds, matched by predicate rather than by variant where possible
//! (`is_invalid_input()`, `is_api()`, `is_timeout()`, `is_connect()`,
//! `is_connection_dropped()`, `is_redirect()`, `is_decode()`, `status()`): invalid
//! input (nothing was sent), an error reported by the provider, a transport
//! failure, a redirect (never followed), and a response that could not be decoded;
//! and, for a call with an intent key, an intent that stopped it
//! (`is_intent_in_doubt()`, [`Error::intent`]). Every error answers true to at
//! least one of them, and
//! [`Error::may_have_been_processed`] says whether the server may have acted on the
//! request. None of them ever holds a secret: header values are never copied into
//! errors, and everything that came from the network is scrubbed of the
//! configured key before it is cut or stored.

use std::fmt;

mod class;
mod details;
mod intent;

pub use class::{ErrorClass, Refusal};
pub use details::{
    ApiError, DecodeError, FieldIssue, InvalidInput, RedirectError, TransportError, TransportKind, Violation,
};
pub use intent::{IntentError, IntentErrorKind};

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any failure of a call or of building a client.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks a rule of the spec (or of the credential format); nothing was sent.
    InvalidInput(InvalidInput),
    /// The provider answered with an error.
    Api(Box<ApiError>),
    /// The request could not be completed: connect failure, timeout, reset.
    Transport(TransportError),
    /// The server answered with a redirect, which is never followed.
    Redirect(Box<RedirectError>),
    /// The provider answered with something this client cannot decode.
    Decode(Box<DecodeError>),
    /// A call with an intent key was not sent: its intent is in doubt, the key
    /// holds another call, or the journal failed (see [`IntentError`]).
    Intent(Box<IntentError>),
}

impl Error {
    /// A call with an intent key was not sent because its intent is in doubt
    /// (see [`IntentErrorKind::InDoubt`]).
    pub fn is_intent_in_doubt(&self) -> bool {
        matches!(self, Error::Intent(e) if matches!(e.kind, IntentErrorKind::InDoubt(_)))
    }
    /// The intent error, if this is one.
    pub fn intent(&self) -> Option<&IntentError> {
        match self {
            Error::Intent(e) => Some(e),
            _ => None,
        }
    }
    /// The input was rejected before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }
    /// The provider reported an error.
    pub fn is_api(&self) -> bool {
        matches!(self, Error::Api(_))
    }
    /// A connect, per-attempt or per-call timeout.
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport(t) => {
                t.kind == TransportKind::Timeout || t.source.as_ref().is_some_and(reqwest::Error::is_timeout)
            }
            _ => false,
        }
    }
    /// The connection could not be made (a connect timeout too): nothing was sent.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(t) if t.kind == TransportKind::Connect)
    }
    /// The connection broke after the request was written: reset, cut body,
    /// protocol error.
    pub fn is_connection_dropped(&self) -> bool {
        matches!(self, Error::Transport(t) if t.kind == TransportKind::Other)
    }
    /// The server answered with a redirect (or, with a caller's `reqwest::Client`
    /// that follows them, the answer came from another URL).
    pub fn is_redirect(&self) -> bool {
        matches!(self, Error::Redirect(_))
    }
    /// Whether the request may have reached the server and its effect is
    /// unknown: a timeout after sending, a dropped connection or cut body, a 5xx,
    /// an answer that could not be read, a redirect of anything but a read. Then
    /// do not simply send it again: look the result up first (for FunnelFox, the
    /// user's orders and payments). False when nothing was sent (invalid input, a
    /// connection that could not be made), or when the server answered with an
    /// error it reports (4xx, 429, an error envelope).
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Error::InvalidInput(_) => false,
            Error::Api(a) => a.status.is_some_and(|s| s >= 500),
            Error::Transport(t) => t.kind != TransportKind::Connect,
            Error::Redirect(r) => !matches!(r.method, "GET" | "HEAD"),
            Error::Decode(d) => !d.status.is_some_and(|s| (400..500).contains(&s)),
            // Nothing was sent by this call; an earlier one may have been.
            Error::Intent(e) => matches!(e.kind, IntentErrorKind::InDoubt(_)),
        }
    }
    /// Whether the call could have been retried but the client's retry budget
    /// ([`crate::RetryBudget`]) refused: the provider is failing many calls at once.
    pub fn is_retry_budget_exhausted(&self) -> bool {
        match self {
            Error::Api(a) => a.retry_budget_exhausted,
            Error::Transport(t) => t.retry_budget_exhausted,
            Error::Decode(d) => d.retry_budget_exhausted,
            _ => false,
        }
    }

    pub(crate) fn mark_retry_budget_exhausted(&mut self) {
        match self {
            Error::Api(a) => a.retry_budget_exhausted = true,
            Error::Transport(t) => t.retry_budget_exhausted = true,
            Error::Decode(d) => d.retry_budget_exhausted = true,
            _ => {}
        }
    }

    /// Requests sent for this call (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::InvalidInput(_) | Error::Intent(_) => 0,
            Error::Api(a) => a.attempts,
            Error::Transport(t) => t.attempts,
            Error::Redirect(r) => r.attempts,
            Error::Decode(d) => d.attempts,
        }
    }
    /// The response could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode(_))
    }
    /// The HTTP status of the response behind this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => e.status,
            Error::Decode(e) => e.status,
            Error::Redirect(e) => Some(e.status),
            _ => None,
        }
    }
    /// The provider's error code (`double_purchase`, `FORBIDDEN`, ...).
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }
    /// The provider's request id, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }
    /// On a 429 (after any retries): the rate-limit counters the server sent
    /// with it, if it sent them. `Retry-After` is honoured by the retries; what
    /// a pacing client last saw on any answer is [`Pacer::last_seen`].
    ///
    /// [`Pacer::last_seen`]: crate::runtime::pacing::Pacer::last_seen
    pub fn rate_limit(&self) -> Option<crate::runtime::pacing::RateLimit> {
        self.api().and_then(|e| e.rate_limit)
    }
    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
    /// The invalid-input details, if this is one.
    pub fn invalid_input(&self) -> Option<&InvalidInput> {
        match self {
            Error::InvalidInput(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput(e) => e.fmt(f),
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Redirect(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Intent(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => e.source.as_ref().map(|e| e as _),
            _ => None,
        }
    }
}
