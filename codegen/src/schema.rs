//! JSON schemas as static data (`crate::runtime::spec::Schema`): one static per
//! component, one per inline sub-schema, named after where it sits
//! (`S_ONE_CLICK__PP_IDENT`). References between statics may form cycles.

use super::names;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The statics emitted so far.
pub struct Schemas<'a> {
    doc: &'a Value,
    components: BTreeMap<String, Ident>,
    used: BTreeSet<String>,
    statics: Vec<TokenStream>,
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

fn screaming(name: &str) -> String {
    names::snake(name).to_uppercase()
}

impl<'a> Schemas<'a> {
    pub fn new(doc: &'a Value) -> Self {
        Self {
            doc,
            components: BTreeMap::new(),
            used: BTreeSet::new(),
            statics: Vec::new(),
        }
    }

    /// Every static, in the order made.
    pub fn into_tokens(self) -> Vec<TokenStream> {
        self.statics
    }

    fn fresh(&mut self, base: &str) -> Ident {
        let mut name = format!("S_{base}");
        let mut n = 1;
        while !self.used.insert(name.clone()) {
            n += 1;
            name = format!("S_{base}_{n}");
        }
        ident(&name)
    }

    /// The static for the component `name` (made on first use).
    pub fn component(&mut self, name: &str) -> Ident {
        if let Some(id) = self.components.get(name) {
            return id.clone();
        }
        let id = self.fresh(&screaming(name));
        // Known before it is made, so a schema that refers to itself finds it.
        self.components.insert(name.to_string(), id.clone());
        let schema = self
            .doc
            .pointer(&format!(
                "/components/schemas/{}",
                name.replace('~', "~0").replace('/', "~1")
            ))
            .cloned()
            .unwrap_or(Value::Null);
        self.emit(&id, Some(name), &schema, &screaming(name));
        id
    }

    /// The static for `schema` (a `$ref` or an inline schema), naming new
    /// statics after `at`.
    pub fn reference(&mut self, schema: &Value, at: &str) -> Ident {
        if let Some(name) = component_name(schema) {
            return self.component(name);
        }
        let id = self.fresh(at);
        self.emit(&id, None, schema, at);
        id
    }

    fn list(&mut self, schema: &Value, key: &str, at: &str) -> Vec<Ident> {
        let items = schema.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        items
            .iter()
            .enumerate()
            .map(|(i, s)| self.reference(s, &format!("{at}__{}_{i}", screaming(key))))
            .collect()
    }

    fn emit(&mut self, id: &Ident, name: Option<&str>, s: &Value, at: &str) {
        let types = json_types(s);
        let nullable = s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        // A pattern is a static of its own: it compiles once, on first use.
        let pattern = s.get("pattern").and_then(Value::as_str).map(|p| {
            let pid = ident(&format!("PATTERN_{id}"));
            self.statics
                .push(quote!(static #pid: s::Pattern = s::Pattern::new(#p);));
            pid
        });
        let rules = rules(s, pattern.as_ref());
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut properties = Vec::new();
        for (prop, sub) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
            let target = self.reference(sub, &format!("{at}__{}", screaming(prop)));
            let req = required.contains(&prop.as_str());
            let sensitive = names::sensitive(prop, sub);
            properties
                .push(quote!(s::Property { name: #prop, required: #req, sensitive: #sensitive, schema: &#target }));
        }
        let items = match s.get("items") {
            Some(items) => {
                let target = self.reference(items, &format!("{at}__ITEMS"));
                quote!(Some(&#target))
            }
            None => quote!(None),
        };
        let any_of = self.list(s, "anyOf", at);
        let one_of = self.list(s, "oneOf", at);
        let all_of = self.list(s, "allOf", at);
        let example = match s.get("example").or_else(|| s.get("default")) {
            Some(v) => {
                let text = v.to_string();
                quote!(Some(#text))
            }
            None => quote!(None),
        };
        let name = match name {
            Some(n) => quote!(Some(#n)),
            None => quote!(None),
        };
        self.statics.push(quote! {
            static #id: s::Schema = s::Schema {
                name: #name,
                types: &[#(s::JsonType::#types),*],
                nullable: #nullable,
                rules: &[#(#rules),*],
                properties: &[#(#properties),*],
                items: #items,
                any_of: &[#(&#any_of),*],
                one_of: &[#(&#one_of),*],
                all_of: &[#(&#all_of),*],
                example: #example,
            };
        });
    }
}

/// `X` of `{"$ref": "#/components/schemas/X"}`.
pub fn component_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")
}

/// The declared JSON type (implied by `properties` or `items` when absent).
fn json_types(s: &Value) -> Vec<Ident> {
    let t = match s.get("type").and_then(Value::as_str) {
        Some("string") => "String",
        Some("integer") => "Integer",
        Some("number") => "Number",
        Some("boolean") => "Boolean",
        Some("array") => "Array",
        Some("object") => "Object",
        _ if s.get("properties").is_some() => "Object",
        _ if s.get("items").is_some() => "Array",
        _ => return Vec::new(),
    };
    vec![ident(t)]
}

fn rules(s: &Value, pattern: Option<&Ident>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let u = |k: &str| s.get(k).and_then(Value::as_u64);
    let f = |k: &str| s.get(k).and_then(Value::as_f64);
    let flag = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
    let values: Vec<&str> = s
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !values.is_empty() {
        out.push(quote!(s::Rule::Enum(&[#(#values),*])));
    }
    if let Some(n) = u("minLength") {
        out.push(quote!(s::Rule::MinLength(#n)));
    }
    if let Some(n) = u("maxLength") {
        out.push(quote!(s::Rule::MaxLength(#n)));
    }
    if let Some(p) = pattern {
        out.push(quote!(s::Rule::Pattern(&#p)));
    }
    if let Some(x) = s.get("format").and_then(Value::as_str) {
        out.push(quote!(s::Rule::Format(#x)));
    }
    if let Some(value) = f("minimum") {
        let exclusive = flag("exclusiveMinimum");
        out.push(quote!(s::Rule::Minimum { value: #value, exclusive: #exclusive }));
    }
    if let Some(value) = f("maximum") {
        let exclusive = flag("exclusiveMaximum");
        out.push(quote!(s::Rule::Maximum { value: #value, exclusive: #exclusive }));
    }
    if let Some(n) = u("minItems") {
        out.push(quote!(s::Rule::MinItems(#n)));
    }
    if let Some(n) = u("maxItems") {
        out.push(quote!(s::Rule::MaxItems(#n)));
    }
    out
}
