//! Fault injection against a misbehaving loopback server: how many requests reach
//! the server for each kind of operation, and what the caller gets. A charge
//! arrives at most once in every scenario where it may have been processed.

mod support;

use billing_clients::funnelfox::{Client, types};
use billing_clients::{Error, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Reply, Server};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `one_click`: moves money.
    Charge,
    /// `create_client_session`: safe to repeat.
    Safe,
}

fn client(url: &str) -> Client {
    Client::builder("org")
        .base_url(format!("{url}/{{org_id}}"))
        .attempt_timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .delays(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

async fn call(c: &Client, kind: Kind) -> Result<(), Error> {
    match kind {
        Kind::Charge => c
            .one_click(types::OneClick::builder().external_id("u1").pp_ident("pro"))
            .await
            .map(drop),
        Kind::Safe => c
            .create_client_session(
                types::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(types::IntegrationEnum::Stripe)
                    .pp_ident("pro")
                    .external_id("u1")
                    .email_address("a@example.com"),
            )
            .await
            .map(drop),
    }
}

fn outcome(r: &Result<(), Error>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e) if e.is_timeout() => "timeout".into(),
        Err(e) if e.is_connect() => "connect error".into(),
        Err(Error::Transport(_)) => "transport error".into(),
        Err(Error::Api(a)) => format!("api error {}", a.status.unwrap_or(0)),
        Err(Error::Decode(d)) => format!("decode error {}", d.status.unwrap_or(0)),
        Err(e) => format!("{e}"),
    }
}

fn success() -> Reply {
    Reply::json(
        200,
        json!({"status": "success", "req_id": "r", "data": {
            "client_token": "t", "order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f", "checkout_status": "succeeded"}}),
    )
}

fn storm(status: u16, retry_after: Option<&str>) -> Reply {
    let mut headers = vec![("content-type", "application/json".to_string())];
    if let Some(ra) = retry_after {
        headers.push(("retry-after", ra.to_string()));
    }
    Reply::Raw {
        status,
        headers,
        body: br#"{"status":"error","error":[{"msg":"busy","code":"busy","type":"api_exception"}],"req_id":"r"}"#
            .to_vec(),
    }
}

/// Each scenario: a name, the server's behaviour, and for (charge, safe) the
/// requests the server must receive and the outcome.
#[allow(clippy::type_complexity)]
fn scenarios() -> Vec<(
    &'static str,
    fn(usize) -> Reply,
    (usize, &'static str),
    (usize, &'static str),
)> {
    vec![
        (
            "reset before answering",
            |_| Reply::Reset,
            (1, "transport error"),
            (3, "transport error"),
        ),
        (
            "stall (accepts, never answers)",
            |_| Reply::Stall,
            (1, "timeout"),
            (3, "timeout"),
        ),
        (
            "truncated body",
            |_| Reply::Truncated {
                status: 200,
                declared: 200,
                body: b"{\"status\":\"succ".to_vec(),
            },
            (1, "transport error"),
            (3, "transport error"),
        ),
        (
            "429 storm, Retry-After: 0",
            |_| storm(429, Some("0")),
            (3, "api error 429"),
            (3, "api error 429"),
        ),
        (
            "503 with Retry-After: 0",
            |_| storm(503, Some("0")),
            (3, "api error 503"),
            (3, "api error 503"),
        ),
        (
            "503 without Retry-After",
            |_| storm(503, None),
            (1, "api error 503"),
            (3, "api error 503"),
        ),
        ("500", |_| storm(500, None), (1, "api error 500"), (3, "api error 500")),
        (
            "502 HTML from a proxy",
            |_| Reply::text(502, "text/html", "<html><body>Bad Gateway</body></html>"),
            (1, "decode error 502"),
            (3, "decode error 502"),
        ),
        (
            "429 with Retry-After over the cap",
            |_| storm(429, Some("3600")),
            (1, "api error 429"),
            (1, "api error 429"),
        ),
        (
            "error envelope under HTTP 200",
            |_| storm(200, None),
            (1, "api error 200"),
            (1, "api error 200"),
        ),
        (
            "reset, then success",
            |i| if i == 0 { Reply::Reset } else { success() },
            (1, "transport error"),
            (2, "ok"),
        ),
        (
            "429, then success",
            |i| {
                if i == 0 { storm(429, Some("0")) } else { success() }
            },
            (2, "ok"),
            (2, "ok"),
        ),
    ]
}

#[tokio::test]
async fn fault_matrix() {
    let mut table = vec![
        "| scenario | charge: requests, outcome | safe: requests, outcome |".to_string(),
        "|---|---|---|".into(),
    ];
    let mut failures = Vec::new();
    for (name, behaviour, charge, safe) in scenarios() {
        let mut row = format!("| {name} |");
        for (kind, (want_n, want_outcome)) in [(Kind::Charge, charge), (Kind::Safe, safe)] {
            let server = Server::start(move |i, _| behaviour(i)).await;
            let result = call(&client(&server.url), kind).await;
            let (n, got) = (server.count(), outcome(&result));
            row.push_str(&format!(" {n}, {got} |"));
            if (n, got.as_str()) != (want_n, want_outcome) {
                failures.push(format!(
                    "{name} / {kind:?}: got {n} requests, {got}; want {want_n}, {want_outcome}"
                ));
            }
        }
        table.push(row);
    }
    // Nothing listens: the request was never sent, so even a charge is retried.
    let refused = support::refused_url().await;
    for kind in [Kind::Charge, Kind::Safe] {
        let (_guard, log) = support::capture_tracing();
        let result = call(&client(&refused), kind).await;
        let attempts = String::from_utf8_lossy(&log.lock().unwrap())
            .matches("attempt failed")
            .count();
        assert_eq!((outcome(&result).as_str(), attempts), ("connect error", 3), "{kind:?}");
    }
    table.push(
        "| connection refused (nothing sent) | 0 (3 attempts), connect error | 0 (3 attempts), connect error |".into(),
    );
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
