//! One schema against another: type, nullability, constraints, enum values,
//! default, then properties, array items and compositions, recursively. A
//! `$ref` is compared by name only: the referenced component has its own section.

use super::diff::{Findings, Subject, count_descriptive};
use crate::names;
use crate::schema::component_name;
use serde_json::Value;
use std::collections::BTreeSet;

/// Where a schema is read: in requests, in answers, or both.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub struct Usage {
    pub request: bool,
    pub response: bool,
}

impl Usage {
    pub const REQUEST: Usage = Usage {
        request: true,
        response: false,
    };
    pub const RESPONSE: Usage = Usage {
        request: false,
        response: true,
    };
    pub const BOTH: Usage = Usage {
        request: true,
        response: true,
    };
}

/// What the changes found belong to and how the schema is used.
pub struct Ctx<'a> {
    pub subject: &'a Subject,
    pub usage: Usage,
    /// What the schema is, such as "parameter `limit` (query)"; empty for a component.
    pub root: &'a str,
}

impl Ctx<'_> {
    /// "field `a.b`", "answer", "answer field `a`"; nothing for a component itself.
    fn label(&self, at: &str) -> String {
        match (self.root.is_empty(), at.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!("field `{at}`"),
            (false, true) => self.root.into(),
            (false, false) => format!("{} field `{at}`", self.root),
        }
    }

    fn push(&self, f: &mut Findings, at: &str, what: String, breaking: bool, reason: &str) {
        let what = match self.label(at) {
            label if label.is_empty() => what,
            label => format!("{label}: {what}"),
        };
        f.push(self.subject, what, breaking, reason);
    }
}

const TIGHTENED: &str = "tightened: values valid before are refused";
const LOOSENED: &str = "loosened";

/// Compare `old` and `new`, the schema at `at` (a field path, empty at the root).
pub fn compare(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    if old == new {
        return;
    }
    count_descriptive(old, new, f);
    let (before, after) = (describe(old), describe(new));
    if before != after {
        return cx.push(f, at, format!("type {before} → {after}"), true, "the Rust type changes");
    }
    if component_name(old).is_some() {
        return; // the same component: compared in its own section
    }
    compare_nullable(old, new, at, cx, f);
    compare_deprecated(old, new, at, cx, f);
    compare_pattern(old, new, at, cx, f);
    compare_bounds(old, new, at, cx, f);
    compare_enum(old, new, at, cx, f);
    compare_default(old, new, at, cx, f);
    compare_properties(old, new, at, cx, f);
    compare_additional(old, new, at, cx, f);
    if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
        compare(a, b, &format!("{at}[]"), cx, f);
    }
    compare_compositions(old, new, at, cx, f);
}

/// What the schema is, for a type change: its component's Rust name, or its
/// JSON type and format.
fn describe(s: &Value) -> String {
    if let Some(name) = component_name(s) {
        return format!("`{}`", names::type_name(name));
    }
    let ty = match s.get("type").and_then(Value::as_str) {
        Some(t) => t,
        None if s.get("properties").is_some() => "object",
        None if s.get("items").is_some() => "array",
        None => "any",
    };
    match s.get("format").and_then(Value::as_str) {
        Some(format) => format!("{ty} ({format})"),
        None => ty.to_string(),
    }
}

fn flag(s: &Value, key: &str) -> bool {
    s.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn compare_nullable(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    match (flag(old, "nullable"), flag(new, "nullable")) {
        (false, true) => cx.push(
            f,
            at,
            "now nullable".into(),
            true,
            "may be null: the Rust type becomes Option<_>",
        ),
        (true, false) => cx.push(
            f,
            at,
            "no longer nullable".into(),
            true,
            "the Rust type loses its Option<_>",
        ),
        _ => {}
    }
}

fn compare_deprecated(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    match (flag(old, "deprecated"), flag(new, "deprecated")) {
        (false, true) => cx.push(f, at, "deprecated".into(), false, "still accepted, to be removed"),
        (true, false) => cx.push(f, at, "no longer deprecated".into(), false, "stays"),
        _ => {}
    }
}

fn compare_pattern(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    let (a, b) = (old.get("pattern"), new.get("pattern"));
    let show = |p: Option<&Value>| p.map_or("none".to_string(), |p| format!("`{}`", p.as_str().unwrap_or("?")));
    let what = format!("pattern {} → {}", show(a), show(b));
    match (a, b) {
        (Some(_), None) => cx.push(f, at, what, false, LOOSENED),
        (None, Some(_)) => cx.push(f, at, what, true, TIGHTENED),
        (Some(x), Some(y)) if x != y => cx.push(f, at, what, true, "changed: values valid before may be refused"),
        _ => {}
    }
}

/// Lower bounds (raising one tightens), then upper bounds (lowering one tightens).
const LOWER: [&str; 3] = ["minLength", "minimum", "minItems"];
const UPPER: [&str; 3] = ["maxLength", "maximum", "maxItems"];
/// Flags that tighten when turned on.
const STRICT: [&str; 3] = ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"];

fn compare_bounds(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    let show = |v: Option<&Value>| v.map_or("none".to_string(), Value::to_string);
    for (key, lower) in LOWER.iter().map(|k| (k, true)).chain(UPPER.iter().map(|k| (k, false))) {
        let (a, b) = (old.get(*key), new.get(*key));
        let tightened = match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) if x != y => (y > x) == lower,
            _ => continue,
        };
        let what = format!("{key} {} → {}", show(a), show(b));
        cx.push(f, at, what, tightened, if tightened { TIGHTENED } else { LOOSENED });
    }
    for key in STRICT {
        match (flag(old, key), flag(new, key)) {
            (false, true) => cx.push(f, at, format!("{key} turned on"), true, TIGHTENED),
            (true, false) => cx.push(f, at, format!("{key} turned off"), false, LOOSENED),
            _ => {}
        }
    }
}

fn enum_values(s: &Value) -> Option<Vec<&Value>> {
    s.get("enum").and_then(Value::as_array).map(|v| v.iter().collect())
}

fn compare_enum(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    let (before, after) = match (enum_values(old), enum_values(new)) {
        (None, None) => return,
        (None, Some(_)) => return cx.push(f, at, "now an enum".into(), true, "values not listed are refused"),
        (Some(_), None) => return cx.push(f, at, "no longer an enum".into(), true, "the Rust type changes"),
        (Some(a), Some(b)) => (a, b),
    };
    for gone in before.iter().filter(|v| !after.contains(*v)) {
        let reason = "its Rust variant disappears; requests using it are refused";
        cx.push(f, at, format!("enum value {gone} removed"), true, reason);
    }
    for added in after.iter().filter(|v| !before.contains(*v)) {
        let reason = "an API addition: the Rust enum is #[non_exhaustive], older clients read it as Other";
        cx.push(f, at, format!("enum value {added} added"), false, reason);
    }
}

fn compare_default(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    let (a, b) = (old.get("default"), new.get("default"));
    if a != b {
        let show = |v: Option<&Value>| v.map_or("none".to_string(), Value::to_string);
        let what = format!("default {} → {}", show(a), show(b));
        cx.push(f, at, what, false, "what an omitted value means changes");
    }
}

fn required(s: &Value) -> BTreeSet<&str> {
    let list = s.get("required").and_then(Value::as_array).into_iter().flatten();
    list.filter_map(Value::as_str).collect()
}

fn properties(s: &Value) -> Vec<(&String, &Value)> {
    s.get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect()
}

fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_string()
    } else {
        format!("{at}.{field}")
    }
}

fn compare_properties(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    let (before, after) = (properties(old), properties(new));
    let (req_before, req_after) = (required(old), required(new));
    let keys: BTreeSet<&String> = before.iter().chain(&after).map(|(k, _)| *k).collect();
    for key in keys {
        let field = join(at, key);
        match (find(&before, key), find(&after, key)) {
            (Some(_), None) => cx.push(f, &field, "removed".into(), true, "the Rust field disappears"),
            (None, Some(s)) => field_added(req_after.contains(key.as_str()), s, &field, cx, f),
            (Some(a), Some(b)) => {
                let (was, is) = (req_before.contains(key.as_str()), req_after.contains(key.as_str()));
                required_changed(was, is, &field, cx, f);
                compare(a, b, &field, cx, f);
            }
            (None, None) => {}
        }
    }
}

fn find<'a>(list: &[(&String, &'a Value)], key: &str) -> Option<&'a Value> {
    list.iter().find(|(n, _)| n.as_str() == key).map(|(_, v)| *v)
}

fn field_added(required: bool, schema: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    let how = if required { "required" } else { "optional" };
    let what = format!("added ({how}, {})", describe(schema));
    match (cx.usage.request, required) {
        (true, true) => cx.push(
            f,
            at,
            what,
            true,
            "a new required request field: requests without it are refused",
        ),
        (true, false) => cx.push(f, at, what, false, "a new optional request field"),
        (false, _) => cx.push(f, at, what, false, "a new response field"),
    }
}

fn required_changed(was: bool, is: bool, at: &str, cx: &Ctx, f: &mut Findings) {
    match (was, is) {
        (false, true) if cx.usage.request => cx.push(
            f,
            at,
            "optional → required".into(),
            true,
            "requests without it are refused",
        ),
        (false, true) => cx.push(
            f,
            at,
            "optional → required".into(),
            true,
            "the Rust field loses its Option<_>",
        ),
        (true, false) if cx.usage.response => cx.push(
            f,
            at,
            "required → optional".into(),
            true,
            "it may be absent: the Rust field becomes Option<_>",
        ),
        (true, false) => cx.push(
            f,
            at,
            "required → optional".into(),
            true,
            "the Rust field becomes Option<_>",
        ),
        _ => {}
    }
}

fn compare_additional(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    match (old.get("additionalProperties"), new.get("additionalProperties")) {
        (Some(a @ Value::Object(_)), Some(b @ Value::Object(_))) => compare(a, b, &format!("{at}{{}}"), cx, f),
        (a, b) if a != b => {
            let show = |v: Option<&Value>| v.map_or("unset".to_string(), describe_additional);
            let what = format!("additionalProperties {} → {}", show(a), show(b));
            cx.push(f, at, what, true, "the Rust type may change");
        }
        _ => {}
    }
}

fn describe_additional(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        schema => describe(schema),
    }
}

fn compare_compositions(old: &Value, new: &Value, at: &str, cx: &Ctx, f: &mut Findings) {
    for key in ["allOf", "anyOf", "oneOf"] {
        let list = |s: &Value| s.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        let (a, b) = (list(old), list(new));
        if a.len() != b.len() {
            let what = format!("{key} of {} → {} schemas", a.len(), b.len());
            cx.push(f, at, what, true, "the Rust type changes");
            continue;
        }
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            compare(x, y, &join(at, &format!("{key}[{i}]")), cx, f);
        }
    }
}
