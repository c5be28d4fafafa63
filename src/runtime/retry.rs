//! Retries. Whether a failed attempt may be re-sent depends on what the operation
//! does (its [`RetryClass`], declared in the spec as `x-billing-retry`) and on how
//! the attempt failed; `may_retry` is that one table. How often and how long is
//! the [`RetryPolicy`]; the mechanics (exponential backoff, jitter) are `backon`'s.

use super::spec::RetryClass;
use backon::ExponentialBuilder;
use std::time::Duration;

/// How a single attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection failed before the request was written (refused, connect timeout).
    NotSent,
    /// The attempt timed out; the server may have processed the request.
    Timeout,
    /// The connection broke after the request was written (reset, cut body).
    Dropped,
    /// The server answered with this status.
    Status(u16),
}

/// The retry table: may an attempt that failed this way be sent again?
///
/// | failure                             | safe | charge |
/// |-------------------------------------|------|--------|
/// | connect failed, not sent            | yes  | yes    |
/// | 429                                 | yes  | yes    |
/// | 5xx (503 with `Retry-After` too)    | yes  | no     |
/// | timeout                             | yes  | no     |
/// | connection dropped                  | yes  | no     |
/// | anything else                       | no   | no     |
///
/// A 503 proves nothing for a charge: a gateway can answer it after the origin
/// took the request.
pub(crate) fn may_retry(class: RetryClass, failure: Failure) -> bool {
    use Failure::*;
    // The request never reached the server, or the server said it refused it.
    let not_processed = matches!(failure, NotSent | Status(429));
    // It may have processed it.
    let transient = matches!(failure, Timeout | Dropped | Status(500..=599));
    not_processed || (class == RetryClass::Safe && transient)
}

/// How often and how long to retry. Defaults: 3 attempts in all, exponential
/// backoff from 200 ms to 2 s with jitter, at most 10 s of waiting per call, and
/// `Retry-After` honoured up to 10 s (a longer one ends the retries).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    min_delay: Duration,
    max_delay: Duration,
    max_total_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            max_total_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(10),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry: one attempt per call.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
    /// Attempts in all, including the first (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// First and largest backoff delay.
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }
    /// Most time spent waiting between attempts of one call.
    pub fn max_total_delay(mut self, d: Duration) -> Self {
        self.max_total_delay = d;
        self
    }
    /// Longest `Retry-After` honoured; a longer one ends the retries.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }
    /// Randomise delays (on by default) so that clients do not retry in lockstep.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    pub(crate) fn longest_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        let b = ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_total_delay(Some(self.max_total_delay));
        if self.jitter { b.with_jitter() } else { b }
    }

    /// The delay before the next attempt: the server's `Retry-After` when it sent
    /// one (ending the retries when it exceeds the cap), else the backoff's; none
    /// when it would take the waiting of this call (`waited`, updated) past
    /// [`RetryPolicy::max_total_delay`].
    pub(crate) fn next_delay(
        &self,
        retry_after: Option<Duration>,
        backoff: Option<Duration>,
        waited: &mut Duration,
    ) -> Option<Duration> {
        let backoff = backoff?;
        let delay = match retry_after {
            Some(ra) if ra > self.max_retry_after => return None,
            Some(ra) => ra,
            None => backoff,
        };
        let total = *waited + delay;
        if total > self.max_total_delay {
            return None;
        }
        *waited = total;
        Some(delay)
    }
}

/// `Retry-After`: seconds, or an HTTP date (a date in the past is no wait).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = v.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

/// A retry budget shared by every call of a client (and its clones; give one to
/// several clients with `Builder::retry_budget` to share it wider): a retry is
/// allowed while the retries of the last `window` stay within `ratio` of its
/// requests, plus `min_retries` (so a quiet client can still retry). When a
/// provider answers 503 to everything, calls then fail at once with their last
/// error ([`crate::Error::is_retry_budget_exhausted`]) instead of multiplying the
/// load. Default: 20 % of requests, at least 10 retries, over 10 seconds (the
/// ratio reqwest's and Finagle's budgets default to).
#[derive(Clone, Debug)]
pub struct RetryBudget {
    ratio: f64,
    min_retries: u32,
    window: Duration,
    state: std::sync::Arc<std::sync::Mutex<Halves>>,
}

/// Counts over the two halves of the window (the older one, then the current).
#[derive(Debug)]
struct Halves {
    started: std::time::Instant,
    requests: [u64; 2],
    retries: [u64; 2],
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(0.2, 10, Duration::from_secs(10))
    }
}

impl RetryBudget {
    /// Retries within `ratio` of the requests of the last `window`, plus `min_retries`.
    pub fn new(ratio: f64, min_retries: u32, window: Duration) -> Self {
        Self {
            ratio: ratio.max(0.0),
            min_retries,
            window: window.max(Duration::from_millis(2)),
            state: std::sync::Arc::new(std::sync::Mutex::new(Halves {
                started: std::time::Instant::now(),
                requests: [0; 2],
                retries: [0; 2],
            })),
        }
    }

    /// No limit: every retry the policy allows is made.
    pub fn unlimited() -> Self {
        Self::new(f64::MAX, u32::MAX, Duration::from_secs(10))
    }

    fn with<R>(&self, f: impl FnOnce(&mut Halves) -> R) -> R {
        let mut h = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let half = self.window / 2;
        let elapsed = h.started.elapsed();
        if elapsed >= self.window {
            *h = Halves {
                started: std::time::Instant::now(),
                requests: [0; 2],
                retries: [0; 2],
            };
        } else if elapsed >= half {
            h.requests = [h.requests[1], 0];
            h.retries = [h.retries[1], 0];
            h.started += half;
        }
        f(&mut h)
    }

    /// A call's first request.
    pub(crate) fn deposit(&self) {
        self.with(|h| h.requests[1] += 1);
    }

    /// May one more retry be sent? Counts it when it may.
    pub(crate) fn withdraw(&self) -> bool {
        let (ratio, min) = (self.ratio, self.min_retries as f64);
        self.with(|h| {
            let (requests, retries) = ((h.requests[0] + h.requests[1]) as f64, h.retries[0] + h.retries[1]);
            let allowed = (retries as f64) < min + ratio * requests;
            if allowed {
                h.retries[1] += 1;
            }
            allowed
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Failure::*;

    #[test]
    fn charges_are_resent_only_when_not_processed() {
        let charge = |f| may_retry(RetryClass::Charge, f);
        assert!(charge(NotSent));
        assert!(charge(Status(429)));
        for f in [Status(503), Status(500), Status(502), Timeout, Dropped, Status(400)] {
            assert!(!charge(f), "{f:?}");
        }
    }

    #[test]
    fn safe_operations_are_resent_on_transient_failures() {
        let safe = |f| may_retry(RetryClass::Safe, f);
        for f in [NotSent, Timeout, Dropped, Status(500), Status(503), Status(429)] {
            assert!(safe(f), "{f:?}");
        }
        for code in [301, 400, 401, 403, 404, 409, 422] {
            assert!(!safe(Status(code)), "{code}");
        }
    }

    #[test]
    fn retry_after_is_capped_and_counts_toward_the_wait_budget() {
        let p = RetryPolicy::default()
            .max_retry_after(Duration::from_secs(5))
            .max_total_delay(Duration::from_secs(7));
        let b = Some(Duration::from_millis(200));
        let mut waited = Duration::ZERO;
        assert_eq!(
            p.next_delay(Some(Duration::from_secs(3)), b, &mut waited),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            p.next_delay(Some(Duration::from_secs(6)), b, &mut waited),
            None,
            "over the cap"
        );
        assert_eq!(p.next_delay(None, b, &mut waited), b);
        assert_eq!(waited, Duration::from_millis(3200));
        assert_eq!(
            p.next_delay(Some(Duration::from_secs(4)), b, &mut waited),
            None,
            "over the budget"
        );
        assert_eq!(p.next_delay(Some(Duration::from_secs(1)), None, &mut waited), None);
    }

    #[test]
    fn the_budget_allows_a_fraction_of_requests_plus_a_minimum() {
        let b = RetryBudget::new(0.2, 2, Duration::from_secs(60));
        for _ in 0..10 {
            b.deposit();
        }
        let allowed = (0..10).filter(|_| b.withdraw()).count();
        assert_eq!(allowed, 4, "2 + 20 % of 10");
        assert!((0..100).all(|_| RetryBudget::unlimited().withdraw()));
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        h.insert("retry-after", httpdate::fmt_http_date(later).parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(28) && d <= Duration::from_secs(30), "{d:?}");
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
