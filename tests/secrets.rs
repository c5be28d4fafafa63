//! A canary secret on both clients, every error path driven, and everything that
//! could show it captured: `Debug`, `Display` and `tracing` output (all levels).
//! The canary appears nowhere, even when a hostile server echoes it back.

mod support;

use billing_clients::{RetryPolicy, closient, funnelfox};
use serde_json::json;
use std::time::Duration;
use support::{Reply, Server};

const FF_CANARY: &str = "ffsk_CANARY_5e3c1f0a9b";
const BODY: &str = "CANARYCANARYCANARYCANARYCANARY00";
const ORG: &str = "2aBcDeFgHiJkLmNoPqRsTu";

fn fast() -> RetryPolicy {
    RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(2))
}

/// A server that echoes whatever key it received into its error bodies.
async fn echoing(status: u16) -> Server {
    Server::start(move |_, r| {
        let key = r.header("x-api-key").or(r.header("ff-secret-key")).unwrap_or("none").to_string();
        match status {
            200 => Reply::json(200, json!({"status": "error", "error": [{"msg": format!("bad key {key}"), "code": key, "type": "x"}], "req_id": "r"})),
            502 => Reply::text(502, "text/html", &format!("<html>upstream saw {key}</html>")),
            s => Reply::Raw {
                status: s,
                headers: vec![("content-type", "application/json".into()), ("retry-after", "0".into())],
                body: json!({"error": {"code": "UNAUTHORIZED", "message": format!("key {key} rejected"), "status": s,
                                       "details": [{"field": "X-API-Key", "message": key}]}}).to_string().into_bytes(),
            },
        }
    })
    .await
}

#[tokio::test]
async fn the_canary_never_shows() {
    let key = closient::api_key::with_checksum("csb", BODY);
    let (guard, log) = support::capture_tracing();
    let mut shown = Vec::new();
    let ff_builder = |url: &str| {
        funnelfox::Client::builder("org")
            .base_url(format!("{url}/{{org_id}}"))
            .secret_key(FF_CANARY)
            .retry(fast())
            .attempt_timeout(Duration::from_millis(200))
    };
    let cl_builder = |url: &str| {
        closient::Client::builder(key.clone())
            .base_url(url)
            .retry(fast())
            .attempt_timeout(Duration::from_millis(200))
    };

    let mut servers = Vec::new();
    for status in [200, 401, 429, 502] {
        servers.push(echoing(status).await);
    }
    servers.push(Server::always(|| Reply::Stall).await);
    servers.push(Server::always(|| Reply::text(200, "application/json", "{\"checkout_url\": 1")).await);
    let mut urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    urls.push(support::refused_url().await);

    for url in &urls {
        let ff = ff_builder(url).build().unwrap();
        let cl = cl_builder(url).build().unwrap();
        shown.push(format!("{ff:?} {cl:?} {:?}", ff_builder(url)));
        let results = [
            ff.one_click(funnelfox::types::OneClick::builder().external_id("u").pp_ident("pro"))
                .await
                .map(drop),
            ff.one_click(
                funnelfox::types::OneClick::builder()
                    .external_id("u")
                    .pp_ident("bad ident"),
            )
            .await
            .map(drop),
            cl.get_balance(ORG).await.map(drop),
            cl.create_checkout(
                closient::types::AdBalanceCheckoutIn::builder()
                    .organization_id(ORG)
                    .amount_cents(1_000)
                    .success_url("s")
                    .cancel_url("c"),
            )
            .await
            .map(drop),
            cl.create_checkout(
                closient::types::AdBalanceCheckoutIn::builder()
                    .organization_id(ORG)
                    .amount_cents(1)
                    .success_url("s")
                    .cancel_url("c"),
            )
            .await
            .map(drop),
        ];
        for r in results {
            let e = r.expect_err("every path here is an error");
            shown.push(format!("{e:?} {e} {:?}", std::error::Error::source(&e)));
        }
    }
    // Configuration errors of both kinds of key.
    let bad = format!("{}x", key);
    shown.push(format!("{:?}", closient::Client::new(bad).unwrap_err()));
    shown.push(format!(
        "{:?}",
        funnelfox::Client::builder("org")
            .secret_key(format!("{FF_CANARY}\n"))
            .build()
            .unwrap_err()
    ));
    drop(guard);

    let traced = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    assert!(traced.contains("billing.call"), "tracing was captured");
    assert!(traced.contains("attempt"), "per-attempt events were captured");
    let shown = shown.join("\n");
    for (what, text) in [("Debug/Display", &shown), ("tracing", &traced)] {
        assert!(!text.contains(BODY), "the Closient key leaked through {what}:\n{text}");
        assert!(
            !text.contains(FF_CANARY),
            "the FunnelFox key leaked through {what}:\n{text}"
        );
    }
    // The echoing servers did receive the Closient key: the scrubbing was needed.
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[test]
fn plain_http_is_refused_off_loopback() {
    for url in [
        "http://billing.example.com/{org_id}/v1",
        "http://10.0.0.1/{org_id}/v1",
        "ftp://127.0.0.1/{org_id}",
    ] {
        let e = funnelfox::Client::builder("org").base_url(url).build().unwrap_err();
        assert_eq!(e.invalid_input().unwrap().field, "base_url", "{url}");
    }
    for url in [
        "http://127.0.0.1:9/{org_id}/v1",
        "http://localhost:9/{org_id}",
        "http://[::1]:9/{org_id}",
        "https://proxy.example.com/ff/{org_id}/v1",
    ] {
        funnelfox::Client::builder("org")
            .base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

/// Every way a hostile server can echo the key back, for both kinds of key: in a
/// request-id header (error and success), in an RFC 9457 `type`, in a JSON
/// message, in a plain body where the key straddles the excerpt's cut, in a
/// redirect's `Location`. Neither the key nor any 8-character piece of it shows
/// in `Display`, `Debug` or the tracing output.
#[tokio::test]
async fn echoed_keys_never_show_whole_or_in_part() {
    use support::operations::{Clients, operations};
    let cl_key = closient::api_key::with_checksum("csb", BODY);
    type Echo = fn(&str) -> Reply;
    let echoes: [(&str, Echo); 7] = [
        ("request id header, error", |k| Reply::Raw {
            status: 400,
            headers: vec![("content-type", "application/json".into()), ("x-request-id", k.into())],
            body: br#"{"status":"error","error":[{"msg":"no","code":"bad_request"}],"error_code":"BAD","title":"t"}"#
                .to_vec(),
        }),
        ("request id header, success", |k| Reply::Raw {
            status: 200,
            headers: vec![("content-type", "application/json".into()), ("x-request-id", k.into())],
            body: br#"{"status":"success","data":{"balance":0},"req_id":"r"}"#.to_vec(),
        }),
        ("problem type", |k| Reply::Raw {
            status: 403,
            headers: vec![("content-type", "application/problem+json".into())],
            body: json!({"type": format!("https://errors.example/{k}"), "title": "Forbidden", "status": 403,
                         "detail": "no", "error_code": "FORBIDDEN"})
            .to_string()
            .into_bytes(),
        }),
        ("JSON message", |k| {
            Reply::json(
                200,
                json!({"status": "error", "error": [{"msg": format!("key {k} is wrong"), "code": "bad_request"}], "req_id": k}),
            )
        }),
        ("plain body, key across the excerpt's end", |k| {
            let filler = "x".repeat(billing_clients::DecodeError::EXCERPT - k.len() / 2);
            Reply::text(502, "text/plain", &format!("{filler}{k} and more"))
        }),
        ("plain body, key at the excerpt's end", |k| {
            let filler = "x".repeat(billing_clients::DecodeError::EXCERPT - k.len());
            Reply::text(502, "text/plain", &format!("{filler}{k}"))
        }),
        ("redirect location", |k| Reply::Raw {
            status: 302,
            headers: vec![("location", format!("https://elsewhere.example/?key={k}"))],
            body: Vec::new(),
        }),
    ];
    let (guard, log) = support::capture_tracing();
    let mut shown = Vec::new();
    for (what, echo) in echoes {
        let server = Server::start(move |_, r| {
            let key = r.header("x-api-key").or(r.header("ff-secret-key")).unwrap_or("none");
            echo(key)
        })
        .await;
        let template = format!("{}/{{org_id}}", server.url);
        let c = Clients {
            funnelfox: funnelfox::Client::builder("org").base_url(&template).build().unwrap(),
            closient: closient::Client::builder(cl_key.clone())
                .base_url(&server.url)
                .retry(RetryPolicy::none())
                .build()
                .unwrap(),
            fixture: billing_clients::testing::fixture::Client::builder("org")
                .base_url(&template)
                .secret_key(FF_CANARY)
                .retry(RetryPolicy::none())
                .build()
                .unwrap(),
        };
        for (spec, op) in operations().filter(|(_, op)| op.requires_auth) {
            match c.call_valid(spec, op).await {
                Err(e) => shown.push(format!("{what}: {e} {e:?}")),
                Ok(v) => shown.push(format!("{what}: {v}")),
            }
        }
        assert!(server.count() > 0, "{what}");
    }
    drop(guard);
    let traced = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    let shown = shown.join("\n");
    assert!(shown.contains("[redacted]"), "the servers did echo the keys:\n{shown}");
    for key in [cl_key.as_str(), FF_CANARY] {
        for piece in key.as_bytes().windows(8) {
            let piece = std::str::from_utf8(piece).unwrap();
            for (what, text) in [("Debug/Display", &shown), ("tracing", &traced)] {
                assert!(
                    !text.contains(piece),
                    "`{piece}` of a key leaked through {what}:\n{text}"
                );
            }
        }
    }
}

/// FunnelFox's `req_id` reaches the call's span on success too. (Here, with the
/// other tests that capture tracing: a test binary whose other tests run without
/// a subscriber can leave a callsite's interest cached as "never".)
#[tokio::test(flavor = "current_thread")]
async fn the_request_id_of_a_success_is_traced() {
    let server = Server::always(|| {
        Reply::json(
            200,
            json!({"status": "success", "req_id": "req-of-a-success", "data": {
                "client_token": "t", "order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f"}}),
        )
    })
    .await;
    let (guard, log) = support::capture_tracing();
    let c = funnelfox::Client::builder("org")
        .base_url(format!("{}/{{org_id}}", server.url))
        .build()
        .unwrap();
    c.create_client_session(
        funnelfox::types::CheckoutClientSessionIn::builder()
            .region("default")
            .integration_type(funnelfox::types::IntegrationEnum::Stripe)
            .pp_ident("pro")
            .external_id("u1")
            .email_address("a@example.com"),
    )
    .await
    .unwrap();
    drop(guard);
    let traced = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    assert!(traced.contains("billing.request_id=\"req-of-a-success\""), "{traced}");
}
