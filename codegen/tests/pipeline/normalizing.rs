//! Normalisation: operation ids, server variables declared as path parameters,
//! inline bodies and answers named.

use super::{merged, page, upstream_page};
use billing_clients_codegen::{names, normalize};
use serde_json::json;
use std::path::PathBuf;

#[test]
fn operation_ids_keep_todays_names_and_name_the_whole_api_apart() {
    let mut doc = upstream_page("/checkout/one_click", "OneClick");
    let log = normalize::operation_ids(&mut doc);
    assert_eq!(
        doc.pointer("/paths/~1checkout~1one_click/post/operationId"),
        Some(&json!("one_click"))
    );
    assert_eq!(
        log,
        ["post /checkout/one_click: operationId `one_click` derived from the path"]
    );
    // A declared id is kept, spelled as a Rust method; one already so is untouched.
    doc["paths"]["/checkout/one_click"]["post"]["operationId"] = json!("chargeOneClick");
    assert_eq!(normalize::operation_ids(&mut doc).len(), 1);
    assert_eq!(
        doc["paths"]["/checkout/one_click"]["post"]["operationId"],
        "charge_one_click"
    );
    assert!(normalize::operation_ids(&mut doc).is_empty());
    // The rule on the whole FunnelFox API: today's six names, distinct others.
    for (path, id) in [
        ("/checkout/create_simple_client_session", "create_simple_client_session"),
        ("/checkout/create_client_session", "create_client_session"),
        ("/checkout/update_client_session", "update_client_session"),
        ("/checkout/one_click", "one_click"),
        ("/checkout/create_payment", "create_payment"),
        ("/checkout/resume_payment", "resume_payment"),
        ("/payment/refund", "payment_refund"),
        ("/payment/cancel", "payment_cancel"),
        ("/subscription/enable_autorenew", "enable_autorenew"),
        ("/subscription/pause", "subscription_pause"),
        ("/subscription/resume", "subscription_resume"),
        ("/discount", "discount"),
        ("/pp/create", "pp_create"),
        ("/feature/create", "feature_create"),
        ("/pp/export_csv", "export_csv"),
        ("/billing/balance/{organization_id}", "billing_balance"),
    ] {
        assert_eq!(names::derived_id(path).as_deref(), Some(id), "{path}");
    }
    assert_eq!(names::derived_id("/"), None);
    assert_eq!(names::derived_id("/{id}"), None);
}

#[test]
fn server_variables_declared_as_path_parameters_are_lifted() {
    let mut doc = upstream_page("/checkout/one_click", "OneClick");
    // A genuine path parameter stays.
    doc["paths"]["/items/{id}"] = json!({"get": {"operationId": "item", "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "org_id", "in": "path", "required": true, "schema": {"type": "string"}}
    ], "responses": {"200": {"description": "ok"}}}});
    let log = normalize::lift_server_variables(&mut doc);
    assert_eq!(log.len(), 2);
    assert_eq!(doc["paths"]["/checkout/one_click"]["post"]["parameters"], json!([]));
    assert_eq!(
        doc["paths"]["/items/{id}"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(doc["paths"]["/items/{id}"]["get"]["parameters"][0]["name"], "id");
}

#[test]
fn inline_bodies_and_answers_become_named_components() {
    let mut doc = upstream_page("/loyalty/adjust", "A");
    let op = &mut doc["paths"]["/loyalty/adjust"]["post"];
    op["operationId"] = json!("adjustLoyaltyPoints");
    op["requestBody"]["content"]["application/json"]["schema"] =
        json!({"type": "object", "properties": {"x": {"type": "string"}}});
    op["responses"]["200"]["content"]["application/json"]["schema"] =
        json!({"type": "array", "items": {"type": "string"}});
    let (mut doc, mut origins) = merged(&[page("specs/x/adjust.yaml", doc)]);
    let log = normalize::normalize(&mut doc, &mut origins).unwrap();
    assert!(log.iter().any(|l| l.contains("`AdjustLoyaltyPointsBody`")), "{log:?}");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["AdjustLoyaltyPointsBody"]["properties"]["x"]["type"], "string");
    assert_eq!(schemas["AdjustLoyaltyPointsResponse"]["type"], "array");
    let op = &doc["paths"]["/loyalty/adjust"]["post"];
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/AdjustLoyaltyPointsBody"
    );
    assert_eq!(
        origins.file_of("components > schemas > AdjustLoyaltyPointsBody"),
        PathBuf::from("specs/x/adjust.yaml")
    );
}
