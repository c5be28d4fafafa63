//! The shape of what `build.rs` emits for each provider (see `codegen/src/operations/`):
//! every operation of the corrected spec, with its auth, retry class, parameters,
//! and the schemas of its body and answer, as static data the core acts on.

pub use super::validate::Pattern;
pub use intent::{Expect, IntentRule, Lookup};

mod intent;

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
    /// Every object schema of `components` (webhook events too), by name order;
    /// each has its [`Schema::name`].
    pub components: &'static [&'static Schema],
    /// What the spec pipeline corrected in the upstream pages.
    pub corrections: &'static [&'static str],
    /// How a webhook event is confirmed with the API (`x-billing-read-back`),
    /// in declaration order: the first rule that fits an event applies.
    pub read_back: &'static [ReadBack],
}

impl Spec {
    /// The operation with this id (the method's name).
    pub fn operation(&self, id: &str) -> Option<&'static Operation> {
        let ops: &'static [Operation] = self.operations;
        ops.iter().find(|op| op.id == id)
    }

    /// The operation with this method and path relative to the server URL
    /// (`{name}` segments match any non-empty segment).
    pub fn route(&self, method: &str, path: &str) -> Option<&'static Operation> {
        let ops: &'static [Operation] = self.operations;
        ops.iter()
            .find(|op| op.method.as_str().eq_ignore_ascii_case(method) && matches_template(op.path, path))
    }
}

/// `/a/{x}/b` matches `/a/anything/b` (a non-empty segment for each `{x}`).
fn matches_template(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || (a.starts_with('{') && !b.is_empty()) => {}
            _ => return false,
        }
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
    /// The operation id: the client method's name, the same string everywhere
    /// (derived from the path where upstream has none, see the README).
    pub id: &'static str,
    /// Its HTTP method.
    pub method: HttpMethod,
    /// Path template relative to the server URL.
    pub path: &'static str,
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// Whether the operation's `security` requires the API key.
    pub requires_auth: bool,
    /// How the operation may be retried (`x-billing-retry`, else by HTTP method).
    pub retry: RetryClass,
    /// Path and query parameters, in the order the method takes them.
    pub params: &'static [Param],
    /// The request body, if the operation takes one.
    pub body: Option<Body>,
    /// What a success answers.
    pub response: Response,
    /// How it pages, when its answer is one page of many (`x-billing-paging`).
    pub paging: Option<&'static super::pages::Paging>,
    /// How a call whose answer was lost is looked up (`x-billing-intent`); every
    /// `charge` operation declares one. See [`super::intents`].
    pub intent: Option<&'static IntentRule>,
}

/// The HTTP methods an OpenAPI operation can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl HttpMethod {
    /// The method as sent, upper case (`"POST"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Head => "HEAD",
            Self::Patch => "PATCH",
            Self::Trace => "TRACE",
        }
    }

    /// The same method as reqwest's.
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Put => reqwest::Method::PUT,
            Self::Post => reqwest::Method::POST,
            Self::Delete => reqwest::Method::DELETE,
            Self::Options => reqwest::Method::OPTIONS,
            Self::Head => reqwest::Method::HEAD,
            Self::Patch => reqwest::Method::PATCH,
            Self::Trace => reqwest::Method::TRACE,
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for HttpMethod {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Whether an operation is safe to send twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Repeating it has no further effect (reads, creating a checkout session):
    /// retried on connection failures, timeouts, 5xx and 429.
    Safe,
    /// It may move money or change state: re-sent only when the request provably
    /// never reached the server (connect failure) or the server said it did not
    /// process it (429). The default for POST and PATCH.
    Charge,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
}

/// A path or query parameter.
#[derive(Debug)]
#[non_exhaustive]
pub struct Param {
    /// Its name in the spec.
    pub name: &'static str,
    /// Path or query.
    pub location: Location,
    /// Whether it must be given.
    pub required: bool,
    /// Its schema.
    pub schema: &'static Schema,
}

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json`.
    Json,
    /// Any `text/*` type (FunnelFox's CSV exports).
    Text,
    /// Anything else, as bytes.
    Bytes,
    /// `multipart/form-data` (file uploads).
    Multipart,
    /// No content.
    Empty,
}

/// A request body.
#[derive(Debug)]
#[non_exhaustive]
pub struct Body {
    /// Its media type, e.g. `application/json`.
    pub content_type: &'static str,
    /// Its encoding.
    pub media: Media,
    /// Its schema.
    pub schema: &'static Schema,
}

/// What a successful call answers.
#[derive(Debug)]
#[non_exhaustive]
pub struct Response {
    /// Its encoding ([`Media::Empty`] when the spec declares no content).
    pub media: Media,
    /// Its schema, for JSON answers.
    pub schema: Option<&'static Schema>,
    /// Decodes the data of an answer as the method does (its generated type).
    #[doc(hidden)]
    pub decodes: fn(bytes::Bytes) -> Result<(), String>,
}

/// A JSON Schema, as much of it as the specs use: what the validator checks and
/// what the fakes answer from.
#[derive(Debug)]
#[non_exhaustive]
pub struct Schema {
    /// The component it was declared as, if any.
    pub name: Option<&'static str>,
    /// The JSON types allowed; empty means any.
    pub types: &'static [JsonType],
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// Constraints on the value itself.
    pub rules: &'static [Rule],
    /// Declared properties of an object.
    pub properties: &'static [Property],
    /// The schema of an array's items.
    pub items: Option<&'static Schema>,
    /// The value must match at least one of these.
    pub any_of: &'static [&'static Schema],
    /// The value must match exactly one of these.
    pub one_of: &'static [&'static Schema],
    /// The value must match all of these.
    pub all_of: &'static [&'static Schema],
    /// The spec's `example` (else `default`), as JSON text.
    pub example: Option<&'static str>,
}

/// A declared property of an object schema.
#[derive(Debug)]
#[non_exhaustive]
pub struct Property {
    /// Its name.
    pub name: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// Whether it carries a secret, a token or personal data: the generated
    /// `Debug` prints it as `[redacted]` (see the README, "Production").
    pub sensitive: bool,
    /// Its schema.
    pub schema: &'static Schema,
}

/// JSON value types a schema may allow.
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
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// At least this many characters.
    MinLength(u64),
    /// At most this many characters.
    MaxLength(u64),
    /// Matches this ECMA-262 regular expression (its text: `.as_str()`).
    Pattern(&'static Pattern),
    /// A string format; `uuid`, `decimal` and `date-time` are checked, others are not.
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
    /// At least this many array items.
    MinItems(u64),
    /// At most this many array items.
    MaxItems(u64),
}

/// How webhook events of one type (and some subtypes) are confirmed with the
/// API, as declared by `x-billing-read-back`: call [`ReadBack::operation`]
/// with a body built from the event, find in the answer's list the object the
/// event names, and check that its state agrees.
#[derive(Debug)]
#[non_exhaustive]
pub struct ReadBack {
    /// The event type it confirms (`order`, `subscription`, ...).
    pub event_type: &'static str,
    /// The subtypes it confirms (their canonical spellings); empty: any.
    pub subtypes: &'static [&'static str],
    /// The read that confirms them.
    pub operation: &'static Operation,
    /// Each request field, with the event paths (dotted) that hold its value:
    /// the first present is sent; every other present must be the same.
    pub request: &'static [(&'static str, &'static [&'static str])],
    /// The answer's list of objects.
    pub items: &'static str,
    /// Each field of an object that must equal the event's value at a path
    /// (the event's object is the one these pick out).
    pub matches: &'static [(&'static str, &'static str)],
    /// Each field of that object whose truth must be this (`true`: true, or a
    /// non-zero amount, or a non-empty string; `false`: absent, null, false,
    /// zero or empty).
    pub expect: &'static [(&'static str, bool)],
}

#[cfg(test)]
mod tests {
    use super::matches_template;

    #[test]
    fn templates() {
        assert!(matches_template("/billing/balance/{id}", "/billing/balance/x"));
        assert!(!matches_template("/billing/balance/{id}", "/billing/balance/"));
        assert!(!matches_template("/billing/balance/{id}", "/billing/balance/x/y"));
        assert!(matches_template("/checkout/one_click", "/checkout/one_click"));
    }
}
