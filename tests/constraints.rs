//! Walks every constraint the specs declare and shows each is enforced before a
//! request is sent: the spec-driven validator rejects a body breaking exactly that
//! rule, naming the field and the rule; and through the client, either the typed
//! request cannot even hold the bad value (typify's checks) or the call fails with
//! the same error and the server sees nothing.

mod support;

use billing_clients::core::spec::{Field, JsonType, Operation, Rule, Spec};
use billing_clients::core::validate;
use billing_clients::{Violation, closient, funnelfox};
use serde_json::{Value, json};
use support::operations::{call_json, clients, valid};
use support::{Reply, Server};

/// `value` changed so that it breaks `rule` and nothing checked before it.
fn break_rule(rule: &Rule, value: &Value) -> Option<Value> {
    let s = value.as_str().unwrap_or("");
    Some(match rule {
        Rule::Type(JsonType::String) => json!(12345),
        Rule::Type(_) => json!("not of the declared type"),
        Rule::Enum(_) => json!("not-a-member"),
        Rule::MinLength(0) => return None,
        Rule::MinLength(n) => json!(s.chars().cycle().take(*n as usize - 1).collect::<String>()),
        Rule::MaxLength(n) => json!(s.chars().cycle().take(*n as usize + 1).collect::<String>()),
        Rule::Pattern(_) => json!(format!("!{}", &s[1..])),
        Rule::Format(_) => json!("not-a-valid-value"),
        Rule::Minimum { value, exclusive } => json!(if *exclusive { *value as i64 } else { *value as i64 - 1 }),
        Rule::Maximum { value, exclusive } => json!(if *exclusive { *value as i64 } else { *value as i64 + 1 }),
    })
}

fn set(root: &mut Value, dotted: &str, v: Option<Value>) {
    let (parents, last) = dotted.rsplit_once('.').map_or(("", dotted), |(p, l)| (p, l));
    let mut cur = root;
    for p in parents.split('.').filter(|p| !p.is_empty()) {
        cur = cur.get_mut(p).expect("parent in example");
    }
    let obj = cur.as_object_mut().unwrap();
    match v {
        Some(v) => obj.insert(last.to_string(), v),
        None => obj.remove(last),
    };
}

fn get<'a>(root: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(root, |v, k| v.get(k))
}

/// Every (operation, in body?, field, broken input, expected violation) of a spec.
fn cases(spec: &'static Spec) -> Vec<(&'static Operation, bool, &'static Field, Value, Value, Violation)> {
    let mut out = Vec::new();
    for op in spec.operations {
        let (body, params) = valid(op.id);
        for (in_body, fields, base) in [(true, op.body, &body), (false, op.params, &params)] {
            for field in fields {
                let Some(current) = get(base, field.name).cloned() else {
                    assert!(!field.required, "{}: the example lacks required {}", op.id, field.name);
                    continue;
                };
                let mut broken = Vec::new();
                if field.required {
                    let mut b = base.clone();
                    set(&mut b, field.name, None);
                    broken.push((b, Violation::Required));
                }
                for rule in field.rules {
                    if let Some(v) = break_rule(rule, &current) {
                        let mut b = base.clone();
                        set(&mut b, field.name, Some(v));
                        broken.push((b, Violation::Rule(*rule)));
                    }
                }
                for (b, violation) in broken {
                    let (bad_body, bad_params) = if in_body {
                        (b, params.clone())
                    } else {
                        (body.clone(), b)
                    };
                    out.push((op, in_body, field, bad_body, bad_params, violation));
                }
            }
        }
    }
    out
}

#[test]
fn the_validator_rejects_each_broken_rule_by_field_and_rule() {
    let mut walked = 0;
    for spec in [&funnelfox::SPEC, &closient::SPEC] {
        for op in spec.operations {
            let (body, params) = valid(op.id);
            validate::check_body(op, &body).unwrap_or_else(|e| panic!("valid example rejected: {e}"));
            validate::check_params(op, &params).unwrap_or_else(|e| panic!("valid example rejected: {e}"));
        }
        for (op, in_body, field, body, params, violation) in cases(spec) {
            let e = if in_body {
                validate::check_body(op, &body)
            } else {
                validate::check_params(op, &params)
            }
            .expect_err(&format!("{}.{} {violation:?} accepted", op.id, field.name));
            assert_eq!((e.field.as_str(), &e.violation), (field.name, &violation), "{}", op.id);
            walked += 1;
        }
    }
    assert!(walked >= 40, "walked only {walked} constraints");
}

#[tokio::test]
async fn the_clients_reject_each_broken_rule_before_sending() {
    let server = Server::always(|| Reply::json(500, json!({}))).await;
    let (ff, cl) = clients(&server.url, billing_clients::RetryPolicy::none());
    let (mut by_type, mut by_client) = (0, 0);
    for spec in [&funnelfox::SPEC, &closient::SPEC] {
        for (op, _, field, body, params, violation) in cases(spec) {
            match call_json(&ff, &cl, op.id, body, params).await {
                None => by_type += 1,
                Some(result) => {
                    let e = result.expect_err("a broken request succeeded");
                    let bad = e
                        .invalid_input()
                        .unwrap_or_else(|| panic!("{}.{}: {e}", op.id, field.name));
                    assert_eq!(
                        (bad.field.as_str(), &bad.violation),
                        (field.name, &violation),
                        "{}",
                        op.id
                    );
                    by_client += 1;
                }
            }
        }
    }
    assert_eq!(server.count(), 0, "no broken request reached the server");
    // typify's types cannot hold most violations; the rest (integer minimums,
    // path parameters) are caught by the spec-driven check.
    assert!(by_type > 0 && by_client > 0, "by type {by_type}, by client {by_client}");
}
