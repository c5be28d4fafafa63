//! What vendoring a newer upstream page would change, before it is vendored:
//!
//! ```text
//! cargo run -p billing-clients-codegen --bin spec-drift -- <new-page.yaml> [--replaces specs/funnelfox/<page>.yaml]
//! ```
//!
//! The page it replaces is `--replaces`, else the vendored page (FunnelFox's or
//! Closient's) with the same file name, else the one declaring the same paths.
//! The provider's pages are read as `build.rs` reads them (merge, overlay,
//! normalize, then the whole generator as a check), once as vendored and once
//! with that page swapped for the new file; the two corrected documents are
//! compared, and the generated type names too. The report is grouped by
//! operation (the client's method names) and by schema (the Rust type names).
//!
//! # Rules
//!
//! BREAKING (for code using the generated Rust API, or for requests that used
//! to be valid):
//! - an operation, parameter, field, schema or enum value removed;
//! - a new required request field, a new parameter (a new positional method
//!   argument, even when optional), a new request body;
//! - `required` changed either way: optional → required in a request is refused
//!   without it; otherwise the Rust field gains or loses `Option<_>` (notably
//!   required → optional in a response);
//! - `nullable` changed (the Rust type gains or loses `Option<_>`);
//! - a type, format or referenced schema changed; the kind of answer changed
//!   (JSON, text, bytes, none);
//! - a tightened constraint: a new or changed pattern, a raised `minimum`,
//!   `minLength` or `minItems`, a lowered `maximum`, `maxLength` or `maxItems`
//!   (a new bound counts as tightened), `exclusive*` or `uniqueItems` turned on,
//!   an enum where there was none;
//! - auth newly required (a security scheme added to the operation);
//! - the method or path of an operation changed;
//! - the retry class changed to `safe` (the client would now re-send it).
//!
//! compatible:
//! - a new operation, schema or generated type; a new optional request field;
//!   any new response field;
//! - a new enum value: an addition to the Rust enum, which is `#[non_exhaustive]`
//!   with an `Other(String)` variant, so older clients read it as `Other`;
//! - a loosened constraint, a changed `default`, auth no longer required, the
//!   retry class changed to `charge`, `deprecated` set or cleared, a request
//!   body made optional or given a new media type, another success status.
//!
//! Generated types that are not components (newtypes and inline types typify
//! names after titles and places) are compared by name too: one no longer
//! generated is breaking, a new one compatible. They usually follow from the
//! changes above, so they are listed and not counted, unless they are the only
//! changes (a `title` edit that renames a type).
//!
//! Description-only changes (`description`, `summary`, `title`, `example(s)`,
//! `externalDocs`, tags) are not reported; one line counts them.
//!
//! # Exit code
//!
//! 0: no breaking change; 1: at least one breaking change; 2: nothing could be
//! compared (bad arguments, or the new page does not load, merge, normalize or
//! generate; the pipeline's error is the finding).

use billing_clients_codegen::drift;

use std::path::{Path, PathBuf};

const USAGE: &str = "usage: cargo run -p billing-clients-codegen --bin spec-drift -- <new-page.yaml> [--replaces specs/<provider>/<page>.yaml]";

/// The repository whose specs are compared (this generator's parent folder).
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (new, replaces) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            std::process::exit(drift::CANNOT_COMPARE);
        }
    };
    let outcome = drift::check(&new, replaces.as_deref(), &repository());
    print!("{}", outcome.text);
    std::process::exit(outcome.code);
}

/// The new page and, if given, the vendored page it replaces.
fn parse_args(args: &[String]) -> Result<(PathBuf, Option<PathBuf>), String> {
    let (mut new, mut replaces) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--replaces" => replaces = Some(PathBuf::from(args.next().ok_or("--replaces needs a file")?)),
            "-h" | "--help" => return Err("What vendoring a newer upstream page would change.".into()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            file if new.is_none() => new = Some(PathBuf::from(file)),
            extra => return Err(format!("one new page at a time (`{extra}` is a second)")),
        }
    }
    Ok((new.ok_or("which new page? (a YAML file)")?, replaces))
}
