//! The spec pipeline's own tests: each upstream quirk in, the corrected document
//! out; every unusable shape a clear error with a file and a place, never a panic.
//!
//! By pipeline step: loading and merging pages ([`loading`]), OpenAPI 3.1 pages
//! ([`openapi31_pages`]), normalisation ([`normalizing`]), the preflight checks
//! ([`preflight_checks`]) and generation ([`generating`]).

mod generating;
mod loading;
mod normalizing;
mod openapi31_pages;
mod preflight_checks;

use billing_clients_codegen as codegen;

use codegen::load;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A file of the repository this generator is part of (its specs and fixtures).
fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// An upstream-style FunnelFox page: no operationId, `org_id` as a path parameter.
fn upstream_page(path: &str, schema: &str) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "OpenAPI3", "version": "1.0.0"},
        "servers": [{"url": "https://billing.funnelfox.com/{org_id}/v1", "variables": {"org_id": {"default": "your-org-id"}}}],
        "security": [{"FunnelFoxSecretKey": []}],
        "paths": {path: {"post": {
            "parameters": [{"name": "org_id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}},
            "security": []
        }}},
        "components": {
            "schemas": {schema: {"type": "object", "properties": {"pp_ident": {"type": "string", "pattern": "^[a-z]+$"}}}},
            "securitySchemes": {"FunnelFoxSecretKey": {"type": "apiKey", "in": "header", "name": "ff-secret-key"}}
        }
    })
}

fn page(name: &str, doc: Value) -> load::Page {
    load::Page {
        file: PathBuf::from(name),
        doc,
    }
}

fn merged(pages: &[load::Page]) -> (Value, load::Origins) {
    let m = load::merge(pages).unwrap_or_else(|e| panic!("{e}"));
    (m.doc, m.origins)
}
