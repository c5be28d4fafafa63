//! Money in doubt, on the fake: every money-moving operation's lost answer is
//! resolved by the lookups its spec declares (`x-billing-intent`), to happened
//! (nothing is sent again) and to did-not-happen (the next call sends once);
//! requests are counted at the fake.

use billing_clients::funnelfox::{self, OperationId, SPEC, types as t};
use billing_clients::runtime::intents::{Settled, State};
use billing_clients::testing::{FakeFunnelFox, Mishap};
use billing_clients::{Error, RetryPolicy};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

const USER: &str = "user-42";

/// How a call with an intent key ended: `sent`, `recorded` or `found` (with what).
type Outcome = Result<(&'static str, Map<String, Value>), Error>;
/// A money-moving call of the shop's user, sent with the given key.
type Sender =
    Arc<dyn Fn(funnelfox::Client, &'static str) -> Pin<Box<dyn Future<Output = Outcome> + Send>> + Send + Sync>;

fn outcome<T>(r: Result<Settled<T>, Error>) -> Outcome {
    r.map(|s| match s {
        Settled::Sent(_) => ("sent", Map::new()),
        Settled::Recorded(_) => ("recorded", Map::new()),
        Settled::Found(found) => ("found", found),
        _ => ("unknown", Map::new()),
    })
}

fn sender<F, Fut>(f: F) -> Sender
where
    F: Fn(funnelfox::Client, &'static str) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    Arc::new(move |c, key| Box::pin(f(c, key)))
}

async fn shop() -> (FakeFunnelFox, funnelfox::Client) {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_price_point("pro_plus");
    fake.add_user(USER, true);
    // One attempt: a lost answer is not waited out by retries.
    let client = fake.client().with_options(|o| {
        o.retry = RetryPolicy::none();
        o.attempt_timeout = Duration::from_millis(500);
    });
    (fake, client)
}

async fn buy(c: &funnelfox::Client) -> uuid::Uuid {
    let paid = c
        .one_click(t::OneClick::builder().external_id(USER).pp_ident("pro_monthly"))
        .await
        .unwrap();
    paid.order_id.unwrap()
}

async fn order(c: &funnelfox::Client, pp: &str) -> uuid::Uuid {
    let session = t::CheckoutClientSessionIn::builder()
        .region("default")
        .integration_type(t::IntegrationEnum::Stripe)
        .pp_ident(pp)
        .email_address("buyer@shop.test")
        .external_id(USER);
    c.create_client_session(session).await.unwrap().order_id
}

/// The call of `op`, with the fake set up so that it can go through.
async fn prepare(op: OperationId, fake: &FakeFunnelFox, c: &funnelfox::Client) -> Sender {
    match op {
        OperationId::OneClick => sender(|c, key| async move {
            outcome(
                c.one_click(t::OneClick::builder().external_id(USER).pp_ident("pro_monthly"))
                    .intent(key)
                    .await,
            )
        }),
        OperationId::CreatePayment => {
            let order = order(c, "pro_monthly").await;
            sender(move |c, key| async move {
                let pay = t::CheckoutCreatePaymentIn::builder()
                    .order_id(order)
                    .payment_method_token("pm_card_ok");
                outcome(c.create_payment(pay).intent(key).await)
            })
        }
        OperationId::ResumePayment => {
            fake.add_price_point("magic_3ds");
            let order = order(c, "magic_3ds").await;
            let pay = t::CheckoutCreatePaymentIn::builder()
                .order_id(order)
                .payment_method_token("pm_card_ok");
            let token = c.create_payment(pay).await.unwrap().action_required_token.unwrap();
            sender(move |c, key| {
                let resume = t::CheckoutResumePaymentIn::builder()
                    .order_id(order)
                    .resume_token(token.clone());
                async move { outcome(c.resume_payment(resume).intent(key).await) }
            })
        }
        OperationId::PaymentRefund => {
            let order = buy(c).await;
            sender(move |c, key| async move {
                let refund = t::RefundIn::builder().external_id(USER).order_id(order);
                outcome(c.payment_refund(refund).intent(key).await)
            })
        }
        OperationId::PaymentCancel => {
            let order = buy(c).await;
            sender(move |c, key| async move {
                let cancel = t::CancelIn::builder().external_id(USER).order_id(order);
                outcome(c.payment_cancel(cancel).intent(key).await)
            })
        }
        OperationId::SubscriptionMigration => {
            buy(c).await;
            let assets = c.my_assets(t::UserInfoIn::builder().external_id(USER)).await.unwrap();
            let subs = assets.subscriptions[0].subs_id;
            sender(move |c, key| async move {
                let migrate = t::MigrationIn::builder()
                    .external_id(Some(USER.parse().unwrap()))
                    .subs_id(subs)
                    .pp_ident("pro_plus");
                outcome(c.subscription_migration(migrate).intent(key).await)
            })
        }
        other => panic!("{other:?} declares a lookup and has no case here: add one"),
    }
}

/// Every operation whose spec declares how it is looked up.
fn money_moving() -> Vec<OperationId> {
    SPEC.operations
        .iter()
        .filter(|op| op.intent.is_some_and(|rule| !rule.lookup.is_empty()))
        .map(|op| OperationId::of(op).unwrap())
        .collect()
}

#[tokio::test]
async fn every_money_moving_operation_declares_a_lookup_and_has_a_case_here() {
    let ops = money_moving();
    assert_eq!(ops.len(), 6, "{ops:?}");
    // Every write that may move money declares something (the build refuses
    // one that does not); reads declare nothing.
    for op in SPEC.operations {
        assert_eq!(
            op.intent.is_some(),
            op.retry == billing_clients::RetryClass::Charge,
            "{}",
            op.id
        );
    }
}

#[tokio::test]
async fn a_lost_answer_resolves_to_happened_and_is_never_sent_again() {
    for op in money_moving() {
        let (fake, c) = shop().await;
        let send = prepare(op, &fake, &c).await;
        let id = op.operation().id;
        let before = fake.count(id);
        fake.mishap_next(op, Mishap::DroppedAfterWork);
        let lost = send(c.clone(), "intent-1").await.unwrap_err();
        assert!(lost.may_have_been_processed(), "{id}: {lost}");
        let again = send(c.clone(), "intent-1").await.unwrap_err();
        assert!(again.is_intent_in_doubt(), "{id}: {again}");
        assert_eq!(fake.count(id), before + 1, "{id}: nothing is sent while in doubt");

        let intents = c.intents().settle_after(Duration::ZERO);
        assert_eq!(intents.in_doubt().await.unwrap().len(), 1, "{id}");
        let state = intents.resolve("intent-1").await.unwrap().unwrap();
        let State::Happened(found) = state else {
            panic!("{id}: {state:?}");
        };
        assert!(!found.is_empty(), "{id}: what was found is kept");
        let (how, again) = send(c.clone(), "intent-1").await.unwrap();
        assert_eq!((how, &again), ("found", &found), "{id}");
        assert_eq!(fake.count(id), before + 1, "{id}: sent once in all");
        assert!(intents.in_doubt().await.unwrap().is_empty(), "{id}");
    }
}

#[tokio::test]
async fn a_request_that_never_arrived_resolves_to_not_happened_and_then_sends_once() {
    for op in money_moving() {
        let (fake, c) = shop().await;
        let send = prepare(op, &fake, &c).await;
        let id = op.operation().id;
        let before = fake.count(id);
        fake.mishap_next(op, Mishap::BadGatewayBeforeWork);
        let lost = send(c.clone(), "intent-2").await.unwrap_err();
        assert!(
            lost.may_have_been_processed(),
            "{id}: a 502 may hide a processed request: {lost}"
        );

        let state = c
            .intents()
            .settle_after(Duration::ZERO)
            .resolve("intent-2")
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(state, State::NotHappened(_)), "{id}: {state:?}");
        let (how, _) = send(c.clone(), "intent-2").await.unwrap();
        assert_eq!(how, "sent", "{id}");
        assert_eq!(fake.count(id), before + 2, "{id}: the lost request and one more");
        let (how, _) = send(c.clone(), "intent-2").await.unwrap();
        assert_eq!(how, "recorded", "{id}: the answer is kept");
        assert_eq!(fake.count(id), before + 2, "{id}");
    }
}

#[tokio::test]
async fn a_held_answer_after_a_charge_is_in_doubt_until_resolved() {
    let (fake, c) = shop().await;
    fake.add_user("magic_hold_after_charge", true);
    let buy = || {
        t::OneClick::builder()
            .external_id("magic_hold_after_charge")
            .pp_ident("pro_monthly")
    };
    let held = c.one_click(buy()).intent("hold-1").await.unwrap_err();
    assert!(held.is_timeout() && held.may_have_been_processed(), "{held}");
    let State::Happened(found) = c.intents().resolve("hold-1").await.unwrap().unwrap() else {
        panic!("found by its stamp at once, however young");
    };
    let order = fake
        .order(found["order_id"].as_str().unwrap().parse().unwrap())
        .expect("the fake's order");
    assert_eq!(order.external_id, "magic_hold_after_charge");
    assert_eq!(
        order.client_metadata["billing_intent"], "hold-1",
        "the key went with the charge"
    );
    assert_eq!(fake.count("one_click"), 1);
}

#[tokio::test]
async fn a_young_intent_not_found_stays_in_doubt() {
    let (fake, c) = shop().await;
    fake.mishap_next(OperationId::OneClick, Mishap::BadGatewayBeforeWork);
    let buy = || t::OneClick::builder().external_id(USER).pp_ident("pro_monthly");
    c.one_click(buy()).intent("young").await.unwrap_err();
    let state = c.intents().resolve("young").await.unwrap().unwrap();
    assert!(
        matches!(&state, State::InDoubt(why) if why.contains("too recent")),
        "{state:?}"
    );
    assert!(
        c.one_click(buy())
            .intent("young")
            .await
            .unwrap_err()
            .is_intent_in_doubt()
    );
    assert_eq!(fake.count("one_click"), 1);
}

#[tokio::test]
async fn a_key_holds_one_call_and_the_answer_is_kept() {
    let (fake, c) = shop().await;
    let buy = |pp: &str| t::OneClick::builder().external_id(USER).pp_ident(pp.to_string());
    let first = c.one_click(buy("pro_monthly")).intent("k").await.unwrap();
    assert!(first.was_sent());
    let again = c.one_click(buy("pro_monthly")).intent("k").await.unwrap();
    let Settled::Recorded(kept) = &again else {
        panic!("{again:?}");
    };
    assert_eq!(kept.order_id, first.answer().unwrap().order_id);
    let other = c.one_click(buy("pro_plus")).intent("k").await.unwrap_err();
    assert!(
        matches!(other.intent().unwrap().kind, billing_clients::IntentErrorKind::Conflict),
        "{other}"
    );
    assert!(!other.may_have_been_processed());
    assert_eq!(fake.count("one_click"), 1);
}

#[tokio::test]
async fn a_refusal_did_not_happen_and_the_same_key_may_send_again() {
    let (fake, c) = shop().await;
    let buy = || t::OneClick::builder().external_id(USER).pp_ident("no_such_price_point");
    let refused = c.one_click(buy()).intent("r").await.unwrap_err();
    assert!(refused.is_api() && !refused.may_have_been_processed(), "{refused}");
    c.one_click(buy()).intent("r").await.unwrap_err();
    assert_eq!(fake.count("one_click"), 2);
}

#[tokio::test]
async fn intent_keys_are_for_money_moving_operations_and_checked() {
    let (fake, c) = shop().await;
    let read = c
        .my_assets(t::UserInfoIn::builder().external_id(USER))
        .intent("read")
        .await
        .unwrap_err();
    assert!(read.is_invalid_input(), "{read}");
    let empty = c
        .one_click(t::OneClick::builder().external_id(USER).pp_ident("pro_monthly"))
        .intent("")
        .await
        .unwrap_err();
    assert!(empty.is_invalid_input(), "{empty}");
    assert!(fake.requests().is_empty(), "nothing was sent");
}
