//! The spec drift report (`spec-drift`) on changed copies of vendored
//! pages, built here from the vendored text so the tests survive re-vendoring.

use billing_clients_codegen::drift;

use drift::Outcome;
use drift::diff::Change;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The repository this generator is part of (its specs and fixtures).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn vendored_path(page: &str) -> PathBuf {
    root().join("specs/funnelfox").join(page)
}

/// A vendored FunnelFox page as a JSON value.
fn vendored(page: &str) -> Value {
    let text = std::fs::read_to_string(vendored_path(page)).unwrap();
    serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap()).unwrap()
}

/// Write `doc` as `<page>` in a folder of its own for `test`.
fn write(test: &str, page: &str, doc: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-drift-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(page);
    std::fs::write(&file, serde_yaml::to_string(doc).unwrap()).unwrap();
    file
}

fn check(file: &Path) -> (Outcome, Vec<Change>) {
    let outcome = drift::check(file, None, &root());
    let changes = outcome.findings.as_ref().map(|f| f.changes.clone()).unwrap_or_default();
    (outcome, changes)
}

/// The change whose description contains `what`, and whether it is breaking.
fn verdict(changes: &[Change], what: &str) -> bool {
    let found = changes.iter().find(|c| c.what.contains(what));
    found
        .unwrap_or_else(|| panic!("no change `{what}` in {changes:#?}"))
        .breaking
}

#[test]
fn an_unchanged_page_has_no_changes() {
    let copy = write("unchanged", "one_click.yaml", &vendored("one_click.yaml"));
    let (outcome, changes) = check(&copy);
    assert!(changes.is_empty(), "{}", outcome.text);
    assert_eq!(outcome.code, 0);
    assert!(outcome.text.ends_with("0 changes, 0 breaking\n"), "{}", outcome.text);
    // The page is found by its name; the byte-identical file too.
    let (same, _) = check(&vendored_path("one_click.yaml"));
    assert_eq!(same.code, 0, "{}", same.text);
}

#[test]
fn new_optional_fields_are_compatible() {
    let mut page = vendored("subscription_migration.yaml");
    let schemas = &mut page["components"]["schemas"];
    schemas["MigrationOut"]["properties"]["credited_amount"] = json!({"type": "string", "nullable": true});
    schemas["MigrationIn"]["properties"]["note"] = json!({"type": "string", "maxLength": 64});
    schemas["MigrationIn"]["description"] = json!("Only the wording changed.");
    let copy = write("compatible", "migration_v2.yaml", &page);
    let outcome = drift::check(&copy, Some(&vendored_path("subscription_migration.yaml")), &root());
    let changes = &outcome.findings.as_ref().unwrap().changes;
    assert_eq!(changes.len(), 2, "{}", outcome.text);
    assert!(!verdict(changes, "field `credited_amount`: added (optional"));
    assert!(!verdict(changes, "field `note`: added (optional"));
    assert_eq!(outcome.code, 0);
    assert!(
        outcome
            .text
            .contains("\n  MigrationOut  used by subscription_migration (answer)\n"),
        "{}",
        outcome.text
    );
    assert!(
        outcome.text.contains("1 description-only change(s) ignored"),
        "{}",
        outcome.text
    );
    assert!(outcome.text.ends_with("2 changes, 0 breaking\n"), "{}", outcome.text);
}

#[test]
fn breaking_changes_are_each_reported_breaking() {
    let mut page = vendored("subscription_migration.yaml");
    let input = &mut page["components"]["schemas"]["MigrationIn"];
    input["properties"]["currency"] = json!({"type": "string", "pattern": "^[A-Z]{3}$"});
    input["required"].as_array_mut().unwrap().push(json!("currency"));
    input["properties"].as_object_mut().unwrap().remove("comment");
    input["properties"]["pp_ident"]["pattern"] = json!("^[a-z_0-9]{1,64}$");
    input["properties"]["pp_ident"]["maxLength"] = json!(64);
    let strategy = &mut page["components"]["schemas"]["MigrationStrategy"]["enum"];
    strategy.as_array_mut().unwrap().retain(|v| v != "delayed_start");
    // Found by its paths: the file has another name.
    let copy = write("breaking", "migrate.yaml", &page);
    let (outcome, changes) = check(&copy);
    assert!(
        outcome
            .text
            .contains("replacing specs/funnelfox/subscription_migration.yaml"),
        "{}",
        outcome.text
    );
    for what in [
        "field `currency`: added (required",
        "field `comment`: removed",
        "field `pp_ident`: pattern",
        "field `pp_ident`: maxLength 256 → 64",
        "enum value \"delayed_start\" removed",
    ] {
        assert!(verdict(&changes, what), "{what} should be breaking:\n{}", outcome.text);
    }
    assert_eq!(outcome.code, 1);
    assert!(
        outcome
            .text
            .ends_with(&format!("{} changes, {} breaking\n", changes.len(), changes.len()))
    );
}

#[test]
fn a_newly_required_key_is_breaking() {
    let mut page = vendored("one_click.yaml");
    page["paths"]["/checkout/one_click"]["post"]["security"] = json!([{"FunnelFoxSecretKey": []}]);
    let copy = write("security", "one_click.yaml", &page);
    let (outcome, changes) = check(&copy);
    assert_eq!(changes.len(), 1, "{}", outcome.text);
    assert!(verdict(
        &changes,
        "now requires `FunnelFoxSecretKey` (header `ff-secret-key`)"
    ));
    assert!(
        outcome.text.contains("\n  one_click  POST /checkout/one_click\n"),
        "{}",
        outcome.text
    );
    assert_eq!(outcome.code, 1);
}

#[test]
fn a_page_that_conflicts_with_a_shared_component_is_the_finding() {
    let mut page = vendored("one_click.yaml");
    page["components"]["schemas"]["CheckoutPaymentStatus"]["enum"] = json!(["processing", "succeeded"]);
    let copy = write("conflict", "one_click.yaml", &page);
    let (outcome, _) = check(&copy);
    assert_eq!(outcome.code, drift::CANNOT_COMPARE, "{}", outcome.text);
    assert!(outcome.findings.is_none());
    assert!(
        outcome
            .text
            .contains("components > schemas > CheckoutPaymentStatus: defined differently by two pages"),
        "{}",
        outcome.text
    );
}

#[test]
fn the_fixture_has_one_compatible_and_one_breaking_change() {
    let fixture = root().join("tests/fixtures/drift/subscription_migration.yaml");
    let (outcome, changes) = check(&fixture);
    assert_eq!(changes.len(), 2, "{}", outcome.text);
    assert!(!verdict(&changes, "field `credited_amount`: added (optional"));
    assert!(verdict(&changes, "field `comment`: maxLength 2048 → 1024"));
    assert_eq!(outcome.code, 1);
}

#[test]
fn a_page_nothing_matches_asks_which_it_replaces() {
    let page = json!({"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {"/nowhere": {}}});
    let copy = write("unmatched", "nowhere.yaml", &page);
    let (outcome, _) = check(&copy);
    assert_eq!(outcome.code, drift::CANNOT_COMPARE);
    assert!(outcome.text.contains("--replaces"), "{}", outcome.text);
}
