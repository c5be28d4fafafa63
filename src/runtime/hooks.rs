//! Your own code around every attempt, in the manner of progenitor's
//! `ClientHooks` and smithy's interceptors: headers of your own (a trace
//! context, a tenant id), metrics, audit logs. A hook runs for every attempt,
//! retries included, and never sees the API key: the headers it fills start
//! empty, and the ones the client sets itself are not taken from it.

use super::spec::HttpMethod;
use crate::Error;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// One attempt, as a hook sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The operation id (the method's name), `"raw"` for a raw call.
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: HttpMethod,
    /// The path template (never the filled URL, which may carry ids).
    pub path: &'static str,
    /// 1 for the first attempt of a call, 2 for its first retry, ...
    pub number: u32,
    /// The provider (`"funnelfox"`, `"closient"`).
    pub provider: &'a str,
}

/// Code that runs around every attempt of a client's calls; register it with
/// the client builder's `.hook(..)`. Both methods do nothing unless overridden.
///
/// ```
/// use billing_clients::runtime::hooks::{Attempt, Hook};
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// #[derive(Default)]
/// struct Tenant(AtomicU32);
///
/// impl Hook for Tenant {
///     fn before_attempt(&self, _: &Attempt<'_>, headers: &mut reqwest::header::HeaderMap) {
///         headers.insert("x-tenant", "shop-7".parse().unwrap());
///     }
///     fn after_attempt(&self, _: &Attempt<'_>, _: Result<u16, &billing_clients::Error>, _: std::time::Duration) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let client = billing_clients::funnelfox::Client::builder("org-1").hook(Tenant::default()).build().unwrap();
/// # let _ = client;
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Before an attempt is sent: add headers of your own to `headers` (empty
    /// when called). The key's header, `content-type`, `content-length`, `host`,
    /// `user-agent` and `transfer-encoding` are the client's and are not taken.
    fn before_attempt(&self, attempt: &Attempt<'_>, headers: &mut HeaderMap) {
        let _ = (attempt, headers);
    }

    /// After an attempt: the HTTP status of its answer, or the error it ended
    /// with (the call may still retry), and how long it took.
    fn after_attempt(&self, attempt: &Attempt<'_>, outcome: Result<u16, &Error>, elapsed: Duration) {
        let _ = (attempt, outcome, elapsed);
    }
}

/// A client's hooks, in the order added.
#[derive(Clone, Default)]
pub(crate) struct Hooks(pub(crate) Vec<std::sync::Arc<dyn Hook>>);

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} hook(s)", self.0.len())
    }
}

/// The headers no hook (or per-call `.header(..)`) may set: the client's own.
pub(crate) const OWN_HEADERS: [&str; 5] = [
    "content-type",
    "content-length",
    "host",
    "user-agent",
    "transfer-encoding",
];

/// Run every hook's `before_attempt` and add what they set to `headers`,
/// skipping the client's own headers and the key's (`auth`).
pub(crate) fn before(hooks: &[std::sync::Arc<dyn Hook>], attempt: &Attempt<'_>, auth: &str, headers: &mut HeaderMap) {
    let mut own = HeaderMap::new();
    for hook in hooks {
        hook.before_attempt(attempt, &mut own);
    }
    for name in own.keys() {
        if name.as_str().eq_ignore_ascii_case(auth) || OWN_HEADERS.contains(&name.as_str()) {
            tracing::warn!(header = name.as_str(), "a hook's header is the client's own: not sent");
            continue;
        }
        headers.remove(name);
        for value in own.get_all(name) {
            headers.append(name.clone(), value.clone());
        }
    }
}
