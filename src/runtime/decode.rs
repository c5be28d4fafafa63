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

/// Where a success's data is in a provider's answers (its wire format, as data).
#[doc(hidden)]
#[derive(Debug)]
pub enum Success {
    /// The whole body is the data (Closient).
    Body,
    /// The data is member `data` of an object whose member `status` is the
    /// string `is`; member `request_id`, when a string, is the provider's
    /// request id (FunnelFox's envelope).
    Member {
        /// The status member's name.
        status: &'static str,
        /// The status that means success.
        is: &'static str,
        /// The data member's name.
        data: &'static str,
        /// The request id member's name.
        request_id: &'static str,
    },
}

/// A success answer read in one pass into `T`, and the request id it carries:
/// the common case, where the wire format's reading and the decode would
/// otherwise each scan the data. `None` for anything else (an error envelope,
/// a bare body, a member twice, `data` absent or null, a value that does not
/// fit): the wire format then reads the answer and [`json`] explains.
pub(crate) fn answer<T: DeserializeOwned>(shape: &Success, body: &[u8]) -> Option<(T, Option<String>)> {
    match *shape {
        Success::Body => serde_json::from_slice(body).ok().map(|data| (data, None)),
        Success::Member {
            status,
            is,
            data,
            request_id,
        } => {
            let seed = Envelope {
                names: [status, data, request_id],
                is,
                data: std::marker::PhantomData,
            };
            let mut de = serde_json::Deserializer::from_slice(body);
            let read = serde::de::DeserializeSeed::deserialize(seed, &mut de).ok()?;
            de.end().ok()?;
            read
        }
    }
}

/// [`Success::Member`]'s reader: the status compared, the data decoded as it
/// is met, every other member skipped.
struct Envelope<T> {
    names: [&'static str; 3],
    is: &'static str,
    data: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> serde::de::DeserializeSeed<'de> for Envelope<T> {
    type Value = Option<(T, Option<String>)>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Envelope<T> {
    type Value = Option<(T, Option<String>)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an envelope")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::{Error, IgnoredAny};
        let [status, data, request_id] = self.names;
        let (mut succeeded, mut value, mut id) = (None, None, None);
        // Borrowed, not copied: a name or status written with escapes fails
        // here, and the wire format reads that answer.
        while let Some(key) = map.next_key::<&'de str>()? {
            let twice = || A::Error::custom("a member twice");
            if key == status {
                let said = map.next_value::<&'de str>()?;
                succeeded.replace(said == self.is).map_or(Ok(()), |_| Err(twice()))?;
            } else if key == data {
                value.replace(map.next_value::<T>()?).map_or(Ok(()), |_| Err(twice()))?;
            } else if key == request_id {
                id.replace(map.next_value::<Option<String>>()?)
                    .map_or(Ok(()), |_| Err(twice()))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(match (succeeded, value) {
            (Some(true), Some(value)) => Some((value, id.flatten())),
            _ => None,
        })
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

#[cfg(test)]
mod tests {
    use super::{Success, answer};

    const ENVELOPE: Success = crate::funnelfox::wire::SUCCESS;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Data {
        id: u32,
    }

    fn read(shape: &Success, body: &str) -> Option<(Data, Option<String>)> {
        answer(shape, body.as_bytes())
    }

    #[test]
    fn a_success_envelope_is_read_in_any_order_with_its_request_id() {
        let expected = Some((Data { id: 7 }, Some("r-1".to_string())));
        assert_eq!(
            read(&ENVELOPE, r#"{"status":"success","data":{"id":7},"req_id":"r-1"}"#),
            expected
        );
        assert_eq!(
            read(
                &ENVELOPE,
                r#"{"req_id":"r-1","data":{"id":7},"x":[1,{"y":null}],"status":"success"}"#
            ),
            expected
        );
        assert_eq!(
            read(&ENVELOPE, r#"{"status":"success","data":{"id":7},"req_id":null}"#),
            Some((Data { id: 7 }, None))
        );
    }

    #[test]
    fn anything_else_is_left_to_the_wire_format() {
        for body in [
            r#"{"status":"error","data":null,"error":[{"code":"bad_request"}]}"#,
            r#"{"status":"error","data":{"id":7}}"#,
            r#"{"status":"success","data":null}"#,
            r#"{"status":"success"}"#,
            r#"{"id":7}"#,
            r#"{"status":"success","status":"success","data":{"id":7}}"#,
            r#"{"status":"success","data":{"id":7},"data":{"id":8}}"#,
            r#"{"status":"success","data":{"id":"7"}}"#,
            r#"{"status":"success","data":{"id":7}} trailing"#,
            r#"[]"#,
            "",
            r#"{"st\u0061tus":"success","data":{"id":7}}"#,
        ] {
            assert_eq!(read(&ENVELOPE, body), None, "{body}");
        }
    }

    #[test]
    fn a_bare_body_is_the_data() {
        assert_eq!(read(&Success::Body, r#"{"id":7}"#), Some((Data { id: 7 }, None)));
        assert_eq!(read(&Success::Body, r#"{"id":7"#), None);
    }
}
