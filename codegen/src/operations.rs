//! The client of one provider, generated from its corrected spec: the `Client`
//! type, one method per operation, and the operation table (`SPEC`) the shared
//! core acts on (auth, retry class, parameters, schemas). Written once here, so
//! a new page in `specs/` is a new method with nothing written by hand.

use super::load::Origins;
use super::normalize::{METHODS, is_json};
use super::schema::{Schemas, component_name};
use super::{PipelineError, names, place};
use openapiv3::OpenAPI;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// One operation as the generator sees it.
struct Op<'a> {
    id: String,
    method: &'a str,
    path: &'a str,
    op: &'a Value,
    params: Vec<&'a Value>,
}

/// The operations of `doc`, in document order.
fn operations(doc: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let own = op.get("parameters").and_then(Value::as_array).into_iter().flatten();
            let params = shared.iter().copied().chain(own).map(|p| resolve(doc, p)).collect();
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            out.push(Op {
                id,
                method,
                path,
                op,
                params,
            });
        }
    }
    out
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(v),
        None => v,
    }
}

/// The generated type of the schema a body or answer refers to.
fn rust_type(schema: Option<&Value>) -> Result<Ident, String> {
    let name = schema
        .and_then(component_name)
        .ok_or("its JSON schema is not a reference to #/components/schemas/")?;
    let rust = names::type_name(name);
    if !rust.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("schema `{name}` has no usable Rust type name"));
    }
    Ok(format_ident!("{rust}"))
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

/// Everything the method needs about a success answer.
struct Answer {
    media: TokenStream,
    schema: TokenStream,
    rust: TokenStream,
    decode: TokenStream,
    to_json: TokenStream,
}

fn answer(doc: &Value, op: &Value, schemas: &mut Schemas) -> Result<Answer, String> {
    let response = op
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| r.iter().find(|(status, _)| status.starts_with('2')))
        .map(|(_, r)| resolve(doc, r));
    let content = response.and_then(|r| r.get("content")).and_then(Value::as_object);
    let media: Vec<(&String, &Value)> = content.into_iter().flatten().collect();
    let json = media.iter().find(|(m, _)| is_json(m));
    let empty = || Answer {
        media: quote!(s::Media::Empty),
        schema: quote!(None),
        rust: quote!(()),
        decode: quote!(crate::runtime::decode::empty),
        to_json: quote!(|_| ::serde_json::Value::Null),
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
        },
        Some(_) => Answer {
            media: quote!(s::Media::Bytes),
            schema: quote!(None),
            rust: quote!(::bytes::Bytes),
            decode: quote!(crate::runtime::decode::bytes),
            to_json: quote!(|v| ::serde_json::Value::String(String::from_utf8_lossy(&v).into_owned())),
        },
    })
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

/// A declared `x-billing-paging`, checked against the operation's schemas.
struct PagingOut {
    ident: Ident,
    table: TokenStream,
    item: Ident,
}

fn paging(doc: &Value, op: &Value, declared: &Value, screaming: &str) -> Result<PagingOut, String> {
    let field = |k: &str| declared.get(k).and_then(Value::as_str);
    let schema_of = |v: &Value| -> Option<Value> {
        let name = component_name(v)?;
        doc.pointer(&format!("/components/schemas/{name}")).cloned()
    };
    let json_schema = |media_holder: Option<&Value>| -> Option<Value> {
        let content = resolve(doc, media_holder?).get("content")?.as_object()?;
        let (_, media) = content.iter().find(|(m, _)| is_json(m))?;
        schema_of(media.get("schema")?)
    };
    let request = json_schema(op.get("requestBody")).ok_or("the operation has no JSON request body")?;
    let answer = op
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| r.iter().find(|(s, _)| s.starts_with('2')))
        .and_then(|(_, r)| json_schema(Some(r)))
        .ok_or("the operation has no JSON answer")?;
    let has = |schema: &Value, k: &str| schema.pointer(&format!("/properties/{k}")).is_some();
    let items = field("items").ok_or("`items` (the answer's list field) is required")?;
    let list = answer
        .pointer(&format!("/properties/{items}"))
        .ok_or(format!("the answer has no `{items}`"))?;
    let list = schema_of(list).unwrap_or_else(|| list.clone());
    let item_ref = list.get("items").ok_or(format!("`{items}` is not a list"))?;
    let item_name = component_name(item_ref).ok_or(format!("the items of `{items}` are not a named schema"))?;
    let item_schema = schema_of(item_ref).unwrap_or_default();
    let item = format_ident!("{}", names::type_name(item_name));
    let limit = match field("limit") {
        Some(l) if has(&request, l) => quote!(Some(#l)),
        Some(l) => return Err(format!("the request has no `{l}`")),
        None => quote!(None),
    };
    let next = match (field("cursor"), field("cursor-from"), field("page")) {
        (Some(cursor), Some(from), None) => {
            if !has(&request, cursor) {
                return Err(format!("the request has no `{cursor}`"));
            }
            if !has(&item_schema, from) {
                return Err(format!("`{item_name}` has no `{from}`"));
            }
            let id = match field("id") {
                Some(id) if has(&item_schema, id) => quote!(Some(#id)),
                Some(id) => return Err(format!("`{item_name}` has no `{id}`")),
                None => quote!(None),
            };
            quote!(crate::runtime::pages::Next::Cursor { cursor: #cursor, from: #from, id: #id })
        }
        (None, None, Some(page)) if has(&request, page) => quote!(crate::runtime::pages::Next::Page { page: #page }),
        (None, None, Some(page)) => return Err(format!("the request has no `{page}`")),
        _ => return Err("declare `cursor` and `cursor-from`, or `page`".into()),
    };
    Ok(PagingOut {
        ident: format_ident!("PAGING_{screaming}"),
        table: quote!(crate::runtime::pages::Paging { items: #items, limit: #limit, next: #next }),
        item,
    })
}

/// The scheme name and header of the spec's apiKey scheme.
fn auth_scheme(spec: &OpenAPI) -> Option<(String, String)> {
    spec.components
        .iter()
        .flat_map(|c| c.security_schemes.iter())
        .find_map(|(name, scheme)| match scheme {
            openapiv3::ReferenceOr::Item(openapiv3::SecurityScheme::APIKey { name: header, .. }) => {
                Some((name.clone(), header.clone()))
            }
            _ => None,
        })
}

/// The generated operations file of one provider.
pub fn generate(
    doc: &Value,
    spec: &OpenAPI,
    corrections: &[String],
    origins: &Origins,
    structs: &std::collections::BTreeSet<String>,
) -> Result<String, PipelineError> {
    let server = &spec.servers[0];
    let title = &spec.info.title;
    let server_url = &server.url;
    let variables = server.variables.iter().flatten().map(|(name, v)| {
        let (default, description) = (&v.default, v.description.clone().unwrap_or_default());
        quote!(s::ServerVariable { name: #name, default: #default, description: #description })
    });
    let scheme = auth_scheme(spec);
    let auth_header = match &scheme {
        Some((_, header)) => quote!(Some(#header)),
        None => quote!(None),
    };
    let sends_key = |reqs: &Value| {
        reqs.as_array()
            .into_iter()
            .flatten()
            .any(|r| scheme.as_ref().is_some_and(|(name, _)| r.get(name).is_some()))
    };
    let mut schemas = Schemas::new(doc);
    let (mut table, mut methods, mut arms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut pagers, mut paging_statics) = (Vec::new(), Vec::new());
    let ops = operations(doc);
    for (index, o) in ops.iter().enumerate() {
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
        let declared = o.op.get("x-billing-retry").and_then(Value::as_str);
        let (retry, retry_doc) = match declared {
            Some("safe") => ("Safe", "safe (declared): retried on transient failures"),
            Some("charge") => (
                "Charge",
                "charge (declared): never re-sent once it may have reached the server",
            ),
            Some(other) => {
                return Err(err(format!(
                    "x-billing-retry must be `safe` or `charge`, not `{other}`"
                )));
            }
            None if matches!(o.method, "post" | "patch") => (
                "Charge",
                "charge (POST/PATCH default): never re-sent once it may have reached the server",
            ),
            None => (
                "Safe",
                "safe (idempotent by HTTP method): retried on transient failures",
            ),
        };
        let retry = format_ident!("{retry}");
        let screaming = names::snake(id).to_uppercase();

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
            param_table.push(quote!(s::Param { name: #name, location: s::Location::#location, required: #required, schema: &#target }));
            let arg = method_ident(&names::method_id(name).unwrap_or_else(|| "value".into()));
            let (a, g) = argument(&arg, name, resolve(doc, &schema), required, quote!(params));
            args.push(a);
            gets.push(g);
            pushes.push(quote!(.param(::serde_json::Value::from(#arg))));
        }

        // The body: the generated type, or its builder.
        let mut body_type = None;
        let body = o.op.get("requestBody").map(|b| resolve(doc, b));
        let (body_table, body_arg, body_call, body_get) = match body
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
        {
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
        let a = answer(doc, o.op, &mut schemas).map_err(err)?;
        let (media, response_schema, rust, decode, to_json) = (a.media, a.schema, a.rust, a.decode, a.to_json);
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
        table.push(quote! {
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
        let docs = docs.join("\n");
        let docs = docs.split('\n').map(|l| format!(" {l}"));
        let method = method_ident(id);
        methods.push(quote! {
            #(#[doc = #docs])*
            pub fn #method(&self, #(#args,)* #body_arg) -> crate::runtime::Call<'_, #rust> {
                crate::runtime::Call::new(&self.core, &OPERATIONS[#index], #decode) #(#pushes)* #body_call
            }
        });
        arms.push(quote! {
            #id => self.#method(#(#gets,)* #body_get).await.map(#to_json),
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
            pagers.push(quote! {
                #[doc = #doc]
                pub fn #pages(&self, body: impl crate::IntoBody<types::#in_type>) -> crate::runtime::Pages<'_, types::#item> {
                    crate::runtime::Pages::new::<types::#in_type, _>(&self.core, &OPERATIONS[#index], &#name, body)
                }
            });
            paging_statics.push(quote!(static #name: crate::runtime::pages::Paging = #table;));
        }
    }
    // Every component that is a struct: its schema in SPEC, and (for the tests) a
    // way through its generated type.
    let (mut components, mut through_arms) = (Vec::new(), Vec::new());
    for name in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
    {
        let ty = names::type_name(name);
        if !structs.contains(&ty) {
            continue;
        }
        let id = schemas.component(name);
        components.push(quote!(&#id));
        let ty = format_ident!("{ty}");
        through_arms.push(quote!(#name => crate::runtime::decode::through::<types::#ty>(value),));
    }
    let statics = schemas.into_tokens();
    let count = ops.len();
    let docs = format!(" A {title} client for one account; cheap to clone (the connection pool is shared).");
    let tokens = quote! {
        use crate::runtime::spec as s;

        /// The API as its corrected spec declares it: every operation with its auth,
        /// retry class, parameters and schemas.
        pub static SPEC: s::Spec = s::Spec {
            title: #title,
            server_url: #server_url,
            server_variables: &[#(#variables),*],
            auth_header: #auth_header,
            operations: &OPERATIONS,
            components: &[#(#components),*],
            corrections: &[#(#corrections),*],
        };

        static OPERATIONS: [s::Operation; #count] = [#(#table),*];

        #(#statics)*

        #(#paging_statics)*

        #[doc = #docs]
        #[derive(Clone)]
        pub struct Client {
            core: ::std::sync::Arc<crate::runtime::Core>,
        }

        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&*self.core, f)
            }
        }

        impl crate::runtime::Api for Client {
            fn provider() -> &'static crate::runtime::Provider {
                &super::PROVIDER
            }
            fn from_core(core: ::std::sync::Arc<crate::runtime::Core>) -> Self {
                Self { core }
            }
        }

        impl Client {
            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.core.base_url()
            }

            /// A copy of this client with other call limits (timeouts, retries); for
            /// one call, set them on the call instead (`.timeout(..)`, `.retry(..)`).
            pub fn with_options(&self, f: impl FnOnce(&mut crate::CallOptions)) -> Self {
                Self { core: self.core.with_options(f) }
            }

            /// A call to a path the spec does not describe yet, on the same
            /// transport (limits, scrubbing, errors); never re-sent once it may have
            /// reached the server unless declared `.safe()`, and without the key
            /// unless `.with_key()`. Its answer is the wire format's data as JSON.
            pub fn raw(&self, method: crate::runtime::raw::Method, path: impl Into<String>) -> crate::runtime::Call<'_, ::serde_json::Value> {
                crate::runtime::raw::call(&self.core, method, path)
            }

            #(#methods)*

            #(#pagers)*
        }

        #[cfg(feature = "testing")]
        impl Client {
            /// Call operation `id` with its body and parameters as JSON, through its
            /// typed method; `None` when the typed request cannot hold them.
            #[doc(hidden)]
            pub async fn call_json(
                &self,
                id: &str,
                body: ::serde_json::Value,
                params: ::serde_json::Value,
            ) -> Option<crate::Result<::serde_json::Value>> {
                let _ = (&body, &params);
                Some(match id {
                    #(#arms)*
                    _ => return None,
                })
            }

            /// Component `name`'s generated type read from `value` and written
            /// back; `None` when no struct is generated for it.
            #[doc(hidden)]
            pub fn through_type(name: &str, value: ::serde_json::Value) -> Option<Result<crate::runtime::decode::Through, String>> {
                let _ = &value;
                Some(match name {
                    #(#through_arms)*
                    _ => return None,
                })
            }
        }
    };
    super::unparse(tokens, "operations").map_err(|m| PipelineError::new(origins.fallback.clone(), "", m))
}
