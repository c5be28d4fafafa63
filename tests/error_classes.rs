//! Every error in one class a back end maps in one `match` (`Error::class`):
//! each class met on the fakes, FunnelFox's business refusals (HTTP 200,
//! `bad_request`) told apart by their message, the set-up told from the input.

use billing_clients::funnelfox::{self, OperationId, types as t};
use billing_clients::runtime::intents::{Begin, Intent, Journal, JournalError, Pending, Record, State};
use billing_clients::runtime::raw::Method;
use billing_clients::testing::{FakeClosient, FakeFunnelFox, Mishap, Role};
use billing_clients::{Error, ErrorClass, Refusal, RetryPolicy, closient};
use std::sync::Arc;
use std::time::Duration;

const USER: &str = "user-42";

async fn shop() -> (FakeFunnelFox, funnelfox::Client) {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user(USER, true);
    fake.add_user("no-card", false);
    let client = fake.client().with_options(|o| {
        o.retry = RetryPolicy::none();
        o.attempt_timeout = Duration::from_millis(500);
    });
    (fake, client)
}

async fn one_click(c: &funnelfox::Client, user: &str, pp: &str) -> Result<(), Error> {
    c.one_click(t::OneClick::builder().external_id(user).pp_ident(pp))
        .await
        .map(drop)
}

/// An id nothing has.
fn nobodys() -> uuid::Uuid {
    "00000000-0000-4000-8000-000000000000".parse().unwrap()
}

fn refused(e: &Error) -> Refusal {
    match e.class() {
        ErrorClass::Refused(r) => r,
        other => panic!("not a refusal: {other:?}: {e}"),
    }
}

#[tokio::test]
async fn funnelfox_business_refusals_under_http_200_are_told_apart() {
    let (_fake, c) = shop().await;
    one_click(&c, USER, "pro_monthly").await.unwrap();

    let e = one_click(&c, USER, "pro_monthly").await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(200), Some("double_purchase")));
    assert_eq!(refused(&e), Refusal::DoublePurchase);
    assert_eq!(e.refusal(), Some(Refusal::DoublePurchase));

    let e = one_click(&c, USER, "no_such_plan").await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(200), Some("bad_request")));
    assert_eq!(refused(&e), Refusal::UnknownPricePoint, "{e}");

    let e = one_click(&c, "nobody", "pro_monthly").await.unwrap_err();
    assert_eq!(refused(&e), Refusal::UnknownUser, "{e}");

    let e = one_click(&c, "no-card", "pro_monthly").await.unwrap_err();
    assert_eq!(refused(&e), Refusal::NoSavedPaymentMethod, "{e}");

    let e = c
        .subscription_pause(t::SubsPauseIn::builder().subs_id(nobodys()))
        .await
        .unwrap_err();
    assert_eq!(refused(&e), Refusal::NotFound, "{e}");
    // Refused: nothing to retry, nothing in doubt.
    assert!(!e.may_have_been_processed() && e.is_api());
}

#[tokio::test]
async fn an_unrecognised_refusal_keeps_the_providers_code() {
    let (_fake, c) = shop().await;
    one_click(&c, USER, "pro_monthly").await.unwrap();
    let sub = c
        .my_assets(t::UserInfoIn::builder().external_id(USER))
        .await
        .unwrap()
        .subscriptions[0]
        .subs_id;
    let pause = || t::SubsPauseIn::builder().subs_id(sub);
    c.subscription_pause(pause()).await.unwrap();
    let e = c.subscription_pause(pause()).await.unwrap_err();
    assert_eq!(refused(&e), Refusal::Other("bad_request".into()), "{e}");
    assert!(e.api().unwrap().message.contains("already paused"));
}

#[tokio::test]
async fn invalid_input_is_the_callers_and_nothing_was_sent() {
    let (fake, c) = shop().await;
    let e = c.one_click(t::OneClick::builder().external_id(USER)).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::InvalidInput, "{e}");
    assert!(e.is_invalid_input() && !e.is_configuration());
    assert_eq!(fake.count("one_click"), 0);
}

#[tokio::test]
async fn a_client_set_up_wrong_is_configuration_not_invalid_input() {
    let (fake, _) = shop().await;
    // A keyed operation on a client without the secret key: nothing sent.
    let keyless = funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .build()
        .unwrap();
    let refund = || t::RefundIn::builder().external_id(USER).order_id(nobodys());
    let e = keyless.payment_refund(refund()).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Configuration, "{e}");
    assert!(e.is_configuration() && e.is_invalid_input(), "the predicates stay");
    assert!(e.to_string().contains("ff-secret-key"), "{e}");
    assert_eq!(fake.count("payment_refund"), 0);

    // A key the provider refuses: HTTP 401.
    let wrong = funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .secret_key("not-the-key")
        .build()
        .unwrap();
    let e = wrong.payment_refund(refund()).await.unwrap_err();
    assert_eq!((e.status(), e.class()), (Some(401), ErrorClass::Configuration), "{e}");

    // Another organisation than the provider's.
    let other_org = funnelfox::Client::builder("org_someoneelse")
        .base_url(fake.server_url())
        .build()
        .unwrap();
    let e = one_click(&other_org, USER, "pro_monthly").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Configuration, "{e}");

    // A malformed key, when building.
    let e = funnelfox::Client::builder("org")
        .secret_key("two words")
        .build()
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Configuration);
    let e = closient::Client::new("csb_not_a_key").unwrap_err();
    assert_eq!(e.class(), ErrorClass::Configuration);
}

#[tokio::test]
async fn closient_refusals_and_configuration() {
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let member = fake.add_key(&org, Role::Member);
    let owner = fake.add_key(&org, Role::Owner);

    // A key without the role: HTTP 403, the set-up.
    let checkout = closient::types::AdBalanceCheckoutIn::builder()
        .organization_id(org.as_str())
        .amount_cents(1000)
        .success_url("https://shop.test/ok")
        .cancel_url("https://shop.test/cancel");
    let e = fake.client(&member).create_checkout(checkout).await.unwrap_err();
    assert_eq!((e.status(), e.class()), (Some(403), ErrorClass::Configuration), "{e}");

    // An organisation that does not exist (well-formed: another fake's): HTTP 404.
    let missing = FakeClosient::start().await.add_org();
    let e = fake.client(&owner).get_balance(&missing).await.unwrap_err();
    assert_eq!((e.status(), refused(&e)), (Some(404), Refusal::NotFound), "{e}");

    // The provider's own checks (a body the client did not check): HTTP 422.
    let e = fake
        .client(&owner)
        .raw(Method::Post, "/billing/checkout")
        .with_key()
        .json(serde_json::json!({"organization_id": org, "amount_cents": 1000}))
        .await
        .unwrap_err();
    assert_eq!((e.status(), refused(&e)), (Some(422), Refusal::Invalid), "{e}");
}

#[tokio::test]
async fn a_rate_limit_that_held_is_rate_limited() {
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let key = fake.add_key(&org, Role::Owner);
    fake.set_rate_limit(1, Duration::from_secs(60));
    let client = closient::Client::builder(key)
        .base_url(fake.base_url())
        .pacing(false)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.get_balance(&org).await.unwrap();
    let e = client.get_balance(&org).await.unwrap_err();
    assert_eq!((e.status(), e.class()), (Some(429), ErrorClass::RateLimited), "{e}");
}

#[tokio::test]
async fn provider_failures_and_transport_failures() {
    let (fake, c) = shop().await;
    fake.mishap_next(OperationId::OneClick, Mishap::BadGatewayBeforeWork);
    let e = one_click(&c, USER, "pro_monthly").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Provider, "{e}");

    fake.mishap_next(OperationId::OneClick, Mishap::DroppedAfterWork);
    let e = one_click(&c, USER, "pro_monthly").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Transport, "{e}");
    assert!(e.may_have_been_processed());

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let nowhere = funnelfox::Client::builder("org")
        .base_url(format!("http://127.0.0.1:{port}/{{org_id}}/v1"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = one_click(&nowhere, USER, "pro_monthly").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Transport, "{e}");
    assert!(e.is_connect());
}

#[tokio::test]
async fn intents_in_doubt_reused_or_unwritable() {
    let (fake, c) = shop().await;
    let buy = |pp: &str| t::OneClick::builder().external_id(USER).pp_ident(pp);
    fake.mishap_next(OperationId::OneClick, Mishap::DroppedAfterWork);
    c.one_click(buy("pro_monthly")).intent("k1").await.unwrap_err();
    let e = c.one_click(buy("pro_monthly")).intent("k1").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::InDoubt, "{e}");
    assert!(e.is_intent_in_doubt());

    // The key of another call: the caller's mistake, nothing sent.
    fake.add_price_point("pro_plus");
    let e = c.one_click(buy("pro_plus")).intent("k1").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::InvalidInput, "{e}");

    let down = funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .journal(Arc::new(Down))
        .build()
        .unwrap();
    let e = down.one_click(buy("pro_plus")).intent("k2").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::Journal, "{e}");
}

/// A journal that cannot be reached.
#[derive(Debug)]
struct Down;

fn down<'a, T: 'a>() -> Pending<'a, T> {
    Box::pin(async { Err(JournalError("unreachable".into())) })
}

impl Journal for Down {
    fn begin<'a>(&'a self, _: &'a Intent) -> Pending<'a, Begin> {
        down()
    }
    fn set<'a>(&'a self, _: &'a str, _: &'a State) -> Pending<'a, ()> {
        down()
    }
    fn get<'a>(&'a self, _: &'a str) -> Pending<'a, Option<Record>> {
        down()
    }
    fn open(&self) -> Pending<'_, Vec<Record>> {
        down()
    }
}
