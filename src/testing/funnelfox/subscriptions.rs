//! Managing a live subscription from the back office: autorenew on and off,
//! pause, resume, defer, discount and migration to another price point; and
//! `subscription_search` over every subscription.

use super::assets::{Assets, Subscription};
use super::catalogue::PricePoint;
use super::http::{Answer, Rejection, ok, success};
use crate::funnelfox::types;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::num::NonZeroU64;
use std::ops::Deref;
use uuid::Uuid;

/// A request's optional `external_id` (a constrained string), as text.
fn user<T: Deref<Target = String>>(external_id: &Option<T>) -> Option<&str> {
    external_id.as_deref().map(String::as_str)
}

impl Assets {
    /// The live subscription `id` (of `user`, when given).
    fn live(&mut self, id: Uuid, user: Option<&str>) -> Result<&mut Subscription, Rejection> {
        match self.subscriptions.get_mut(&id) {
            Some(sub) if user.is_some_and(|u| u != sub.external_id) => {
                Err(Rejection::rule("the subscription is not this user's"))
            }
            Some(sub) if sub.statuses.contains("EXPIRED") => Err(Rejection::rule("the subscription has expired")),
            Some(sub) => Ok(sub),
            None => Err(Rejection::rule("unknown subscription")),
        }
    }

    pub(super) fn autorenew(&mut self, r: types::SubsToggleAutorenewIn, on: bool) -> Answer {
        let sub = self.live(r.subs_id, user(&r.external_id))?;
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

    pub(super) fn pause(&mut self, r: types::SubsPauseIn) -> Answer {
        let till = r.pause_till.as_ref().map(crate::Timestamp::utc);
        let sub = self.live(r.subs_id, user(&r.external_id))?;
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

    pub(super) fn resume(&mut self, r: types::SubsResumeIn) -> Answer {
        let now = self.now;
        let sub = self.live(r.subs_id, user(&r.external_id))?;
        if !sub.statuses.remove("PAUSED") {
            return Err(Rejection::rule("the subscription is not paused"));
        }
        sub.next_check_at = Some(sub.period_end.max(now));
        let id = sub.subs_id;
        self.subscription_event(id, "resuming");
        ok()
    }

    pub(super) fn defer(&mut self, r: types::SubsDeferIn) -> Answer {
        let till = r.defer_till.as_ref().map(crate::Timestamp::utc);
        let sub = self.live(r.subs_id, user(&r.external_id))?;
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

    pub(super) fn discount(&mut self, r: types::DiscountIn) -> Answer {
        let percent = r.percent.get();
        // The bounds of its page: 1 to 99 percent, for more than 0 periods (a
        // `NonZeroU64`: the request type refuses 0).
        if !(1..=99).contains(&percent) {
            return Err(Rejection::rule("percent must be 1 to 99"));
        }
        let iterations = r.count_of_iterations.map_or(1, NonZeroU64::get);
        let sub = self.live(r.subs_id, user(&r.external_id))?;
        let id = sub.subs_id;
        sub.discounts.push(json!({
            "discount_id": crate::runtime::random::uuid(), "subs_id": id, "percent": percent,
            "count_of_iterations": iterations, "count_of_iterations_available": iterations,
        }));
        ok()
    }

    pub(super) fn migration(&mut self, r: types::MigrationIn) -> Answer {
        let target = r.pp_ident.to_string();
        let Some(to) = self.catalogue.get(&target).cloned() else {
            return Err(Rejection::rule(format!("unknown price point {target:?}")));
        };
        if to.lifetime_price.is_some() {
            return Err(Rejection::rule("a subscription migrates to a subscription price point"));
        }
        // Any strategy but `price_prorate` (the default) is a delayed start.
        let prorate = r.strategy == types::MigrationStrategy::PriceProrate;
        let (strict, dry_run) = (r.strict_mode, r.dry_run.unwrap_or(false));
        let catalogue = self.catalogue.clone();
        let sub = self.live(r.subs_id, user(&r.external_id))?;
        if sub.pp_ident == target {
            return Err(Rejection::rule("the subscription is already on this price point"));
        }
        // Prorating charges now: not during an intro or a pause.
        let prorate_possible = !sub.statuses.contains("INTRO") && !sub.statuses.contains("PAUSED");
        if prorate && !prorate_possible && strict {
            return Err(Rejection::request(
                "price_prorate is not available for this subscription (strict mode)",
            ));
        }
        let strategy = if prorate && prorate_possible {
            "price_prorate"
        } else {
            "delayed_start"
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

    /// Filtered, sorted, one page (`page` from 1, `limit` per page).
    pub(super) fn subscription_search(&mut self, r: types::FilterSubscriptionIn) -> Answer {
        let user = user(&r.external_id);
        let id = r.subs_id;
        let intro = r.intro_type.as_ref().map(types::IntroTypeEnum::as_str);
        let wanted: Vec<String> = r.status_eq.iter().flatten().map(ToString::to_string).collect();
        let utc = |t: &Option<crate::Timestamp>| t.as_ref().map(crate::Timestamp::utc);
        let (from, to) = (utc(&r.created_at_from), utc(&r.created_at_to));
        let mut found: Vec<&Subscription> = self
            .subscriptions
            .values()
            .filter(|sub| user.is_none_or(|u| sub.external_id == u))
            .filter(|sub| id.is_none_or(|i| sub.subs_id == i))
            .filter(|sub| intro.is_none_or(|t| self.catalogue.get(&sub.pp_ident).is_some_and(|p| p.intro_type == t)))
            .filter(|sub| wanted.iter().all(|w| sub.statuses.contains(w.as_str())))
            .filter(|sub| from.is_none_or(|f| sub.started_at >= f) && to.is_none_or(|t| sub.started_at <= t))
            .collect();
        let next_check = r.order_by == types::SubsOrderBy::NextCheck;
        found.sort_by_key(|sub| {
            if next_check {
                sub.next_check_at
            } else {
                Some(sub.started_at)
            }
        });
        if r.sort_direction != types::SortDirection::Asc {
            found.reverse();
        }
        // A negative number reads as absent, as it did from the JSON.
        let limit = usize::try_from(r.limit).unwrap_or(100).max(1);
        let page = usize::try_from(r.page).unwrap_or(1).max(1);
        let list: Vec<Value> = found
            .into_iter()
            .skip((page - 1) * limit)
            .take(limit)
            .map(|sub| self.subscription_json(sub))
            .collect();
        Ok(success(json!({"subscriptions": list})))
    }
}
