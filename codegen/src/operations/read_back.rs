//! A declared `x-billing-read-back` (top level of a provider's document): how
//! each webhook event type is confirmed with the API, as data. Every name in it
//! is checked against the document here (the operation, its request and answer
//! fields, the event's paths, the event types and subtypes), so a rule that
//! could never match fails the build instead of refusing every real event.

use super::{Op, resolve};
use crate::normalize::is_json;
use crate::schema::component_name;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

/// The extension's name.
pub(super) const KEY: &str = "x-billing-read-back";

/// The component the events are read as.
const EVENT: &str = "WebhookEvent";

/// The table entries of the declared rules (none when nothing is declared).
pub(super) fn emit(doc: &Value, ops: &[Op<'_>]) -> Result<Vec<TokenStream>, String> {
    let Some(declared) = doc.get(KEY) else {
        return Ok(Vec::new());
    };
    let rules = declared.as_array().ok_or("must be a list of rules")?;
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| one(doc, ops, rule).map_err(|m| format!("rule {i}: {m}")))
        .collect()
}

fn one(doc: &Value, ops: &[Op<'_>], rule: &Value) -> Result<TokenStream, String> {
    let text = |k: &str| {
        rule.get(k)
            .and_then(Value::as_str)
            .ok_or(format!("`{k}` (a string) is required"))
    };
    let map = |k: &str| -> Result<Vec<(&String, &Value)>, String> {
        match rule.get(k) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m.iter().collect()),
            Some(_) => Err(format!("`{k}` must be a mapping")),
        }
    };
    let event = component(doc, EVENT).ok_or(format!("no component `{EVENT}` to read events as"))?;
    let event_type = text("event_type")?;
    in_enum(doc, "WebhookEventType", event_type)?;
    let subtypes: Vec<&str> = match rule.get("subtypes") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_str).collect())
            .ok_or("`subtypes` must be a list of strings")?,
    };
    for subtype in &subtypes {
        in_enum(doc, "WebhookEventSubtype", subtype)?;
    }
    let id = text("operation")?;
    let Read {
        index,
        request: request_schema,
        answer,
        ..
    } = read(doc, ops, id)?;
    let mut request = Vec::new();
    for (field, paths) in map("request")? {
        property(doc, &request_schema, field).ok_or(format!("`{id}`'s request has no `{field}`"))?;
        let paths: Vec<&str> = match paths {
            Value::String(p) => vec![p.as_str()],
            Value::Array(a) => a
                .iter()
                .map(Value::as_str)
                .collect::<Option<_>>()
                .ok_or("paths are strings")?,
            _ => return Err(format!("`request.{field}` must be an event path or a list of them")),
        };
        for path in &paths {
            event_path(doc, &event, path)?;
        }
        request.push(quote!((#field, &[#(#paths),*])));
    }
    if request.is_empty() {
        return Err("`request` must name at least one field".into());
    }
    let items = text("items")?;
    let list = property(doc, &answer, items).ok_or(format!("`{id}`'s answer has no `{items}`"))?;
    let item = list
        .get("items")
        .map(|i| deref(doc, i))
        .ok_or(format!("`{items}` is not a list"))?;
    let mut matches = Vec::new();
    for (field, path) in map("match")? {
        property(doc, &item, field).ok_or(format!("the items of `{items}` have no `{field}`"))?;
        let path = path.as_str().ok_or(format!("`match.{field}` must be an event path"))?;
        event_path(doc, &event, path)?;
        matches.push(quote!((#field, #path)));
    }
    if matches.is_empty() {
        return Err("`match` must name at least one field".into());
    }
    let mut expect = Vec::new();
    for (field, truth) in map("expect")? {
        property(doc, &item, field).ok_or(format!("the items of `{items}` have no `{field}`"))?;
        let truth = truth
            .as_bool()
            .ok_or(format!("`expect.{field}` must be true or false"))?;
        expect.push(quote!((#field, #truth)));
    }
    Ok(quote! {
        s::ReadBack {
            event_type: #event_type,
            subtypes: &[#(#subtypes),*],
            operation: &OPERATIONS[#index],
            request: &[#(#request),*],
            items: #items,
            matches: &[#(#matches),*],
            expect: &[#(#expect),*],
        }
    })
}

/// A read a rule calls: its place in the table, its operation, and the
/// schemas of its JSON request and answer.
pub(super) struct Read<'o, 'a> {
    pub(super) index: usize,
    pub(super) op: &'o Op<'a>,
    pub(super) request: Value,
    pub(super) answer: Value,
}

/// Operation `id` of `ops`, with the schemas a rule checks its names against.
pub(super) fn read<'o, 'a>(doc: &Value, ops: &'o [Op<'a>], id: &str) -> Result<Read<'o, 'a>, String> {
    let (index, op) = ops
        .iter()
        .enumerate()
        .find(|(_, o)| o.id == id)
        .ok_or(format!("no operation `{id}`"))?;
    let request = json_schema(doc, op.op.get("requestBody")).ok_or(format!("`{id}` has no JSON request body"))?;
    let answer = op
        .op
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| r.iter().find(|(s, _)| s.starts_with('2')))
        .and_then(|(_, r)| json_schema(doc, Some(r)))
        .ok_or(format!("`{id}` has no JSON answer"))?;
    Ok(Read {
        index,
        op,
        request,
        answer,
    })
}

fn component(doc: &Value, name: &str) -> Option<Value> {
    doc.pointer(&format!("/components/schemas/{name}")).cloned()
}

/// `value` is one of the component enum `name`'s values (when it exists).
fn in_enum(doc: &Value, name: &str, value: &str) -> Result<(), String> {
    let Some(values) = component(doc, name).and_then(|c| c.get("enum").cloned()) else {
        return Ok(());
    };
    match values.as_array().is_some_and(|v| v.iter().any(|x| x == value)) {
        true => Ok(()),
        false => Err(format!("`{value}` is not a value of `{name}`")),
    }
}

/// A schema with its `$ref`, or its one-member `anyOf` / `allOf`, followed.
pub(super) fn deref(doc: &Value, schema: &Value) -> Value {
    if let Some(name) = component_name(schema) {
        return component(doc, name).map(|s| deref(doc, &s)).unwrap_or_default();
    }
    for key in ["anyOf", "allOf"] {
        if let Some([only]) = schema.get(key).and_then(Value::as_array).map(Vec::as_slice) {
            return deref(doc, only);
        }
    }
    schema.clone()
}

pub(super) fn property(doc: &Value, schema: &Value, name: &str) -> Option<Value> {
    deref(doc, schema)
        .pointer(&format!("/properties/{name}"))
        .map(|p| deref(doc, p))
}

/// A dotted path (`order.order_id`) through the event's properties.
fn event_path(doc: &Value, event: &Value, path: &str) -> Result<(), String> {
    let mut at = event.clone();
    for step in path.split('.') {
        at = property(doc, &at, step).ok_or(format!("`{EVENT}` has no `{path}`"))?;
    }
    Ok(())
}

/// The JSON schema of a request body or response.
pub(super) fn json_schema(doc: &Value, holder: Option<&Value>) -> Option<Value> {
    let content = resolve(doc, holder?).get("content")?.as_object()?;
    let (_, media) = content.iter().find(|(m, _)| is_json(m))?;
    Some(deref(doc, media.get("schema")?))
}
