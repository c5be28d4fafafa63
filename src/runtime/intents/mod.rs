//! Money in doubt: intent keys for an API that has no idempotency key.
//!
//! A money-moving call given `.intent("upgrade-7781")` is written to a
//! [`Journal`] before its request leaves and its outcome after; a second call
//! with the key answers the recorded outcome without sending, or, while the
//! outcome is unknown, a typed error and nothing sent. An intent in doubt (an
//! answer lost after the request left, a process that died while sending) is
//! settled by looking at what the provider has since recorded, as each
//! operation's spec declares (`x-billing-intent`): see the README's "Money in
//! doubt".

#[cfg(feature = "journal-file")]
mod file;
mod journal;
#[cfg(feature = "postgres")]
mod postgres;
mod resolve;
mod send;

#[cfg(feature = "journal-file")]
pub use file::FileJournal;
pub use journal::{Begin, Intent, Journal, JournalError, MemoryJournal, Pending, Record, State, now_ms};
#[cfg(feature = "postgres")]
pub use postgres::PostgresJournal;
pub use resolve::{Intents, SETTLE_AFTER};
pub use send::{IntentCall, Settled};
