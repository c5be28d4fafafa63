//! The success answer of an operation: its media, schema, Rust type, decoder
//! and JSON form; and the generated type a body or answer refers to.

use super::resolve;
use crate::names;
use crate::normalize::is_json;
use crate::schema::{Schemas, component_name};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// The generated type of the schema a body or answer refers to.
pub(super) fn rust_type(schema: Option<&Value>) -> Result<Ident, String> {
    let name = schema
        .and_then(component_name)
        .ok_or("its JSON schema is not a reference to #/components/schemas/")?;
    let rust = names::type_name(name);
    if !rust.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("schema `{name}` has no usable Rust type name"));
    }
    Ok(format_ident!("{rust}"))
}

/// Everything the method needs about a success answer.
pub(super) struct Answer {
    pub(super) media: TokenStream,
    pub(super) schema: TokenStream,
    pub(super) rust: TokenStream,
    pub(super) decode: TokenStream,
    pub(super) to_json: TokenStream,
    /// A JSON answer: its success is read in one pass (`Call::json_answer`).
    pub(super) one_pass: bool,
}

/// The media of operation `op`'s first success answer (2xx), as declared.
fn success_media<'a>(doc: &'a Value, op: &'a Value) -> Vec<(&'a String, &'a Value)> {
    let response = op
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| r.iter().find(|(status, _)| status.starts_with('2')))
        .map(|(_, r)| resolve(doc, r));
    let content = response.and_then(|r| r.get("content")).and_then(Value::as_object);
    content.into_iter().flatten().collect()
}

/// The schema of operation `op`'s JSON answer, when it has one.
pub(super) fn json_answer_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let media = success_media(doc, op);
    media
        .iter()
        .find(|(m, _)| is_json(m))
        .and_then(|(_, m)| m.get("schema"))
}

/// The schema of operation `op`'s JSON request body (its first media, when not
/// a multipart form), when it has one.
pub(super) fn json_body_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let body = op.get("requestBody").map(|b| resolve(doc, b))?;
    let (mime, media) = body.get("content").and_then(Value::as_object)?.iter().next()?;
    match mime.starts_with("multipart/form-data") {
        true => None,
        false => media.get("schema"),
    }
}

pub(super) fn answer(doc: &Value, op: &Value, schemas: &mut Schemas) -> Result<Answer, String> {
    let media = success_media(doc, op);
    let json = media.iter().find(|(m, _)| is_json(m));
    let empty = || Answer {
        media: quote!(s::Media::Empty),
        schema: quote!(None),
        rust: quote!(()),
        decode: quote!(crate::runtime::decode::empty),
        to_json: quote!(|_| ::serde_json::Value::Null),
        one_pass: false,
    };
    if let Some((_, m)) = json {
        let Some(schema) = m.get("schema") else {
            return Ok(empty());
        };
        let rust = rust_type(Some(schema)).map_err(|e| format!("the answer: {e}"))?;
        let target = schemas.component(component_name(schema).unwrap_or_default());
        return Ok(Answer {
            media: quote!(s::Media::Json),
            schema: quote!(Some(&#target)),
            rust: quote!(types::#rust),
            decode: quote!(crate::runtime::decode::json),
            to_json: quote!(|v| ::serde_json::to_value(&v).unwrap_or_default()),
            one_pass: true,
        });
    }
    Ok(match media.first() {
        None => empty(),
        Some((m, _)) if m.starts_with("text/") => Answer {
            media: quote!(s::Media::Text),
            schema: quote!(None),
            rust: quote!(::std::string::String),
            decode: quote!(crate::runtime::decode::text),
            to_json: quote!(::serde_json::Value::String),
            one_pass: false,
        },
        Some(_) => Answer {
            media: quote!(s::Media::Bytes),
            schema: quote!(None),
            rust: quote!(::bytes::Bytes),
            decode: quote!(crate::runtime::decode::bytes),
            to_json: quote!(|v| ::serde_json::Value::String(String::from_utf8_lossy(&v).into_owned())),
            one_pass: false,
        },
    })
}
