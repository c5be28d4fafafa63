//! The walker: a parsed value checked against its schema, naming the place and the rule broken.

use super::rules::satisfies;
use crate::error::Violation;
use crate::runtime::spec::{JsonType, Schema};
use serde_json::Value;

/// Where in the value a check is, built only when a check fails (valid input,
/// the common case, costs no allocation).
#[derive(Clone, Copy)]
enum At<'a> {
    Root(&'a str),
    Field(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    /// `a.b`, `list[2].c`: a field under an empty root is its bare name.
    fn render(&self) -> String {
        match self {
            At::Root(at) => at.to_string(),
            At::Field(parent, name) => match parent.render() {
                at if at.is_empty() => name.to_string(),
                at => format!("{at}.{name}"),
            },
            At::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// Check `value` against `schema`; the error is the place and the rule broken.
pub fn check(schema: &Schema, value: &Value, at: &str) -> Result<(), (String, Violation)> {
    check_at(schema, value, &At::Root(at))
}

fn check_at(schema: &Schema, value: &Value, at: &At<'_>) -> Result<(), (String, Violation)> {
    let fail = |v| Err((at.render(), v));
    if value.is_null() {
        return if schema.nullable || schema.types.is_empty() {
            Ok(())
        } else {
            fail(Violation::NotNullable)
        };
    }
    if !schema.types.is_empty() && !type_of(value).iter().any(|t| schema.types.contains(t)) {
        return fail(Violation::Type(schema.types));
    }
    for rule in schema.rules {
        if !satisfies(rule, value) {
            return fail(Violation::Rule(*rule));
        }
    }
    if let Value::Object(map) = value {
        for p in schema.properties {
            let here = At::Field(at, p.name);
            match map.get(p.name) {
                None if p.required => return Err((here.render(), Violation::Required)),
                None => {}
                Some(v) => check_at(p.schema, v, &here)?,
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.items) {
        for (i, v) in items.iter().enumerate() {
            check_at(item, v, &At::Index(at, i))?;
        }
    }
    for s in schema.all_of {
        check_at(s, value, at)?;
    }
    // oneOf is read as anyOf: typify's untagged enums take the first that fits.
    for alternatives in [schema.any_of, schema.one_of] {
        if alternatives.is_empty() {
            continue;
        }
        let mut errors = alternatives.iter().map(|s| check_at(s, value, at));
        let first = errors.next().unwrap_or(Ok(()));
        if first.is_ok() || errors.any(|e| e.is_ok()) {
            continue;
        }
        return match alternatives {
            [_] => first,
            _ => fail(Violation::NoAlternative),
        };
    }
    Ok(())
}

fn type_of(v: &Value) -> &'static [JsonType] {
    match v {
        Value::String(_) => &[JsonType::String],
        Value::Number(n) if n.is_i64() || n.is_u64() => &[JsonType::Integer, JsonType::Number],
        Value::Number(_) => &[JsonType::Number],
        Value::Bool(_) => &[JsonType::Boolean],
        Value::Array(_) => &[JsonType::Array],
        Value::Object(_) => &[JsonType::Object],
        Value::Null => &[],
    }
}
