//! The shop example (`examples/shop/`) on the fakes, over HTTP: a checkout
//! grants through the webhook, a duplicate delivery is handled once, an older
//! event arriving after a newer one changes nothing, a failed renewal on the
//! fake's clock ends the entitlement, a forged event grants nothing, and a
//! Closient top-up moves the balance.

#[path = "../examples/shop/shop.rs"]
mod shop;

use axum::response::IntoResponse;
use billing_clients::funnelfox::types as t;
use billing_clients::testing::{FakeClosient, FakeFunnelFox, Redelivery, Role, forge};
use serde_json::{Value, json};
use shop::{Applied, Shop};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const TOKEN: &str = "a-long-random-token";
const USER: &str = "user-42";

struct Harness {
    funnelfox: FakeFunnelFox,
    closient: FakeClosient,
    shop: Shop,
    origin: String,
    http: reqwest::Client,
    /// While set, the shop answers 503 to everything (a deploy, an outage).
    down: Arc<AtomicBool>,
}

impl Harness {
    async fn start() -> Self {
        let funnelfox = FakeFunnelFox::start().await;
        funnelfox.add_price_point("pro_monthly");
        funnelfox.add_price_point("magic_renewal_fails_4");
        funnelfox.add_price_point("magic_declined");
        funnelfox.add_one_off_price_point("lifetime", "49.00");
        funnelfox.add_user(USER, true);
        let closient = FakeClosient::start().await;
        let org = closient.add_org();
        let key = closient.add_key(&org, Role::Billing);
        let shop = Shop::new(funnelfox.client(), closient.client(&key), org);

        let down = Arc::new(AtomicBool::new(false));
        let gate = down.clone();
        let app = shop.router(TOKEN).layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let down = gate.load(Ordering::SeqCst);
                async move {
                    if down {
                        axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                    } else {
                        next.run(request).await
                    }
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        funnelfox.add_webhook_target(format!("{origin}/funnelfox/webhooks?token={TOKEN}"));
        let http = billing_clients::http_client_builder().unwrap().build().unwrap();
        Harness {
            funnelfox,
            closient,
            shop,
            origin,
            http,
            down,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let answer = self
            .http
            .post(format!("{}{path}", self.origin))
            .json(&body)
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> Value {
        let answer = self.http.get(format!("{}{path}", self.origin)).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        answer.json().await.unwrap()
    }

    /// Buy `product` for the user through the shop; the answer.
    async fn checkout(&self, product: &str) -> (u16, Value) {
        self.post("/checkout", json!({"user": USER, "product": product})).await
    }

    /// What the shop says the user may use, after every webhook so far.
    async fn products(&self) -> Vec<String> {
        self.funnelfox.webhooks_delivered().await;
        let body = self.get(&format!("/entitlements/{USER}")).await;
        serde_json::from_value(body["products"].clone()).unwrap()
    }
}

fn products(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_checkout_grants_through_the_webhook() {
    let h = Harness::start().await;
    assert!(h.products().await.is_empty());
    let (status, paid) = h.checkout("pro_monthly").await;
    assert_eq!((status, paid["status"].as_str()), (200, Some("paid")));
    assert_eq!(h.products().await, products(&["pro_monthly"]));
    assert_eq!(h.checkout("lifetime").await.0, 200);
    assert_eq!(h.products().await, products(&["lifetime", "pro_monthly"]));
    assert_eq!(
        h.shop.entitlement(USER).products,
        BTreeSet::from(["lifetime".to_string(), "pro_monthly".to_string()])
    );
}

#[tokio::test]
async fn refusals_are_the_callers_to_see() {
    let h = Harness::start().await;
    let (status, declined) = h.checkout("magic_declined").await;
    assert_eq!((status, declined["status"].as_str()), (402, Some("declined")));
    assert_eq!(declined["message"], "Your card was declined.");
    assert_eq!(h.checkout("pro_monthly").await.0, 200);
    let (status, again) = h.checkout("pro_monthly").await;
    assert_eq!(status, 409, "double_purchase: {again}");
    let (status, unknown) = h.checkout("no_such_product").await;
    assert_eq!(status, 422, "refused by FunnelFox: {unknown}");
    assert_eq!(h.products().await, products(&["pro_monthly"]));
}

#[tokio::test]
async fn a_duplicate_delivery_is_handled_once() {
    let h = Harness::start().await;
    h.funnelfox.duplicate_next(1);
    h.checkout("pro_monthly").await;
    assert_eq!(h.products().await, products(&["pro_monthly"]));
    let deliveries = h.funnelfox.webhook_deliveries();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|d| d.acknowledged));
    assert_eq!(deliveries[0].event, deliveries[1].event);
    assert!(deliveries[1].redelivered);
    assert_eq!(h.shop.applied().len(), 1, "the handler ran once");
    assert_eq!(h.funnelfox.count("my_assets"), 1, "one read of FunnelFox");
}

/// The shop is down while a renewal is delivered; FunnelFox gives up for now.
/// The subscription is then cancelled (delivered, entitlement gone), and the
/// renewal's re-delivery arrives last: older than what was applied, it
/// changes nothing.
#[tokio::test]
async fn a_renewal_arriving_after_the_expiration_changes_nothing() {
    let h = Harness::start().await;
    let (_, paid) = h.checkout("pro_monthly").await;
    let order: uuid::Uuid = paid["order_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(h.products().await, products(&["pro_monthly"]));

    h.down.store(true, Ordering::SeqCst);
    h.funnelfox
        .set_redelivery(Redelivery::new(1, Duration::ZERO, Duration::ZERO));
    h.funnelfox.advance_days(30);
    h.funnelfox.webhooks_delivered().await;
    h.down.store(false, Ordering::SeqCst);
    h.funnelfox.set_redelivery(Redelivery::default());
    let deliveries = h.funnelfox.webhook_deliveries();
    let renewal = deliveries.len() - 1;
    assert_eq!(deliveries[renewal].event["subtype"], "renewing");
    assert_eq!(deliveries[renewal].statuses, [503]);

    h.funnelfox
        .client()
        .payment_cancel(t::CancelIn::builder().external_id(USER).order_id(order))
        .await
        .unwrap();
    assert!(h.products().await.is_empty(), "expired");
    let reads = h.funnelfox.count("my_assets");

    h.funnelfox.redeliver(renewal);
    assert!(h.products().await.is_empty(), "still expired");
    let last = h.funnelfox.webhook_deliveries().pop().unwrap();
    assert!(last.redelivered && last.acknowledged, "{last:?}");
    assert_eq!(last.event["subtype"], "renewing");
    assert_eq!(h.shop.applied().last().unwrap().1, Applied::Stale { user: USER.into() });
    assert_eq!(h.funnelfox.count("my_assets"), reads, "a stale event costs no read");
}

#[tokio::test]
async fn a_failed_renewal_ends_the_entitlement_after_grace() {
    let h = Harness::start().await;
    h.checkout("magic_renewal_fails_4").await;
    assert_eq!(h.products().await, products(&["magic_renewal_fails_4"]));
    h.funnelfox.advance_days(30);
    assert_eq!(
        h.products().await,
        products(&["magic_renewal_fails_4"]),
        "retrying, in grace: still entitled"
    );
    h.funnelfox.advance_days(3);
    assert!(h.products().await.is_empty(), "the fourth failure expires it");
    let subtypes: Vec<String> = h
        .funnelfox
        .webhook_deliveries()
        .iter()
        .map(|d| d.typed().unwrap().subtype.unwrap().to_string())
        .collect();
    assert_eq!(subtypes.last().unwrap(), "expiration");
}

#[tokio::test]
async fn a_forged_event_grants_nothing() {
    let h = Harness::start().await;
    let hooks = format!("{}/funnelfox/webhooks", h.origin);
    assert_eq!(forge::post(&hooks, &forge::settled_order(USER)).await, 403, "no token");
    let with_token = format!("{hooks}?token={TOKEN}");
    assert_eq!(forge::post(&with_token, &forge::settled_order(USER)).await, 200);
    assert!(h.products().await.is_empty(), "my_assets shows nothing");
}

#[tokio::test]
async fn a_top_up_moves_the_closient_balance() {
    let h = Harness::start().await;
    let (status, checkout) = h.post("/topup", json!({"cents": 5_000})).await;
    assert_eq!(status, 200, "{checkout}");
    assert!(h.closient.complete_checkout(checkout["checkout_url"].as_str().unwrap()));
    assert_eq!(h.get("/balance").await["balance"], "50.00");
    let before = h.closient.requests().len();
    let (status, refused) = h.post("/topup", json!({"cents": 100})).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("amount_cents"), "{refused}");
    assert_eq!(h.closient.requests().len(), before, "nothing reached Closient");
}
