//! Exactly-once processing as an atomic claim. FunnelFox delivers at least once
//! and re-sends a slow answer, possibly to another replica: before a handler
//! runs, the endpoint *claims* the event's key for a lease; only the claimant
//! runs the handler, then marks the key done (or releases it when the handler
//! failed, so FunnelFox's retry runs it again). A claim whose holder died
//! (crash, SIGKILL, lost network) expires with its lease, and the next delivery
//! processes the event.
//!
//! The lease must outlast the handler's slowest run: a claim that expires while
//! its handler still runs lets a re-sent copy run the handler a second time.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the endpoint's claim on an event lasts: five minutes, well over a
/// handler's run, well under FunnelFox's retry schedule (hours).
pub const LEASE: Duration = Duration::from_secs(300);

/// What a store's operation returns: a boxed future, so that stores can be
/// used as `dyn Deduplicator` (one endpoint, any store).
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What claiming an event's key found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// This caller holds the event until its lease ends: run the handler, then
    /// [`Deduplicator::complete`] or [`Deduplicator::release`] with the token.
    Claimed(ClaimToken),
    /// The event was processed already.
    Done,
    /// Another caller holds a live claim on it (its handler is running).
    InProgress,
}

/// Proof of a claim: only its holder completes or releases it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimToken(String);

impl ClaimToken {
    /// A fresh, random token.
    pub fn new() -> Self {
        Self(crate::runtime::random::uuid().to_string())
    }

    /// The token as text (what a store keeps).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ClaimToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClaimToken(..)")
    }
}

/// A store that could not answer (down, unreachable). The endpoint then fails
/// closed: 503, the handler does not run, FunnelFox delivers again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the deduplication store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Where the endpoint claims events and records which are done. Every
/// operation is atomic: two replicas claiming one key at once get one
/// [`Claim::Claimed`] between them. [`MemoryDeduplicator`] is the store of one
/// process; implement this trait over a store the replicas share.
pub trait Deduplicator: Send + Sync {
    /// Claim `key` for `lease`, unless it is done or held by a live claim.
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> Pending<'a, Claim>;
    /// The handler succeeded: `key` is done (kept as done for the store's
    /// retention). A token that no longer holds the claim changes nothing.
    fn complete<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()>;
    /// The handler failed: let the next delivery claim `key` at once.
    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()>;
}

/// A key's state in the memory store.
#[derive(Debug)]
enum State {
    Held { token: ClaimToken, until: Instant },
    Done { at: Instant },
}

/// Each key with its state, and the done keys oldest first.
type Keys = (HashMap<String, State>, VecDeque<(Instant, String)>);

/// The [`Deduplicator`] of one process: at most `capacity` done keys, each
/// kept for `ttl` (FunnelFox's retries of one event end within a day).
#[derive(Debug)]
pub struct MemoryDeduplicator {
    capacity: usize,
    ttl: Duration,
    keys: Mutex<Keys>,
}

impl Default for MemoryDeduplicator {
    /// 100 000 keys for 48 hours.
    fn default() -> Self {
        Self::new(100_000, Duration::from_secs(48 * 3600))
    }
}

impl MemoryDeduplicator {
    /// At most `capacity` done keys (the oldest go first), each kept for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl,
            keys: Mutex::default(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Keys) -> T) -> T {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut keys)
    }

    /// Forget done keys past their time, and the oldest beyond the capacity.
    fn trim(&self, (map, order): &mut Keys) {
        while let Some((at, key)) = order.front() {
            if order.len() <= self.capacity && at.elapsed() < self.ttl {
                break;
            }
            if matches!(map.get(key), Some(State::Done { at: done }) if done == at) {
                map.remove(key);
            }
            order.pop_front();
        }
    }
}

impl Deduplicator for MemoryDeduplicator {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> Pending<'a, Claim> {
        let claim = self.with(|keys| {
            self.trim(keys);
            let now = Instant::now();
            match keys.0.get(key) {
                Some(State::Done { .. }) => return Claim::Done,
                Some(State::Held { until, .. }) if *until > now => return Claim::InProgress,
                _ => {}
            }
            let token = ClaimToken::new();
            let held = State::Held {
                token: token.clone(),
                until: now + lease,
            };
            keys.0.insert(key.to_string(), held);
            Claim::Claimed(token)
        });
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn complete<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        self.with(|keys| {
            if matches!(keys.0.get(key), Some(State::Held { token: held, .. }) if held == token) {
                let at = Instant::now();
                keys.0.insert(key.to_string(), State::Done { at });
                keys.1.push_back((at, key.to_string()));
                self.trim(keys);
            }
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        self.with(|keys| {
            if matches!(keys.0.get(key), Some(State::Held { token: held, .. }) if held == token) {
                keys.0.remove(key);
            }
        });
        Box::pin(std::future::ready(Ok(())))
    }
}
