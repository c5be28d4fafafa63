//! [`IntentCall`]: a money-moving call with the caller's intent key, written to
//! the journal before its request leaves and its outcome after.

use super::{Begin, Intent, State};
use crate::error::{Error, IntentError, IntentErrorKind, InvalidInput, Violation};
use crate::runtime::Call;
use crate::runtime::items::at;
use bytes::Bytes;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::future::{Future, IntoFuture};
use std::pin::Pin;

/// The longest intent key taken (a key is an id, not a document).
const MAX_KEY: usize = 200;

/// How a call with an intent key ended without an error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Settled<T> {
    /// Sent now; the provider's answer.
    Sent(T),
    /// An earlier call with this key was answered: that answer; nothing sent.
    Recorded(T),
    /// An earlier call's answer was lost and a lookup found that it happened:
    /// what it found (`order_id`, `subs_id`, …); nothing sent.
    Found(Map<String, Value>),
}

impl<T> Settled<T> {
    /// The provider's answer, when there is one (sent now or recorded).
    pub fn answer(&self) -> Option<&T> {
        match self {
            Settled::Sent(t) | Settled::Recorded(t) => Some(t),
            Settled::Found(_) => None,
        }
    }

    /// Whether this call sent the request.
    pub fn was_sent(&self) -> bool {
        matches!(self, Settled::Sent(_))
    }
}

/// A call with an intent key; see [`Call::intent`]. Await it to send it (at
/// most once for its key).
#[must_use = "a call does nothing until it is awaited"]
pub struct IntentCall<'a, T> {
    call: Call<'a, T>,
    key: String,
}

impl<T> std::fmt::Debug for IntentCall<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntentCall")
            .field("operation", &self.call.operation().id)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<'a, T> IntentCall<'a, T> {
    pub(crate) fn new(call: Call<'a, T>, key: String) -> Self {
        Self { call, key }
    }

    async fn send(self) -> Result<Settled<T>, Error> {
        let IntentCall { mut call, key } = self;
        let op = call.operation();
        let bad = |why: &str| Error::from(InvalidInput::new(Some(op.id), "intent", Violation::Format(why.into())));
        let rule = op
            .intent
            .ok_or_else(|| bad("intent keys are for operations that may move money (retry class charge)"))?;
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(bad("an intent key is 1 to 200 bytes"));
        }
        let (core, extra, path, body) = call.checked()?;
        let sent_body = body.as_ref().map(|(b, _)| b.clone()).unwrap_or_default();
        let json: Value = serde_json::from_slice(&sent_body).unwrap_or_default();
        let fields: Map<String, Value> = rule
            .fields
            .iter()
            .filter_map(|f| at(&json, f).map(|v| (f.to_string(), v.clone())))
            .collect();
        let intent = Intent::new(&key, op.id, hex(&Sha256::digest(&sent_body)), fields);
        let body = match (rule.stamp, body) {
            (Some(path), Some((_, media))) => Some((stamp(json, path, &key), media)),
            (_, body) => body,
        };
        let fail = |kind| {
            Error::Intent(Box::new(IntentError {
                key: key.clone(),
                operation: op.id,
                kind,
            }))
        };
        let journal = &core.journal;
        match journal
            .begin(&intent)
            .await
            .map_err(|e| fail(IntentErrorKind::Journal(e)))?
        {
            Begin::Send => {}
            Begin::Existing(r) if r.intent.operation != op.id || r.intent.body_hash != intent.body_hash => {
                return Err(fail(IntentErrorKind::Conflict));
            }
            Begin::Existing(r) => {
                return match r.state {
                    State::Answered(data) => {
                        let data = Bytes::from(data);
                        call.decode_data(data.clone())
                            .map(Settled::Recorded)
                            .map_err(|reason| core.decode_error(op, None, reason, &data, 0))
                    }
                    State::Happened(found) => Ok(Settled::Found(found)),
                    _ => Err(fail(IntentErrorKind::InDoubt(Box::new(r)))),
                };
            }
        }
        let sent = call.execute_checked(path, body, extra, None).await;
        let state = match &sent {
            Ok(done) => State::Answered(String::from_utf8_lossy(&done.data).into_owned()),
            Err(e) if e.may_have_been_processed() => State::InDoubt(e.to_string()),
            Err(e) => State::NotHappened(e.to_string()),
        };
        if let Err(e) = journal.set(&key, &state).await {
            // The outcome stands; the record stays open, and resolving it looks
            // the outcome up.
            tracing::warn!(operation = op.id, error = %e, "the intent's outcome was not written");
        }
        let done = sent?;
        call.decode_data(done.data.clone())
            .map(Settled::Sent)
            .map_err(|reason| core.decode_error_of(op, &done, reason))
    }
}

/// The body with the key written at `path` (objects made as needed).
fn stamp(mut json: Value, path: &str, key: &str) -> Bytes {
    let mut at = &mut json;
    let mut steps = path.split('.').peekable();
    while let Some(step) = steps.next() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let object = at.as_object_mut().expect("made an object above");
        if steps.peek().is_none() {
            object.insert(step.to_string(), Value::String(key.to_string()));
            break;
        }
        at = object.entry(step).or_insert_with(|| Value::Object(Map::new()));
    }
    Bytes::from(serde_json::to_vec(&json).unwrap_or_default())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl<'a, T: Send + 'a> IntoFuture for IntentCall<'a, T> {
    type Output = Result<Settled<T>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
