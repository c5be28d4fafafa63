//! The real Closient client against `FakeClosient`, end to end: well-formed ids
//! and keys, single-use checkout URLs, the documented errors (401 for an unknown
//! key, 403 without the role, 400 below 500 cents), the balance, the resolver
//! subscription and the portal; and that shutting down or dropping a fake stops
//! its server.

mod support;

use billing_clients::closient::{self, types as ct};
use billing_clients::testing::{FakeClosient, FakeFunnelFox, Role};
use serde_json::{Value, json};
use std::collections::HashSet;
use support::fakes::{api_error, checkout, portal, resolver, simple};

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
