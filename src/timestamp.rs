//! Timestamps as the providers send them: RFC 3339 (`2026-01-05T10:00:00Z`,
//! `...+02:00`) or naive ISO-8601 without an offset (`2026-01-05T10:00:00.123456`,
//! FunnelFox's), read as UTC. One type for both, and the same form sent back:
//! FunnelFox pages by the last transaction's date, so a cursor goes back as it came.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use std::fmt;
use std::str::FromStr;

/// A point in time, exposed as UTC ([`Timestamp::utc`]).
///
/// ```
/// use billing_clients::Timestamp;
///
/// let naive: Timestamp = "2026-01-05T10:00:00.123456".parse().unwrap();
/// let aware: Timestamp = "2026-01-05T12:00:00.123456+02:00".parse().unwrap();
/// assert_eq!(naive.utc(), aware.utc());
/// assert_eq!(naive.to_string(), "2026-01-05T10:00:00.123456");
/// ```
///
/// Equality, hashing and order are by instant, as for chrono's `DateTime`: the
/// naive and the RFC 3339 spelling of one instant are equal (the form is kept
/// only to send the value back as it came).
///
/// ```
/// # use billing_clients::Timestamp;
/// let naive: Timestamp = "2026-01-05T10:00:00".parse().unwrap();
/// let aware: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
/// assert_eq!(naive, aware);
/// assert_eq!(naive.cmp(&aware), std::cmp::Ordering::Equal);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Timestamp {
    utc: DateTime<Utc>,
    naive: bool,
}

impl Timestamp {
    /// This instant in UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        self.utc
    }

    /// Whether it came without an offset (and is sent back so).
    pub fn is_naive(&self) -> bool {
        self.naive
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.utc == other.utc
    }
}

impl Eq for Timestamp {}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.utc.hash(state)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.utc.cmp(&other.utc)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(utc: DateTime<Utc>) -> Self {
        Self { utc, naive: false }
    }
}

/// A text that is neither RFC 3339 nor naive ISO-8601.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an RFC 3339 or ISO-8601 date-time: {:?}", self.0)
    }
}

impl std::error::Error for TimestampError {}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Self {
                utc: t.with_timezone(&Utc),
                naive: false,
            });
        }
        let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .ok_or_else(|| TimestampError(s.chars().take(64).collect()))?;
        Ok(Self {
            utc: naive.and_utc(),
            naive: true,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.naive {
            write!(f, "{}", self.utc.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f"))
        } else {
            f.write_str(&self.utc.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn both_forms_round_trip_as_they_came() {
        for text in [
            "2026-01-05T10:00:00.123456",
            "2026-01-05T10:00:00",
            "2026-01-05T10:00:00Z",
            "2026-01-05T10:00:00.5+02:00",
        ] {
            let t: Timestamp = text.parse().unwrap();
            let back: Timestamp = t.to_string().parse().unwrap();
            assert_eq!(t, back, "{text}");
            assert_eq!(t.is_naive(), back.is_naive(), "{text}: the form is kept");
        }
        let spaced: Timestamp = "2026-01-05 10:00:00.25".parse().unwrap();
        assert!(spaced.is_naive());
        assert!("yesterday".parse::<Timestamp>().is_err());
        let json: Timestamp = serde_json::from_str("\"2026-01-05T10:00:00\"").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"2026-01-05T10:00:00\"");
    }

    #[test]
    fn equality_hash_and_order_agree() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let hash = |t: &Timestamp| {
            let mut h = DefaultHasher::new();
            t.hash(&mut h);
            h.finish()
        };
        let naive: Timestamp = "2026-01-05T10:00:00".parse().unwrap();
        let aware: Timestamp = "2026-01-05T12:00:00+02:00".parse().unwrap();
        let later: Timestamp = "2026-01-05T10:00:01".parse().unwrap();
        assert_eq!(naive, aware);
        assert_eq!(naive.cmp(&aware), std::cmp::Ordering::Equal);
        assert_eq!(hash(&naive), hash(&aware));
        assert!(naive < later && naive != later);
    }
}
