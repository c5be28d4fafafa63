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
    serde_path_to_error::deserialize(de).map_err(|e| match e.path().to_string().as_str() {
        "." => format!("does not fit the spec: {}", e.inner()),
        path => format!("does not fit the spec at `{path}`: {}", e.inner()),
    })
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

/// Whether `decode` takes `data` (what [`crate::core::spec::Response`] keeps).
pub fn fits<T>(decode: fn(Bytes) -> Result<T, String>, data: Bytes) -> Result<(), String> {
    decode(data).map(drop)
}
