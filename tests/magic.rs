//! The fake's magic inputs, each shown through the client's typed status or error.

use billing_clients::funnelfox::types as t;
use billing_clients::funnelfox::{CheckoutPaymentStatus as P, types::SubscriptionStatus as S};
use billing_clients::testing::FakeFunnelFox;
use std::time::Duration;

async fn fake() -> (FakeFunnelFox, billing_clients::funnelfox::Client) {
    let fake = FakeFunnelFox::start().await;
    for pp in ["pro_monthly", "magic_declined", "magic_3ds", "magic_renewal_fails_2"] {
        fake.add_price_point(pp);
    }
    for user in ["user-42", "magic_drop_after_charge"] {
        fake.add_user(user, true);
    }
    let c = fake.client();
    (fake, c)
}

fn buy(user: &str, pp: &str) -> t::builder::OneClick {
    t::OneClick::builder().external_id(user).pp_ident(pp)
}

#[tokio::test]
async fn a_declined_price_point_or_card() {
    let (_fake, c) = fake().await;
    let paid = c.one_click(buy("user-42", "magic_declined")).await.unwrap();
    assert_eq!(paid.checkout_status, P::Failed);
    assert_eq!(paid.failed_message_for_user.as_deref(), Some("Your card was declined."));
    let s = c
        .create_client_session(
            t::CheckoutClientSessionIn::builder()
                .region("default")
                .integration_type(t::IntegrationEnum::Stripe)
                .pp_ident("pro_monthly")
                .external_id("user-42")
                .email_address("a@example.com"),
        )
        .await
        .unwrap();
    let paid = c
        .create_payment(
            t::CheckoutCreatePaymentIn::builder()
                .order_id(s.order_id)
                .payment_method_token("pm_card_declined"),
        )
        .await
        .unwrap();
    assert_eq!(paid.checkout_status, P::Failed);
}

#[tokio::test]
async fn three_d_secure_then_resumed() {
    let (_fake, c) = fake().await;
    let pending = c.one_click(buy("user-42", "magic_3ds")).await.unwrap();
    assert_eq!(pending.checkout_status, P::Processing);
    let token = pending.action_required_token.filter(|t| !t.is_empty()).unwrap();
    let done = c
        .resume_payment(
            t::CheckoutResumePaymentIn::builder()
                .order_id(pending.order_id.unwrap())
                .resume_token(token),
        )
        .await
        .unwrap();
    assert_eq!(done.checkout_status, P::Succeeded);
}

#[tokio::test]
async fn a_renewal_that_fails_twice_then_succeeds() {
    let (fake, c) = fake().await;
    c.one_click(buy("user-42", "magic_renewal_fails_2")).await.unwrap();
    let status = || async {
        c.my_assets(t::UserInfoIn::builder().external_id("user-42"))
            .await
            .unwrap()
            .subscriptions[0]
            .status
            .clone()
    };
    fake.advance(Duration::from_secs(30 * 86_400));
    assert!(status().await.contains(&S::Retry));
    fake.advance(Duration::from_secs(86_400));
    assert!(status().await.contains(&S::Retry), "the second failure");
    fake.advance(Duration::from_secs(86_400));
    assert_eq!(status().await, [S::Recurring], "the third try succeeds");
}

#[tokio::test]
async fn a_double_purchase() {
    let (_fake, c) = fake().await;
    c.one_click(buy("user-42", "pro_monthly")).await.unwrap();
    let e = c.one_click(buy("user-42", "pro_monthly")).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(200), Some("double_purchase")));
    assert!(!e.may_have_been_processed());
}

#[tokio::test]
async fn the_connection_drops_after_the_charge_was_taken() {
    let (fake, c) = fake().await;
    let e = c
        .one_click(buy("magic_drop_after_charge", "pro_monthly"))
        .await
        .unwrap_err();
    assert!(e.is_connection_dropped() && e.may_have_been_processed(), "{e:?}");
    assert_eq!(fake.count("one_click"), 1, "a charge is never re-sent");
    // The charge happened: look it up before charging again.
    let owned = c
        .my_assets(t::UserInfoIn::builder().external_id("magic_drop_after_charge"))
        .await
        .unwrap();
    assert_eq!(owned.subscriptions.len(), 1);
}
