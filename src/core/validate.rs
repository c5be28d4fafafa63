//! Client-side enforcement of every constraint the spec declares, driven by the
//! schemas `build.rs` emits (so it follows the spec when the spec changes). It runs
//! on the JSON that would be sent, after typify's own checks, and so also catches
//! what typify does not enforce (integer `minimum`/`maximum`, array sizes), through
//! nested objects, array items and `anyOf` / `oneOf` / `allOf`.

use super::spec::{JsonType, Operation, Param, Rule, Schema};
use crate::error::{InvalidInput, Violation};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

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

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// Check `value` against `schema`; the error is the place and the rule broken.
pub fn check(schema: &Schema, value: &Value, at: &str) -> Result<(), (String, Violation)> {
    let fail = |v| Err((at.to_string(), v));
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
            match map.get(p.name) {
                None if p.required => return Err((join(at, p.name), Violation::Required)),
                None => {}
                Some(v) => check(p.schema, v, &join(at, p.name))?,
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.items) {
        for (i, v) in items.iter().enumerate() {
            check(item, v, &format!("{at}[{i}]"))?;
        }
    }
    for s in schema.all_of {
        check(s, value, at)?;
    }
    // oneOf is read as anyOf: typify's untagged enums take the first that fits.
    for alternatives in [schema.any_of, schema.one_of] {
        if alternatives.is_empty() {
            continue;
        }
        let mut errors = alternatives.iter().map(|s| check(s, value, at));
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

/// Whether `value` satisfies `rule` (rules of another type than the value's are
/// vacuous: the schema's type reports the mismatch).
pub fn satisfies(rule: &Rule, value: &Value) -> bool {
    match (rule, value) {
        (Rule::Enum(values), Value::String(s)) => values.contains(&s.as_str()),
        (Rule::MinLength(n), Value::String(s)) => s.chars().count() as u64 >= *n,
        (Rule::MaxLength(n), Value::String(s)) => s.chars().count() as u64 <= *n,
        (Rule::Pattern(p), Value::String(s)) => pattern_matches(p, s),
        (Rule::Format("uuid"), Value::String(s)) => uuid::Uuid::try_parse(s).is_ok(),
        (Rule::Format("decimal"), Value::String(s)) => s.parse::<rust_decimal::Decimal>().is_ok(),
        (Rule::Minimum { value: m, exclusive }, Value::Number(n)) => {
            n.as_f64().is_some_and(|x| if *exclusive { x > *m } else { x >= *m })
        }
        (Rule::Maximum { value: m, exclusive }, Value::Number(n)) => {
            n.as_f64().is_some_and(|x| if *exclusive { x < *m } else { x <= *m })
        }
        (Rule::MinItems(n), Value::Array(a)) => a.len() as u64 >= *n,
        (Rule::MaxItems(n), Value::Array(a)) => a.len() as u64 <= *n,
        _ => true,
    }
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

/// Patterns come from the spec (a handful), compiled once with the engine typify
/// uses; one that does not compile rejects every value rather than panicking.
pub fn pattern_matches(pattern: &'static str, s: &str) -> bool {
    type Cache = RwLock<HashMap<&'static str, Option<regress::Regex>>>;
    static CACHE: LazyLock<Cache> = LazyLock::new(Default::default);
    let matches = |re: &Option<regress::Regex>| re.as_ref().is_some_and(|re| re.find(s).is_some());
    if let Some(re) = CACHE.read().unwrap_or_else(|e| e.into_inner()).get(pattern) {
        return matches(re);
    }
    let mut cache = CACHE.write().unwrap_or_else(|e| e.into_inner());
    matches(
        cache
            .entry(pattern)
            .or_insert_with(|| regress::Regex::new(pattern).ok()),
    )
}

/// Map typify's builder messages (`no value supplied for x`, `error converting
/// supplied value for x: ...`) to the field and the spec rule they stand for.
pub fn from_builder_message(op: &Operation, message: &str) -> InvalidInput {
    let message = message.rsplit("failed: ").next().unwrap_or(message);
    if let Some(field) = message.strip_prefix("no value supplied for ") {
        return InvalidInput::new(Some(op.id), field.trim(), Violation::Required);
    }
    if let Some(rest) = message.strip_prefix("error converting supplied value for ") {
        let (field, why) = rest.split_once(": ").unwrap_or((rest, ""));
        let rules = op
            .body
            .iter()
            .flat_map(|b| b.schema.properties)
            .find(|p| p.name == field)
            .map_or(&[][..], |p| p.schema.rules);
        let pick = |pred: fn(&Rule) -> bool| rules.iter().find(|r| pred(r)).copied();
        let rule = if why.starts_with("doesn't match pattern") {
            pick(|r| matches!(r, Rule::Pattern(_)))
        } else if why.starts_with("longer than") {
            pick(|r| matches!(r, Rule::MaxLength(_)))
        } else if why.starts_with("shorter than") {
            pick(|r| matches!(r, Rule::MinLength(_)))
        } else {
            pick(|r| matches!(r, Rule::Enum(_) | Rule::Format(_)))
        };
        let violation = rule.map_or_else(|| Violation::Format(why.to_string()), Violation::Rule);
        return InvalidInput::new(Some(op.id), field, violation);
    }
    InvalidInput::new(Some(op.id), "body", Violation::Format(message.to_string()))
}
