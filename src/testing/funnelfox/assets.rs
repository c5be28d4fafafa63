//! What FunnelFox keeps after a charge, and the server-side operations on it: the
//! catalogue (price points, features), what each user owns (subscriptions and
//! one-offs), payments and the transaction report, and the changes refunds,
//! cancellations and subscription management make. Requests arrive checked
//! against the spec (as JSON); answers are built in the spec's shapes (the tests
//! check every one against it).

use super::PaymentOutcome;
use super::http::{Answer, Rejection, success};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use uuid::Uuid;

/// Failed renewals retried (daily, in grace) before a subscription expires.
pub(super) const RENEWAL_RETRIES: u32 = 3;

/// A price point of the catalogue.
#[derive(Clone)]
pub(super) struct PricePoint {
    pub(super) ident: String,
    pub(super) currency: String,
    pub(super) intro_type: String,
    /// A one-off purchase at this price, when set; else a subscription.
    pub(super) lifetime_price: Option<Decimal>,
    pub(super) next_price: Option<Decimal>,
    pub(super) next_period: i64,
    pub(super) next_period_duration: String,
    pub(super) features: Vec<String>,
    /// A free trial before the first charge of the price.
    pub(super) trial: Option<Duration>,
    pub(super) version: i64,
    pub(super) id: i64,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    /// Fields the fake does not model, kept as sent and answered back, as the
    /// service keeps what it knows and this crate may not (yet).
    pub(super) kept: serde_json::Map<String, Value>,
}

/// The request fields `apply` models; any other is kept as sent.
const MODELLED: &[&str] = &[
    "origin_ident",
    "ident",
    "intro_type",
    "currency_code",
    "lifetime_price",
    "next_price",
    "next_period",
    "next_period_duration",
    "intro_free_trial_period",
    "intro_free_trial_period_duration",
    "features",
];

impl PricePoint {
    /// A monthly subscription at 9.99 USD.
    pub(super) fn monthly(ident: &str, id: i64, now: DateTime<Utc>) -> Self {
        Self {
            ident: ident.to_string(),
            currency: "USD".into(),
            intro_type: "no_intro".into(),
            lifetime_price: None,
            next_price: Some(Decimal::new(999, 2)),
            next_period: 1,
            next_period_duration: "months".into(),
            features: Vec::new(),
            trial: None,
            version: 1,
            id,
            created_at: now,
            updated_at: now,
            kept: Default::default(),
        }
    }

    /// What one charge of it costs.
    pub(super) fn price(&self) -> Decimal {
        self.lifetime_price.or(self.next_price).unwrap_or_default()
    }

    fn period(&self) -> Duration {
        let n = self.next_period.max(1);
        match self.next_period_duration.as_str() {
            "minutes" => Duration::minutes(n),
            "days" => Duration::days(n),
            "weeks" => Duration::weeks(n),
            "years" => Duration::days(365 * n),
            _ => Duration::days(30 * n),
        }
    }

    fn json(&self) -> Value {
        let mut v = json!({
            "ident": self.ident,
            "currency": currency(&self.currency),
            "intro_type": self.intro_type,
            "features": self.features.iter().map(|f| json!({"ident": f})).collect::<Vec<_>>(),
            "lifetime_price": self.lifetime_price.map(|d| d.to_string()),
            "next_price": self.next_price.map(|d| d.to_string()),
            "next_period": self.next_period,
            "next_period_duration": self.next_period_duration,
            "intro_free_trial_period": self.trial.map(|t| t.num_days()),
            "intro_free_trial_period_duration": self.trial.map(|_| "days"),
        });
        for (key, value) in &self.kept {
            v.as_object_mut()
                .map(|o| o.entry(key.clone()).or_insert_with(|| value.clone()));
        }
        v
    }

    fn admin_json(&self) -> Value {
        let mut v = self.json();
        v["pp_id"] = json!(self.id);
        v["pp_version"] = json!(self.version);
        v["created_at"] = json!(naive(self.created_at));
        v["updated_at"] = json!(naive(self.updated_at));
        v
    }
}

fn currency(code: &str) -> Value {
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

pub(super) struct Subscription {
    pub(super) subs_id: Uuid,
    pub(super) external_id: String,
    pub(super) pp_ident: String,
    pub(super) statuses: BTreeSet<&'static str>,
    pub(super) started_at: DateTime<Utc>,
    pub(super) period_start: DateTime<Utc>,
    pub(super) period_end: DateTime<Utc>,
    pub(super) next_check_at: Option<DateTime<Utc>>,
    pub(super) iteration: i64,
    pub(super) discounts: Vec<Value>,
    pub(super) metadata: Value,
    /// A migration waiting for the next period (`delayed_start`).
    pub(super) pending_pp: Option<String>,
    /// Failed renewals in a row.
    pub(super) retries: u32,
    /// Renewals still to fail on purpose (`magic_renewal_fails_N`).
    pub(super) magic_failures: u32,
}

impl Subscription {
    fn active(&self) -> bool {
        !self.statuses.contains("EXPIRED") && !self.statuses.contains("PAUSED")
    }

    fn actions(&self) -> Vec<&'static str> {
        if self.statuses.contains("EXPIRED") {
            return Vec::new();
        }
        let mut a = vec!["migrate", "create_discount", "defer", "cancel", "refund"];
        a.push(if self.statuses.contains("PAUSED") {
            "resume"
        } else {
            "pause"
        });
        a.push(if self.statuses.contains("AUTORENEW_OFF") {
            "enable_autorenew"
        } else {
            "disable_autorenew"
        });
        a
    }
}

pub(super) struct OneOff {
    pub(super) oneoff_id: Uuid,
    pub(super) order_id: Uuid,
    pub(super) external_id: String,
    pub(super) pp_ident: String,
    pub(super) started_at: DateTime<Utc>,
    pub(super) revoked_at: Option<DateTime<Utc>>,
}

/// A charge or a refund, as the transaction report lists it.
pub(super) struct Transaction {
    pub(super) trx_id: Uuid,
    pub(super) order_id: Uuid,
    pub(super) external_id: String,
    pub(super) subs_id: Option<Uuid>,
    pub(super) oneoff_id: Option<Uuid>,
    pub(super) amount: Decimal,
    pub(super) currency: String,
    pub(super) kind: &'static str,
    pub(super) created_at: DateTime<Utc>,
}

/// The back office: everything after a charge.
pub(super) struct Assets {
    pub(super) catalogue: BTreeMap<String, PricePoint>,
    pub(super) features: BTreeMap<String, String>,
    pub(super) subscriptions: BTreeMap<Uuid, Subscription>,
    pub(super) oneoffs: BTreeMap<Uuid, OneOff>,
    pub(super) transactions: Vec<Transaction>,
    /// E-mail address of each user known by one.
    pub(super) emails: BTreeMap<String, String>,
    /// Webhook events emitted and not yet handed to the deliveries.
    pub(super) events: Vec<Value>,
    /// The fake's clock: it starts on 2026-01-01 and moves a second per event, so
    /// every timestamp is distinct and ordered.
    pub(super) now: DateTime<Utc>,
}

impl Default for Assets {
    fn default() -> Self {
        Self {
            catalogue: BTreeMap::new(),
            features: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            oneoffs: BTreeMap::new(),
            transactions: Vec::new(),
            emails: BTreeMap::new(),
            events: Vec::new(),
            now: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
        }
    }
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn uuid(v: &Value, k: &str) -> Option<Uuid> {
    s(v, k).and_then(|s| Uuid::try_parse(s).ok())
}

fn decimal(v: &Value, k: &str) -> Option<Decimal> {
    match v.get(k)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

fn time(v: &Value, k: &str) -> Option<DateTime<Utc>> {
    s(v, k)
        .and_then(|t| t.parse::<crate::Timestamp>().ok())
        .map(|t| t.utc())
}

fn ok() -> Answer {
    Ok(success(json!({})))
}

/// A request the service refuses as a whole: HTTP 400 `bad_request`.
fn refused(msg: impl Into<String>) -> Rejection {
    Rejection {
        http: StatusCode::BAD_REQUEST,
        code: "bad_request",
        msg: msg.into(),
    }
}

impl Assets {
    /// Whether the user has an active subscription or one-off of this price point.
    pub(super) fn owns(&self, external_id: &str, pp_ident: &str) -> bool {
        self.subscriptions
            .values()
            .any(|s| s.external_id == external_id && s.pp_ident == pp_ident && !s.statuses.contains("EXPIRED"))
            || self
                .oneoffs
                .values()
                .any(|o| o.external_id == external_id && o.pp_ident == pp_ident && o.revoked_at.is_none())
    }

    /// A webhook event about `external_id`, with the objects in `about`.
    pub(super) fn emit(&mut self, event_type: &str, subtype: Option<&str>, external_id: &str, about: Value) {
        let at = self.tick();
        let mut event = json!({
            "event_id": crate::runtime::random::uuid().to_string(),
            "event_timestamp": naive(at),
            "event_type": event_type,
            "subtype": subtype,
            "external_id": external_id,
            "is_livemode": false,
        });
        if let (Some(e), Value::Object(about)) = (event.as_object_mut(), about) {
            e.extend(about);
        }
        self.events.push(event);
    }

    fn subscription_event(&mut self, subs_id: Uuid, subtype: &str) {
        let Some(sub) = self.subscriptions.get(&subs_id) else {
            return;
        };
        let user = sub.external_id.clone();
        let about = json!({"subscription": self.subscription_json(sub), "user": self.user_json(&user)});
        self.emit("subscription", Some(subtype), &user, about);
    }

    fn user_json(&self, external_id: &str) -> Value {
        json!({"external_id": external_id, "email": self.emails.get(external_id)})
    }

    fn oneoff_json(&self, o: &OneOff) -> Value {
        json!({
            "oneoff_id": o.oneoff_id,
            "order_id": o.order_id,
            "is_active": o.revoked_at.is_none(),
            "price_point": self.catalogue.get(&o.pp_ident).map(PricePoint::json),
            "started_at": naive(o.started_at),
            "revoked_at": naive_or_empty(o.revoked_at),
        })
    }

    /// Stamp the next event: one microsecond after the last, so that every
    /// timestamp is distinct and in order while the clock moves only when told.
    fn tick(&mut self) -> DateTime<Utc> {
        self.now += Duration::microseconds(1);
        self.now
    }

    /// Move the clock to `target`, and with it every subscription that falls due
    /// on the way, in order: trials convert, periods renew with a charge (taking
    /// the scripted outcomes), failed renewals retry daily in grace and expire
    /// after three more failures, autorenew off expires at the period's end, a
    /// pause with an end resumes.
    pub(super) fn advance_to(&mut self, target: DateTime<Utc>, outcomes: &mut VecDeque<PaymentOutcome>) {
        loop {
            let due = self
                .subscriptions
                .values()
                .filter(|s| !s.statuses.contains("EXPIRED"))
                .filter_map(|s| s.next_check_at.filter(|t| *t <= target).map(|t| (t, s.subs_id)))
                .min();
            let Some((at, id)) = due else { break };
            self.now = self.now.max(at);
            self.fall_due(id, outcomes);
        }
        self.now = self.now.max(target);
    }

    fn fall_due(&mut self, id: Uuid, outcomes: &mut VecDeque<PaymentOutcome>) {
        let now = self.now;
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        if sub.statuses.remove("PAUSED") {
            sub.next_check_at = Some(sub.period_end.max(now));
            self.subscription_event(id, "resuming");
            return;
        }
        if sub.statuses.contains("AUTORENEW_OFF") {
            sub.statuses = BTreeSet::from(["EXPIRED"]);
            sub.next_check_at = None;
            self.subscription_event(id, "expiration");
            return;
        }
        if let Some(pp) = sub.pending_pp.take() {
            sub.pp_ident = pp;
        }
        let (user, pp_ident) = (sub.external_id.clone(), sub.pp_ident.clone());
        let Some(pp) = self.catalogue.get(&pp_ident).cloned() else {
            return;
        };
        let order_id = crate::runtime::random::uuid();
        let magic = self.subscriptions.get_mut(&id).filter(|s| s.magic_failures > 0);
        let paid = match magic {
            Some(sub) => {
                sub.magic_failures -= 1;
                false
            }
            None => matches!(
                outcomes.pop_front().unwrap_or(PaymentOutcome::Succeeded),
                PaymentOutcome::Succeeded
            ),
        };
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        if paid {
            let subtype = if sub.statuses.contains("INTRO") {
                "convertion"
            } else if sub.statuses.contains("RETRY") {
                "recovering"
            } else {
                "renewing"
            };
            let start = if sub.statuses.contains("RETRY") {
                now
            } else {
                sub.period_end
            };
            sub.statuses = BTreeSet::from(["RECURRING"]);
            sub.retries = 0;
            sub.period_start = start;
            sub.period_end = start + pp.period();
            sub.next_check_at = Some(sub.period_end);
            sub.iteration += 1;
            let mut price = pp.next_price.unwrap_or_default();
            if let Some(d) = sub
                .discounts
                .iter_mut()
                .find(|d| d["count_of_iterations_available"].as_i64() > Some(0))
            {
                let percent = Decimal::from(d["percent"].as_i64().unwrap_or(0));
                price -= (price * percent / Decimal::from(100)).round_dp(2);
                d["count_of_iterations_available"] =
                    json!(d["count_of_iterations_available"].as_i64().unwrap_or(1) - 1);
            }
            self.record(order_id, &user, Some(id), None, price, &pp.currency, "charge");
            self.subscription_event(id, subtype);
            return;
        }
        self.declined(order_id, &user, &pp_ident);
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        sub.retries += 1;
        if sub.retries == 1 {
            sub.statuses.insert("RETRY");
            sub.statuses.insert("GRACE");
            sub.next_check_at = Some(now + Duration::days(1));
            self.subscription_event(id, "start_retry");
            self.subscription_event(id, "start_grace");
        } else if sub.retries > RENEWAL_RETRIES {
            sub.statuses = BTreeSet::from(["EXPIRED"]);
            sub.next_check_at = None;
            self.subscription_event(id, "finish_grace");
            self.subscription_event(id, "expiration");
        } else {
            sub.next_check_at = Some(now + Duration::days(1));
        }
    }

    /// A succeeded charge of `pp_ident` for order `order_id`: the user gets the
    /// subscription or one-off, and the payment is recorded.
    pub(super) fn settle(&mut self, order_id: Uuid, external_id: &str, pp_ident: &str, metadata: Value) {
        let now = self.tick();
        let Some(pp) = self.catalogue.get(pp_ident).cloned() else {
            return;
        };
        let (mut subs_id, mut oneoff_id) = (None, None);
        if pp.lifetime_price.is_some() {
            let id = crate::runtime::random::uuid();
            self.oneoffs.insert(
                id,
                OneOff {
                    oneoff_id: id,
                    order_id,
                    external_id: external_id.to_string(),
                    pp_ident: pp_ident.to_string(),
                    started_at: now,
                    revoked_at: None,
                },
            );
            oneoff_id = Some(id);
            let about = json!({"oneoff": self.oneoff_json(&self.oneoffs[&id]), "user": self.user_json(external_id)});
            self.emit("oneoff", Some("granted"), external_id, about);
        } else {
            let id = crate::runtime::random::uuid();
            let statuses = BTreeSet::from([if pp.intro_type == "no_intro" {
                "RECURRING"
            } else {
                "INTRO"
            }]);
            self.subscriptions.insert(
                id,
                Subscription {
                    subs_id: id,
                    external_id: external_id.to_string(),
                    pp_ident: pp_ident.to_string(),
                    statuses,
                    started_at: now,
                    period_start: now,
                    period_end: now + pp.trial.unwrap_or_else(|| pp.period()),
                    next_check_at: Some(now + pp.trial.unwrap_or_else(|| pp.period())),
                    iteration: 1,
                    discounts: Vec::new(),
                    metadata,
                    pending_pp: None,
                    retries: 0,
                    magic_failures: super::magic::renewal_failures(pp_ident),
                },
            );
            subs_id = Some(id);
            if pp.intro_type != "no_intro" {
                self.subscription_event(id, "starting_trial");
            }
        }
        // A free trial's first order costs nothing.
        let first = if pp.trial.is_some() && subs_id.is_some() {
            Decimal::ZERO
        } else {
            pp.price()
        };
        self.record(order_id, external_id, subs_id, oneoff_id, first, &pp.currency, "charge");
        let order = json!({
            "order": {
                "order_id": order_id, "amount": pp.price().to_string(), "currency_code": pp.currency,
                "subs_id": subs_id, "oneoff_id": oneoff_id, "external_id": external_id,
                "status": "settled", "psp": "stripe", "created_at": naive(self.now),
            },
            "user": self.user_json(external_id),
        });
        self.emit("order", Some("settled"), external_id, order);
    }

    /// A charge that did not go through.
    pub(super) fn declined(&mut self, order_id: Uuid, external_id: &str, pp_ident: &str) {
        let price = self.catalogue.get(pp_ident).map(|p| p.price().to_string());
        let order = json!({
            "order": {
                "order_id": order_id, "amount": price, "external_id": external_id, "status": "declined",
                "created_at": naive(self.now),
                "decline_reason": {"message": "Your card was declined.", "type": "card_declined"},
            },
            "user": self.user_json(external_id),
        });
        self.emit("order", Some("declined"), external_id, order);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        order_id: Uuid,
        external_id: &str,
        subs_id: Option<Uuid>,
        oneoff_id: Option<Uuid>,
        amount: Decimal,
        currency: &str,
        kind: &'static str,
    ) {
        let created_at = self.tick();
        self.transactions.push(Transaction {
            trx_id: crate::runtime::random::uuid(),
            order_id,
            external_id: external_id.to_string(),
            subs_id,
            oneoff_id,
            amount,
            currency: currency.to_string(),
            kind,
            created_at,
        });
    }

    fn subscription_json(&self, sub: &Subscription) -> Value {
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

    pub(super) fn my_assets(&mut self, r: Value) -> Answer {
        let user = s(&r, "external_id").unwrap_or_default();
        let subscriptions: Vec<Value> = self
            .subscriptions
            .values()
            .filter(|sub| sub.external_id == user)
            .map(|sub| self.subscription_json(sub))
            .collect();
        let oneoffs: Vec<Value> = self
            .oneoffs
            .values()
            .filter(|o| o.external_id == user)
            .map(|o| self.oneoff_json(o))
            .collect();
        Ok(success(
            json!({"subscriptions": subscriptions, "oneoffs": oneoffs, "consumables": []}),
        ))
    }

    fn refunded(&self, order_id: Uuid) -> Decimal {
        self.transactions
            .iter()
            .filter(|t| t.order_id == order_id && t.kind == "refund")
            .map(|t| t.amount)
            .sum()
    }

    pub(super) fn payments_history(&mut self, r: Value) -> Answer {
        let user = s(&r, "external_id").unwrap_or_default();
        let payments: Vec<Value> = self
            .transactions
            .iter()
            .filter(|t| t.external_id == user && t.kind == "charge")
            .map(|t| {
                let refunded = self.refunded(t.order_id);
                json!({
                    "order_id": t.order_id,
                    "subs_id": t.subs_id,
                    "oneoff_id": t.oneoff_id,
                    "refunded": if refunded.is_zero() { json!(false) } else { json!(refunded.to_string()) },
                    "amount": t.amount.to_string(),
                    "currency": currency(&t.currency),
                    "created_at": naive(t.created_at),
                    "last4": "4242",
                    "network": "visa",
                    "payment_method": "card",
                })
            })
            .collect();
        Ok(success(json!({"payments": payments})))
    }

    /// Transactions from `last_transaction_date` on (inclusive), oldest first, as
    /// many as `limit`.
    pub(super) fn transaction_report(&mut self, r: Value) -> Answer {
        let from = time(&r, "last_transaction_date");
        let limit = r.get("limit").and_then(Value::as_u64).unwrap_or(100) as usize;
        let (subs, order, oneoff) = (uuid(&r, "subs_id"), uuid(&r, "order_id"), uuid(&r, "oneoff_id"));
        let page: Vec<Value> = self
            .transactions
            .iter()
            .filter(|t| from.is_none_or(|f| t.created_at >= f))
            .filter(|t| subs.is_none_or(|id| t.subs_id == Some(id)))
            .filter(|t| order.is_none_or(|id| t.order_id == id))
            .filter(|t| oneoff.is_none_or(|id| t.oneoff_id == Some(id)))
            .take(limit)
            .map(|t| {
                json!({
                    "order_id": t.order_id,
                    "trx_id": t.trx_id,
                    "status": if t.kind == "refund" { "refunded" } else { "succeeded" },
                    "amount": t.amount.to_string(),
                    "currency_code": t.currency,
                    "psp": "stripe",
                    "psp_transaction_type": t.kind,
                    "trx_created_at": naive(t.created_at),
                    "psp_date": naive_or_empty((t.kind == "charge").then_some(t.created_at)),
                    "meta_subs_id": t.subs_id.map(|u| u.to_string()),
                    "meta_oneoff_id": t.oneoff_id.map(|u| u.to_string()),
                    "region": "default",
                    // The payment method, as the page's later fields describe it.
                    "is_vaulted": true,
                    "network": "visa",
                    "pm_data_last4": "4242",
                })
            })
            .collect();
        Ok(success(json!({"transactions": page})))
    }

    /// The paid order `order_id` of user `external_id`: its charge.
    fn charge_of(&self, r: &Value) -> Result<&Transaction, Rejection> {
        let order = uuid(r, "order_id").unwrap_or_default();
        let user = s(r, "external_id").unwrap_or_default();
        self.transactions
            .iter()
            .find(|t| t.order_id == order && t.kind == "charge" && t.external_id == user)
            .ok_or_else(|| Rejection::rule("no paid order with this id for this user"))
    }

    /// Take the user's access to what order `order_id` bought, now.
    fn revoke(&mut self, subs_id: Option<Uuid>, oneoff_id: Option<Uuid>) {
        let now = self.now;
        if let Some(sub) = subs_id.and_then(|id| self.subscriptions.get_mut(&id)) {
            sub.statuses = BTreeSet::from(["EXPIRED"]);
            sub.next_check_at = None;
            sub.period_end = now;
            let id = sub.subs_id;
            self.subscription_event(id, "expiration");
        }
        if let Some(o) = oneoff_id.and_then(|id| self.oneoffs.get_mut(&id)) {
            o.revoked_at.get_or_insert(now);
            let (user, id) = (o.external_id.clone(), o.oneoff_id);
            let about = json!({"oneoff": self.oneoff_json(&self.oneoffs[&id]), "user": self.user_json(&user)});
            self.emit("oneoff", Some("revoked"), &user, about);
        }
    }

    pub(super) fn payment_refund(&mut self, r: Value) -> Answer {
        let charge = self.charge_of(&r)?;
        let (order, user, subs, oneoff, currency, charged_at) = (
            charge.order_id,
            charge.external_id.clone(),
            charge.subs_id,
            charge.oneoff_id,
            charge.currency.clone(),
            charge.created_at,
        );
        let left = charge.amount - self.refunded(order);
        let amount = decimal(&r, "amount").unwrap_or(left);
        if amount <= Decimal::ZERO || amount > left {
            return Err(Rejection::rule(format!("can refund at most {left} of this order")));
        }
        self.record(order, &user, subs, oneoff, amount, &currency, "refund");
        let refund = self.transactions.last().map(|t| (t.trx_id, t.created_at));
        // The fields of the refund webhook's page (`soft_refund` is not one of them).
        let about = json!({
            "order_id": order, "trx_id": refund.map(|r| r.0), "amount_refunded": amount.to_string(),
            "currency_code": currency, "refund_at": refund.map(|r| naive(r.1)),
            "created_at": naive(charged_at), "subs_id": subs, "user": self.user_json(&user),
        });
        self.emit("refund", Some("settled"), &user, about);
        // A soft refund gives the money back and keeps the access.
        if r.get("soft_refund").and_then(Value::as_bool) != Some(true) {
            self.revoke(subs, oneoff);
        }
        ok()
    }

    pub(super) fn payment_cancel(&mut self, r: Value) -> Answer {
        let charge = self.charge_of(&r)?;
        let (subs, oneoff) = (charge.subs_id, charge.oneoff_id);
        // A soft cancellation stops the renewals and keeps the paid period.
        if r.get("soft_cancel").and_then(Value::as_bool) == Some(true) {
            if let Some(sub) = subs.and_then(|id| self.subscriptions.get_mut(&id)) {
                sub.statuses.insert("AUTORENEW_OFF");
                let id = sub.subs_id;
                self.subscription_event(id, "unsubscription");
            }
        } else {
            self.revoke(subs, oneoff);
        }
        ok()
    }

    /// The live subscription `subs_id` (of `external_id`, when given).
    fn live(&mut self, r: &Value) -> Result<&mut Subscription, Rejection> {
        let id = uuid(r, "subs_id").unwrap_or_default();
        let user = s(r, "external_id");
        match self.subscriptions.get_mut(&id) {
            Some(sub) if user.is_some_and(|u| u != sub.external_id) => {
                Err(Rejection::rule("the subscription is not this user's"))
            }
            Some(sub) if sub.statuses.contains("EXPIRED") => Err(Rejection::rule("the subscription has expired")),
            Some(sub) => Ok(sub),
            None => Err(Rejection::rule("unknown subscription")),
        }
    }

    pub(super) fn autorenew(&mut self, r: Value, on: bool) -> Answer {
        let sub = self.live(&r)?;
        let changed = if on {
            sub.statuses.remove("AUTORENEW_OFF")
        } else {
            sub.statuses.insert("AUTORENEW_OFF")
        };
        let id = sub.subs_id;
        if changed {
            self.subscription_event(id, if on { "recovering_autorenew" } else { "unsubscription" });
        }
        ok()
    }

    pub(super) fn pause(&mut self, r: Value) -> Answer {
        let till = time(&r, "pause_till");
        let sub = self.live(&r)?;
        if sub.statuses.contains("PAUSED") {
            return Err(Rejection::rule("the subscription is already paused"));
        }
        sub.statuses.insert("PAUSED");
        // Without an end, the pause lasts until resumed: no next check.
        sub.next_check_at = till;
        let id = sub.subs_id;
        self.subscription_event(id, "pausing");
        ok()
    }

    pub(super) fn resume(&mut self, r: Value) -> Answer {
        let now = self.now;
        let sub = self.live(&r)?;
        if !sub.statuses.remove("PAUSED") {
            return Err(Rejection::rule("the subscription is not paused"));
        }
        sub.next_check_at = Some(sub.period_end.max(now));
        let id = sub.subs_id;
        self.subscription_event(id, "resuming");
        ok()
    }

    pub(super) fn defer(&mut self, r: Value) -> Answer {
        let till = time(&r, "defer_till");
        let sub = self.live(&r)?;
        let till = till.unwrap_or(sub.period_end + (sub.period_end - sub.period_start));
        if till <= sub.period_end {
            return Err(Rejection::rule("defer_till must be after the current period's end"));
        }
        sub.period_end = till;
        sub.next_check_at = Some(till);
        let id = sub.subs_id;
        // Upstream's spelling.
        self.subscription_event(id, "defering");
        ok()
    }

    pub(super) fn discount(&mut self, r: Value) -> Answer {
        let percent = r.get("percent").and_then(Value::as_i64).unwrap_or_default();
        // The bounds of its page: 1 to 99 percent, for more than 0 periods.
        if !(1..=99).contains(&percent) {
            return Err(Rejection::rule("percent must be 1 to 99"));
        }
        let iterations = r.get("count_of_iterations").and_then(Value::as_i64).unwrap_or(1);
        if iterations < 1 {
            return Err(Rejection::rule("count_of_iterations must be above 0"));
        }
        let sub = self.live(&r)?;
        let id = sub.subs_id;
        sub.discounts.push(json!({
            "discount_id": crate::runtime::random::uuid(), "subs_id": id, "percent": percent,
            "count_of_iterations": iterations, "count_of_iterations_available": iterations,
        }));
        ok()
    }

    pub(super) fn migration(&mut self, r: Value) -> Answer {
        let target = s(&r, "pp_ident").unwrap_or_default().to_string();
        let Some(to) = self.catalogue.get(&target).cloned() else {
            return Err(Rejection::rule(format!("unknown price point {target:?}")));
        };
        if to.lifetime_price.is_some() {
            return Err(Rejection::rule("a subscription migrates to a subscription price point"));
        }
        let wanted = s(&r, "strategy").unwrap_or("price_prorate").to_string();
        let strict = r.get("strict_mode").and_then(Value::as_bool).unwrap_or(true);
        let dry_run = r.get("dry_run").and_then(Value::as_bool).unwrap_or(false);
        let catalogue = self.catalogue.clone();
        let sub = self.live(&r)?;
        if sub.pp_ident == target {
            return Err(Rejection::rule("the subscription is already on this price point"));
        }
        // Prorating charges now: not during an intro or a pause.
        let prorate_possible = !sub.statuses.contains("INTRO") && !sub.statuses.contains("PAUSED");
        let strategy = match wanted.as_str() {
            "price_prorate" if !prorate_possible && strict => {
                return Err(refused(
                    "price_prorate is not available for this subscription (strict mode)",
                ));
            }
            "price_prorate" if !prorate_possible => "delayed_start",
            "price_prorate" => "price_prorate",
            _ => "delayed_start",
        };
        let old = catalogue.get(&sub.pp_ident).map(PricePoint::price).unwrap_or_default();
        let due = if strategy == "price_prorate" {
            (to.price() - old).max(Decimal::ZERO)
        } else {
            Decimal::ZERO
        };
        let (subs_id, user) = (sub.subs_id, sub.external_id.clone());
        let mut out = json!({"migration_strategy": strategy, "subs_id": subs_id, "charged_amount": due.to_string(), "payment_result": null});
        if dry_run {
            return Ok(success(out));
        }
        if strategy == "delayed_start" {
            sub.pending_pp = Some(target);
            return Ok(success(out));
        }
        sub.pp_ident = target;
        let order_id = crate::runtime::random::uuid();
        if !due.is_zero() {
            self.record(order_id, &user, Some(subs_id), None, due, &to.currency, "charge");
        }
        out["payment_result"] =
            json!({"checkout_status": "succeeded", "failed_message_for_user": "", "order_id": order_id});
        Ok(success(out))
    }

    pub(super) fn price_points(&mut self, r: Value, admin: bool) -> Answer {
        let (ident, code, feature) = (s(&r, "ident"), s(&r, "currency_code"), s(&r, "feature_ident"));
        let list: Vec<Value> = self
            .catalogue
            .values()
            .filter(|p| ident.is_none_or(|i| p.ident == i))
            .filter(|p| code.is_none_or(|c| p.currency.eq_ignore_ascii_case(c)))
            .filter(|p| feature.is_none_or(|f| p.features.iter().any(|x| x == f)))
            .map(|p| if admin { p.admin_json() } else { p.json() })
            .collect();
        Ok(success(json!({"price_points": list})))
    }

    /// `features` as a list, or one comma-separated string.
    fn features_of(&self, r: &Value) -> Result<Option<Vec<String>>, Rejection> {
        let list: Vec<String> = match r.get("features") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(String::from)
                .collect(),
            Some(v) => v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
        };
        match list.iter().find(|f| !self.features.contains_key(*f)) {
            Some(unknown) => Err(Rejection::rule(format!("unknown feature {unknown:?}"))),
            None => Ok(Some(list)),
        }
    }

    fn apply(&self, pp: &mut PricePoint, r: &Value) -> Result<(), Rejection> {
        if let Some(v) = s(r, "intro_type") {
            pp.intro_type = v.to_string();
        }
        if let Some(v) = s(r, "currency_code") {
            pp.currency = v.to_uppercase();
        }
        if r.get("lifetime_price").is_some() {
            pp.lifetime_price = decimal(r, "lifetime_price");
        }
        if r.get("next_price").is_some() {
            pp.next_price = decimal(r, "next_price");
        }
        if let Some(v) = r.get("next_period").and_then(Value::as_i64) {
            pp.next_period = v;
        }
        if let Some(v) = s(r, "next_period_duration") {
            pp.next_period_duration = v.to_string();
        }
        if s(r, "intro_type") == Some("free_trial") {
            let n = r.get("intro_free_trial_period").and_then(Value::as_i64).unwrap_or(7);
            pp.trial = Some(match s(r, "intro_free_trial_period_duration") {
                Some("weeks") => Duration::weeks(n),
                Some("months") => Duration::days(30 * n),
                _ => Duration::days(n),
            });
        }
        if let Some(features) = self.features_of(r)? {
            pp.features = features;
        }
        for (key, value) in r.as_object().into_iter().flatten() {
            if !MODELLED.contains(&key.as_str()) {
                pp.kept.insert(key.clone(), value.clone());
            }
        }
        if pp.lifetime_price.is_none() && pp.next_price.is_none() {
            return Err(Rejection::rule("a price point needs a lifetime_price or a next_price"));
        }
        Ok(())
    }

    pub(super) fn pp_create(&mut self, r: Value) -> Answer {
        let ident = s(&r, "ident").unwrap_or_default().to_string();
        if self.catalogue.contains_key(&ident) {
            return Err(Rejection::rule(format!("price point {ident:?} exists")));
        }
        let now = self.tick();
        let mut pp = PricePoint::monthly(&ident, self.catalogue.len() as i64 + 1, now);
        pp.next_price = None;
        self.apply(&mut pp, &r)?;
        self.catalogue.insert(ident, pp);
        ok()
    }

    pub(super) fn pp_update(&mut self, r: Value) -> Answer {
        let origin = s(&r, "origin_ident").or(s(&r, "ident")).unwrap_or_default().to_string();
        let Some(mut pp) = self.catalogue.get(&origin).cloned() else {
            return Err(Rejection::rule(format!("unknown price point {origin:?}")));
        };
        self.apply(&mut pp, &r)?;
        pp.version += 1;
        pp.updated_at = self.tick();
        if let Some(new) = s(&r, "ident").filter(|n| *n != origin) {
            if self.catalogue.contains_key(new) {
                return Err(Rejection::rule(format!("price point {new:?} exists")));
            }
            pp.ident = new.to_string();
            self.catalogue.remove(&origin);
        }
        self.catalogue.insert(pp.ident.clone(), pp);
        ok()
    }

    pub(super) fn export_csv(&mut self) -> Answer {
        let mut csv = String::from(
            "ident,currency_code,intro_type,lifetime_price,next_price,next_period,next_period_duration,features\n",
        );
        for p in self.catalogue.values() {
            let price = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
            csv.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                p.ident,
                p.currency,
                p.intro_type,
                price(p.lifetime_price),
                price(p.next_price),
                p.next_period,
                p.next_period_duration,
                p.features.join(";")
            ));
        }
        Ok(([("content-type", "text/csv")], csv).into_response())
    }

    /// Insert the price points of a CSV in the export's columns; existing
    /// identifiers are skipped.
    pub(super) fn import_csv(&mut self, csv: &str) -> Answer {
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let row: serde_json::Map<String, Value> = header
                .iter()
                .zip(line.split(','))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| {
                    let v = match *k {
                        "next_period" => v.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                        "features" => Value::String(v.replace(';', ",")),
                        _ => Value::String(v.to_string()),
                    };
                    (k.to_string(), v)
                })
                .collect();
            let ident = row.get("ident").and_then(Value::as_str).unwrap_or_default().to_string();
            if ident.is_empty() || self.catalogue.contains_key(&ident) {
                continue;
            }
            self.pp_create(Value::Object(row))?;
        }
        ok()
    }

    pub(super) fn feature_create(&mut self, r: Value) -> Answer {
        let ident = s(&r, "ident").unwrap_or_default().to_string();
        if self.features.contains_key(&ident) {
            return Err(Rejection::rule(format!("feature {ident:?} exists")));
        }
        self.features
            .insert(ident, s(&r, "feature_type").unwrap_or_default().to_string());
        ok()
    }

    pub(super) fn feature_list(&mut self) -> Answer {
        let list: Vec<Value> = self.features.keys().map(|f| json!({"ident": f})).collect();
        Ok(success(json!({"features": list})))
    }

    pub(super) fn search_users(&mut self, r: Value) -> Answer {
        let email = s(&r, "email").unwrap_or_default();
        let users: Vec<Value> = self
            .emails
            .iter()
            .filter(|(_, e)| e.eq_ignore_ascii_case(email))
            .map(|(u, _)| json!({"external_id": u}))
            .collect();
        Ok(success(json!({"users": users})))
    }

    pub(super) fn update_email(&mut self, r: Value, known: bool) -> Answer {
        let (user, email) = (
            s(&r, "external_id").unwrap_or_default(),
            s(&r, "email_address").unwrap_or_default(),
        );
        if !known {
            return Err(Rejection::rule(format!("unknown user {user:?}")));
        }
        // FunnelFox's documented rules for e-mail updates.
        if email.ends_with("example@example.com") || email.starts_with("FIXME@") {
            return Err(Rejection::rule("this e-mail address is not accepted"));
        }
        self.emails.insert(user.to_string(), email.to_string());
        ok()
    }

    /// Filtered, sorted, one page (`page` from 1, `limit` per page).
    pub(super) fn subscription_search(&mut self, r: Value) -> Answer {
        let user = s(&r, "external_id");
        let id = uuid(&r, "subs_id");
        let intro = s(&r, "intro_type");
        let wanted: Vec<String> = r
            .get("status_eq")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
            .collect();
        let (from, to) = (time(&r, "created_at_from"), time(&r, "created_at_to"));
        let mut found: Vec<&Subscription> = self
            .subscriptions
            .values()
            .filter(|sub| user.is_none_or(|u| sub.external_id == u))
            .filter(|sub| id.is_none_or(|i| sub.subs_id == i))
            .filter(|sub| intro.is_none_or(|t| self.catalogue.get(&sub.pp_ident).is_some_and(|p| p.intro_type == t)))
            .filter(|sub| wanted.iter().all(|w| sub.statuses.contains(w.as_str())))
            .filter(|sub| from.is_none_or(|f| sub.started_at >= f) && to.is_none_or(|t| sub.started_at <= t))
            .collect();
        let next_check = s(&r, "order_by") == Some("next_check");
        found.sort_by_key(|sub| {
            if next_check {
                sub.next_check_at
            } else {
                Some(sub.started_at)
            }
        });
        if s(&r, "sort_direction") != Some("asc") {
            found.reverse();
        }
        let limit = r.get("limit").and_then(Value::as_u64).unwrap_or(100).max(1) as usize;
        let page = r.get("page").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
        let list: Vec<Value> = found
            .into_iter()
            .skip((page - 1) * limit)
            .take(limit)
            .map(|sub| self.subscription_json(sub))
            .collect();
        Ok(success(json!({"subscriptions": list})))
    }
}
