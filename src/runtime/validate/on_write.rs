//! Validation as a body is written: a `serde_json` formatter that follows the
//! operation's schema token by token while the body is serialised, so a body
//! is checked without its text being read back. It answers "certainly
//! satisfied" or "not shown": anything it does not follow exactly (an escaped
//! string under a rule, `allOf` / `anyOf` / `oneOf`, a duplicate key, 128-bit
//! or `f32` numbers, deep nesting) is "not shown", and the caller parses the
//! body and walks it ([`super::check`]), which names the violation. So `true`
//! needs no second look.

use super::rules::{satisfies_number, satisfies_str};
use crate::runtime::spec::{JsonType, Schema};

mod formatter;
use formatter::Writer;

/// `value` as JSON, and whether it certainly satisfies `schema`.
pub fn to_vec_checked<T: serde::Serialize + ?Sized>(value: &T, schema: &Schema) -> serde_json::Result<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity(256);
    let mut follow = Follow::new(schema);
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        Writer(&mut follow),
    ))?;
    // A value serialised without error is a whole document: every frame closed.
    Ok((out, follow.shown))
}

/// Deeper nesting than this is left to the slow path (no body comes close).
const DEPTH: usize = 16;

/// An open object or array.
#[derive(Clone, Copy, Default)]
struct Frame<'s> {
    /// Its schema; `None` where anything goes.
    schema: Option<&'s Schema>,
    /// Object: the declared properties seen (a bit each). Array: items written.
    count: u64,
}

/// Where the writer is in the document, against the schema.
struct Follow<'s> {
    /// Nothing refuted or left unfollowed so far; once false, only text is written.
    shown: bool,
    /// The schema of the value about to begin (`None`: anything goes).
    next: Option<&'s Schema>,
    frames: [Frame<'s>; DEPTH],
    depth: usize,
    /// Inside an object key: the declared property it names, once read.
    key: Option<Key>,
    /// Inside a string value: its schema and how many fragments came.
    string: Option<(Option<&'s Schema>, u32)>,
    /// The index after the property last named (a guess at the next one).
    after: usize,
}

#[derive(Clone, Copy)]
enum Key {
    Unread,
    Declared(usize),
    Undeclared,
}

impl<'s> Follow<'s> {
    fn new(schema: &'s Schema) -> Self {
        Self {
            shown: true,
            next: Some(schema),
            frames: [Frame::default(); DEPTH],
            depth: 0,
            key: None,
            string: None,
            after: 0,
        }
    }

    fn give_up(&mut self) {
        self.shown = false;
    }

    /// A value of one of `types` begins (never in a key): its schema, checked
    /// for type and for what this pass follows.
    fn begin(&mut self, types: &[JsonType]) -> Option<&'s Schema> {
        if self.key.is_some() {
            self.give_up();
            return None;
        }
        let mut schema = self.next.take()?;
        loop {
            if !(schema.types.is_empty() || types.iter().any(|t| schema.types.contains(t))) {
                self.give_up();
            }
            // A lone `allOf` / `anyOf` / `oneOf` member under a schema that adds
            // nothing else (how OpenAPI pages wrap a `$ref`) is that member.
            let bare = schema.rules.is_empty() && schema.properties.is_empty() && schema.items.is_none();
            match (schema.all_of, schema.any_of, schema.one_of) {
                ([], [], []) => return Some(schema),
                ([only], [], []) | ([], [only], []) | ([], [], [only]) if bare => schema = only,
                _ => {
                    self.give_up();
                    return Some(schema);
                }
            }
        }
    }

    fn null(&mut self) {
        if self.key.is_some() {
            return self.give_up();
        }
        if let Some(s) = self.next.take()
            && !(s.nullable || s.types.is_empty())
        {
            self.give_up();
        }
    }

    fn number(&mut self, types: &[JsonType], x: f64) {
        if let Some(s) = self.begin(types)
            && !s.rules.iter().all(|r| satisfies_number(r, x))
        {
            self.give_up();
        }
    }

    fn integer(&mut self, x: f64) {
        self.number(&[JsonType::Integer, JsonType::Number], x)
    }

    fn open(&mut self, types: &[JsonType]) {
        let schema = self.begin(types);
        if schema.is_some_and(|s| s.properties.len() > 64) || self.depth == DEPTH {
            return self.give_up();
        }
        self.frames[self.depth] = Frame { schema, count: 0 };
        self.depth += 1;
        self.after = 0;
    }

    fn close(&mut self) -> Frame<'s> {
        self.depth -= 1;
        self.frames[self.depth]
    }

    fn fragment(&mut self, text: &str) {
        match (self.key, &mut self.string) {
            (Some(Key::Unread), _) => self.key = Some(self.lookup(text)),
            // A key in pieces: it held an escape.
            (Some(_), _) => self.give_up(),
            (None, Some((schema, pieces))) => {
                *pieces += 1;
                match (*schema, *pieces) {
                    // The first piece is the whole string unless another comes.
                    (Some(s), 1) if !s.rules.iter().all(|r| satisfies_str(r, text)) => self.give_up(),
                    (Some(s), 2..) if !s.rules.is_empty() => self.give_up(),
                    _ => {}
                }
            }
            (None, None) => self.give_up(),
        }
    }

    fn lookup(&mut self, key: &str) -> Key {
        let Some(properties) = self.frames[..self.depth]
            .last()
            .and_then(|f| f.schema)
            .map(|s| s.properties)
        else {
            return Key::Undeclared;
        };
        // Fields are written in the order they are declared: try the one after
        // the last first.
        let next = self.after;
        let found = match properties.get(next) {
            Some(p) if p.name == key => Some(next),
            _ => properties.iter().position(|p| p.name == key),
        };
        match found {
            Some(i) => {
                self.after = i + 1;
                Key::Declared(i)
            }
            None => Key::Undeclared,
        }
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::super::check_body;
    use super::to_vec_checked;
    use crate::runtime::spec::Schema;
    use crate::testing::example::example;
    use serde_json::{Map, Value, json};

    /// Values around a valid body: each property removed, replaced by another
    /// valid value, by `null` and by values of every JSON type and edge (empty,
    /// long, escaped, negative, fractional, huge); the same one level down.
    fn variants(schema: &Schema) -> Vec<Value> {
        let replacements = [
            json!(null),
            json!(""),
            json!("plain"),
            json!("with \"quotes\" and \\ and \n"),
            json!("x".repeat(300)),
            json!("é"),
            json!(0),
            json!(-1),
            json!(1.5),
            json!(1e300),
            json!(u64::MAX),
            json!(true),
            json!([]),
            json!(["a", 1]),
            json!({}),
            json!({"a": {"b": [1, {"c": null}]}}),
        ];
        let valid = example(schema);
        let mut out = vec![
            valid.clone(),
            json!({}),
            json!(null),
            json!([]),
            json!("text"),
            json!(1),
        ];
        let around =
            |map: &Map<String, Value>, props: &'static [crate::runtime::spec::Property], out: &mut Vec<Value>| {
                for p in props {
                    let mut removed = map.clone();
                    removed.remove(p.name);
                    out.push(Value::Object(removed));
                    for r in replacements.iter().cloned().chain([example(p.schema)]) {
                        let mut replaced = map.clone();
                        replaced.insert(p.name.to_string(), r);
                        out.push(Value::Object(replaced));
                    }
                }
                let mut extra = map.clone();
                extra.insert("not_in_the_spec".into(), json!({"x": ["\"", 1]}));
                out.push(Value::Object(extra));
            };
        if let Value::Object(map) = &valid {
            around(map, schema.properties, &mut out);
            for p in schema.properties {
                if let Some(Value::Object(inner)) = map.get(p.name) {
                    let mut deeper = Vec::new();
                    around(inner, p.schema.properties, &mut deeper);
                    out.extend(deeper.into_iter().map(|d| {
                        let mut outer = map.clone();
                        outer.insert(p.name.to_string(), d);
                        Value::Object(outer)
                    }));
                }
            }
        }
        out
    }

    /// Never accepts what `check` refuses, writes what `to_vec` writes, and
    /// shows most valid bodies (what it leaves goes to the walker).
    #[test]
    fn accepts_only_what_check_accepts() {
        let (mut shown, mut valid) = (0, 0);
        for spec in [&crate::funnelfox::SPEC, &crate::closient::SPEC] {
            for op in spec.operations {
                let Some(body) = &op.body else { continue };
                for value in variants(body.schema) {
                    let (text, satisfied) = to_vec_checked(&value, body.schema).unwrap();
                    assert_eq!(text, serde_json::to_vec(&value).unwrap(), "{}: {value}", op.id);
                    let checked = check_body(op, body.schema, &value);
                    assert!(
                        !satisfied || checked.is_ok(),
                        "{}: accepted {value}: {checked:?}",
                        op.id
                    );
                    shown += usize::from(satisfied);
                    valid += usize::from(checked.is_ok());
                }
            }
        }
        // The common case is followed, not left to the slow path (what is not:
        // real `anyOf`s, and escaped strings under a rule).
        eprintln!("{shown} of {valid} valid bodies shown as written");
        assert!(shown * 2 > valid, "{shown} of {valid} shown");
    }
}
