//! Forged webhook deliveries, for testing that an endpoint grants nothing to
//! someone who merely learnt its URL: well-formed FunnelFox events naming
//! orders, subscriptions or one-offs that FunnelFox never made, POSTed the way an
//! attacker would.
//!
//! ```no_run
//! use billing_clients::testing::forge;
//!
//! # async fn run() {
//! let url = "http://127.0.0.1:8080/funnelfox/webhooks"; // no token: refused
//! let status = forge::post(url, &forge::settled_order("attacker-1")).await;
//! assert_eq!(status, 403);
//! # }
//! ```

use serde_json::{Value, json};

/// An `order` / `settled` event for `external_id` naming a made-up order.
pub fn settled_order(external_id: &str) -> Value {
    order_event(external_id, &uuid())
}

/// An `order` / `settled` event for `external_id` naming `order_id` (a real
/// order of another user, say).
pub fn order_event(external_id: &str, order_id: &str) -> Value {
    json!({
        "event_id": uuid(), "event_type": "order", "subtype": "settled",
        "event_timestamp": now(), "external_id": external_id, "is_livemode": true,
        "order": {"order_id": order_id, "amount": "99.99", "currency_code": "USD",
                  "external_id": external_id, "status": "settled", "psp": "stripe"},
        "user": {"external_id": external_id},
    })
}

/// A `subscription` / `renewing` event for `external_id` naming a made-up,
/// active subscription.
pub fn renewal(external_id: &str) -> Value {
    subscription_event(external_id, &uuid())
}

/// A `subscription` / `renewing` event for `external_id` naming `subs_id`.
pub fn subscription_event(external_id: &str, subs_id: &str) -> Value {
    json!({
        "event_id": uuid(), "event_type": "subscription", "subtype": "renewing",
        "event_timestamp": now(), "external_id": external_id, "is_livemode": true,
        "subscription": {"subs_id": subs_id, "is_active": true, "status": ["RECURRING"],
                         "price_point": {"ident": "pro_yearly"}},
        "user": {"external_id": external_id},
    })
}

/// POST `event` to `url` as FunnelFox would (JSON, no credentials but what
/// `url` carries); the HTTP status answered, 0 when nothing answered.
pub async fn post(url: &str, event: &Value) -> u16 {
    let Ok(http) = crate::http_client_builder().map(|b| b.build().unwrap_or_default()) else {
        return 0;
    };
    match http.post(url).json(event).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

fn uuid() -> String {
    crate::runtime::random::uuid().to_string()
}

fn now() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}
