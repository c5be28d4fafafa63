//! Every answer the fakes give fits the specs: traffic that reaches every
//! operation of both fakes, with successes and errors, decodes as the generated
//! types and fits their schemas (the payment calls, which need a form token, by
//! the tests after it); every operation of FunnelFox's spec and of the fixture
//! pages is answered, by its rules or from the spec alone; and the key is
//! required where the spec requires it.

mod support;

use billing_clients::RetryPolicy;
use billing_clients::closient::{self, types as ct};
use billing_clients::funnelfox::{self, CheckoutPaymentStatus, types as ft};
use billing_clients::runtime::{spec::Spec, validate};
use billing_clients::testing::{FakeClosient, FakeFunnelFox, PaymentOutcome, Role};
use serde_json::{Value, json};
use std::collections::HashSet;
use support::fakes::{checkout, ff_client, funnelfox, one_click, portal, raw_post, resolver, session, simple, update};

// ---------------------------------------------------- every answer fits the spec

/// `data` decodes as the generated answer type of `op` and fits its schema.
fn fits(spec: &'static Spec, op: &str, data: &Value) -> Result<(), String> {
    let op = spec.operation(op).ok_or("not an operation")?;
    (op.response.decodes)(data.to_string().into())?;
    match op.response.schema {
        Some(schema) => validate::check(schema, data, "").map_err(|(at, v)| format!("{at} {v}")),
        None => Ok(()),
    }
}

/// Traffic that reaches every operation, with successes and errors.
async fn exercise(ff: &FakeFunnelFox, cl: &FakeClosient) {
    let c = ff.client();
    c.create_simple_client_session(simple()).await.unwrap();
    let s = c.create_client_session(session("pro_monthly")).await.unwrap();
    c.update_client_session(update(&s.client_token, s.order_id, "pro_yearly"))
        .await
        .unwrap();
    let _ = c.update_client_session(update("nope", s.order_id, "pro_yearly")).await;
    for outcome in [
        PaymentOutcome::failed("declined"),
        PaymentOutcome::Cancelled,
        PaymentOutcome::Processing,
        PaymentOutcome::ActionRequired,
    ] {
        ff.queue_outcome(outcome);
        c.one_click(one_click("user-42", "pro_monthly")).await.unwrap();
    }
    c.one_click(one_click("user-42", "pro_monthly")).await.unwrap();
    let _ = c.one_click(one_click("user-42", "pro_monthly")).await;
    let _ = raw_post(&format!("{}/checkout/one_click", ff.base_url()), "{}").await;

    let org = cl.add_org();
    let key = cl.add_key(&org, Role::Owner);
    let member = cl.client(&cl.add_key(&org, Role::Member));
    let k = cl.client(&key);
    let paid = k.create_checkout(checkout(&org, 999)).await.unwrap();
    cl.complete_checkout(&paid.checkout_url);
    k.get_balance(&org).await.unwrap();
    k.get_resolver_subscription(&org).await.unwrap();
    k.create_portal_session(&org, portal()).await.unwrap();
    let sub = k.create_resolver_checkout(resolver(&org)).await.unwrap();
    cl.complete_checkout(&sub.checkout_url);
    k.get_resolver_subscription(&org).await.unwrap();
    k.create_portal_session(&org, portal()).await.unwrap();
    let _ = k.create_resolver_checkout(resolver(&org)).await;
    let _ = member.create_checkout(checkout(&org, 500)).await;
    let _ = k.get_balance("2222222222222222222222").await;
    let _ = billing_clients::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/billing/checkout", cl.base_url()))
        .header("x-api-key", &key)
        .json(&json!({"organization_id": org, "amount_cents": 1}))
        .send()
        .await;
}

#[tokio::test]
async fn every_answer_decodes_and_fits_the_specs() {
    let ff = funnelfox().await;
    let cl = FakeClosient::start().await;
    exercise(&ff, &cl).await;
    let mut req_ids = HashSet::new();

    let ff_records = ff.requests();
    let mut seen = HashSet::new();
    for r in &ff_records {
        let op = r.operation.unwrap();
        let env = &r.response;
        assert_ne!(r.status, 0);
        assert!(
            req_ids.insert(env["req_id"].as_str().unwrap().to_string()),
            "req_id unique"
        );
        match env["status"].as_str() {
            Some("success") => {
                assert_eq!(r.status, 200);
                assert_eq!(env["error"], json!([]));
                let data = &env["data"];
                fits(&funnelfox::SPEC, op, data).unwrap_or_else(|e| panic!("{op}: {e}"));
                seen.insert(op);
            }
            Some("error") => {
                assert!(matches!(r.status, 200 | 400), "{}", r.status);
                assert_eq!(env["data"], Value::Null);
                let e = &env["error"][0];
                assert!(e["msg"].is_string() && e["code"].is_string(), "{env}");
                assert_eq!(e["type"], "api_exception");
            }
            other => panic!("not an envelope: {other:?} {env}"),
        }
    }
    let statuses: HashSet<_> = ff_records
        .iter()
        .filter_map(|r| r.response["data"]["checkout_status"].as_str())
        .collect();
    assert_eq!(statuses.len(), 4, "every payment status was checked: {statuses:?}");

    for r in cl.requests() {
        let op = r.operation.unwrap();
        if r.status == 200 {
            fits(&closient::SPEC, op, &r.response).unwrap_or_else(|e| panic!("{op}: {e}"));
            seen.insert(op);
        } else {
            serde_json::from_value::<ct::ErrorBody>(r.response.clone()).unwrap();
            let e = &r.response["error"];
            assert_eq!(e["status"], r.status, "{op}");
            assert_eq!(
                e["details"].is_array(),
                r.status == 422,
                "{op}: issues on a 422, else null"
            );
        }
    }
    // Every operation the traffic reached had a success checked (the payment
    // calls, which need a form token, are checked by the tests below).
    let reached: HashSet<&str> = ff_records
        .iter()
        .chain(&cl.requests())
        .filter_map(|r| r.operation)
        .collect();
    assert!(reached.len() >= 9, "{reached:?}");
    assert_eq!(seen, reached, "a success of every operation reached was checked");
}

#[tokio::test]
async fn create_payment_needs_3ds_and_is_resumed() {
    let fake = funnelfox().await;
    let c = ff_client(&fake);
    let session = c
        .create_client_session(
            ft::CheckoutClientSessionIn::builder()
                .region("default")
                .integration_type(ft::IntegrationEnum::Stripe)
                .pp_ident("pro_monthly")
                .external_id("user-42")
                .email_address("jane@example.com"),
        )
        .await
        .unwrap();
    fake.queue_outcome(PaymentOutcome::ActionRequired);
    let pay = |token: &'static str| {
        c.create_payment(
            ft::CheckoutCreatePaymentIn::builder()
                .order_id(session.order_id)
                .payment_method_token(token),
        )
    };
    let pending = pay("pm_card").await.unwrap();
    assert_eq!(pending.checkout_status, CheckoutPaymentStatus::Processing);
    let action = pending
        .action_required_token
        .clone()
        .filter(|t| !t.is_empty())
        .expect("an action token");
    // A wrong resume token is refused; the right one completes the payment.
    let e = c
        .resume_payment(
            ft::CheckoutResumePaymentIn::builder()
                .order_id(session.order_id)
                .resume_token("nope"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("bad_request"));
    let done = c
        .resume_payment(
            ft::CheckoutResumePaymentIn::builder()
                .order_id(session.order_id)
                .resume_token(action),
        )
        .await
        .unwrap();
    assert_eq!(done.checkout_status, CheckoutPaymentStatus::Succeeded);
    assert_eq!(
        fake.order(session.order_id).unwrap().status,
        Some(CheckoutPaymentStatus::Succeeded)
    );
    // A paid order cannot be paid again.
    assert_eq!(pay("pm_other").await.unwrap_err().code(), Some("bad_request"));
    assert_eq!(fake.count("create_payment"), 2);
    assert_eq!(fake.count("resume_payment"), 2);
}

#[tokio::test]
async fn a_resume_can_fail_and_a_token_pays_at_most_twice_a_day() {
    let fake = funnelfox().await;
    let c = ff_client(&fake);
    let mut orders = Vec::new();
    for _ in 0..3 {
        let s = c
            .create_client_session(
                ft::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(ft::IntegrationEnum::Primer)
                    .pp_ident("pro_monthly")
                    .external_id("user-42")
                    .email_address("jane@example.com"),
            )
            .await
            .unwrap();
        orders.push(s.order_id);
    }
    fake.queue_outcome(PaymentOutcome::ActionRequired);
    fake.queue_outcome(PaymentOutcome::failed("Authentication failed."));
    let pay = |order| {
        c.create_payment(
            ft::CheckoutCreatePaymentIn::builder()
                .order_id(order)
                .payment_method_token("pm_same"),
        )
    };
    let pending = pay(orders[0]).await.unwrap();
    let failed = c
        .resume_payment(
            ft::CheckoutResumePaymentIn::builder()
                .order_id(orders[0])
                .resume_token(pending.action_required_token.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(failed.checkout_status, CheckoutPaymentStatus::Failed);
    assert_eq!(
        failed.failed_message_for_user.as_deref(),
        Some("Authentication failed.")
    );
    pay(orders[1]).await.unwrap();
    let third = pay(orders[2]).await.unwrap_err();
    assert_eq!((third.status(), third.code()), (Some(200), Some("bad_request")));
    assert!(third.to_string().contains("2 times today"), "{third}");
}

// ------------------------------------------- every operation, from the spec alone

/// Every operation of FunnelFox's spec and of the fixture pages, called with the
/// example its spec gives: a modelled one answers by its rules (a business-rule
/// refusal under HTTP 200 at most), one the fake does not model answers from the
/// spec, and the answer fits it. The fixture pages are named nowhere in the fake.
#[tokio::test]
async fn the_fake_answers_every_operation_including_new_pages() {
    use billing_clients::testing::fixture;
    use support::operations::{clients_for, operations};
    let mut from_spec = 0;
    for (spec, op) in operations().filter(|(spec, _)| *spec != "closient") {
        let fake = FakeFunnelFox::start_with_spec("org_walk", &fixture::SPEC).await;
        let unused = "http://127.0.0.1:9";
        let c = clients_for(
            &fake.server_url(),
            unused,
            "org_walk",
            fake.secret_key(),
            RetryPolicy::none(),
        );
        let result = c.call_valid(spec, op).await;
        let new_page = funnelfox::SPEC.operation(op.id).is_none();
        match &result {
            Ok(_) => {
                let data = &fake.requests()[0].response["data"];
                fits(&fixture::SPEC, op.id, data).unwrap_or_else(|e| panic!("{}: {e}", op.id));
                from_spec += usize::from(new_page);
            }
            Err(e) => {
                assert!(!new_page, "{}: {e}", op.id);
                assert_eq!(
                    (e.status(), e.code()),
                    (Some(200), Some("bad_request")),
                    "{}: {e}",
                    op.id
                );
            }
        }
        assert_eq!(fake.count(op.id), 1, "{}", op.id);
    }
    let new_pages = fixture::SPEC
        .operations
        .iter()
        .filter(|op| funnelfox::SPEC.operation(op.id).is_none());
    assert_eq!(
        from_spec,
        new_pages.count(),
        "every fixture page answered from the spec"
    );
}

/// An operation whose spec needs the key is refused by the fake without it, or
/// with another, before its request is looked at: HTTP 401 in the envelope.
#[tokio::test]
async fn the_fake_requires_the_key_where_the_spec_does() {
    use billing_clients::testing::fixture;
    let fake = FakeFunnelFox::start_with_spec("org_auth", &fixture::SPEC).await;
    let op = fixture::SPEC.operations.iter().find(|op| op.requires_auth).unwrap();
    let url = format!("{}{}", fake.base_url(), op.path);
    for key in [None, Some("ff_wrong")] {
        let mut request = billing_clients::http_client_builder()
            .unwrap()
            .build()
            .unwrap()
            .post(&url)
            .json(&json!({}));
        if let Some(key) = key {
            request = request.header("ff-secret-key", key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{key:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (body["status"].as_str(), body["error"][0]["code"].as_str()),
            (Some("error"), Some("unauthorized"))
        );
    }
    let response = billing_clients::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(&url)
        .header("ff-secret-key", fake.secret_key())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        400,
        "with the key, the empty body is refused as the spec says"
    );
}
