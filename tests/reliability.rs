//! Fault injection against a misbehaving loopback server: how many requests reach
//! the server for each kind of operation, and what the caller gets. A charge
//! arrives at most once in every scenario where it may have been processed.

mod support;

use billing_clients::funnelfox::Client;
use billing_clients::{Error, RetryPolicy};
use std::time::Duration;
use support::faults::{Kind, call, client, redirect, storm, success};
use support::{Reply, Server};

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
