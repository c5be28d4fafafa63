//! Walks every constraint the specs declare (nested objects, array items and all)
//! and shows each is enforced before a request is sent: the spec-driven validator
//! rejects an example breaking exactly that rule, naming the place and the rule;
//! and through the client, either the typed request cannot even hold the bad value
//! (typify's checks) or the call fails with the same error and the server sees
//! nothing. The valid examples come from the specs, so a new page is walked too.

mod support;

use billing_clients::Violation;
use billing_clients::runtime::spec::{JsonType, Operation, Rule, Schema};
use billing_clients::runtime::validate;
use serde_json::{Value, json};
use support::operations::{clients, operations, valid};
use support::{Reply, Server};

/// A step from a value to a part of it.
#[derive(Clone, Debug)]
enum Step {
    Key(&'static str),
    Index(usize),
}

/// How the validator names a place: `a.b`, `list[0].c`.
fn name(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k) if s.is_empty() => s.push_str(k),
            Step::Key(k) => s.push_str(&format!(".{k}")),
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn at<'a>(root: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(root, |v, step| match step {
        Step::Key(k) => &mut v[*k],
        Step::Index(i) => &mut v[*i],
    })
}

/// A place a schema constrains: where it is, its schema, whether it is
/// required, and where a violation is reported (the place itself, or the value
/// whose `anyOf` / `oneOf` it is part of: a broken alternative is "none fits").
struct Place {
    path: Vec<Step>,
    schema: &'static Schema,
    required: bool,
    within: Option<Vec<Step>>,
}

/// Every place of `value` that `schema` constrains.
fn places(schema: &'static Schema, value: &Value, path: Vec<Step>, within: Option<&Vec<Step>>, out: &mut Vec<Place>) {
    for p in schema.properties {
        if let Some(v) = value.get(p.name) {
            let mut here = path.clone();
            here.push(Step::Key(p.name));
            out.push(Place {
                path: here.clone(),
                schema: p.schema,
                required: p.required,
                within: within.cloned(),
            });
            places(p.schema, v, here, within, out);
        }
    }
    if let (Some(items), Some(first)) = (schema.items, value.as_array().and_then(|a| a.first())) {
        let mut here = path.clone();
        here.push(Step::Index(0));
        out.push(Place {
            path: here.clone(),
            schema: items,
            required: false,
            within: within.cloned(),
        });
        places(items, first, here, within, out);
    }
    for part in schema.all_of {
        places(part, value, path.clone(), within, out);
    }
    // The example takes the first alternative; breaking it leaves none that fits
    // (when there are others, the report is about the whole value).
    for alternatives in [schema.any_of, schema.one_of] {
        if let Some(first) = alternatives.first() {
            let within = match (alternatives.len(), within) {
                (1, w) => w.cloned(),
                (_, Some(w)) => Some(w.clone()),
                (_, None) => Some(path.clone()),
            };
            places(first, value, path.clone(), within.as_ref(), out);
        }
    }
}

/// `value` changed so that it breaks `rule`, if this test knows how.
fn break_rule(rule: &Rule, value: &Value) -> Option<Value> {
    let s = value.as_str().unwrap_or("");
    let n_chars = |n: u64| {
        json!(
            s.chars()
                .chain(std::iter::repeat('x'))
                .take(n as usize)
                .collect::<String>()
        )
    };
    Some(match rule {
        Rule::Enum(_) => json!("not-a-member"),
        Rule::MinLength(0) | Rule::MinItems(0) => return None,
        Rule::MinLength(n) => n_chars(n - 1),
        Rule::MaxLength(n) => n_chars(n + 1),
        Rule::Pattern(p) => ["!", "", " !", "~~~~"]
            .into_iter()
            .map(|c| format!("{c}{}", s.get(1..).unwrap_or("")))
            .chain(["!".to_string()])
            .find(|c| !p.matches(c))
            .map(Value::String)?,
        Rule::Format("uuid" | "decimal" | "email") => json!("not-a-valid-value"),
        Rule::Format(_) => return None,
        Rule::Minimum { value, exclusive } => json!(if *exclusive {
            *value as i64
        } else {
            value.ceil() as i64 - 1
        }),
        Rule::Maximum { value, exclusive } => json!(if *exclusive {
            *value as i64
        } else {
            value.floor() as i64 + 1
        }),
        Rule::MinItems(n) => Value::Array(vec![value.get(0).cloned().unwrap_or(Value::Null); *n as usize - 1]),
        Rule::MaxItems(n) => Value::Array(vec![value.get(0).cloned().unwrap_or(json!("x")); *n as usize + 1]),
    })
}

/// A value of another JSON type than any `types` allows (for a string, a boolean:
/// a number is a fine decimal for a money field, which takes both).
fn other_type(types: &[JsonType]) -> Value {
    if types.contains(&JsonType::String) {
        json!(true)
    } else {
        json!("not of the declared type")
    }
}

struct Case {
    spec: &'static str,
    op: &'static Operation,
    body: Value,
    params: Value,
    field: String,
    violation: Violation,
}

/// Every (operation, broken input, expected place and violation) of every spec.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (spec, op) in operations() {
        let (body, params) = valid(op);
        let mut found = Vec::new();
        if let Some(b) = &op.body {
            places(b.schema, &body, vec![], None, &mut found);
        }
        let mut targets: Vec<(bool, Place)> = found.into_iter().map(|p| (true, p)).collect();
        for p in op.params {
            let path = vec![Step::Key(p.name)];
            targets.push((
                false,
                Place {
                    path: path.clone(),
                    schema: p.schema,
                    required: p.required,
                    within: None,
                },
            ));
            let mut nested = Vec::new();
            places(p.schema, &params[p.name], path, None, &mut nested);
            targets.extend(nested.into_iter().map(|p| (false, p)));
        }
        for (
            in_body,
            Place {
                path,
                schema,
                required,
                within,
            },
        ) in targets
        {
            let base = if in_body { &body } else { &params };
            let mut current = base.clone();
            let current = at(&mut current, &path).clone();
            let mut broken: Vec<(Value, Violation)> = Vec::new();
            if required {
                let mut b = base.clone();
                let (parent, Step::Key(last)) = (&path[..path.len() - 1], path.last().unwrap()) else {
                    continue;
                };
                at(&mut b, parent).as_object_mut().unwrap().remove(*last);
                broken.push((b, Violation::Required));
            }
            if !schema.types.is_empty() {
                let mut b = base.clone();
                *at(&mut b, &path) = other_type(schema.types);
                broken.push((b, Violation::Type(schema.types)));
            }
            for rule in schema.rules {
                let Some(v) = break_rule(rule, &current) else {
                    continue;
                };
                // The first rule the broken value fails is the one reported.
                let Some(first) = schema.rules.iter().find(|r| !validate::satisfies(r, &v)) else {
                    panic!("{}: breaking {rule:?} of {} broke nothing", op.id, name(&path));
                };
                let mut b = base.clone();
                *at(&mut b, &path) = v;
                broken.push((b, Violation::Rule(*first)));
            }
            for (b, violation) in broken {
                let (bad_body, bad_params) = if in_body {
                    (b, params.clone())
                } else {
                    (body.clone(), b)
                };
                let (field, violation) = match &within {
                    Some(at) => (name(at), Violation::NoAlternative),
                    None => (name(&path), violation),
                };
                out.push(Case {
                    spec,
                    op,
                    body: bad_body,
                    params: bad_params,
                    field,
                    violation,
                });
            }
        }
    }
    out
}

fn check(op: &'static Operation, body: &Value, params: &Value) -> Result<(), billing_clients::InvalidInput> {
    if let Some(b) = &op.body {
        validate::check_body(op, b.schema, body)?;
    }
    for p in op.params {
        validate::check_param(op, p, params.get(p.name).unwrap_or(&Value::Null))?;
    }
    Ok(())
}

#[test]
fn the_valid_examples_from_the_specs_are_valid() {
    for (_, op) in operations() {
        let (body, params) = valid(op);
        check(op, &body, &params).unwrap_or_else(|e| panic!("valid example rejected: {e}"));
    }
}

#[test]
fn the_validator_rejects_each_broken_rule_by_place_and_rule() {
    let cases = cases();
    for c in &cases {
        let e =
            check(c.op, &c.body, &c.params).expect_err(&format!("{}.{} {:?} accepted", c.op.id, c.field, c.violation));
        assert_eq!(
            (e.field.as_str(), &e.violation),
            (c.field.as_str(), &c.violation),
            "{}",
            c.op.id
        );
    }
    // Every spec's constraints are walked, the fixture pages' nested ones too.
    let walked = |spec: &str| cases.iter().filter(|c| c.spec == spec).count();
    assert!(walked("funnelfox") >= 40, "funnelfox: {}", walked("funnelfox"));
    assert!(walked("closient") >= 15, "closient: {}", walked("closient"));
    for place in ["tags[0]", "campaign.code", "points"] {
        assert!(cases.iter().any(|c| c.field == place), "{place} not walked");
    }
}

#[tokio::test]
async fn the_clients_reject_each_broken_rule_before_sending() {
    let server = Server::always(|| Reply::json(500, json!({}))).await;
    let c = clients(&server.url, billing_clients::RetryPolicy::none());
    let (mut by_type, mut by_client) = (0, 0);
    for case in cases() {
        let sent = case.body.clone();
        match c.call_json(case.spec, case.op.id, case.body, case.params).await {
            None => by_type += 1,
            Some(result) => {
                let e = result.expect_err("a broken request succeeded");
                let bad = e
                    .invalid_input()
                    .unwrap_or_else(|| panic!("{}.{} {:?} ({sent}): {e}", case.op.id, case.field, case.violation));
                assert_eq!(
                    (bad.field.as_str(), &bad.violation),
                    (case.field.as_str(), &case.violation),
                    "{}",
                    case.op.id
                );
                by_client += 1;
            }
        }
    }
    assert_eq!(server.count(), 0, "no broken request reached the server");
    // typify's types cannot hold most violations; the rest (integer bounds,
    // array sizes, path parameters) are caught by the spec-driven check.
    assert!(by_type > 0 && by_client > 0, "by type {by_type}, by client {by_client}");
}
