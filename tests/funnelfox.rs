//! Every FunnelFox operation over real HTTP on loopback: the request it sends and
//! how it decodes success and error responses.

mod support;

use billing_clients::funnelfox::{Client, types};
use serde_json::json;
use support::{Reply, Server};

const ORDER: &str = "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f";
const SECRET: &str = "ff_secret_CANARY_0123456789";

/// A client whose base URL is the server, but whose org id is rendered into the
/// path the way the real template does: `{server}/{org_id}/v1`.
fn client(server: &Server) -> Client {
    Client::builder("org_123")
        .base_url(format!("{}/{{org_id}}/v1", server.url))
        .secret_key(SECRET)
        .build()
        .unwrap()
}

fn envelope(data: serde_json::Value) -> Reply {
    Reply::json(
        200,
        json!({"status": "success", "data": data, "error": [], "req_id": "req-1"}),
    )
}

fn assert_checkout_request(r: &support::Recorded, path: &str) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/org_123/v1/checkout/{path}"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("ff-secret-key"),
        None,
        "checkout operations declare security: []"
    );
    assert_eq!(r.header("api-version"), None, "neither API defines api-version");
    assert!(r.header("user-agent").unwrap().starts_with("billing-clients/"));
}

#[test]
fn renders_the_server_template_with_the_org_id_escaped() {
    assert_eq!(
        Client::new("org_123").unwrap().base_url(),
        "https://billing.funnelfox.com/org_123/v1"
    );
    assert_eq!(
        Client::new("a/b?c").unwrap().base_url(),
        "https://billing.funnelfox.com/a%2Fb%3Fc/v1"
    );
    for bad in ["", " ", "a b", "..", &"x".repeat(129)] {
        let e = Client::new(bad).unwrap_err();
        assert_eq!(e.invalid_input().unwrap().field, "org_id", "{bad:?}");
    }
}

#[tokio::test]
async fn create_simple_client_session() {
    let server = Server::always(|| envelope(json!({"client_token": "tok_simple"}))).await;
    let out = client(&server)
        .create_simple_client_session(
            types::CheckoutSimpleClientSessionIn::builder()
                .region("default")
                .integration_type(types::IntegrationEnum::Stripe),
        )
        .await
        .unwrap();
    assert_eq!(out.client_token, "tok_simple");
    let r = &server.requests()[0];
    assert_checkout_request(r, "create_simple_client_session");
    assert_eq!(r.json(), json!({"region": "default", "integration_type": "stripe"}));
}

#[tokio::test]
async fn create_client_session() {
    let server = Server::always(|| envelope(json!({"client_token": "tok", "order_id": ORDER}))).await;
    let out = client(&server)
        .create_client_session(
            types::CheckoutClientSessionIn::builder()
                .region("default")
                .integration_type(types::IntegrationEnum::Primer)
                .pp_ident("pro_monthly")
                .external_id("user-42")
                .email_address("jane@example.com")
                .client_metadata(serde_json::Map::from_iter([("campaign".to_string(), json!("spring"))])),
        )
        .await
        .unwrap();
    assert_eq!(out.order_id.to_string(), ORDER);
    let r = &server.requests()[0];
    assert_checkout_request(r, "create_client_session");
    assert_eq!(
        r.json(),
        json!({"region": "default", "integration_type": "primer", "pp_ident": "pro_monthly",
               "external_id": "user-42", "email_address": "jane@example.com",
               "client_metadata": {"campaign": "spring"}})
    );
}

#[tokio::test]
async fn update_client_session_accepts_an_empty_data_object() {
    let server = Server::always(|| Reply::json(200, json!({"status": "success", "data": {}, "req_id": "r"}))).await;
    client(&server)
        .update_client_session(
            types::CheckoutUpdateClientSessionIn::builder()
                .client_token("tok")
                .order_id(ORDER.parse::<uuid::Uuid>().unwrap())
                .pp_ident("pro_yearly"),
        )
        .await
        .unwrap();
    let r = &server.requests()[0];
    assert_checkout_request(r, "update_client_session");
    assert_eq!(
        r.json(),
        json!({"client_token": "tok", "order_id": ORDER, "pp_ident": "pro_yearly"})
    );
}

#[tokio::test]
async fn one_click_decodes_the_payment_result() {
    let server = Server::always(|| {
        envelope(json!({"action_required_token": "", "checkout_status": "succeeded", "failed_message_for_user": "", "order_id": ORDER}))
    })
    .await;
    let out = client(&server)
        .one_click(
            types::OneClick::builder()
                .external_id("user-42")
                .pp_ident("pro_monthly"),
        )
        .await
        .unwrap();
    assert_eq!(
        out.checkout_status,
        billing_clients::funnelfox::CheckoutPaymentStatus::Succeeded
    );
    let r = &server.requests()[0];
    assert_checkout_request(r, "one_click");
    assert_eq!(r.json(), json!({"external_id": "user-42", "pp_ident": "pro_monthly"}));
}

#[tokio::test]
async fn create_payment_then_resume_payment() {
    let server = Server::start(|i, _| match i {
        0 => envelope(json!({"action_required_token": "act_3ds", "checkout_status": "processing", "order_id": ORDER})),
        _ => envelope(json!({"checkout_status": "succeeded", "order_id": ORDER})),
    })
    .await;
    let c = client(&server);
    let order: uuid::Uuid = ORDER.parse().unwrap();
    let out = c
        .create_payment(
            types::CheckoutCreatePaymentIn::builder()
                .order_id(order)
                .payment_method_token("pm_tok"),
        )
        .await
        .unwrap();
    assert_eq!(out.action_required_token.as_deref(), Some("act_3ds"));
    let out = c
        .resume_payment(
            types::CheckoutResumePaymentIn::builder()
                .order_id(order)
                .resume_token("act_3ds"),
        )
        .await
        .unwrap();
    assert_eq!(
        out.checkout_status,
        billing_clients::funnelfox::CheckoutPaymentStatus::Succeeded
    );
    assert_eq!(
        out.action_required_token, None,
        "absent on success: the tolerant reading"
    );
    let requests = server.requests();
    assert_checkout_request(&requests[0], "create_payment");
    assert_eq!(
        requests[0].json(),
        json!({"order_id": ORDER, "payment_method_token": "pm_tok"})
    );
    assert_checkout_request(&requests[1], "resume_payment");
    assert_eq!(
        requests[1].json(),
        json!({"order_id": ORDER, "resume_token": "act_3ds"})
    );
}

#[tokio::test]
async fn a_new_checkout_status_is_kept_not_an_error() {
    let server = Server::always(|| envelope(json!({"checkout_status": "refunded", "order_id": ORDER}))).await;
    let out = client(&server)
        .one_click(types::OneClick::builder().external_id("u").pp_ident("pro"))
        .await
        .unwrap();
    assert_eq!(
        out.checkout_status,
        billing_clients::funnelfox::CheckoutPaymentStatus::Other("refunded".into())
    );
}

#[tokio::test]
async fn bare_documented_shape_is_accepted() {
    let server = Server::always(|| Reply::json(200, json!({"client_token": "bare"}))).await;
    let out = client(&server)
        .create_simple_client_session(
            types::CheckoutSimpleClientSessionIn::builder()
                .region("eu")
                .integration_type(types::IntegrationEnum::Fakeintegration),
        )
        .await
        .unwrap();
    assert_eq!(out.client_token, "bare");
}

fn double_purchase(status: u16) -> Reply {
    Reply::json(
        status,
        json!({"status": "error", "data": null, "req_id": "req-dp",
               "error": [{"msg": "user has not finished subscription", "code": "double_purchase", "type": "api_exception"}]}),
    )
}

#[tokio::test]
async fn error_envelope_is_an_api_error_under_200_and_under_4xx() {
    for status in [200, 400] {
        let server = Server::always(move || double_purchase(status)).await;
        let e = client(&server)
            .one_click(types::OneClick::builder().external_id("u").pp_ident("pro"))
            .await
            .unwrap_err();
        let api = e.api().unwrap_or_else(|| panic!("HTTP {status}: {e:?}"));
        assert_eq!(api.status, Some(status));
        assert_eq!(api.code.as_deref(), Some("double_purchase"));
        assert_eq!(api.message, "user has not finished subscription");
        assert_eq!(api.kind.as_deref(), Some("api_exception"));
        assert_eq!(api.request_id.as_deref(), Some("req-dp"));
        assert_eq!(e.request_id(), Some("req-dp"));
        assert_eq!(server.count(), 1, "an API error is never retried");
    }
}

#[tokio::test]
async fn invalid_input_sends_nothing_and_names_field_and_rule() {
    let server = Server::always(|| envelope(json!({"client_token": "t"}))).await;
    let c = client(&server);
    let e = c
        .create_simple_client_session(
            types::CheckoutSimpleClientSessionIn::builder()
                .region("EU!")
                .integration_type(types::IntegrationEnum::Stripe),
        )
        .await
        .unwrap_err();
    let bad = e.invalid_input().unwrap();
    assert_eq!(bad.field, "region");
    assert!(
        matches!(
            bad.violation,
            billing_clients::Violation::Rule(billing_clients::runtime::spec::Rule::Pattern(p)) if p.as_str() == "^[a-z]{1,20}$"
        ),
        "{:?}",
        bad.violation
    );
    let e = c
        .one_click(types::OneClick::builder().pp_ident("pro"))
        .await
        .unwrap_err();
    assert_eq!(e.invalid_input().unwrap().field, "external_id");
    assert_eq!(
        e.invalid_input().unwrap().violation,
        billing_clients::Violation::Required
    );
    // A builder's refusal is data: the rule of a constrained string, and for
    // a value of another crate (a uuid) the format the spec declares.
    let cancel = || types::CancelIn::builder().external_id("user-1");
    let e = c
        .payment_cancel(cancel().order_id(uuid::Uuid::nil()).reason("x".repeat(257)))
        .await
        .unwrap_err();
    let bad = e.invalid_input().unwrap();
    assert_eq!(bad.field, "reason");
    assert_eq!(
        bad.violation,
        billing_clients::Violation::Rule(billing_clients::runtime::spec::Rule::MaxLength(256))
    );
    let e = c.payment_cancel(cancel().order_id("not-a-uuid")).await.unwrap_err();
    let bad = e.invalid_input().unwrap();
    assert_eq!(bad.field, "order_id");
    assert_eq!(
        bad.violation,
        billing_clients::Violation::Rule(billing_clients::runtime::spec::Rule::Format("uuid"))
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn a_base_url_override_is_a_template_that_must_use_the_org_id() {
    let c = Client::builder("org_9")
        .base_url("https://proxy.example.com/ff/{org_id}/v1/")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "https://proxy.example.com/ff/org_9/v1");
    let e = Client::builder("org_9")
        .base_url("https://proxy.example.com/ff/v1")
        .build()
        .unwrap_err();
    let bad = e.invalid_input().unwrap();
    assert_eq!(bad.field, "base_url");
    assert!(e.to_string().contains("{org_id}"), "{e}");
}
