//! Corrections every page gets, applied to the merged and overlaid document:
//!
//! - every operation gets an id (see [`super::names`]): derived from its path
//!   where upstream has none, respelled as a Rust method where it has one;
//! - a parameter declared `in: path` whose name is not in the path template but is
//!   a variable of the server URL (FunnelFox's `org_id`) is removed from the
//!   operation: it belongs to the server URL, which the client renders;
//! - inline request and response schemas become components named after the
//!   operation (`OneClickBody`, `OneClickResponse`), so every operation's types
//!   have names the generated method can use.
//!
//! Each step returns what it changed, so the operation table can list it.

use super::load::Origins;
use super::names;
use super::{PipelineError, place};
use serde_json::{Map, Value, json};

pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Apply every correction; returns one line per change made.
pub fn normalize(doc: &mut Value, origins: &mut Origins) -> Result<Vec<String>, PipelineError> {
    let mut log = operation_ids(doc);
    log.extend(lift_server_variables(doc));
    log.extend(name_inline_schemas(doc, origins)?);
    log.extend(name_inline_enums(doc, origins)?);
    Ok(log)
}

/// The variables of the first server URL template, in order.
pub fn server_variables(doc: &Value) -> Vec<String> {
    let url = doc.pointer("/servers/0/url").and_then(Value::as_str).unwrap_or("");
    template_names(url)
}

/// The `{names}` in a URL or path template.
pub fn template_names(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// Every operation: (path, method, operation), in document order.
pub fn operations_mut(doc: &mut Value) -> Vec<(String, String, &mut Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                for (method, op) in item.iter_mut() {
                    if let (true, Some(op)) = (METHODS.contains(&method.as_str()), op.as_object_mut()) {
                        out.push((path.clone(), method.clone(), op));
                    }
                }
            }
        }
    }
    out
}

/// Give every operation its method name as `operationId`.
pub fn operation_ids(doc: &mut Value) -> Vec<String> {
    let mut log = Vec::new();
    for (path, method, op) in operations_mut(doc) {
        let declared = op.get("operationId").and_then(Value::as_str).map(str::to_string);
        let id = match &declared {
            Some(d) => names::method_id(d),
            None => names::derived_id(&path),
        };
        let Some(id) = id else {
            continue; // preflight reports the missing id with its place
        };
        match declared {
            Some(d) if d == id => continue,
            Some(d) => log.push(format!("{method} {path}: operationId `{d}` spelled `{id}`")),
            None => log.push(format!("{method} {path}: operationId `{id}` derived from the path")),
        }
        op.insert("operationId".into(), Value::String(id));
    }
    log
}

/// The name of a parameter, following a `#/components/parameters/...` reference.
fn parameter_name<'a>(param: &'a Value, components: &'a Value) -> Option<(&'a str, &'a str)> {
    let param = match param.get("$ref").and_then(Value::as_str) {
        Some(r) => components
            .get("parameters")?
            .get(r.strip_prefix("#/components/parameters/")?)?,
        None => param,
    };
    Some((param.get("name")?.as_str()?, param.get("in")?.as_str()?))
}

/// Remove path parameters that are really server variables.
pub fn lift_server_variables(doc: &mut Value) -> Vec<String> {
    let variables = server_variables(doc);
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let mut log = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return log;
    };
    for (path, item) in paths.iter_mut() {
        let in_path = template_names(path);
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (where_, params) in item.iter_mut().flat_map(|(key, v)| {
            let params = if key == "parameters" {
                Some(v)
            } else {
                v.get_mut("parameters")
            };
            params.map(|p| (key.clone(), p))
        }) {
            let Some(list) = params.as_array_mut() else {
                continue;
            };
            list.retain(|p| match parameter_name(p, &components) {
                Some((name, "path")) if !in_path.iter().any(|n| n == name) && variables.iter().any(|v| v == name) => {
                    log.push(format!(
                        "{where_} {path}: path parameter `{name}` lifted to the server URL variable"
                    ));
                    false
                }
                _ => true,
            });
        }
    }
    log
}

/// Move inline JSON request and success-response schemas into `components/schemas`.
pub fn name_inline_schemas(doc: &mut Value, origins: &mut Origins) -> Result<Vec<String>, PipelineError> {
    let mut hoisted: Vec<(String, Value, String)> = Vec::new();
    let request_bodies = doc.pointer("/components/requestBodies").cloned().unwrap_or(Value::Null);
    let responses = doc.pointer("/components/responses").cloned().unwrap_or(Value::Null);
    for (path, method, op) in operations_mut(doc) {
        let Some(id) = op.get("operationId").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        let at = place(&["paths", &path, &method]);
        if let Some(body) = op.get_mut("requestBody") {
            inline_ref(body, &request_bodies, "#/components/requestBodies/");
            hoist(body, &format!("{}Body", names::pascal(&id)), &at, &mut hoisted);
        }
        if let Some((_, response)) = op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .and_then(|r| r.iter_mut().find(|(status, _)| status.starts_with('2')))
        {
            inline_ref(response, &responses, "#/components/responses/");
            hoist(response, &format!("{}Response", names::pascal(&id)), &at, &mut hoisted);
        }
    }
    let mut log = Vec::new();
    if hoisted.is_empty() {
        return Ok(log);
    }
    let schemas = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut);
    let Some(schemas) = schemas else {
        return Ok(log);
    };
    for (name, schema, at) in hoisted {
        let file = origins.file_of(&at);
        if schemas.contains_key(&name) {
            return Err(PipelineError::new(
                file,
                at,
                format!("its inline schema would be named `{name}`, which a component already is"),
            ));
        }
        log.push(format!("{at}: inline schema named `{name}`"));
        origins.by_place.insert(place(&["components", "schemas", &name]), file);
        schemas.insert(name, schema);
    }
    Ok(log)
}

/// Replace `{"$ref": "<prefix>X"}` by a copy of component X.
fn inline_ref(item: &mut Value, components: &Value, prefix: &str) {
    if let Some(name) = item
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(prefix))
        && let Some(target) = components.get(name)
    {
        *item = target.clone();
    }
}

/// Name the inline JSON schema of a body or response (`content > */json > schema`).
fn hoist(item: &mut Value, name: &str, at: &str, out: &mut Vec<(String, Value, String)>) {
    let Some(content) = item.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for (mime, media) in content.iter_mut() {
        let Some(schema) = media.get_mut("schema") else {
            continue;
        };
        if !is_json(mime) || schema.get("$ref").is_some() {
            continue;
        }
        let inline = std::mem::replace(schema, json!({"$ref": format!("#/components/schemas/{name}")}));
        out.push((name.to_string(), inline, at.to_string()));
    }
}

/// `application/json`, `application/problem+json`, `application/json; charset=utf-8`.
pub fn is_json(mime: &str) -> bool {
    let essence = mime.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

/// A string schema with an `enum`: generated as an open enum (unknown values kept).
/// An `enum` of no string (`[null]`, the form of a schema that only allows null)
/// is not one.
pub fn is_string_enum(schema: &Value) -> bool {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(Value::is_string))
        && schema.get("type").and_then(Value::as_str).is_none_or(|t| t == "string")
        && schema.get("$ref").is_none()
}

/// Move inline string enums inside component schemas into components of their
/// own, named as typify names them (`{Parent}{Property}`), so every enum is a
/// named, open type.
pub fn name_inline_enums(doc: &mut Value, origins: &mut Origins) -> Result<Vec<String>, PipelineError> {
    let mut found: Vec<(String, Value, String)> = Vec::new();
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else {
        return Ok(Vec::new());
    };
    for (name, schema) in schemas.iter_mut() {
        let at = place(&["components", "schemas", name]);
        collect_enums(schema, &names::type_name(name), &at, &mut found);
    }
    let mut log = Vec::new();
    for (name, schema, at) in found {
        if schemas.contains_key(&name) {
            return Err(PipelineError::new(
                origins.file_of(&at),
                at,
                format!("its inline enum would be named `{name}`, which a component already is"),
            ));
        }
        log.push(format!("{at}: inline enum named `{name}`"));
        let file = origins.file_of(&at);
        origins.by_place.insert(place(&["components", "schemas", &name]), file);
        schemas.insert(name, schema);
    }
    Ok(log)
}

fn collect_enums(schema: &mut Value, base: &str, at: &str, out: &mut Vec<(String, Value, String)>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
        for (prop, sub) in props.iter_mut() {
            let name = format!("{base}{}", names::pascal(&names::snake(prop)));
            take_enum(sub, &name, at, out);
        }
    }
    if let Some(items) = map.get_mut("items") {
        take_enum(items, &format!("{base}Item"), at, out);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for (i, sub) in map
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .enumerate()
        {
            take_enum(sub, &format!("{base}{}{i}", names::pascal(&names::snake(key))), at, out);
        }
    }
}

fn take_enum(sub: &mut Value, name: &str, at: &str, out: &mut Vec<(String, Value, String)>) {
    if is_string_enum(sub) {
        let inline = std::mem::replace(sub, json!({"$ref": format!("#/components/schemas/{name}")}));
        out.push((name.to_string(), inline, at.to_string()));
    } else {
        collect_enums(sub, name, at, out);
    }
}
