//! A declared `x-billing-paging`, checked against the operation's schemas: the
//! paging static the operation table points at, and the item type of its pager.

use super::resolve;
use crate::names;
use crate::normalize::is_json;
use crate::schema::component_name;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// A declared `x-billing-paging`, checked against the operation's schemas.
pub(super) struct PagingOut {
    pub(super) ident: Ident,
    pub(super) table: TokenStream,
    pub(super) item: Ident,
}

pub(super) fn paging(doc: &Value, op: &Value, declared: &Value, screaming: &str) -> Result<PagingOut, String> {
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
