//! [`Intents`]: the intents a client's journal holds open, and their
//! resolution by the lookups each operation declares (`x-billing-intent`).

use super::{JournalError, Record, State, now_ms};
use crate::runtime::items::{at, same, truthy};
use crate::runtime::spec::{Expect, IntentRule, Lookup};
use crate::runtime::{Call, Core, decode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// How old an intent must be before "not found" means "did not happen": the
/// provider may not list a charge at once, and a replica may still be sending.
pub const SETTLE_AFTER: Duration = Duration::from_secs(300);

/// The intents of one client's journal: `client.intents()`.
///
/// ```no_run
/// # async fn run(client: billing_clients::funnelfox::Client) -> Result<(), Box<dyn std::error::Error>> {
/// // At start-up, and every few minutes: settle what a crash or a lost answer left open.
/// for (key, state) in client.intents().resolve_all().await? {
///     println!("{key}: {}", state.name());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Intents<'a> {
    core: &'a Arc<Core>,
    settle_after: Duration,
}

impl<'a> Intents<'a> {
    #[doc(hidden)]
    pub fn new(core: &'a Arc<Core>) -> Self {
        Self {
            core,
            settle_after: SETTLE_AFTER,
        }
    }

    /// How old an intent must be before a lookup that finds nothing settles it
    /// as not happened ([`SETTLE_AFTER`] by default); younger, it stays in doubt.
    pub fn settle_after(mut self, age: Duration) -> Self {
        self.settle_after = age;
        self
    }

    /// Every open intent: sent and unanswered, or left sending by a process
    /// that died. Oldest first.
    pub async fn in_doubt(&self) -> Result<Vec<Record>, JournalError> {
        self.core.journal.open().await
    }

    /// Look intent `key` up at the provider and write what was found: its state
    /// now (`None` when the journal has no such key). A settled intent is
    /// answered as it stands, without a lookup.
    pub async fn resolve(&self, key: &str) -> Result<Option<State>, JournalError> {
        match self.core.journal.get(key).await? {
            Some(record) => self.settle(record).await.map(Some),
            None => Ok(None),
        }
    }

    /// Resolve every open intent; each key with its state now.
    pub async fn resolve_all(&self) -> Result<Vec<(String, State)>, JournalError> {
        let mut out = Vec::new();
        for record in self.in_doubt().await? {
            let key = record.intent.key.clone();
            out.push((key, self.settle(record).await?));
        }
        Ok(out)
    }

    /// Write what you found out otherwise (the provider's dashboard, a webhook
    /// your back end received, support): `Happened` with what shows it, or
    /// `NotHappened` (then a call with the key may send again). For intents
    /// no lookup can settle (`x-billing-intent: none`).
    pub async fn settle_by_hand(&self, key: &str, state: State) -> Result<(), JournalError> {
        self.core.journal.set(key, &state).await
    }

    async fn settle(&self, record: Record) -> Result<State, JournalError> {
        if !record.state.is_open() {
            return Ok(record.state);
        }
        let state = match self
            .core
            .spec()
            .operation(&record.intent.operation)
            .and_then(|op| op.intent)
        {
            Some(rule) => self.look_up(rule, &record).await,
            None => State::InDoubt(format!("`{}` declares no lookup", record.intent.operation)),
        };
        if !matches!(state, State::InDoubt(_)) || matches!(record.state, State::Sending) {
            self.core.journal.set(&record.intent.key, &state).await?;
        }
        Ok(state)
    }

    /// The rule's steps, in order: happened when a proving step finds its
    /// item; not happened when every proving step that ran found none, nothing
    /// failed, and the intent is old enough; in doubt otherwise.
    async fn look_up(&self, rule: &IntentRule, record: &Record) -> State {
        if let Some(why) = rule.none {
            return State::InDoubt(format!("nothing can look it up ({why}): settle it by hand"));
        }
        let intent = &record.intent;
        let mut found = Map::new();
        let (mut happened, mut ran, mut failures) = (false, Vec::new(), Vec::new());
        for step in rule.lookup {
            if step.when.iter().any(|(p, t)| truthy(intent.fields.get(*p)) != *t) {
                continue;
            }
            let source = |s: &str| -> Option<Value> {
                if s == "intent" {
                    return Some(Value::String(intent.key.clone()));
                }
                if let Some(text) = s.strip_prefix('=') {
                    return Some(Value::String(text.to_string()));
                }
                let (map, name) = match s.split_once('.') {
                    Some(("body", f)) => (&intent.fields, f),
                    Some(("found", f)) => (&found, f),
                    _ => return None,
                };
                map.get(name).filter(|v| !v.is_null()).cloned()
            };
            let request: Option<Map<String, Value>> = step
                .request
                .iter()
                .map(|(f, s)| Some((f.to_string(), source(s)?)))
                .collect();
            let wanted: Option<Vec<(&str, Value)>> = step.matches.iter().map(|(p, s)| Some((*p, source(s)?))).collect();
            let (Some(request), Some(wanted)) = (request, wanted) else {
                continue;
            };
            let answer = match self.read(step, request).await {
                Ok(answer) => answer,
                Err(e) => {
                    failures.push(format!("{}: {e}", step.operation.id));
                    continue;
                }
            };
            let item = answer
                .get(step.items)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|item| {
                    wanted.iter().all(|(p, v)| at(item, p).is_some_and(|x| same(x, v)))
                        && step.expect.iter().all(|(p, e)| holds(at(item, p), e))
                });
            if step.proves {
                ran.push(step.operation.id);
            }
            if let Some(item) = item {
                happened |= step.proves;
                for k in step.keep {
                    if let Some(v) = at(item, k) {
                        found.insert(k.to_string(), v.clone());
                    }
                }
            }
        }
        let age = Duration::from_millis(u64::try_from(now_ms() - intent.started_at_ms).unwrap_or(0));
        match () {
            _ if happened => State::Happened(found),
            _ if !failures.is_empty() => State::InDoubt(format!("a lookup failed: {}", failures.join("; "))),
            _ if ran.is_empty() => State::InDoubt("no lookup could run: the intent lacks the fields it needs".into()),
            _ if age < self.settle_after => State::InDoubt(format!(
                "not found yet, and too recent ({}s) to say it did not happen",
                age.as_secs()
            )),
            _ => State::NotHappened(format!("not found by {}", ran.join(", "))),
        }
    }

    /// One read, its answer as JSON.
    async fn read(&self, step: &Lookup, request: Map<String, Value>) -> crate::Result<Value> {
        Call::new(self.core, step.operation, decode::json::<Value>)
            .json(Value::Object(request))
            .await
    }
}

/// Whether a field holds what a step expects.
fn holds(value: Option<&Value>, expect: &Expect) -> bool {
    match expect {
        Expect::Truth(t) => truthy(value) == *t,
        Expect::Text(text) => match value {
            Some(Value::String(s)) => s == text,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(*text)),
            _ => false,
        },
    }
}
