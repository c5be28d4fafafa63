//! OpenAPI 3.1 pages, read as the OpenAPI 3.0 the rest of the pipeline (and
//! progenitor, whose issue #1268 asks for 3.1) reads. A page whose `openapi` is
//! `3.1.x` is rewritten as soon as it is parsed, before pages are merged; a page
//! of any other version is left as it is. The overlay is applied afterwards, so
//! it is written against the 3.0 form.
//!
//! In every schema (components, parameters, headers, bodies, answers, and every
//! schema inside those):
//!
//! - `type: [X, "null"]` → `type: X, nullable: true`; a list of several types →
//!   `anyOf` with one branch per type, each taking the keywords that apply to
//!   its type (`minLength` to the string, `minimum` to the numbers, ...);
//!   `integer` beside `number` is the number; `type: "null"` alone → `enum:
//!   [null]`;
//! - a `{type: "null"}` branch of `anyOf` / `oneOf` → `nullable: true` on the
//!   schema; one branch left is merged into the schema when nothing clashes (a
//!   `$ref` stays the only branch, the form the pipeline reads for pydantic's
//!   optional references);
//! - `const: v` → `enum: [v]`; `anyOf` / `oneOf` of constants (JSON Schema's
//!   documented enum) → one `enum`;
//! - `examples: [..]` → `example` (the first);
//! - numeric `exclusiveMinimum` / `exclusiveMaximum` → `minimum` / `maximum`
//!   with the 3.0 boolean (or nothing, where the other bound is stricter);
//! - `contentEncoding: base64` → `format: byte`; `contentMediaType` (raw bytes)
//!   → `format: binary`;
//! - `$ref` with siblings: descriptive ones (`description`, `title`, examples,
//!   `x-` extensions) stay beside it, as 3.0 readers ignore them; any other
//!   (`default`, `readOnly`, a bound) makes it `allOf: [{$ref}]` with the
//!   siblings, so the constraint still applies;
//! - `true` / `false` as a schema → `{}` / `{not: {}}`; `$comment` dropped.
//!
//! In the document: `openapi` becomes `3.0.3`; `webhooks` (requests the provider
//! sends, not operations of the client) is dropped, the schemas they use stay in
//! `components`; `jsonSchemaDialect` is dropped when it names OpenAPI's or JSON
//! Schema 2020-12's default dialect; a missing `paths` becomes `{}`.
//!
//! What 3.0 cannot express (`prefixItems`, `if`/`then`/`else`,
//! `patternProperties`, `$defs`, `unevaluatedProperties`, another dialect,
//! reusable path items, ...) is an error naming the file and the place, never a
//! constraint silently dropped.

use super::{PipelineError, SEP};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The dialects a 3.1 page may declare: OpenAPI 3.1's default and the JSON Schema
/// 2020-12 it extends.
const DIALECTS: [&str; 3] = [
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
];

/// JSON Schema keywords OpenAPI 3.0 has no form for.
const UNSUPPORTED: [&str; 24] = [
    "$defs",
    "definitions",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "prefixItems",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "patternProperties",
    "contentSchema",
];

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

/// The keywords that apply to one JSON type only, by type.
const TYPE_KEYWORDS: [(&str, &[&str]); 5] = [
    ("string", &["minLength", "maxLength", "pattern"]),
    (
        "integer",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
    (
        "number",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
    (
        "object",
        &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ],
    ),
    ("array", &["items", "minItems", "maxItems", "uniqueItems"]),
];

/// The formats of numbers (any other belongs to strings).
const NUMBER_FORMATS: [&str; 4] = ["int32", "int64", "float", "double"];

const TYPES: [&str; 7] = ["string", "integer", "number", "boolean", "object", "array", "null"];

/// Does `doc` declare OpenAPI 3.1?
pub fn is_31(doc: &Value) -> bool {
    doc.get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v == "3.1" || v.starts_with("3.1."))
}

/// Rewrite a 3.1 page of `file` as 3.0 (see the module's rules); any other page
/// is left as it is. Returns whether it was rewritten.
pub fn to_30(file: &Path, doc: &mut Value) -> std::result::Result<bool, PipelineError> {
    if !is_31(doc) {
        return Ok(false);
    }
    let mut cx = Cx { file, at: Vec::new() };
    let Value::Object(top) = doc else {
        return Err(cx.fail("the document is not a mapping"));
    };
    cx.document(top)?;
    Ok(true)
}

/// The file and the place being converted, for errors.
struct Cx<'a> {
    file: &'a Path,
    at: Vec<String>,
}

type Result<T = ()> = std::result::Result<T, PipelineError>;

impl Cx<'_> {
    fn fail(&self, message: impl Into<String>) -> PipelineError {
        PipelineError::new(self.file, self.at.join(SEP), message)
    }

    /// Run `f` one level down, at `level`.
    fn within<T>(&mut self, level: impl Into<String>, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.at.push(level.into());
        let out = f(self);
        if out.is_ok() {
            self.at.pop();
        }
        out
    }

    /// Apply `f` to each value of the mapping at `key`, one level down each.
    fn each(&mut self, map: &mut Map<String, Value>, key: &str, f: fn(&mut Self, &mut Value) -> Result) -> Result {
        let Some(Value::Object(items)) = map.get_mut(key) else {
            return Ok(());
        };
        self.within(key, |cx| {
            items
                .iter_mut()
                .try_for_each(|(name, item)| cx.within(name.as_str(), |cx| f(cx, item)))
        })
    }

    /// Apply `f` to each item of the list at `key` (`key[i]`).
    fn each_item(&mut self, map: &mut Map<String, Value>, key: &str, f: fn(&mut Self, &mut Value) -> Result) -> Result {
        let Some(Value::Array(items)) = map.get_mut(key) else {
            return Ok(());
        };
        items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| self.within(format!("{key}[{i}]"), |cx| f(cx, item)))
    }

    /// Apply `f` to the value at `key`, if any.
    fn one(&mut self, map: &mut Map<String, Value>, key: &str, f: fn(&mut Self, &mut Value) -> Result) -> Result {
        match map.get_mut(key) {
            Some(v) => self.within(key, |cx| f(cx, v)),
            None => Ok(()),
        }
    }

    fn document(&mut self, top: &mut Map<String, Value>) -> Result {
        if let Some(dialect) = top.get("jsonSchemaDialect") {
            if !dialect.as_str().is_some_and(|d| DIALECTS.contains(&d)) {
                self.at.push("jsonSchemaDialect".into());
                return Err(self.fail(format!(
                    "schemas in the dialect {dialect} have no OpenAPI 3.0 form (OpenAPI 3.1's default dialect has)"
                )));
            }
            top.remove("jsonSchemaDialect");
        }
        // Requests the provider sends: no operation of the client. The schemas
        // they name stay in `components`.
        top.remove("webhooks");
        top.entry("paths").or_insert_with(|| json!({}));
        self.each(top, "paths", Self::path_item)?;
        if let Some(Value::Object(components)) = top.get_mut("components") {
            self.within("components", |cx| {
                if components.contains_key("pathItems") {
                    cx.at.push("pathItems".into());
                    return Err(cx.fail("reusable path items are OpenAPI 3.1 only: write them under `paths`"));
                }
                cx.each(components, "schemas", Self::schema)?;
                cx.each(components, "parameters", Self::parameter)?;
                cx.each(components, "headers", Self::parameter)?;
                cx.each(components, "requestBodies", Self::body)?;
                cx.each(components, "responses", Self::response)?;
                cx.each(components, "callbacks", Self::callback)
            })?;
        }
        top.insert("openapi".into(), json!("3.0.3"));
        Ok(())
    }

    fn path_item(&mut self, item: &mut Value) -> Result {
        let Value::Object(item) = item else { return Ok(()) };
        self.each_item(item, "parameters", Self::parameter)?;
        for method in super::normalize::METHODS {
            if let Some(Value::Object(op)) = item.get_mut(method) {
                self.within(method, |cx| {
                    cx.each_item(op, "parameters", Self::parameter)?;
                    cx.one(op, "requestBody", Self::body)?;
                    cx.each(op, "responses", Self::response)?;
                    cx.each(op, "callbacks", Self::callback)
                })?;
            }
        }
        Ok(())
    }

    fn callback(&mut self, callback: &mut Value) -> Result {
        let Value::Object(expressions) = callback else {
            return Ok(());
        };
        expressions
            .iter_mut()
            .try_for_each(|(expr, item)| self.within(expr.as_str(), |cx| cx.path_item(item)))
    }

    /// A parameter or a header (a reference is left as it is: 3.0 readers ignore
    /// the `summary` / `description` 3.1 allows beside it).
    fn parameter(&mut self, p: &mut Value) -> Result {
        let Value::Object(p) = p else { return Ok(()) };
        if p.contains_key("$ref") {
            return Ok(());
        }
        self.one(p, "schema", Self::schema)?;
        self.each(p, "content", Self::media)
    }

    fn body(&mut self, body: &mut Value) -> Result {
        let Value::Object(body) = body else { return Ok(()) };
        if body.contains_key("$ref") {
            return Ok(());
        }
        self.each(body, "content", Self::media)
    }

    fn response(&mut self, response: &mut Value) -> Result {
        let Value::Object(response) = response else {
            return Ok(());
        };
        if response.contains_key("$ref") {
            return Ok(());
        }
        self.each(response, "headers", Self::parameter)?;
        self.each(response, "content", Self::media)
    }

    fn media(&mut self, media: &mut Value) -> Result {
        let Value::Object(media) = media else { return Ok(()) };
        self.one(media, "schema", Self::schema)?;
        if let Some(Value::Object(encoding)) = media.get_mut("encoding") {
            self.within("encoding", |cx| {
                encoding.iter_mut().try_for_each(|(prop, e)| {
                    cx.within(prop.as_str(), |cx| match e {
                        Value::Object(e) => cx.each(e, "headers", Self::parameter),
                        _ => Ok(()),
                    })
                })
            })?;
        }
        Ok(())
    }

    /// A schema and every schema inside it.
    fn schema(&mut self, schema: &mut Value) -> Result {
        match schema {
            Value::Bool(true) => *schema = json!({}),
            Value::Bool(false) => *schema = json!({"not": {}}),
            Value::Object(map) => self.schema_object(map)?,
            _ => return Err(self.fail("a schema must be a mapping or a boolean")),
        }
        Ok(())
    }

    fn schema_object(&mut self, map: &mut Map<String, Value>) -> Result {
        if let Some(key) = UNSUPPORTED.iter().find(|k| map.contains_key(**k)) {
            self.at.push((*key).to_string());
            return Err(self.fail(format!("`{key}` (JSON Schema 2020-12) has no OpenAPI 3.0 form")));
        }
        if let Some(dialect) = map.get("$schema") {
            if !dialect.as_str().is_some_and(|d| DIALECTS.contains(&d)) {
                self.at.push("$schema".into());
                return Err(self.fail(format!("a schema in the dialect {dialect} has no OpenAPI 3.0 form")));
            }
            map.remove("$schema");
        }
        map.remove("$comment");
        if map.get("items").is_some_and(Value::is_array) {
            self.at.push("items".into());
            return Err(self.fail("a list of item schemas (a tuple) has no OpenAPI 3.0 form"));
        }
        // The schemas inside, first: a branch is in its 3.0 form when its parent
        // looks at it.
        self.each(map, "properties", Self::schema)?;
        self.one(map, "items", Self::schema)?;
        if map.get("additionalProperties").is_some_and(Value::is_object) {
            self.one(map, "additionalProperties", Self::schema)?;
        }
        self.one(map, "not", Self::schema)?;
        for key in ["allOf", "anyOf", "oneOf"] {
            self.each_item(map, key, Self::schema)?;
        }
        self.examples(map)?;
        self.constant(map)?;
        self.exclusive_bounds(map)?;
        self.content(map)?;
        self.types(map)?;
        for key in ["anyOf", "oneOf"] {
            null_branches(map, key);
            constant_branches(map, key);
        }
        ref_siblings(map);
        Ok(())
    }

    /// `examples: [a, ..]` → `example: a` (a declared `example` wins).
    fn examples(&mut self, map: &mut Map<String, Value>) -> Result {
        match map.remove("examples") {
            None => Ok(()),
            Some(Value::Array(list)) => {
                if let (false, Some(first)) = (map.contains_key("example"), list.into_iter().next()) {
                    map.insert("example".into(), first);
                }
                Ok(())
            }
            Some(_) => {
                self.at.push("examples".into());
                Err(self.fail("`examples` in a schema must be a list"))
            }
        }
    }

    /// `const: v` → `enum: [v]`.
    fn constant(&mut self, map: &mut Map<String, Value>) -> Result {
        let Some(c) = map.remove("const") else {
            return Ok(());
        };
        match map.get("enum").and_then(Value::as_array) {
            Some(values) if !values.contains(&c) => {
                self.at.push("const".into());
                Err(self.fail(format!(
                    "`const` {c} is not among the `enum` values beside it: no value fits"
                )))
            }
            _ => {
                map.insert("enum".into(), json!([c]));
                Ok(())
            }
        }
    }

    /// A numeric `exclusiveMinimum` (3.1) → `minimum` with `exclusiveMinimum:
    /// true` (3.0), or nothing where `minimum` is already stricter; the same for
    /// the maximum.
    fn exclusive_bounds(&mut self, map: &mut Map<String, Value>) -> Result {
        for (exclusive, bound, below) in [
            ("exclusiveMinimum", "minimum", false),
            ("exclusiveMaximum", "maximum", true),
        ] {
            match map.get(exclusive) {
                None | Some(Value::Bool(_)) => {}
                Some(Value::Number(n)) => {
                    let n = n.clone();
                    let limit = n.as_f64().unwrap_or(f64::NAN);
                    let stricter = match map.get(bound).and_then(Value::as_f64) {
                        None => true,
                        Some(b) if below => limit <= b,
                        Some(b) => limit >= b,
                    };
                    if stricter {
                        map.insert(bound.into(), Value::Number(n));
                        map.insert(exclusive.into(), Value::Bool(true));
                    } else {
                        map.remove(exclusive);
                    }
                }
                Some(other) => {
                    self.at.push(exclusive.into());
                    return Err(self.fail(format!("`{exclusive}` must be a number, not {other}")));
                }
            }
        }
        Ok(())
    }

    /// `contentEncoding` / `contentMediaType` → 3.0's `format: byte` / `binary`.
    fn content(&mut self, map: &mut Map<String, Value>) -> Result {
        let encoding = map.remove("contentEncoding");
        let media = map.remove("contentMediaType");
        let format = match (&encoding, &media) {
            (None, None) => return Ok(()),
            (Some(e), _) if e.as_str().is_some_and(|e| e.eq_ignore_ascii_case("base64")) => "byte",
            (Some(e), _) if e.as_str().is_some_and(|e| e.eq_ignore_ascii_case("binary")) => "binary",
            (Some(e), _) => {
                self.at.push("contentEncoding".into());
                return Err(self.fail(format!(
                    "the content encoding {e} has no OpenAPI 3.0 form (base64 and binary have)"
                )));
            }
            (None, Some(_)) => "binary",
        };
        match map.get("format").and_then(Value::as_str) {
            None => {
                map.insert("format".into(), json!(format));
            }
            Some(f) if f == format => {}
            Some(f) => {
                self.at.push("format".into());
                return Err(self.fail(format!(
                    "`format: {f}` beside content that is `format: {format}` in 3.0"
                )));
            }
        }
        map.entry("type").or_insert_with(|| json!("string"));
        Ok(())
    }

    /// A list of types → one type and `nullable`, or `anyOf` a branch per type.
    fn types(&mut self, map: &mut Map<String, Value>) -> Result {
        let mut types: Vec<String> = match map.get("type") {
            None => return Ok(()),
            Some(Value::String(t)) if t == "null" => vec![],
            Some(Value::String(_)) => return Ok(()),
            Some(Value::Array(list)) => {
                let mut types = Vec::new();
                for t in list {
                    match t.as_str() {
                        Some(t) if TYPES.contains(&t) => {
                            if !types.iter().any(|seen| seen == t) {
                                types.push(t.to_string());
                            }
                        }
                        _ => {
                            self.at.push("type".into());
                            return Err(self.fail(format!("{t} is not a JSON Schema type")));
                        }
                    }
                }
                if types.is_empty() {
                    self.at.push("type".into());
                    return Err(self.fail("an empty list of types: no value fits"));
                }
                types
            }
            Some(other) => {
                self.at.push("type".into());
                return Err(self.fail(format!("`type` must be a name or a list of names, not {other}")));
            }
        };
        let had_null = map.get("type").is_some_and(|t| t == "null") || types.iter().any(|t| t == "null");
        types.retain(|t| t != "null");
        // Every integer is a number.
        if types.iter().any(|t| t == "number") {
            types.retain(|t| t != "integer");
        }
        map.remove("type");
        if had_null {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match types.as_slice() {
            [] => {
                // Only null: progenitor's form for it.
                map.entry("enum").or_insert_with(|| json!([null]));
            }
            [one] => {
                map.insert("type".into(), json!(one));
            }
            several => {
                let mut branches = Vec::new();
                for t in several {
                    let mut branch = Map::new();
                    branch.insert("type".into(), json!(t));
                    for key in keywords_of(t) {
                        if let Some(v) = map.get(*key) {
                            branch.insert((*key).to_string(), v.clone());
                        }
                    }
                    if let Some(f) = map.get("format").and_then(Value::as_str) {
                        let numeric = NUMBER_FORMATS.contains(&f);
                        if (numeric && (t == "integer" || t == "number")) || (!numeric && t == "string") {
                            branch.insert("format".into(), json!(f));
                        }
                    }
                    branches.push(Value::Object(branch));
                }
                // Moved to the branches; a keyword of a type not listed
                // constrained nothing.
                for (_, keys) in TYPE_KEYWORDS {
                    for key in keys {
                        map.remove(*key);
                    }
                }
                map.remove("format");
                match map.get_mut("anyOf") {
                    None => {
                        map.insert("anyOf".into(), Value::Array(branches));
                    }
                    Some(_) => {
                        let all_of = map.entry("allOf").or_insert_with(|| json!([]));
                        match all_of.as_array_mut() {
                            Some(all) => all.push(json!({"anyOf": branches})),
                            None => {
                                self.at.push("allOf".into());
                                return Err(self.fail("`allOf` must be a list"));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn keywords_of(t: &str) -> &'static [&'static str] {
    TYPE_KEYWORDS
        .iter()
        .find(|(name, _)| *name == t)
        .map_or(&[], |(_, keys)| keys)
}

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
fn null_branches(map: &mut Map<String, Value>, key: &str) {
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
fn constant_branches(map: &mut Map<String, Value>, key: &str) {
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
fn ref_siblings(map: &mut Map<String, Value>) {
    if !map.contains_key("$ref") || map.keys().all(|k| k == "$ref" || descriptive(k)) {
        return;
    }
    let reference = map.remove("$ref").unwrap_or_default();
    map.insert("allOf".into(), json!([{"$ref": reference}]));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One schema of a 3.1 page, converted.
    fn convert(schema: Value) -> std::result::Result<Value, PipelineError> {
        let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": schema}}});
        to_30(Path::new("specs/x/page.yaml"), &mut doc)?;
        assert_eq!(doc["openapi"], "3.0.3");
        Ok(doc["components"]["schemas"]["S"].take())
    }

    fn ok(schema: Value) -> Value {
        convert(schema).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(schema: Value) -> String {
        match convert(schema) {
            Ok(v) => panic!("converted: {v}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn only_31_pages_are_rewritten() {
        for version in ["3.0.3", "3.0.0", "2.0"] {
            let mut doc = json!({"openapi": version, "components": {"schemas": {"S": {"type": ["string", "null"]}}}});
            let before = doc.clone();
            assert!(!to_30(Path::new("p.yaml"), &mut doc).unwrap());
            assert_eq!(doc, before, "{version} left as it is");
        }
        let mut doc = json!({"openapi": "3.1.1", "info": {"title": "t", "version": "1"}});
        assert!(to_30(Path::new("p.yaml"), &mut doc).unwrap());
        assert_eq!(
            doc,
            json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}})
        );
    }

    #[test]
    fn type_lists() {
        assert_eq!(
            ok(json!({"type": ["string", "null"], "maxLength": 3})),
            json!({"type": "string", "nullable": true, "maxLength": 3})
        );
        assert_eq!(ok(json!({"type": ["integer"]})), json!({"type": "integer"}));
        assert_eq!(ok(json!({"type": "null"})), json!({"nullable": true, "enum": [null]}));
        assert_eq!(ok(json!({"type": ["null"]})), json!({"nullable": true, "enum": [null]}));
        // Several types: a branch each, with the keywords of its type; a keyword
        // of a type not listed constrained nothing.
        assert_eq!(
            ok(
                json!({"type": ["string", "integer", "null"], "description": "d", "minLength": 1,
                      "minimum": 0, "format": "int64", "minItems": 2})
            ),
            json!({"description": "d", "nullable": true, "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "integer", "minimum": 0, "format": "int64"},
            ]})
        );
        assert_eq!(
            ok(json!({"type": ["number", "string", "integer"], "format": "decimal"})),
            json!({"anyOf": [{"type": "number"}, {"type": "string", "format": "decimal"}]})
        );
        // Beside an `anyOf` of its own, the type list joins it through `allOf`.
        assert_eq!(
            ok(json!({"type": ["string", "boolean"], "anyOf": [{"minLength": 2}, {"const": true}]})),
            json!({"anyOf": [{"minLength": 2}, {"enum": [true]}],
                   "allOf": [{"anyOf": [{"type": "string"}, {"type": "boolean"}]}]})
        );
        assert!(err(json!({"type": ["string", "date"]})).contains("\"date\" is not a JSON Schema type"));
        assert!(err(json!({"type": []})).contains("no value fits"));
    }

    #[test]
    fn null_branches_become_nullable() {
        // Merged when one inline branch is left (pydantic's Optional[str]).
        assert_eq!(
            ok(
                json!({"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "description": "d", "default": null})
            ),
            json!({"type": "string", "maxLength": 5, "nullable": true, "description": "d", "default": null})
        );
        // A reference stays the only branch (the form FunnelFox's pages use in 3.0).
        assert_eq!(
            ok(json!({"oneOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]})),
            json!({"oneOf": [{"$ref": "#/components/schemas/T"}], "nullable": true})
        );
        // Several left: still a choice, now nullable.
        assert_eq!(
            ok(json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
        // A clash keeps the branch.
        assert_eq!(
            ok(json!({"type": "string", "anyOf": [{"type": "integer"}, {"type": "null"}]})),
            json!({"type": "string", "anyOf": [{"type": "integer"}], "nullable": true})
        );
        assert_eq!(
            ok(json!({"anyOf": [{"type": "null"}]})),
            json!({"nullable": true, "enum": [null]})
        );
    }

    #[test]
    fn constants_and_examples() {
        assert_eq!(ok(json!({"const": "FREE"})), json!({"enum": ["FREE"]}));
        assert_eq!(ok(json!({"const": 1, "enum": [1, 2]})), json!({"enum": [1]}));
        assert!(err(json!({"const": 3, "enum": [1, 2]})).contains("no value fits"));
        // JSON Schema's documented enum.
        assert_eq!(
            ok(json!({"type": "string", "oneOf": [{"const": "A", "description": "a"}, {"const": "B", "title": "b"}]})),
            json!({"type": "string", "enum": ["A", "B"]})
        );
        assert_eq!(
            ok(
                json!({"anyOf": [{"const": "A", "type": "string"}, {"const": "B", "type": "string"}, {"type": "null"}]})
            ),
            json!({"type": "string", "enum": ["A", "B"], "nullable": true})
        );
        // A branch that is more than a constant is not an enum value.
        assert_eq!(
            ok(json!({"oneOf": [{"const": "A"}, {"type": "string", "maxLength": 1}]})),
            json!({"oneOf": [{"enum": ["A"]}, {"type": "string", "maxLength": 1}]})
        );
        assert_eq!(ok(json!({"examples": ["1.00", "2.00"]})), json!({"example": "1.00"}));
        assert_eq!(ok(json!({"example": "3", "examples": ["1"]})), json!({"example": "3"}));
        assert_eq!(ok(json!({"examples": []})), json!({}));
        assert!(err(json!({"examples": {"a": {"value": 1}}})).contains("must be a list"));
    }

    #[test]
    fn exclusive_bounds() {
        assert_eq!(
            ok(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100})),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 100, "exclusiveMaximum": true})
        );
        // The stricter of two bounds holds.
        assert_eq!(
            ok(json!({"type": "number", "minimum": 5, "exclusiveMinimum": 1})),
            json!({"type": "number", "minimum": 5})
        );
        assert_eq!(
            ok(json!({"type": "number", "minimum": 1, "exclusiveMinimum": 5, "maximum": 9, "exclusiveMaximum": 9})),
            json!({"type": "number", "minimum": 5, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": true})
        );
        // Already 3.0's form.
        assert_eq!(
            ok(json!({"minimum": 1, "exclusiveMinimum": true})),
            json!({"minimum": 1, "exclusiveMinimum": true})
        );
        assert!(err(json!({"exclusiveMaximum": "9"})).contains("must be a number"));
    }

    #[test]
    fn content_and_binary() {
        assert_eq!(
            ok(json!({"type": "string", "contentMediaType": "image/png"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            ok(json!({"contentMediaType": "text/csv"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            ok(json!({"type": "string", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "byte"})
        );
        assert!(err(json!({"type": "string", "contentEncoding": "quoted-printable"})).contains("content encoding"));
        assert!(err(json!({"type": "string", "format": "date", "contentMediaType": "text/plain"})).contains("format"));
    }

    #[test]
    fn references_with_siblings() {
        let r = "#/components/schemas/T";
        // Descriptive siblings stay: 3.0 readers ignore them.
        assert_eq!(
            ok(json!({"$ref": r, "description": "d", "x-billing-sensitive": true})),
            json!({"$ref": r, "description": "d", "x-billing-sensitive": true})
        );
        assert_eq!(
            ok(json!({"$ref": r, "examples": ["e"]})),
            json!({"$ref": r, "example": "e"})
        );
        // A sibling that constrains still does.
        assert_eq!(
            ok(json!({"$ref": r, "description": "d", "default": "x", "readOnly": true})),
            json!({"allOf": [{"$ref": r}], "description": "d", "default": "x", "readOnly": true})
        );
    }

    #[test]
    fn schemas_inside_schemas_and_operations() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "webhooks": {"paid": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}}}}},
            "paths": {"/a/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": ["string"]}}],
                "post": {
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": ["integer", "null"], "exclusiveMinimum": 0}}],
                    "requestBody": {"content": {"multipart/form-data": {
                        "schema": {"type": "object", "properties": {"file": {"type": "string", "contentMediaType": "text/csv"}}},
                        "encoding": {"file": {"headers": {"X-Part": {"schema": {"const": "v"}}}}}
                    }}},
                    "responses": {"200": {
                        "description": "ok",
                        "headers": {"X-Id": {"schema": {"type": ["string", "null"]}}},
                        "content": {"application/json": {"schema": {"type": "array", "items": {"examples": [1]}}}}
                    }},
                    "callbacks": {"done": {"{$request.body#/url}": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": ["boolean", "null"]}}}}}}}}
                }
            }},
            "components": {
                "schemas": {"S": {"type": "object", "properties": {
                    "a": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
                    "b": {"not": {"const": 1}},
                    "c": {"allOf": [true]}
                }}},
                "parameters": {"P": {"name": "p", "in": "query", "content": {"application/json": {"schema": {"type": ["number", "null"]}}}}},
                "headers": {"H": {"schema": {"examples": ["h"]}}},
                "requestBodies": {"B": {"content": {"application/json": {"schema": {"const": "b"}}}}},
                "responses": {"R": {"description": "r", "content": {"application/json": {"schema": {"type": ["object", "null"]}}}}}
            }
        });
        assert!(to_30(Path::new("p.yaml"), &mut doc).unwrap());
        let at = |p: &str| doc.pointer(p).cloned().unwrap_or_else(|| panic!("{p}"));
        assert!(doc.get("webhooks").is_none() && doc.get("jsonSchemaDialect").is_none());
        assert_eq!(at("/paths/~1a~1{id}/parameters/0/schema"), json!({"type": "string"}));
        let op = "/paths/~1a~1{id}/post";
        assert_eq!(
            at(&format!("{op}/parameters/0/schema")),
            json!({"type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true})
        );
        let form = format!("{op}/requestBody/content/multipart~1form-data");
        assert_eq!(
            at(&format!("{form}/schema/properties/file")),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            at(&format!("{form}/encoding/file/headers/X-Part/schema")),
            json!({"enum": ["v"]})
        );
        let ok200 = format!("{op}/responses/200");
        assert_eq!(
            at(&format!("{ok200}/headers/X-Id/schema")),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            at(&format!("{ok200}/content/application~1json/schema/items")),
            json!({"example": 1})
        );
        assert_eq!(
            at(&format!(
                "{op}/callbacks/done/{{$request.body#~1url}}/post/requestBody/content/application~1json/schema"
            )),
            json!({"type": "boolean", "nullable": true})
        );
        let s = "/components/schemas/S/properties";
        assert_eq!(
            at(&format!("{s}/a/additionalProperties")),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(at(&format!("{s}/b/not")), json!({"enum": [1]}));
        assert_eq!(at(&format!("{s}/c/allOf/0")), json!({}));
        assert_eq!(
            at("/components/parameters/P/content/application~1json/schema"),
            json!({"type": "number", "nullable": true})
        );
        assert_eq!(at("/components/headers/H/schema"), json!({"example": "h"}));
        assert_eq!(
            at("/components/requestBodies/B/content/application~1json/schema"),
            json!({"enum": ["b"]})
        );
        assert_eq!(
            at("/components/responses/R/content/application~1json/schema"),
            json!({"type": "object", "nullable": true})
        );
    }

    /// What 3.0 cannot say is an error with the file and the place.
    #[test]
    fn what_30_cannot_express_is_an_error_with_a_place() {
        let place = |schema: Value| {
            let e = convert(json!({"type": "object", "properties": {"p": schema}})).unwrap_err();
            assert_eq!(e.files, vec![std::path::PathBuf::from("specs/x/page.yaml")]);
            e.place
        };
        let at = "components > schemas > S > properties > p";
        for keyword in [
            "prefixItems",
            "if",
            "patternProperties",
            "$defs",
            "unevaluatedProperties",
            "dependentRequired",
        ] {
            assert_eq!(place(json!({keyword: {}})), format!("{at} > {keyword}"));
        }
        assert_eq!(place(json!({"items": [{"type": "string"}]})), format!("{at} > items"));
        assert_eq!(
            place(json!({"anyOf": [{"type": "string"}, {"propertyNames": {"maxLength": 3}}]})),
            format!("{at} > anyOf[1] > propertyNames")
        );
        assert_eq!(
            place(json!({"$schema": "http://json-schema.org/draft-04/schema#"})),
            format!("{at} > $schema")
        );
        assert_eq!(place(json!(3)), at);
        let mut doc = json!({"openapi": "3.1.0", "jsonSchemaDialect": "https://example.com/dialect"});
        let e = to_30(Path::new("p.yaml"), &mut doc).unwrap_err();
        assert_eq!(e.place, "jsonSchemaDialect");
        let mut doc = json!({"openapi": "3.1.0", "components": {"pathItems": {"A": {}}}});
        let e = to_30(Path::new("p.yaml"), &mut doc).unwrap_err();
        assert_eq!(e.place, "components > pathItems");
        let mut doc = json!({"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {
            "description": "ok", "content": {"application/json": {"schema": {"if": {}}}}}}}}}});
        let e = to_30(Path::new("p.yaml"), &mut doc).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.yaml at paths > /a > get > responses > 200 > content > application/json > schema > if: `if` (JSON Schema 2020-12) has no OpenAPI 3.0 form"
        );
    }
}
