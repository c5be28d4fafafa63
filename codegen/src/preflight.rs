//! What must hold before anything is generated, so a spec that cannot be used
//! fails the build with a file and a place instead of a panic or wrong code.

use super::load::Origins;
use super::names::RESERVED;
use super::normalize::{METHODS, is_json, template_names};
use super::{PipelineError, place};
use openapiv3::OpenAPI;
use serde_json::Value;
use std::collections::BTreeMap;

/// Check the corrected document; returns it typed, for progenitor.
pub fn check(doc: &Value, origins: &Origins) -> Result<OpenAPI, PipelineError> {
    let err = |place: String, msg: String| PipelineError::new(origins.file_of(&place), place, msg);
    let spec: OpenAPI = serde_json::from_value(doc.clone()).map_err(|e| {
        PipelineError::new(
            origins.fallback.clone(),
            "",
            format!("not an OpenAPI 3.0 document: {e}"),
        )
    })?;
    if !spec.openapi.starts_with("3.0") {
        return Err(err(
            "openapi".into(),
            format!("progenitor reads OpenAPI 3.0 only, found {}", spec.openapi),
        ));
    }
    let Some(server) = spec.servers.first() else {
        return Err(err("servers".into(), "no server URL".into()));
    };
    for name in template_names(&server.url) {
        if !server.variables.as_ref().is_some_and(|v| v.contains_key(&name)) {
            return Err(err(
                place(&["servers", "0"]),
                format!("server URL variable `{name}` is not declared"),
            ));
        }
    }
    for (name, scheme) in spec.components.iter().flat_map(|c| c.security_schemes.iter()) {
        let ok = matches!(
            scheme,
            openapiv3::ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
                location: openapiv3::APIKeyLocation::Header,
                ..
            })
        );
        if !ok {
            return Err(err(
                place(&["components", "securitySchemes", name]),
                "only apiKey schemes in a header are supported".into(),
            ));
        }
    }
    refs(doc, doc, &mut Vec::new()).map_err(|(at, m)| err(at, m))?;
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let at = place(&["paths", path]);
        let Some(item) = item.as_object() else {
            return Err(err(
                at,
                "a path item must be a mapping ($ref path items are not supported)".into(),
            ));
        };
        for (method, op) in item.iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            let at = place(&[&at, method]);
            let id = op.get("operationId").and_then(Value::as_str);
            let Some(id) = id.filter(|id| super::names::method_id(id).as_deref() == Some(*id)) else {
                return Err(err(
                    at,
                    "no operationId, and none could be derived from the path".into(),
                ));
            };
            if let Some(other) = ids.insert(id.to_string(), at.clone()) {
                return Err(PipelineError {
                    files: vec![origins.file_of(&other), origins.file_of(&at)],
                    place: format!("{other} and {at}"),
                    message: format!("both operations are named `{id}`; declare another operationId in the overlay"),
                });
            }
            if RESERVED.contains(&id) {
                return Err(err(
                    at,
                    format!("operationId `{id}` is a method every client already has; declare another in the overlay"),
                ));
            }
            operation(doc, path, item, op).map_err(|m| err(at.clone(), m))?;
        }
    }
    Ok(spec)
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(v),
        None => v,
    }
}

fn operation(doc: &Value, path: &str, item: &serde_json::Map<String, Value>, op: &Value) -> Result<(), String> {
    let in_path = template_names(path);
    let params = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten())
        .map(|p| resolve(doc, p));
    let mut declared = Vec::new();
    for p in params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        match p.get("in").and_then(Value::as_str) {
            Some("path") if !in_path.iter().any(|n| n == name) => {
                return Err(format!("path parameter `{name}` does not appear in the path"));
            }
            Some("path") | Some("query") => declared.push(name.to_string()),
            other => {
                return Err(format!(
                    "parameter `{name}` in {other:?} is not supported (path and query are)"
                ));
            }
        }
        if p.get("schema").is_none() {
            return Err(format!("parameter `{name}` has no schema"));
        }
    }
    if let Some(missing) = in_path.iter().find(|n| !declared.contains(n)) {
        return Err(format!("path segment {{{missing}}} has no parameter"));
    }
    if let Some(body) = op.get("requestBody") {
        let content = resolve(doc, body).get("content").and_then(Value::as_object);
        let media: Vec<&String> = content.into_iter().flat_map(|c| c.keys()).collect();
        match media.as_slice() {
            [m] if is_json(m) || m.starts_with("multipart/form-data") => {}
            [m] => {
                return Err(format!(
                    "request body media type `{m}` is not supported (application/json is)"
                ));
            }
            other => {
                return Err(format!(
                    "request body has {} media types; exactly one is supported",
                    other.len()
                ));
            }
        }
    }
    let responses = op.get("responses").and_then(Value::as_object);
    if let Some((status, response)) = responses.into_iter().flatten().find(|(s, _)| s.starts_with('2')) {
        for (mime, media) in resolve(doc, response)
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if is_json(mime) && media.get("schema").is_none() {
                return Err(format!("response {status} ({mime}) has no schema"));
            }
        }
    }
    Ok(())
}

/// Every `$ref` points at something in this document.
fn refs(doc: &Value, v: &Value, at: &mut Vec<String>) -> Result<(), (String, String)> {
    match v {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                let target = r.strip_prefix('#').and_then(|p| doc.pointer(p));
                if target.is_none() {
                    let levels: Vec<&str> = at.iter().map(String::as_str).collect();
                    return Err((place(&levels), format!("reference `{r}` points at nothing in this API")));
                }
            }
            for (k, child) in map {
                at.push(k.clone());
                refs(doc, child, at)?;
                at.pop();
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|i| refs(doc, i, at)),
        _ => Ok(()),
    }
}
