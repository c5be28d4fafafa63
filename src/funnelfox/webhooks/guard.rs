//! What a delivery must show before its body is read: the secret token of the
//! target URL's query, and whatever a [`Verifier`] asks of the raw body and
//! headers (FunnelFox's signature, the day its scheme is published).

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use subtle::ConstantTimeEq;

/// The query parameter that carries the token unless another is set.
pub const TOKEN_PARAM: &str = "token";

/// The secret token a target URL carries in its query
/// (`https://example.com/funnelfox/webhooks?token=…`): the only secret FunnelFox's
/// billing settings let a merchant put into every delivery. One or two tokens
/// are accepted at once, so a new one can be rolled out before the old one is
/// dropped. Each is a [`SecretString`]: it appears in no `Debug`, `Display`,
/// log or answer.
///
/// ```
/// use billing_clients::funnelfox::webhooks::UrlToken;
///
/// let token = UrlToken::new("s3cr3t-old").also_accept("s3cr3t-new");
/// assert!(token.accepts(Some("token=s3cr3t-old")));
/// assert!(token.accepts(Some("a=1&token=s3cr3t-new")));
/// assert!(!token.accepts(Some("token=guess")) && !token.accepts(None));
/// assert!(!format!("{token:?}").contains("s3cr3t"));
/// ```
#[derive(Clone)]
pub struct UrlToken {
    param: String,
    accepted: Vec<SecretString>,
}

impl UrlToken {
    /// Accept `secret` in the query parameter [`TOKEN_PARAM`] (`token`).
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Self {
            param: TOKEN_PARAM.to_string(),
            accepted: vec![secret.into()],
        }
    }

    /// Accept `secret` as well (a rotation: the new token while FunnelFox still
    /// has the old one, or the old one while the new one is rolled out).
    pub fn also_accept(mut self, secret: impl Into<SecretString>) -> Self {
        self.accepted.push(secret.into());
        self
    }

    /// Accept `secret` alone (the parameter's name is kept).
    #[cfg(feature = "axum")]
    pub(crate) fn only(mut self, secret: impl Into<SecretString>) -> Self {
        self.accepted = vec![secret.into()];
        self
    }

    /// Read the token from query parameter `name` instead of `token`.
    pub fn param(mut self, name: impl Into<String>) -> Self {
        self.param = name.into();
        self
    }

    /// Whether a request's query (the part after `?`, percent-encoded) carries
    /// an accepted token in its first parameter of that name. Every accepted
    /// token is compared, each in constant time (only a length differs in time).
    pub fn accepts(&self, query: Option<&str>) -> bool {
        let Some(query) = query else { return false };
        let Some(given) = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| *k == self.param)
            .map(|(_, v)| v)
        else {
            return false;
        };
        let mut ok = subtle::Choice::from(0);
        for secret in &self.accepted {
            let secret = secret.expose_secret().as_bytes();
            // An empty token is never one: a bare `?token=` must not pass.
            ok |= given.as_bytes().ct_eq(secret) & subtle::Choice::from(u8::from(!secret.is_empty()));
        }
        ok.into()
    }
}

impl fmt::Debug for UrlToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlToken")
            .field("param", &self.param)
            .field("accepted", &self.accepted.len())
            .finish()
    }
}

/// Why a [`Verifier`] refused a delivery; logged by the endpoint, never sent
/// back (the answer is a bare 403), so it must hold no secret either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {}", self.0)
    }
}

impl std::error::Error for Refusal {}

/// A check of a delivery's raw body and headers, run after the URL token and
/// before the body is read as an event (feature `axum`:
/// [`Endpoint::verifier`](super::Endpoint::verifier)): the place for
/// FunnelFox's signature check once its header, algorithm and signed text are
/// published — this crate guesses none. A refusal is answered 403 and the
/// handler does not run.
///
/// ```
/// use billing_clients::funnelfox::webhooks::{Refusal, Verifier};
/// use reqwest::header::HeaderMap;
///
/// /// Stands in for FunnelFox's scheme: a header that must be present.
/// struct NeedsHeader;
///
/// impl Verifier for NeedsHeader {
///     fn verify(&self, _body: &[u8], headers: &HeaderMap) -> Result<(), Refusal> {
///         match headers.get("x-signature") {
///             Some(_) => Ok(()), // check it against the body here
///             None => Err(Refusal("no signature".into())),
///         }
///     }
/// }
/// assert!(NeedsHeader.verify(b"{}", &HeaderMap::new()).is_err());
/// ```
pub trait Verifier: Send + Sync {
    /// `Ok` to let the delivery through, a [`Refusal`] to refuse it.
    fn verify(&self, body: &[u8], headers: &reqwest::header::HeaderMap) -> Result<(), Refusal>;
}
