//! The generated code is kept in `tests/snapshots/` so that every change to it,
//! from a spec edit or a generator upgrade, is a reviewable diff. This test fails
//! when `build.rs` produces something else. To accept the new output:
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test --test snapshots
//! ```

const GENERATED: [(&str, &str); 4] = [
    (
        "funnelfox_client.rs",
        include_str!(concat!(env!("OUT_DIR"), "/funnelfox_client.rs")),
    ),
    (
        "funnelfox_meta.rs",
        include_str!(concat!(env!("OUT_DIR"), "/funnelfox_meta.rs")),
    ),
    (
        "closient_client.rs",
        include_str!(concat!(env!("OUT_DIR"), "/closient_client.rs")),
    ),
    (
        "closient_meta.rs",
        include_str!(concat!(env!("OUT_DIR"), "/closient_meta.rs")),
    ),
];

#[test]
fn generated_code_matches_the_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, generated) in GENERATED {
        let path = dir.join(format!("{name}.snap"));
        if update {
            std::fs::write(&path, generated).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from {stale:?}; review the change, then run \
         `UPDATE_SNAPSHOTS=1 cargo test --test snapshots` and commit the snapshots"
    );
}
