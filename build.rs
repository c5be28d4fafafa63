//! Generates the typed clients from the vendored specs in `specs/` with the spec
//! pipeline (`codegen/`, the `billing-clients-codegen` crate). A spec that cannot
//! be used fails the build with the file and place, never a panic.

use billing_clients_codegen as codegen;

use std::path::{Path, PathBuf};

/// Each provider and the folders of its pages.
const PROVIDERS: [(&str, &[&str]); 2] = [("funnelfox", &["specs/funnelfox"]), ("closient", &["specs/closient"])];

/// With the private `__fixture` feature (this crate's own tests): FunnelFox's
/// pages plus fixture pages the tests use to show that a new page is all a new
/// operation takes.
const FIXTURE: (&str, &[&str]) = ("fixture", &["specs/funnelfox", "tests/fixtures/new_pages"]);

fn main() {
    println!("cargo::rustc-check-cfg=cfg(billing_fixture)");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut providers = PROVIDERS.to_vec();
    // The test-only client of the fixture pages: for this crate's own tests (the
    // dev-dependency turns `__fixture` on), never compiled for a user of `testing`.
    if std::env::var_os("CARGO_FEATURE___FIXTURE").is_some() {
        println!("cargo:rerun-if-changed={}", FIXTURE.1[1]);
        if Path::new(FIXTURE.1[1]).is_dir() {
            providers.push(FIXTURE);
            println!("cargo:rustc-cfg=billing_fixture");
        }
    }
    for (provider, dirs) in providers {
        for dir in dirs {
            println!("cargo:rerun-if-changed={dir}");
        }
        let dirs: Vec<&Path> = dirs.iter().map(Path::new).collect();
        let output = match codegen::run(&dirs) {
            Ok(output) => output,
            Err(e) => {
                eprintln!("error: cannot generate the {provider} client: {e}");
                std::process::exit(1);
            }
        };
        for file in &output.inputs {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        write(&out_dir.join(format!("{provider}_types.rs")), &output.types);
        write(&out_dir.join(format!("{provider}_operations.rs")), &output.operations);
    }
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
