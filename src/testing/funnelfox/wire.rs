//! How the fake writes what it holds, as answers and webhooks carry it:
//! FunnelFox's timestamps (naive ISO-8601 with microseconds) and currencies, and
//! the JSON of a user, a one-off and a subscription. In one place so that an
//! answer and a webhook about the same thing show it the same way.

use super::assets::{Assets, OneOff, Subscription};
use super::catalogue::PricePoint;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub(super) fn currency(code: &str) -> Value {
    json!({"code": code, "minor_units": 2, "title": code, "symbol": if code == "USD" { "$" } else { code }})
}

/// FunnelFox's timestamps: naive ISO-8601 with microseconds.
pub(super) fn naive(t: DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// A timestamp that may be absent, as FunnelFox sends it: `""` when absent (its
/// transaction report and webhooks do so), so that the tests and the example
/// read the real shape.
pub(super) fn naive_or_empty(t: Option<DateTime<Utc>>) -> String {
    t.map(naive).unwrap_or_default()
}

impl Assets {
    pub(super) fn user_json(&self, external_id: &str) -> Value {
        json!({"external_id": external_id, "email": self.emails.get(external_id)})
    }

    pub(super) fn oneoff_json(&self, o: &OneOff) -> Value {
        json!({
            "oneoff_id": o.oneoff_id,
            "order_id": o.order_id,
            "is_active": o.revoked_at.is_none(),
            "price_point": self.catalogue.get(&o.pp_ident).map(PricePoint::json),
            "started_at": naive(o.started_at),
            "revoked_at": naive_or_empty(o.revoked_at),
        })
    }

    pub(super) fn subscription_json(&self, sub: &Subscription) -> Value {
        let pp = self
            .catalogue
            .get(&sub.pp_ident)
            .map(PricePoint::json)
            .unwrap_or(Value::Null);
        json!({
            "subs_id": sub.subs_id,
            "is_active": sub.active(),
            "price_point": pp,
            "status": sub.statuses.iter().collect::<Vec<_>>(),
            "started_at": naive(sub.started_at),
            "current_period_starts_at": naive(sub.period_start),
            "current_period_ends_at": naive(sub.period_end),
            "next_check_at": naive_or_empty(sub.next_check_at),
            "iteration": sub.iteration,
            "available_actions": sub.actions(),
            "initial_order_metadata": sub.metadata,
            "discounts": sub.discounts,
        })
    }
}
