//! Client-side enforcement of every constraint the spec declares, driven by the
//! table `build.rs` emits (so it follows the spec when the spec changes). It runs on
//! the JSON that would be sent, after typify's own checks, and so also catches what
//! typify does not enforce (integer `minimum`/`maximum`).

use super::spec::{Field, JsonType, Operation, Rule};
use crate::error::{InvalidInput, Violation};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// Check a request body against the operation's declared fields.
pub fn check_body(op: &Operation, body: &Value) -> Result<(), InvalidInput> {
    check_fields(op, op.body, body)
}

/// Check path/query parameters, given as a JSON object of name → value.
pub fn check_params(op: &Operation, params: &Value) -> Result<(), InvalidInput> {
    check_fields(op, op.params, params)
}

fn check_fields(op: &Operation, fields: &[Field], root: &Value) -> Result<(), InvalidInput> {
    for field in fields {
        let Some((parent, value)) = lookup(root, field.name) else {
            continue; // the enclosing optional object is absent
        };
        let fail = |v| InvalidInput::new(Some(op.id), field.name, v);
        match value {
            None if field.required && parent => return Err(fail(Violation::Required)),
            None => {}
            Some(Value::Null) if field.nullable => {}
            Some(Value::Null) => return Err(fail(Violation::NotNullable)),
            Some(v) => {
                for rule in field.rules {
                    if !satisfies(rule, v) {
                        return Err(fail(Violation::Rule(*rule)));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Find `a.b.c` in `root`: `None` when an enclosing object is absent; otherwise
/// whether the parent exists and the value if present.
fn lookup<'a>(root: &'a Value, dotted: &str) -> Option<(bool, Option<&'a Value>)> {
    let mut parts = dotted.split('.').peekable();
    let mut cur = root;
    while let Some(part) = parts.next() {
        let obj = cur.as_object()?;
        match (obj.get(part), parts.peek()) {
            (v, None) => return Some((true, v)),
            (Some(v), Some(_)) => cur = v,
            (None, Some(_)) => return None,
        }
    }
    None
}

/// Whether `value` satisfies `rule` (rules of another type than the value's are
/// vacuous: the `Type` rule reports the mismatch).
pub fn satisfies(rule: &Rule, value: &Value) -> bool {
    match (rule, value) {
        (Rule::Type(t), v) => type_of(v).contains(t),
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
fn pattern_matches(pattern: &'static str, s: &str) -> bool {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, Option<regress::Regex>>>> = LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let re = cache
        .entry(pattern)
        .or_insert_with(|| regress::Regex::new(pattern).ok());
    re.as_ref().is_some_and(|re| re.find(s).is_some())
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
        let rules = op.body.iter().find(|f| f.name == field).map_or(&[][..], |f| f.rules);
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
