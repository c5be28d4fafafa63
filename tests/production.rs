//! Running it in production: a retry budget shared by a client's calls, and
//! options for one call without another client.

mod support;

use billing_clients::funnelfox::{Client, types};
use billing_clients::{RetryBudget, RetryPolicy};
use serde_json::json;
use std::time::Duration;
use support::{Reply, Server};

fn client(url: &str) -> Client {
    Client::builder("org")
        .base_url(format!("{url}/{{org_id}}"))
        .secret_key("ff_test_key")
        .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(3)))
        .build()
        .unwrap()
}

fn session() -> types::builder::CheckoutClientSessionIn {
    types::CheckoutClientSessionIn::builder()
        .region("default")
        .integration_type(types::IntegrationEnum::Stripe)
        .pp_ident("pro")
        .external_id("u1")
        .email_address("a@example.com")
}

fn unavailable() -> Reply {
    Reply::json(
        503,
        json!({"status": "error", "error": [{"msg": "down", "code": "unavailable"}], "req_id": "r"}),
    )
}

/// 200 concurrent safe calls of one client against a server answering 503 to
/// everything.
async fn storm(c: Client) -> Vec<billing_clients::Error> {
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let c = c.clone();
        calls.spawn(async move { c.create_client_session(session()).await.map(drop) });
    }
    let mut errors = Vec::new();
    while let Some(r) = calls.join_next().await {
        errors.extend(r.unwrap().err());
    }
    errors
}

#[tokio::test]
async fn the_retry_budget_keeps_an_outage_from_multiplying() {
    let server = Server::always(unavailable).await;
    let errors = storm(client(&server.url)).await;
    let sent = server.count();
    // 20 % of the 200 requests, plus the minimum of 10.
    assert!(sent <= 250, "{sent} requests for 200 calls");
    assert!(sent > 200, "some retries were still allowed: {sent}");
    assert_eq!(errors.len(), 200);
    let refused = errors.iter().filter(|e| e.is_retry_budget_exhausted()).count();
    assert!(refused > 100, "{refused} calls were refused a retry");
    println!("budget: 200 calls, {sent} requests, {refused} retries refused");

    // Without the budget, every call retries to its cap.
    let unbounded = Server::always(unavailable).await;
    let c = Client::builder("org")
        .base_url(format!("{}/{{org_id}}", unbounded.url))
        .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(3)))
        .retry_budget(RetryBudget::unlimited())
        .build()
        .unwrap();
    storm(c).await;
    assert_eq!(unbounded.count(), 600);
}

#[tokio::test]
async fn a_healthy_server_sees_no_difference() {
    let server = Server::always(|| {
        Reply::json(200, json!({"status": "success", "data": {"client_token": "t", "order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f"}}))
    })
    .await;
    assert!(storm(client(&server.url)).await.is_empty());
    assert_eq!(server.count(), 200);
}

#[tokio::test]
async fn one_budget_can_be_shared_by_clients() {
    let server = Server::always(unavailable).await;
    let shared = RetryBudget::new(0.0, 3, Duration::from_secs(60));
    let make = || {
        Client::builder("org")
            .base_url(format!("{}/{{org_id}}", server.url))
            .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(2)))
            .retry_budget(shared.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (make(), make());
    for c in [&a, &b, &a, &b] {
        let _ = c.create_client_session(session()).await;
    }
    assert_eq!(server.count(), 4 + 3, "three retries in all, shared");
}

#[tokio::test]
async fn options_for_one_call() {
    let server = Server::always(unavailable).await;
    let c = client(&server.url);
    // An extra header; never the key's.
    let _ = c
        .create_client_session(session())
        .header("x-correlation-id", "corr-7")
        .retry(RetryPolicy::none())
        .await;
    assert_eq!(server.count(), 1, "no retry for this call");
    assert_eq!(server.requests()[0].header("x-correlation-id"), Some("corr-7"));
    for name in ["ff-secret-key", "FF-Secret-Key", "content-type", "host"] {
        let e = c.create_client_session(session()).header(name, "x").await.unwrap_err();
        assert_eq!(e.invalid_input().map(|i| i.field.as_str()), Some(name), "{e}");
    }
    assert_eq!(server.count(), 1, "refused headers send nothing");
    // The client's own options are untouched.
    let _ = c.create_client_session(session()).await;
    assert_eq!(server.count(), 4);

    // A per-call timeout.
    let stall = Server::always(|| Reply::Stall).await;
    let started = std::time::Instant::now();
    let e = client(&stall.url)
        .create_client_session(session())
        .timeout(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(e.is_timeout() && started.elapsed() < Duration::from_secs(2), "{e}");
}

#[tokio::test]
async fn validation_can_be_switched_off_for_a_call() {
    let key = billing_clients::closient::api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345");
    let server = Server::always(|| Reply::json(200, json!({"checkout_url": "https://checkout.stripe.com/x"}))).await;
    let c = billing_clients::closient::Client::builder(key)
        .base_url(&server.url)
        .build()
        .unwrap();
    let body = || {
        billing_clients::closient::types::AdBalanceCheckoutIn::builder()
            .organization_id("2aBcDeFgHiJkLmNoPqRsTu")
            .amount_cents(100)
            .success_url("https://e.com/s")
            .cancel_url("https://e.com/c")
    };
    let e = c.create_checkout(body()).await.unwrap_err();
    let bad = e.invalid_input().unwrap();
    assert_eq!(
        (bad.operation, bad.field.as_str()),
        (Some("create_checkout"), "amount_cents")
    );
    assert!(
        e.to_string().contains("create_checkout") && e.to_string().contains("minimum"),
        "{e}"
    );
    assert_eq!(server.count(), 0);
    c.create_checkout(body()).unvalidated().await.unwrap();
    assert_eq!(server.requests()[0].json()["amount_cents"], 100, "sent as given");
}

/// The escape hatch for a path the spec does not describe yet: same transport,
/// never re-sent unless declared safe, the key only when asked.
#[tokio::test]
async fn a_raw_call_to_an_undocumented_path() {
    use billing_clients::runtime::raw::Method;
    let ok = Server::always(|| {
        Reply::json(
            200,
            json!({"status": "success", "data": {"tax_amount": 120}, "req_id": "r"}),
        )
    })
    .await;
    let c = client(&ok.url);
    let tax = c
        .raw(Method::Post, "/checkout/recalculate_tax")
        .json(json!({"order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f", "country_code": "DE"}))
        .await
        .unwrap();
    assert_eq!(tax, json!({"tax_amount": 120}));
    let r = &ok.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/org/checkout/recalculate_tax")
    );
    assert_eq!(r.header("ff-secret-key"), None, "no key unless asked");
    c.raw(Method::Post, "checkout/x").with_key().await.unwrap();
    assert_eq!(ok.requests()[1].header("ff-secret-key"), Some("ff_test_key"));

    let down = Server::always(unavailable).await;
    let c = client(&down.url);
    let e = c.raw(Method::Post, "/checkout/x").await.unwrap_err();
    assert_eq!(
        (e.status(), e.code(), down.count()),
        (Some(503), Some("unavailable"), 1),
        "never re-sent"
    );
    let _ = c.raw(Method::Get, "/checkout/methods?country=DE").safe().await;
    assert_eq!(down.count(), 4, "a declared-safe read is retried");
    assert_eq!(down.requests()[1].path, "/org/checkout/methods?country=DE");
}

/// An answer that does not fit says where.
#[tokio::test]
async fn an_undecodable_answer_names_the_json_path() {
    let server = Server::always(|| {
        Reply::json(
            200,
            json!({"status": "success", "data": {"client_token": "t", "order_id": "not-a-uuid"}}),
        )
    })
    .await;
    let e = client(&server.url).create_client_session(session()).await.unwrap_err();
    assert!(e.is_decode() && e.to_string().contains("`order_id`"), "{e}");
}

/// Retry class and key are per-call data, defaulting from the spec: a typed
/// call can declare itself safe (re-sent after a 503) or withhold the key, and
/// a raw call's `.safe()` and `.with_key()` are those same options; every
/// method the spec can declare is sent as itself.
#[tokio::test]
async fn retry_class_and_key_are_per_call_options() {
    use billing_clients::runtime::raw::Method;
    use billing_clients::runtime::spec::RetryClass;
    let down = Server::always(unavailable).await;
    let c = client(&down.url);
    let charge = || c.one_click(types::OneClick::builder().external_id("user-42").pp_ident("pro"));
    charge().await.unwrap_err();
    assert_eq!(down.count(), 1, "a charge is never re-sent after a 503");
    charge()
        .options(|o| o.retry_class = Some(RetryClass::Safe))
        .await
        .unwrap_err();
    assert_eq!(down.count(), 4, "declared safe for this call: retried");

    let ok = Server::always(|| Reply::json(200, json!({"status": "success", "data": {}, "req_id": "r"}))).await;
    let c = client(&ok.url);
    let refund = || {
        c.payment_refund(
            types::RefundIn::builder()
                .external_id("user-42")
                .order_id(uuid::Uuid::nil()),
        )
    };
    refund().await.unwrap();
    assert_eq!(ok.requests()[0].header("ff-secret-key"), Some("ff_test_key"));
    refund().options(|o| o.send_key = Some(false)).await.unwrap();
    assert_eq!(ok.requests()[1].header("ff-secret-key"), None, "withheld for this call");
    for (method, wire) in [
        (Method::Put, "PUT"),
        (Method::Delete, "DELETE"),
        (Method::Options, "OPTIONS"),
    ] {
        c.raw(method, "/checkout/x").await.unwrap();
        assert_eq!(ok.requests().last().unwrap().method, wire, "never silently a POST");
    }
}

/// A hook runs around every attempt, retries included: its headers are sent
/// (never in place of the client's own or the key's), and it sees each
/// attempt's number and outcome, never the key.
#[tokio::test]
async fn hooks_run_around_every_attempt() {
    use billing_clients::runtime::hooks::{Attempt, Hook};
    use std::sync::{Arc, Mutex};
    struct Audit(Arc<Mutex<Vec<String>>>);
    impl Hook for Audit {
        fn before_attempt(&self, a: &Attempt<'_>, headers: &mut reqwest::header::HeaderMap) {
            assert!(
                headers.is_empty(),
                "a hook starts from no headers: it never sees the key"
            );
            headers.insert("x-tenant", "shop-7".parse().unwrap());
            headers.insert("ff-secret-key", "forged".parse().unwrap());
            headers.insert("user-agent", "other".parse().unwrap());
            self.0
                .lock()
                .unwrap()
                .push(format!("before {} #{}", a.operation, a.number));
        }
        fn after_attempt(&self, a: &Attempt<'_>, outcome: Result<u16, &billing_clients::Error>, _: Duration) {
            let outcome = match outcome {
                Ok(status) => status.to_string(),
                Err(e) => format!("error {:?}", e.status()),
            };
            self.0
                .lock()
                .unwrap()
                .push(format!("after {} #{}: {outcome}", a.operation, a.number));
        }
    }
    let server = Server::start(|n, _| match n {
        0 => unavailable(),
        _ => Reply::json(200, json!({"status": "success", "data": {}, "req_id": "r"})),
    })
    .await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let c = Client::builder("org")
        .base_url(format!("{}/{{org_id}}", server.url))
        .secret_key("ff_test_key")
        .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(3)))
        .hook(Audit(log.clone()))
        .build()
        .unwrap();
    c.payment_refund(
        types::RefundIn::builder()
            .external_id("user-42")
            .order_id(uuid::Uuid::nil()),
    )
    .options(|o| o.retry_class = Some(billing_clients::RetryClass::Safe))
    .await
    .unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "before payment_refund #1",
            "after payment_refund #1: error Some(503)",
            "before payment_refund #2",
            "after payment_refund #2: 200",
        ]
    );
    for r in server.requests() {
        assert_eq!(r.header("x-tenant"), Some("shop-7"));
        assert_eq!(
            r.header("ff-secret-key"),
            Some("ff_test_key"),
            "the key is the client's"
        );
        assert!(r.header("user-agent").unwrap().starts_with("billing-clients/"));
    }
}
