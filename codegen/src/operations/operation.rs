//! One operation's part of the client: its entry in the operation table, its
//! method (parameters, body and answer typed, its doc), its arm in the JSON
//! dispatcher and, when it is paged, its pager.

use super::answer::{answer, rust_type};
use super::paging::paging;
use super::{Emitted, Op, resolve};
use crate::load::Origins;
use crate::schema::{Schemas, component_name};
use crate::{PipelineError, names, place};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// Emit operation `ops[index]` into `out`.
pub(super) fn emit(
    doc: &Value,
    origins: &Origins,
    scheme: &Option<(String, String)>,
    schemas: &mut Schemas,
    ops: &[Op],
    index: usize,
    out: &mut Emitted,
) -> Result<(), PipelineError> {
    let o = &ops[index];
    let sends_key = |reqs: &Value| {
        reqs.as_array()
            .into_iter()
            .flatten()
            .any(|r| scheme.as_ref().is_some_and(|(name, _)| r.get(name).is_some()))
    };
    let at = place(&["paths", o.path, o.method]);
    let err = |m: String| PipelineError::new(origins.file_of(&at), at.clone(), m);
    let id = &o.id;
    let upper = o.method.to_uppercase();
    let method_variant = format_ident!("{}", names::pascal(o.method));
    let path = o.path;
    let summary = o.op.get("summary").and_then(Value::as_str).unwrap_or_default();
    let description = o.op.get("description").and_then(Value::as_str).unwrap_or_default();
    let requires_auth = match o.op.get("security") {
        Some(reqs) => sends_key(reqs),
        None => doc.get("security").is_some_and(sends_key),
    };
    let (retry, retry_doc) = retry_class(o).map_err(err)?;
    let retry = format_ident!("{retry}");
    let screaming = names::snake(id).to_uppercase();
    let intent = match super::intent::emit(doc, ops, o, retry == "Charge", &screaming)
        .map_err(|m| err(format!("{}: {m}", super::intent::KEY)))?
    {
        Some((name, definition)) => {
            out.intent_statics.push(definition);
            quote!(Some(&#name))
        }
        None => quote!(None),
    };

    // Parameters: positional, in spec order, typed by their JSON type.
    let (mut param_table, mut args, mut pushes, mut gets) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in &o.params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let location = if p.get("in").and_then(Value::as_str) == Some("path") {
            "Path"
        } else {
            "Query"
        };
        let required = location == "Path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let schema = p.get("schema").cloned().unwrap_or(Value::Null);
        let target = schemas.reference(&schema, &format!("{screaming}__{}", names::snake(name).to_uppercase()));
        let location = format_ident!("{location}");
        param_table.push(
            quote!(s::Param { name: #name, location: s::Location::#location, required: #required, schema: &#target }),
        );
        let arg = method_ident(&names::method_id(name).unwrap_or_else(|| "value".into()));
        let (a, g) = argument(&arg, name, resolve(doc, &schema), required, quote!(params));
        args.push(a);
        gets.push(g);
        pushes.push(quote!(.param(::serde_json::Value::from(#arg))));
    }

    // The body: the generated type, or its builder.
    let mut body_type = None;
    let body = o.op.get("requestBody").map(|b| resolve(doc, b));
    let (body_table, body_arg, body_call, body_get) =
        match body.and_then(|b| b.get("content")).and_then(Value::as_object) {
            Some(content) => {
                let (mime, media) = content
                    .iter()
                    .next()
                    .ok_or_else(|| err("request body without content".into()))?;
                if mime.starts_with("multipart/form-data") {
                    let schema = media
                        .get("schema")
                        .map(|s| resolve(doc, s))
                        .cloned()
                        .unwrap_or_default();
                    let target = schemas.reference(&schema, &format!("{screaming}__FORM"));
                    let (mut form_args, mut form_calls, mut form_gets) = (Vec::new(), Vec::new(), Vec::new());
                    let required: Vec<&str> = schema["required"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                        let prop = resolve(doc, prop);
                        let arg = method_ident(&names::method_id(name).unwrap_or_else(|| "value".into()));
                        let must = required.contains(&name.as_str());
                        if prop["format"] == "binary" {
                            form_args.push(quote!(#arg: crate::Upload));
                            form_calls.push(quote!(.upload(#name, #arg)));
                            form_gets.push(quote!(crate::Upload::new(#name, body.get(#name)?.as_str()?.to_string())));
                            continue;
                        }
                        let (a, g) = argument(&arg, name, prop, must, quote!(body));
                        form_args.push(a);
                        form_gets.push(g);
                        form_calls.push(quote!(.field(#name, ::serde_json::Value::from(#arg))));
                    }
                    (
                        quote!(Some(s::Body { content_type: #mime, media: s::Media::Multipart, schema: &#target })),
                        quote!(#(#form_args),*),
                        quote!(#(#form_calls)*),
                        quote!(#(#form_gets),*),
                    )
                } else {
                    let rust = rust_type(media.get("schema")).map_err(|e| err(format!("the request body: {e}")))?;
                    body_type = Some(rust.clone());
                    let target = schemas.component(media.get("schema").and_then(component_name).unwrap_or_default());
                    (
                        quote!(Some(s::Body { content_type: #mime, media: s::Media::Json, schema: &#target })),
                        quote!(body: impl crate::IntoBody<types::#rust>),
                        quote!(.body::<types::#rust, _>(body)),
                        quote!(::serde_json::from_value::<types::#rust>(body).ok()?),
                    )
                }
            }
            None => (quote!(None), quote!(), quote!(), quote!()),
        };
    let a = answer(doc, o.op, schemas).map_err(err)?;
    let (media, response_schema, rust, decode, to_json) = (a.media, a.schema, a.rust, a.decode, a.to_json);
    let call = match a.one_pass {
        true => quote!(crate::runtime::Call::json_answer(&self.core, &OPERATIONS[#index])),
        false => quote!(crate::runtime::Call::new(&self.core, &OPERATIONS[#index], #decode)),
    };
    let paging = match o.op.get("x-billing-paging") {
        Some(declared) => {
            Some(paging(doc, o.op, declared, &screaming).map_err(|m| err(format!("x-billing-paging: {m}")))?)
        }
        None => None,
    };
    let paging_ref = match &paging {
        Some(p) => {
            let name = &p.ident;
            quote!(Some(&#name))
        }
        None => quote!(None),
    };
    out.table.push(quote! {
        s::Operation {
            id: #id,
            method: s::HttpMethod::#method_variant,
            path: #path,
            summary: #summary,
            requires_auth: #requires_auth,
            retry: s::RetryClass::#retry,
            params: &[#(#param_table),*],
            body: #body_table,
            response: s::Response {
                media: #media,
                schema: #response_schema,
                decodes: |data| crate::runtime::decode::fits::<#rust>(#decode, data),
            },
            paging: #paging_ref,
            intent: #intent,
        }
    });

    let key_doc = match (requires_auth, &scheme) {
        (true, Some((_, header))) => format!("sends `{header}` (a client without one fails before sending)"),
        (false, Some((_, header))) => format!("never sends `{header}`"),
        _ => "no credentials".to_string(),
    };
    let mut docs = vec![doc_text(summary)];
    if !description.is_empty() && description.trim() != summary.trim() {
        docs.extend(["".to_string(), doc_text(description)]);
    }
    docs.extend([
        "".to_string(),
        format!("`{upper} {path}`; {key_doc}; retry class {retry_doc}."),
    ]);
    // The operation-named aliases of its body and answer (`types` module).
    let named = |request: bool, schema: Option<&Value>| {
        schema.and_then(component_name).map(|c| {
            let (alias, ty) = (super::alias_name(id, request), names::type_name(c));
            match alias == ty {
                true => format!("[`types::{ty}`]"),
                false => format!("[`types::{alias}`] (= [`types::{ty}`])"),
            }
        })
    };
    let body_named = named(true, super::answer::json_body_schema(doc, o.op));
    let answer_named = named(false, super::answer::json_answer_schema(doc, o.op));
    match (body_named, answer_named) {
        (Some(b), Some(a)) => docs.extend(["".into(), format!("Request: {b}; answer: {a}.")]),
        (Some(b), None) => docs.extend(["".into(), format!("Request: {b}.")]),
        (None, Some(a)) => docs.extend(["".into(), format!("Answer: {a}.")]),
        (None, None) => {}
    }
    let docs = docs.join("\n");
    let docs = docs.split('\n').map(|l| format!(" {l}"));
    let method = method_ident(id);
    out.methods.push(quote! {
        #(#[doc = #docs])*
        pub fn #method(&self, #(#args,)* #body_arg) -> crate::runtime::Call<'_, #rust> {
            #call #(#pushes)* #body_call
        }
    });
    out.arms.push(quote! {
        #id => client.#method(#(#gets,)* #body_get).await.map(#to_json),
    });
    if let Some(p) = paging {
        let (name, table, item) = (&p.ident, &p.table, &p.item);
        let pages = format_ident!("{id}_pages");
        let doc = format!(
            " Every item of [`Client::{method}`], a page at a time: the request's filters kept, no item repeated or skipped where several share the cursor (see [`crate::Pages`])."
        );
        let in_type = body_type
            .clone()
            .ok_or_else(|| err("x-billing-paging: the operation has no body".into()))?;
        out.pagers.push(quote! {
            #[doc = #doc]
            pub fn #pages(&self, body: impl crate::IntoBody<types::#in_type>) -> crate::runtime::Pages<'_, types::#item> {
                crate::runtime::Pages::new::<types::#in_type, _>(&self.core, &OPERATIONS[#index], &#name, body)
            }
        });
        out.paging_statics
            .push(quote!(static #name: crate::runtime::pages::Paging = #table;));
    }
    Ok(())
}

/// The method's identifier: raw for a keyword (`r#type`), the id otherwise.
fn method_ident(id: &str) -> Ident {
    if names::KEYWORDS.contains(&id) {
        Ident::new_raw(id, Span::call_site())
    } else {
        Ident::new(id, Span::call_site())
    }
}

/// Doc text that rustdoc shows as written: no indented (code) blocks, no links.
fn doc_text(s: &str) -> String {
    s.lines()
        .map(|l| l.trim().replace("```", "` ` `").replace('[', "\\[").replace(']', "\\]"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Rust type of a parameter or form field, and how to read it from JSON.
fn scalar(schema: &Value) -> (TokenStream, TokenStream) {
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => (quote!(i64), quote!(as_i64())),
        Some("number") => (quote!(f64), quote!(as_f64())),
        Some("boolean") => (quote!(bool), quote!(as_bool())),
        _ => (quote!(&str), quote!(as_str())),
    }
}

/// A method argument for parameter or form field `name` (optional unless
/// `required`), and how the JSON dispatcher reads it from `from`.
fn argument(arg: &Ident, name: &str, schema: &Value, required: bool, from: TokenStream) -> (TokenStream, TokenStream) {
    let (ty, get) = scalar(schema);
    if required {
        (quote!(#arg: #ty), quote!(#from.get(#name)?.#get?))
    } else {
        let read = quote!(match #from.get(#name) {
            None | Some(::serde_json::Value::Null) => None,
            Some(v) => Some(v.#get?),
        });
        (quote!(#arg: Option<#ty>), read)
    }
}

/// The retry class an operation declares (`x-billing-retry`), else its HTTP
/// method's, and the doc line saying so.
fn retry_class(o: &Op) -> Result<(&'static str, &'static str), String> {
    Ok(match o.op.get("x-billing-retry").and_then(Value::as_str) {
        Some("safe") => ("Safe", "safe (declared): retried on transient failures"),
        Some("charge") => (
            "Charge",
            "charge (declared): never re-sent once it may have reached the server",
        ),
        Some(other) => return Err(format!("x-billing-retry must be `safe` or `charge`, not `{other}`")),
        None if matches!(o.method, "post" | "patch") => (
            "Charge",
            "charge (POST/PATCH default): never re-sent once it may have reached the server",
        ),
        None => (
            "Safe",
            "safe (idempotent by HTTP method): retried on transient failures",
        ),
    })
}
