//! Operation-named aliases of the request and answer types: the types are named
//! after the spec's schemas (`subscription_search` takes `FilterSubscriptionIn`),
//! so each operation with a JSON body gets `<Operation>Request` and each with a
//! JSON answer `<Operation>Response` (`SubscriptionSearchRequest`), beside the
//! types they name in the generated `types` module.

use super::answer::{json_answer_schema, json_body_schema, rust_type};
use super::operations;
use crate::names;
use serde_json::Value;

/// One alias: `pub type <name> = <target>;`, of operation `operation`'s
/// request body or answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    /// The alias: `<Pascal(operation)>Request` or `...Response`.
    pub name: String,
    /// The generated type it names.
    pub target: String,
    /// The operation (its method's name).
    pub operation: String,
    /// Whether it names the request body (else the answer).
    pub request: bool,
}

/// The alias of operation `id`'s request body (`request`) or answer.
pub fn alias_name(id: &str, request: bool) -> String {
    format!("{}{}", names::pascal(id), if request { "Request" } else { "Response" })
}

/// Every operation's aliases, in document order: its JSON body's, then its JSON
/// answer's.
pub fn aliases(doc: &Value) -> Result<Vec<Alias>, String> {
    let mut out = Vec::new();
    for o in operations(doc) {
        let kinds = [
            (true, json_body_schema(doc, o.op)),
            (false, json_answer_schema(doc, o.op)),
        ];
        for (request, schema) in kinds {
            let Some(schema) = schema else { continue };
            let what = if request { "request body" } else { "answer" };
            let target = rust_type(Some(schema)).map_err(|e| format!("operation `{}`: the {what}: {e}", o.id))?;
            out.push(Alias {
                name: alias_name(&o.id, request),
                target: target.to_string(),
                operation: o.id.clone(),
                request,
            });
        }
    }
    Ok(out)
}

/// The aliases as items of the `types` module, beside `existing` (the names of
/// the types generated there). An alias that is its target's own name is left
/// out; one that names another type, or another alias, fails with the clash.
pub fn items(aliases: &[Alias], existing: &std::collections::BTreeSet<String>) -> Result<Vec<syn::Item>, String> {
    let mut made = std::collections::BTreeMap::<&str, &Alias>::new();
    let mut out = Vec::new();
    for a in aliases {
        if a.name == a.target {
            continue;
        }
        let what = if a.request { "request body" } else { "answer" };
        if existing.contains(&a.name) {
            return Err(format!(
                "operation `{}`: the alias `{}` of its {what} `{}` clashes with the generated type `{}` \
                 (a component of that name); rename the component in the overlay",
                a.operation, a.name, a.target, a.name
            ));
        }
        if let Some(other) = made.insert(&a.name, a) {
            return Err(format!(
                "operations `{}` and `{}` both make the alias `{}`; rename one in the overlay (operationId)",
                other.operation, a.operation, a.name
            ));
        }
        let (name, target) = (quote::format_ident!("{}", a.name), quote::format_ident!("{}", a.target));
        let doc = format!(
            " The {what} of [`Client::{op}`](super::Client::{op}): [`{target}`], named after the operation.",
            op = a.operation,
        );
        out.push(syn::parse_quote! {
            #[doc = #doc]
            pub type #name = #target;
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(name: &str, target: &str) -> Alias {
        Alias {
            name: name.into(),
            target: target.into(),
            operation: "op".into(),
            request: true,
        }
    }

    #[test]
    fn an_alias_that_names_another_type_fails_the_build() {
        let existing = ["OpRequest".to_string(), "Body".to_string()].into_iter().collect();
        let e = items(&[alias("OpRequest", "Body")], &existing).err().unwrap();
        assert!(e.contains("`OpRequest`") && e.contains("clashes"), "{e}");
    }

    #[test]
    fn an_alias_that_is_its_target_is_left_out() {
        let existing = ["OpRequest".to_string()].into_iter().collect();
        assert!(items(&[alias("OpRequest", "OpRequest")], &existing).is_ok_and(|i| i.is_empty()));
    }

    #[test]
    fn two_operations_with_one_alias_fail_the_build() {
        let existing = Default::default();
        let e = items(&[alias("OpRequest", "A"), alias("OpRequest", "B")], &existing)
            .err()
            .unwrap();
        assert!(e.contains("both make"), "{e}");
    }
}
