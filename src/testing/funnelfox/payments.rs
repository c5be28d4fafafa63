//! The back office's payments: a user's payment history, the transaction report,
//! and the refund or cancellation of a paid order, which may take away the
//! access it bought.

use super::assets::{Assets, Transaction};
use super::http::{Answer, Rejection, ok, success};
use super::wire::{currency, naive, naive_or_empty};
use crate::funnelfox::types;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

impl Assets {
    fn refunded(&self, order_id: Uuid) -> Decimal {
        self.transactions
            .iter()
            .filter(|t| t.order_id == order_id && t.kind == "refund")
            .map(|t| t.amount)
            .sum()
    }

    pub(super) fn payments_history(&mut self, r: types::UserInfoIn) -> Answer {
        let user = r.external_id.as_str();
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
    pub(super) fn transaction_report(&mut self, r: types::TransactionReportIn) -> Answer {
        let from = r.last_transaction_date.utc();
        let limit = usize::try_from(r.limit.get()).unwrap_or(usize::MAX);
        let (subs, order, oneoff) = (r.subs_id, r.order_id, r.oneoff_id);
        let page: Vec<Value> = self
            .transactions
            .iter()
            .filter(|t| t.created_at >= from)
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
    fn charge_of(&self, order: Uuid, user: &str) -> Result<&Transaction, Rejection> {
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

    pub(super) fn payment_refund(&mut self, r: types::RefundIn) -> Answer {
        let charge = self.charge_of(r.order_id, &r.external_id)?;
        let (order, user, subs, oneoff, currency, charged_at) = (
            charge.order_id,
            charge.external_id.clone(),
            charge.subs_id,
            charge.oneoff_id,
            charge.currency.clone(),
            charge.created_at,
        );
        let left = charge.amount - self.refunded(order);
        let amount = r.amount.unwrap_or(left);
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
        if r.soft_refund != Some(true) {
            self.revoke(subs, oneoff);
        }
        ok()
    }

    pub(super) fn payment_cancel(&mut self, r: types::CancelIn) -> Answer {
        let charge = self.charge_of(r.order_id, &r.external_id)?;
        let (subs, oneoff) = (charge.subs_id, charge.oneoff_id);
        // A soft cancellation stops the renewals and keeps the paid period.
        if r.soft_cancel == Some(true) {
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
}
