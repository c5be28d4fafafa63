//! What each kind of [`Error`] holds: invalid input, the provider's error, transport failure, redirect, decode error.

use super::Error;
use crate::runtime::spec::{JsonType, Rule};
use std::fmt;

/// Which rule an input broke.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Violation {
    /// A required field is missing.
    Required,
    /// `null` where the spec does not allow it.
    NotNullable,
    /// A value of another JSON type than the spec declares.
    Type(&'static [JsonType]),
    /// None of the `anyOf` / `oneOf` alternatives fits.
    NoAlternative,
    /// A rule declared by the spec.
    Rule(Rule),
    /// A rule of the credential or URL format, described.
    Format(String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Required => f.write_str("is required"),
            Violation::NotNullable => f.write_str("must not be null"),
            Violation::Type(types) => write!(f, "must be of JSON type {types:?}"),
            Violation::NoAlternative => f.write_str("matches none of the schemas it may be (anyOf/oneOf)"),
            Violation::Format(s) => f.write_str(s),
            Violation::Rule(rule) => match rule {
                Rule::Enum(values) => write!(f, "must be one of {}", values.join(", ")),
                Rule::MinLength(n) => write!(f, "must be at least {n} characters (minLength)"),
                Rule::MaxLength(n) => write!(f, "must be at most {n} characters (maxLength)"),
                Rule::Pattern(p) => write!(f, "must match the pattern {p}"),
                Rule::Format(x) => write!(f, "must be a valid {x}"),
                Rule::Minimum {
                    value,
                    exclusive: false,
                } => write!(f, "must be at least {value} (minimum)"),
                Rule::Minimum { value, exclusive: true } => {
                    write!(f, "must be greater than {value} (exclusiveMinimum)")
                }
                Rule::Maximum {
                    value,
                    exclusive: false,
                } => write!(f, "must be at most {value} (maximum)"),
                Rule::Maximum { value, exclusive: true } => write!(f, "must be less than {value} (exclusiveMaximum)"),
                Rule::MinItems(n) => write!(f, "must have at least {n} items (minItems)"),
                Rule::MaxItems(n) => write!(f, "must have at most {n} items (maxItems)"),
            },
        }
    }
}

/// Input rejected before any request: which field, which rule.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InvalidInput {
    /// The operation called, or `None` when building a client.
    pub operation: Option<&'static str>,
    /// The field (dotted for nested fields), parameter or setting.
    pub field: String,
    /// The rule it breaks.
    pub violation: Violation,
    /// Whether it is the client's configuration that is wrong in a call
    /// (a call that sends the key on a client without one).
    configuration: bool,
}

impl InvalidInput {
    pub(crate) fn new(operation: Option<&'static str>, field: impl Into<String>, violation: Violation) -> Self {
        Self {
            operation,
            field: field.into(),
            violation,
            configuration: false,
        }
    }

    /// The same, of the client's configuration in a call (no input fixes it).
    pub(crate) fn of_configuration(mut self) -> Self {
        self.configuration = true;
        self
    }

    /// Whether the client is set up wrong rather than a call's input: any
    /// error building a client (key, organisation, base URL, environment
    /// variable), or a call that sends the key on a client without one
    /// ([`crate::ErrorClass::Configuration`]).
    pub fn is_configuration(&self) -> bool {
        self.operation.is_none() || self.configuration
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operation {
            Some(op) if self.configuration => write!(
                f,
                "invalid configuration for {op}: `{}` {} (the client has none)",
                self.field, self.violation
            ),
            Some(op) => write!(f, "invalid input to {op}: `{}` {}", self.field, self.violation),
            None => write!(f, "invalid configuration: `{}` {}", self.field, self.violation),
        }
    }
}

impl From<InvalidInput> for Error {
    fn from(e: InvalidInput) -> Self {
        Error::InvalidInput(e)
    }
}

/// An error reported by the provider, with its code, message and request id.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// `funnelfox` or `closient`.
    pub provider: &'static str,
    /// The operation called.
    pub operation: &'static str,
    /// HTTP status (FunnelFox may report errors under 200).
    pub status: Option<u16>,
    /// The provider's machine-readable code (`double_purchase`, `VALIDATION_ERROR`).
    pub code: Option<String>,
    /// The provider's message.
    pub message: String,
    /// The provider's error type (FunnelFox `type`, RFC 9457 `type`).
    pub kind: Option<String>,
    /// The provider's request id (FunnelFox `req_id`, or an `x-request-id` header).
    pub request_id: Option<String>,
    /// Per-field details (Closient `VALIDATION_ERROR`; extra FunnelFox errors).
    pub details: Vec<FieldIssue>,
    /// Whether the provider says retrying may help (RFC 9457 `retryable`).
    pub retryable: Option<bool>,
    /// Requests sent for this call.
    pub attempts: u32,
    /// Whether a retry was refused by the client's retry budget.
    pub retry_budget_exhausted: bool,
    /// On a 429: the rate-limit counters the answer carried (`RateLimit-*` or
    /// `X-RateLimit-*`), if it carried them; how long to wait is `reset`.
    pub rate_limit: Option<crate::runtime::pacing::RateLimit>,
}

/// One per-field detail of an API error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldIssue {
    /// The field, when the provider names one.
    pub field: Option<String>,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed", self.provider, self.operation)?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(c) = &self.code {
            write!(f, ": {c}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// What kind of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made (refused, or a connect timeout); nothing was sent.
    Connect,
    /// A timeout after the request may have been sent (attempt or call).
    Timeout,
    /// The connection dropped after the request was written: reset, protocol
    /// error, body cut short.
    Other,
}

/// The request could not be completed.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The operation called.
    pub operation: &'static str,
    /// What went wrong.
    pub kind: TransportKind,
    /// Requests sent (or tried) for this call.
    pub attempts: u32,
    /// Whether a retry was refused by the client's retry budget.
    pub retry_budget_exhausted: bool,
    pub(crate) source: Option<reqwest::Error>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Other => "transport failure",
        };
        write!(f, "{}: {what}", self.operation)?;
        if let Some(s) = &self.source {
            // reqwest's Display carries the URL without the query; our URLs hold no secrets.
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

/// A redirect, which is never followed: no request goes to another origin, and a
/// charge is never turned into a `GET` somewhere else.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RedirectError {
    /// The operation called.
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: &'static str,
    /// The redirect's HTTP status (or the final one, when a caller's client followed it).
    pub status: u16,
    /// Where it pointed (`Location`, scrubbed), or the URL the answer came from.
    pub location: Option<String>,
    /// Whether a caller-supplied `reqwest::Client` followed it before this client
    /// saw the answer (build such a client with `redirect::Policy::none()`).
    pub followed: bool,
    /// Requests sent for this call.
    pub attempts: u32,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let to = self.location.as_deref().unwrap_or("nowhere given");
        if self.followed {
            write!(
                f,
                "{}: the HTTP client followed a redirect to {to}; the answer was not read (build the reqwest::Client with redirect::Policy::none())",
                self.operation
            )
        } else {
            write!(
                f,
                "{}: the server redirected (HTTP {}) to {to}; redirects are never followed",
                self.operation, self.status
            )
        }
    }
}

/// A response that could not be decoded; keeps a bounded excerpt of the body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation called.
    pub operation: &'static str,
    /// HTTP status of the response.
    pub status: Option<u16>,
    /// Why it could not be decoded.
    pub reason: String,
    /// The start of the body (at most [`DecodeError::EXCERPT`] bytes, lossy UTF-8).
    pub excerpt: String,
    /// Requests sent for this call.
    pub attempts: u32,
    /// Whether a retry was refused by the client's retry budget.
    pub retry_budget_exhausted: bool,
}

impl DecodeError {
    /// The most bytes of a body kept in [`DecodeError::excerpt`].
    pub const EXCERPT: usize = 512;

    /// The start of `text`: at most [`DecodeError::EXCERPT`] bytes, cut at a
    /// character boundary (the one cut for every excerpt of a body).
    pub(crate) fn excerpt_of(text: &str) -> &str {
        let mut end = text.len().min(Self::EXCERPT);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: undecodable response", self.operation)?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        write!(f, ": {}; body starts {:?}", self.reason, self.excerpt)
    }
}
