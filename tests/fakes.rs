//! The real clients against the fakes of `billing_clients::testing`, end to end:
//! every operation, the documented errors, what the fakes record, and that every
//! answer the fakes give fits the specs.

use billing_clients::RetryPolicy;
use billing_clients::closient::{self, types as ct};
use billing_clients::funnelfox::{self, CheckoutPaymentStatus, types as ft};
use billing_clients::runtime::{spec::Spec, validate};
use billing_clients::testing::{FakeClosient, FakeFunnelFox, PaymentOutcome, Role};
use serde_json::{Value, json};
use std::collections::HashSet;

mod support;

const SECRET: &str = "ff_secret_CANARY_0123456789";

// ---------------------------------------------------------------- FunnelFox

/// A fake with two price points and a user with a saved payment method.
async fn funnelfox() -> FakeFunnelFox {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_price_point("pro_yearly");
    fake.add_user("user-42", true);
    fake
}

/// A client that holds a secret key: checkout operations must still not send it.
fn ff_client(fake: &FakeFunnelFox) -> funnelfox::Client {
    funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .secret_key(SECRET)
        .build()
        .unwrap()
}

fn simple() -> ft::builder::CheckoutSimpleClientSessionIn {
    ft::CheckoutSimpleClientSessionIn::builder()
        .region("default")
        .integration_type(ft::IntegrationEnum::Stripe)
}

fn session(pp: &str) -> ft::builder::CheckoutClientSessionIn {
    ft::CheckoutClientSessionIn::builder()
        .region("default")
        .integration_type(ft::IntegrationEnum::Primer)
        .pp_ident(pp)
        .external_id("user-7")
        .email_address("jane@example.com")
}

fn update(token: &str, order: uuid::Uuid, pp: &str) -> ft::builder::CheckoutUpdateClientSessionIn {
    ft::CheckoutUpdateClientSessionIn::builder()
        .client_token(token)
        .order_id(order)
        .pp_ident(pp)
}

fn one_click(user: &str, pp: &str) -> ft::builder::OneClick {
    ft::OneClick::builder().external_id(user).pp_ident(pp)
}

/// The API error of a failed call, with the HTTP status it came under.
fn api_error<T: std::fmt::Debug>(r: billing_clients::Result<T>) -> (u16, String, billing_clients::ApiError) {
    let e = r.unwrap_err();
    let api = e.api().unwrap_or_else(|| panic!("not an API error: {e:?}")).clone();
    (api.status.unwrap(), api.code.clone().unwrap_or_default(), api)
}

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

async fn raw_post(url: &str, body: &str) -> (u16, Value) {
    let r = billing_clients::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
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

// ---------------------------------------------------------------- Closient

struct Closient {
    fake: FakeClosient,
    org: String,
    billing: String,
    member: String,
}

async fn closient() -> Closient {
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let billing = fake.add_key(&org, Role::Billing);
    let member = fake.add_key(&org, Role::Member);
    Closient {
        fake,
        org,
        billing,
        member,
    }
}

fn checkout(org: &str, cents: i64) -> ct::builder::AdBalanceCheckoutIn {
    ct::AdBalanceCheckoutIn::builder()
        .organization_id(org)
        .amount_cents(cents)
        .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
        .cancel_url("https://example.com/cancel")
}

fn resolver(org: &str) -> ct::builder::ResolverCheckoutIn {
    ct::ResolverCheckoutIn::builder()
        .organization_id(org)
        .success_url("https://example.com/ok")
        .cancel_url("https://example.com/cancel")
}

fn portal() -> ct::builder::PortalIn {
    ct::PortalIn::builder().return_url("https://example.com/account")
}

#[tokio::test]
async fn fake_ids_and_keys_are_well_formed() {
    let fake = FakeClosient::start().await;
    let alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let orgs: HashSet<String> = (0..50).map(|_| fake.add_org()).collect();
    assert_eq!(orgs.len(), 50);
    for org in &orgs {
        assert_eq!(org.len(), 22);
        assert!(org.chars().all(|c| alphabet.contains(c)), "{org}");
        let key = fake.add_key(org, Role::Owner);
        assert_eq!(closient::api_key::check(&key), Ok(closient::api_key::KeyKind::Business));
    }
    assert!(fake.base_url().ends_with("/billing/api/v1"));
}

#[tokio::test]
async fn checkout_urls_are_unique_per_call() {
    let t = closient().await;
    let c = t.fake.client(&t.billing);
    let mut urls = HashSet::new();
    for _ in 0..5 {
        let out = c.create_checkout(checkout(&t.org, 500)).await.unwrap();
        assert!(
            out.checkout_url
                .starts_with("https://checkout.stripe.com/c/pay/cs_test_"),
            "{}",
            out.checkout_url
        );
        urls.insert(out.checkout_url);
    }
    assert_eq!(urls.len(), 5);
    let r = &t.fake.requests()[0];
    assert_eq!(r.path, "/billing/api/v1/billing/checkout");
    assert_eq!(r.operation, Some("create_checkout"));
    assert_eq!(r.header("x-api-key"), Some(t.billing.as_str()));
    assert_eq!(r.body["amount_cents"], 500);
    // An owner may open one too.
    let owner = t.fake.add_key(&t.org, Role::Owner);
    let c = t.fake.client(&owner);
    c.create_checkout(checkout(&t.org, 1_000)).await.unwrap();
}

#[tokio::test]
async fn an_unknown_key_is_401() {
    let t = closient().await;
    let stranger = closient::api_key::with_checksum("csb", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ");
    let c = t.fake.client(&stranger);
    let (http, code, api) = api_error(c.create_checkout(checkout(&t.org, 500)).await);
    assert_eq!((http, code.as_str()), (401, "UNAUTHORIZED"));
    assert!(!api.message.contains(&stranger));
    let (http, code, _) = api_error(c.get_balance(&t.org).await);
    assert_eq!((http, code.as_str()), (401, "UNAUTHORIZED"));
    assert_eq!(t.fake.count("create_checkout"), 1, "a 401 is not retried");

    let r = billing_clients::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(format!("{}/billing/balance/{}", t.fake.base_url(), t.org))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
    assert_eq!(body["error"]["status"], 401);
    assert_eq!(
        body["error"]["details"],
        Value::Null,
        "null but on a 422, as the Errors page shows"
    );
}

#[tokio::test]
async fn writes_need_the_billing_role_and_membership() {
    let t = closient().await;
    let member = t.fake.client(&t.member);
    let (http, code, _) = api_error(member.create_checkout(checkout(&t.org, 500)).await);
    assert_eq!((http, code.as_str()), (403, "FORBIDDEN"));
    let (http, code, _) = api_error(member.create_resolver_checkout(resolver(&t.org)).await);
    assert_eq!((http, code.as_str()), (403, "FORBIDDEN"));
    let (http, code, _) = api_error(member.create_portal_session(&t.org, portal()).await);
    assert_eq!((http, code.as_str()), (403, "FORBIDDEN"));
    // Reads need membership only.
    member.get_balance(&t.org).await.unwrap();
    member.get_resolver_subscription(&t.org).await.unwrap();

    // Billing in one organisation is nothing in another.
    let elsewhere = t.fake.add_org();
    let billing = t.fake.client(&t.billing);
    let (http, code, _) = api_error(billing.create_checkout(checkout(&elsewhere, 500)).await);
    assert_eq!((http, code.as_str()), (403, "FORBIDDEN"));
    let (http, code, _) = api_error(billing.get_balance(&elsewhere).await);
    assert_eq!((http, code.as_str()), (403, "FORBIDDEN"));
    // An organisation in a path that does not exist is not found; one in a body
    // is refused as any foreign one.
    let ghost = "2222222222222222222222";
    let (http, code, _) = api_error(billing.get_balance(ghost).await);
    assert_eq!((http, code.as_str()), (404, "NOT_FOUND"));
    let (http, code, _) = api_error(billing.create_checkout(checkout(ghost, 500)).await);
    assert_eq!((http, code.as_str()), (403, "FORBIDDEN"));
    // A granted role counts.
    t.fake.grant(&t.billing, &elsewhere, Role::Billing);
    billing.create_checkout(checkout(&elsewhere, 500)).await.unwrap();
}

#[tokio::test]
async fn the_client_stops_amount_499_and_the_fake_refuses_it_with_400() {
    let t = closient().await;
    let c = t.fake.client(&t.billing);
    let e = c.create_checkout(checkout(&t.org, 499)).await.unwrap_err();
    assert_eq!(e.invalid_input().unwrap().field, "amount_cents");
    assert_eq!(t.fake.requests().len(), 0, "nothing was sent");

    let post = |body: Value| {
        billing_clients::http_client_builder()
            .unwrap()
            .build()
            .unwrap()
            .post(format!("{}/billing/checkout", t.fake.base_url()))
            .header("X-API-Key", &t.billing)
            .json(&body)
            .send()
    };
    let good = json!({"organization_id": t.org, "amount_cents": 500,
                      "success_url": "https://example.com/ok", "cancel_url": "https://example.com/c"});
    let mut body = good.clone();
    body["amount_cents"] = json!(499);
    let r = post(body).await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BAD_REQUEST");
    assert_eq!(body["error"]["status"], 400);
    assert_eq!(
        body["error"]["details"],
        Value::Null,
        "null but on a 422, as the Errors page shows"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("amount_cents"));
    let parsed: ct::ErrorBody = serde_json::from_value(body).unwrap();
    assert_eq!(parsed.error.unwrap().code, "BAD_REQUEST");

    // Other schema violations are 422 with the field named.
    for (field, value) in [
        ("organization_id", json!("too-short")),
        ("amount_cents", json!(500.5)),
        ("success_url", json!(null)),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let r = post(body).await.unwrap();
        assert_eq!(r.status(), 422, "{field}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
        assert_eq!(body["error"]["status"], 422);
        assert_eq!(body["error"]["details"][0]["field"], field);
        assert!(body["error"]["details"][0]["message"].is_string());
    }
    let mut body = good.clone();
    body.as_object_mut().unwrap().remove("cancel_url");
    assert_eq!(post(body).await.unwrap().status(), 422);
    // A body that is not JSON is a bad request.
    let r = billing_clients::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/billing/checkout", t.fake.base_url()))
        .header("X-API-Key", &t.billing)
        .body("amount=500")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(post(good).await.unwrap().status(), 200);
}

#[tokio::test]
async fn balance_grows_when_a_checkout_completes_once() {
    let t = closient().await;
    let c = t.fake.client(&t.billing);
    let b = c.get_balance(&t.org).await.unwrap();
    assert_eq!(b.balance.to_string(), "0.00");
    assert_eq!(b.total_spent.to_string(), "0.00");
    assert_eq!((b.currency.as_str(), b.active_campaigns), ("USD", 0));

    let first = c.create_checkout(checkout(&t.org, 12_345)).await.unwrap();
    let second = c.create_checkout(checkout(&t.org, 500)).await.unwrap();
    assert_eq!(
        c.get_balance(&t.org).await.unwrap().balance.to_string(),
        "0.00",
        "funds land only when Stripe confirms"
    );
    assert!(t.fake.complete_checkout(&first.checkout_url));
    assert!(!t.fake.complete_checkout(&first.checkout_url), "single use");
    assert!(
        !t.fake
            .complete_checkout("https://checkout.stripe.com/c/pay/cs_test_nope")
    );
    assert_eq!(c.get_balance(&t.org).await.unwrap().balance.to_string(), "123.45");
    assert!(t.fake.complete_checkout(&second.checkout_url));
    assert_eq!(c.get_balance(&t.org).await.unwrap().balance.to_string(), "128.45");
    let r = t
        .fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.is("get_balance"))
        .unwrap();
    assert_eq!(r.response["balance"], "128.45", "a decimal string on the wire");
}

#[tokio::test]
async fn resolver_subscription_checkout_portal() {
    let t = closient().await;
    let c = t.fake.client(&t.billing);
    let free = c.get_resolver_subscription(&t.org).await.unwrap();
    assert_eq!(free.tier, ct::ResolverTier::Free);
    assert_eq!(free.status, ct::ResolverStatus::Active);
    assert!(free.limits.is_some_and(|l| !l.is_empty()));
    assert_eq!(free.estimated_monthly_bill, None);
    assert_eq!(free.usage.active_gtins, 0);
    // The portal opens on any tier.
    c.create_portal_session(&t.org, portal()).await.unwrap();

    let a = c.create_resolver_checkout(resolver(&t.org)).await.unwrap();
    let b = c.create_resolver_checkout(resolver(&t.org)).await.unwrap();
    assert_ne!(a.checkout_url, b.checkout_url, "a pending checkout blocks nothing");
    assert!(t.fake.complete_checkout(&a.checkout_url));

    let paid = c.get_resolver_subscription(&t.org).await.unwrap();
    assert_eq!(paid.tier, ct::ResolverTier::Business);
    assert_eq!(paid.status, ct::ResolverStatus::Active);
    assert_eq!(paid.limits, None);
    assert!(paid.estimated_monthly_bill.is_some());
    let r = t
        .fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.is("get_resolver_subscription"))
        .unwrap();
    assert_eq!(r.response["limits"], Value::Null);
    assert!(r.response.as_object().unwrap().contains_key("limits"));

    let (http, code, _) = api_error(c.create_resolver_checkout(resolver(&t.org)).await);
    assert_eq!((http, code.as_str()), (400, "BAD_REQUEST"));

    let p1 = c.create_portal_session(&t.org, portal()).await.unwrap();
    let p2 = c.create_portal_session(&t.org, portal()).await.unwrap();
    assert!(p1.portal_url.starts_with("https://"));
    assert_ne!(p1.portal_url, p2.portal_url);
    assert_eq!(t.fake.count("create_portal_session"), 3);
}

#[tokio::test]
async fn shutdown_stops_the_servers() {
    let ff = FakeFunnelFox::start().await;
    let cl = FakeClosient::start().await;
    let (ff_url, cl_url) = (ff.base_url(), cl.base_url());
    ff.client().create_simple_client_session(simple()).await.unwrap();
    ff.shutdown().await;
    cl.shutdown().await;
    for url in [ff_url, cl_url] {
        let e = billing_clients::http_client_builder()
            .unwrap()
            .build()
            .unwrap()
            .post(&url)
            .send()
            .await
            .unwrap_err();
        assert!(e.is_connect(), "{url}: {e:?}");
    }
    // Dropping stops a fake too (without waiting for it).
    let dropped = FakeClosient::start().await;
    drop(dropped);
}

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
