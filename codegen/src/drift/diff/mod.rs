//! Two corrected documents compared: operations (by method name) and component
//! schemas (by Rust type name), plus the generated type names as a cross-check.

mod components;
mod operations;
mod signature;

use super::pages::PageSet;
use crate::names;
use components::{compare_components, schemas};
use operations::compare_operations;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a change is about; the report groups by it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// An operation, by its method name (the normalized operation id).
    Operation(String),
    /// A component schema, by its Rust type name.
    Schema(String),
    /// Types the generator derives (named after titles and places).
    Generated,
}

/// One difference and its classification.
#[derive(Clone, Debug)]
pub struct Change {
    pub subject: Subject,
    pub what: String,
    pub breaking: bool,
    /// Why, in one phrase.
    pub reason: String,
}

/// Every difference found.
#[derive(Default, Debug)]
pub struct Findings {
    pub changes: Vec<Change>,
    /// Changes to descriptive text only, not reported one by one.
    pub descriptive: usize,
    /// Generated types appearing or disappearing as a consequence of `changes`:
    /// listed, not counted.
    pub derived: Vec<Change>,
    /// A line heading each subject (method and path; who uses a schema).
    pub headings: BTreeMap<Subject, String>,
    /// The operations that read or send each schema.
    pub users: BTreeMap<Subject, BTreeSet<String>>,
}

impl Findings {
    pub fn push(&mut self, subject: &Subject, what: impl Into<String>, breaking: bool, reason: impl Into<String>) {
        self.changes.push(Change {
            subject: subject.clone(),
            what: what.into(),
            breaking,
            reason: reason.into(),
        });
    }

    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }
}

/// Keys that describe and do not define.
pub const DESCRIPTIVE: [&str; 7] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "tags",
];

/// Count the descriptive keys that differ between two objects.
pub fn count_descriptive(old: &Value, new: &Value, f: &mut Findings) {
    f.descriptive += DESCRIPTIVE.iter().filter(|k| old.get(**k) != new.get(**k)).count();
}

/// Operations, then component schemas.
pub fn compare(old: &Value, new: &Value) -> Findings {
    let mut f = Findings::default();
    compare_operations(old, new, &mut f);
    compare_components(old, new, &mut f);
    f
}

fn union<'a, V>(a: &'a BTreeMap<String, V>, b: &'a BTreeMap<String, V>) -> BTreeSet<&'a String> {
    a.keys().chain(b.keys()).collect()
}

/// The `pub struct|enum|type` names of generated code.
fn type_names(types: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for kind in ["pub struct ", "pub enum ", "pub type "] {
        for after in types.split(kind).skip(1) {
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

/// Generated types that appear or disappear other than as components (those are
/// reported as schemas): newtypes and inline types named after titles and places.
/// They follow from the changes found, so they are listed, not counted; alone (a
/// title changed, nothing else) they are the changes.
pub fn compare_generated(before: &PageSet, after: &PageSet, f: &mut Findings) {
    let components: BTreeSet<String> = [&before.doc, &after.doc]
        .into_iter()
        .flat_map(|d| schemas(d).into_keys())
        .map(|n| names::type_name(&n))
        .collect();
    let (old, new) = (type_names(&before.types), type_names(&after.types));
    let subject = Subject::Generated;
    let change = |what: String, breaking: bool, reason: &str| Change {
        subject: subject.clone(),
        what,
        breaking,
        reason: reason.into(),
    };
    for gone in old.difference(&new).filter(|n| !components.contains(*n)) {
        let reason = "code naming it no longer compiles";
        f.derived
            .push(change(format!("type `{gone}` no longer generated"), true, reason));
    }
    for made in new.difference(&old).filter(|n| !components.contains(*n)) {
        f.derived
            .push(change(format!("type `{made}` generated"), false, "a new Rust type"));
    }
    if f.changes.is_empty() {
        f.changes.append(&mut f.derived);
    }
    let line = "named by the generator after titles and places (no component of that name)";
    f.headings.insert(subject, line.into());
}
