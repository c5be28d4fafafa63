//! Reading the fields of a request body the spec has already checked: strings,
//! uuids, decimals (a string or a number) and timestamps (naive or RFC 3339). A
//! field that is absent or does not read is `None`; the operation decides.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

pub(super) fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

pub(super) fn uuid(v: &Value, k: &str) -> Option<Uuid> {
    s(v, k).and_then(|s| Uuid::try_parse(s).ok())
}

pub(super) fn decimal(v: &Value, k: &str) -> Option<Decimal> {
    match v.get(k)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

pub(super) fn time(v: &Value, k: &str) -> Option<DateTime<Utc>> {
    s(v, k)
        .and_then(|t| t.parse::<crate::Timestamp>().ok())
        .map(|t| t.utc())
}
