//! Fields that carry secrets, tokens or personal data (marked once, in the spec
//! pipeline: `x-billing-sensitive` or the name rule) are never printed by the
//! generated `Debug`, while their values stay accessible: every request and
//! answer type of every spec, filled with canary values, prints none of them.

mod support;

use billing_clients::funnelfox;
use billing_clients::runtime::spec::{JsonType, Media, Schema};
use billing_clients::testing::example::example;
use serde_json::Value;
use support::operations::operations;

/// Put a fresh canary in every sensitive string field of `value`; returns them.
fn plant(schema: &'static Schema, value: &mut Value, canaries: &mut Vec<String>) {
    for p in schema.properties {
        let Some(v) = value.get_mut(p.name) else { continue };
        let string = p.schema.types.contains(&JsonType::String)
            || p.schema.any_of.iter().any(|s| s.types.contains(&JsonType::String));
        if p.sensitive && string && v.is_string() {
            let canary = format!("CANARY{}x", canaries.len());
            *v = Value::String(canary.clone());
            canaries.push(canary);
        } else {
            plant(p.schema, v, canaries);
        }
    }
    if let (Some(items), Some(first)) = (schema.items, value.as_array_mut().and_then(|a| a.first_mut())) {
        plant(items, first, canaries);
    }
    for part in schema.all_of.iter().chain(schema.any_of.first()) {
        plant(part, value, canaries);
    }
}

/// `Debug` of the generated type of `schema` read from `value`.
fn debug(spec: &str, schema: &Schema, value: Value) -> Option<String> {
    support::operations::through_type(spec, schema.name?, value)?
        .ok()
        .map(|t| t.debug)
}

#[test]
fn no_type_prints_a_sensitive_field() {
    let mut planted = 0;
    for (spec, op) in operations() {
        // A multipart body has no struct (an `Upload`'s Debug never shows its contents).
        let typed_body = op.body.as_ref().filter(|b| b.media != Media::Multipart);
        let parts = [(false, typed_body.map(|b| b.schema)), (true, op.response.schema)];
        for (answer, schema) in parts {
            let Some(schema) = schema else { continue };
            let mut value = example(schema);
            let mut canaries = Vec::new();
            plant(schema, &mut value, &mut canaries);
            let Some(shown) = debug(spec, schema, value.clone()) else {
                panic!("{}: the example does not fit its type: {value}", op.id);
            };
            for canary in &canaries {
                assert!(
                    !shown.contains(canary),
                    "{} ({}): {canary} printed:\n{shown}",
                    op.id,
                    if answer { "answer" } else { "body" }
                );
            }
            assert!(canaries.is_empty() || shown.contains("[redacted]"), "{shown}");
            planted += canaries.len();
        }
    }
    assert!(planted >= 10, "only {planted} sensitive fields were planted");
}

#[test]
fn the_values_stay_accessible() {
    let session: funnelfox::types::CheckoutClientSessionOut = serde_json::from_value(serde_json::json!({
        "client_token": "tok_live_CANARY", "order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f"
    }))
    .unwrap();
    assert_eq!(session.client_token, "tok_live_CANARY");
    let shown = format!("{session:?}");
    assert!(!shown.contains("CANARY") && shown.contains("order_id"), "{shown}");
    let body = funnelfox::types::CheckoutClientSessionIn::builder()
        .region("default")
        .integration_type(funnelfox::types::IntegrationEnum::Stripe)
        .pp_ident("pro")
        .external_id("u1")
        .email_address("jane.CANARY@example.com");
    assert!(!format!("{body:?}").contains("CANARY"), "builders too: {body:?}");
}
