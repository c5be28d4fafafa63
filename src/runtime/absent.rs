//! "Absent" in every spelling the providers use. A field the spec does not
//! require may arrive missing, as `null`, or, where a timestamp, uuid, number,
//! boolean or enum is declared, as `""` (FunnelFox sends absent dates so in its
//! transaction report and webhooks). All three read as absent: the field's
//! default (`None`, an empty list).
//!
//! Deserializing through these functions needs a self-describing format (JSON,
//! as the providers send): a value is looked at before it is handed on.
//!
//! The rule is applied once, by the spec pipeline (`codegen/src/absent.rs`), to every
//! field of every generated type it fits: the generated fields name one of these
//! functions in `#[serde(deserialize_with = ..)]`. What stays strict: a required
//! field (not `Option`, no default), money (`format: decimal`: `""` is not an
//! amount), and `""` where a string is declared (an empty string is a value).

use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// `null` reads as the default; anything else as `T`.
#[doc(hidden)]
pub fn null<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// `null` and `""` read as `None`; anything else as `T` (a scalar that is
/// never spelled as an empty string: a timestamp, uuid, number, boolean, enum).
#[doc(hidden)]
pub fn null_or_empty<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    de.deserialize_any(Absent(PhantomData))
}

/// Forwards every value but `null` and `""` to `T`, without buffering it.
struct Absent<T>(PhantomData<T>);

macro_rules! forward {
    ($($visit:ident($ty:ty)),* $(,)?) => {$(
        fn $visit<E: de::Error>(self, v: $ty) -> Result<Option<T>, E> {
            T::deserialize(v.into_deserializer()).map(Some)
        }
    )*};
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Absent<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, null or \"\"")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Option<T>, D::Error> {
        de.deserialize_any(self)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Option<T>, E> {
        match v {
            "" => Ok(None),
            v => T::deserialize(de::value::BorrowedStrDeserializer::new(v)).map(Some),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        match v {
            "" => Ok(None),
            v => T::deserialize(v.into_deserializer()).map(Some),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<T>, E> {
        match v.as_str() {
            "" => Ok(None),
            _ => T::deserialize(v.into_deserializer()).map(Some),
        }
    }

    forward!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_i128(i128),
        visit_u128(u128),
        visit_f64(f64),
    );

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Option<T>, A::Error> {
        T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use crate::Timestamp;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Row {
        #[serde(default, deserialize_with = "super::null_or_empty")]
        at: Option<Timestamp>,
        #[serde(default, deserialize_with = "super::null_or_empty")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "super::null_or_empty")]
        id: Option<uuid::Uuid>,
        #[serde(default, deserialize_with = "super::null")]
        list: Vec<String>,
    }

    fn row(json: &str) -> Result<Row, String> {
        let from_text = serde_json::from_str::<Row>(json).map_err(|e| e.to_string());
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        let from_value = serde_json::from_value::<Row>(value).map_err(|e| e.to_string());
        assert_eq!(from_text.is_ok(), from_value.is_ok(), "text and Value agree on {json}");
        from_text
    }

    #[test]
    fn every_spelling_of_absent_is_absent() {
        let empty = Row {
            at: None,
            n: None,
            id: None,
            list: vec![],
        };
        assert_eq!(row("{}").unwrap(), empty);
        assert_eq!(
            row(r#"{"at": null, "n": null, "id": null, "list": null}"#).unwrap(),
            empty
        );
        assert_eq!(row(r#"{"at": "", "n": "", "id": ""}"#).unwrap(), empty);
    }

    #[test]
    fn present_values_read_as_their_type() {
        let r = row(
            r#"{"at": "2026-01-05T10:00:00.5", "n": 7, "id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f", "list": ["a"]}"#,
        )
        .unwrap();
        assert_eq!(r.at, Some("2026-01-05T10:00:00.500".parse().unwrap()));
        assert_eq!(r.n, Some(7));
        assert!(r.id.is_some());
        assert_eq!(r.list, ["a"]);
    }

    #[test]
    fn what_is_not_absent_stays_an_error() {
        assert!(row(r#"{"at": "yesterday"}"#).unwrap_err().contains("date-time"));
        assert!(row(r#"{"n": "seven"}"#).is_err());
        assert!(row(r#"{"n": 1.5}"#).is_err());
        assert!(row(r#"{"id": 3}"#).is_err());
        assert!(row(r#"{"list": ""}"#).is_err(), "\"\" is not an absent list");
    }
}
