//! The spec pipeline, run by `build.rs` (and unit-tested by `tests/codegen.rs`):
//!
//! 1. [`load`]: read every vendored page of a provider and merge them into one
//!    document; a component defined differently by two pages is an error naming both.
//! 2. [`overlay`]: apply the provider's declared corrections (`overlay.yaml`, a JSON
//!    merge patch), so vendored pages stay byte-identical to upstream.
//! 3. [`normalize`]: derive missing operation ids and lift server variables that the
//!    upstream pages mis-declare as path parameters.
//! 4. [`preflight`]: reject, with a file and a place, the shapes progenitor panics on.
//! 5. [`generate`]: progenitor's client, and [`meta`]: what the hand-written wrapper
//!    needs (server template, auth header, per-operation auth/retry, constraints).

pub mod generate;
pub mod load;
pub mod meta;
pub mod normalize;
pub mod overlay;
pub mod preflight;

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
    /// progenitor's client, pretty-printed.
    pub client: String,
    /// The wrapper's metadata, as Rust source.
    pub meta: String,
    /// The spec files read (for `cargo:rerun-if-changed`).
    pub inputs: Vec<PathBuf>,
}

/// Run the whole pipeline on one provider's folder of specs.
pub fn run(dir: &Path) -> Result<Output, PipelineError> {
    let pages = load::read_dir(dir)?;
    let inputs = pages.iter().map(|p| p.file.clone()).collect::<Vec<_>>();
    let merged = load::merge(&pages)?;
    let mut doc = merged.doc;
    let mut corrections = Vec::new();
    if let Some(patch) = load::read_overlay(dir)? {
        overlay::apply(&mut doc, &patch.doc);
        corrections.push(format!("applied {}", patch.file.display()));
    }
    corrections.extend(normalize::normalize(&mut doc));
    let spec = preflight::check(&doc, &merged.origins)?;
    let client = generate::client(&spec, &merged.origins)?;
    let meta = meta::emit(&spec, &corrections, &merged.origins)?;
    Ok(Output { client, meta, inputs })
}
