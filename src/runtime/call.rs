//! [`Call`]: what every generated method returns. A request as data: await it to
//! send it, or set options for this one call first.

use super::retry::RetryPolicy;
use super::spec::{Location, Media, Operation, Schema};
use super::upload::{self, Part, Upload};
use super::{CallOptions, Core, url, validate};
use crate::error::{Error, InvalidInput, Violation};
use bytes::Bytes;
use reqwest::header::HeaderValue;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

mod send;

/// A request body as sent, and its media type.
pub(crate) type Encoded = (Bytes, HeaderValue);

/// A JSON body as serialised, and the schema it was shown to satisfy while it
/// was written (if it was: see `validate::to_vec_checked`).
struct Serialised {
    bytes: Bytes,
    satisfies: Option<&'static Schema>,
}

/// One call of an operation, sent when awaited:
///
/// ```no_run
/// # async fn run(client: billing_clients::funnelfox::Client) -> billing_clients::Result<()> {
/// use billing_clients::{RetryPolicy, funnelfox::types};
/// use std::time::Duration;
///
/// let paid = client
///     .one_click(types::OneClick::builder().external_id("user-42").pp_ident("pro_yearly"))
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::none())
///     .await?;
/// # Ok(()) }
/// ```
///
/// Nothing is checked or sent before it is awaited; then credentials, every
/// declared constraint of the parameters and body are checked, and a violation
/// is an [`Error::InvalidInput`] with nothing sent.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T> {
    core: &'a Arc<Core>,
    op: &'static Operation,
    decode: fn(Bytes) -> Result<T, String>,
    /// A JSON answer's one-pass read ([`Call::json_answer`]).
    one_pass: Option<OnePass<T>>,
    params: Vec<Value>,
    body: Option<Result<Serialised, Error>>,
    form: Vec<(&'static str, Part)>,
    options: Option<CallOptions>,
    headers: Vec<(String, String)>,
    validated: bool,
    raw_path: Option<String>,
}

/// A JSON answer read in one pass ([`super::decode::answer`]).
type OnePass<T> = fn(&super::decode::Success, &[u8]) -> Option<(T, Option<String>)>;

impl<T> std::fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the body or parameters: they may carry personal data.
        f.debug_struct("Call")
            .field("operation", &self.op.id)
            .finish_non_exhaustive()
    }
}

impl<'a, T> Call<'a, T> {
    #[doc(hidden)]
    pub fn new(core: &'a Arc<Core>, op: &'static Operation, decode: fn(Bytes) -> Result<T, String>) -> Self {
        Self {
            core,
            op,
            decode,
            one_pass: None,
            params: Vec::with_capacity(op.params.len()),
            body: None,
            form: Vec::new(),
            options: None,
            headers: Vec::new(),
            validated: true,
            raw_path: None,
        }
    }

    /// A call whose JSON answer is `T`: a success is read in one pass
    /// ([`super::decode::answer`]), anything else as [`Call::new`] reads it.
    #[doc(hidden)]
    pub fn json_answer(core: &'a Arc<Core>, op: &'static Operation) -> Self
    where
        T: serde::de::DeserializeOwned,
    {
        let mut call = Self::new(core, op, super::decode::json::<T>);
        call.one_pass = Some(super::decode::answer::<T>);
        call
    }

    /// The next parameter, in the order of `op.params` (`Null` when not given).
    #[doc(hidden)]
    pub fn param(mut self, value: Value) -> Self {
        self.params.push(value);
        self
    }

    /// The request body: the generated type or its builder.
    #[doc(hidden)]
    pub fn body<B: serde::Serialize, I: crate::IntoBody<B>>(mut self, body: I) -> Self {
        self.body = Some(body_bytes(self.op, body).map_err(Error::from));
        self
    }

    /// A text field of a `multipart/form-data` body (`Null` when not given).
    #[doc(hidden)]
    pub fn field(mut self, name: &'static str, value: Value) -> Self {
        if !value.is_null() {
            self.form.push((name, Part::Text(value)));
        }
        self
    }

    /// A file of a `multipart/form-data` body.
    #[doc(hidden)]
    pub fn upload(mut self, name: &'static str, file: impl Into<Upload>) -> Self {
        self.form.push((name, Part::File(file.into())));
        self
    }

    /// A path the spec does not describe (the raw escape hatch).
    pub(crate) fn raw_path(mut self, path: String) -> Self {
        self.raw_path = Some(path);
        self
    }

    /// The operation this call is of.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }

    fn options_mut(&mut self) -> &mut CallOptions {
        self.options.get_or_insert_with(|| self.core.options.clone())
    }

    /// Limit for this whole call, retries included.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.options_mut().call_timeout = d;
        self
    }

    /// Limit for each attempt of this call.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.options_mut().attempt_timeout = d;
        self
    }

    /// How this call is retried; [`RetryPolicy::none`] sends it once at most.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options_mut().retry = policy;
        self
    }

    /// An extra header on this call (a correlation id, say). The headers the
    /// client sets itself cannot be replaced this way: the key's, `content-type`,
    /// `content-length`, `host`, `user-agent`; naming one fails the call before
    /// sending. Header values are never logged.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Send this call without checking it against the spec's constraints (typed
    /// requests still hold what their types hold). The specs are rebuilt from
    /// third-party pages and can be wrong: this is the way out until a release
    /// corrects one.
    pub fn unvalidated(mut self) -> Self {
        self.validated = false;
        self
    }

    /// Change any option of this call.
    pub fn options(mut self, f: impl FnOnce(&mut CallOptions)) -> Self {
        f(self.options_mut());
        self
    }

    /// Check everything, then send: the request path and body (bytes, media type).
    fn prepare(&mut self) -> Result<(Cow<'static, str>, Option<Encoded>), Error> {
        let op = self.op;
        self.core
            .check_auth(op, self.options.as_ref().unwrap_or(&self.core.options))?;
        let mut path: Cow<'static, str> = match self.raw_path.take() {
            Some(raw) if raw.starts_with('/') => raw.into(),
            Some(raw) => format!("/{raw}").into(),
            None => op.path.into(),
        };
        let mut query = Vec::new();
        for (param, value) in op.params.iter().zip(&self.params) {
            if self.validated {
                validate::check_param(op, param, value)?;
            }
            match (param.location, value) {
                (_, Value::Null) => {}
                (Location::Path, v) => path = path.replace(&format!("{{{}}}", param.name), &url::segment(v)).into(),
                (Location::Query, v) => query.push((param.name, url::query_value(v))),
            }
        }
        if !query.is_empty() {
            let path = path.to_mut();
            path.push('?');
            path.push_str(&url::query(&query));
        }
        let body = match (self.body.take(), &op.body) {
            (_, Some(spec)) if spec.media == Media::Multipart => {
                // Checked as the object its fields make (a file stands as a string).
                let fields = self
                    .form
                    .iter()
                    .map(|(name, part)| match part {
                        Part::Text(v) => (name.to_string(), v.clone()),
                        Part::File(u) => (name.to_string(), Value::String(u.filename().to_string())),
                    })
                    .collect();
                if self.validated {
                    validate::check_body(op, spec.schema, &Value::Object(fields))?;
                }
                let (bytes, media) = upload::encode(&self.form);
                let media = HeaderValue::from_str(&media).map_err(|e| {
                    Error::from(InvalidInput::new(Some(op.id), "body", Violation::Format(e.to_string())))
                })?;
                Some((bytes, media))
            }
            (None, _) => None,
            (Some(body), spec) => {
                let Serialised { bytes, satisfies } = body?;
                // Checked as it was written; only a body that may break a rule
                // is parsed, to name the rule it breaks.
                if let (Some(spec), true) = (spec, self.validated)
                    && !satisfies.is_some_and(|s| std::ptr::eq(s, spec.schema))
                {
                    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                        Error::from(InvalidInput::new(Some(op.id), "body", Violation::Format(e.to_string())))
                    })?;
                    validate::check_body(op, spec.schema, &value)?;
                }
                Some((bytes, HeaderValue::from_static("application/json")))
            }
        };
        Ok((path, body))
    }

    /// The extra headers, checked: valid, and none the client sets itself.
    fn extra_headers(&self) -> Result<reqwest::header::HeaderMap, Error> {
        use reqwest::header::{HeaderName, HeaderValue};
        let mut out = reqwest::header::HeaderMap::new();
        let own = super::hooks::OWN_HEADERS;
        let auth = self.core.spec().auth_header.unwrap_or_default();
        for (name, value) in &self.headers {
            let bad = |why: &str| {
                Error::from(InvalidInput::new(
                    Some(self.op.id),
                    name.as_str(),
                    Violation::Format(why.into()),
                ))
            };
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("is not a header name"))?;
            if header.as_str().eq_ignore_ascii_case(auth) || own.contains(&header.as_str()) {
                return Err(bad("is set by the client only"));
            }
            let mut value = HeaderValue::from_str(value).map_err(|_| bad("has a value that is not a header value"))?;
            value.set_sensitive(true);
            out.append(header, value);
        }
        Ok(out)
    }

    /// Give this money-moving call your own intent key (`"upgrade-7781"`): it
    /// is written to the client's journal before the request leaves and its
    /// outcome after, so a second call with the key sends nothing and answers
    /// the recorded outcome, or, while that is unknown, an error
    /// ([`Error::is_intent_in_doubt`]). See [`intents`](super::intents).
    ///
    /// ```no_run
    /// # async fn run(client: billing_clients::funnelfox::Client) -> billing_clients::Result<()> {
    /// use billing_clients::funnelfox::types;
    /// use billing_clients::runtime::intents::Settled;
    ///
    /// let buy = types::OneClick::builder().external_id("user-42").pp_ident("pro_yearly");
    /// match client.one_click(buy).intent("upgrade-7781").await? {
    ///     Settled::Sent(paid) | Settled::Recorded(paid) => println!("{:?}", paid.checkout_status),
    ///     Settled::Found(ids) => println!("it went through earlier: {ids:?}"),
    ///     _ => {}
    /// }
    /// # Ok(()) }
    /// ```
    pub fn intent(self, key: impl Into<String>) -> super::intents::IntentCall<'a, T> {
        super::intents::IntentCall::new(self, key.into())
    }
}

/// A body (the generated type or its builder) serialised once, as it is sent,
/// and checked against the operation's schema as it is written; a builder's
/// refusal names the field and the rule.
fn body_bytes<B: serde::Serialize, I: crate::IntoBody<B>>(
    op: &'static Operation,
    body: I,
) -> Result<Serialised, InvalidInput> {
    let body = body
        .try_into()
        .map_err(|e| Into::<validate::ConversionError>::into(e).into_invalid(op))?;
    let written = match &op.body {
        Some(spec) => {
            validate::to_vec_checked(&body, spec.schema).map(|(bytes, ok)| (bytes, ok.then_some(spec.schema)))
        }
        None => serde_json::to_vec(&body).map(|bytes| (bytes, None)),
    };
    let (bytes, satisfies) =
        written.map_err(|e| InvalidInput::new(Some(op.id), "body", Violation::Format(e.to_string())))?;
    Ok(Serialised {
        bytes: Bytes::from(bytes),
        satisfies,
    })
}

/// A body (the generated type or its builder) as the JSON that would be sent; a
/// builder's refusal names the field and the rule.
pub(crate) fn body_json<B: serde::Serialize, I: crate::IntoBody<B>>(
    op: &'static Operation,
    body: I,
) -> Result<Value, InvalidInput> {
    let body = body
        .try_into()
        .map_err(|e| Into::<validate::ConversionError>::into(e).into_invalid(op))?;
    serde_json::to_value(&body).map_err(|e| InvalidInput::new(Some(op.id), "body", Violation::Format(e.to_string())))
}
