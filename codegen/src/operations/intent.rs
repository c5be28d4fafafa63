//! A declared `x-billing-intent` (on an operation): how a call whose answer was
//! lost is looked up at the provider afterwards, as data (README "Money in
//! doubt"). Every `charge`-class operation declares one, a lookup or `none:`
//! with a reason, so a new money-moving page that says nothing fails the build.
//! Every name in a lookup is checked against the document here (the read
//! operation, its request and item fields, the money call's body fields, the
//! names kept by earlier steps), so a lookup that could never find anything
//! fails the build instead of settling every intent as "did not happen".

use super::Op;
use super::read_back::{Read, deref, json_schema, property, read};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// The extension's name.
pub(super) const KEY: &str = "x-billing-intent";

/// The static holding operation `o`'s rule, if it declares one, and its
/// definition; an error when a `charge` operation declares nothing.
pub(super) fn emit(
    doc: &Value,
    ops: &[Op<'_>],
    o: &Op<'_>,
    charge: bool,
    screaming: &str,
) -> Result<Option<(Ident, TokenStream)>, String> {
    let Some(declared) = o.op.get(KEY) else {
        return match charge {
            true => Err(format!(
                "a `charge` operation declares `{KEY}`: how a call whose answer was lost is looked up \
                 (`lookup:` steps), or `none:` and why nothing can find it"
            )),
            false => Ok(None),
        };
    };
    if !charge {
        return Err(format!(
            "`{KEY}` is for `charge` operations; this one is retried as safe"
        ));
    }
    let name = format_ident!("INTENT_{screaming}");
    if let Some(why) = declared.get("none") {
        let why = why.as_str().ok_or("`none` is the reason, a string")?;
        if declared.get("lookup").is_some() {
            return Err("`none` and `lookup` exclude each other".into());
        }
        let rule = quote!(s::IntentRule { stamp: None, fields: &[], lookup: &[], none: Some(#why) });
        return Ok(Some((name.clone(), quote!(static #name: s::IntentRule = #rule;))));
    }
    let body = json_schema(doc, o.op.get("requestBody")).ok_or("the operation has no JSON body to look up by")?;
    let stamp = match declared.get("stamp") {
        None => quote!(None),
        Some(path) => {
            let path = path.as_str().ok_or("`stamp` is a body path, a string")?;
            let (parent, _) = path
                .rsplit_once('.')
                .ok_or("`stamp` names a field inside an object field")?;
            let at = body_path(doc, &body, parent)?;
            if deref(doc, &at).get("type").and_then(Value::as_str) != Some("object") {
                return Err(format!("`stamp`: `{parent}` is not an object"));
            }
            quote!(Some(#path))
        }
    };
    let steps = declared
        .get("lookup")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or("`lookup` is a non-empty list of steps (or declare `none`)")?;
    let (mut fields, mut kept, mut tokens, mut proving) = (Vec::new(), Vec::<String>::new(), Vec::new(), false);
    for (i, step) in steps.iter().enumerate() {
        let t = one(doc, ops, &body, step, &mut fields, &mut kept).map_err(|m| format!("lookup step {i}: {m}"))?;
        proving |= step.get("proves").and_then(Value::as_bool).unwrap_or(true);
        tokens.push(t);
    }
    if !proving {
        return Err("no step proves anything (every step has `proves: false`)".into());
    }
    let rule = quote! {
        s::IntentRule { stamp: #stamp, fields: &[#(#fields),*], lookup: &[#(#tokens),*], none: None }
    };
    Ok(Some((name.clone(), quote!(static #name: s::IntentRule = #rule;))))
}

/// One step: its table entry. The body fields it reads join `fields`, the names
/// it keeps join `kept`.
fn one(
    doc: &Value,
    ops: &[Op<'_>],
    body: &Value,
    step: &Value,
    fields: &mut Vec<String>,
    kept: &mut Vec<String>,
) -> Result<TokenStream, String> {
    let map = |k: &str| -> Result<Vec<(&String, &Value)>, String> {
        match step.get(k) {
            None => Ok(Vec::new()),
            Some(Value::Object(m)) => Ok(m.iter().collect()),
            Some(_) => Err(format!("`{k}` must be a mapping")),
        }
    };
    let id = step
        .get("operation")
        .and_then(Value::as_str)
        .ok_or("`operation` (a string) is required")?;
    let Read {
        index,
        op,
        request: request_schema,
        answer,
    } = read(doc, ops, id)?;
    if op.op.get("x-billing-retry").and_then(Value::as_str) != Some("safe") && op.method != "get" {
        return Err(format!("`{id}` is not a read (a lookup may only read)"));
    }
    let mut when = Vec::new();
    for (path, truth) in map("when")? {
        body_path(doc, body, path)?;
        let truth = truth.as_bool().ok_or(format!("`when.{path}` must be true or false"))?;
        if !fields.iter().any(|f| f == path) {
            fields.push(path.clone());
        }
        when.push(quote!((#path, #truth)));
    }
    // A source: `intent`, `body.<path>` of the money call, `found.<name>` kept
    // earlier, or `=<text>`, that text.
    let mut source = |s: &Value| -> Result<String, String> {
        let s = s.as_str().ok_or("a source is a string")?;
        if s == "intent" || s.starts_with('=') {
        } else if let Some(path) = s.strip_prefix("body.") {
            body_path(doc, body, path)?;
            if !fields.iter().any(|f| f == path) {
                fields.push(path.to_string());
            }
        } else if let Some(name) = s.strip_prefix("found.") {
            if !kept.iter().any(|k| k == name) {
                return Err(format!("`{s}`: no earlier step keeps `{name}`"));
            }
        } else {
            return Err(format!(
                "`{s}` is not `intent`, `body.<field>`, `found.<name>` or `=<text>`"
            ));
        }
        Ok(s.to_string())
    };
    let mut request = Vec::new();
    for (field, from) in map("request")? {
        property(doc, &request_schema, field).ok_or(format!("`{id}`'s request has no `{field}`"))?;
        let from = source(from)?;
        request.push(quote!((#field, #from)));
    }
    let given: Vec<&String> = map("request")?.into_iter().map(|(f, _)| f).collect();
    let required = deref(doc, &request_schema).get("required").cloned().unwrap_or_default();
    for field in required.as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !given.iter().any(|g| *g == field) {
            return Err(format!("`{id}` requires `{field}`: give it in `request`"));
        }
    }
    let items = step
        .get("items")
        .and_then(Value::as_str)
        .ok_or("`items` (a string) is required")?;
    let list = property(doc, &answer, items).ok_or(format!("`{id}`'s answer has no `{items}`"))?;
    let item = list
        .get("items")
        .map(|i| deref(doc, i))
        .ok_or(format!("`{items}` is not a list"))?;
    let mut matches = Vec::new();
    for (path, from) in map("match")? {
        item_path(doc, &item, path).map_err(|m| format!("the items of `{items}`: {m}"))?;
        let from = source(from)?;
        matches.push(quote!((#path, #from)));
    }
    if matches.is_empty() {
        return Err("`match` must name at least one field".into());
    }
    let mut expect = Vec::new();
    for (path, wanted) in map("expect")? {
        item_path(doc, &item, path).map_err(|m| format!("the items of `{items}`: {m}"))?;
        expect.push(match wanted {
            Value::Bool(b) => quote!((#path, s::Expect::Truth(#b))),
            Value::String(t) => quote!((#path, s::Expect::Text(#t))),
            _ => return Err(format!("`expect.{path}` must be true, false or a text")),
        });
    }
    let mut keep = Vec::new();
    for name in step.get("keep").and_then(Value::as_array).into_iter().flatten() {
        let name = name.as_str().ok_or("`keep` lists item fields")?;
        item_path(doc, &item, name).map_err(|m| format!("the items of `{items}`: {m}"))?;
        if !kept.iter().any(|k| k == name) {
            kept.push(name.to_string());
        }
        keep.push(name);
    }
    let proves = step.get("proves").and_then(Value::as_bool).unwrap_or(true);
    Ok(quote! {
        s::Lookup {
            operation: &OPERATIONS[#index],
            when: &[#(#when),*],
            request: &[#(#request),*],
            items: #items,
            matches: &[#(#matches),*],
            expect: &[#(#expect),*],
            keep: &[#(#keep),*],
            proves: #proves,
        }
    })
}

/// A dotted path (`client_metadata.x`) through the body's properties: its schema.
fn body_path(doc: &Value, body: &Value, path: &str) -> Result<Value, String> {
    item_path(doc, body, path).map_err(|m| format!("the body: {m}"))
}

/// A dotted path through an object's properties; an open object (no
/// properties, or `additionalProperties`) holds any path below it.
fn item_path(doc: &Value, schema: &Value, path: &str) -> Result<Value, String> {
    let mut at = deref(doc, schema);
    for step in path.split('.') {
        if at.get("properties").is_none() && at.get("type").and_then(Value::as_str) == Some("object") {
            return Ok(Value::Null);
        }
        at = property(doc, &at, step).ok_or(format!("no `{path}`"))?;
    }
    Ok(at)
}
