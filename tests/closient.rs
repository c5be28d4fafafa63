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
            json!({"tier": "BUSINESS", "status": "GRACE", "limits": null, "estimated_monthly_bill": "49.00",
                   "usage": {"active_gtins": 1, "active_lots": 2, "active_serials": 3, "active_epcis_events": 4}}),
        )
    })
    .await;
    let out = client(&server).get_resolver_subscription(ORG).await.unwrap();
    assert_eq!(out.tier, types::ResolverTier::Business);
    assert_eq!(out.status, types::ResolverStatus::Grace);
    assert_eq!(out.usage.active_epcis_events, 4);
    assert_eq!(out.estimated_monthly_bill, Some("49.00".parse().unwrap()));
    assert!(out.limits.is_none());
    assert_request(&server.requests()[0], "GET", &format!("/billing/resolver/{ORG}"));
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
