//! Fields a response (or a request) carries that this version of the crate does
//! not know: every generated struct keeps them in `extra`, so a value read and
//! sent back loses nothing, and a field a provider adds is not a breaking change.

use std::fmt;

/// What every generated struct's `extra` holds: unknown field name → value.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// `Debug` for `extra`: the names only. A field this version does not know may
/// be a secret; the crate cannot tell, so its value is never printed.
#[doc(hidden)]
pub struct Names<'a>(pub &'a Extra);

impl fmt::Debug for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// `Debug` for a builder's `extra` (set or not).
#[doc(hidden)]
pub fn names<E>(extra: &Result<Extra, E>) -> Option<Names<'_>> {
    extra.as_ref().ok().map(Names)
}
