//! Every Closient operation over real HTTP on loopback: the request it sends and
//! how it decodes success and both documented error shapes.

mod support;

use billing_clients::closient::{Client, api_key, types};
use serde_json::json;
use support::{Reply, Server};

const ORG: &str = "2aBcDeFgHiJkLmNoPqRsTu";

fn key() -> String {
    api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345")
}

fn client(server: &Server) -> Client {
    Client::builder(key())
        .base_url(format!("{}/billing/api/v1", server.url))
        .build()
        .unwrap()
}

fn assert_request(r: &support::Recorded, method: &str, path: &str) {
    assert_eq!(r.method, method);
    assert_eq!(r.path, format!("/billing/api/v1{path}"));
    assert_eq!(r.header("x-api-key"), Some(key().as_str()));
    assert_eq!(r.header("api-version"), None);
    if method == "POST" {
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

#[test]
fn default_server_and_key_checks() {
    assert_eq!(
        Client::new(key()).unwrap().base_url(),
        "https://www.closient.com/billing/api/v1"
    );
    let e = Client::new("csb_abcdefghijklmnopqrstuvwxyz012345_00000000").unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    assert!(
        !e.to_string().contains("abcdefghijklmnopqrstuvwxyz012345"),
        "the key is never echoed"
    );
    assert!(
        Client::builder(key())
            .base_url("http://billing.example.com")
            .build()
            .is_err(),
        "plain http off loopback"
    );
}

#[tokio::test]
async fn create_checkout() {
    let server =
        Server::always(|| Reply::json(200, json!({"checkout_url": "https://checkout.stripe.com/c/pay/cs_1"}))).await;
    let out = client(&server)
        .create_checkout(
            types::AdBalanceCheckoutIn::builder()
                .organization_id(ORG)
                .amount_cents(500)
                .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
                .cancel_url("https://example.com/cancel"),
        )
        .await
        .unwrap();
    assert_eq!(out.checkout_url, "https://checkout.stripe.com/c/pay/cs_1");
    let r = &server.requests()[0];
    assert_request(r, "POST", "/billing/checkout");
    assert_eq!(
        r.json(),
        json!({"organization_id": ORG, "amount_cents": 500,
               "success_url": "https://example.com/ok?session={CHECKOUT_SESSION_ID}", "cancel_url": "https://example.com/cancel"})
    );
}

#[tokio::test]
async fn create_resolver_checkout() {
    let server =
        Server::always(|| Reply::json(200, json!({"checkout_url": "https://checkout.stripe.com/c/pay/cs_2"}))).await;
    let out = client(&server)
        .create_resolver_checkout(
            types::ResolverCheckoutIn::builder()
                .organization_id(ORG)
                .success_url("https://e.com/s")
                .cancel_url("https://e.com/c"),
        )
        .await
        .unwrap();
    assert_eq!(out.checkout_url, "https://checkout.stripe.com/c/pay/cs_2");
    let r = &server.requests()[0];
    assert_request(r, "POST", "/billing/resolver/checkout");
    assert_eq!(
        r.json(),
        json!({"organization_id": ORG, "success_url": "https://e.com/s", "cancel_url": "https://e.com/c"})
    );
}

#[tokio::test]
async fn get_balance_decodes_exact_decimals() {
    let server = Server::always(|| {
        Reply::json(
            200,
            json!({"balance": "150.10", "currency": "USD", "total_spent": "0.20", "active_campaigns": 3}),
        )
    })
    .await;
    let out = client(&server).get_balance(ORG).await.unwrap();
    assert_eq!(
        out.balance + out.total_spent,
        "150.30".parse().unwrap(),
        "exact, not f64"
    );
    assert_eq!(out.currency, "USD");
    assert_eq!(out.active_campaigns, 3);
    assert_request(&server.requests()[0], "GET", &format!("/billing/balance/{ORG}"));
}

#[tokio::test]
async fn get_resolver_subscription() {
    let server = Server::always(|| {
        Reply::json(
            200,
            json!({"tier": "FREE", "status": "ACTIVE", "estimated_monthly_bill": null,
                   "limits": {"max_gtins": 10, "max_lots": 100, "max_serials": 1000, "max_epcis_events": 10000},
                   "usage": {"active_gtins": 1, "active_lots": 2, "active_serials": 3, "active_epcis_events": 4}}),
        )
    })
    .await;
    let out = client(&server).get_resolver_subscription(ORG).await.unwrap();
    assert_eq!(out.tier, types::ResolverTier::Free);
    assert_eq!(out.status, types::ResolverStatus::Active);
    assert_eq!(out.usage.active_epcis_events, 4);
    assert_eq!(out.estimated_monthly_bill, None);
    assert_eq!(out.limits.unwrap()["max_serials"], 1000);
    assert_request(&server.requests()[0], "GET", &format!("/billing/resolver/{ORG}"));
}

/// On a paid tier the estimate is an object whose members Closient does not
/// publish: the summary decodes, and every member (nested ones too) arrives as
/// sent. It used to be typed as a decimal string, and such a summary did not
/// decode at all.
#[tokio::test]
async fn a_paid_tier_summary_keeps_every_member_of_the_estimate() {
    let bill = json!({"total": "49.00", "currency": "USD", "platform_fee": 4900,
                      "lines": [{"dimension": "active_gtins", "quantity": 1, "amount": "0.10"}],
                      "period_end": "2026-02-01T00:00:00Z", "discount": null});
    for tier in ["BUSINESS", "EARLY_ADOPTER"] {
        let body = json!({"tier": tier, "status": "GRACE", "limits": null, "estimated_monthly_bill": bill,
                          "usage": {"active_gtins": 1, "active_lots": 2, "active_serials": 3, "active_epcis_events": 4}});
        let server = Server::always(move || Reply::json(200, body.clone())).await;
        let out = client(&server).get_resolver_subscription(ORG).await.unwrap();
        assert_eq!(out.tier.as_str(), tier);
        assert!(out.tier.is_known());
        assert_eq!(out.status, types::ResolverStatus::Grace);
        assert!(out.limits.is_none());
        let estimate = out.estimated_monthly_bill.clone().expect("an estimate on a paid tier");
        assert_eq!(serde_json::Value::Object(estimate), bill, "{tier}: every member kept");
        // Sent back whole, too (a value read, changed and passed on).
        assert_eq!(serde_json::to_value(&out).unwrap()["estimated_monthly_bill"], bill);
    }
}

/// The fake answers a paid tier's summary with an object too, on BUSINESS
/// (after a resolver checkout) and on EARLY_ADOPTER (assigned by hand).
#[tokio::test]
async fn the_fake_answers_a_paid_tier_with_an_estimate_object() {
    use billing_clients::testing::{FakeClosient, Role};
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let c = fake.client(&fake.add_key(&org, Role::Billing));
    let free = c.get_resolver_subscription(&org).await.unwrap();
    assert_eq!(
        (free.tier, free.estimated_monthly_bill),
        (types::ResolverTier::Free, None)
    );
    assert!(free.limits.is_some_and(|l| l.contains_key("max_gtins")));

    let checkout = c
        .create_resolver_checkout(
            types::ResolverCheckoutIn::builder()
                .organization_id(org.as_str())
                .success_url("https://example.com/ok")
                .cancel_url("https://example.com/no"),
        )
        .await
        .unwrap();
    assert!(fake.complete_checkout(&checkout.checkout_url));
    let business = c.get_resolver_subscription(&org).await.unwrap();
    assert_eq!(business.tier, types::ResolverTier::Business);
    assert_eq!(business.limits, None);
    let estimate = business.estimated_monthly_bill.expect("an estimate on BUSINESS");
    assert_eq!(estimate["total"], "0.00");
    assert_eq!(estimate["currency"], "USD");

    assert!(fake.set_tier(&org, types::ResolverTier::EarlyAdopter));
    assert!(!fake.set_tier("2aBcDeFgHiJkLmNoPqRsTu", types::ResolverTier::EarlyAdopter));
    let early = c.get_resolver_subscription(&org).await.unwrap();
    assert_eq!(early.tier, types::ResolverTier::EarlyAdopter);
    assert_eq!(early.estimated_monthly_bill, Some(estimate));
    // As sent on the wire: an object, and `limits` an explicit null.
    let r = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.is("get_resolver_subscription"))
        .unwrap();
    assert!(r.response["estimated_monthly_bill"].is_object());
    assert!(r.response["limits"].is_null());
}

#[tokio::test]
async fn create_portal_session() {
    let server =
        Server::always(|| Reply::json(200, json!({"portal_url": "https://billing.stripe.com/p/session/x"}))).await;
    let out = client(&server)
        .create_portal_session(
            ORG,
            types::PortalIn::builder().return_url("https://example.com/account"),
        )
        .await
        .unwrap();
    assert_eq!(out.portal_url, "https://billing.stripe.com/p/session/x");
    let r = &server.requests()[0];
    assert_request(r, "POST", &format!("/billing/resolver/{ORG}/portal"));
    assert_eq!(r.json(), json!({"return_url": "https://example.com/account"}));
}

#[tokio::test]
async fn error_bodies_in_both_documented_shapes() {
    let wrapped = Server::always(|| {
        Reply::json(
            422,
            json!({"error": {"code": "VALIDATION_ERROR", "message": "invalid", "status": 422,
                             "details": [{"field": "success_url", "message": "must be absolute"}]}}),
        )
    })
    .await;
    let e = client(&wrapped).get_balance(ORG).await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(
        (api.status, api.code.as_deref(), api.message.as_str()),
        (Some(422), Some("VALIDATION_ERROR"), "invalid")
    );
    assert_eq!(api.details[0].field.as_deref(), Some("success_url"));

    let problem = Server::always(|| Reply::Raw {
        status: 403,
        headers: vec![("content-type", "application/problem+json".into()), ("x-request-id", "rid-9".into())],
        body: br#"{"type":"https://docs.closient.com/errors/forbidden","title":"Forbidden","status":403,"detail":"needs the BILLING role","error_code":"FORBIDDEN","retryable":false}"#.to_vec(),
    })
    .await;
    let e = client(&problem).get_balance(ORG).await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(
        (api.status, api.code.as_deref(), api.message.as_str()),
        (Some(403), Some("FORBIDDEN"), "needs the BILLING role")
    );
    assert_eq!(api.retryable, Some(false));
    assert_eq!(api.request_id.as_deref(), Some("rid-9"));
    assert_eq!(api.kind.as_deref(), Some("https://docs.closient.com/errors/forbidden"));
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let server = Server::always(|| Reply::json(200, json!({"checkout_url": "x"}))).await;
    let c = client(&server);
    let e = c
        .create_checkout(
            types::AdBalanceCheckoutIn::builder()
                .organization_id(ORG)
                .amount_cents(499)
                .success_url("s")
                .cancel_url("c"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.invalid_input().unwrap().field, "amount_cents");
    assert!(e.to_string().contains("at least 500"), "{e}");
    let e = c.get_balance("not-a-shortuuid").await.unwrap_err();
    assert_eq!(e.invalid_input().unwrap().field, "organization_id");
    assert_eq!(server.count(), 0);
}

/// Money as exact decimals whether it comes as a string or a number; enums open:
/// a tier or status the spec does not list is kept, not an error.
#[test]
fn money_from_strings_or_numbers_and_open_enums() {
    let balance: types::BalanceOut = serde_json::from_value(json!({
        "balance": 150.10, "currency": "USD", "total_spent": "0.30", "active_campaigns": 0
    }))
    .unwrap();
    // A number is read from its shortest decimal text, with no binary float residue.
    assert_eq!(
        (balance.balance.to_string(), balance.total_spent.to_string()),
        ("150.1".into(), "0.30".into())
    );
    let tier: types::ResolverTier = serde_json::from_value(json!("ENTERPRISE")).unwrap();
    assert_eq!(tier, types::ResolverTier::Other("ENTERPRISE".into()));
    assert!(!tier.is_known() && types::ResolverTier::Business.is_known());
    assert_eq!(serde_json::to_value(&tier).unwrap(), json!("ENTERPRISE"));
    assert_eq!(types::ResolverStatus::from("GRACE"), types::ResolverStatus::Grace);
}
