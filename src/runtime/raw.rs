//! The escape hatch: a call to a path the spec does not describe yet (FunnelFox
//! has undocumented checkout calls), on the same transport: limits, the retry
//! table (never re-sent once it may have reached the server, unless declared
//! [`Call::safe`]), scrubbing and the error type. The key is sent only when asked
//! ([`Call::with_key`]): an undocumented endpoint gets no secret by default.

use super::spec::{Operation, Response, RetryClass};
use super::{Call, Core, decode};
use serde_json::Value;
use std::sync::Arc;

/// The HTTP methods of a raw call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

macro_rules! raw_ops {
    ($($name:ident: $method:literal, $retry:ident, $auth:literal;)*) => {
        $(static $name: Operation = Operation {
            id: "raw",
            method: $method,
            path: "(raw)",
            summary: "a path the spec does not describe",
            requires_auth: $auth,
            retry: RetryClass::$retry,
            params: &[],
            body: None,
            response: Response {
                media: super::spec::Media::Json,
                schema: None,
                decodes: |d| decode::fits(decode::json::<Value>, d),
            },
            paging: None,
        };)*
    };
}

raw_ops! {
    GET: "GET", Charge, false; GET_SAFE: "GET", Safe, false; GET_KEY: "GET", Charge, true; GET_SAFE_KEY: "GET", Safe, true;
    POST: "POST", Charge, false; POST_SAFE: "POST", Safe, false; POST_KEY: "POST", Charge, true; POST_SAFE_KEY: "POST", Safe, true;
    PUT: "PUT", Charge, false; PUT_SAFE: "PUT", Safe, false; PUT_KEY: "PUT", Charge, true; PUT_SAFE_KEY: "PUT", Safe, true;
    PATCH: "PATCH", Charge, false; PATCH_SAFE: "PATCH", Safe, false; PATCH_KEY: "PATCH", Charge, true; PATCH_SAFE_KEY: "PATCH", Safe, true;
    DELETE: "DELETE", Charge, false; DELETE_SAFE: "DELETE", Safe, false; DELETE_KEY: "DELETE", Charge, true; DELETE_SAFE_KEY: "DELETE", Safe, true;
}

fn op(method: Method, safe: bool, key: bool) -> &'static Operation {
    use Method::*;
    match (method, safe, key) {
        (Get, false, false) => &GET,
        (Get, true, false) => &GET_SAFE,
        (Get, false, true) => &GET_KEY,
        (Get, true, true) => &GET_SAFE_KEY,
        (Post, false, false) => &POST,
        (Post, true, false) => &POST_SAFE,
        (Post, false, true) => &POST_KEY,
        (Post, true, true) => &POST_SAFE_KEY,
        (Put, false, false) => &PUT,
        (Put, true, false) => &PUT_SAFE,
        (Put, false, true) => &PUT_KEY,
        (Put, true, true) => &PUT_SAFE_KEY,
        (Patch, false, false) => &PATCH,
        (Patch, true, false) => &PATCH_SAFE,
        (Patch, false, true) => &PATCH_KEY,
        (Patch, true, true) => &PATCH_SAFE_KEY,
        (Delete, false, false) => &DELETE,
        (Delete, true, false) => &DELETE_SAFE,
        (Delete, false, true) => &DELETE_KEY,
        (Delete, true, true) => &DELETE_SAFE_KEY,
    }
}

fn method_of(o: &Operation) -> Method {
    match o.method {
        "GET" => Method::Get,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        _ => Method::Post,
    }
}

/// A raw call of `method` to `path` (relative to the base URL, query included).
#[doc(hidden)]
pub fn call(core: &Arc<Core>, method: Method, path: impl Into<String>) -> Call<'_, Value> {
    Call::new(core, op(method, false, false), decode::json::<Value>).raw_path(path.into())
}

impl Call<'_, Value> {
    /// Declare this raw call safe to send twice (a read): retried like the
    /// spec's safe operations. Undeclared, it is never re-sent once it may have
    /// reached the server.
    pub fn safe(self) -> Self {
        let o = self.operation();
        self.retarget(op(method_of(o), true, o.requires_auth))
    }

    /// Send the client's key with this raw call.
    pub fn with_key(self) -> Self {
        let o = self.operation();
        self.retarget(op(method_of(o), o.retry == RetryClass::Safe, true))
    }

    /// The JSON body of this raw call.
    pub fn json(self, body: Value) -> Self {
        self.body::<Value, _>(body)
    }
}
