//! The fake's webhook deliveries as a test uses them: typed events, duplicate
//! deliveries and re-deliveries on demand (at-least-once handling, end to end,
//! through the axum endpoint), and a bounded wait for a target that never
//! answers.

use billing_clients::funnelfox::types as t;
use billing_clients::funnelfox::webhooks::{self, Delivery, EventType, MemoryDeduplicator, Subtype};
use billing_clients::testing::{FakeFunnelFox, Redelivery};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A loopback endpoint (the crate's, with a memory store) whose handler records
/// each event it runs for: `(event_id, subtype)`.
async fn endpoint() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let handled: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let h = handled.clone();
    let app = axum::Router::new().route(
        "/hooks",
        webhooks::endpoint(Arc::new(MemoryDeduplicator::default()), move |d: Delivery| {
            let h = h.clone();
            async move {
                let id = d.event.event_id.map(|i| i.to_string()).unwrap_or_default();
                let subtype = d.event.subtype.map(|s| s.to_string()).unwrap_or_default();
                h.lock().unwrap().push((id, subtype));
                Ok::<(), std::convert::Infallible>(())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, handled)
}

async fn shop(url: &str) -> FakeFunnelFox {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user("user-42", true);
    fake.add_webhook_target(url);
    fake
}

async fn buy(fake: &FakeFunnelFox) -> uuid::Uuid {
    let c = fake.client();
    c.one_click(t::OneClick::builder().external_id("user-42").pp_ident("pro_monthly"))
        .await
        .unwrap();
    let owned = c
        .my_assets(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap();
    owned.subscriptions[0].subs_id
}

/// Buy, pause, and wait for the two events.
async fn buy_and_pause(fake: &FakeFunnelFox) {
    let subs_id = buy(fake).await;
    fake.client()
        .subscription_pause(t::SubsPauseIn::builder().subs_id(subs_id))
        .await
        .unwrap();
    fake.webhooks_delivered().await;
}

#[tokio::test]
async fn a_delivery_reads_as_the_typed_event_and_keeps_the_raw_one() {
    let (url, _) = endpoint().await;
    let fake = shop(&url).await;
    let subs_id = buy(&fake).await;
    fake.webhooks_delivered().await;
    let d = &fake.webhook_deliveries()[0];
    assert_eq!(d.event["event_type"], "order", "the raw event is kept");
    let event = d.typed().unwrap();
    assert_eq!(
        (event.event_type, event.subtype),
        (EventType::Order, Some(Subtype::Settled))
    );
    assert_eq!(event.order.unwrap().subs_id, Some(subs_id));
    assert!(!d.redelivered);
}

#[tokio::test]
async fn a_duplicated_delivery_arrives_twice_and_is_handled_once() {
    let (url, handled) = endpoint().await;
    let fake = shop(&url).await;
    fake.duplicate_next(1);
    buy_and_pause(&fake).await;

    let deliveries = fake.webhook_deliveries();
    let shape: Vec<(String, bool, bool)> = deliveries
        .iter()
        .map(|d| {
            (
                d.event["subtype"].as_str().unwrap().to_string(),
                d.redelivered,
                d.acknowledged,
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("settled".to_string(), false, true),
            ("settled".to_string(), true, true),
            ("pausing".to_string(), false, true),
        ],
        "only the next event is duplicated"
    );
    assert_eq!(deliveries[0].event, deliveries[1].event, "same body, same event_id");
    let handled = handled.lock().unwrap().clone();
    let subtypes: Vec<&str> = handled.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        subtypes,
        ["settled", "pausing"],
        "the endpoint ran the handler once per event"
    );
}

#[tokio::test]
async fn every_delivery_is_duplicated_until_turned_off() {
    let (url, handled) = endpoint().await;
    let fake = shop(&url).await;
    fake.duplicate_every(true);
    let subs_id = buy(&fake).await;
    let c = fake.client();
    c.subscription_pause(t::SubsPauseIn::builder().subs_id(subs_id))
        .await
        .unwrap();
    fake.duplicate_every(false);
    c.subscription_resume(t::SubsResumeIn::builder().subs_id(subs_id))
        .await
        .unwrap();
    fake.webhooks_delivered().await;
    let copies: Vec<bool> = fake.webhook_deliveries().iter().map(|d| d.redelivered).collect();
    assert_eq!(copies, [false, true, false, true, false]);
    assert_eq!(handled.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_earlier_delivery_is_delivered_again_after_later_ones() {
    let (url, handled) = endpoint().await;
    let fake = shop(&url).await;
    buy_and_pause(&fake).await;
    fake.redeliver(0);
    fake.webhooks_delivered().await;

    let deliveries = fake.webhook_deliveries();
    assert_eq!(deliveries.len(), 3);
    let again = &deliveries[2];
    assert!(again.redelivered && again.acknowledged);
    assert_eq!(
        again.event, deliveries[0].event,
        "the order, after the pause: out of order"
    );
    assert_eq!(again.target, url);
    assert_eq!(
        handled.lock().unwrap().len(),
        2,
        "the endpoint answered 200 for an event already done"
    );
}

#[tokio::test]
#[should_panic(expected = "no webhook delivery 5")]
async fn re_delivering_what_was_never_delivered_says_so() {
    let fake = FakeFunnelFox::start().await;
    fake.redeliver(5);
}

#[tokio::test]
async fn the_wait_for_an_unreachable_target_is_bounded() {
    // A port nobody listens on: every attempt is refused.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", closed.local_addr().unwrap());
    drop(closed);
    let fake = shop(&url).await;
    fake.set_redelivery(Redelivery::new(
        3,
        Duration::from_millis(300),
        Duration::from_millis(300),
    ));
    buy(&fake).await;
    let pending = fake
        .webhooks_delivered_within(Duration::from_millis(100))
        .await
        .unwrap_err();
    assert_eq!(pending.events, 1);
    assert!(pending.to_string().contains("1 webhook event"), "{pending}");
    fake.webhooks_delivered_within(Duration::from_secs(10)).await.unwrap();
    let d = &fake.webhook_deliveries()[0];
    assert_eq!((d.statuses.as_slice(), d.acknowledged), ([0, 0, 0].as_slice(), false));
}
