//! The error of the generated types' conversions and builders, as data: which
//! field, and whether it was not set or what its conversion said.

use crate::error::{InvalidInput, Violation};
use crate::runtime::spec::{Operation, Rule, Schema};
use std::borrow::Cow;
use std::fmt;

/// Why a builder could not become its type (`types::error::ConversionError`): a
/// required field was not set, or a setter's conversion failed (a `uuid` that
/// does not parse). A call turns it into an [`Error::InvalidInput`](crate::Error)
/// naming the field and the spec's rule; nothing is sent. The spec's rules on
/// values (lengths, patterns, ranges) are checked by the call's one validator,
/// with the same kind of error, when the body is written.
///
/// ```
/// use billing_clients::funnelfox::types::CancelIn;
///
/// let unset = CancelIn::try_from(CancelIn::builder().external_id("user-1")).unwrap_err();
/// assert_eq!(unset.field(), "order_id");
/// assert_eq!(unset.to_string(), "`order_id` is required");
///
/// let not_a_uuid = CancelIn::builder().external_id("user-1").order_id("7781");
/// let error = CancelIn::try_from(not_a_uuid).unwrap_err();
/// assert_eq!(error.field(), "order_id");
/// assert!(error.to_string().starts_with("`order_id` could not be converted"), "{error}");
/// ```
#[derive(Clone)]
pub struct ConversionError(Repr);

/// Small: every unset field of a builder holds one.
#[derive(Clone)]
enum Repr {
    /// A required field (its path) not set.
    Unset(Cow<'static, str>),
    /// A conversion that failed: the field path (empty for a value converted
    /// alone) and what the conversion said.
    Said(Box<(Cow<'static, str>, Cow<'static, str>)>),
}

impl ConversionError {
    /// A builder's required `field`, not set (generated code).
    #[doc(hidden)]
    pub const fn unset(field: &'static str) -> Self {
        Self(Repr::Unset(Cow::Borrowed(field)))
    }

    /// A builder's setter of `field` whose conversion failed with `error`
    /// (generated code): ours (a nested builder's) is kept under
    /// `field.inner`; another's is kept as it reads.
    #[doc(hidden)]
    pub fn in_field<E: fmt::Display + 'static>(field: &'static str, error: E) -> Self {
        let Some(Self(ours)) = (&error as &dyn std::any::Any).downcast_ref::<Self>() else {
            return Self(Repr::Said(Box::new((
                Cow::Borrowed(field),
                Cow::Owned(error.to_string()),
            ))));
        };
        let under = |inner: &str| match inner {
            "" => Cow::Borrowed(field),
            inner => Cow::Owned(format!("{field}.{inner}")),
        };
        Self(match ours {
            Repr::Unset(inner) => Repr::Unset(under(inner)),
            Repr::Said(said) => Repr::Said(Box::new((under(&said.0), said.1.clone()))),
        })
    }

    /// The field path (`reason`, `customer.email`); empty for a value converted alone.
    pub fn field(&self) -> &str {
        match &self.0 {
            Repr::Unset(field) => field,
            Repr::Said(said) => &said.0,
        }
    }

    /// The call's input error: the field and the rule, looked up in the
    /// operation's body schema when the conversion gave only words (a
    /// `uuid` or an enum value that does not parse).
    pub(crate) fn into_invalid(self, op: &Operation) -> InvalidInput {
        let (field, violation) = match self.0 {
            Repr::Unset(field) => (field.into_owned(), Violation::Required),
            Repr::Said(said) => {
                let (field, words) = *said;
                let field = if field.is_empty() {
                    "body".to_string()
                } else {
                    field.into_owned()
                };
                let rule = op.body.as_ref().and_then(|b| declared(b.schema, &field));
                (
                    field,
                    rule.map_or_else(|| Violation::Format(words.into_owned()), Violation::Rule),
                )
            }
        };
        InvalidInput::new(Some(op.id), field, violation)
    }
}

/// The `enum` or `format` rule declared for `path` (`a.b`) in `schema`.
fn declared(schema: &'static Schema, path: &str) -> Option<Rule> {
    let mut at = schema;
    for name in path.split('.') {
        at = at.properties.iter().find(|p| p.name == name)?.schema;
    }
    at.rules
        .iter()
        .find(|r| matches!(r, Rule::Enum(_) | Rule::Format(_)))
        .copied()
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.field().is_empty() {
            write!(f, "`{}` ", self.field())?;
        }
        match &self.0 {
            Repr::Unset(_) => Violation::Required.fmt(f),
            Repr::Said(said) => write!(f, "could not be converted: {}", said.1),
        }
    }
}

impl fmt::Debug for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConversionError({self})")
    }
}

impl std::error::Error for ConversionError {}

impl From<&'static str> for ConversionError {
    fn from(words: &'static str) -> Self {
        Self(Repr::Said(Box::new((Cow::Borrowed(""), Cow::Borrowed(words)))))
    }
}

impl From<String> for ConversionError {
    fn from(words: String) -> Self {
        Self(Repr::Said(Box::new((Cow::Borrowed(""), Cow::Owned(words)))))
    }
}

impl From<std::convert::Infallible> for ConversionError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
