//! Absent in every spelling: the rule, applied once to every generated type.
//!
//! A field the spec does not require reads as absent when it is missing, `null`,
//! or, where its type is never spelled as an empty string (a timestamp, uuid,
//! number, boolean or string enum), `""`. FunnelFox sends absent dates as `""`
//! in its transaction report and webhooks, and `null` where a list is optional.
//! Each such field gets `#[serde(default, deserialize_with = ..)]` naming one of
//! `crate::runtime::absent`'s functions:
//!
//! - `Option<scalar>` → `null_or_empty` (`null`, `""` and missing are `None`);
//! - a field typify gives a plain `#[serde(default)]` (an optional list or map)
//!   → `null` (`null` and missing are the empty default).
//!
//! What stays strict: a required field (neither `Option` nor defaulted), money
//! (`rust_decimal::Decimal`: `""` is not an amount), strings (`""` is a value),
//! and a field whose default is the spec's own (`default = "defaults::.."`),
//! which only request types have.

use std::collections::BTreeSet;

/// Scalars that are never spelled as an empty string, besides the string enums.
const SCALARS: [&str; 21] = [
    "Timestamp",
    "Uuid",
    "bool",
    "i8",
    "i16",
    "i32",
    "i64",
    "u8",
    "u16",
    "u32",
    "u64",
    "f32",
    "f64",
    "NonZeroU8",
    "NonZeroU16",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroI8",
    "NonZeroI16",
    "NonZeroI32",
    "NonZeroI64",
];

/// Mark the fields of every struct in `items` (typify's types, not its
/// builders) by the rule above; `enums` are the string enums' type names.
pub fn tolerate(items: &mut [syn::Item], enums: &BTreeSet<String>) {
    for item in items {
        let syn::Item::Struct(st) = item else { continue };
        let syn::Fields::Named(named) = &mut st.fields else {
            continue;
        };
        for field in named.named.iter_mut() {
            let serde = serde_args(&field.attrs);
            if serde
                .iter()
                .any(|a| a == "flatten" || a.starts_with("deserialize_with"))
            {
                continue;
            }
            let function = match option_inner(&field.ty) {
                Some(inner) if is_scalar(inner, enums) => "crate::runtime::absent::null_or_empty",
                Some(_) => continue, // `null` and missing are `None` already
                None if serde.iter().any(|a| a == "default") => "crate::runtime::absent::null",
                None => continue,
            };
            let mut args: Vec<String> = serde.into_iter().filter(|a| a != "default").collect();
            args.insert(0, format!("deserialize_with = {function:?}"));
            args.insert(0, "default".into());
            field.attrs.retain(|a| !a.path().is_ident("serde"));
            let args: proc_macro2::TokenStream = args.join(", ").parse().expect("serde arguments are tokens");
            field.attrs.push(syn::parse_quote!(#[serde(#args)]));
        }
    }
}

/// The arguments of a field's `#[serde(..)]` attributes, each as written
/// (`default`, `skip_serializing_if = "..."`).
fn serde_args(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let Ok(list) = attr.parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        out.extend(list.iter().map(|m| quote::quote!(#m).to_string()));
    }
    out
}

/// `T` of a field typed `Option<T>` (however the path is written).
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn is_scalar(ty: &syn::Type, enums: &BTreeSet<String>) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| {
        let name = s.ident.to_string();
        SCALARS.contains(&name.as_str()) || enums.contains(&name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(src: &str) -> String {
        let mut file: syn::File = syn::parse_str(src).unwrap();
        let enums = BTreeSet::from(["Status".to_string()]);
        tolerate(&mut file.items, &enums);
        prettyplease::unparse(&file)
    }

    #[test]
    fn scalars_lists_and_strict_fields() {
        let out = marked(
            r#"struct S {
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                at: ::std::option::Option<crate::Timestamp>,
                status: Option<Status>,
                note: Option<String>,
                amount: Option<::rust_decimal::Decimal>,
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                list: Vec<String>,
                #[serde(default = "defaults::s_mode")]
                mode: bool,
                #[serde(flatten)]
                extra: Map,
                id: ::uuid::Uuid,
            }"#,
        );
        let flat: String = out.split_whitespace().collect();
        let has = |attr: &str| flat.contains(&attr.split_whitespace().collect::<String>());
        let option = "skip_serializing_if = \"::std::option::Option::is_none\"";
        let list = "skip_serializing_if = \"::std::vec::Vec::is_empty\"";
        assert!(
            has(&format!(
                "#[serde(default, deserialize_with = \"crate::runtime::absent::null_or_empty\", {option})] at:"
            )),
            "{out}"
        );
        assert!(
            has("#[serde(default, deserialize_with = \"crate::runtime::absent::null_or_empty\")] status:"),
            "{out}"
        );
        assert!(
            has(&format!(
                "#[serde(default, deserialize_with = \"crate::runtime::absent::null\", {list})] list:"
            )),
            "{out}"
        );
        assert_eq!(
            out.matches("deserialize_with").count(),
            3,
            "strings, money, spec defaults and required fields stay: {out}"
        );
    }
}
