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

/// `x-billing-intent`: a new page whose POST may move money and says nothing
/// about how a lost answer is looked up is refused, and so is a lookup that
/// names what the document does not have.
#[test]
fn a_money_moving_page_without_a_lookup_or_with_a_wrong_one_is_refused() {
    let dir = repo("specs/funnelfox");
    let with = |intent: Option<serde_json::Value>| {
        let mut page = super::upstream_page("/bonus/grant", "BonusGrantIn");
        let props = page.pointer_mut("/components/schemas/BonusGrantIn/properties").unwrap();
        props["external_id"] = serde_json::json!({"type": "string"});
        if let Some(intent) = intent {
            page["paths"]["/bonus/grant"]["post"]["x-billing-intent"] = intent;
        }
        let mut pages = codegen::read_pages(&[dir.as_path()]).unwrap();
        pages.push(super::page("bonus_grant.yaml", page));
        codegen::generate(&pages, &dir)
    };
    let err = with(None).err().expect("refused").to_string();
    assert!(
        err.contains("bonus_grant.yaml") && err.contains("x-billing-intent") && err.contains("`none:`"),
        "{err}"
    );
    assert!(with(Some(serde_json::json!({"none": "grants points, no money"}))).is_ok());
    let lookup = |step: serde_json::Value| serde_json::json!({"lookup": [step]});
    let good = serde_json::json!({
        "operation": "my_assets", "request": {"external_id": "body.external_id"},
        "items": "subscriptions", "match": {"subs_id": "intent"}, "keep": ["subs_id"],
    });
    let out = with(Some(lookup(good.clone()))).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.operations.contains("static INTENT_BONUS_GRANT: s::IntentRule"));
    for (field, wrong, says) in [
        ("operation", serde_json::json!("create_payment"), "is not a read"),
        ("items", serde_json::json!("subscriptionz"), "has no `subscriptionz`"),
        ("match", serde_json::json!({"subs_idd": "intent"}), "no `subs_idd`"),
        (
            "request",
            serde_json::json!({"external_id": "body.user"}),
            "the body: no `user`",
        ),
        ("request", serde_json::json!({}), "requires `external_id`"),
        (
            "match",
            serde_json::json!({"subs_id": "found.order_id"}),
            "no earlier step keeps `order_id`",
        ),
    ] {
        let mut step = good.clone();
        step[field] = wrong;
        let err = with(Some(lookup(step))).err().expect("refused").to_string();
        assert!(err.contains("lookup step 0") && err.contains(says), "{says}: {err}");
    }
}
