//! Operations compared by method name: added and removed, endpoint, auth and
//! retry class (parameters, body and answer in [`super::signature`]).

use super::signature::{compare_answer, compare_body, compare_parameters};
use super::{Findings, Subject, count_descriptive, union};
use crate::normalize::METHODS;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One operation of a document.
pub(super) struct Op<'a> {
    method: &'a str,
    path: &'a str,
    pub(super) item: &'a Value,
    pub(super) op: &'a Value,
}

impl Op<'_> {
    fn endpoint(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// The operations of `doc`, by operation id.
pub(super) fn operations(doc: &Value) -> BTreeMap<String, Op<'_>> {
    let mut out = BTreeMap::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let (true, Some(id)) = (
                METHODS.contains(&method.as_str()),
                op.get("operationId").and_then(Value::as_str),
            ) {
                out.insert(id.to_string(), Op { method, path, item, op });
            }
        }
    }
    out
}

pub(super) fn compare_operations(old_doc: &Value, new_doc: &Value, f: &mut Findings) {
    let (old, new) = (operations(old_doc), operations(new_doc));
    for id in union(&old, &new) {
        let subject = Subject::Operation(id.clone());
        match (old.get(id), new.get(id)) {
            (Some(o), None) => {
                f.headings.insert(subject.clone(), o.endpoint());
                f.push(&subject, "operation removed", true, "the method disappears");
            }
            (None, Some(n)) => {
                f.headings.insert(subject.clone(), n.endpoint());
                f.push(&subject, "operation added", false, "a new method");
            }
            (Some(o), Some(n)) => {
                f.headings.insert(subject.clone(), n.endpoint());
                let docs = (old_doc, new_doc);
                compare_operation(docs, o, n, &subject, f);
            }
            (None, None) => {}
        }
    }
}

fn compare_operation(docs: (&Value, &Value), o: &Op, n: &Op, subject: &Subject, f: &mut Findings) {
    count_descriptive(o.op, n.op, f);
    if o.endpoint() != n.endpoint() {
        let what = format!("endpoint {} → {}", o.endpoint(), n.endpoint());
        f.push(subject, what, true, "requests to the old endpoint are no longer served");
    }
    compare_auth(docs, o.op, n.op, subject, f);
    compare_retry(o, n, subject, f);
    compare_parameters(docs, o, n, subject, f);
    compare_body(docs, o.op, n.op, subject, f);
    compare_answer(docs, o.op, n.op, subject, f);
}

/// The security schemes an operation's requirements name (its own or the document's).
fn security_schemes(doc: &Value, op: &Value) -> BTreeSet<String> {
    let reqs = op.get("security").or_else(|| doc.get("security"));
    reqs.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys().cloned())
        .collect()
}

/// `FunnelFoxSecretKey` (header `ff-secret-key`).
fn scheme_label(doc: &Value, scheme: &str) -> String {
    match doc
        .pointer(&format!("/components/securitySchemes/{scheme}/name"))
        .and_then(Value::as_str)
    {
        Some(header) => format!("`{scheme}` (header `{header}`)"),
        None => format!("`{scheme}`"),
    }
}

fn compare_auth((old_doc, new_doc): (&Value, &Value), o: &Value, n: &Value, subject: &Subject, f: &mut Findings) {
    let (before, after) = (security_schemes(old_doc, o), security_schemes(new_doc, n));
    for scheme in after.difference(&before) {
        let what = format!("now requires {}", scheme_label(new_doc, scheme));
        f.push(subject, what, true, "requests without the key are refused");
    }
    for scheme in before.difference(&after) {
        let what = format!("no longer requires {}", scheme_label(old_doc, scheme));
        f.push(subject, what, false, "the key is no longer sent");
    }
}

/// The retry class as `codegen/src/operations/operation.rs` decides it: `x-billing-retry`,
/// else `charge` for POST and PATCH and `safe` otherwise.
fn retry_class(o: &Op) -> String {
    match o.op.get("x-billing-retry").and_then(Value::as_str) {
        Some(declared) => format!("{declared} (declared)"),
        None if matches!(o.method, "post" | "patch") => "charge (POST/PATCH default)".into(),
        None => "safe (by HTTP method)".into(),
    }
}

fn compare_retry(o: &Op, n: &Op, subject: &Subject, f: &mut Findings) {
    let (before, after) = (retry_class(o), retry_class(n));
    if before.split(' ').next() == after.split(' ').next() {
        return;
    }
    let what = format!("retry class {before} → {after}");
    if after.starts_with("safe") {
        f.push(subject, what, true, "the client now re-sends it on transient failures");
    } else {
        f.push(
            subject,
            what,
            false,
            "never re-sent once it may have reached the server",
        );
    }
}
