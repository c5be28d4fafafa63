//! The drift check: which page is replaced ([`pages`]), the two corrected
//! documents compared ([`diff`] for operations and components, [`schema`] for one
//! schema against another), and the report ([`report`]). The rules are in the
//! tool's own documentation (`src/bin/spec-drift.rs`).

pub mod diff;
pub mod pages;
pub mod report;
pub mod schema;

use diff::Findings;
use std::path::Path;

/// The exit code when nothing could be compared.
pub const CANNOT_COMPARE: i32 = 2;

/// What the command prints and exits with.
pub struct Outcome {
    pub text: String,
    /// 0: no breaking change, 1: some, [`CANNOT_COMPARE`]: no comparison.
    pub code: i32,
    /// The changes found (`None` when nothing could be compared); for the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub findings: Option<Findings>,
}

/// Compare the vendored page set with the one where `new` replaces a page
/// (`replaces`, or the page found as the command's documentation says). `root`
/// is the repository, which holds `specs/`.
pub fn check(new: &Path, replaces: Option<&Path>, root: &Path) -> Outcome {
    let swap = match pages::find(new, replaces, root) {
        Ok(swap) => swap,
        Err(message) => return cannot(format!("cannot compare: {message}\n")),
    };
    let before = match pages::vendored(&swap) {
        Ok(set) => set,
        Err(e) => return cannot(format!("cannot compare: the vendored pages do not load: {e}\n")),
    };
    let after = match pages::swapped(&swap) {
        Ok(set) => set,
        Err(e) => return cannot(report::unusable(&swap, &e.to_string(), root)),
    };
    let mut findings = diff::compare(&before.doc, &after.doc);
    diff::compare_generated(&before, &after, &mut findings);
    let code = i32::from(findings.breaking() > 0);
    Outcome {
        text: report::render(&swap, &findings, root),
        code,
        findings: Some(findings),
    }
}

fn cannot(text: String) -> Outcome {
    Outcome {
        text,
        code: CANNOT_COMPARE,
        findings: None,
    }
}
