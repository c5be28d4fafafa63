//! [`IntentError`]: a call with an intent key that was not sent.

use crate::runtime::intents::{JournalError, Record};
use std::fmt;

/// Why a call with an intent key (`.intent(..)`) was not sent. Nothing was sent
/// in every case.
#[derive(Debug)]
#[non_exhaustive]
pub struct IntentError {
    /// The caller's key.
    pub key: String,
    /// The operation called.
    pub operation: &'static str,
    /// What stopped it.
    pub kind: IntentErrorKind,
}

/// What stopped a call with an intent key.
#[derive(Debug)]
#[non_exhaustive]
pub enum IntentErrorKind {
    /// The key's earlier call may have been processed and nobody knows yet
    /// whether it was: resolve it (`client.intents().resolve(key)`) before
    /// anything is sent again. The record says what is known (when, why).
    InDoubt(Box<Record>),
    /// The key was used for another operation or another body: a new intent
    /// needs a new key.
    Conflict,
    /// The journal could not write or read the intent (so it was not sent).
    Journal(JournalError),
}

impl fmt::Display for IntentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (key, op) = (&self.key, self.operation);
        match &self.kind {
            IntentErrorKind::InDoubt(r) => write!(
                f,
                "{op}: intent {key:?} is in doubt ({}), nothing sent: resolve it first",
                match r.state.detail() {
                    d if d.is_empty() => r.state.name().to_string(),
                    d => d,
                }
            ),
            IntentErrorKind::Conflict => {
                write!(
                    f,
                    "{op}: intent {key:?} was used for another call (operation or body); nothing sent"
                )
            }
            IntentErrorKind::Journal(e) => write!(f, "{op}: intent {key:?} not sent: {e}"),
        }
    }
}
