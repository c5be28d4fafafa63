//! The spec pipeline's own tests: each upstream quirk in, the corrected document
//! out; every unusable shape a clear error with a file and a place, never a panic.

use billing_clients_codegen as codegen;

use codegen::{load, names, normalize, preflight};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A file of the repository this generator is part of (its specs and fixtures).
fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// An upstream-style FunnelFox page: no operationId, `org_id` as a path parameter.
fn upstream_page(path: &str, schema: &str) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "OpenAPI3", "version": "1.0.0"},
        "servers": [{"url": "https://billing.funnelfox.com/{org_id}/v1", "variables": {"org_id": {"default": "your-org-id"}}}],
        "security": [{"FunnelFoxSecretKey": []}],
        "paths": {path: {"post": {
            "parameters": [{"name": "org_id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}},
            "security": []
        }}},
        "components": {
            "schemas": {schema: {"type": "object", "properties": {"pp_ident": {"type": "string", "pattern": "^[a-z]+$"}}}},
            "securitySchemes": {"FunnelFoxSecretKey": {"type": "apiKey", "in": "header", "name": "ff-secret-key"}}
        }
    })
}

fn page(name: &str, doc: Value) -> load::Page {
    load::Page {
        file: PathBuf::from(name),
        doc,
    }
}

fn merged(pages: &[load::Page]) -> (Value, load::Origins) {
    let m = load::merge(pages).unwrap_or_else(|e| panic!("{e}"));
    (m.doc, m.origins)
}

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
fn pages_merge_and_conflicting_components_name_both_files() {
    let a = page("a.yaml", upstream_page("/checkout/a", "Shared"));
    let b = page("b.yaml", upstream_page("/checkout/b", "Shared"));
    let (doc, _) = merged(&[a, b]);
    assert_eq!(doc["paths"].as_object().unwrap().len(), 2);

    let mut other = upstream_page("/checkout/c", "Shared");
    other["components"]["schemas"]["Shared"]["properties"]["pp_ident"]["pattern"] = json!("^[0-9]+$");
    let a = page("a.yaml", upstream_page("/checkout/a", "Shared"));
    let err = load::merge(&[a, page("c.yaml", other)]).err().expect("conflict");
    assert_eq!(err.files, vec![PathBuf::from("a.yaml"), PathBuf::from("c.yaml")]);
    assert_eq!(err.place, "components > schemas > Shared");
    assert!(
        err.to_string()
            .starts_with("a.yaml and c.yaml at components > schemas > Shared"),
        "{err}"
    );
}

#[test]
fn pages_may_word_the_same_server_differently_but_not_define_it_differently() {
    let base = || upstream_page("/checkout/a", "A");
    let mut reworded = upstream_page("/checkout/b", "B");
    reworded["servers"][0]["description"] = json!("FunnelFox Payments API");
    reworded["info"]["title"] = json!("FunnelFox Payments API");
    reworded["components"]["securitySchemes"]["FunnelFoxSecretKey"]["description"] = json!("Secret key.");
    let (doc, _) = merged(&[page("a.yaml", base()), page("b.yaml", reworded)]);
    assert_eq!(
        doc["servers"][0]["description"],
        json!(null),
        "the first page's wording is kept"
    );
    let changes: [(&str, Value); 3] = [
        ("/servers/0/url", json!("https://billing.funnelfox.com/{org_id}/v2")),
        ("/servers/0/variables/org_id/default", json!("other")),
        ("/components/securitySchemes/FunnelFoxSecretKey/name", json!("x-key")),
    ];
    for (pointer, value) in changes {
        let mut other = upstream_page("/checkout/b", "B");
        *other.pointer_mut(pointer).unwrap() = value;
        let err = load::merge(&[page("a.yaml", base()), page("b.yaml", other)]).err();
        let err = err.unwrap_or_else(|| panic!("a different {pointer} merged"));
        assert_eq!(
            err.files,
            vec![PathBuf::from("a.yaml"), PathBuf::from("b.yaml")],
            "{pointer}"
        );
    }
}

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

#[test]
fn yaml_errors_name_the_file_line_and_column() {
    let err = load::parse(Path::new("specs/x/bad.yaml"), "openapi: 3.0.0\npaths: [\n").unwrap_err();
    assert_eq!(err.files, vec![PathBuf::from("specs/x/bad.yaml")]);
    assert!(err.place.starts_with("line "), "{err}");
    // A key given twice is an error, not a silent "last one wins".
    let err = load::parse(Path::new("o.yaml"), "paths:\n  /a:\n    post: {}\n  /a:\n    get: {}\n").unwrap_err();
    assert!(err.message.contains("duplicate"), "{err}");
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

/// An OpenAPI 3.1 page generates the client its 3.0 twin generates: the Closient
/// spec written again in 3.1 (type lists with "null", `examples`, `const`, a
/// `$ref` with a sibling) gives byte-identical types and operations.
#[test]
fn a_31_page_generates_the_client_of_its_30_twin() {
    let twin = repo("tests/fixtures/closient_openapi31");
    let twin = twin.as_path();
    let page = load::read_dir(twin).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.len(), 1);
    let text = std::fs::read_to_string(twin.join("openapi.yaml")).unwrap();
    assert!(text.contains("\nopenapi: 3.1.0\n"), "the fixture is a 3.1 page");
    assert_eq!(page[0].doc["openapi"], "3.0.3", "read in its 3.0 form");
    // Neither folder has an overlay: each is its own overlay folder.
    let v30 = codegen::run(&[repo("specs/closient").as_path()]).unwrap_or_else(|e| panic!("{e}"));
    let v31 = codegen::run(&[twin]).unwrap_or_else(|e| panic!("{e}"));
    assert!(v30.operations.contains("pub fn get_resolver_subscription("));
    for (what, a, b) in [
        ("types", &v30.types, &v31.types),
        ("operations", &v30.operations, &v31.operations),
    ] {
        if a != b {
            let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
            panic!(
                "the 3.1 twin generates other {what}, from line {}:\n3.0: {}\n3.1: {}",
                line + 1,
                a.lines().nth(line).unwrap_or("<end>"),
                b.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}

/// A provider's pages may be vendored in different versions: a 3.1 page (read
/// as 3.0.3) merges with 3.0.0 pages; 2.0 does not.
#[test]
fn a_31_page_merges_with_the_30_pages_of_its_api() {
    let v30 = upstream_page("/checkout/one_click", "OneClick");
    let mut v31 = upstream_page("/checkout/resume_payment", "ResumePayment");
    v31["openapi"] = json!("3.1.0");
    v31["components"]["schemas"]["ResumePayment"]["properties"]["pp_ident"]["type"] = json!(["string", "null"]);
    assert!(codegen::openapi31::to_30(Path::new("specs/x/resume.yaml"), &mut v31).unwrap());
    let (doc, _) = merged(&[
        page("specs/x/one_click.yaml", v30.clone()),
        page("specs/x/resume.yaml", v31),
    ]);
    assert_eq!(doc["openapi"], "3.0.0");
    assert_eq!(
        doc["components"]["schemas"]["ResumePayment"]["properties"]["pp_ident"],
        json!({"type": "string", "nullable": true, "pattern": "^[a-z]+$"})
    );
    let mut v20 = upstream_page("/checkout/resume_payment", "ResumePayment");
    v20["openapi"] = json!("2.0");
    let err = load::merge(&[page("a.yaml", v30), page("b.yaml", v20)])
        .err()
        .expect("2.0 is not 3.0");
    assert_eq!(err.place, "openapi");
}

/// A 3.1 page with what 3.0 cannot express fails the pipeline with the file and
/// the place, and nothing is generated from it.
#[test]
fn a_31_page_with_what_30_cannot_express_fails_with_file_and_place() {
    let dir = std::env::temp_dir().join(format!("billing-clients-openapi31-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = std::fs::read_to_string(repo("tests/fixtures/closient_openapi31/openapi.yaml")).unwrap();
    let tuple = "      properties:\n        return_url:\n";
    assert!(page.contains(tuple));
    let page = page.replacen(
        tuple,
        "      properties:\n        pair:\n          type: array\n          prefixItems: [{type: string}, {type: integer}]\n        return_url:\n",
        1,
    );
    std::fs::write(dir.join("openapi.yaml"), page).unwrap();
    let err = codegen::run(&[&dir]).err().expect("a tuple has no 3.0 form");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(err.files, vec![dir.join("openapi.yaml")]);
    assert_eq!(
        err.place, "components > schemas > PortalIn > properties > pair > prefixItems",
        "{err}"
    );
    assert!(err.message.contains("no OpenAPI 3.0 form"), "{err}");
}

/// The vendored FunnelFox pages are byte-identical to the YAML embedded in the
/// upstream pages they came from (kept beside this repository in `../shared/seeds`).
#[test]
fn vendored_pages_are_byte_identical_to_upstream() {
    let seeds = repo("../shared/seeds");
    let Ok(entries) = std::fs::read_dir(&seeds) else {
        assert!(std::env::var_os("CI").is_none(), "CI must have ../shared/seeds");
        eprintln!("skipped: {} not present", seeds.display());
        return;
    };
    let mut compared = 0;
    for entry in entries {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let Some(start) = text.find("````yaml ") else {
            continue;
        };
        let header_end = start + text[start..].find('\n').unwrap() + 1;
        let path = text[start..header_end].split_whitespace().last().unwrap();
        let end = header_end + text[header_end..].find("````").unwrap();
        let name = path.rsplit('/').next().unwrap();
        let vendored = std::fs::read_to_string(repo(&format!("specs/funnelfox/{name}.yaml"))).unwrap();
        assert_eq!(
            vendored,
            &text[header_end..end],
            "specs/funnelfox/{name}.yaml differs from upstream"
        );
        compared += 1;
    }
    assert_eq!(compared, 4);
}
