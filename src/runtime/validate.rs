//! Client-side enforcement of every constraint the spec declares, driven by the
//! schemas `build.rs` emits (so it follows the spec when the spec changes). It runs
//! on the JSON that would be sent, after typify's own checks, and so also catches
//! what typify does not enforce (integer `minimum`/`maximum`, array sizes), through
//! nested objects, array items and `anyOf` / `oneOf` / `allOf`.
//!
//! One schema model ([`Schema`], emitted per spec) and one reading of each rule
//! ([`satisfies`]), applied twice: `to_vec_checked` follows the schema while a
//! body is serialised (typed bodies and raw JSON alike) and answers only
//! "satisfied" or "not shown"; [`check`] walks a parsed value and names the
//! violation. So a body is parsed and walked only when it may break a rule.

use super::spec::{Operation, Param, Schema};
use crate::error::{InvalidInput, Violation};
use serde_json::Value;

mod conversion;
mod on_write;
mod pattern;
mod rules;
mod walk;

pub use conversion::ConversionError;
pub(crate) use on_write::to_vec_checked;
pub use pattern::Pattern;
pub use rules::satisfies;
pub use walk::check;

/// Check a request body; the error names the field (`a.b`, `list[2].c`).
pub fn check_body(op: &Operation, schema: &Schema, body: &Value) -> Result<(), InvalidInput> {
    check(schema, body, "").map_err(|(field, v)| {
        let field = if field.is_empty() { "body".to_string() } else { field };
        InvalidInput::new(Some(op.id), field, v)
    })
}

/// Check one parameter (`Null` when not given).
pub fn check_param(op: &Operation, param: &Param, value: &Value) -> Result<(), InvalidInput> {
    let fail = |field: String, v| InvalidInput::new(Some(op.id), field, v);
    match value {
        Value::Null if param.required => Err(fail(param.name.to_string(), Violation::Required)),
        Value::Null => Ok(()),
        v => check(param.schema, v, param.name).map_err(|(f, v)| fail(f, v)),
    }
}
