//! [`ErrorClass`]: every [`Error`] in one of a few classes a web back end maps
//! to its own answers in one `match`.

use super::{ApiError, Error, IntentErrorKind};

/// What an [`Error`] means to the application calling: whom to tell, and
/// whether to try again later. Each error has exactly one class
/// ([`Error::class`]); the predicates (`is_timeout()`, ...) and
/// [`Error::may_have_been_processed`] stay the finer questions.
///
/// ```
/// use billing_clients::{Error, ErrorClass, Refusal};
///
/// fn status(e: &Error) -> u16 {
///     match e.class() {
///         ErrorClass::Refused(Refusal::DoublePurchase) => 409,
///         ErrorClass::Refused(_) => 422,
///         ErrorClass::InvalidInput => 400,
///         ErrorClass::RateLimited | ErrorClass::Provider | ErrorClass::Transport => 503,
///         ErrorClass::InDoubt => 202,
///         _ => 500, // Configuration, Journal, and classes a later version adds
///     }
/// }
/// let e = billing_clients::closient::Client::new("csb_not_a_key").unwrap_err();
/// assert_eq!((e.class(), status(&e)), (ErrorClass::Configuration, 500));
/// ```
///
/// The README's "Errors" has the table of classes and typical answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The provider refused the request for a reason of its own (a business
    /// rule, a check of its own on the input, something not found): the user
    /// may be told ([`ApiError::message`] says what), and sending the same again
    /// will be refused again. FunnelFox refuses business rules under HTTP 200.
    Refused(Refusal),
    /// The input breaks a rule of the spec (or an intent key was used for
    /// another call): nothing was sent. The message names the field and the
    /// rule, fit for a 400 answer.
    InvalidInput,
    /// The client is set up wrong, which no user input can fix: a missing or
    /// malformed key, organisation or base URL (when building the client, or
    /// read from the environment), a call that sends the key on a client without
    /// one, a key the provider refuses (HTTP 401 or 403), no TLS crypto provider,
    /// an HTTP client of the caller's that follows redirects.
    Configuration,
    /// The provider's rate limit (HTTP 429) held after the retries: try later
    /// ([`Error::rate_limit`] says when, if the provider said).
    RateLimited,
    /// The provider failed: HTTP 5xx, an answer this client cannot decode, a
    /// redirect. The request may have been processed
    /// ([`Error::may_have_been_processed`]).
    Provider,
    /// The network failed: no connection, a timeout, a dropped connection. The
    /// request may have been processed unless nothing was sent
    /// ([`Error::is_connect`]).
    Transport,
    /// A call with an intent key was not sent because an earlier call with the
    /// key may have been processed and nobody knows yet whether it was: resolve
    /// it (see [`IntentErrorKind::InDoubt`]); tell the user it is being checked.
    InDoubt,
    /// A call with an intent key was not sent because the intent journal could
    /// not be written or read (see [`IntentErrorKind::Journal`]).
    Journal,
}

/// Why the provider refused a request ([`ErrorClass::Refused`]): the reasons
/// told apart by the provider's code, or by its message where its code is
/// generic (FunnelFox answers business rules with `bad_request` under HTTP
/// 200); any other keeps the provider's code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// FunnelFox's documented `double_purchase`: the user already bought this
    /// price point.
    DoublePurchase,
    /// The price point is unknown to the provider.
    UnknownPricePoint,
    /// The user (`external_id`) is unknown to the provider.
    UnknownUser,
    /// The user has no saved payment method (a one-click purchase needs one).
    NoSavedPaymentMethod,
    /// Something the request names does not exist: an order, a subscription, a
    /// session, an organisation (HTTP 404, or a message that says so).
    NotFound,
    /// The provider's own checks refused the input, field by field
    /// (Closient's `VALIDATION_ERROR`, HTTP 422; [`ApiError::details`]).
    Invalid,
    /// Another refusal: the provider's code as sent (FunnelFox's generic
    /// `bad_request`, Closient's `BAD_REQUEST`; empty without one). Its
    /// message is [`ApiError::message`].
    Other(String),
}

impl Error {
    /// This error's class, for one `match` from errors to a back end's own
    /// answers (see [`ErrorClass`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::InvalidInput(e) if e.is_configuration() => ErrorClass::Configuration,
            Error::InvalidInput(_) => ErrorClass::InvalidInput,
            Error::Api(a) => api_class(a),
            Error::Transport(_) => ErrorClass::Transport,
            // A client of the caller's followed it: the client is set up wrong.
            Error::Redirect(r) if r.followed => ErrorClass::Configuration,
            Error::Redirect(_) | Error::Decode(_) => ErrorClass::Provider,
            Error::Intent(e) => match e.kind {
                IntentErrorKind::InDoubt(_) => ErrorClass::InDoubt,
                IntentErrorKind::Conflict => ErrorClass::InvalidInput,
                IntentErrorKind::Journal(_) => ErrorClass::Journal,
            },
        }
    }

    /// The provider refused the request with a reason ([`ErrorClass::Refused`]): the reason.
    pub fn refusal(&self) -> Option<Refusal> {
        match self.class() {
            ErrorClass::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// The client is set up wrong ([`ErrorClass::Configuration`]): a missing
    /// or malformed key, a call that needs the key on a client without one, a
    /// key the provider refuses.
    pub fn is_configuration(&self) -> bool {
        self.class() == ErrorClass::Configuration
    }
}

fn api_class(a: &ApiError) -> ErrorClass {
    let code = a.code.as_deref().unwrap_or_default();
    let is = |c: &str| code.eq_ignore_ascii_case(c);
    match a.status {
        Some(401 | 403) => return ErrorClass::Configuration,
        Some(429) => return ErrorClass::RateLimited,
        Some(s) if s >= 500 || s == 408 => return ErrorClass::Provider,
        _ => {}
    }
    if is("unauthorized") || is("forbidden") {
        return ErrorClass::Configuration;
    }
    if a.provider == crate::funnelfox::PROVIDER.name
        && let Some(class) = crate::funnelfox::wire::classify(code, &a.message)
    {
        return class;
    }
    ErrorClass::Refused(if is("not_found") || a.status == Some(404) {
        Refusal::NotFound
    } else if is("validation_error") || a.status == Some(422) {
        Refusal::Invalid
    } else {
        Refusal::Other(code.to_string())
    })
}
