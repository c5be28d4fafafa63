//! The real FunnelFox client against `FakeFunnelFox`, end to end: checkout
//! sessions and their orders, one-click charges with scripted outcomes, double
//! purchases, the envelope, what the fake records, that checkout operations
//! never receive the secret key, and that requests the spec forbids are refused
//! with HTTP 400.

mod support;

use billing_clients::funnelfox::{self, CheckoutPaymentStatus, types as ft};
use billing_clients::testing::PaymentOutcome;
use serde_json::{Value, json};
use std::collections::HashSet;
use support::fakes::{SECRET, api_error, ff_client, funnelfox, one_click, raw_post, session, simple, update};

#[tokio::test]
async fn simple_session_returns_a_fresh_opaque_token() {
    let fake = funnelfox().await;
    let c = fake.client();
    assert_eq!(c.base_url(), fake.base_url());
    assert!(fake.base_url().ends_with(&format!("/{}/v1", fake.org_id())));
    let a = c.create_simple_client_session(simple()).await.unwrap();
    let b = c.create_simple_client_session(simple()).await.unwrap();
    assert!(!a.client_token.is_empty());
    assert_ne!(a.client_token, b.client_token);
    let r = &fake.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.path,
        format!("/{}/v1/checkout/create_simple_client_session", fake.org_id())
    );
    assert_eq!(r.operation, Some("create_simple_client_session"));
    assert_eq!(r.body, json!({"region": "default", "integration_type": "stripe"}));
    assert_eq!(r.status, 200);
    assert_eq!(r.response["status"], "success");
    assert_eq!(fake.count("create_simple_client_session"), 2);
    assert_eq!(fake.count("/checkout/create_simple_client_session"), 2);
}

#[tokio::test]
async fn session_then_update_moves_the_order_to_another_price_point() {
    let fake = funnelfox().await;
    let c = ff_client(&fake);
    let s = c.create_client_session(session("pro_monthly")).await.unwrap();
    assert_eq!(s.order_id.get_version_num(), 4);
    let order = fake.order(s.order_id).unwrap();
    assert_eq!(
        (order.pp_ident.as_str(), order.external_id.as_str()),
        ("pro_monthly", "user-7")
    );
    assert_eq!(order.client_token.as_deref(), Some(s.client_token.as_str()));
    assert_eq!(order.status, None);

    let ok = c
        .update_client_session(update(&s.client_token, s.order_id, "pro_yearly"))
        .await
        .unwrap();
    assert!(ok.is_empty());
    assert_eq!(fake.order(s.order_id).unwrap().pp_ident, "pro_yearly");
}

#[tokio::test]
async fn a_stripe_session_carries_its_intent_and_debug_hides_the_secrets() {
    let fake = funnelfox().await;
    let c = ff_client(&fake);
    let s = c
        .create_client_session(session("pro_monthly").integration_type(ft::IntegrationEnum::Stripe))
        .await
        .unwrap();
    assert_eq!(s.is_livemode, Some(false));
    assert_eq!(s.stripe_public_key.as_deref(), Some("pk_test_fake"));
    let intent = s.stripe_intent.as_ref().unwrap();
    assert_eq!((intent.amount, intent.currency.as_deref()), (Some(999), Some("usd")));
    let secret = intent.intent_client_secret.clone().unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains(&secret) && shown.contains("[redacted]"), "{shown}");
    let primer = c.create_client_session(session("pro_monthly")).await.unwrap();
    assert!(primer.stripe_intent.is_none() && primer.stripe_public_key.is_none());
}

#[tokio::test]
async fn unknown_price_point_token_or_order_is_a_bad_request() {
    let fake = funnelfox().await;
    let c = fake.client();
    let (http, code, api) = api_error(c.create_client_session(session("gold")).await);
    assert_eq!((http, code.as_str()), (200, "bad_request"));
    assert_eq!(api.kind.as_deref(), Some("api_exception"));
    assert!(api.request_id.is_some());

    let s = c.create_client_session(session("pro_monthly")).await.unwrap();
    let other = c.create_client_session(session("pro_monthly")).await.unwrap();
    let simple = c.create_simple_client_session(simple()).await.unwrap();
    for (token, order, pp) in [
        ("no-such-token", s.order_id, "pro_yearly"),
        (s.client_token.as_str(), other.order_id, "pro_yearly"),
        (
            s.client_token.as_str(),
            uuid::Uuid::from_u128(0x6f1c_2a8e_4b7d_4c3a_9e15_d2f0_a1b3_c4d5),
            "pro_yearly",
        ),
        (simple.client_token.as_str(), s.order_id, "pro_yearly"),
        (s.client_token.as_str(), s.order_id, "gold"),
    ] {
        let (_, code, _) = api_error(c.update_client_session(update(token, order, pp)).await);
        assert_eq!(code, "bad_request", "{token} {order} {pp}");
    }
    assert_eq!(fake.order(s.order_id).unwrap().pp_ident, "pro_monthly");
    assert_eq!(fake.order(other.order_id).unwrap().pp_ident, "pro_monthly");
}

#[tokio::test]
async fn one_click_follows_the_scripted_outcomes() {
    let fake = funnelfox().await;
    for pp in ["a", "b", "c", "d", "e"] {
        fake.add_price_point(pp);
    }
    fake.queue_outcome(PaymentOutcome::Processing);
    fake.queue_outcome(PaymentOutcome::failed("Your card was declined."));
    fake.queue_outcome(PaymentOutcome::Cancelled);
    fake.queue_outcome(PaymentOutcome::ActionRequired);
    let c = fake.client();
    let pay = |pp: &'static str| c.one_click(one_click("user-42", pp));

    let processing = pay("a").await.unwrap();
    assert_eq!(processing.checkout_status, CheckoutPaymentStatus::Processing);
    assert_eq!(processing.action_required_token.as_deref(), Some(""));

    let failed = pay("b").await.unwrap();
    assert_eq!(failed.checkout_status, CheckoutPaymentStatus::Failed);
    assert_eq!(
        failed.failed_message_for_user.as_deref(),
        Some("Your card was declined.")
    );

    let cancelled = pay("c").await.unwrap();
    assert_eq!(cancelled.checkout_status, CheckoutPaymentStatus::Cancelled);

    let action = pay("d").await.unwrap();
    assert_eq!(action.checkout_status, CheckoutPaymentStatus::Processing);
    let token = action.action_required_token.clone().unwrap();
    assert!(!token.is_empty());
    let order = fake.order(action.order_id.unwrap()).unwrap();
    assert_eq!(order.action_required_token, Some(token));
    assert_eq!(order.client_token, None, "a one-click order has no session");

    // Nothing queued any more: succeeded.
    let ok = pay("e").await.unwrap();
    assert_eq!(ok.checkout_status, CheckoutPaymentStatus::Succeeded);
    assert_eq!(ok.failed_message_for_user.as_deref(), Some(""));
    let ids: HashSet<_> = [&processing, &failed, &cancelled, &action, &ok]
        .iter()
        .map(|p| p.order_id.unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "one order per charge");
    assert_eq!(fake.count("one_click"), 5);
}

#[tokio::test]
async fn buying_what_the_user_has_is_a_double_purchase_under_http_200() {
    let fake = funnelfox().await;
    let c = fake.client();
    // A failed charge does not give the user the price point; a succeeded one does.
    fake.queue_outcome(PaymentOutcome::failed("declined"));
    let failed = c.one_click(one_click("user-42", "pro_monthly")).await.unwrap();
    assert_eq!(failed.checkout_status, CheckoutPaymentStatus::Failed);
    let paid = c.one_click(one_click("user-42", "pro_monthly")).await.unwrap();
    assert_eq!(paid.checkout_status, CheckoutPaymentStatus::Succeeded);

    let (http, code, api) = api_error(c.one_click(one_click("user-42", "pro_monthly")).await);
    assert_eq!((http, code.as_str()), (200, "double_purchase"));
    assert_eq!(api.message, "user has not finished subscription");
    assert_eq!(api.kind.as_deref(), Some("api_exception"));
    assert_eq!(api.attempts, 1);
    // Another price point is still for sale.
    c.one_click(one_click("user-42", "pro_yearly")).await.unwrap();

    let last = fake.requests().into_iter().nth(2).unwrap();
    assert_eq!(last.status, 200);
    assert_eq!(last.response["status"], "error");
    assert_eq!(last.response["data"], Value::Null);
    assert_eq!(last.response["error"][0]["code"], "double_purchase");
    assert_eq!(fake.count("one_click"), 4, "each charge attempted exactly once");
}

#[tokio::test]
async fn one_click_needs_a_known_user_with_a_saved_payment_method() {
    let fake = funnelfox().await;
    fake.add_user("no-card", false);
    let c = fake.client();
    for (user, pp) in [
        ("no-card", "pro_monthly"),
        ("stranger", "pro_monthly"),
        ("user-42", "gold"),
    ] {
        let (http, code, _) = api_error(c.one_click(one_click(user, pp)).await);
        assert_eq!((http, code.as_str()), (200, "bad_request"), "{user} {pp}");
    }
    assert_eq!(fake.count("one_click"), 3, "never retried");
}

#[tokio::test]
async fn another_org_is_refused_with_the_envelope() {
    let fake = funnelfox().await;
    let c = funnelfox::Client::builder("org_other")
        .base_url(fake.server_url())
        .build()
        .unwrap();
    let (http, code, api) = api_error(c.create_simple_client_session(simple()).await);
    assert_eq!((http, code.as_str()), (400, "bad_request"));
    assert!(api.message.contains("org_other"), "{}", api.message);
}

#[tokio::test]
async fn checkout_operations_never_receive_the_secret_key() {
    let fake = funnelfox().await;
    let c = ff_client(&fake);
    c.create_simple_client_session(simple()).await.unwrap();
    let s = c.create_client_session(session("pro_monthly")).await.unwrap();
    c.update_client_session(update(&s.client_token, s.order_id, "pro_yearly"))
        .await
        .unwrap();
    c.one_click(one_click("user-42", "pro_monthly")).await.unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(r.header("ff-secret-key"), None, "{}", r.path);
        assert!(!format!("{:?}", r.headers).contains(SECRET));
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.header("api-version"), None);
        assert!(r.header("user-agent").unwrap().starts_with("billing-clients/"));
    }
    assert_eq!(fake.count("one_click"), 1, "the charge was attempted exactly once");
}

#[tokio::test]
async fn funnelfox_fake_refuses_what_the_spec_forbids_with_http_400() {
    let fake = funnelfox().await;
    let url = |op: &str| format!("{}/checkout/{op}", fake.base_url());
    let order = uuid::Uuid::from_u128(0x6f1c_2a8e_4b7d_4c3a_9e15_d2f0_a1b3_c4d5);
    for (op, body) in [
        ("create_simple_client_session", "{not json".to_string()),
        ("create_simple_client_session", "[]".to_string()),
        (
            "create_simple_client_session",
            r#"{"region": "EU!", "integration_type": "stripe"}"#.to_string(),
        ),
        (
            "create_simple_client_session",
            r#"{"region": "eu", "integration_type": "paypal"}"#.to_string(),
        ),
        ("one_click", r#"{"pp_ident": "pro_monthly"}"#.to_string()),
        (
            "one_click",
            format!(r#"{{"external_id": "{}", "pp_ident": "pro"}}"#, "x".repeat(257)),
        ),
        (
            "update_client_session",
            r#"{"client_token": "t", "order_id": "not-a-uuid", "pp_ident": "p"}"#.to_string(),
        ),
        (
            "update_client_session",
            format!(r#"{{"client_token": 5, "order_id": "{order}", "pp_ident": "p"}}"#),
        ),
    ] {
        let (status, body) = raw_post(&url(op), &body).await;
        assert_eq!(status, 400, "{op} {body}");
        assert_eq!(body["status"], "error");
        assert_eq!(body["data"], Value::Null);
        assert_eq!(body["error"][0]["code"], "bad_request");
        assert_eq!(body["error"][0]["type"], "api_exception");
        assert!(body["req_id"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let (status, body) = raw_post(
        &url("one_click"),
        r#"{"external_id": "user-42", "pp_ident": "pro_monthly", "client_metadata": {"a": 1}}"#,
    )
    .await;
    assert_eq!(
        (status, body["data"]["checkout_status"].as_str()),
        (200, Some("succeeded"))
    );
    let (status, body) = raw_post(&url("no_such_operation"), "{}").await;
    assert_eq!((status, body["status"].as_str()), (404, Some("error")));
}
