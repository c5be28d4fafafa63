//! Against a misbehaving loopback server: redirects never followed (nor an answer from another URL
//! read), retries turned off, set per call or stopped by the provider, the call deadline, and hostile
//! bodies as typed errors with bounded excerpts.

mod support;

use billing_clients::funnelfox::Client;
use billing_clients::{Error, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};
use support::faults::{Kind, call, client, redirect, storm, success};
use support::{Reply, Server};

/// Redirects of every kind, to every place, for a charge and a safe operation
/// that both send the key: never followed, never re-sent, and the other origin
/// gets nothing, so the key never reaches it.
#[tokio::test]
async fn redirects_are_never_followed() {
    use billing_clients::runtime::spec::RetryClass;
    use support::operations::{clients, operations};
    let with_key = |class| {
        operations()
            .find(|(_, op)| op.requires_auth && op.retry == class)
            .expect("an operation that sends the key")
    };
    for (spec, op) in [with_key(RetryClass::Charge), with_key(RetryClass::Safe)] {
        for status in [301, 302, 303, 307, 308] {
            for target in ["same origin", "other origin", "self"] {
                let other = Server::always(success).await;
                let other_url = other.url.clone();
                let server = Server::start(move |_, r| {
                    let location = match target {
                        "same origin" => "/elsewhere".to_string(),
                        "other origin" => format!("{other_url}/elsewhere"),
                        _ => r.path.clone(),
                    };
                    redirect(status, &location)
                })
                .await;
                let c = clients(
                    &server.url,
                    RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(2)),
                );
                let e = c.call_valid(spec, op).await.unwrap_err();
                let at = format!("{} {status} {target}", op.id);
                assert!(e.is_redirect(), "{at}: {e:?}");
                assert_eq!((e.status(), e.attempts()), (Some(status), 1), "{at}");
                // A POST may have been processed before the redirect; a GET changes nothing.
                assert_eq!(e.may_have_been_processed(), op.method != "GET", "{at}");
                assert_eq!((server.count(), other.count()), (1, 0), "{at}");
                let Error::Redirect(r) = &e else { unreachable!() };
                assert!(r.location.is_some() && !r.followed, "{at}");
            }
        }
    }
}

/// A caller's `reqwest::Client` that follows redirects: the answer from another
/// URL is refused unread, so a charge turned into a GET never reads as paid.
#[tokio::test]
async fn an_answer_from_another_url_is_refused() {
    let other = Server::always(success).await;
    let other_url = other.url.clone();
    let server = Server::start(move |_, _| redirect(302, &format!("{other_url}/paid"))).await;
    let follows = billing_clients::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .unwrap();
    let c = Client::builder("org")
        .base_url(format!("{}/{{org_id}}", server.url))
        .http_client(follows)
        .build()
        .unwrap();
    let result = call(&c, Kind::Charge).await;
    let e = result.unwrap_err();
    let Error::Redirect(r) = &e else { panic!("{e:?}") };
    assert!(r.followed && r.location.as_deref().unwrap().ends_with("/paid"), "{r:?}");
    assert_eq!(
        (server.count(), other.count()),
        (1, 1),
        "the client followed it; the answer was not used"
    );
    assert_eq!(other.requests()[0].method, "GET");
}

#[tokio::test]
async fn retries_can_be_turned_off_and_set_per_call() {
    let server = Server::always(|| storm(500, None)).await;
    let c = client(&server.url);
    let _ = call(&c.with_options(|o| o.retry = RetryPolicy::none()), Kind::Safe).await;
    assert_eq!(server.count(), 1);
    let _ = call(&c, Kind::Safe).await;
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn the_call_deadline_bounds_everything() {
    let server = Server::always(|| Reply::Stall).await;
    let c = client(&server.url).with_options(|o| o.call_timeout = Duration::from_millis(200));
    let started = Instant::now();
    let e = call(&c, Kind::Safe).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn hostile_bodies_are_typed_errors_with_bounded_excerpts() {
    let huge = format!(
        "{{\"status\":\"success\",\"data\":{{\"client_token\":\"{}\"}}}}",
        "x".repeat(2_000_000)
    );
    let cases: Vec<(&str, Reply)> = vec![
        (
            "truncated JSON",
            Reply::text(
                200,
                "application/json",
                "{\"status\":\"success\",\"data\":{\"client_tok",
            ),
        ),
        (
            "wrong field types",
            Reply::json(
                200,
                json!({"status": "success", "data": {"client_token": 42, "order_id": "x"}}),
            ),
        ),
        (
            "missing required fields",
            Reply::json(
                200,
                json!({"status": "success", "data": {"order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f"}}),
            ),
        ),
        (
            "HTML under 200",
            Reply::text(200, "text/html", "<html>maintenance</html>"),
        ),
        (
            "unknown envelope status",
            Reply::json(200, json!({"status": "pending", "req_id": "r"})),
        ),
        ("far too large", Reply::text(200, "application/json", &huge)),
    ];
    for (name, reply) in cases {
        let reply = std::sync::Mutex::new(Some(reply));
        let server = Server::start(move |_, _| reply.lock().unwrap().take().unwrap_or(Reply::Reset)).await;
        let e = call(&client(&server.url), Kind::Safe).await.unwrap_err();
        let Error::Decode(d) = &e else { panic!("{name}: {e:?}") };
        assert!(d.excerpt.len() <= billing_clients::DecodeError::EXCERPT, "{name}");
        assert!(!d.reason.is_empty(), "{name}");
        assert!(e.to_string().len() < 2_000, "{name}: display is bounded");
        assert_eq!(server.count(), 1, "{name}: a bad body is not retried");
    }
}

/// Closient's problem details saying `retryable: false` end the retries of even
/// a safe operation.
#[tokio::test]
async fn retryable_false_stops_retries() {
    let server = Server::always(|| Reply::Raw {
        status: 503,
        headers: vec![("content-type", "application/problem+json".into())],
        body: br#"{"type":"about:blank","title":"Unavailable","status":503,"detail":"down","error_code":"MAINTENANCE","retryable":false}"#.to_vec(),
    })
    .await;
    let key = billing_clients::closient::api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345");
    let c = billing_clients::closient::Client::builder(key)
        .base_url(&server.url)
        .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(2)))
        .build()
        .unwrap();
    let e = c.get_balance("2aBcDeFgHiJkLmNoPqRsTu").await.unwrap_err();
    assert_eq!((e.code(), e.attempts(), server.count()), (Some("MAINTENANCE"), 1, 1));
}
