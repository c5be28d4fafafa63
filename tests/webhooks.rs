//! FunnelFox's webhook events: the official example and one event of every
//! documented type and subtype parse; unknown and misspelt values are kept or
//! read as the right ones; bodies that are not events are typed errors; and
//! the fake's deliveries reach an axum endpoint, retried until it acknowledges
//! them (the endpoint's own tests: `webhook_endpoint.rs`; the claim stores':
//! `claims.rs`).

use billing_clients::funnelfox::types as t;
use billing_clients::funnelfox::webhooks::{self, Delivery, EventType, MemoryDeduplicator, Subtype};
use billing_clients::testing::FakeFunnelFox;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

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
