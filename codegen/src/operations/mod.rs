//! The client of one provider, generated from its corrected spec: the `Client`
//! type, one method per operation, and the operation table (`SPEC`) the shared
//! core acts on (auth, retry class, parameters, schemas). Written once here, so
//! a new page in `specs/` is a new method with nothing written by hand.

mod aliases;
mod answer;
mod intent;
mod operation;
mod paging;
mod read_back;

use super::load::Origins;
use super::normalize::METHODS;
use super::schema::Schemas;
use super::{PipelineError, names};
pub use aliases::{Alias, alias_name, aliases, items as alias_items};
use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
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

/// What the operations put in the file, in document order: their entries in the
/// table, their methods, their dispatcher arms, their pagers and paging statics.
#[derive(Default)]
struct Emitted {
    table: Vec<TokenStream>,
    methods: Vec<TokenStream>,
    arms: Vec<TokenStream>,
    pagers: Vec<TokenStream>,
    paging_statics: Vec<TokenStream>,
    intent_statics: Vec<TokenStream>,
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
    let mut schemas = Schemas::new(doc);
    let mut out = Emitted::default();
    let ops = operations(doc);
    for index in 0..ops.len() {
        operation::emit(doc, origins, &scheme, &mut schemas, &ops, index, &mut out)?;
    }
    let read_back = read_back::emit(doc, &ops)
        .map_err(|m| PipelineError::new(origins.file_of(read_back::KEY), read_back::KEY, m))?;
    let Emitted {
        table,
        methods,
        arms,
        pagers,
        paging_statics,
        intent_statics,
    } = out;
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
    let (op_ids, op_variants): (Vec<&str>, Vec<_>) = ops
        .iter()
        .map(|o| (o.id.as_str(), format_ident!("{}", names::pascal(&o.id))))
        .unzip();
    let op_docs = ops.iter().map(|o| format!(" `{} {}`", o.method.to_uppercase(), o.path));
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
            read_back: &[#(#read_back),*],
        };

        static OPERATIONS: [s::Operation; #count] = [#(#table),*];

        /// Every operation of this spec, by name, in the order of [`SPEC`]'s
        /// table: code that matches on it exhaustively (the fakes do) breaks at
        /// compile time when a spec gains, loses or renames an operation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum OperationId {
            #(#[doc = #op_docs] #op_variants,)*
        }

        impl OperationId {
            /// The operation `op` is, when it is one of this spec's.
            pub fn of(op: &s::Operation) -> Option<Self> {
                match op.id {
                    #(#op_ids => Some(Self::#op_variants),)*
                    _ => None,
                }
            }

            /// Its entry in [`SPEC`]'s table.
            pub fn operation(self) -> &'static s::Operation {
                &OPERATIONS[self as usize]
            }
        }

        #(#statics)*

        #(#paging_statics)*

        #(#intent_statics)*

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

            /// The intents of calls given `.intent(..)` (those in doubt, and their
            /// resolution at the provider): see [`crate::runtime::intents`].
            pub fn intents(&self) -> crate::runtime::intents::Intents<'_> {
                crate::runtime::intents::Intents::new(&self.core)
            }

            /// Call `op`, an operation of [`SPEC`], with a JSON body; its answer
            /// as JSON (the webhook read-back's one generic call).
            pub(crate) fn call_operation_json(&self, op: &'static s::Operation, body: ::serde_json::Value) -> crate::runtime::Call<'_, ::serde_json::Value> {
                crate::runtime::Call::new(&self.core, op, crate::runtime::decode::json::<::serde_json::Value>).json(body)
            }

            #(#methods)*

            #(#pagers)*
        }

        /// This crate's own tests' way through every generated method and type by
        /// name (feature `testing`; not an API, kept off [`Client`]):
        /// `billing_clients::testing::conformance`.
        #[cfg(feature = "testing")]
        pub mod conformance {
            use super::{Client, types};

            /// Call operation `id` with its body and parameters as JSON, through
            /// its typed method; `None` when the typed request cannot hold them.
            pub async fn call_json(
                client: &Client,
                id: &str,
                body: ::serde_json::Value,
                params: ::serde_json::Value,
            ) -> Option<crate::Result<::serde_json::Value>> {
                let _ = (client, &body, &params);
                Some(match id {
                    #(#arms)*
                    _ => return None,
                })
            }

            /// Component `name`'s generated type read from `value` and written
            /// back; `None` when no struct is generated for it.
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
