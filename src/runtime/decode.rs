//! How a success's data becomes the method's result, one function per media type
//! of the spec (the generated method names the one its answer needs).

use bytes::Bytes;
use serde::de::DeserializeOwned;

/// JSON into the generated type; the error names where it failed.
pub fn json<T: DeserializeOwned>(data: Bytes) -> Result<T, String> {
    // Tracking the path costs on every value: decode plainly, and only when that
    // fails decode again to learn where (the same input fails at the same place).
    if let Ok(value) = serde_json::from_slice(&data) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(&data);
    serde_path_to_error::deserialize(de).map_err(located)
}

/// Why a value does not fit, and where.
fn located(e: serde_path_to_error::Error<serde_json::Error>) -> String {
    match e.path().to_string().as_str() {
        "." => format!("does not fit the spec: {}", e.inner()),
        path => format!("does not fit the spec at `{path}`: {}", e.inner()),
    }
}

/// A JSON value already read into the generated type (a page's item); the
/// error names where it failed, as [`json`]'s does.
pub fn value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, String> {
    if let Ok(typed) = T::deserialize(value) {
        return Ok(typed);
    }
    serde_path_to_error::deserialize(value).map_err(located)
}

/// No content: whatever came is ignored (the wire format has checked it).
pub fn empty(_: Bytes) -> Result<(), String> {
    Ok(())
}

/// Text (`text/csv`), which must be UTF-8.
pub fn text(data: Bytes) -> Result<String, String> {
    String::from_utf8(data.to_vec()).map_err(|e| format!("text that is not UTF-8: {e}"))
}

/// Anything else, as received.
pub fn bytes(data: Bytes) -> Result<Bytes, String> {
    Ok(data)
}

/// Whether `decode` takes `data` (what [`crate::runtime::spec::Response`] keeps).
pub fn fits<T>(decode: fn(Bytes) -> Result<T, String>, data: Bytes) -> Result<(), String> {
    decode(data).map(drop)
}

/// A member of a JSON document that did not fit its type, left out of the typed
/// value (the raw body keeps it).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Unfit {
    /// Where it was, such as `subscription.price_point.currency`.
    pub path: String,
    /// Why it did not fit.
    pub reason: String,
    /// The value as sent.
    pub value: serde_json::Value,
}

/// JSON into `T`, typed where it can be: a member that does not fit is taken out
/// (recorded as [`Unfit`]) and the rest decoded again, as long as what is left
/// still makes a `T` (a required member that does not fit fails the whole).
pub fn json_keeping_unfit<T: DeserializeOwned>(data: &[u8]) -> Result<(T, Vec<Unfit>), String> {
    if let Ok(value) = serde_json::from_slice(data) {
        return Ok((value, Vec::new()));
    }
    let mut doc: serde_json::Value = serde_json::from_slice(data).map_err(|e| format!("not JSON: {e}"))?;
    let mut unfit = Vec::new();
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(&doc) {
            Ok(value) => return Ok((value, unfit)),
            Err(e) => e,
        };
        let segments: Vec<_> = error.path().iter().cloned().collect();
        let Some(value) = take(&mut doc, &segments) else {
            return Err(located(error));
        };
        let (path, reason) = (error.path().to_string(), error.inner().to_string());
        unfit.push(Unfit { path, reason, value });
    }
}

/// Remove the member at `path` from `doc`; `None` for the document itself.
fn take(doc: &mut serde_json::Value, path: &[serde_path_to_error::Segment]) -> Option<serde_json::Value> {
    use serde_path_to_error::Segment;
    let (last, parents) = path.split_last()?;
    let mut at = doc;
    for segment in parents {
        at = match segment {
            Segment::Map { key } => at.get_mut(key)?,
            Segment::Seq { index } => at.get_mut(*index)?,
            _ => return None,
        };
    }
    match last {
        Segment::Map { key } => at.as_object_mut()?.remove(key),
        Segment::Seq { index } => {
            let items = at.as_array_mut()?;
            (*index < items.len()).then(|| items.remove(*index))
        }
        _ => None,
    }
}

/// A value read as a generated type and written back (see [`through`]).
#[cfg(feature = "testing")]
#[derive(Debug)]
pub struct Through {
    /// The typed value's `Debug`.
    pub debug: String,
    /// The typed value serialised again.
    pub json: serde_json::Value,
}

/// Read `value` as `T` (the error names where it failed) and write it back:
/// the tests' way through every generated type.
#[cfg(feature = "testing")]
pub fn through<T: DeserializeOwned + serde::Serialize + std::fmt::Debug>(
    value: serde_json::Value,
) -> Result<Through, String> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| format!("at `{}`: {}", e.path(), e.inner()))?;
    let json = serde_json::to_value(&typed).map_err(|e| format!("does not serialise: {e}"))?;
    Ok(Through {
        debug: format!("{typed:?}"),
        json,
    })
}
