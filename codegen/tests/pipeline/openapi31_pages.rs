//! OpenAPI 3.1 pages through the whole pipeline: the client of a 3.0 twin, a
//! merge with 3.0 pages, what 3.0 cannot express refused with a place.

use super::{merged, page, repo, upstream_page};
use billing_clients_codegen::{self as codegen, load};
use serde_json::json;
use std::path::Path;

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
