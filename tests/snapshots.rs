//! The generated code is kept in `tests/snapshots/` so that every change to it,
//! from a spec edit or a generator upgrade, is a reviewable diff. This test fails
//! when `build.rs` produces something else. To accept the new output:
//!
//! ```sh
//! EXPECTORATE=overwrite cargo test
//! ```

const GENERATED: [(&str, &str); 4] = [
    (
        "funnelfox_types.rs",
        include_str!(concat!(env!("OUT_DIR"), "/funnelfox_types.rs")),
    ),
    (
        "funnelfox_operations.rs",
        include_str!(concat!(env!("OUT_DIR"), "/funnelfox_operations.rs")),
    ),
    (
        "closient_types.rs",
        include_str!(concat!(env!("OUT_DIR"), "/closient_types.rs")),
    ),
    (
        "closient_operations.rs",
        include_str!(concat!(env!("OUT_DIR"), "/closient_operations.rs")),
    ),
];

#[test]
fn generated_code_matches_the_snapshots() {
    for (name, generated) in GENERATED {
        expectorate::assert_contents(format!("tests/snapshots/{name}.snap"), generated);
    }
}
