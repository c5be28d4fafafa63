//! Pacing from the server's rate-limit headers, so that replicas sharing one key
//! do not run into 429.
//!
//! Replicas share nothing but the server's counters, so the rule works from
//! those alone, re-read on every answer (`remaining` R of the most restrictive
//! window, which resets in τ; a `reserve` r):
//!
//! - while more than half the window's quota remains, a call goes at once (a
//!   lone client's bursts are not slowed);
//! - below that, calls are spread: the next one no sooner than τ / (R − r) after
//!   the last, times a random factor in [0.5, 1.5) so replicas do not fire in
//!   step. N replicas doing this drain the window N times as fast, which the
//!   server's R shows them at once, so each slows down: R falls like τᴺ and
//!   reaches r only as the window ends;
//! - at R ≤ r, calls wait for the reset (plus a little jitter). Calls another
//!   replica decided on a stale R land in the reserve: with one call in flight
//!   per replica, r ≥ N − 1 means no 429.
//!
//! `Retry-After` on a 429 sets a "not before" instant every call of the client
//! waits for, beside the retry's own wait. The reset is read as an upper bound
//! (servers round it up) and narrowed by later answers; with the policy's window
//! length, the next window's end follows from the last one's.

mod headers;

pub use headers::RateLimit;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The state a client (and its clones) paces itself by; give one to several
/// clients with [`Builder::pacer`](crate::Builder::pacer) to pace them together,
/// or keep a clone to read what the server last said:
///
/// ```
/// use billing_clients::closient::Client;
/// use billing_clients::runtime::pacing::Pacer;
///
/// let pacer = Pacer::new().reserve(4);
/// let key = billing_clients::closient::api_key::with_checksum("csb", &"a".repeat(32));
/// let client = Client::builder(key).pacer(pacer.clone()).build()?;
/// if let Some(seen) = pacer.last_seen() {
///     println!("{} calls left for {:?}", seen.remaining, seen.reset);
/// }
/// # Ok::<(), billing_clients::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pacer {
    reserve: Option<u64>,
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    /// The last answer's counters, for [`Pacer::last_seen`].
    seen: Option<RateLimit>,
    /// The server's remaining, less the calls let through since.
    remaining: u64,
    limit: Option<u64>,
    window: Option<Duration>,
    /// When the window ends, at the latest; `None` when nothing is known.
    ends: Option<Instant>,
    /// The last call let through while spreading.
    last: Option<Instant>,
    /// From `Retry-After`.
    not_before: Option<Instant>,
    /// The lowest remaining the server said in the current window.
    lowest: Option<u64>,
    /// Counts windows: an answer to a call let through in an earlier one says
    /// nothing of this one.
    epoch: u64,
    random: u64,
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

impl Pacer {
    /// A pacer that has seen nothing yet, with the default reserve.
    pub fn new() -> Self {
        Pacer {
            reserve: None,
            state: Arc::new(Mutex::new(State {
                seen: None,
                remaining: 0,
                limit: None,
                window: None,
                ends: None,
                last: None,
                not_before: None,
                lowest: None,
                epoch: 0,
                random: (crate::runtime::random::u128() as u64) | 1,
            })),
        }
    }

    /// Calls kept back at the end of each window for calls other replicas
    /// decided on at the same time: at least the replicas sharing the key, less
    /// one (more if each sends several calls at once). Default: a tenth of the
    /// limit, between 1 and 5.
    pub fn reserve(mut self, calls: u64) -> Self {
        self.reserve = Some(calls);
        self
    }

    /// The counters of the last answer that carried them.
    pub fn last_seen(&self) -> Option<RateLimit> {
        self.lock().seen
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long the next call must wait, if at all, and the window it goes in
    /// (for [`Pacer::observe`]); counts it as sent.
    pub(crate) fn delay(&self) -> (Option<Duration>, u64) {
        self.delay_at(Instant::now())
    }

    fn delay_at(&self, now: Instant) -> (Option<Duration>, u64) {
        let mut s = self.lock();
        let delay = s.delay(now, self.reserve);
        (delay, s.epoch)
    }

    /// Read the answer to a call let through in window `epoch` and sent at
    /// `sent`: its counters, and on a 429 its `Retry-After`.
    pub(crate) fn observe(&self, epoch: u64, sent: Instant, seen: Option<RateLimit>, retry_after: Option<Duration>) {
        self.observe_at(Instant::now(), (epoch, sent), seen, retry_after);
    }

    fn observe_at(&self, now: Instant, call: (u64, Instant), seen: Option<RateLimit>, ra: Option<Duration>) {
        self.lock().observe(now, call, seen, ra);
    }
}

impl State {
    fn delay(&mut self, now: Instant, reserve: Option<u64>) -> Option<Duration> {
        let s = self;
        let mut at = s.not_before.filter(|nb| *nb > now).unwrap_or(now);
        if let Some(ends) = s.ends
            && now >= ends
        {
            // The window is over: the next is full, and ends one window later if
            // its length is known (else nothing is known until an answer).
            match (s.window, s.limit, ends.checked_add(s.window.unwrap_or_default())) {
                (Some(_), Some(limit), Some(next)) if now < next => {
                    s.ends = Some(next);
                    s.remaining = limit;
                }
                _ => s.ends = None,
            }
            s.last = None;
            s.lowest = None;
            s.epoch += 1;
        }
        let Some(ends) = s.ends else {
            return at.checked_duration_since(now).filter(|d| !d.is_zero());
        };
        let reserve = reserve.unwrap_or_else(|| s.limit.map_or(1, |l| (l / 10).clamp(1, 5)));
        let excess = s.remaining.saturating_sub(reserve);
        let half = s.limit.map_or(u64::MAX, |l| l / 2);
        if excess == 0 {
            // Jitter so that replicas waking at the reset do not all land at once.
            let spread = s
                .window
                .map_or(Duration::from_millis(50), |w| w / 50)
                .min(Duration::from_millis(50));
            let jitter = spread.mul_f64(s.next_unit());
            at = at.max(ends + jitter);
        } else if s.remaining <= half {
            let interval = (ends - now).div_f64(excess as f64).mul_f64(0.5 + s.next_unit());
            if let Some(last) = s.last {
                at = at.max(last + interval);
            }
            s.last = Some(at);
        }
        s.remaining = s.remaining.saturating_sub(1);
        at.checked_duration_since(now).filter(|d| !d.is_zero())
    }

    fn observe(
        &mut self,
        now: Instant,
        (epoch, sent): (u64, Instant),
        seen: Option<RateLimit>,
        retry_after: Option<Duration>,
    ) {
        let s = self;
        if let Some(ra) = retry_after.and_then(|ra| now.checked_add(ra)) {
            s.not_before = Some(s.not_before.map_or(ra, |nb| nb.max(ra)));
        }
        let (Some(seen), true) = (seen, epoch == s.epoch) else {
            return;
        };
        let Some(bound) = now.checked_add(seen.reset) else {
            return;
        };
        // Fixed windows only count down: more than before is a new window; so is
        // one that ends after this one can (the server counted after `sent`).
        let same_window = s
            .ends
            .is_some_and(|ends| now < ends && sent + seen.reset < ends + Duration::from_secs(1))
            && s.lowest.is_none_or(|low| seen.remaining <= low);
        s.ends = Some(match (s.ends, same_window) {
            // A reset rounded up bounds the end from above: keep the tightest.
            (Some(ends), true) => ends.min(bound),
            // A new window: fixed windows follow each other, when that fits.
            (Some(ends), false) => {
                s.epoch += 1;
                match seen.window.and_then(|w| ends.checked_add(w)) {
                    Some(next) if next > now && next <= bound && next + Duration::from_secs(1) > bound => next,
                    _ => bound,
                }
            }
            (None, _) => bound,
        });
        s.lowest = Some(seen.remaining);
        s.remaining = seen.remaining;
        s.limit = seen.limit.or(s.limit);
        s.window = seen.window.or(s.window);
        s.seen = Some(seen);
    }

    /// A number in [0, 1) (xorshift; jitter needs no more).
    fn next_unit(&mut self) -> f64 {
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests;
