//! Loading: pages parsed (YAML errors with a line), merged (conflicts naming
//! both files), and the vendored pages byte-identical to upstream.

use super::{merged, page, repo, upstream_page};
use billing_clients_codegen::load;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

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
fn yaml_errors_name_the_file_line_and_column() {
    let err = load::parse(Path::new("specs/x/bad.yaml"), "openapi: 3.0.0\npaths: [\n").unwrap_err();
    assert_eq!(err.files, vec![PathBuf::from("specs/x/bad.yaml")]);
    assert!(err.place.starts_with("line "), "{err}");
    // A key given twice is an error, not a silent "last one wins".
    let err = load::parse(Path::new("o.yaml"), "paths:\n  /a:\n    post: {}\n  /a:\n    get: {}\n").unwrap_err();
    assert!(err.message.contains("duplicate"), "{err}");
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
