//! The journal: where an intent is written before its request leaves, and its
//! outcome after. One trait, three stores: [`MemoryJournal`] (tests, one
//! process that may forget), [`FileJournal`] (feature `journal-file`: one
//! process, durable across crashes) and [`PostgresJournal`] (feature
//! `postgres`: a fleet, where a unique key makes two replicas racing one
//! intent send one request).
//!
//! [`FileJournal`]: super::FileJournal
//! [`PostgresJournal`]: super::PostgresJournal

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// What a journal's operation returns: a boxed future, so that stores can be
/// used as `dyn Journal` (one client, any store).
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// A journal that could not answer (down, unreachable, a corrupt file). The
/// call then fails before sending: an intent that cannot be written is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalError(pub String);

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the intent journal failed: {}", self.0)
    }
}

impl std::error::Error for JournalError {}

/// One money-moving call as the journal keeps it: never the body (it may hold
/// a payment token), only what is needed to recognise it and to look it up.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Intent {
    /// The caller's key (`upgrade-7781`): one intent, however often it is called.
    pub key: String,
    /// The operation (`one_click`).
    pub operation: String,
    /// SHA-256 of the body as sent, hex: the same key with another body is refused.
    pub body_hash: String,
    /// The body fields the operation's lookups need (`external_id`, `order_id`).
    pub fields: Map<String, Value>,
    /// When it was first written, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
}

impl Intent {
    /// An intent as written now.
    pub fn new(
        key: impl Into<String>,
        operation: impl Into<String>,
        body_hash: impl Into<String>,
        fields: Map<String, Value>,
    ) -> Self {
        Self {
            key: key.into(),
            operation: operation.into(),
            body_hash: body_hash.into(),
            fields,
            started_at_ms: now_ms(),
        }
    }
}

/// Where an intent stands. A new intent is [`State::Sending`]; its answer makes it
/// [`State::Answered`], a refusal or a failure before sending
/// [`State::NotHappened`], a lost answer [`State::InDoubt`]; resolving an intent
/// in doubt (or one left `Sending` by a crash) makes it `Happened` or
/// `NotHappened`, or leaves it in doubt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum State {
    /// Written; its request is being sent (or its process died while it was).
    Sending,
    /// The provider answered: the answer's data as received (JSON), to return
    /// again to a call with the same key without sending.
    Answered(String),
    /// The request may have been processed and its answer was lost: why.
    InDoubt(String),
    /// A lookup found its effect at the provider: what it found (`order_id`, …).
    Happened(Map<String, Value>),
    /// It did not happen (refused, never sent, or not found by a lookup): why.
    /// A call with the same key may send it again.
    NotHappened(String),
}

impl State {
    /// Its name as stored: `sending`, `answered`, `in_doubt`, `happened`, `not_happened`.
    pub fn name(&self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::Answered(_) => "answered",
            State::InDoubt(_) => "in_doubt",
            State::Happened(_) => "happened",
            State::NotHappened(_) => "not_happened",
        }
    }

    /// Its detail as stored: the answer, the reason, or the found ids as JSON.
    pub fn detail(&self) -> String {
        match self {
            State::Sending => String::new(),
            State::Answered(s) | State::InDoubt(s) | State::NotHappened(s) => s.clone(),
            State::Happened(found) => Value::Object(found.clone()).to_string(),
        }
    }

    /// A state read back from its name and detail.
    pub fn from_parts(name: &str, detail: String) -> Result<Self, JournalError> {
        Ok(match name {
            "sending" => State::Sending,
            "answered" => State::Answered(detail),
            "in_doubt" => State::InDoubt(detail),
            "not_happened" => State::NotHappened(detail),
            "happened" => match serde_json::from_str(&detail) {
                Ok(Value::Object(found)) => State::Happened(found),
                _ => {
                    return Err(JournalError(format!(
                        "a happened intent with unreadable ids: {detail:?}"
                    )));
                }
            },
            other => return Err(JournalError(format!("unknown intent state {other:?}"))),
        })
    }

    /// Whether nobody knows yet if it happened: sending (or crashed) or in doubt.
    pub fn is_open(&self) -> bool {
        matches!(self, State::Sending | State::InDoubt(_))
    }
}

/// An intent and where it stands.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Record {
    /// The intent as first written.
    pub intent: Intent,
    /// Its state now.
    pub state: State,
    /// When the state was last written, milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
}

impl Record {
    /// A record in `state`, written now.
    pub fn new(intent: Intent, state: State) -> Self {
        Self {
            intent,
            state,
            updated_at_ms: now_ms(),
        }
    }
}

/// What [`Journal::begin`] found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Begin {
    /// The intent is this caller's to send: it was new, or it had not happened
    /// (same body) and is `Sending` again.
    Send,
    /// The key was written before, by this or another process: its record.
    Existing(Record),
}

/// Where intents are written. Every operation is atomic: two callers beginning
/// one key at once get one [`Begin::Send`] between them.
pub trait Journal: Send + Sync + fmt::Debug {
    /// Write `intent` as `Sending` if its key is new, or if its record has not
    /// happened and holds the same body hash; otherwise answer the record.
    fn begin<'a>(&'a self, intent: &'a Intent) -> Pending<'a, Begin>;
    /// Write `key`'s new state. A key that is not there changes nothing.
    fn set<'a>(&'a self, key: &'a str, state: &'a State) -> Pending<'a, ()>;
    /// `key`'s record, if written.
    fn get<'a>(&'a self, key: &'a str) -> Pending<'a, Option<Record>>;
    /// Every open record (sending or in doubt), oldest first.
    fn open(&self) -> Pending<'_, Vec<Record>>;
}

/// The [`Journal`] of one process, in memory: what a crash forgets. For tests,
/// and the default of a client given no journal.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    records: Mutex<HashMap<String, Record>>,
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Record>) -> T) -> T {
        f(&mut self.records.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Journal for MemoryJournal {
    fn begin<'a>(&'a self, intent: &'a Intent) -> Pending<'a, Begin> {
        let begun = self.with(|records| {
            let (begun, write) = begin_over(records.get(&intent.key).cloned(), intent);
            if let Some(record) = write {
                records.insert(intent.key.clone(), record);
            }
            begun
        });
        Box::pin(std::future::ready(Ok(begun)))
    }

    fn set<'a>(&'a self, key: &'a str, state: &'a State) -> Pending<'a, ()> {
        self.with(|records| {
            if let Some(r) = records.get_mut(key) {
                r.state = state.clone();
                r.updated_at_ms = now_ms();
            }
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn get<'a>(&'a self, key: &'a str) -> Pending<'a, Option<Record>> {
        Box::pin(std::future::ready(Ok(self.with(|r| r.get(key).cloned()))))
    }

    fn open(&self) -> Pending<'_, Vec<Record>> {
        let mut open: Vec<Record> = self.with(|r| r.values().filter(|r| r.state.is_open()).cloned().collect());
        open.sort_by_key(|r| r.intent.started_at_ms);
        Box::pin(std::future::ready(Ok(open)))
    }
}

/// [`Journal::begin`] over the record `existing` of the intent's key (read in
/// the same transaction): what to answer, and the record to write (none when
/// it answers [`Begin::Existing`]). For stores that read, then write.
pub(crate) fn begin_over(existing: Option<Record>, intent: &Intent) -> (Begin, Option<Record>) {
    match existing {
        None => (Begin::Send, Some(Record::new(intent.clone(), State::Sending))),
        Some(mut r) if matches!(r.state, State::NotHappened(_)) && r.intent.body_hash == intent.body_hash => {
            r.state = State::Sending;
            r.updated_at_ms = now_ms();
            (Begin::Send, Some(r))
        }
        Some(r) => (Begin::Existing(r), None),
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
