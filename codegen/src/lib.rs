//! The spec pipeline of `billing-clients`: its `build.rs` calls [`run`] on each
//! provider's folder of OpenAPI pages and writes the generated code; the
//! `spec-drift` binary compares a newer upstream page with the vendored one
//! ([`drift`]). Not an API of its own: it changes with the crate it generates.
//!
//! The steps, in order:
//!
//! 1. [`load`]: read every vendored page of a provider and merge them into one
//!    document; a definition two pages give differently (other than in descriptive
//!    text) is an error naming both files. Each page is put in OpenAPI 3.0 form
//!    as soon as it is parsed: [`openapi31`] rewrites a 3.1 page (type lists with
//!    `"null"`, `const`, `examples`, `$ref` siblings, numeric exclusive bounds)
//!    and refuses, with a file and a place, what 3.0 cannot express.
//! 2. overlay: the provider's declared corrections (`overlay.yaml`, a JSON merge
//!    patch, RFC 7396), so vendored pages stay byte-identical to upstream.
//! 3. [`normalize`]: operation ids (derived where upstream has none), server
//!    variables mis-declared as path parameters, inline schemas named.
//! 4. [`preflight`]: reject what cannot be generated, with a file and a place.
//! 5. [`types`]: progenitor's request and response types, read by the rule of
//!    [`absent`] (missing, `null` and `""` are one absent value); [`operations`]: the
//!    client's methods and the operation table (auth, retry class, schemas) the
//!    core acts on.

pub mod absent;
pub mod drift;
pub mod load;
pub mod names;
pub mod normalize;
pub mod openapi31;
pub mod operations;
pub mod preflight;
pub mod schema;
pub mod types;

use std::fmt;
use std::path::{Path, PathBuf};

/// A spec that cannot be used: which file, where in it, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineError {
    /// The file(s) the problem is in (two for a conflict between pages).
    pub files: Vec<PathBuf>,
    /// Where in the document, such as `paths > /checkout/one_click > post`.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl PipelineError {
    pub fn new(file: impl Into<PathBuf>, place: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            files: vec![file.into()],
            place: place.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: Vec<String> = self.files.iter().map(|p| p.display().to_string()).collect();
        write!(f, "{}", files.join(" and "))?;
        if !self.place.is_empty() {
            write!(f, " at {}", self.place)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Separates the levels of a place in a document.
pub const SEP: &str = " > ";

/// A place in a document from its levels: `place(&["paths", "/x", "post"])`.
pub fn place(levels: &[&str]) -> String {
    levels.join(SEP)
}

/// Everything the pipeline produces for one provider.
pub struct Output {
    /// progenitor's `pub mod types`, pretty-printed.
    pub types: String,
    /// The operation table and the client's methods, pretty-printed.
    pub operations: String,
    /// The spec files read (for `cargo:rerun-if-changed`).
    pub inputs: Vec<PathBuf>,
}

/// Run the whole pipeline on one provider's folders of pages (the first holds its
/// `overlay.yaml`; more folders add pages, as test fixtures do).
pub fn run(dirs: &[&Path]) -> Result<Output, PipelineError> {
    generate(&read_pages(dirs)?, dirs[0])
}

/// Every page of the folders, folder by folder, each in name order.
pub fn read_pages(dirs: &[&Path]) -> Result<Vec<load::Page>, PipelineError> {
    let mut pages = Vec::new();
    for dir in dirs {
        pages.extend(load::read_dir(dir)?);
    }
    Ok(pages)
}

/// The merged, overlaid and normalized document of a set of pages.
pub struct Corrected {
    pub doc: serde_json::Value,
    pub origins: load::Origins,
    /// One line per correction made (the overlay, then each normalization).
    pub corrections: Vec<String>,
    /// The overlay applied, if the provider has one.
    pub overlay: Option<PathBuf>,
}

/// Steps 1 to 3: merge `pages`, apply the overlay in `overlay_dir`, normalize.
pub fn correct(pages: &[load::Page], overlay_dir: &Path) -> Result<Corrected, PipelineError> {
    let merged = load::merge(pages)?;
    let (mut doc, mut origins) = (merged.doc, merged.origins);
    let mut corrections = Vec::new();
    let mut overlay = None;
    if let Some(patch) = load::read_overlay(overlay_dir)? {
        json_patch::merge(&mut doc, &patch.doc);
        corrections.push(format!("applied {}", patch.file.display()));
        overlay = Some(patch.file);
    }
    corrections.extend(normalize::normalize(&mut doc, &mut origins)?);
    Ok(Corrected {
        doc,
        origins,
        corrections,
        overlay,
    })
}

/// The whole pipeline on pages already read (`overlay_dir` holds the overlay).
pub fn generate(pages: &[load::Page], overlay_dir: &Path) -> Result<Output, PipelineError> {
    let mut inputs = pages.iter().map(|p| p.file.clone()).collect::<Vec<_>>();
    let Corrected {
        doc,
        origins,
        corrections,
        overlay,
    } = correct(pages, overlay_dir)?;
    inputs.extend(overlay);
    let spec = preflight::check(&doc, &origins)?;
    let types = types::generate(&doc, &origins)?;
    let operations = operations::generate(&doc, &spec, &corrections, &origins, &structs(&types))?;
    every_type_generated(&types, &operations).map_err(|m| PipelineError::new(overlay_dir, "components", m))?;
    Ok(Output {
        types,
        operations,
        inputs,
    })
}

/// The name of every struct progenitor made.
fn structs(types: &str) -> std::collections::BTreeSet<String> {
    types
        .split("pub struct ")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Each `types::X` the methods use is a type progenitor made.
fn every_type_generated(types: &str, operations: &str) -> Result<(), String> {
    for used in operations.split("types::").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let made = ["struct", "enum", "type"]
            .iter()
            .any(|kind| types.contains(&format!("pub {kind} {name}")));
        if !made {
            return Err(format!(
                "the methods use `types::{name}`, which progenitor did not generate"
            ));
        }
    }
    Ok(())
}

/// Pretty-print generated tokens as a file.
pub fn unparse(tokens: proc_macro2::TokenStream, what: &str) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("generated {what} does not parse: {e}"))?;
    Ok(format!(
        "// @generated by build.rs from the specs in specs/; do not edit.\n\n{}",
        prettyplease::unparse(&file)
    ))
}
