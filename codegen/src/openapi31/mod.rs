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

mod branches;
mod schema;
mod type_lists;

#[cfg(test)]
mod tests;

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
}
