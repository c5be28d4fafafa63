//! Reading what a provider lists, one way for every lookup (a webhook's
//! read-back, an intent's resolution): a value at a dotted path, read as
//! FunnelFox writes absence; equality across the spellings of one id or
//! amount; truth as FunnelFox writes it.

use serde_json::Value;

/// The value at a dotted path; absent for `null` and `""` (absent, in FunnelFox's spellings).
pub(crate) fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let found = path.split('.').try_fold(v, |v, step| v.get(step))?;
    match found {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        v => Some(v),
    }
}

/// Equal as sent, as uuids (any case), or as decimals.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if a == b {
        return true;
    }
    let (Some(a), Some(b)) = (text(a), text(b)) else {
        return false;
    };
    if let (Ok(a), Ok(b)) = (uuid::Uuid::parse_str(&a), uuid::Uuid::parse_str(&b)) {
        return a == b;
    }
    matches!((a.parse::<rust_decimal::Decimal>(), b.parse::<rust_decimal::Decimal>()), (Ok(a), Ok(b)) if a == b)
}

/// `true`, a non-zero amount or a non-empty string.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => match s.parse::<rust_decimal::Decimal>() {
            Ok(d) => !d.is_zero(),
            Err(_) => !s.is_empty(),
        },
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => false,
    }
}
