//! The preflight checks: what cannot be generated is an error with its file and
//! place.

use super::{merged, page, upstream_page};
use billing_clients_codegen::{normalize, preflight};
use serde_json::{Value, json};
use std::path::PathBuf;

#[test]
fn two_pages_whose_operations_get_one_name_fail_naming_both() {
    let a = upstream_page("/pp/create", "A");
    let mut b = upstream_page("/pp_create", "B");
    b["paths"]["/pp_create"]["post"]["operationId"] = json!("ppCreate");
    let (mut doc, mut origins) = merged(&[page("specs/x/pp_create.yaml", a), page("specs/x/pp_create2.yaml", b)]);
    normalize::normalize(&mut doc, &mut origins).unwrap();
    let err = preflight::check(&doc, &origins).expect_err("a collision");
    assert_eq!(
        err.files,
        vec![
            PathBuf::from("specs/x/pp_create.yaml"),
            PathBuf::from("specs/x/pp_create2.yaml")
        ]
    );
    assert!(err.message.contains("`pp_create`"), "{err}");
}

/// Each shape that cannot be generated is an error with its file and place.
#[test]
fn unusable_shapes_are_errors_with_a_place() {
    let check = |mutate: &dyn Fn(&mut Value)| {
        let mut doc = upstream_page("/checkout/one_click", "OneClick");
        mutate(&mut doc);
        let (mut doc, mut origins) = merged(&[page("specs/funnelfox/one_click.yaml", doc)]);
        if let Err(e) = normalize::normalize(&mut doc, &mut origins) {
            return Some(e.to_string());
        }
        preflight::check(&doc, &origins).err().map(|e| e.to_string())
    };
    assert_eq!(check(&|_| {}), None);
    let op = "/paths/~1checkout~1one_click/post";
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "does not appear in the path",
            Box::new(move |d: &mut Value| {
                d.pointer_mut(&format!("{op}/parameters"))
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": "nope", "in": "path", "required": true, "schema": {"type": "string"}}));
            }),
        ),
        (
            "media types",
            Box::new(move |d: &mut Value| {
                d.pointer_mut(&format!("{op}/requestBody/content")).unwrap()["text/plain"] =
                    json!({"schema": {"type": "string"}});
            }),
        ),
        (
            "`text/plain` is not supported",
            Box::new(move |d: &mut Value| {
                let content = d.pointer_mut(&format!("{op}/requestBody/content")).unwrap();
                *content = json!({"text/plain": {"schema": {"type": "string"}}});
            }),
        ),
        (
            "is a method every client already has",
            Box::new(move |d: &mut Value| {
                d.pointer_mut(op).unwrap()["operationId"] = json!("with_options");
            }),
        ),
        (
            "in Some(\"header\") is not supported",
            Box::new(move |d: &mut Value| {
                d.pointer_mut(&format!("{op}/parameters"))
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"name": "x-trace", "in": "header", "schema": {"type": "string"}}));
            }),
        ),
        (
            "points at nothing",
            Box::new(move |d: &mut Value| {
                *d.pointer_mut(&format!("{op}/requestBody/content/application~1json/schema"))
                    .unwrap() = json!({"$ref": "#/components/schemas/Missing"});
            }),
        ),
        (
            "no schema",
            Box::new(move |d: &mut Value| {
                *d.pointer_mut(&format!("{op}/responses/200/content/application~1json"))
                    .unwrap() = json!({});
            }),
        ),
        (
            "no operationId",
            Box::new(move |d: &mut Value| {
                d.pointer_mut(op).unwrap()["operationId"] = json!("--");
            }),
        ),
        (
            "only apiKey",
            Box::new(|d: &mut Value| {
                d["components"]["securitySchemes"]["FunnelFoxSecretKey"] = json!({"type": "http", "scheme": "bearer"});
            }),
        ),
        (
            "not declared",
            Box::new(|d: &mut Value| {
                d["servers"][0]["url"] = json!("https://x/{region}/v1");
            }),
        ),
    ];
    for (expected, mutate) in cases {
        let err = check(&*mutate).unwrap_or_else(|| panic!("accepted a spec with {expected}"));
        assert!(err.contains(expected), "{err}");
        assert!(err.starts_with("specs/funnelfox/one_click.yaml"), "{err}");
    }
}
