//! Reading a provider's pages and merging them into one document. Pages of one API
//! repeat its servers, security schemes and shared components; they must agree,
//! except in descriptive text (newer FunnelFox pages call the same server
//! "FunnelFox Payments API"), where the first page's wording is kept, and in
//! the patch version of OpenAPI 3.0 (a 3.1 page is read as 3.0.3, beside pages
//! vendored as 3.0.0).

use super::{PipelineError, place};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name of a provider's declared corrections, which is not a page.
pub const OVERLAY: &str = "overlay.yaml";

/// One vendored page.
pub struct Page {
    pub file: PathBuf,
    pub doc: Value,
}

/// The merged document and, for each place in it, the page it came from.
pub struct Merged {
    pub doc: Value,
    pub origins: Origins,
}

/// Which file each path, operation or component came from, for error messages.
#[derive(Default, Clone)]
pub struct Origins {
    pub by_place: BTreeMap<String, PathBuf>,
    pub fallback: PathBuf,
}

impl Origins {
    /// The file that defined `place` (or the closest enclosing place).
    pub fn file_of(&self, place: &str) -> PathBuf {
        let mut p = place;
        loop {
            if let Some(f) = self.by_place.get(p) {
                return f.clone();
            }
            match p.rfind(super::SEP) {
                Some(i) => p = &p[..i],
                None => return self.fallback.clone(),
            }
        }
    }
}

/// Parse one YAML file; a syntax error (a key given twice too) names the file,
/// line and column.
pub fn parse(file: &Path, text: &str) -> Result<Value, PipelineError> {
    // Through YAML's own value first: it refuses duplicate keys, which a JSON
    // value would silently resolve to the last one.
    let yaml = serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| {
        let place = e
            .location()
            .map(|l| format!("line {}, column {}", l.line(), l.column()));
        PipelineError::new(file, place.unwrap_or_default(), format!("not valid YAML: {e}"))
    })?;
    serde_json::to_value(yaml).map_err(|e| PipelineError::new(file, "", format!("not a JSON-like document: {e}")))
}

fn read(file: &Path) -> Result<Value, PipelineError> {
    let text = std::fs::read_to_string(file).map_err(|e| PipelineError::new(file, "", format!("cannot read: {e}")))?;
    parse(file, &text)
}

/// Every `*.yaml` page in `dir` except the overlay, in name order; an OpenAPI
/// 3.1 page is read in its 3.0 form ([`super::openapi31`]).
pub fn read_dir(dir: &Path) -> Result<Vec<Page>, PipelineError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| PipelineError::new(dir, "", format!("cannot read the folder: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with(OVERLAY))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(PipelineError::new(dir, "", "no *.yaml spec pages"));
    }
    files
        .into_iter()
        .map(|file| {
            let mut doc = read(&file)?;
            super::openapi31::to_30(&file, &mut doc)?;
            Ok(Page { doc, file })
        })
        .collect()
}

/// The provider's declared corrections, if it has any.
pub fn read_overlay(dir: &Path) -> Result<Option<Page>, PipelineError> {
    let file = dir.join(OVERLAY);
    if !file.exists() {
        return Ok(None);
    }
    Ok(Some(Page {
        doc: read(&file)?,
        file,
    }))
}

/// Merge pages: top-level fields and components must agree where two pages both
/// define them; each operation may be defined by one page only.
pub fn merge(pages: &[Page]) -> Result<Merged, PipelineError> {
    let mut doc = Map::new();
    let mut origins = Origins {
        fallback: pages[0].file.clone(),
        ..Default::default()
    };
    for page in pages {
        let Value::Object(top) = &page.doc else {
            return Err(PipelineError::new(&page.file, "", "the document is not a mapping"));
        };
        for (key, value) in top {
            match key.as_str() {
                "paths" => merge_paths(&mut doc, value, page, &mut origins)?,
                "components" => merge_components(&mut doc, value, page, &mut origins)?,
                _ => put(&mut doc, key, value, key, page, &mut origins)?,
            }
        }
    }
    Ok(Merged {
        doc: Value::Object(doc),
        origins,
    })
}

/// Insert `value` at `key`, or check it equals what another page put there.
fn put(
    into: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    place: &str,
    page: &Page,
    origins: &mut Origins,
) -> Result<(), PipelineError> {
    match into.get(key) {
        None => {
            into.insert(key.to_string(), value.clone());
            origins.by_place.insert(place.to_string(), page.file.clone());
            Ok(())
        }
        Some(existing) if place == "info" || same(existing, value) || both_30(place, existing, value) => Ok(()),
        Some(_) => Err(PipelineError {
            files: vec![origins.file_of(place), page.file.clone()],
            place: place.to_string(),
            message: "defined differently by two pages".into(),
        }),
    }
}

/// Two `openapi` versions of 3.0 (a 3.1 page is read as 3.0.3): pages of one
/// API may be vendored at different times, in different versions.
fn both_30(place: &str, a: &Value, b: &Value) -> bool {
    let v30 = |v: &Value| v.as_str().is_some_and(|v| v.starts_with("3.0."));
    place == "openapi" && v30(a) && v30(b)
}

/// Equal but for `description` texts: they describe, they do not define.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let defining = |m: &'_ Map<String, Value>| {
                m.iter()
                    .filter(|(k, v)| !(k.as_str() == "description" && v.is_string()))
                    .map(|(k, _)| k.clone())
                    .collect::<std::collections::BTreeSet<_>>()
            };
            defining(a) == defining(b) && defining(a).iter().all(|k| same(&a[k], &b[k]))
        }
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        _ => a == b,
    }
}

fn as_map<'a>(value: &'a Value, page: &Page, place: &str) -> Result<&'a Map<String, Value>, PipelineError> {
    value
        .as_object()
        .ok_or_else(|| PipelineError::new(&page.file, place, "expected a mapping"))
}

fn child<'a>(into: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    into.entry(key)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .expect("checked")
}

fn merge_paths(
    doc: &mut Map<String, Value>,
    paths: &Value,
    page: &Page,
    origins: &mut Origins,
) -> Result<(), PipelineError> {
    for (path, item) in as_map(paths, page, "paths")? {
        let at = place(&["paths", path]);
        let into = child(child(doc, "paths"), path);
        for (method, op) in as_map(item, page, &at)? {
            put(into, method, op, &place(&[&at, method]), page, origins)?;
        }
    }
    Ok(())
}

fn merge_components(
    doc: &mut Map<String, Value>,
    comps: &Value,
    page: &Page,
    origins: &mut Origins,
) -> Result<(), PipelineError> {
    for (kind, items) in as_map(comps, page, "components")? {
        let at = place(&["components", kind]);
        let into = child(child(doc, "components"), kind);
        for (name, item) in as_map(items, page, &at)? {
            put(into, name, item, &place(&[&at, name]), page, origins)?;
        }
    }
    Ok(())
}
