//! The edits made to progenitor's types: `Debug` that redacts sensitive fields
//! and shows only the names of unknown ones, `#[non_exhaustive]`.

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
