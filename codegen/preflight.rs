//! Checks for the shapes progenitor 0.15 panics on (or silently mis-generates), so a
//! bad spec fails the build with a file and a place instead of a backtrace.

use super::PipelineError;
use super::load::Origins;
use super::normalize::template_names;
use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, RequestBody, Response};
use std::collections::BTreeMap;

/// Deserialize the corrected document and check it; returns the typed spec.
pub fn check(doc: &serde_json::Value, origins: &Origins) -> Result<OpenAPI, PipelineError> {
    let spec: OpenAPI = serde_json::from_value(doc.clone()).map_err(|e| {
        PipelineError::new(
            origins.fallback.clone(),
            "",
            format!("not an OpenAPI 3.0 document: {e}"),
        )
    })?;
    let err = |place: String, msg: String| PipelineError::new(origins.file_of(&place), place, msg);
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
                super::place(&["servers", "0"]),
                format!("server URL variable `{name}` is not declared"),
            ));
        }
    }
    for (name, scheme) in spec.components.iter().flat_map(|c| c.security_schemes.iter()) {
        let ok = matches!(
            scheme,
            ReferenceOr::Item(openapiv3::SecurityScheme::APIKey {
                location: openapiv3::APIKeyLocation::Header,
                ..
            })
        );
        if !ok {
            return Err(err(
                super::place(&["components", "securitySchemes", name]),
                "only apiKey schemes in a header are supported".into(),
            ));
        }
    }
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in spec.paths.iter() {
        let place = super::place(&["paths", path]);
        let ReferenceOr::Item(item) = item else {
            return Err(err(
                place,
                "path items given by $ref are not supported by progenitor".into(),
            ));
        };
        for (method, op) in item.iter() {
            let place = super::place(&[&place, method]);
            let Some(id) = &op.operation_id else {
                return Err(err(
                    place,
                    "no operationId, and none could be derived from the path".into(),
                ));
            };
            if let Some(other) = ids.insert(id.clone(), place.clone()) {
                return Err(err(place, format!("operationId `{id}` is also used by {other}")));
            }
            let params = item.parameters.iter().chain(op.parameters.iter());
            check_operation(&spec, path, op, params, &place).map_err(|m| err(place.clone(), m))?;
        }
    }
    Ok(spec)
}

fn check_operation<'a>(
    spec: &'a OpenAPI,
    path: &str,
    op: &'a Operation,
    params: impl Iterator<Item = &'a ReferenceOr<Parameter>>,
    _place: &str,
) -> Result<(), String> {
    let in_path = template_names(path);
    for p in params {
        let p = resolve(spec, p, "parameters", |c| &c.parameters)?;
        let data = p.parameter_data_ref();
        if matches!(p, Parameter::Path { .. }) && !in_path.contains(&data.name) {
            return Err(format!("path parameter `{}` does not appear in the path", data.name));
        }
    }
    if let Some(body) = &op.request_body {
        let body: &RequestBody = resolve(spec, body, "requestBodies", |c| &c.request_bodies)?;
        if body.content.len() != 1 {
            return Err(format!(
                "request body has {} media types; progenitor takes exactly one",
                body.content.len()
            ));
        }
        if body.content.values().any(|m| !m.encoding.is_empty()) {
            return Err("request body media type has an `encoding`, which progenitor cannot generate".into());
        }
        schema_refs(spec, body.content.values().filter_map(|m| m.schema.as_ref()))?;
    }
    for (status, response) in op
        .responses
        .responses
        .iter()
        .map(|(s, r)| (s.to_string(), r))
        .chain(op.responses.default.iter().map(|r| ("default".to_string(), r)))
    {
        let response: &Response = resolve(spec, response, "responses", |c| &c.responses)?;
        for (mime, media) in &response.content {
            if mime.starts_with("application/json") && media.schema.is_none() {
                return Err(format!("response {status} ({mime}) has no schema"));
            }
            schema_refs(spec, media.schema.iter())?;
        }
    }
    Ok(())
}

/// Follow a `#/components/{kind}/name` reference (one level, as progenitor does).
fn resolve<'a, T>(
    spec: &'a OpenAPI,
    item: &'a ReferenceOr<T>,
    kind: &str,
    get: impl Fn(&'a openapiv3::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
) -> Result<&'a T, String> {
    match item {
        ReferenceOr::Item(t) => Ok(t),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix(&format!("#/components/{kind}/"))
                .ok_or_else(|| format!("reference `{reference}` is not a local #/components/{kind}/ reference"))?;
            match spec.components.as_ref().map(get).and_then(|m| m.get(name)) {
                Some(ReferenceOr::Item(t)) => Ok(t),
                Some(ReferenceOr::Reference { .. }) => {
                    Err(format!("reference `{reference}` points at another reference"))
                }
                None => Err(format!("reference `{reference}` points at nothing")),
            }
        }
    }
}

fn schema_refs<'a>(
    spec: &OpenAPI,
    schemas: impl Iterator<Item = &'a ReferenceOr<openapiv3::Schema>>,
) -> Result<(), String> {
    for s in schemas {
        if let ReferenceOr::Reference { reference } = s {
            let name = reference.strip_prefix("#/components/schemas/").unwrap_or(reference);
            if !spec.components.as_ref().is_some_and(|c| c.schemas.contains_key(name)) {
                return Err(format!("schema reference `{reference}` points at nothing"));
            }
        }
    }
    Ok(())
}
