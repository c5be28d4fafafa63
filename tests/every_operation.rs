//! Every operation of both specs, driven through its client method against a
//! loopback server: its retry class observed on the wire, and the provider's
//! error shapes decoded into `Error::Api`. A spec operation missing here fails.

mod support;

use billing_clients::core::spec::RetryClass;
use billing_clients::funnelfox::types as ft;
use billing_clients::{Error, RetryPolicy, closient, closient::types as ct, funnelfox};
use serde_json::json;
use std::time::Duration;
use support::{Reply, Server};

const ORG: &str = "2aBcDeFgHiJkLmNoPqRsTu";

fn clients(server: &Server) -> (funnelfox::Client, closient::Client) {
    let fast = RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(5));
    let ff = funnelfox::Client::builder("org")
        .base_url(format!("{}/{{org_id}}", server.url))
        .retry(fast.clone())
        .build()
        .unwrap();
    let key = closient::api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345");
    let cl = closient::Client::builder(key)
        .base_url(&server.url)
        .retry(fast)
        .build()
        .unwrap();
    (ff, cl)
}

/// Call operation `id` with a valid request.
async fn call(ff: &funnelfox::Client, cl: &closient::Client, id: &str) -> Result<(), Error> {
    let order: uuid::Uuid = "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f".parse().unwrap();
    match id {
        "create_simple_client_session" => ff
            .create_simple_client_session(
                ft::CheckoutSimpleClientSessionIn::builder()
                    .region("default")
                    .integration_type(ft::IntegrationEnum::Stripe),
            )
            .await
            .map(drop),
        "create_client_session" => ff
            .create_client_session(
                ft::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(ft::IntegrationEnum::Stripe)
                    .pp_ident("pro")
                    .external_id("u1")
                    .email_address("a@example.com"),
            )
            .await
            .map(drop),
        "update_client_session" => ff
            .update_client_session(
                ft::CheckoutUpdateClientSessionIn::builder()
                    .client_token("t")
                    .order_id(order)
                    .pp_ident("p"),
            )
            .await
            .map(drop),
        "one_click" => ff
            .one_click(ft::OneClick::builder().external_id("u1").pp_ident("pro"))
            .await
            .map(drop),
        "create_payment" => ff
            .create_payment(
                ft::CheckoutCreatePaymentIn::builder()
                    .order_id(order)
                    .payment_method_token("pm"),
            )
            .await
            .map(drop),
        "resume_payment" => ff
            .resume_payment(
                ft::CheckoutResumePaymentIn::builder()
                    .order_id(order)
                    .resume_token("rt"),
            )
            .await
            .map(drop),
        "create_checkout" => cl
            .create_checkout(
                ct::AdBalanceCheckoutIn::builder()
                    .organization_id(ORG)
                    .amount_cents(500)
                    .success_url("s")
                    .cancel_url("c"),
            )
            .await
            .map(drop),
        "create_resolver_checkout" => cl
            .create_resolver_checkout(
                ct::ResolverCheckoutIn::builder()
                    .organization_id(ORG)
                    .success_url("s")
                    .cancel_url("c"),
            )
            .await
            .map(drop),
        "get_balance" => cl.get_balance(ORG).await.map(drop),
        "get_resolver_subscription" => cl.get_resolver_subscription(ORG).await.map(drop),
        "create_portal_session" => cl
            .create_portal_session(ORG, ct::PortalIn::builder().return_url("r"))
            .await
            .map(drop),
        other => panic!("operation {other} is not wired into this test"),
    }
}

fn operations() -> impl Iterator<Item = (&'static str, &'static billing_clients::core::spec::Operation)> {
    let ff = funnelfox::SPEC.operations.iter().map(|op| ("funnelfox", op));
    ff.chain(closient::SPEC.operations.iter().map(|op| ("closient", op)))
}

/// Under a 500 storm a charge is sent once, anything else three times.
#[tokio::test]
async fn every_operation_follows_its_declared_retry_class() {
    let mut charges = Vec::new();
    for (_, op) in operations() {
        let server = Server::always(|| Reply::json(500, json!({}))).await;
        let (ff, cl) = clients(&server);
        assert!(call(&ff, &cl, op.id).await.is_err());
        let want = if op.retry == RetryClass::Charge { 1 } else { 3 };
        assert_eq!(server.count(), want, "{}", op.id);
        if op.retry == RetryClass::Charge {
            charges.push(op.id);
        }
    }
    assert_eq!(charges, ["create_payment", "one_click", "resume_payment"]);
}

/// FunnelFox's error envelope (under 200 and 4xx) and both Closient error shapes
/// become `Error::Api` with the provider's code, for every operation.
#[tokio::test]
async fn every_operation_decodes_the_providers_errors() {
    let envelope = |status| {
        Reply::json(
            status,
            json!({"status": "error", "data": null, "req_id": "req-7",
                   "error": [{"msg": "nope", "code": "bad_request", "type": "api_exception"}]}),
        )
    };
    let wrapped = || {
        Reply::json(
            409,
            json!({"error": {"code": "CONFLICT", "message": "nope", "status": 409}}),
        )
    };
    let problem = || Reply::Raw {
        status: 403,
        headers: vec![("content-type", "application/problem+json".into())],
        body: br#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"nope","error_code":"FORBIDDEN"}"#
            .to_vec(),
    };
    for (provider, op) in operations() {
        let replies: Vec<(Reply, u16, &str)> = match provider {
            "funnelfox" => vec![(envelope(200), 200, "bad_request"), (envelope(400), 400, "bad_request")],
            _ => vec![(wrapped(), 409, "CONFLICT"), (problem(), 403, "FORBIDDEN")],
        };
        for (reply, status, code) in replies {
            let reply = std::sync::Mutex::new(Some(reply));
            let server = Server::start(move |_, _| reply.lock().unwrap().take().unwrap_or(Reply::Reset)).await;
            let (ff, cl) = clients(&server);
            let e = call(&ff, &cl, op.id).await.unwrap_err();
            let api = e.api().unwrap_or_else(|| panic!("{}: {e:?}", op.id));
            assert_eq!(
                (api.status, api.code.as_deref(), api.message.as_str()),
                (Some(status), Some(code), "nope"),
                "{}",
                op.id
            );
            assert_eq!((api.provider, api.operation), (provider, op.id));
        }
    }
}
