//! Corrections every upstream FunnelFox page needs, applied to the merged document:
//!
//! - operations without an `operationId` get one derived from the last path segment
//!   (`/checkout/one_click` → `one_click`);
//! - a parameter declared `in: path` whose name is not in the path template but is a
//!   variable of the server URL (FunnelFox's `org_id`) is removed from the operation:
//!   it belongs to the server URL, which the wrapper renders.
//!
//! Each function returns what it changed, so the emitted metadata can list it.

use serde_json::Value;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Apply every correction; returns one line per change made.
pub fn normalize(doc: &mut Value) -> Vec<String> {
    let mut log = derive_operation_ids(doc);
    log.extend(lift_server_variables(doc));
    log
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

/// `snake_case` identifier from a path segment such as `one_click` or `{id}`.
pub fn operation_id_for(path: &str) -> Option<String> {
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    let id: String = last
        .trim_matches(|c| c == '{' || c == '}')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let id = id.trim_matches('_').to_string();
    (!id.is_empty() && !id.starts_with(|c: char| c.is_ascii_digit())).then_some(id)
}

fn operations_mut(doc: &mut Value) -> Vec<(String, String, &mut Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                for (method, op) in item.iter_mut() {
                    if METHODS.contains(&method.as_str()) {
                        out.push((path.clone(), method.clone(), op));
                    }
                }
            }
        }
    }
    out
}

/// Give every operation without an `operationId` the last segment of its path.
pub fn derive_operation_ids(doc: &mut Value) -> Vec<String> {
    let mut log = Vec::new();
    for (path, method, op) in operations_mut(doc) {
        let Some(op) = op.as_object_mut() else {
            continue;
        };
        if op.get("operationId").and_then(Value::as_str).is_some() {
            continue;
        }
        if let Some(id) = operation_id_for(&path) {
            log.push(format!("{method} {path}: operationId `{id}` derived from the path"));
            op.insert("operationId".into(), Value::String(id));
        }
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
