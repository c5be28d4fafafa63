//! The spec's `x-billing-intent` as data: how a money-moving operation's lost
//! answer is looked up (see `codegen/src/operations/intent.rs` for the checks,
//! [`crate::runtime::intents`] for the one resolver that reads it).

use super::Operation;

/// How a money-moving operation's outcome is found at the provider after its
/// answer was lost (`x-billing-intent`, checked at build time).
#[derive(Debug)]
#[non_exhaustive]
pub struct IntentRule {
    /// A body path (`client_metadata.billing_intent`) the intent key is written
    /// to before sending, for a lookup to find it by.
    pub stamp: Option<&'static str>,
    /// The body fields the journal keeps for the lookups (never the whole body).
    pub fields: &'static [&'static str],
    /// The steps, in order (empty with [`IntentRule::none`]).
    pub lookup: &'static [Lookup],
    /// Why nothing can look it up, when nothing can.
    pub none: Option<&'static str>,
}

/// One step of an [`IntentRule`]: a read, and the item that shows the effect.
/// Sources are `intent` (the key), `body.<path>` (the money call's body),
/// `found.<name>` (kept by an earlier step), `=<text>` (that text).
#[derive(Debug)]
#[non_exhaustive]
pub struct Lookup {
    /// The read operation called.
    pub operation: &'static Operation,
    /// Body paths whose truth must be as given for the step to run.
    pub when: &'static [(&'static str, bool)],
    /// The read's request fields and their sources.
    pub request: &'static [(&'static str, &'static str)],
    /// The list in its answer.
    pub items: &'static str,
    /// Item paths that must equal their sources.
    pub matches: &'static [(&'static str, &'static str)],
    /// Item paths that must hold a value for the effect to be there.
    pub expect: &'static [(&'static str, Expect)],
    /// Item fields kept as what was found (`order_id`, …).
    pub keep: &'static [&'static str],
    /// Whether finding (or not finding) the item settles the intent; `false`
    /// for a step that only locates what a later one checks.
    pub proves: bool,
}

/// What an item's field must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Truthy (`true`, a non-zero amount, a non-empty text or list) or not.
    Truth(bool),
    /// This text, or a list holding it.
    Text(&'static str),
}
