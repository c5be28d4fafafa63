//! Schema-level rules: a schema and every schema inside it, its keywords that
//! 3.0 cannot express refused, and `examples`, `const`, exclusive bounds and
//! content encodings put in their 3.0 form.

use super::branches::{constant_branches, null_branches, ref_siblings};
use super::{Cx, DIALECTS, Result};
use serde_json::{Map, Value, json};

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

impl Cx<'_> {
    /// A schema and every schema inside it.
    pub(super) fn schema(&mut self, schema: &mut Value) -> Result {
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
}
