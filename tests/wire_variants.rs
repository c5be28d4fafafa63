//! True to the real wire: every answer and webhook schema of every spec, read in
//! the documented shape and in the variants real services send, loses nothing.
//!
//! Nothing here names a schema: the roots are every component of every spec
//! that is not a request body (answers, their parts, webhook events), each
//! started from a valid example made from the spec, and every property at every
//! depth is varied in turn:
//!
//! - an optional property missing, `null`, and `""` where a timestamp, uuid,
//!   number, boolean or enum is declared: read as absent;
//! - money (`format: decimal`) as a string and as a number: the same amount;
//! - a timestamp naive and with an offset: the same instant;
//! - an unknown member on every object: kept and written back as sent;
//! - an unknown value of every enum: kept and written back as sent;
//! - what stays strict: `""` for a required timestamp, uuid or number, and for
//!   money, is a decode error naming the place.

mod support;

use billing_clients::RetryPolicy;
use billing_clients::runtime::decode::Through;
use billing_clients::runtime::spec::{JsonType, Property, Rule, Schema};
use billing_clients::testing::example::example;
use serde_json::{Value, json};
use support::operations::{clients, is_funnelfox, operations};
use support::{Reply, Server};

/// A property somewhere in an example: the keys leading to its object, and it.
struct Place {
    path: Vec<Step>,
    prop: &'static Property,
}

#[derive(Clone, Debug)]
enum Step {
    Key(&'static str),
    Index(usize),
}

/// What a property is, looking through a lone `anyOf` / `oneOf` / `allOf` member.
fn kind(schema: &'static Schema) -> &'static Schema {
    let parts: Vec<&&Schema> = schema.any_of.iter().chain(schema.one_of).chain(schema.all_of).collect();
    match (schema.types.is_empty() && schema.rules.is_empty(), parts.as_slice()) {
        (true, [only]) => kind(only),
        _ => schema,
    }
}

fn format(schema: &'static Schema) -> Option<&'static str> {
    kind_rules(schema).find_map(|r| match r {
        Rule::Format(f) => Some(*f),
        _ => None,
    })
}

fn kind_rules(schema: &'static Schema) -> impl Iterator<Item = &'static Rule> {
    kind(schema).rules.iter()
}

fn is_enum(schema: &'static Schema) -> bool {
    kind_rules(schema).any(|r| matches!(r, Rule::Enum(_)))
}

fn json_type(schema: &'static Schema) -> Option<JsonType> {
    kind(schema).types.first().copied()
}

/// Whether `""` reads as absent for this property's type.
fn empty_is_absent(schema: &'static Schema) -> bool {
    match json_type(schema) {
        Some(JsonType::Integer | JsonType::Number | JsonType::Boolean) => true,
        Some(JsonType::String) => matches!(format(schema), Some("date-time" | "uuid")) || is_enum(schema),
        _ => false,
    }
}

/// Every property at every depth of `value` (an example of `schema`).
fn places(schema: &'static Schema, value: &Value, path: Vec<Step>, out: &mut Vec<Place>) {
    let schema = kind(schema);
    if let (Some(items), Some(first)) = (schema.items, value.as_array().and_then(|a| a.first())) {
        let mut p = path.clone();
        p.push(Step::Index(0));
        places(items, first, p, out);
    }
    for part in schema.all_of {
        places(part, value, path.clone(), out);
    }
    for prop in schema.properties {
        let Some(v) = value.get(prop.name) else { continue };
        out.push(Place {
            path: path.clone(),
            prop,
        });
        let mut p = path.clone();
        p.push(Step::Key(prop.name));
        places(prop.schema, v, p, out);
    }
}

fn at<'v>(value: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[*k],
        Step::Index(i) => &mut v[*i],
    })
}

fn get<'v>(value: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get(*k),
        Step::Index(i) => v.get(*i),
    })
}

fn shown(path: &[Step], name: &str) -> String {
    let mut s: Vec<String> = path
        .iter()
        .map(|s| match s {
            Step::Key(k) => k.to_string(),
            Step::Index(i) => i.to_string(),
        })
        .collect();
    s.push(name.to_string());
    s.join(".")
}

/// Whether `value` is absent once written back (missing, `null`, or an empty list).
fn absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

struct Root {
    spec: &'static str,
    schema: &'static Schema,
}

/// Every component of every spec that is not a request body.
fn roots() -> Vec<Root> {
    let mut out = Vec::new();
    for (name, spec) in support::operations::specs() {
        let bodies: Vec<&str> = spec
            .operations
            .iter()
            .filter_map(|op| op.body.as_ref()?.schema.name)
            .collect();
        for schema in spec.components {
            if !bodies.contains(&schema.name.unwrap_or_default()) {
                out.push(Root { spec: name, schema });
            }
        }
    }
    out
}

fn through(root: &Root, value: Value) -> Option<Result<Through, String>> {
    support::operations::through_type(root.spec, root.schema.name?, value)
}

/// Reads `value` as the root's type and writes it back; panics with the variant
/// when it does not read, or when writing back and reading again changes it.
fn read(root: &Root, value: Value, variant: &str) -> Value {
    let name = root.schema.name.unwrap_or_default();
    let once = match through(root, value.clone()) {
        Some(Ok(t)) => t.json,
        Some(Err(e)) => panic!("{}::{name} ({variant}) does not read: {e}\n{value:#}", root.spec),
        None => panic!("{}::{name} has no generated type", root.spec),
    };
    let twice = through(root, once.clone()).unwrap().unwrap().json;
    assert_eq!(
        once, twice,
        "{}::{name} ({variant}): written back, it reads differently",
        root.spec
    );
    once
}

fn refused(root: &Root, value: Value) -> Option<String> {
    through(root, value).unwrap().err()
}

#[test]
fn every_schema_reads_every_wire_variant_and_loses_nothing() {
    let roots = roots();
    assert!(roots.len() >= 30, "only {} answer and webhook schemas", roots.len());
    assert!(
        roots.iter().any(|r| r.schema.name == Some("WebhookEvent")),
        "webhook events are walked"
    );
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for root in &roots {
        let documented = example(root.schema);
        read(root, documented.clone(), "documented shape");
        let mut found = Vec::new();
        places(root.schema, &documented, Vec::new(), &mut found);
        for Place { path, prop } in found {
            let name = prop.name;
            let here = shown(&path, name);
            let with = |v: Value| {
                let mut doc = documented.clone();
                at(&mut doc, &path)[name] = v;
                doc
            };
            let schema = prop.schema;
            let money = format(schema) == Some("decimal");
            if !prop.required {
                let mut missing = documented.clone();
                at(&mut missing, &path).as_object_mut().unwrap().remove(name);
                read(root, missing, &format!("{here} missing"));
                let out = read(root, with(Value::Null), &format!("{here}: null"));
                assert!(
                    absent(get(&out, &path).and_then(|o| o.get(name))),
                    "{here}: null is absent"
                );
                *counts.entry("missing and null").or_default() += 1;
                if empty_is_absent(schema) {
                    let out = read(root, with(json!("")), &format!("{here}: \"\""));
                    assert!(
                        absent(get(&out, &path).and_then(|o| o.get(name))),
                        "{here}: \"\" is absent"
                    );
                    *counts.entry("\"\" as absent").or_default() += 1;
                }
            } else if (empty_is_absent(schema) && !schema.nullable && !is_enum(schema)) || money {
                let e = refused(root, with(json!(""))).unwrap_or_else(|| panic!("{here}: required \"\" read"));
                assert!(e.contains(name), "{here}: the error names the place: {e}");
                *counts.entry("strict").or_default() += 1;
            }
            let sent = get(&documented, &path).and_then(|o| o.get(name)).cloned().unwrap();
            if money && let Some(text) = sent.as_str() {
                let number: Value = serde_json::from_str(text).unwrap();
                let as_string = read(root, with(sent.clone()), &format!("{here} as a string"));
                let as_number = read(root, with(number), &format!("{here} as a number"));
                // The same amount either way (a JSON number carries no scale:
                // "150.00" and 150.00 are one amount, written back as "150.00" and "150").
                let amount = |v: &Value| {
                    let text = get(v, &path).unwrap()[name].as_str().unwrap().to_string();
                    text.parse::<rust_decimal::Decimal>().unwrap()
                };
                assert_eq!(
                    amount(&as_string),
                    amount(&as_number),
                    "{here}: the same amount either way"
                );
                assert_eq!(
                    get(&as_string, &path).unwrap()[name],
                    sent,
                    "{here}: a string amount is written back as it came"
                );
                *counts.entry("money").or_default() += 1;
            }
            if format(schema) == Some("date-time") && sent.is_string() {
                let naive = read(root, with(json!("2026-01-05T10:00:00.123456")), &here);
                let aware = read(root, with(json!("2026-01-05T12:00:00.123456+02:00")), &here);
                let instant = |v: &Value| {
                    let t: billing_clients::Timestamp = get(v, &path).unwrap()[name].as_str().unwrap().parse().unwrap();
                    t.utc()
                };
                assert_eq!(instant(&naive), instant(&aware), "{here}: one instant");
                *counts.entry("timestamps").or_default() += 1;
            }
            if is_enum(schema) && json_type(schema) == Some(JsonType::String) && sent.is_string() {
                let out = read(root, with(json!("a_value_added_later")), &format!("{here}: new value"));
                assert_eq!(get(&out, &path).unwrap()[name], "a_value_added_later", "{here}: kept");
                *counts.entry("unknown enum values").or_default() += 1;
            }
            if let Some(object) = get(&documented, &path)
                .and_then(|o| o.get(name))
                .filter(|v| v.is_object())
            {
                let mut doc = documented.clone();
                let mut grown = object.clone();
                grown["zz_added_later"] = json!({"nested": [1, "two"]});
                at(&mut doc, &path)[name] = grown;
                let out = read(root, doc, &format!("{here}: unknown member"));
                assert_eq!(
                    get(&out, &path).unwrap()[name]["zz_added_later"],
                    json!({"nested": [1, "two"]}),
                    "{here}: an unknown member is kept"
                );
                *counts.entry("unknown members").or_default() += 1;
            }
        }
        if documented.is_object() {
            let mut doc = documented.clone();
            doc["zz_added_later"] = json!(42);
            let out = read(root, doc, "unknown member at the top");
            assert_eq!(
                out["zz_added_later"], 42,
                "{:?}: an unknown member is kept",
                root.schema.name
            );
        }
    }
    println!("{counts:?}");
    for (what, at_least) in [
        ("missing and null", 100),
        ("\"\" as absent", 40),
        ("strict", 5),
        ("money", 10),
        ("timestamps", 20),
        ("unknown enum values", 10),
        ("unknown members", 10),
    ] {
        let n = counts.get(what).copied().unwrap_or(0);
        assert!(n >= at_least, "{what}: only {n} variants");
    }
}

/// `value` (an example of `schema`) with every optional member that may be
/// spelled `""` so spelled, at every depth: the shape of FunnelFox's transaction
/// report and webhooks for absent dates.
fn blanked(schema: &'static Schema, value: &mut Value) -> usize {
    let schema = kind(schema);
    let mut n = 0;
    if let (Some(items), Some(list)) = (schema.items, value.as_array_mut()) {
        for item in list {
            n += blanked(items, item);
        }
    }
    for part in schema.all_of {
        n += blanked(part, value);
    }
    for prop in schema.properties {
        let Some(v) = value.get_mut(prop.name) else { continue };
        if !prop.required && empty_is_absent(prop.schema) {
            *v = json!("");
            n += 1;
        } else {
            n += blanked(prop.schema, v);
        }
    }
    n
}

/// Over real HTTP, every operation's answer with `""` for every absent-able
/// optional member (a transaction report's `psp_date`, a subscription's
/// `next_check_at`) decodes through its typed method.
#[tokio::test]
async fn every_answer_with_empty_strings_for_absent_values_decodes_over_http() {
    let mut blanked_in = Vec::new();
    for (spec, op) in operations() {
        let Some(schema) = op.response.schema else { continue };
        let mut answer = example(schema);
        let n = blanked(schema, &mut answer);
        if n == 0 {
            continue;
        }
        let wire = match is_funnelfox(spec) {
            true => json!({"status": "success", "data": answer, "error": [], "req_id": "req-1"}),
            false => answer,
        };
        let server = Server::always(move || Reply::json(200, wire.clone())).await;
        let c = clients(&server.url, RetryPolicy::none());
        let got = c.call_valid(spec, op).await;
        assert!(got.is_ok(), "{spec} {}: {:?}", op.id, got.err());
        assert_eq!(server.count(), 1);
        blanked_in.push(op.id);
    }
    for op in [
        "transaction_report",
        "my_assets",
        "subscription_search",
        "payments_history",
    ] {
        assert!(blanked_in.contains(&op), "{op} was not covered: {blanked_in:?}");
    }
}
