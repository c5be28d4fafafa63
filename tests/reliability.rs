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

/// What the caller got, by predicate (every error answers to one).
fn outcome(r: &Result<(), Error>) -> String {
    let Err(e) = r else {
        return "ok".into();
    };
    if e.is_connect() {
        "connect error".to_string()
    } else if e.is_timeout() {
        "timeout".into()
    } else if e.is_connection_dropped() {
        "connection dropped".into()
    } else if e.is_redirect() {
        format!("redirect {}", e.status().unwrap_or(0))
    } else if e.is_api() {
        format!("api error {}", e.status().unwrap_or(0))
    } else if e.is_decode() {
        format!("decode error {}", e.status().unwrap_or(0))
    } else {
        panic!("an error no predicate classifies: {e:?}");
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

fn redirect(status: u16, location: &str) -> Reply {
    Reply::Raw {
        status,
        headers: vec![("location", location.to_string())],
        body: Vec::new(),
    }
}

/// Each scenario: a name, the server's behaviour (given the request's index, the
/// request, and another origin's URL), and for (charge, safe) the requests the
/// server must receive and the outcome.
#[allow(clippy::type_complexity)]
fn scenarios() -> Vec<(
    &'static str,
    fn(usize, &support::Recorded, &str) -> Reply,
    (usize, &'static str),
    (usize, &'static str),
)> {
    vec![
        (
            "reset before answering",
            |_, _, _| Reply::Reset,
            (1, "connection dropped"),
            (3, "connection dropped"),
        ),
        (
            "stall (accepts, never answers)",
            |_, _, _| Reply::Stall,
            (1, "timeout"),
            (3, "timeout"),
        ),
        (
            "truncated body",
            |_, _, _| Reply::Truncated {
                status: 200,
                declared: 200,
                body: b"{\"status\":\"succ".to_vec(),
            },
            (1, "connection dropped"),
            (3, "connection dropped"),
        ),
        (
            "429 storm, Retry-After: 0",
            |_, _, _| storm(429, Some("0")),
            (3, "api error 429"),
            (3, "api error 429"),
        ),
        (
            "503 with Retry-After: 0 (a gateway may answer so after the origin took it)",
            |_, _, _| storm(503, Some("0")),
            (1, "api error 503"),
            (3, "api error 503"),
        ),
        (
            "503 without Retry-After",
            |_, _, _| storm(503, None),
            (1, "api error 503"),
            (3, "api error 503"),
        ),
        (
            "500",
            |_, _, _| storm(500, None),
            (1, "api error 500"),
            (3, "api error 500"),
        ),
        (
            "502 HTML from a proxy",
            |_, _, _| Reply::text(502, "text/html", "<html><body>Bad Gateway</body></html>"),
            (1, "decode error 502"),
            (3, "decode error 502"),
        ),
        (
            "429 with Retry-After over the cap",
            |_, _, _| storm(429, Some("3600")),
            (1, "api error 429"),
            (1, "api error 429"),
        ),
        (
            "error envelope under HTTP 200",
            |_, _, _| storm(200, None),
            (1, "api error 200"),
            (1, "api error 200"),
        ),
        (
            "reset, then success",
            |i, _, _| if i == 0 { Reply::Reset } else { success() },
            (1, "connection dropped"),
            (2, "ok"),
        ),
        (
            "429, then success",
            |i, _, _| {
                if i == 0 { storm(429, Some("0")) } else { success() }
            },
            (2, "ok"),
            (2, "ok"),
        ),
        (
            "302 to another origin (which gets nothing)",
            |_, _, other| redirect(302, &format!("{other}/org/checkout/x")),
            (1, "redirect 302"),
            (1, "redirect 302"),
        ),
        (
            "307 to the same URL (a loop)",
            |_, r, _| redirect(307, &r.path),
            (1, "redirect 307"),
            (1, "redirect 307"),
        ),
        (
            "Retry-After as an HTTP date, then success",
            |i, _, _| {
                if i == 0 {
                    storm(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"))
                } else {
                    success()
                }
            },
            (2, "ok"),
            (2, "ok"),
        ),
    ]
}

/// The fault table of the README, measured: it is written from what the servers
/// received and what the caller got (refresh with `EXPECTORATE=overwrite cargo test`).
#[tokio::test]
async fn fault_matrix() {
    let mut table = vec![
        "| scenario | charge (`one_click`): requests, outcome | safe (`create_client_session`): requests, outcome | charge `may_have_been_processed()` |".to_string(),
        "|---|---|---|---|".into(),
    ];
    let mut failures = Vec::new();
    for (name, behaviour, charge, safe) in scenarios() {
        let mut row = format!("| {name} |");
        let mut processed = false;
        for (kind, (want_n, want_outcome)) in [(Kind::Charge, charge), (Kind::Safe, safe)] {
            let other = Server::always(success).await;
            let other_url = other.url.clone();
            let server = Server::start(move |i, r| behaviour(i, r, &other_url)).await;
            let result = call(&client(&server.url), kind).await;
            let (n, got) = (server.count(), outcome(&result));
            if let Err(e) = &result {
                assert_eq!(
                    e.attempts() as usize,
                    n,
                    "{name} / {kind:?}: attempts = requests received"
                );
            }
            row.push_str(&format!(" {n}, {got} |"));
            if kind == Kind::Charge {
                processed = result.as_ref().err().is_some_and(Error::may_have_been_processed);
            }
            if (n, got.as_str()) != (want_n, want_outcome) || other.count() != 0 {
                failures.push(format!(
                    "{name} / {kind:?}: got {n} requests, {got} (other origin {}); want {want_n}, {want_outcome}",
                    other.count()
                ));
            }
        }
        row.push_str(if processed { " yes |" } else { " no |" });
        table.push(row);
    }
    // Nothing listens: the request was never sent, so even a charge is retried.
    let refused = support::refused_url().await;
    for kind in [Kind::Charge, Kind::Safe] {
        let result = call(&client(&refused), kind).await;
        let e = result.as_ref().unwrap_err();
        assert_eq!(
            (outcome(&result).as_str(), e.attempts()),
            ("connect error", 3),
            "{kind:?}"
        );
        assert!(!e.may_have_been_processed());
    }
    table.push(
        "| connection refused (nothing sent) | 0 (3 attempts), connect error | 0 (3 attempts), connect error | no |"
            .into(),
    );
    // The accept queue is full: the connection never completes, a connect timeout.
    let (full, _held) = full_accept_queue().await;
    for kind in [Kind::Charge, Kind::Safe] {
        let c = Client::builder("org")
            .base_url(format!("{full}/{{org_id}}"))
            .connect_timeout(Duration::from_millis(100))
            .attempt_timeout(Duration::from_millis(500))
            .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(2)))
            .build()
            .unwrap();
        let result = call(&c, kind).await;
        let e = result.as_ref().unwrap_err();
        assert!(e.is_connect() && e.is_timeout(), "{kind:?}: {e:?}");
        assert_eq!((e.attempts(), e.may_have_been_processed()), (3, false), "{kind:?}");
    }
    table.push(
        "| connect timeout (accept queue full; nothing sent) | 0 (3 attempts), connect error (timeout) | 0 (3 attempts), connect error (timeout) | no |".into(),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme.find(&table[0]).expect("the README has the fault table");
    let end = start + readme[start..].find("\n\n").unwrap();
    let expected = format!("{}{}{}", &readme[..start], table.join("\n"), &readme[end..]);
    expectorate::assert_contents(path, &expected);
}

/// A loopback address whose accept queue is full (connections to it hang in
/// the handshake), and what keeps it full.
async fn full_accept_queue() -> (String, Vec<std::net::TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(0).unwrap();
    let mut held = Vec::new();
    // Fill the queue (backlog 0 still queues one or two): connect until one hangs.
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    std::mem::forget(listener);
    (format!("http://{addr}"), held)
}

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
