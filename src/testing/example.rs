//! Values that satisfy a spec schema: what the fakes answer for operations they
//! do not model, and the valid examples the spec-walking tests start from. The
//! spec's `example` (or `default`) when it has one and it fits, else a value made
//! to satisfy each constraint (a pattern's shortest match, the minimum, the first
//! enum member, every declared property).

use crate::runtime::spec::{JsonType, Rule, Schema};
use crate::runtime::validate;
use serde_json::{Map, Value, json};

/// Deeper than this, objects get their required properties only (recursive schemas).
const DEPTH: usize = 6;

/// A value `schema` accepts (as far as one can be made: check with
/// [`validate::check`] when it matters).
pub fn example(schema: &Schema) -> Value {
    make(schema, 0)
}

fn make(schema: &Schema, depth: usize) -> Value {
    if let Some(v) = schema.example.and_then(|e| serde_json::from_str::<Value>(e).ok())
        && validate::check(schema, &v, "").is_ok()
    {
        return v;
    }
    if let Some(first) = schema.any_of.first().or(schema.one_of.first()) {
        return make(first, depth);
    }
    let mut value = match schema.types.first() {
        Some(JsonType::String) => Value::String(string(schema)),
        Some(JsonType::Integer) => json!(number(schema, true) as i64),
        Some(JsonType::Number) => json!(number(schema, false)),
        Some(JsonType::Boolean) => Value::Bool(true),
        Some(JsonType::Array) => array(schema, depth),
        Some(JsonType::Object) => object(schema, depth),
        None if !schema.properties.is_empty() => object(schema, depth),
        None if schema.nullable => Value::Null,
        None if schema.all_of.is_empty() => json!({}),
        None => Value::Null,
    };
    for part in schema.all_of {
        match (&mut value, make(part, depth)) {
            (Value::Object(into), Value::Object(from)) => into.extend(from),
            (v @ Value::Null, other) => *v = other,
            _ => {}
        }
    }
    value
}

fn string(schema: &Schema) -> String {
    let mut s = None;
    for rule in schema.rules {
        s = match rule {
            Rule::Enum(values) => values.first().map(|v| v.to_string()),
            Rule::Pattern(p) => s.or_else(|| shortest_match(p.as_str())),
            Rule::Format(f) => s.or_else(|| format_example(f).map(str::to_string)),
            _ => continue,
        };
        if matches!(rule, Rule::Enum(_)) {
            break;
        }
    }
    let mut s = s.unwrap_or_else(|| "example".to_string());
    for rule in schema.rules {
        match rule {
            Rule::MinLength(n) => {
                let fill = s.chars().last().unwrap_or('x');
                while (s.chars().count() as u64) < *n {
                    s.push(fill);
                }
            }
            Rule::MaxLength(n) => s = s.chars().take(*n as usize).collect(),
            _ => {}
        }
    }
    s
}

fn format_example(format: &str) -> Option<&'static str> {
    Some(match format {
        "uuid" => "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f",
        "date-time" => "2026-01-01T00:00:00Z",
        "date" => "2026-01-01",
        "email" => "jane@example.com",
        "uri" | "url" => "https://example.com/",
        "decimal" => "9.99",
        _ => return None,
    })
}

fn number(schema: &Schema, integer: bool) -> f64 {
    let (mut low, mut high) = (None, None);
    for rule in schema.rules {
        match rule {
            Rule::Minimum { value, exclusive } => {
                let step = if integer { 1.0 } else { 0.5 };
                let v = if integer { value.ceil() } else { *value };
                low = Some(if *exclusive && v <= *value { v + step } else { v });
            }
            Rule::Maximum { value, exclusive } => {
                let v = if integer { value.floor() } else { *value };
                high = Some(if *exclusive && v >= *value { v - 1.0 } else { v });
            }
            _ => {}
        }
    }
    match (low, high) {
        (Some(l), _) => l,
        (None, Some(h)) => h.min(1.0),
        (None, None) => 1.0,
    }
}

fn array(schema: &Schema, depth: usize) -> Value {
    let Some(item) = schema.items else {
        return json!([]);
    };
    let mut n = 1;
    for rule in schema.rules {
        match rule {
            Rule::MinItems(m) => n = n.max(*m as usize),
            Rule::MaxItems(m) => n = n.min(*m as usize),
            _ => {}
        }
    }
    Value::Array((0..n).map(|_| make(item, depth + 1)).collect())
}

fn object(schema: &Schema, depth: usize) -> Value {
    let mut map = Map::new();
    for p in schema.properties {
        if p.required || depth < DEPTH {
            map.insert(p.name.to_string(), make(p.schema, depth + 1));
        }
    }
    Value::Object(map)
}

/// The shortest string the pattern matches (first choices, fewest repetitions,
/// letters and digits preferred), if it parses and the match checks out.
pub fn shortest_match(pattern: &str) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut out = String::new();
    generate(&hir, &mut out);
    let re = regress::Regex::new(pattern).ok()?;
    re.find(&out).is_some().then_some(out)
}

fn generate(hir: &regex_syntax::hir::Hir, out: &mut String) {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(class)) => {
            let ranges = class.ranges();
            let pick = ['a', 'A', '0']
                .into_iter()
                .find(|c| ranges.iter().any(|r| r.start() <= *c && *c <= r.end()))
                .or_else(|| ranges.iter().find(|r| r.start().is_alphanumeric()).map(|r| r.start()))
                .or_else(|| ranges.first().map(|r| r.start()));
            out.extend(pick);
        }
        HirKind::Class(Class::Bytes(class)) => out.extend(class.ranges().first().map(|r| char::from(r.start()))),
        HirKind::Repetition(rep) => {
            for _ in 0..rep.min {
                generate(&rep.sub, out);
            }
        }
        HirKind::Capture(cap) => generate(&cap.sub, out),
        HirKind::Concat(parts) => parts.iter().for_each(|p| generate(p, out)),
        HirKind::Alternation(alts) => {
            if let Some(first) = alts.first() {
                generate(first, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shortest_match;

    #[test]
    fn patterns() {
        assert_eq!(shortest_match("^[a-z]{1,20}$").as_deref(), Some("a"));
        assert_eq!(shortest_match("^[-A-Za-z_0-9]{1,256}$").as_deref(), Some("a"));
        assert_eq!(
            shortest_match("^[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}$").as_deref(),
            Some("aaaaaaaaaaaaaaaaaaaaaa")
        );
        assert_eq!(shortest_match("^(csb|cpk)_[0-9]+$").as_deref(), Some("csb_0"));
    }
}
