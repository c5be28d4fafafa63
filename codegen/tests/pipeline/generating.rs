//! Generation: the real specs generate their clients; an unusable folder and a
//! panic inside the generator are errors.

use super::repo;
use billing_clients_codegen as codegen;

#[test]
fn a_panic_inside_the_generator_becomes_an_error() {
    let r: Result<(), String> = codegen::types::without_panic_output(|| panic!("boom {}", 1));
    assert_eq!(r, Err("boom 1".into()));
}

#[test]
fn an_unusable_spec_folder_fails_with_the_file_named() {
    let dir = std::env::temp_dir().join(format!("billing-clients-codegen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.yaml"), "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {'200': {description: ok}}\n      parameters: [{name: other, in: path, required: true, schema: {type: string}}]\nservers: [{url: 'https://x'}]\n").unwrap();
    let err = codegen::run(&[&dir]).err().expect("unusable").to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.contains("broken.yaml") && err.contains("paths > /a/{id} > get"),
        "{err}"
    );
}

#[test]
fn the_real_specs_generate_without_org_id_arguments() {
    let out = codegen::run(&[repo("specs/funnelfox").as_path()]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.operations.contains("org_id:"), "no generated method takes org_id");
    assert!(
        out.operations
            .contains("server_url: \"https://billing.funnelfox.com/{org_id}/v1\"")
    );
    for id in [
        "create_simple_client_session",
        "create_client_session",
        "update_client_session",
        "one_click",
        "create_payment",
        "resume_payment",
    ] {
        assert!(out.operations.contains(&format!("pub fn {id}(")), "{id}");
        assert!(out.operations.contains(&format!("id: \"{id}\"")), "{id}");
    }
    let out = codegen::run(&[repo("specs/closient").as_path()]).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.operations.contains("auth_header: Some(\"X-API-Key\")"));
    assert!(out.types.starts_with("// @generated") && out.types.contains("pub mod types"));
}

/// `x-billing-read-back` is checked against the document: a rule naming a field
/// the read's answer does not have, or an operation that does not exist, fails
/// the build with the file and the rule, rather than refusing every real event.
#[test]
fn a_read_back_rule_that_could_never_match_fails_with_its_place() {
    let dir = repo("specs/funnelfox");
    let pages = codegen::read_pages(&[dir.as_path()]).unwrap_or_else(|e| panic!("{e}"));
    let out = codegen::generate(&pages, &dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.operations.contains("s::ReadBack {")
            && out
                .operations
                .contains("matches: &[(\"order_id\", \"order.order_id\")]")
    );
    for (pointer, wrong, says) in [
        (
            "/x-billing-read-back/0/match",
            serde_json::json!({"order_idd": "order.order_id"}),
            "have no `order_idd`",
        ),
        (
            "/x-billing-read-back/0/operation",
            serde_json::json!("no_such_read"),
            "no operation `no_such_read`",
        ),
        (
            "/x-billing-read-back/0/match",
            serde_json::json!({"order_id": "order.nope"}),
            "has no `order.nope`",
        ),
        (
            "/x-billing-read-back/0/subtypes",
            serde_json::json!(["settld"]),
            "`settld` is not a value",
        ),
    ] {
        let mut pages = codegen::read_pages(&[dir.as_path()]).unwrap();
        let webhooks = pages.iter_mut().find(|p| p.file.ends_with("webhooks.yaml")).unwrap();
        *webhooks.doc.pointer_mut(pointer).unwrap() = wrong;
        let err = codegen::generate(&pages, &dir).err().expect("refused").to_string();
        assert!(
            err.contains("webhooks.yaml")
                && err.contains("x-billing-read-back")
                && err.contains("rule 0")
                && err.contains(says),
            "{err}"
        );
    }
}
