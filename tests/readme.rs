//! The README's table of supported operations is the specs' operation table:
//! every operation, its method and path, whether the key is sent, its retry class.
//! It is refreshed with the snapshots (`EXPECTORATE=overwrite cargo test`), so a
//! new page in `specs/` needs no hand edit here either.

use billing_clients::runtime::spec::{RetryClass, Spec};
use billing_clients::{closient, funnelfox};

fn rows(provider: &str, spec: &Spec) -> Vec<String> {
    spec.operations
        .iter()
        .map(|op| {
            let key = match (op.requires_auth, spec.auth_header) {
                (true, Some(header)) => format!("`{header}`"),
                _ => "no".to_string(),
            };
            let retry = match op.retry {
                RetryClass::Safe => "safe",
                RetryClass::Charge => "charge",
            };
            format!(
                "| {provider} | `{}` | `{} {}` | {key} | {retry} |",
                op.id, op.method, op.path
            )
        })
        .collect()
}

#[test]
fn the_readme_lists_every_operation_as_the_specs_declare_it() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let header = "| provider | operation | method and path | key sent | retry class |\n|---|---|---|---|---|\n";
    let start = readme.find(header).expect("the README has the operation table") + header.len();
    let end = start + readme[start..].find("\n\n").unwrap_or(readme.len() - start);
    let mut table = rows("FunnelFox", &funnelfox::SPEC);
    table.extend(rows("Closient", &closient::SPEC));
    let expected = format!("{}{}{}", &readme[..start], table.join("\n"), &readme[end..]);
    expectorate::assert_contents(path, &expected);
}
