//! Requests checked the way the specs say, with no rule written twice: first the
//! spec's schemas (`runtime::validate`, which also enforces what typify does not,
//! such as integer `minimum`), then the generated request type's own
//! `Deserialize` (required fields, patterns, lengths, enums, uuids).

use crate::Violation;
use crate::runtime::spec::Operation;
use crate::runtime::validate;
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

/// The body of operation `op` as JSON, checked against the spec's schema.
pub(crate) fn check(op: &'static Operation, body: &[u8]) -> Result<Value, Refused> {
    let Some(spec) = &op.body else {
        return Ok(Value::Null);
    };
    let json: Value =
        serde_json::from_slice(body).map_err(|e| Refused::Malformed(format!("the body is not valid JSON: {e}")))?;
    if !json.is_object() {
        return Err(Refused::invalid("body", None, "the body must be a JSON object".into()));
    }
    validate::check_body(op, spec.schema, &json).map_err(from_input)?;
    Ok(json)
}

/// A `multipart/form-data` body as the object its fields make (a file part
/// as its contents, as text), checked against the spec's schema.
pub(crate) fn check_form(op: &'static Operation, content_type: &str, body: &[u8]) -> Result<Value, Refused> {
    let Some(spec) = &op.body else {
        return Ok(Value::Null);
    };
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .ok_or_else(|| Refused::Malformed("a multipart body without a boundary".into()))?;
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")).skip(1) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue; // the closing `--`
        };
        let attr = |key: &str| {
            head.split(';')
                .find_map(|p| p.trim().strip_prefix(&format!("{key}=\"")))
                .and_then(|v| v.split('"').next())
                .map(str::to_string)
        };
        let Some(name) = attr("name") else {
            return Err(Refused::Malformed("a form part without a name".into()));
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        fields.insert(name, Value::String(value.to_string()));
    }
    let form = Value::Object(fields);
    validate::check_body(op, spec.schema, &form).map_err(from_input)?;
    Ok(form)
}

/// The body of operation `op` as its generated request type.
pub(crate) fn parse<T: DeserializeOwned>(op: &'static Operation, body: &[u8]) -> Result<T, Refused> {
    let json = check(op, body)?;
    serde_json::from_value(json).map_err(|e| Refused::invalid("body", None, format!("the body does not fit: {e}")))
}

/// Check the path and query parameters of operation `op`, given as (name, value).
pub(crate) fn check_params(op: &'static Operation, params: &[(String, String)]) -> Result<(), Refused> {
    for p in op.params {
        let value = params
            .iter()
            .find(|(n, _)| n == p.name)
            .map_or(Value::Null, |(_, v)| typed(p.schema, v));
        validate::check_param(op, p, &value).map_err(from_input)?;
    }
    Ok(())
}

/// A parameter's text as the JSON value its schema's type reads it as.
fn typed(schema: &crate::runtime::spec::Schema, text: &str) -> Value {
    use crate::runtime::spec::JsonType;
    let parsed = match schema.types.first() {
        Some(JsonType::Integer | JsonType::Number | JsonType::Boolean) => serde_json::from_str(text).ok(),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}
