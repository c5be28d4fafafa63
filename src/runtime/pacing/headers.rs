//! Reading a server's rate-limit headers: the IETF `RateLimit-*` fields (draft
//! `httpapi-ratelimit-headers`, with `RateLimit-Policy`) and the older
//! `X-RateLimit-*`. Anything missing or garbled is ignored; nothing here panics
//! or allocates.

use reqwest::header::{HeaderMap, HeaderName};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a server's rate-limit headers said on one answer: the counters of its
/// most restrictive window.
///
/// ```
/// use billing_clients::runtime::pacing::RateLimit;
/// use std::time::Duration;
///
/// let mut headers = reqwest::header::HeaderMap::new();
/// headers.insert("ratelimit-policy", "300;w=60, 10000;w=86400".parse().unwrap());
/// headers.insert("ratelimit-limit", "300".parse().unwrap());
/// headers.insert("ratelimit-remaining", "42".parse().unwrap());
/// headers.insert("ratelimit-reset", "17".parse().unwrap());
/// let seen = RateLimit::from_headers(&headers).unwrap();
/// assert_eq!((seen.limit, seen.remaining), (Some(300), 42));
/// assert_eq!(seen.reset, Duration::from_secs(17));
/// assert_eq!(seen.window, Some(Duration::from_secs(60)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests the window allows (`RateLimit-Limit`), if sent.
    pub limit: Option<u64>,
    /// Requests left in the window (`RateLimit-Remaining`).
    pub remaining: u64,
    /// Time until the window resets, as of the answer (`RateLimit-Reset`, or the
    /// absolute `X-RateLimit-Reset` made relative).
    pub reset: Duration,
    /// The window's length, from the `RateLimit-Policy` item whose quota is the limit.
    pub window: Option<Duration>,
}

/// Longest reset believed: a week (a larger one is garbled, and would overflow an `Instant`).
const MAX_RESET: u64 = 7 * 86_400;
/// Above this, `X-RateLimit-Reset` is a Unix time rather than seconds (2001-09-09).
const UNIX_TIME: u64 = 1_000_000_000;

const LIMIT: [HeaderName; 2] = [
    HeaderName::from_static("ratelimit-limit"),
    HeaderName::from_static("x-ratelimit-limit"),
];
const REMAINING: [HeaderName; 2] = [
    HeaderName::from_static("ratelimit-remaining"),
    HeaderName::from_static("x-ratelimit-remaining"),
];
const RESET: [HeaderName; 2] = [
    HeaderName::from_static("ratelimit-reset"),
    HeaderName::from_static("x-ratelimit-reset"),
];
const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

impl RateLimit {
    /// The counters in `headers`, or `None` when remaining or reset is missing
    /// or garbled. Each field is read from the IETF header when it is valid and
    /// from the `X-RateLimit-*` one otherwise; `X-RateLimit-Reset` is a Unix
    /// time when it is one (Closient's), else seconds.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        if headers.is_empty() {
            return None;
        }
        let remaining = first_int(headers, &REMAINING)?;
        let reset = match int(headers, &RESET[0]) {
            Some(seconds) => seconds,
            None => {
                let value = int(headers, &RESET[1])?;
                if value >= UNIX_TIME {
                    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
                    value.saturating_sub(now)
                } else {
                    value
                }
            }
        };
        if reset > MAX_RESET {
            return None;
        }
        let limit = first_int(headers, &LIMIT);
        let window = limit.and_then(|limit| policy_window(headers, limit));
        Some(RateLimit {
            limit,
            remaining,
            reset: Duration::from_secs(reset),
            window,
        })
    }
}

fn first_int(headers: &HeaderMap, names: &[HeaderName]) -> Option<u64> {
    names.iter().find_map(|name| int(headers, name))
}

/// A header's leading integer: `42`, or `42;w=60` and `42, 10;w=1` as earlier
/// drafts allowed.
fn int(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    let value = headers.get(name)?.to_str().ok()?;
    let end = value.find([',', ';']).unwrap_or(value.len());
    value[..end].trim().parse().ok()
}

/// The window of the `RateLimit-Policy` item (`300;w=60, 10000;w=86400`) whose
/// quota is `limit`.
fn policy_window(headers: &HeaderMap, limit: u64) -> Option<Duration> {
    let policy = headers.get(&POLICY)?.to_str().ok()?;
    policy.split(',').find_map(|item| {
        let mut parts = item.split(';');
        let quota: u64 = parts.next()?.trim().parse().ok()?;
        if quota != limit {
            return None;
        }
        let w = parts.find_map(|p| p.trim().strip_prefix("w=")?.trim().parse::<u64>().ok())?;
        (w > 0 && w <= MAX_RESET).then(|| Duration::from_secs(w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    fn now() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn ietf_headers_with_the_policy() {
        let h = headers(&[
            ("ratelimit-policy", "300;w=60, 10000;w=86400"),
            ("ratelimit-limit", "10000"),
            ("ratelimit-remaining", "12"),
            ("ratelimit-reset", "3600"),
        ]);
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!(r.limit, Some(10000));
        assert_eq!(r.remaining, 12);
        assert_eq!(r.reset, Duration::from_secs(3600));
        assert_eq!(
            r.window,
            Some(Duration::from_secs(86400)),
            "the item whose quota is the limit"
        );
    }

    #[test]
    fn legacy_headers_with_an_absolute_reset() {
        let at = (now() + 30).to_string();
        let h = headers(&[
            ("x-ratelimit-limit", "300"),
            ("x-ratelimit-remaining", "7"),
            ("x-ratelimit-reset", &at),
        ]);
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!((r.limit, r.remaining, r.window), (Some(300), 7, None));
        assert!(
            r.reset >= Duration::from_secs(29) && r.reset <= Duration::from_secs(30),
            "{r:?}"
        );
        // Seconds, as some servers send them; a past Unix time is no wait.
        let h = headers(&[("x-ratelimit-remaining", "7"), ("x-ratelimit-reset", "12")]);
        assert_eq!(RateLimit::from_headers(&h).unwrap().reset, Duration::from_secs(12));
        let h = headers(&[("x-ratelimit-remaining", "7"), ("x-ratelimit-reset", "1700000000")]);
        assert_eq!(RateLimit::from_headers(&h).unwrap().reset, Duration::ZERO);
    }

    #[test]
    fn ietf_headers_win_when_both_are_sent() {
        let at = (now() + 50).to_string();
        let h = headers(&[
            ("ratelimit-limit", "30"),
            ("ratelimit-remaining", "5"),
            ("ratelimit-reset", "2"),
            ("x-ratelimit-limit", "99"),
            ("x-ratelimit-remaining", "98"),
            ("x-ratelimit-reset", &at),
        ]);
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!((r.limit, r.remaining, r.reset), (Some(30), 5, Duration::from_secs(2)));
        // A garbled IETF field falls back to the legacy one, field by field.
        let h = headers(&[
            ("ratelimit-remaining", "lots"),
            ("ratelimit-reset", "2"),
            ("x-ratelimit-remaining", "98"),
        ]);
        assert_eq!(RateLimit::from_headers(&h).unwrap().remaining, 98);
    }

    #[test]
    fn missing_or_garbled_headers_are_ignored() {
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
        let cases: &[&[(&'static str, &str)]] = &[
            &[("ratelimit-remaining", "5")],
            &[("ratelimit-reset", "5")],
            &[("ratelimit-remaining", "-1"), ("ratelimit-reset", "5")],
            &[("ratelimit-remaining", "5"), ("ratelimit-reset", "soon")],
            &[
                ("ratelimit-remaining", "5"),
                ("ratelimit-reset", "99999999999999999999999"),
            ],
            &[("ratelimit-remaining", "5"), ("ratelimit-reset", "100000000")],
            &[("ratelimit-remaining", ""), ("ratelimit-reset", "")],
            &[
                ("x-ratelimit-remaining", "5"),
                ("x-ratelimit-reset", "18446744073709551615"),
            ],
        ];
        for case in cases {
            assert_eq!(RateLimit::from_headers(&headers(case)), None, "{case:?}");
        }
        // Garbled limit or policy: the counters stand without them.
        let h = headers(&[
            ("ratelimit-limit", "x"),
            ("ratelimit-policy", ";;w=,=;"),
            ("ratelimit-remaining", "5"),
            ("ratelimit-reset", "1"),
        ]);
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!((r.limit, r.window, r.remaining), (None, None, 5));
        let h = headers(&[
            ("ratelimit-limit", "5"),
            ("ratelimit-policy", "5;w=0, 5;w=abc, 5"),
            ("ratelimit-remaining", "5"),
            ("ratelimit-reset", "1"),
        ]);
        assert_eq!(RateLimit::from_headers(&h).unwrap().window, None);
        // Not UTF-8.
        let mut h = HeaderMap::new();
        h.insert(
            "ratelimit-remaining",
            reqwest::header::HeaderValue::from_bytes(b"\xff5").unwrap(),
        );
        h.insert("ratelimit-reset", "1".parse().unwrap());
        assert_eq!(RateLimit::from_headers(&h), None);
    }

    #[test]
    fn earlier_drafts_with_a_policy_in_the_limit() {
        let h = headers(&[
            ("ratelimit-limit", "30, 30;w=2"),
            ("ratelimit-remaining", " 4 "),
            ("ratelimit-reset", "1"),
        ]);
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!((r.limit, r.remaining), (Some(30), 4));
    }
}
