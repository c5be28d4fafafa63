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
pub struct ConversionError {
    field: Cow<'static, str>,
    why: Why,
}

#[derive(Clone)]
enum Why {
    Unset,
    Said(Cow<'static, str>),
}

impl ConversionError {
    /// A builder's required `field`, not set (generated code).
    #[doc(hidden)]
    pub const fn unset(field: &'static str) -> Self {
        Self {
            field: Cow::Borrowed(field),
            why: Why::Unset,
        }
    }

    /// A builder's setter of `field` whose conversion failed with `error`
    /// (generated code): ours (a nested builder's) is kept under
    /// `field.inner`; another's is kept as it reads.
    #[doc(hidden)]
    pub fn in_field<E: fmt::Display + 'static>(field: &'static str, error: E) -> Self {
        match (&error as &dyn std::any::Any).downcast_ref::<Self>() {
            Some(ours) if ours.field.is_empty() => Self {
                field: Cow::Borrowed(field),
                why: ours.why.clone(),
            },
            Some(ours) => Self {
                field: Cow::Owned(format!("{field}.{}", ours.field)),
                why: ours.why.clone(),
            },
            None => Self {
                field: Cow::Borrowed(field),
                why: Why::Said(Cow::Owned(error.to_string())),
            },
        }
    }

    /// The field path (`reason`, `customer.email`); empty for a value converted alone.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The call's input error: the field and the rule, looked up in the
    /// operation's body schema when the conversion gave only words (a
    /// `uuid` or an enum value that does not parse).
    pub(crate) fn into_invalid(self, op: &Operation) -> InvalidInput {
        let field = if self.field.is_empty() {
            "body".into()
        } else {
            self.field.into_owned()
        };
        let violation = match self.why {
            Why::Unset => Violation::Required,
            Why::Said(words) => op
                .body
                .as_ref()
                .and_then(|b| declared(b.schema, &field))
                .map_or_else(|| Violation::Format(words.into_owned()), Violation::Rule),
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
        if !self.field.is_empty() {
            write!(f, "`{}` ", self.field)?;
        }
        match &self.why {
            Why::Unset => Violation::Required.fmt(f),
            Why::Said(words) => write!(f, "could not be converted: {words}"),
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
        Self {
            field: Cow::Borrowed(""),
            why: Why::Said(Cow::Borrowed(words)),
        }
    }
}

impl From<String> for ConversionError {
    fn from(words: String) -> Self {
        Self {
            field: Cow::Borrowed(""),
            why: Why::Said(Cow::Owned(words)),
        }
    }
}

impl From<std::convert::Infallible> for ConversionError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
