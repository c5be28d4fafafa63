//! The webhook endpoint at a loopback address: each event processed once by
//! claim (concurrent copies run the handler once), a store that is down fails
//! closed, and an event whose members do not all fit is handed on, never lost.

use billing_clients::funnelfox::webhooks::{self, Claim, Deduplicator, Delivery, MemoryDeduplicator};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Two copies of one event arriving together (FunnelFox re-sends a slow
/// answer): the handler runs once; the copy that finds it running gets a 503
/// (FunnelFox delivers it again later), and a later copy a 200 without running.
#[tokio::test]
async fn concurrent_copies_of_one_event_run_the_handler_once() {
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = calls.clone();
    let app = axum::Router::new().route(
        "/hooks",
        webhooks::endpoint(Arc::new(MemoryDeduplicator::default()), move |_: Delivery| {
            let c = c.clone();
            async move {
                c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<(), std::convert::Infallible>(())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let event = json!({"event_id": "2d9f6b5e-4f3c-4e7d-8a1b-3c4d5e6f7a8b", "event_type": "subscription", "subtype": "renewing"});
    let post = || http.post(&url).json(&event).send();
    let (a, b) = tokio::join!(post(), post());
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 503], "one processed, one told to come back");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    let later = post().await.unwrap();
    assert_eq!(
        (later.status().as_u16(), later.text().await.unwrap().as_str()),
        (200, "already processed")
    );
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the handler ran once"
    );
}

/// A store that cannot answer fails closed: 503, the handler does not run.
#[tokio::test]
async fn a_store_that_is_down_fails_closed() {
    struct Down;
    impl Deduplicator for Down {
        fn claim<'a>(&'a self, _: &'a str, _: Duration) -> webhooks::Pending<'a, Claim> {
            Box::pin(async { Err(webhooks::StoreError("connection refused".into())) })
        }
        fn complete<'a>(&'a self, _: &'a str, _: &'a webhooks::ClaimToken) -> webhooks::Pending<'a, ()> {
            Box::pin(async { Err(webhooks::StoreError("connection refused".into())) })
        }
        fn release<'a>(&'a self, _: &'a str, _: &'a webhooks::ClaimToken) -> webhooks::Pending<'a, ()> {
            Box::pin(async { Err(webhooks::StoreError("connection refused".into())) })
        }
    }
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let r = ran.clone();
    let app = axum::Router::new().route(
        "/hooks",
        webhooks::endpoint(Arc::new(Down), move |_: Delivery| {
            let r = r.clone();
            async move {
                r.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok::<(), std::convert::Infallible>(())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let answer = http
        .post(&url)
        .json(&json!({"event_id": "3e0a7c6f-5a4d-4f8e-9b2c-4d5e6f7a8b9c", "event_type": "order"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    assert!(
        !ran.load(std::sync::atomic::Ordering::SeqCst),
        "the handler did not run"
    );
}

/// Never refused into a lost event: an event with `""` for absent dates is
/// handled as a typed event; one with a member that does not fit its type is
/// handed on with that member listed (and acknowledged only once the handler
/// succeeded); only a body that is no event at all is refused, unhandled.
#[tokio::test]
async fn an_event_that_does_not_fit_is_handed_on_never_lost() {
    let seen: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let fail_next = Arc::new(Mutex::new(true));
    let (s, f) = (seen.clone(), fail_next.clone());
    let app = axum::Router::new().route(
        "/hooks",
        webhooks::endpoint(Arc::new(MemoryDeduplicator::default()), move |d: Delivery| {
            let (s, f) = (s.clone(), f.clone());
            async move {
                s.lock().unwrap().push(d.clone());
                if !d.unfit.is_empty() && std::mem::replace(&mut *f.lock().unwrap(), false) {
                    return Err("the database is down");
                }
                Ok(())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let post = |body: Value| {
        let (http, url) = (http.clone(), url.clone());
        async move { http.post(url).json(&body).send().await.unwrap().status().as_u16() }
    };

    let renewal = json!({
        "event_id": "0b7e4f3c-2d1a-4c5b-8e9f-1a2b3c4d5e6f", "event_type": "subscription",
        "subtype": "renewing", "event_timestamp": "2026-02-01T10:00:00.000001", "external_id": "user-42",
        "subscription": {"subs_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f", "is_active": true,
                         "current_period_starts_at": "2026-02-01T10:00:00", "current_period_ends_at": "2026-03-01T10:00:00",
                         "next_check_at": "", "started_at": ""},
    });
    assert_eq!(post(renewal).await, 200);
    let first = seen.lock().unwrap()[0].clone();
    assert!(first.unfit.is_empty(), "{:?}", first.unfit);
    let sub = first.event.subscription.unwrap();
    assert!(
        sub.next_check_at.is_none() && sub.started_at.is_none(),
        "\"\" is absent"
    );
    assert!(sub.current_period_ends_at.is_some());

    let odd = json!({
        "event_id": "1c8f5a4d-3e2b-4d6c-9fa0-2b3c4d5e6f70", "event_type": "order", "subtype": "settled",
        "event_timestamp": "02/01/2026 10:00", "external_id": "user-42",
        "order": {"order_id": "8e1d3f5a-3c2b-4d8f-0e2f-1b5c4d3e2f1a", "amount": "9.99", "currency_code": "USD"},
    });
    assert_eq!(post(odd.clone()).await, 500, "the handler failed: FunnelFox will retry");
    assert_eq!(post(odd.clone()).await, 200, "handled on the retry");
    assert_eq!(post(odd).await, 200, "then a duplicate");
    let seen_now = seen.lock().unwrap().clone();
    assert_eq!(
        seen_now.len(),
        3,
        "handled twice (a failure, then success), the duplicate not"
    );
    let d = &seen_now[2];
    assert_eq!(d.unfit.len(), 1, "{:?}", d.unfit);
    assert_eq!(d.unfit[0].path, "event_timestamp");
    assert_eq!(d.unfit[0].value, "02/01/2026 10:00");
    assert!(d.event.event_timestamp.is_none());
    assert_eq!(
        d.event.order.as_ref().unwrap().amount.unwrap().to_string(),
        "9.99",
        "the rest is typed"
    );
    assert!(
        String::from_utf8_lossy(&d.body).contains("02/01/2026 10:00"),
        "the body keeps it"
    );

    for not_an_event in [json!({"subtype": "settled"}), json!({"event_type": 7}), json!([1])] {
        assert_eq!(post(not_an_event).await, 400);
    }
    let garbage = http.post(&url).body("<html>").send().await.unwrap();
    assert_eq!(garbage.status().as_u16(), 400);
    assert_eq!(seen.lock().unwrap().len(), 3, "no handler ran for what is not an event");
}

/// Serve `route` at a loopback `/hooks`; its URL.
async fn serve(route: axum::routing::MethodRouter) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().route("/hooks", route)).await });
    url
}

/// A cap on concurrent handlers: a delivery beyond it is told to come back
/// (503, `Retry-After`) without being claimed, and runs when it does.
#[tokio::test]
async fn deliveries_beyond_the_cap_come_back_later_unclaimed() {
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = calls.clone();
    let hooks = webhooks::Endpoint::new(Arc::new(MemoryDeduplicator::default()), move |_: Delivery| {
        let c = c.clone();
        async move {
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok::<(), std::convert::Infallible>(())
        }
    })
    .max_concurrent(1);
    let url = serve(hooks.route()).await;
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let event = |id: &str| json!({"event_id": id, "event_type": "order", "subtype": "settled"});
    let (first, second) = (
        event("4f1b8d7a-6b5e-4a9f-8c3d-5e6f7a8b9c0d"),
        event("5a2c9e8b-7c6f-4b0a-9d4e-6f7a8b9c0d1e"),
    );
    let (a, b) = tokio::join!(http.post(&url).json(&first).send(), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        http.post(&url).json(&second).send().await
    });
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.status().as_u16(), 200);
    assert_eq!(b.status().as_u16(), 503, "over the cap");
    assert!(b.headers().contains_key("retry-after"));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    let again = http.post(&url).json(&second).send().await.unwrap();
    assert_eq!(
        (again.status().as_u16(), again.text().await.unwrap().as_str()),
        (200, "processed"),
        "it was not claimed while refused"
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A delivery whose handler never finished (its connection dropped, as when a
/// replica dies) holds its event only for the lease; the next copy runs it.
#[tokio::test]
async fn a_claim_whose_holder_vanished_ends_with_its_lease() {
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = calls.clone();
    let hooks = webhooks::Endpoint::new(Arc::new(MemoryDeduplicator::default()), move |_: Delivery| {
        let first = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        async move {
            if first {
                tokio::time::sleep(Duration::from_secs(30)).await; // never finishes
            }
            Ok::<(), std::convert::Infallible>(())
        }
    })
    .lease(Duration::from_millis(300));
    let url = serve(hooks.route()).await;
    let event = json!({"event_id": "6b3d0f9c-8d7a-4c1b-8e5f-7a8b9c0d1e2f", "event_type": "subscription", "subtype": "renewing"});
    let impatient = billing_clients::http_client_builder()
        .unwrap()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    assert!(impatient.post(&url).json(&event).send().await.is_err());
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    assert_eq!(
        http.post(&url).json(&event).send().await.unwrap().status().as_u16(),
        503,
        "within the lease: held"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        http.post(&url).json(&event).send().await.unwrap().status().as_u16(),
        200,
        "after it: run again"
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}
