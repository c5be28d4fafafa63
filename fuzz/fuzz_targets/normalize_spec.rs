//! Any YAML document through the spec pipeline's 3.1-to-3.0 rewrite, merge,
//! overlay, normalisation, preflight checks and the generation of operations: a
//! clear error or a result, never a panic.
#![no_main]

use billing_clients_codegen as codegen;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut doc) = codegen::load::parse(Path::new("fuzz.yaml"), text) else { return };
    if codegen::openapi31::to_30(Path::new("fuzz.yaml"), &mut doc).is_err() {
        return;
    }
    let pages = [
        codegen::load::Page { file: "a.yaml".into(), doc: doc.clone() },
        codegen::load::Page { file: "b.yaml".into(), doc: doc.clone() },
    ];
    let Ok(merged) = codegen::load::merge(&pages) else { return };
    let (mut doc, mut origins) = (merged.doc, merged.origins);
    json_patch::merge(&mut doc, &serde_json::json!({"paths": {"/x": {"post": {"x-billing-retry": "safe"}}}}));
    let Ok(corrections) = codegen::normalize::normalize(&mut doc, &mut origins) else { return };
    if let Ok(spec) = codegen::preflight::check(&doc, &origins) {
        let _ = codegen::operations::generate(&doc, &spec, &corrections, &origins, &Default::default());
    }
});
