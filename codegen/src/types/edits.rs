//! The edits made to progenitor's types: `Debug` that redacts sensitive fields
//! and shows only the names of unknown ones, builders that start with no unknown
//! fields and word an unset field only when it is read, `#[non_exhaustive]`.

use serde_json::Value;

/// Each generated struct with fields never to print: struct name → field names.
pub(super) fn sensitive_fields(doc: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let fields: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(prop, sub)| crate::names::sensitive(prop, sub))
            .map(|(prop, _)| crate::names::snake(prop))
            .collect();
        if !fields.is_empty() {
            out.insert(crate::names::type_name(name), fields);
        }
    }
    out
}

/// Replace the derived `Debug` of every struct (and its builder) that has a
/// sensitive field, or fields this version does not know (`extra`), by one that
/// prints a sensitive field as `[redacted]` and of `extra` the names only; the
/// values stay as they are.
pub(super) fn redact(items: &mut Vec<syn::Item>, secret: &std::collections::BTreeMap<String, Vec<String>>) {
    redact_in(items, secret, false)
}

fn redact_in(items: &mut Vec<syn::Item>, secret: &std::collections::BTreeMap<String, Vec<String>>, builder: bool) {
    use quote::quote;
    let none = Vec::new();
    let mut added = Vec::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) if m.ident == "builder" => {
                if let Some((_, inner)) = &mut m.content {
                    redact_in(inner, secret, true);
                    unknown_fields_optional(inner);
                }
            }
            syn::Item::Struct(st) => {
                let fields = secret.get(&st.ident.to_string()).unwrap_or(&none);
                let syn::Fields::Named(named) = &st.fields else {
                    continue;
                };
                let has_extra = named
                    .named
                    .iter()
                    .any(|f| f.ident.as_ref().is_some_and(|i| i == "extra"));
                if fields.is_empty() && !has_extra {
                    continue;
                }
                let mut removed = false;
                for attr in st.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
                    let Ok(paths) = attr
                        .parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                    else {
                        continue;
                    };
                    let kept: Vec<&syn::Path> = paths.iter().filter(|p| !p.is_ident("Debug")).collect();
                    removed |= kept.len() != paths.len();
                    *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
                }
                if !removed {
                    continue;
                }
                let ident = &st.ident;
                let name = ident.to_string();
                let shown = named.named.iter().filter_map(|f| f.ident.as_ref()).map(|f| {
                    let label = f.to_string();
                    if fields.contains(&label.trim_start_matches("r#").to_string()) {
                        quote!(.field(#label, &"[redacted]"))
                    } else if label == "extra" && builder {
                        quote!(.field(#label, &crate::runtime::unknown::names(&self.extra)))
                    } else if label == "extra" {
                        quote!(.field(#label, &crate::runtime::unknown::Names(&self.extra)))
                    } else {
                        quote!(.field(#label, &self.#f))
                    }
                });
                added.push(syn::parse_quote! {
                    impl ::std::fmt::Debug for #ident {
                        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                            f.debug_struct(#name) #(#shown)* .finish()
                        }
                    }
                });
            }
            _ => {}
        }
    }
    items.extend(added);
}

/// Two changes to typify's builders:
/// - a builder starts with no unknown fields (typify's starts with "no value
///   supplied for extra", as for any field it takes for required);
/// - a required field not set yet is an empty error, not a formatted message
///   per field per builder (most are set right away); the message is written
///   only when the builder is turned into its type with the field still unset.
fn unknown_fields_optional(builders: &mut [syn::Item]) {
    for item in builders {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(name) = imp
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .map(|s| s.ident.to_string())
        else {
            continue;
        };
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else { continue };
            let fields = match f.block.stmts.last_mut() {
                Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) if name == "Default" => &mut init.fields,
                Some(syn::Stmt::Expr(syn::Expr::Call(ok), None)) if name == "TryFrom" => match ok.args.first_mut() {
                    Some(syn::Expr::Struct(init)) => &mut init.fields,
                    _ => continue,
                },
                _ => continue,
            };
            for field in fields.iter_mut() {
                let syn::Member::Named(ident) = &field.member else {
                    continue;
                };
                let unset = format!("no value supplied for {ident}");
                if name == "Default" && ident == "extra" {
                    field.expr = syn::parse_quote!(Ok(Default::default()));
                } else if name == "Default" && quote::quote!(#field).to_string().contains(&unset) {
                    field.expr = syn::parse_quote!(Err(::std::string::String::new()));
                } else if let syn::Expr::Try(read) = &field.expr {
                    let inner = &read.expr;
                    field.expr = syn::parse_quote!(
                        #inner.map_err(|e| if e.is_empty() { #unset.to_string() } else { e })?
                    );
                }
            }
        }
    }
}

/// Mark every generated type `#[non_exhaustive]`: a field or variant a newer
/// spec adds is then not a breaking change. Structs are built with their
/// builders (`types::X::builder()`), never literally.
pub(super) fn non_exhaustive(items: &mut [syn::Item]) {
    let marked = |attrs: &[syn::Attribute]| attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
    for item in items {
        match item {
            syn::Item::Struct(st) if !marked(&st.attrs) => st.attrs.push(syn::parse_quote!(#[non_exhaustive])),
            syn::Item::Enum(en) if !marked(&en.attrs) => en.attrs.push(syn::parse_quote!(#[non_exhaustive])),
            _ => {}
        }
    }
}
