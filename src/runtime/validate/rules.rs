//! The spec's rules (enums, lengths, patterns, formats, bounds, sizes) on one value.

use super::pattern::pattern_matches;
use crate::runtime::spec::Rule;
use serde_json::Value;

/// Whether `value` satisfies `rule` (rules of another type than the value's are
/// vacuous: the schema's type reports the mismatch).
pub fn satisfies(rule: &Rule, value: &Value) -> bool {
    match value {
        Value::String(s) => satisfies_str(rule, s),
        Value::Number(n) => match n.as_f64() {
            Some(x) => satisfies_number(rule, x),
            None => !matches!(rule, Rule::Minimum { .. } | Rule::Maximum { .. }),
        },
        Value::Array(a) => satisfies_items(rule, a.len()),
        _ => true,
    }
}

pub(super) fn satisfies_str(rule: &Rule, s: &str) -> bool {
    match rule {
        Rule::Enum(values) => values.contains(&s),
        Rule::MinLength(n) => s.chars().count() as u64 >= *n,
        // A string has at most as many characters as bytes: most need no count.
        Rule::MaxLength(n) => s.len() as u64 <= *n || s.chars().count() as u64 <= *n,
        Rule::Pattern(p) => pattern_matches(p, s),
        Rule::Format("uuid") => uuid::Uuid::try_parse(s).is_ok(),
        Rule::Format("decimal") => s.parse::<rust_decimal::Decimal>().is_ok(),
        _ => true,
    }
}

pub(super) fn satisfies_number(rule: &Rule, x: f64) -> bool {
    match rule {
        Rule::Minimum { value: m, exclusive } => {
            if *exclusive {
                x > *m
            } else {
                x >= *m
            }
        }
        Rule::Maximum { value: m, exclusive } => {
            if *exclusive {
                x < *m
            } else {
                x <= *m
            }
        }
        _ => true,
    }
}

pub(super) fn satisfies_items(rule: &Rule, len: usize) -> bool {
    match rule {
        Rule::MinItems(n) => len as u64 >= *n,
        Rule::MaxItems(n) => len as u64 <= *n,
        _ => true,
    }
}
