//! Type lists (`type: [X, "null"]`, several types, `type: "null"`) as 3.0's one
//! type with `nullable`, or `anyOf` a branch per type.

use super::{Cx, Result};
use serde_json::{Map, Value, json};

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

impl Cx<'_> {
    /// A list of types → one type and `nullable`, or `anyOf` a branch per type.
    pub(super) fn types(&mut self, map: &mut Map<String, Value>) -> Result {
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
