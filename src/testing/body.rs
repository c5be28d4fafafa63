//! Requests checked the way the specs say, with no rule written twice: first the
//! spec's constraint table (`core::validate`, which also enforces what typify does
//! not, such as integer `minimum`), then the generated request type's own
//! `Deserialize` (required fields, patterns, lengths, enums, uuids).

use crate::Violation;
use crate::core::spec::Spec;
use crate::core::validate;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a request was refused.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The body is not JSON at all.
    Malformed(String),
    /// A field breaks a rule of the spec (`field` is `body` when none is named).
    Invalid {
        field: String,
        violation: Option<Violation>,
        message: String,
    },
}

impl Refused {
    /// A one-line description.
    pub(crate) fn message(&self) -> &str {
        match self {
            Refused::Malformed(m) | Refused::Invalid { message: m, .. } => m,
        }
    }

    fn invalid(field: &str, violation: Option<Violation>, message: String) -> Self {
        Refused::Invalid {
            field: field.to_string(),
            violation,
            message,
        }
    }
}

fn from_input(e: crate::InvalidInput) -> Refused {
    let message = format!("`{}` {}", e.field, e.violation);
    Refused::invalid(&e.field, Some(e.violation), message)
}

/// The body of operation `op` as its generated request type.
pub(crate) fn parse<T: DeserializeOwned>(spec: &'static Spec, op: &str, body: &[u8]) -> Result<T, Refused> {
    let json: Value =
        serde_json::from_slice(body).map_err(|e| Refused::Malformed(format!("the body is not valid JSON: {e}")))?;
    if !json.is_object() {
        return Err(Refused::invalid("body", None, "the body must be a JSON object".into()));
    }
    if let Some(op) = spec.operation(op) {
        validate::check_body(op, &json).map_err(from_input)?;
    }
    serde_json::from_value(json).map_err(|e| Refused::invalid("body", None, format!("the body does not fit: {e}")))
}

/// Check path parameters of operation `op`, given as (name, value).
pub(crate) fn check_params(spec: &'static Spec, op: &str, params: &[(&str, &str)]) -> Result<(), Refused> {
    let Some(op) = spec.operation(op) else {
        return Ok(());
    };
    let json = params.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    validate::check_params(op, &Value::Object(json)).map_err(from_input)
}
