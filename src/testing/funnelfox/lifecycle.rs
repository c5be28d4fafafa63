//! A subscription's life as the fake's clock moves: what falls due is taken in
//! order; a trial converts with a charge, a period renews with a charge, a
//! failed renewal enters RETRY and GRACE and is retried daily until it recovers
//! or, after [`RENEWAL_RETRIES`] more failures, expires; autorenew off expires
//! at the period's end; a pause with an end resumes. As FunnelFox documents
//! it, each step with its webhook, so that a test can take a subscription
//! through months in milliseconds.

use super::PaymentOutcome;
use super::assets::Assets;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::{BTreeSet, VecDeque};
use uuid::Uuid;

/// Failed renewals retried (daily, in grace) before a subscription expires.
pub(super) const RENEWAL_RETRIES: u32 = 3;

impl Assets {
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
}
