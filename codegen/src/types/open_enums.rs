//! Open enums: every string enum component as an enum whose unknown values are
//! kept (`Other`), with the spec's values and aliases.

use serde_json::Value;

/// A string enum component: its name, its values, and its aliases (a spelling
/// upstream also sends → the value it stands for, `x-billing-aliases`).
pub(super) struct OpenEnum {
    pub(super) name: String,
    values: Vec<String>,
    aliases: Vec<(String, String)>,
}

/// Every string enum component.
pub(super) fn open_enums(doc: &Value) -> Vec<OpenEnum> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| crate::normalize::is_string_enum(s))
        .map(|(name, s)| {
            let aliases: Vec<(String, String)> = s
                .get("x-billing-aliases")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect();
            let values = s["enum"].as_array().into_iter().flatten().filter_map(Value::as_str);
            let values = values
                .filter(|v| !aliases.iter().any(|(a, _)| a == v))
                .map(str::to_string)
                .collect();
            OpenEnum {
                name: name.clone(),
                values,
                aliases,
            }
        })
        .collect()
}

/// An enum whose unknown values are kept as `Other`, with the spec's values as
/// variants, spelled as the spec spells them on the wire.
pub(super) fn open_enum(e: &OpenEnum) -> Result<proc_macro2::TokenStream, String> {
    use quote::{format_ident, quote};
    let (name, values) = (&e.name, &e.values);
    let ty = format_ident!("{}", crate::names::type_name(name));
    let mut variants = Vec::new();
    for v in values {
        let mut pascal = crate::names::pascal(&crate::names::snake(v));
        if !pascal.starts_with(|c: char| c.is_ascii_alphabetic()) || pascal == "Self" || pascal == "Other" {
            pascal = format!("V{pascal}");
        }
        if variants.iter().any(|(p, _): &(String, &String)| *p == pascal) {
            return Err(format!(
                "values spelled alike: `{v}` and another both make the variant `{pascal}`"
            ));
        }
        variants.push((pascal, v));
    }
    let idents: Vec<_> = variants.iter().map(|(p, _)| format_ident!("{p}")).collect();
    let wire: Vec<_> = variants.iter().map(|(_, v)| v.as_str()).collect();
    let docs: Vec<String> = wire
        .iter()
        .map(|v| {
            let also: Vec<String> = e
                .aliases
                .iter()
                .filter(|(_, c)| c == v)
                .map(|(a, _)| format!("`{a}`"))
                .collect();
            match also.is_empty() {
                true => format!(" `{v}`"),
                false => format!(" `{v}` (also sent as {})", also.join(", ")),
            }
        })
        .collect();
    let mut alias_arms = Vec::new();
    for (alias, canonical) in &e.aliases {
        let Some(i) = wire.iter().position(|w| w == canonical) else {
            return Err(format!(
                "alias `{alias}` stands for `{canonical}`, which is not one of the values"
            ));
        };
        let ident = &idents[i];
        alias_arms.push(quote!(#alias => Self::#ident,));
    }
    let doc = format!(
        " `{name}`: one of {}, or a value this version of the crate does not know ([`{ty}::Other`]).",
        wire.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
    );
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #ty {
            #(#[doc = #docs] #idents,)*
            /// A value the spec does not list (yet): kept as sent.
            Other(::std::string::String),
        }

        impl #ty {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wire,)*
                    Self::Other(s) => s,
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #ty {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match s {
                    #(#wire => Self::#idents,)*
                    #(#alias_arms)*
                    other => Self::Other(other.to_string()),
                })
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(s: &str) -> Self {
                s.parse().unwrap_or_else(|never| match never {})
            }
        }

        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                Ok(s.as_str().into())
            }
        }
    })
}
