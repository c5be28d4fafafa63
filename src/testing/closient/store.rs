//! Closient's state and rules: organisations with balances and resolver tiers,
//! API keys with roles, checkouts waiting for Stripe's confirmation; who may do
//! what, and each operation's answer.

use super::Role;
use super::http::{Answer, Failure};
use crate::closient::types;
use crate::testing::body;
use crate::testing::ids::{self, ALNUM, SHORTUUID};
use crate::testing::server::Incoming;
use axum::http::{HeaderMap, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;

struct Org {
    balance_cents: i64,
    spent_cents: i64,
    tier: types::ResolverTier,
}

impl Org {
    /// BUSINESS, EARLY_ADOPTER (or a tier this version does not know): not FREE.
    fn paid(&self) -> bool {
        self.tier != types::ResolverTier::Free
    }
}

enum Purpose {
    AdBalance { amount_cents: i64 },
    Resolver,
}

struct Checkout {
    org: String,
    purpose: Purpose,
    completed: bool,
}

#[derive(Default)]
pub(super) struct Store {
    orgs: HashMap<String, Org>,
    /// API key → organisation → role.
    keys: HashMap<String, HashMap<String, Role>>,
    /// Checkout URL → checkout.
    checkouts: HashMap<String, Checkout>,
    /// Requests counted per key.
    pub(super) limits: super::limits::Limits,
}

fn to_json(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// Where the organisation named by a request comes from: a path that names a
/// missing organisation is a 404; a body's is refused as any foreign one (403).
#[derive(Clone, Copy, PartialEq)]
enum OrgIn {
    Path,
    Body,
}

impl Store {
    /// The request's known API key, or 401.
    fn authenticate(&self, headers: &HeaderMap) -> Result<String, Failure> {
        let unauthorized = |m: &str| Failure::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", m);
        let Some(key) = headers.get("x-api-key") else {
            return Err(unauthorized("missing X-API-Key header"));
        };
        key.to_str()
            .ok()
            .filter(|k| self.keys.contains_key(*k))
            .map(str::to_string)
            .ok_or_else(|| unauthorized("invalid API key"))
    }

    /// May `key` read (or write) `org`'s billing?
    fn authorize(&self, key: &str, org: &str, from: OrgIn, write: bool) -> Result<(), Failure> {
        let exists = self.orgs.contains_key(org);
        if from == OrgIn::Path && !exists {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "organisation not found",
            ));
        }
        match self.keys.get(key).and_then(|roles| roles.get(org)) {
            Some(role) if exists && (role.may_write() || !write) => Ok(()),
            Some(_) if exists => Err(Failure::forbidden(
                "needs the BILLING role or ownership of the organisation",
            )),
            _ => Err(Failure::forbidden("not a member of this organisation")),
        }
    }

    /// 401, 422 (path), 404, 403 for an operation on the organisation in the path.
    fn path_access(&self, r: &Incoming, write: bool) -> Result<&Org, Failure> {
        let key = self.authenticate(&r.headers)?;
        body::check_params(r.op, &r.params)?;
        let org = r.param("organization_id");
        self.authorize(&key, org, OrgIn::Path, write)?;
        self.orgs
            .get(org)
            .ok_or_else(|| Failure::new(StatusCode::NOT_FOUND, "NOT_FOUND", "organisation not found"))
    }

    fn open_checkout(&mut self, org: &str, purpose: Purpose) -> Value {
        let url = format!("https://checkout.stripe.com/c/pay/cs_test_{}", ids::random(ALNUM, 58));
        self.checkouts.insert(
            url.clone(),
            Checkout {
                org: org.to_string(),
                purpose,
                completed: false,
            },
        );
        to_json(types::CheckoutOut {
            checkout_url: url,
            extra: Default::default(),
        })
    }

    /// The answer to an operation of Closient's spec (`None` for one of another
    /// spec, answered from that spec).
    pub(super) fn model(&mut self, r: &Incoming) -> Option<Answer> {
        use crate::closient::OperationId as Op;
        // Exhaustive: an operation the spec gains is a compile error here.
        Some(match Op::of(r.op)? {
            Op::CreateCheckout => self.create_checkout(r),
            Op::CreateResolverCheckout => self.create_resolver_checkout(r),
            Op::GetBalance => self.balance(r),
            Op::GetResolverSubscription => self.resolver_subscription(r),
            Op::CreatePortalSession => self.portal(r),
        })
    }

    /// An operation answered from the spec: any known key may call it.
    pub(super) fn spec_answer(&self, r: &Incoming) -> Answer {
        self.authenticate(&r.headers)?;
        Ok(r.answer_from_spec()?)
    }

    fn create_checkout(&mut self, request: &Incoming) -> Answer {
        let key = self.authenticate(&request.headers)?;
        let r: types::AdBalanceCheckoutIn = body::parse(request.op, &request.body)?;
        self.authorize(&key, &r.organization_id, OrgIn::Body, true)?;
        let purpose = Purpose::AdBalance {
            amount_cents: r.amount_cents,
        };
        Ok(self.open_checkout(&r.organization_id, purpose))
    }

    fn create_resolver_checkout(&mut self, request: &Incoming) -> Answer {
        let key = self.authenticate(&request.headers)?;
        let r: types::ResolverCheckoutIn = body::parse(request.op, &request.body)?;
        self.authorize(&key, &r.organization_id, OrgIn::Body, true)?;
        if self.orgs.get(r.organization_id.as_str()).is_some_and(Org::paid) {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the organisation already has an active resolver subscription",
            ));
        }
        Ok(self.open_checkout(&r.organization_id, Purpose::Resolver))
    }

    fn balance(&self, r: &Incoming) -> Answer {
        let org = self.path_access(r, false)?;
        Ok(to_json(types::BalanceOut {
            active_campaigns: 0,
            balance: dollars(org.balance_cents),
            currency: "USD".into(),
            total_spent: dollars(org.spent_cents),
            extra: Default::default(),
        }))
    }

    fn resolver_subscription(&self, r: &Incoming) -> Answer {
        let org = self.path_access(r, false)?;
        let (limits, bill) = if org.paid() {
            // Closient publishes no members of the estimate: these are the
            // fake's own, enough to show that every member reaches the caller.
            let bill = json!({"currency": "USD", "total": "0.00",
                              "period_end": "2026-02-01T00:00:00Z"});
            (None, bill.as_object().cloned())
        } else {
            // The page names the FREE tier's caps; their values are the fake's.
            let limits = json!({"max_gtins": 10, "max_lots": 100,
                                "max_serials": 1000, "max_epcis_events": 10000});
            (limits.as_object().cloned(), None)
        };
        let mut out = to_json(types::ResolverSubscriptionOut {
            estimated_monthly_bill: bill,
            limits,
            status: types::ResolverStatus::Active,
            tier: org.tier.clone(),
            usage: types::ResolverUsage {
                active_epcis_events: 0,
                active_gtins: 0,
                active_lots: 0,
                active_serials: 0,
                extra: Default::default(),
            },
            extra: Default::default(),
        });
        // The generated type leaves out what is null; the service sends null.
        if let Some(obj) = out.as_object_mut() {
            for key in ["limits", "estimated_monthly_bill"] {
                obj.entry(key).or_insert(Value::Null);
            }
        }
        Ok(out)
    }

    fn portal(&self, r: &Incoming) -> Answer {
        let key = self.authenticate(&r.headers)?;
        body::check_params(r.op, &r.params)?;
        let org = r.param("organization_id");
        let _: types::PortalIn = body::parse(r.op, &r.body)?;
        self.authorize(&key, org, OrgIn::Path, true)?;
        let url = format!("https://billing.stripe.com/p/session/test_{}", ids::random(ALNUM, 40));
        Ok(to_json(types::PortalOut {
            portal_url: url,
            extra: Default::default(),
        }))
    }
}

/// Seeding and completing, for the test.
impl Store {
    pub(super) fn add_org(&mut self) -> String {
        let id = ids::random(SHORTUUID, 22);
        let org = Org {
            balance_cents: 0,
            spent_cents: 0,
            tier: types::ResolverTier::Free,
        };
        self.orgs.insert(id.clone(), org);
        id
    }

    pub(super) fn grant(&mut self, api_key: &str, org: &str, role: Role) {
        self.keys
            .entry(api_key.to_string())
            .or_default()
            .insert(org.to_string(), role);
    }

    /// False for an unknown organisation.
    pub(super) fn set_tier(&mut self, org: &str, tier: types::ResolverTier) -> bool {
        self.orgs.get_mut(org).map(|o| o.tier = tier).is_some()
    }

    pub(super) fn complete_checkout(&mut self, checkout_url: &str) -> bool {
        let Some(checkout) = self.checkouts.get_mut(checkout_url).filter(|c| !c.completed) else {
            return false;
        };
        let Some(org) = self.orgs.get_mut(&checkout.org) else {
            return false;
        };
        checkout.completed = true;
        match checkout.purpose {
            Purpose::AdBalance { amount_cents } => {
                org.balance_cents = org.balance_cents.saturating_add(amount_cents);
            }
            Purpose::Resolver => org.tier = types::ResolverTier::Business,
        }
        true
    }
}
