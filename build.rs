//! Generates the typed clients from the vendored specs in `specs/` (see `codegen/`).
//! A spec that cannot be used fails the build with the file and place, never a panic.

#[path = "codegen/mod.rs"]
mod codegen;

use std::path::{Path, PathBuf};

const PROVIDERS: [&str; 2] = ["funnelfox", "closient"];

fn main() {
    println!("cargo:rerun-if-changed=codegen");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for provider in PROVIDERS {
        let dir = Path::new("specs").join(provider);
        println!("cargo:rerun-if-changed={}", dir.display());
        let output = match codegen::run(&dir) {
            Ok(output) => output,
            Err(e) => {
                eprintln!("error: cannot generate the {provider} client: {e}");
                std::process::exit(1);
            }
        };
        for file in &output.inputs {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        write(&out_dir.join(format!("{provider}_client.rs")), &output.client);
        write(&out_dir.join(format!("{provider}_meta.rs")), &output.meta);
    }
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
