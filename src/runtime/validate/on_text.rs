//! The text pass: JSON text checked against a schema in one read, without building a value.

use super::rules::{satisfies_items, satisfies_number, satisfies_str};
use crate::runtime::spec::{JsonType, Property, Rule, Schema};
use serde::de::{self, DeserializeSeed, Visitor};

/// Whether the JSON text `json` certainly satisfies `schema`, read in one pass
/// without building a [`Value`](serde_json::Value) (nor allocating, when it does). `false` means
/// "not shown": a violation, or a schema this pass leaves to [`check`](super::check) (`allOf`,
/// `anyOf`, `oneOf`, more than 64 properties). It accepts exactly what [`check`](super::check)
/// accepts of those it reads, so `true` needs no second look and `false` is
/// followed by [`check_body`](super::check_body) on the parsed value, which names the violation.
pub fn satisfied_by_json(schema: &Schema, json: &[u8]) -> bool {
    let mut de = serde_json::Deserializer::from_slice(json);
    Streamed(schema).deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// The schema a value read from the stream must satisfy.
#[derive(Clone, Copy)]
struct Streamed<'s>(&'s Schema);

/// Not satisfied, or not known (the message is never read).
fn unshown<E: de::Error>() -> E {
    E::custom("")
}

impl Streamed<'_> {
    fn allows(&self, types: &[JsonType]) -> bool {
        self.0.types.is_empty() || types.iter().any(|t| self.0.types.contains(t))
    }

    fn scalar<E: de::Error>(&self, types: &[JsonType], holds: impl Fn(&Rule) -> bool) -> Result<(), E> {
        match self.allows(types) && self.0.rules.iter().all(holds) {
            true => Ok(()),
            false => Err(unshown()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Streamed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let s = self.0;
        if !(s.all_of.is_empty() && s.any_of.is_empty() && s.one_of.is_empty()) || s.properties.len() > 64 {
            return Err(unshown());
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Streamed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        match self.0.nullable || self.0.types.is_empty() {
            true => Ok(()),
            false => Err(unshown()),
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar(&[JsonType::Boolean], |_| true)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.scalar(&[JsonType::Integer, JsonType::Number], |r| {
            satisfies_number(r, n as f64)
        })
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.scalar(&[JsonType::Integer, JsonType::Number], |r| {
            satisfies_number(r, n as f64)
        })
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<(), E> {
        self.scalar(&[JsonType::Number], |r| satisfies_number(r, x))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.scalar(&[JsonType::String], |r| satisfies_str(r, s))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut len = 0;
        match self.0.items {
            Some(item) => {
                while seq.next_element_seed(Streamed(item))?.is_some() {
                    len += 1;
                }
            }
            None => {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {
                    len += 1;
                }
            }
        }
        self.scalar(&[JsonType::Array], |r| satisfies_items(r, len))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Rules are vacuous on objects; the properties are what is checked.
        self.scalar(&[JsonType::Object], |_| true)?;
        let properties = self.0.properties;
        let mut seen = 0u64;
        while let Some(index) = map.next_key_seed(Key(properties))? {
            match index {
                Some(i) => {
                    map.next_value_seed(Streamed(properties[i].schema))?;
                    seen |= 1 << i;
                }
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let missing = properties
            .iter()
            .enumerate()
            .any(|(i, p)| p.required && seen & (1 << i) == 0);
        match missing {
            true => Err(unshown()),
            false => Ok(()),
        }
    }
}

/// An object's key: the index of the declared property it names, if any.
struct Key<'s>(&'s [Property]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|p| p.name == key))
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_body;
    use super::*;
    use serde_json::Value;

    /// The one-pass check on the text accepts what `check` accepts.
    #[test]
    fn the_text_check_agrees_with_check() {
        for spec in [&crate::funnelfox::SPEC, &crate::closient::SPEC] {
            for op in spec.operations {
                let Some(body) = &op.body else { continue };
                let example = body.schema.example.unwrap_or("{}");
                for text in [example, "{}", "null", "[]", "{\"a\":1}"] {
                    let Ok(value) = serde_json::from_str::<Value>(text) else {
                        continue;
                    };
                    if satisfied_by_json(body.schema, text.as_bytes()) {
                        assert!(check_body(op, body.schema, &value).is_ok(), "{} {text}", op.id);
                    }
                }
            }
        }
    }
}
