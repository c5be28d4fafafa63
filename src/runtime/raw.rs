//! The escape hatch: a call to a path the spec does not describe yet (FunnelFox
//! has undocumented checkout calls), on the same transport: limits, the retry
//! table (never re-sent once it may have reached the server, unless declared
//! [`Call::safe`]), scrubbing and the error type. The key is sent only when asked
//! ([`Call::with_key`]): an undocumented endpoint gets no secret by default.

use super::spec::{Operation, Response, RetryClass};
use super::{Call, Core, decode};
use serde_json::Value;
use std::sync::Arc;

/// The HTTP method of a raw call (the spec's own type).
pub use super::spec::HttpMethod as Method;

macro_rules! raw_ops {
    ($($name:ident: $method:ident;)*) => {
        $(static $name: Operation = Operation {
            id: "raw",
            method: Method::$method,
            path: "(raw)",
            summary: "a path the spec does not describe",
            // Defaults, which the call's options override (`safe`, `with_key`).
            requires_auth: false,
            retry: RetryClass::Charge,
            params: &[],
            body: None,
            response: Response {
                media: super::spec::Media::Json,
                schema: None,
                decodes: |d| decode::fits(decode::json::<Value>, d),
            },
            paging: None,
            intent: None,
        };)*

        /// The operation a raw call of `method` is.
        fn op(method: Method) -> &'static Operation {
            match method {
                $(Method::$method => &$name,)*
            }
        }
    };
}

raw_ops! {
    GET: Get; PUT: Put; POST: Post; DELETE: Delete; OPTIONS: Options; HEAD: Head; PATCH: Patch; TRACE: Trace;
}

/// A raw call of `method` to `path` (relative to the base URL, query included).
#[doc(hidden)]
pub fn call(core: &Arc<Core>, method: Method, path: impl Into<String>) -> Call<'_, Value> {
    Call::new(core, op(method), decode::json::<Value>).raw_path(path.into())
}

impl Call<'_, Value> {
    /// Declare this raw call safe to send twice (a read): retried like the
    /// spec's safe operations. Undeclared, it is never re-sent once it may have
    /// reached the server.
    pub fn safe(self) -> Self {
        self.options(|o| o.retry_class = Some(RetryClass::Safe))
    }

    /// Send the client's key with this raw call.
    pub fn with_key(self) -> Self {
        self.options(|o| o.send_key = Some(true))
    }

    /// The JSON body of this raw call.
    pub fn json(self, body: Value) -> Self {
        self.body::<Value, _>(body)
    }
}
