//! Component schemas compared by Rust type name, each read as the operations
//! that reach it use it (request, answer or both).

use super::operations::operations;
use super::{Findings, Subject, union};
use crate::drift::schema::{self, Ctx, Usage};
use crate::names;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Who uses a component: how (request, response) and which operations.
#[derive(Default, Clone)]
struct UsedBy {
    usage: Usage,
    /// "one_click (request)", "one_click (answer)".
    by: BTreeSet<String>,
    /// The operation ids alone.
    ops: BTreeSet<String>,
}

/// The component schemas named by `$ref`s anywhere in `v`, following
/// references to other kinds of components (parameters, bodies, responses).
fn schema_refs(doc: &Value, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                match r.strip_prefix("#/components/schemas/") {
                    Some(name) => {
                        out.insert(name.to_string());
                    }
                    None => {
                        if let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                            schema_refs(doc, target, out);
                        }
                    }
                }
            }
            map.values().for_each(|v| schema_refs(doc, v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(doc, v, out)),
        _ => {}
    }
}

/// `roots` and every component they reach.
fn reachable(doc: &Value, roots: BTreeSet<String>) -> BTreeSet<String> {
    let (mut seen, mut todo): (BTreeSet<String>, Vec<String>) = (BTreeSet::new(), roots.into_iter().collect());
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut next = BTreeSet::new();
        if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
            schema_refs(doc, schema, &mut next);
        }
        todo.extend(next.into_iter().filter(|n| !seen.contains(n)));
    }
    seen
}

/// For each component an operation reaches: how and by which.
fn usage(doc: &Value, into: &mut BTreeMap<String, UsedBy>) {
    for (id, o) in operations(doc) {
        let mut request = BTreeSet::new();
        for p in [
            o.item.get("parameters"),
            o.op.get("parameters"),
            o.op.get("requestBody"),
        ]
        .into_iter()
        .flatten()
        {
            schema_refs(doc, p, &mut request);
        }
        let mut response = BTreeSet::new();
        if let Some(r) = o.op.get("responses") {
            schema_refs(doc, r, &mut response);
        }
        for name in reachable(doc, request) {
            let used = into.entry(name).or_default();
            used.usage.request = true;
            used.by.insert(format!("{id} (request)"));
            used.ops.insert(id.clone());
        }
        for name in reachable(doc, response) {
            let used = into.entry(name).or_default();
            used.usage.response = true;
            used.by.insert(format!("{id} (answer)"));
            used.ops.insert(id.clone());
        }
    }
}

pub(super) fn schemas(doc: &Value) -> BTreeMap<String, Value> {
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object);
    schemas
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// "used by a (request), b (answer)", at most four named.
fn used_by_line(used: Option<&UsedBy>) -> String {
    let Some(used) = used.filter(|u| !u.by.is_empty()) else {
        return "used by no operation (webhooks, errors): read as request and answer".into();
    };
    let named: Vec<&str> = used.by.iter().take(4).map(String::as_str).collect();
    let more = used.by.len().saturating_sub(4);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("used by {}{tail}", named.join(", "))
}

pub(super) fn compare_components(old_doc: &Value, new_doc: &Value, f: &mut Findings) {
    let mut used = BTreeMap::new();
    usage(old_doc, &mut used);
    usage(new_doc, &mut used);
    let (old, new) = (schemas(old_doc), schemas(new_doc));
    for name in union(&old, &new) {
        let subject = Subject::Schema(names::type_name(name));
        let user = used.get(name.as_str());
        match (old.get(name), new.get(name)) {
            (Some(_), None) => f.push(&subject, "schema removed", true, "the Rust type disappears"),
            (None, Some(_)) => f.push(&subject, "schema added", false, "a new Rust type"),
            (Some(a), Some(b)) => {
                let usage = user.filter(|u| !u.by.is_empty()).map_or(Usage::BOTH, |u| u.usage);
                let cx = Ctx {
                    subject: &subject,
                    usage,
                    root: "",
                };
                schema::compare(a, b, "", &cx, f);
            }
            (None, None) => {}
        }
        f.headings.insert(subject.clone(), used_by_line(user));
        f.users.insert(subject, user.map(|u| u.ops.clone()).unwrap_or_default());
    }
}
