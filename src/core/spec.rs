//! The shape of the metadata `build.rs` emits for each provider (see `codegen/meta.rs`):
//! everything the wrapper needs from a spec that progenitor does not act on.

/// A provider's API as its corrected spec declares it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Spec {
    /// `info.title` of the spec.
    pub title: &'static str,
    /// The server URL template, e.g. `https://billing.funnelfox.com/{org_id}/v1`.
    pub server_url: &'static str,
    /// The variables of [`Spec::server_url`].
    pub server_variables: &'static [ServerVariable],
    /// The header of the spec's apiKey security scheme, if any.
    pub auth_header: Option<&'static str>,
    /// Every operation, in spec order.
    pub operations: &'static [Operation],
    /// What the spec pipeline corrected in the upstream pages.
    pub corrections: &'static [&'static str],
}

impl Spec {
    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&'static Operation> {
        self.operations.iter().find(|op| op.id == id)
    }
}

/// A `{variable}` of the server URL template.
#[derive(Debug)]
#[non_exhaustive]
pub struct ServerVariable {
    /// Its name, as written between braces.
    pub name: &'static str,
    /// The spec's placeholder default (never used to send a request).
    pub default: &'static str,
    /// The spec's description.
    pub description: &'static str,
}

/// One operation of the spec.
#[derive(Debug)]
#[non_exhaustive]
pub struct Operation {
    /// The `operationId` (derived from the path where upstream has none).
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template relative to the server URL.
    pub path: &'static str,
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// Whether the operation's `security` requires the API key.
    pub requires_auth: bool,
    /// How the operation may be retried (`x-billing-retry`; `charge` when absent).
    pub retry: RetryClass,
    /// Constraints on path and query parameters.
    pub params: &'static [Field],
    /// Constraints on the JSON request body's fields (dotted for nested fields).
    pub body: &'static [Field],
}

/// Whether an operation is safe to send twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Repeating it has no further effect (reads, creating a checkout session):
    /// retried on connection failures, timeouts, 5xx and 429.
    Safe,
    /// It may move money: re-sent only when the request provably never reached the
    /// server (connect failure) or the server said it did not process it (429, or
    /// 503 with `Retry-After`).
    Charge,
}

/// The constraints on one field.
#[derive(Debug)]
#[non_exhaustive]
pub struct Field {
    /// Field name; `a.b` for `b` inside object `a`.
    pub name: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// The rules its value must satisfy.
    pub rules: &'static [Rule],
}

/// JSON value types a field may be declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum JsonType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

/// One declared constraint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// The value's JSON type.
    Type(JsonType),
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// At least this many characters.
    MinLength(u64),
    /// At most this many characters.
    MaxLength(u64),
    /// Matches this ECMA-262 regular expression.
    Pattern(&'static str),
    /// A string format; `uuid` and `decimal` are checked, others are not.
    Format(&'static str),
    /// A lower bound.
    Minimum {
        /// The bound.
        value: f64,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// An upper bound.
    Maximum {
        /// The bound.
        value: f64,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
}
