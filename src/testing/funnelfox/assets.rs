//! What FunnelFox keeps after a charge: [`Assets`], the state behind the back
//! office (the catalogue, what each user owns, the payments, e-mail addresses,
//! the webhook events not yet delivered and the fake's clock), the subscriptions
//! and one-offs users own, and what a charge leaves there (the purchase settled or
//! declined, the payment recorded).
//!
//! The operations on it are in the files beside this one, a subject each:
//! `catalogue`, `csv`, `lifecycle`, `events`, `payments`, `subscriptions`,
//! `users`. Each takes its operation's generated request type, parsed from a
//! body checked against the spec; `wire` writes the shapes they answer in (the
//! tests check every answer against the spec).

use super::catalogue::PricePoint;
use super::wire::naive;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

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
    pub(super) fn active(&self) -> bool {
        !self.statuses.contains("EXPIRED") && !self.statuses.contains("PAUSED")
    }

    pub(super) fn actions(&self) -> Vec<&'static str> {
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
    /// The fake's clock: it starts on 2026-01-01, moves a microsecond per event
    /// (so every timestamp is distinct and ordered) and otherwise only when told.
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

    /// Stamp the next event: one microsecond after the last, so that every
    /// timestamp is distinct and in order while the clock moves only when told.
    pub(super) fn tick(&mut self) -> DateTime<Utc> {
        self.now += Duration::microseconds(1);
        self.now
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
    pub(super) fn record(
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
}
