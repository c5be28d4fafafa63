//! FunnelFox's state and business rules: price points, users and what they own,
//! sessions, orders, and charges with scripted outcomes.

use super::assets::Assets;
use super::http::{Answer, Rejection, modelled, success};
use super::{Order, PaymentOutcome};
use crate::funnelfox::{CheckoutPaymentStatus, types};
use crate::testing::ids::{self, ALNUM};
use crate::testing::server::Incoming;
use axum::http::StatusCode;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use uuid::Uuid;

#[derive(Default)]
pub(super) struct User {
    pub(super) saved_payment_method: bool,
}

#[derive(Default)]
pub(super) struct Store {
    /// The catalogue and everything after a charge.
    pub(super) assets: Assets,
    pub(super) users: HashMap<String, User>,
    /// client token → its order (`None` for a simple session).
    sessions: HashMap<String, Option<Uuid>>,
    pub(super) orders: HashMap<Uuid, Order>,
    pub(super) outcomes: VecDeque<PaymentOutcome>,
    /// Charges per payment method token (the fake's clock is one long day).
    token_charges: HashMap<String, u32>,
    /// What goes wrong with the answer to this request (a magic input).
    pub(super) mishap: Option<super::Mishap>,
    /// What goes wrong with the next request to an operation (`FakeFunnelFox::mishap_next`).
    pub(super) next_mishaps: Vec<(crate::funnelfox::OperationId, super::Mishap)>,
}

/// FunnelFox allows at most this many charges per payment method token per day.
pub(super) const CHARGES_PER_TOKEN_PER_DAY: u32 = 2;

fn token() -> String {
    ids::random(ALNUM, 40)
}

impl Store {
    /// The answer to an operation of FunnelFox's spec; `None` for an operation
    /// of another spec (the tests' fixture pages), answered from that spec.
    pub(super) fn model(&mut self, request: &Incoming) -> Option<Answer> {
        use crate::funnelfox::OperationId as Op;
        // Exhaustive: an operation the spec gains is a compile error here.
        match Op::of(request.op)? {
            Op::CreateSimpleClientSession => modelled(self, request, Store::simple_session),
            Op::CreateClientSession => modelled(self, request, Store::client_session),
            Op::UpdateClientSession => modelled(self, request, Store::update_session),
            Op::OneClick => modelled(self, request, Store::one_click),
            Op::CreatePayment => modelled(self, request, Store::create_payment),
            Op::ResumePayment => modelled(self, request, Store::resume_payment),
            Op::MyAssets => modelled(self, request, |s, r| s.assets.my_assets(r)),
            Op::PaymentsHistory => modelled(self, request, |s, r| s.assets.payments_history(r)),
            Op::TransactionReport => modelled(self, request, |s, r| s.assets.transaction_report(r)),
            Op::PaymentRefund => modelled(self, request, |s, r| s.assets.payment_refund(r)),
            Op::PaymentCancel => modelled(self, request, |s, r| s.assets.payment_cancel(r)),
            Op::EnableAutorenew => modelled(self, request, |s, r| s.assets.autorenew(r, true)),
            Op::DisableAutorenew => modelled(self, request, |s, r| s.assets.autorenew(r, false)),
            Op::SubscriptionPause => modelled(self, request, |s, r| s.assets.pause(r)),
            Op::SubscriptionResume => modelled(self, request, |s, r| s.assets.resume(r)),
            Op::SubscriptionDefer => modelled(self, request, |s, r| s.assets.defer(r)),
            Op::Discount => modelled(self, request, |s, r| s.assets.discount(r)),
            Op::SubscriptionMigration => modelled(self, request, |s, r| s.assets.migration(r)),
            Op::SubscriptionSearch => modelled(self, request, |s, r| s.assets.subscription_search(r)),
            Op::PricePoints => modelled(self, request, |s, r| s.assets.price_points(r, false)),
            Op::PpList => modelled(self, request, |s, r| s.assets.price_points(r, true)),
            Op::PpCreate => modelled(self, request, |s, r| s.assets.pp_create(r)),
            Op::PpUpdate => modelled(self, request, |s, r| s.assets.pp_update(r)),
            Op::ExportCsv => Some(self.assets.export_csv()),
            // The one body left untyped: a multipart upload, whose generated
            // method takes an `Upload` (a file), not a request type; its one
            // part, `file`, is the CSV's text.
            Op::ImportCsv => Some(
                crate::testing::body::check_form(
                    request.op,
                    request.header("content-type").unwrap_or_default(),
                    &request.body,
                )
                .map_err(Rejection::from)
                .and_then(|form| self.assets.import_csv(form["file"].as_str().unwrap_or_default())),
            ),
            Op::FeatureCreate => modelled(self, request, |s, r| s.assets.feature_create(r)),
            Op::Features => modelled(self, request, |s, _: types::EmptyRequestIn| s.assets.feature_list()),
            Op::SearchUsers => modelled(self, request, |s, r| s.assets.search_users(r)),
            Op::UpdateEmail => modelled(self, request, |s, r: types::UpdateEmailIn| {
                let known = s.users.contains_key(r.external_id.as_str());
                s.assets.update_email(r, known)
            }),
        }
    }

    fn known_price_point(&self, pp_ident: &str) -> Result<(), Rejection> {
        if self.assets.catalogue.contains_key(pp_ident) {
            Ok(())
        } else {
            Err(Rejection::rule(format!("unknown price point {pp_ident:?}")))
        }
    }

    pub(super) fn simple_session(&mut self, _: types::CheckoutSimpleClientSessionIn) -> Answer {
        let client_token = token();
        self.sessions.insert(client_token.clone(), None);
        Ok(success(types::CheckoutSimpleClientSessionOut {
            client_token,
            extra: Default::default(),
        }))
    }

    pub(super) fn client_session(&mut self, r: types::CheckoutClientSessionIn) -> Answer {
        self.known_price_point(&r.pp_ident)?;
        self.users.entry(r.external_id.to_string()).or_default();
        let email = r.email_address.to_string();
        self.assets.emails.insert(r.external_id.to_string(), email);
        let client_token = token();
        let order_id = self.new_order(
            r.pp_ident.to_string(),
            r.external_id.to_string(),
            Some(client_token.clone()),
            r.client_metadata,
        );
        self.sessions.insert(client_token.clone(), Some(order_id));
        // The newer answer's fields (SOURCES.md): a sandbox session; a Stripe
        // integration also gets a publishable key and an intent with its secrets.
        let mut answer = types::CheckoutClientSessionOut::builder()
            .client_token(client_token)
            .order_id(order_id)
            .is_livemode(Some(false));
        if r.integration_type == types::IntegrationEnum::Stripe {
            let pp = &self.assets.catalogue[r.pp_ident.as_str()];
            let minor = (pp.price() * rust_decimal::Decimal::ONE_HUNDRED).round();
            let intent = types::CheckoutStripeIntent::builder()
                .intent_client_secret(Some(format!("pi_fake_secret_{}", token())))
                .customer_session_client_secret(Some(format!("cuss_fake_secret_{}", token())))
                .amount(rust_decimal::prelude::ToPrimitive::to_i64(&minor))
                .currency(Some(pp.currency.to_lowercase()))
                .country(Some("US".to_string()));
            let intent = types::CheckoutStripeIntent::try_from(intent).map_err(|e| Rejection::rule(e.to_string()))?;
            answer = answer
                .stripe_public_key(Some("pk_test_fake".to_string()))
                .stripe_intent(Some(intent));
        }
        let answer = types::CheckoutClientSessionOut::try_from(answer).map_err(|e| Rejection::rule(e.to_string()))?;
        Ok(success(answer))
    }

    pub(super) fn update_session(&mut self, r: types::CheckoutUpdateClientSessionIn) -> Answer {
        let Some(session_order) = self.sessions.get(&r.client_token) else {
            return Err(Rejection::rule("unknown client token"));
        };
        if *session_order != Some(r.order_id) {
            return Err(Rejection::rule("the order does not belong to this session"));
        }
        self.known_price_point(&r.pp_ident)?;
        let Some(order) = self.orders.get_mut(&r.order_id) else {
            return Err(Rejection::rule("unknown order"));
        };
        use CheckoutPaymentStatus::{Processing, Succeeded};
        if matches!(order.status, Some(Processing | Succeeded)) {
            return Err(Rejection::rule("the order is paid or being paid"));
        }
        order.pp_ident = r.pp_ident.to_string();
        if !r.client_metadata.is_empty() {
            order.client_metadata = r.client_metadata;
        }
        Ok(success(types::Ok200(Map::new())))
    }

    pub(super) fn one_click(&mut self, r: types::OneClick) -> Answer {
        self.known_price_point(&r.pp_ident)?;
        let Some(user) = self.users.get(r.external_id.as_str()) else {
            return Err(Rejection::rule(format!("unknown user {:?}", *r.external_id)));
        };
        if !user.saved_payment_method {
            return Err(Rejection::rule("the user has no saved payment method"));
        }
        if self.assets.owns(&r.external_id, &r.pp_ident) {
            return Err(Rejection {
                http: StatusCode::OK,
                code: "double_purchase",
                msg: "user has not finished subscription".into(),
            });
        }
        let order_id = self.new_order(
            r.pp_ident.to_string(),
            r.external_id.to_string(),
            None,
            r.client_metadata,
        );
        self.charge(order_id, None).map(success)
    }

    pub(super) fn create_payment(&mut self, r: types::CheckoutCreatePaymentIn) -> Answer {
        let Some(order) = self.orders.get(&r.order_id) else {
            return Err(Rejection::rule("unknown order"));
        };
        if order.status == Some(CheckoutPaymentStatus::Succeeded) {
            return Err(Rejection::rule("the order is already paid"));
        }
        let used = self.token_charges.entry(r.payment_method_token.clone()).or_default();
        if *used >= CHARGES_PER_TOKEN_PER_DAY {
            return Err(Rejection::rule(format!(
                "the payment method token was already charged {CHARGES_PER_TOKEN_PER_DAY} times today"
            )));
        }
        *used += 1;
        if !r.client_metadata.is_empty()
            && let Some(order) = self.orders.get_mut(&r.order_id)
        {
            order.client_metadata = r.client_metadata;
        }
        self.charge(r.order_id, Some(&r.payment_method_token)).map(success)
    }

    pub(super) fn resume_payment(&mut self, r: types::CheckoutResumePaymentIn) -> Answer {
        let Some(order) = self.orders.get(&r.order_id) else {
            return Err(Rejection::rule("unknown order"));
        };
        if order.action_required_token.as_deref() != Some(r.resume_token.as_str()) {
            return Err(Rejection::rule(
                "no pending action with this resume token for the order",
            ));
        }
        self.charge(r.order_id, None).map(success)
    }

    fn new_order(
        &mut self,
        pp_ident: String,
        external_id: String,
        client_token: Option<String>,
        client_metadata: Map<String, Value>,
    ) -> Uuid {
        let order_id = crate::runtime::random::uuid();
        self.orders.insert(
            order_id,
            Order {
                order_id,
                pp_ident,
                external_id,
                client_token,
                status: None,
                action_required_token: None,
                client_metadata,
            },
        );
        order_id
    }

    /// Charge order `order_id` with the next scripted outcome: what one-click,
    /// create-payment and resume-payment answer.
    fn charge(&mut self, order_id: Uuid, pm_token: Option<&str>) -> Result<types::CheckoutCreatePaymentOut, Rejection> {
        use CheckoutPaymentStatus as S;
        let Some(order) = self.orders.get_mut(&order_id) else {
            return Err(Rejection::rule("unknown order"));
        };
        // A resumed 3-D Secure payment goes through, magic or not.
        let resumed = order.action_required_token.is_some() && pm_token.is_none();
        let forced = super::magic::forced(&order.pp_ident, pm_token).filter(|_| !resumed);
        let outcome = forced.unwrap_or_else(|| self.outcomes.pop_front().unwrap_or(PaymentOutcome::Succeeded));
        if let Some(mishap) = super::magic::after_charge(&order.external_id) {
            self.mishap = Some(mishap);
        }
        let (status, action, message) = match outcome {
            PaymentOutcome::Succeeded => (S::Succeeded, None, String::new()),
            PaymentOutcome::Processing => (S::Processing, None, String::new()),
            PaymentOutcome::Failed { message } => (S::Failed, None, message),
            PaymentOutcome::Cancelled => (S::Cancelled, None, String::new()),
            PaymentOutcome::ActionRequired => (S::Processing, Some(token()), String::new()),
        };
        order.status = Some(status.clone());
        order.action_required_token = action.clone();
        let (user, pp) = (order.external_id.clone(), order.pp_ident.clone());
        if status == S::Succeeded {
            let metadata = Value::Object(order.client_metadata.clone());
            self.assets.settle(order_id, &user, &pp, metadata);
        } else if status == S::Failed {
            self.assets.declined(order_id, &user, &pp);
        }
        // All four, as upstream documents them: empty strings when not relevant.
        Ok(types::CheckoutCreatePaymentOut {
            action_required_token: Some(action.unwrap_or_default()),
            checkout_status: status,
            failed_message_for_user: Some(message),
            order_id: Some(order_id),
            extra: Default::default(),
        })
    }
}
