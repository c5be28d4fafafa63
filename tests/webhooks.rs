//! FunnelFox's webhook events: the official example and one event of every
//! documented type and subtype parse; unknown and misspelt values are kept or
//! read as the right ones; bodies that are not events are typed errors;
//! duplicates are recognised; and the fake's deliveries reach an axum endpoint,
//! retried until it acknowledges them.

use billing_clients::funnelfox::types as t;
use billing_clients::funnelfox::webhooks::{
    self, Claim, Deduplicator, Delivery, EventType, MemoryDeduplicator, Subtype,
};
use billing_clients::testing::FakeFunnelFox;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/webhooks/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_official_example_parses() {
    let event = webhooks::parse(fixture("official_example.json").as_bytes()).unwrap();
    assert_eq!(
        (event.event_type.clone(), event.subtype.clone()),
        (EventType::Subscription, Some(Subtype::StartingTrial))
    );
    assert_eq!(event.event_timestamp.unwrap().to_string(), "2025-09-25T12:11:17.381627");
    assert_eq!(event.is_livemode, Some(false));
    let sub = event.subscription.as_ref().unwrap();
    assert_eq!(sub.is_active, Some(true));
    let pp = sub.price_point.as_ref().unwrap();
    assert_eq!(pp.next_price.unwrap().to_string(), "9.99");
    assert_eq!(pp.intro_paid_trial_price.unwrap().to_string(), "1");
    assert_eq!(webhooks::dedup_key(&event), "id:018522bc-905a-4124-a955-37db2a731ab2");
}

#[test]
fn every_documented_type_and_subtype_parses_as_known() {
    let events: Vec<Value> = serde_json::from_str(&fixture("one_per_subtype.json")).unwrap();
    assert!(events.len() >= 20, "{}", events.len());
    for raw in events {
        let event = webhooks::parse(raw.to_string().as_bytes()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert!(event.event_type.is_known(), "{raw}");
        if let Some(subtype) = &event.subtype {
            assert!(subtype.is_known(), "{raw}");
        }
    }
}

#[test]
fn refund_and_dispute_events_read_as_their_pages_say() {
    let events: Vec<Value> = serde_json::from_str(&fixture("one_per_subtype.json")).unwrap();
    let of = |kind: &str| {
        let raw = events.iter().find(|e| e["event_type"] == kind).unwrap();
        webhooks::parse(raw.to_string().as_bytes()).unwrap()
    };
    let refund = of("refund");
    assert_eq!(refund.amount_refunded.unwrap().to_string(), "9.99");
    assert_eq!(refund.currency_code.as_deref(), Some("USD"));
    assert_eq!(refund.refund_at.unwrap().to_string(), "2025-10-01T08:22:00");
    assert!(refund.created_at.is_some() && refund.subs_id.is_some() && refund.trx_id.is_some());
    assert!(
        refund.extra.is_empty(),
        "every field of the refund page is typed: {:?}",
        refund.extra
    );
    let dispute = of("dispute");
    assert_eq!(dispute.processor, Some(t::WebhookDisputeProcessor::Stripe));
    assert_eq!(dispute.subtype, Some(Subtype::Opened));
}

#[test]
fn unknown_values_are_kept_and_misspellings_read_right() {
    let parse = |v: Value| webhooks::parse(v.to_string().as_bytes()).unwrap();
    let e = parse(json!({"event_type": "subscription", "subtype": "brand_new_thing"}));
    assert_eq!(e.subtype, Some(Subtype::Other("brand_new_thing".into())));
    let e = parse(json!({"event_type": "chargeback", "subtype": "opened"}));
    assert_eq!(e.event_type, EventType::Other("chargeback".into()));
    assert_eq!(
        parse(json!({"event_type": "subscription", "subtype": "convertion"})).subtype,
        Some(Subtype::Conversion)
    );
    assert_eq!(
        parse(json!({"event_type": "subscription", "subtype": "conversion"})).subtype,
        Some(Subtype::Conversion)
    );
    assert_eq!(
        parse(json!({"event_type": "subscription", "subtype": "defering"})).subtype,
        Some(Subtype::Deferring)
    );
    assert_eq!(
        parse(json!({"event_type": "one-off", "subtype": "granted"})).event_type,
        EventType::Oneoff
    );
    // Prices as numbers are exact decimals too; timestamps with an offset read as well.
    let e = parse(
        json!({"event_type": "order", "event_timestamp": "2026-01-05T10:00:00+02:00",
                         "order": {"amount": 19.99, "currency_code": "USD"}}),
    );
    assert_eq!(e.order.unwrap().amount.unwrap().to_string(), "19.99");
    assert!(!e.event_timestamp.unwrap().is_naive());
}

#[test]
fn a_body_that_is_no_event_is_a_typed_error_with_a_bounded_excerpt() {
    let huge = format!("{{\"event_type\": \"order\", \"x\": \"{}\"", "y".repeat(100_000));
    for body in [
        "<html>502 Bad Gateway</html>".to_string(),
        "{\"subtype\": \"settled\"}".into(),
        "{\"event_type\": 7}".into(),
        "[]".into(),
        huge,
        String::new(),
    ] {
        let e = webhooks::parse(body.as_bytes()).unwrap_err();
        assert!(!e.reason.is_empty());
        assert!(e.excerpt.len() <= billing_clients::DecodeError::EXCERPT);
        assert!(e.to_string().len() < 2_000);
    }
    let e = webhooks::parse(br#"{"event_type": "order", "order": {"amount": "lots"}}"#).unwrap_err();
    assert!(e.reason.contains("order.amount"), "the error names the path: {e}");
}

/// The memory store's claims: one claimant at a time, done keys kept within
/// bounds and time, a released or expired claim claimable again, and a token
/// that no longer holds the claim changing nothing.
#[tokio::test]
async fn claims_are_atomic_bounded_and_expire() {
    let lease = Duration::from_secs(60);
    let claimed = |c: Claim| match c {
        Claim::Claimed(token) => token,
        other => panic!("not claimed: {other:?}"),
    };
    let store = MemoryDeduplicator::new(2, Duration::from_secs(60));
    for key in ["a", "b", "c"] {
        let token = claimed(store.claim(key, lease).await.unwrap());
        assert_eq!(store.claim(key, lease).await.unwrap(), Claim::InProgress);
        store.complete(key, &token).await.unwrap();
        assert_eq!(store.claim(key, lease).await.unwrap(), Claim::Done);
    }
    assert_eq!(store.claim("b", lease).await.unwrap(), Claim::Done);
    claimed(store.claim("a", lease).await.unwrap()); // the oldest went beyond the capacity

    let token = claimed(store.claim("failed", lease).await.unwrap());
    store.release("failed", &token).await.unwrap();
    let again = claimed(store.claim("failed", lease).await.unwrap());
    store.complete("failed", &token).await.unwrap();
    assert_eq!(
        store.claim("failed", lease).await.unwrap(),
        Claim::InProgress,
        "a stale token completes nothing"
    );
    store.complete("failed", &again).await.unwrap();

    let short = MemoryDeduplicator::new(10, Duration::from_millis(20));
    let dead = claimed(short.claim("x", Duration::from_millis(20)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(40)).await;
    let next = claimed(short.claim("x", lease).await.unwrap()); // the holder died: its lease ended
    short.complete("x", &dead).await.unwrap();
    short.complete("x", &next).await.unwrap();
    assert_eq!(short.claim("x", lease).await.unwrap(), Claim::Done);
    tokio::time::sleep(Duration::from_millis(40)).await;
    claimed(short.claim("x", lease).await.unwrap()); // forgotten after the ttl

    let no_id = webhooks::parse(br#"{"event_type": "order", "subtype": "settled", "event_timestamp": "2026-01-05T10:00:00", "external_id": "u"}"#).unwrap();
    assert_eq!(webhooks::dedup_key(&no_id), "ts:2026-01-05T10:00:00|order|settled|u");
}

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

/// The fake's deliveries reach an axum endpoint; one that fails first is retried,
/// and each event is handled once.
#[tokio::test]
async fn the_fakes_deliveries_reach_an_axum_endpoint() {
    let handled: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let failed_once = Arc::new(Mutex::new(false));
    let (h, f) = (handled.clone(), failed_once.clone());
    let app = axum::Router::new().route(
        "/hooks",
        webhooks::endpoint(Arc::new(MemoryDeduplicator::default()), move |d: Delivery| {
            let (h, f) = (h.clone(), f.clone());
            async move {
                assert!(!d.body.is_empty() && d.headers.get("content-type").is_some());
                let mut failed = f.lock().unwrap();
                if !*failed && d.event.subtype == Some(Subtype::Pausing) {
                    *failed = true;
                    return Err("the database is down");
                }
                let subtype = d.event.subtype.map(|s| s.to_string()).unwrap_or_default();
                h.lock().unwrap().push((d.event.event_type.to_string(), subtype));
                Ok(())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user("user-42", true);
    fake.add_webhook_target(&url);
    let c = fake.client();
    c.one_click(t::OneClick::builder().external_id("user-42").pp_ident("pro_monthly"))
        .await
        .unwrap();
    let assets = c
        .my_assets(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap();
    let subs = assets.subscriptions[0].subs_id;
    c.subscription_pause(t::SubsPauseIn::builder().subs_id(subs))
        .await
        .unwrap();
    c.subscription_resume(t::SubsResumeIn::builder().subs_id(subs))
        .await
        .unwrap();
    fake.webhooks_delivered().await;

    let handled = handled.lock().unwrap().clone();
    let pairs: Vec<(&str, &str)> = handled.iter().map(|(t, s)| (t.as_str(), s.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("order", "settled"),
            ("subscription", "pausing"),
            ("subscription", "resuming")
        ]
    );
    let deliveries = fake.webhook_deliveries();
    assert!(deliveries.iter().all(|d| d.acknowledged), "{deliveries:?}");
    let pausing = deliveries.iter().find(|d| d.event["subtype"] == "pausing").unwrap();
    assert_eq!(pausing.statuses, [500, 200], "retried after the handler failed");
    // Every event the fake sends parses.
    for d in &deliveries {
        webhooks::parse(d.event.to_string().as_bytes()).unwrap();
    }
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
