//! The catalogue: price points (what a charge sells, at what price, for how
//! long) and features, and the back-office operations that list, create and
//! update them (`price_points`, `pp_list`, `pp_create`, `pp_update`,
//! `feature_create`, `features`). What they create can be bought.

use super::assets::Assets;
use super::http::{Answer, Rejection, ok, success};
use super::wire::{currency, naive};
use crate::funnelfox::types::{self, DurationEnum, IntroTypeEnum};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

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
    pub(super) kept: Map<String, Value>,
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

    pub(super) fn period(&self) -> Duration {
        let n = self.next_period.max(1);
        match self.next_period_duration.as_str() {
            "minutes" => Duration::minutes(n),
            "days" => Duration::days(n),
            "weeks" => Duration::weeks(n),
            "years" => Duration::days(365 * n),
            _ => Duration::days(30 * n),
        }
    }

    pub(super) fn json(&self) -> Value {
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

/// What `pp_create` and `pp_update` set on a price point: the fields their two
/// request types share, `None` where the request leaves one as it is.
pub(super) struct Changes {
    intro_type: Option<IntroTypeEnum>,
    currency_code: Option<String>,
    lifetime_price: Option<Decimal>,
    next_price: Option<Decimal>,
    next_period: Option<i64>,
    next_period_duration: Option<DurationEnum>,
    intro_free_trial_period: Option<i64>,
    intro_free_trial_period_duration: Option<DurationEnum>,
    features: Option<Vec<String>>,
    /// The fields `apply` does not model, as the request type writes them.
    kept: Map<String, Value>,
}

/// `features` as one comma-separated string.
fn split(features: &str) -> Vec<String> {
    features
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect()
}

/// A request's fields that `apply` does not model (those of a newer spec, in
/// `extra`, too).
fn unmodelled(request: &impl serde::Serialize) -> Map<String, Value> {
    let Ok(Value::Object(mut fields)) = serde_json::to_value(request) else {
        return Map::new();
    };
    fields.retain(|key, _| !MODELLED.contains(&key.as_str()));
    fields
}

impl From<types::PricePointCreateIn> for Changes {
    fn from(r: types::PricePointCreateIn) -> Self {
        use types::PricePointCreateInFeatures as F;
        let kept = unmodelled(&r);
        let period = |n: std::num::NonZeroU64| i64::try_from(n.get()).unwrap_or(i64::MAX);
        Changes {
            intro_type: Some(r.intro_type),
            currency_code: Some(r.currency_code),
            lifetime_price: r.lifetime_price,
            next_price: r.next_price,
            next_period: r.next_period.map(period),
            next_period_duration: r.next_period_duration,
            intro_free_trial_period: r.intro_free_trial_period.map(period),
            intro_free_trial_period_duration: r.intro_free_trial_period_duration,
            features: Some(match r.features {
                F::Array(list) => list,
                F::String(text) => split(&text),
            }),
            kept,
        }
    }
}

impl From<types::PricePointPatchIn> for Changes {
    fn from(r: types::PricePointPatchIn) -> Self {
        use types::PricePointPatchInFeatures as F;
        let kept = unmodelled(&r);
        Changes {
            intro_type: r.intro_type,
            currency_code: r.currency_code,
            lifetime_price: r.lifetime_price,
            next_price: r.next_price,
            next_period: r.next_period,
            next_period_duration: r.next_period_duration,
            intro_free_trial_period: r.intro_free_trial_period,
            intro_free_trial_period_duration: r.intro_free_trial_period_duration,
            features: r.features.map(|f| match f {
                F::Array(list) => list,
                F::String(text) => split(&text),
            }),
            kept,
        }
    }
}

impl Assets {
    pub(super) fn price_points(&mut self, r: types::FilterPointIn, admin: bool) -> Answer {
        let (ident, code, feature) = (
            r.ident.as_deref(),
            r.currency_code.as_deref(),
            r.feature_ident.as_deref(),
        );
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

    fn apply(&self, pp: &mut PricePoint, c: Changes) -> Result<(), Rejection> {
        if let Some(unknown) = c.features.iter().flatten().find(|f| !self.features.contains_key(*f)) {
            return Err(Rejection::rule(format!("unknown feature {unknown:?}")));
        }
        if c.intro_type == Some(IntroTypeEnum::FreeTrial) {
            let n = c.intro_free_trial_period.unwrap_or(7);
            pp.trial = Some(match c.intro_free_trial_period_duration {
                Some(DurationEnum::Weeks) => Duration::weeks(n),
                Some(DurationEnum::Months) => Duration::days(30 * n),
                _ => Duration::days(n),
            });
        }
        if let Some(v) = c.intro_type {
            pp.intro_type = v.to_string();
        }
        if let Some(v) = c.currency_code {
            pp.currency = v.to_uppercase();
        }
        if c.lifetime_price.is_some() {
            pp.lifetime_price = c.lifetime_price;
        }
        if c.next_price.is_some() {
            pp.next_price = c.next_price;
        }
        if let Some(v) = c.next_period {
            pp.next_period = v;
        }
        if let Some(v) = c.next_period_duration {
            pp.next_period_duration = v.to_string();
        }
        if let Some(features) = c.features {
            pp.features = features;
        }
        pp.kept.extend(c.kept);
        if pp.lifetime_price.is_none() && pp.next_price.is_none() {
            return Err(Rejection::rule("a price point needs a lifetime_price or a next_price"));
        }
        Ok(())
    }

    pub(super) fn pp_create(&mut self, r: types::PricePointCreateIn) -> Answer {
        let ident = r.ident.to_string();
        if self.catalogue.contains_key(&ident) {
            return Err(Rejection::rule(format!("price point {ident:?} exists")));
        }
        let now = self.tick();
        let mut pp = PricePoint::monthly(&ident, self.catalogue.len() as i64 + 1, now);
        pp.next_price = None;
        self.apply(&mut pp, r.into())?;
        self.catalogue.insert(ident, pp);
        ok()
    }

    pub(super) fn pp_update(&mut self, r: types::PricePointPatchIn) -> Answer {
        let origin = r.origin_ident.clone().or(r.ident.clone()).unwrap_or_default();
        let Some(mut pp) = self.catalogue.get(&origin).cloned() else {
            return Err(Rejection::rule(format!("unknown price point {origin:?}")));
        };
        let new = r.ident.clone().filter(|n| *n != origin);
        self.apply(&mut pp, r.into())?;
        pp.version += 1;
        pp.updated_at = self.tick();
        if let Some(new) = new {
            if self.catalogue.contains_key(&new) {
                return Err(Rejection::rule(format!("price point {new:?} exists")));
            }
            pp.ident = new;
            self.catalogue.remove(&origin);
        }
        self.catalogue.insert(pp.ident.clone(), pp);
        ok()
    }

    pub(super) fn feature_create(&mut self, r: types::FeatureCreateIn) -> Answer {
        let ident = r.ident.to_string();
        if self.features.contains_key(&ident) {
            return Err(Rejection::rule(format!("feature {ident:?} exists")));
        }
        self.features.insert(ident, r.feature_type.to_string());
        ok()
    }

    pub(super) fn feature_list(&mut self) -> Answer {
        let list: Vec<Value> = self.features.keys().map(|f| json!({"ident": f})).collect();
        Ok(success(json!({"features": list})))
    }
}
