//! Closient's rate limits as the fake enforces them: per API key (as sent, across
//! every connection), in fixed windows aligned to the Unix epoch (a 60 s window
//! resets on the minute), each request counted in every window of the policy, a
//! refused one in none.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One window of a policy: `limit` requests per `length`.
#[derive(Debug, Clone, Copy)]
struct Window {
    limit: u64,
    length_ms: u64,
}

const fn window(limit: u64, seconds: u64) -> Window {
    Window {
        limit,
        length_ms: seconds * 1000,
    }
}

/// As documented: 300 a minute and 10,000 a day per key...
const DEFAULT: [Window; 2] = [window(300, 60), window(10_000, 86_400)];
/// ...and 100 a minute for publishable (`cpk_`) keys.
const PUBLISHABLE: [Window; 2] = [window(100, 60), window(10_000, 86_400)];

#[derive(Default)]
pub(super) struct Limits {
    /// The test's policy for every key, instead of the documented ones.
    custom: Option<Window>,
    /// Key → the window index and count of each window of its policy.
    counts: HashMap<String, [(u64, u64); 2]>,
    refused: usize,
}

/// What the limits make of one request: the headers every answer carries, and
/// the `Retry-After` seconds when it is refused.
pub(super) struct Verdict {
    pub(super) headers: HeaderMap,
    pub(super) retry_after: Option<u64>,
}

impl Limits {
    /// Every key: `limit` requests per `length` (whole seconds, at least one).
    pub(super) fn set(&mut self, limit: u64, length: Duration) {
        let seconds = length.as_secs_f64().ceil().max(1.0) as u64;
        self.custom = Some(window(limit, seconds));
        self.counts.clear();
    }

    /// The 429s answered so far.
    pub(super) fn refused(&self) -> usize {
        self.refused
    }

    /// Count a request with `key` (empty when none was sent) now.
    pub(super) fn check(&mut self, key: &str) -> Verdict {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let policy: &[Window] = match (&self.custom, key.starts_with("cpk_")) {
            (Some(custom), _) => std::slice::from_ref(custom),
            (None, true) => &PUBLISHABLE,
            (None, false) => &DEFAULT,
        };
        let counts = self.counts.entry(key.to_string()).or_default();
        let mut retry_after = None;
        for (w, (index, count)) in policy.iter().zip(counts.iter_mut()) {
            if *index != now_ms / w.length_ms {
                *index = now_ms / w.length_ms;
                *count = 0;
            }
            if *count >= w.limit {
                let wait = reset_secs(w, now_ms);
                retry_after = Some(retry_after.map_or(wait, |r: u64| r.max(wait)));
            }
        }
        if retry_after.is_some() {
            self.refused += 1;
        } else {
            counts.iter_mut().take(policy.len()).for_each(|(_, count)| *count += 1);
        }
        // The most restrictive window: fewest left, then soonest reset.
        let (w, count) = policy
            .iter()
            .zip(counts.iter())
            .map(|(w, (_, count))| (w, *count))
            .min_by_key(|(w, count)| (w.limit.saturating_sub(*count), reset_secs(w, now_ms)))
            .expect("a policy has a window");
        let remaining = w.limit.saturating_sub(count);
        let reset = reset_secs(w, now_ms);
        let policy_text = policy
            .iter()
            .map(|w| format!("{};w={}", w.limit, w.length_ms / 1000))
            .collect::<Vec<_>>()
            .join(", ");
        let ends_unix = (now_ms / w.length_ms + 1) * w.length_ms / 1000;
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        };
        put("ratelimit-policy", policy_text);
        put("ratelimit-limit", w.limit.to_string());
        put("ratelimit-remaining", remaining.to_string());
        put("ratelimit-reset", reset.to_string());
        put("x-ratelimit-limit", w.limit.to_string());
        put("x-ratelimit-remaining", remaining.to_string());
        put("x-ratelimit-reset", ends_unix.to_string());
        if let Some(seconds) = retry_after {
            put("retry-after", seconds.to_string());
        }
        Verdict { headers, retry_after }
    }
}

/// Seconds until `w` resets, rounded up: a client that waits this long finds
/// the new window.
fn reset_secs(w: &Window, now_ms: u64) -> u64 {
    let ends_ms = (now_ms / w.length_ms + 1) * w.length_ms;
    (ends_ms - now_ms).div_ceil(1000)
}
