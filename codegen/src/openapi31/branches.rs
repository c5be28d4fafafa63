//! The branches of `anyOf` / `oneOf` (null branches → `nullable`, constant
//! branches → one `enum`) and the siblings of a `$ref`.

use serde_json::{Map, Value, json};

/// Keywords beside a `$ref` that describe and constrain nothing (with `x-`
/// extensions, which this pipeline reads where they are).
const DESCRIPTIVE: [&str; 8] = [
    "description",
    "title",
    "summary",
    "example",
    "examples",
    "deprecated",
    "externalDocs",
    "$comment",
];

fn descriptive(key: &str) -> bool {
    DESCRIPTIVE.contains(&key) || key.starts_with("x-")
}

/// A branch that only allows null (`{type: "null"}`, as converted).
fn is_null(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    let null_only = map.get("enum").is_some_and(|e| *e == json!([null]));
    null_only && map.keys().all(|k| k == "enum" || k == "nullable" || descriptive(k))
}

/// Drop the null branches of `anyOf` / `oneOf` for `nullable: true`; a single
/// branch left is merged into the schema when none of its keywords clashes
/// (a `$ref` stays a branch).
pub(super) fn null_branches(map: &mut Map<String, Value>, key: &str) {
    let Some(Value::Array(branches)) = map.get(key) else {
        return;
    };
    if !branches.iter().any(is_null) {
        return;
    }
    let rest: Vec<Value> = branches.iter().filter(|b| !is_null(b)).cloned().collect();
    map.insert("nullable".into(), Value::Bool(true));
    match rest.as_slice() {
        [] => {
            map.remove(key);
            let typed = ["type", "enum", "$ref", "allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| map.contains_key(*k));
            if !typed {
                map.insert("enum".into(), json!([null]));
            }
        }
        [Value::Object(only)] if !only.contains_key("$ref") && mergeable(map, only, key) => {
            let only = only.clone();
            map.remove(key);
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
        _ => {
            map.insert(key.into(), Value::Array(rest));
        }
    }
}

/// Can `branch` be merged into `map` (whose `key` holds it)? Yes when every
/// keyword both have is descriptive (the schema's own wording is kept) or equal.
fn mergeable(map: &Map<String, Value>, branch: &Map<String, Value>, key: &str) -> bool {
    branch
        .iter()
        .all(|(k, v)| k != key && (descriptive(k) || map.get(k).is_none_or(|mine| mine == v)))
}

/// `anyOf` / `oneOf` whose every branch is one constant (JSON Schema's
/// documented enum) → one `enum`. The branches' descriptions have no place in
/// 3.0 and go.
pub(super) fn constant_branches(map: &mut Map<String, Value>, key: &str) {
    let Some(Value::Array(branches)) = map.get(key) else {
        return;
    };
    if branches.is_empty() || map.contains_key("enum") {
        return;
    }
    let mut values = Vec::new();
    let mut branch_type: Option<&Value> = None;
    for b in branches {
        let Some(b) = b.as_object() else { return };
        let Some([value]) = b.get("enum").and_then(Value::as_array).map(Vec::as_slice) else {
            return;
        };
        if !b.keys().all(|k| k == "enum" || k == "type" || descriptive(k)) || values.contains(value) {
            return;
        }
        if let Some(t) = b.get("type") {
            if branch_type.is_some_and(|seen| seen != t) || map.get("type").is_some_and(|mine| mine != t) {
                return;
            }
            branch_type = Some(t);
        }
        values.push(value.clone());
    }
    let branch_type = branch_type.cloned();
    map.remove(key);
    map.insert("enum".into(), Value::Array(values));
    if let Some(t) = branch_type {
        map.entry("type").or_insert(t);
    }
}

/// A `$ref` with a sibling that constrains → `allOf: [{$ref}]` with the
/// siblings (3.0 readers ignore a `$ref`'s siblings; 3.1 applies them).
pub(super) fn ref_siblings(map: &mut Map<String, Value>) {
    if !map.contains_key("$ref") || map.keys().all(|k| k == "$ref" || descriptive(k)) {
        return;
    }
    let reference = map.remove("$ref").unwrap_or_default();
    map.insert("allOf".into(), json!([{"$ref": reference}]));
}
