//! What an operation's method takes and returns, compared: its parameters, its
//! request body and its success answer.

use super::operations::Op;
use super::{Findings, Subject, count_descriptive, union};
use crate::drift::schema::{self, Ctx, Usage};
use crate::normalize::is_json;
use serde_json::Value;
use std::collections::BTreeMap;

/// Follow a local `$ref` (`#/components/parameters/X` and the like).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(v),
        None => v,
    }
}

/// An operation's parameters (its path's and its own), by "`name` (in)".
fn parameters<'a>(doc: &'a Value, o: &Op<'a>) -> BTreeMap<String, &'a Value> {
    let shared = o.item.get("parameters").and_then(Value::as_array).into_iter().flatten();
    let own = o.op.get("parameters").and_then(Value::as_array).into_iter().flatten();
    shared
        .chain(own)
        .map(|p| resolve(doc, p))
        .map(|p| {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
            (format!("`{name}` ({place})"), p)
        })
        .collect()
}

fn is_required(v: &Value) -> bool {
    v.get("required").and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn compare_parameters((od, nd): (&Value, &Value), o: &Op, n: &Op, subject: &Subject, f: &mut Findings) {
    let (before, after) = (parameters(od, o), parameters(nd, n));
    for key in union(&before, &after) {
        let label = format!("parameter {key}");
        match (before.get(key), after.get(key)) {
            (Some(_), None) => f.push(
                subject,
                format!("{label} removed"),
                true,
                "the method's argument disappears",
            ),
            (None, Some(p)) if is_required(p) => f.push(
                subject,
                format!("{label} added (required)"),
                true,
                "a new argument; requests without it are refused",
            ),
            (None, Some(_)) => f.push(
                subject,
                format!("{label} added (optional)"),
                true,
                "a new positional argument (Option<_>) on the method",
            ),
            (Some(a), Some(b)) => {
                count_descriptive(a, b, f);
                match (is_required(a), is_required(b)) {
                    (false, true) => f.push(
                        subject,
                        format!("{label}: optional → required"),
                        true,
                        "requests without it are refused",
                    ),
                    (true, false) => f.push(
                        subject,
                        format!("{label}: required → optional"),
                        true,
                        "the argument becomes Option<_>",
                    ),
                    _ => {}
                }
                let null = Value::Null;
                let (sa, sb) = (a.get("schema").unwrap_or(&null), b.get("schema").unwrap_or(&null));
                let cx = Ctx {
                    subject,
                    usage: Usage::REQUEST,
                    root: &label,
                };
                schema::compare(sa, sb, "", &cx, f);
            }
            (None, None) => {}
        }
    }
}

/// A request body: whether required, and its schema by media type.
fn body<'a>(doc: &'a Value, op: &'a Value) -> Option<(bool, BTreeMap<String, &'a Value>)> {
    let body = resolve(doc, op.get("requestBody")?);
    Some((is_required(body), media(body)))
}

fn media(holder: &Value) -> BTreeMap<String, &Value> {
    static NULL: Value = Value::Null;
    let content = holder.get("content").and_then(Value::as_object).into_iter().flatten();
    content
        .map(|(m, v)| (m.clone(), v.get("schema").unwrap_or(&NULL)))
        .collect()
}

pub(super) fn compare_body((od, nd): (&Value, &Value), o: &Value, n: &Value, subject: &Subject, f: &mut Findings) {
    let (before, after) = match (body(od, o), body(nd, n)) {
        (None, None) => return,
        (Some(_), None) => {
            return f.push(
                subject,
                "request body removed",
                true,
                "the method's body argument disappears",
            );
        }
        (None, Some(_)) => {
            return f.push(
                subject,
                "request body added",
                true,
                "the method takes a new body argument",
            );
        }
        (Some(a), Some(b)) => (a, b),
    };
    match (before.0, after.0) {
        (false, true) => f.push(
            subject,
            "request body: optional → required",
            true,
            "requests without a body are refused",
        ),
        (true, false) => f.push(
            subject,
            "request body: required → optional",
            false,
            "a body may be omitted",
        ),
        _ => {}
    }
    for mime in union(&before.1, &after.1) {
        match (before.1.get(mime), after.1.get(mime)) {
            (Some(_), None) => f.push(
                subject,
                format!("request body as {mime} removed"),
                true,
                "the client can no longer send it so",
            ),
            (None, Some(_)) => f.push(
                subject,
                format!("request body as {mime} added"),
                false,
                "a new way to send it",
            ),
            (Some(a), Some(b)) => {
                let root = format!("request body ({mime})");
                let cx = Ctx {
                    subject,
                    usage: Usage::REQUEST,
                    root: &root,
                };
                schema::compare(a, b, "", &cx, f);
            }
            (None, None) => {}
        }
    }
}

/// The first success answer: its status and, by media type, its schemas.
fn answer<'a>(doc: &'a Value, op: &'a Value) -> Option<(&'a String, BTreeMap<String, &'a Value>)> {
    let responses = op.get("responses")?.as_object()?;
    let (status, response) = responses.iter().find(|(s, _)| s.starts_with('2'))?;
    Some((status, media(resolve(doc, response))))
}

/// What the method returns, as `codegen/src/operations/answer.rs` decides it.
fn answer_kind(media: &BTreeMap<String, &Value>) -> &'static str {
    if media.keys().any(|m| is_json(m)) {
        return "JSON";
    }
    match media.keys().next() {
        None => "nothing",
        Some(m) if m.starts_with("text/") => "text",
        Some(_) => "bytes",
    }
}

fn json_schema<'a>(media: &BTreeMap<String, &'a Value>) -> Option<&'a Value> {
    media.iter().find(|(m, _)| is_json(m)).map(|(_, s)| *s)
}

pub(super) fn compare_answer((od, nd): (&Value, &Value), o: &Value, n: &Value, subject: &Subject, f: &mut Findings) {
    let (Some(before), Some(after)) = (answer(od, o), answer(nd, n)) else {
        return;
    };
    if before.0 != after.0 {
        let what = format!("success status {} → {}", before.0, after.0);
        f.push(subject, what, false, "still the success answer the method decodes");
    }
    let (kind_before, kind_after) = (answer_kind(&before.1), answer_kind(&after.1));
    if kind_before != kind_after {
        let what = format!("answer {kind_before} → {kind_after}");
        return f.push(subject, what, true, "the method's return type changes");
    }
    if let (Some(a), Some(b)) = (json_schema(&before.1), json_schema(&after.1)) {
        let cx = Ctx {
            subject,
            usage: Usage::RESPONSE,
            root: "answer",
        };
        schema::compare(a, b, "", &cx, f);
    }
}
