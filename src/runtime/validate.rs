//! Client-side enforcement of every constraint the spec declares, driven by the
//! schemas `build.rs` emits (so it follows the spec when the spec changes). It runs
//! on the JSON that would be sent, after typify's own checks, and so also catches
//! what typify does not enforce (integer `minimum`/`maximum`, array sizes), through
//! nested objects, array items and `anyOf` / `oneOf` / `allOf`.
//!
//! Three passes, each exact where it answers: `to_vec_checked` follows the
//! schema while a body is serialised; [`satisfied_by_json`] reads the text once
//! (raw bodies, or what the first pass left); [`check`] walks a parsed value
//! and names the violation. The first two answer only "satisfied" or "not
//! shown", so a body reaches `check` only when it may break a rule.

use super::spec::{JsonType, Operation, Param, Property, Rule, Schema};
use crate::error::{InvalidInput, Violation};
use serde::de::{self, DeserializeSeed, Visitor};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

mod on_write;
pub(crate) use on_write::to_vec_checked;

/// Check a request body; the error names the field (`a.b`, `list[2].c`).
pub fn check_body(op: &Operation, schema: &Schema, body: &Value) -> Result<(), InvalidInput> {
    check(schema, body, "").map_err(|(field, v)| {
        let field = if field.is_empty() { "body".to_string() } else { field };
        InvalidInput::new(Some(op.id), field, v)
    })
}

/// Check one parameter (`Null` when not given).
pub fn check_param(op: &Operation, param: &Param, value: &Value) -> Result<(), InvalidInput> {
    let fail = |field: String, v| InvalidInput::new(Some(op.id), field, v);
    match value {
        Value::Null if param.required => Err(fail(param.name.to_string(), Violation::Required)),
        Value::Null => Ok(()),
        v => check(param.schema, v, param.name).map_err(|(f, v)| fail(f, v)),
    }
}

/// Where in the value a check is, built only when a check fails (valid input,
/// the common case, costs no allocation).
#[derive(Clone, Copy)]
enum At<'a> {
    Root(&'a str),
    Field(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    /// `a.b`, `list[2].c`: a field under an empty root is its bare name.
    fn render(&self) -> String {
        match self {
            At::Root(at) => at.to_string(),
            At::Field(parent, name) => match parent.render() {
                at if at.is_empty() => name.to_string(),
                at => format!("{at}.{name}"),
            },
            At::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// Check `value` against `schema`; the error is the place and the rule broken.
pub fn check(schema: &Schema, value: &Value, at: &str) -> Result<(), (String, Violation)> {
    check_at(schema, value, &At::Root(at))
}

fn check_at(schema: &Schema, value: &Value, at: &At<'_>) -> Result<(), (String, Violation)> {
    let fail = |v| Err((at.render(), v));
    if value.is_null() {
        return if schema.nullable || schema.types.is_empty() {
            Ok(())
        } else {
            fail(Violation::NotNullable)
        };
    }
    if !schema.types.is_empty() && !type_of(value).iter().any(|t| schema.types.contains(t)) {
        return fail(Violation::Type(schema.types));
    }
    for rule in schema.rules {
        if !satisfies(rule, value) {
            return fail(Violation::Rule(*rule));
        }
    }
    if let Value::Object(map) = value {
        for p in schema.properties {
            let here = At::Field(at, p.name);
            match map.get(p.name) {
                None if p.required => return Err((here.render(), Violation::Required)),
                None => {}
                Some(v) => check_at(p.schema, v, &here)?,
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.items) {
        for (i, v) in items.iter().enumerate() {
            check_at(item, v, &At::Index(at, i))?;
        }
    }
    for s in schema.all_of {
        check_at(s, value, at)?;
    }
    // oneOf is read as anyOf: typify's untagged enums take the first that fits.
    for alternatives in [schema.any_of, schema.one_of] {
        if alternatives.is_empty() {
            continue;
        }
        let mut errors = alternatives.iter().map(|s| check_at(s, value, at));
        let first = errors.next().unwrap_or(Ok(()));
        if first.is_ok() || errors.any(|e| e.is_ok()) {
            continue;
        }
        return match alternatives {
            [_] => first,
            _ => fail(Violation::NoAlternative),
        };
    }
    Ok(())
}

/// Whether `value` satisfies `rule` (rules of another type than the value's are
/// vacuous: the schema's type reports the mismatch).
pub fn satisfies(rule: &Rule, value: &Value) -> bool {
    match value {
        Value::String(s) => satisfies_str(rule, s),
        Value::Number(n) => match n.as_f64() {
            Some(x) => satisfies_number(rule, x),
            None => !matches!(rule, Rule::Minimum { .. } | Rule::Maximum { .. }),
        },
        Value::Array(a) => satisfies_items(rule, a.len()),
        _ => true,
    }
}

fn satisfies_str(rule: &Rule, s: &str) -> bool {
    match rule {
        Rule::Enum(values) => values.contains(&s),
        Rule::MinLength(n) => s.chars().count() as u64 >= *n,
        // A string has at most as many characters as bytes: most need no count.
        Rule::MaxLength(n) => s.len() as u64 <= *n || s.chars().count() as u64 <= *n,
        Rule::Pattern(p) => pattern_matches(p, s),
        Rule::Format("uuid") => uuid::Uuid::try_parse(s).is_ok(),
        Rule::Format("decimal") => s.parse::<rust_decimal::Decimal>().is_ok(),
        _ => true,
    }
}

fn satisfies_number(rule: &Rule, x: f64) -> bool {
    match rule {
        Rule::Minimum { value: m, exclusive } => {
            if *exclusive {
                x > *m
            } else {
                x >= *m
            }
        }
        Rule::Maximum { value: m, exclusive } => {
            if *exclusive {
                x < *m
            } else {
                x <= *m
            }
        }
        _ => true,
    }
}

fn satisfies_items(rule: &Rule, len: usize) -> bool {
    match rule {
        Rule::MinItems(n) => len as u64 >= *n,
        Rule::MaxItems(n) => len as u64 <= *n,
        _ => true,
    }
}

/// Whether the JSON text `json` certainly satisfies `schema`, read in one pass
/// without building a [`Value`] (nor allocating, when it does). `false` means
/// "not shown": a violation, or a schema this pass leaves to [`check`] (`allOf`,
/// `anyOf`, `oneOf`, more than 64 properties). It accepts exactly what [`check`]
/// accepts of those it reads, so `true` needs no second look and `false` is
/// followed by [`check_body`] on the parsed value, which names the violation.
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

fn type_of(v: &Value) -> &'static [JsonType] {
    match v {
        Value::String(_) => &[JsonType::String],
        Value::Number(n) if n.is_i64() || n.is_u64() => &[JsonType::Integer, JsonType::Number],
        Value::Number(_) => &[JsonType::Number],
        Value::Bool(_) => &[JsonType::Boolean],
        Value::Array(_) => &[JsonType::Array],
        Value::Object(_) => &[JsonType::Object],
        Value::Null => &[],
    }
}

/// Patterns come from the spec (a handful), compiled once with the engine typify
/// uses; one that does not compile rejects every value rather than panicking.
/// The common shape `^[class]{m,n}$` (an ASCII class of literals and ranges,
/// repeated `{n}`, `{m,n}`, `{m,}`, `+` or `*`) is matched by a table instead,
/// with the same answers.
pub fn pattern_matches(pattern: &'static str, s: &str) -> bool {
    // Keyed by where the pattern lives (each is a `static` of the spec tables):
    // hashing two words, not the pattern's text, on every check.
    type Cache = RwLock<HashMap<(usize, usize), Compiled, std::hash::BuildHasherDefault<Address>>>;
    static CACHE: LazyLock<Cache> = LazyLock::new(Default::default);
    let key = (pattern.as_ptr() as usize, pattern.len());
    if let Some(re) = CACHE.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return re.matches(s);
    }
    let mut cache = CACHE.write().unwrap_or_else(|e| e.into_inner());
    cache.entry(key).or_insert_with(|| Compiled::new(pattern)).matches(s)
}

/// A pattern of a generated type, compiled on first use: `codegen/src/patterns.rs`
/// puts one where typify's `FromStr` built a `regress::Regex`, so builders and
/// deserialisers match as the validator does (the table for the common shape).
pub(crate) struct Pattern {
    text: &'static str,
    compiled: std::sync::OnceLock<Compiled>,
}

impl Pattern {
    pub(crate) const fn new(text: &'static str) -> Self {
        Self {
            text,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// `Some` when `s` matches: the shape of `regress::Regex::find`, which
    /// typify's code calls.
    pub(crate) fn find(&self, s: &str) -> Option<()> {
        self.compiled
            .get_or_init(|| Compiled::new(self.text))
            .matches(s)
            .then_some(())
    }
}

/// Hashes an address (FxHash's step): the cache's keys are few and not chosen
/// by anyone, so SipHash's protection buys nothing on this path.
#[derive(Default)]
struct Address(u64);

impl std::hash::Hasher for Address {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|b| self.write_u64(u64::from(*b)));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64)
    }
}

/// A compiled pattern.
enum Compiled {
    Simple(Simple),
    Regex(regress::Regex),
    Invalid,
}

impl Compiled {
    fn new(pattern: &str) -> Self {
        match (Simple::parse(pattern), regress::Regex::new(pattern)) {
            (_, Err(_)) => Compiled::Invalid,
            (Some(simple), Ok(_)) => Compiled::Simple(simple),
            (None, Ok(re)) => Compiled::Regex(re),
        }
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            Compiled::Simple(simple) => simple.matches(s),
            Compiled::Regex(re) => re.find(s).is_some(),
            Compiled::Invalid => false,
        }
    }
}

/// `^[class]{min,max}$` over ASCII: without flags, ECMAScript anchors `^` and `$`
/// at the ends of the input, so a string matches when it is `min` to `max`
/// characters, each in the class (no other character is: the class is ASCII).
struct Simple {
    class: [bool; 128],
    min: usize,
    max: usize,
}

impl Simple {
    fn parse(pattern: &str) -> Option<Self> {
        let (class, repeat) = pattern.strip_prefix("^[")?.strip_suffix('$')?.split_once(']')?;
        let (min, max) = match repeat {
            "+" => (1, usize::MAX),
            "*" => (0, usize::MAX),
            braces => {
                let inner = braces.strip_prefix('{')?.strip_suffix('}')?;
                let number = |n: &str| match n.bytes().all(|b| b.is_ascii_digit()) {
                    true => n.parse::<usize>().ok(),
                    false => None,
                };
                match inner.split_once(',') {
                    None => (number(inner)?, number(inner)?),
                    Some((min, "")) => (number(min)?, usize::MAX),
                    Some((min, max)) => (number(min)?, number(max)?),
                }
            }
        };
        let bytes = class.as_bytes();
        if min > max
            || bytes.is_empty()
            || bytes[0] == b'^'
            || !bytes.iter().all(|b| b.is_ascii() && !b"\\[]".contains(b))
        {
            return None;
        }
        let mut set = [false; 128];
        let mut i = 0;
        while i < bytes.len() {
            if i + 2 < bytes.len() && bytes[i + 1] == b'-' {
                let (from, to) = (bytes[i], bytes[i + 2]);
                if from > to {
                    return None;
                }
                (from..=to).for_each(|b| set[b as usize] = true);
                i += 3;
            } else {
                set[bytes[i] as usize] = true;
                i += 1;
            }
        }
        Some(Simple { class: set, min, max })
    }

    fn matches(&self, s: &str) -> bool {
        (self.min..=self.max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii() && self.class[b as usize])
    }
}

/// Map typify's builder messages (`no value supplied for x`, `error converting
/// supplied value for x: ...`) to the field and the spec rule they stand for.
pub fn from_builder_message(op: &Operation, message: &str) -> InvalidInput {
    let message = message.rsplit("failed: ").next().unwrap_or(message);
    if let Some(field) = message.strip_prefix("no value supplied for ") {
        return InvalidInput::new(Some(op.id), field.trim(), Violation::Required);
    }
    if let Some(rest) = message.strip_prefix("error converting supplied value for ") {
        let (field, why) = rest.split_once(": ").unwrap_or((rest, ""));
        let rules = op
            .body
            .iter()
            .flat_map(|b| b.schema.properties)
            .find(|p| p.name == field)
            .map_or(&[][..], |p| p.schema.rules);
        let pick = |pred: fn(&Rule) -> bool| rules.iter().find(|r| pred(r)).copied();
        let rule = if why.starts_with("doesn't match pattern") {
            pick(|r| matches!(r, Rule::Pattern(_)))
        } else if why.starts_with("longer than") {
            pick(|r| matches!(r, Rule::MaxLength(_)))
        } else if why.starts_with("shorter than") {
            pick(|r| matches!(r, Rule::MinLength(_)))
        } else {
            pick(|r| matches!(r, Rule::Enum(_) | Rule::Format(_)))
        };
        let violation = rule.map_or_else(|| Violation::Format(why.to_string()), Violation::Rule);
        return InvalidInput::new(Some(op.id), field, violation);
    }
    InvalidInput::new(Some(op.id), "body", Violation::Format(message.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table answers as the regex engine does.
    #[test]
    fn simple_patterns_match_as_regress_does() {
        let patterns = [
            "^[a-z]{1,20}$",
            "^[-A-Za-z_0-9]{1,256}$",
            "^[-A-Za-z_0-9_ .]{1,22}$",
            "^[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}$",
            "^[a-c-]+$",
            "^[!--]*$",
            "^[0-9]{2,}$",
        ];
        let inputs = [
            "",
            "a",
            "abc",
            "default",
            "Default",
            "pro_monthly",
            "pro-monthly.2",
            "a b",
            "a\n",
            "é",
            "ab\u{1F600}",
            "2aBcDeFgHiJkLmNoPqRsTu",
            "2aBcDeFgHiJkLmNoPqRsT0",
            "--",
            "!#,-",
            "12",
            "1",
            "123456",
            "-abc-",
            &"x".repeat(20),
            &"x".repeat(21),
            &"y".repeat(256),
            &"y".repeat(257),
        ];
        for pattern in patterns {
            let simple = Simple::parse(pattern).unwrap_or_else(|| panic!("{pattern} is simple"));
            let re = regress::Regex::new(pattern).unwrap();
            for input in inputs {
                assert_eq!(
                    simple.matches(input),
                    re.find(input).is_some(),
                    "{pattern} on {input:?}"
                );
            }
        }
        for other in [
            "^[a-z]{1,20}",
            "[a-z]+$",
            "^[^a-z]+$",
            "^[\\d]+$",
            "^[a-z]{,3}$",
            "^[a-z]+?$",
            "^(a|b)$",
            "^[z-a]$",
            "^[]$",
        ] {
            assert!(Simple::parse(other).is_none(), "{other}");
        }
    }

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
