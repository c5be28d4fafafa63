//! The server-side FunnelFox API against the stateful fake, end to end: what a
//! purchase gives the user, refunds, cancellations, subscription management,
//! the catalogue, users, and the transaction report walked page by page.

use billing_clients::funnelfox::types::{self as t, SubscriptionStatus};
use billing_clients::testing::FakeFunnelFox;
use billing_clients::{Upload, funnelfox};
use std::num::NonZeroU64;

async fn shop() -> (FakeFunnelFox, funnelfox::Client) {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_one_off_price_point("lifetime", "49.00");
    fake.add_user("user-42", true);
    let client = fake.client();
    (fake, client)
}

async fn buy(c: &funnelfox::Client, pp: &str) -> uuid::Uuid {
    let paid = c
        .one_click(t::OneClick::builder().external_id("user-42").pp_ident(pp))
        .await
        .unwrap();
    assert_eq!(paid.checkout_status, funnelfox::CheckoutPaymentStatus::Succeeded);
    paid.order_id.unwrap()
}

async fn assets(c: &funnelfox::Client) -> t::MyAssetsOut {
    c.my_assets(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_purchase_is_an_entitlement_a_payment_and_a_transaction() {
    let (_fake, c) = shop().await;
    assert!(assets(&c).await.subscriptions.is_empty());
    let order = buy(&c, "pro_monthly").await;
    let mine = assets(&c).await;
    let sub = &mine.subscriptions[0];
    assert!(sub.is_active);
    assert_eq!(sub.price_point.ident, "pro_monthly");
    assert_eq!(sub.status, [SubscriptionStatus::Recurring]);
    assert!(sub.next_check_at.is_some() && sub.started_at.unwrap().is_naive());
    let history = c
        .payments_history(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap();
    assert_eq!(history.payments[0].order_id, order);
    assert_eq!(history.payments[0].amount.unwrap().to_string(), "9.99");
    assert!(mine.consumables.is_empty() && mine.extra.is_empty(), "{:?}", mine.extra);
    let lifetime = buy(&c, "lifetime").await;
    let mine = assets(&c).await;
    assert_eq!(mine.oneoffs[0].order_id, Some(lifetime));
    assert_eq!(mine.oneoffs[0].is_active, Some(true));
}

#[tokio::test]
async fn refunds_partial_and_whole_soft_and_hard() {
    let (_fake, c) = shop().await;
    let order = buy(&c, "pro_monthly").await;
    let refund = |amount: Option<&str>, soft: bool| {
        let mut b = t::RefundIn::builder()
            .external_id("user-42")
            .order_id(order)
            .soft_refund(soft);
        if let Some(a) = amount {
            b = b.amount(a.parse::<rust_decimal::Decimal>().unwrap());
        }
        c.payment_refund(b)
    };
    refund(Some("2.00"), true).await.unwrap();
    assert!(
        assets(&c).await.subscriptions[0].is_active,
        "a soft refund keeps the access"
    );
    let e = refund(Some("8.00"), true).await.unwrap_err();
    assert_eq!(e.code(), Some("bad_request"), "only 7.99 is left: {e}");
    refund(None, false).await.unwrap();
    let sub = &assets(&c).await.subscriptions[0];
    assert!(!sub.is_active && sub.status == [SubscriptionStatus::Expired], "{sub:?}");
    // The user may buy it again now.
    buy(&c, "pro_monthly").await;
}

#[tokio::test]
async fn pause_resume_defer_autorenew_discount() {
    let (fake, c) = shop().await;
    buy(&c, "pro_monthly").await;
    let subs = assets(&c).await.subscriptions[0].subs_id;
    c.subscription_pause(t::SubsPauseIn::builder().subs_id(subs))
        .await
        .unwrap();
    let paused = &assets(&c).await.subscriptions[0];
    assert!(!paused.is_active && paused.status.contains(&SubscriptionStatus::Paused));
    assert_eq!(paused.next_check_at, None, "a pause without an end has no next check");
    assert!(
        c.subscription_pause(t::SubsPauseIn::builder().subs_id(subs))
            .await
            .is_err()
    );
    c.subscription_resume(t::SubsResumeIn::builder().subs_id(subs))
        .await
        .unwrap();
    let resumed = &assets(&c).await.subscriptions[0];
    assert!(resumed.is_active);
    let end = resumed.current_period_ends_at.unwrap();
    let later: billing_clients::Timestamp = (end.utc() + chrono::Duration::days(10)).into();
    c.subscription_defer(t::SubsDeferIn::builder().subs_id(subs).defer_till(later))
        .await
        .unwrap();
    assert_eq!(
        assets(&c).await.subscriptions[0].next_check_at.map(|t| t.utc()),
        Some(later.utc())
    );
    c.disable_autorenew(t::SubsToggleAutorenewIn::builder().subs_id(subs))
        .await
        .unwrap();
    assert!(
        assets(&c).await.subscriptions[0]
            .status
            .contains(&SubscriptionStatus::AutorenewOff)
    );
    c.enable_autorenew(t::SubsToggleAutorenewIn::builder().subs_id(subs))
        .await
        .unwrap();
    c.discount(
        t::DiscountIn::builder()
            .subs_id(subs)
            .percent(NonZeroU64::new(20).unwrap())
            .count_of_iterations(NonZeroU64::new(3)),
    )
    .await
    .unwrap();
    let sub = &assets(&c).await.subscriptions[0];
    assert!(!sub.status.contains(&SubscriptionStatus::AutorenewOff));
    assert_eq!(sub.discounts.len(), 1);
    // The page bounds `percent` to 1..=99: 100 is refused before anything is sent.
    let e = c
        .discount(
            t::DiscountIn::builder()
                .subs_id(subs)
                .percent(NonZeroU64::new(100).unwrap()),
        )
        .await
        .unwrap_err();
    assert!(e.is_invalid_input(), "{e}");
    assert_eq!(fake.count("discount"), 1);
}

#[tokio::test]
async fn the_catalogue_and_a_migration_dry_run_then_for_real() {
    let (_fake, c) = shop().await;
    c.feature_create(
        t::FeatureCreateIn::builder()
            .ident("ad_free")
            .feature_type(t::FeatureTypeEnum::Timebased),
    )
    .await
    .unwrap();
    c.pp_create(
        t::PricePointCreateIn::builder()
            .ident("pro_plus")
            .intro_type(t::IntroTypeEnum::NoIntro)
            .currency_code("USD")
            .next_price(Some("19.99".parse::<rust_decimal::Decimal>().unwrap()))
            .features(t::PricePointCreateInFeatures::String("ad_free".into())),
    )
    .await
    .unwrap();
    let with_feature = c
        .price_points(t::FilterPointIn::builder().feature_ident(Some("ad_free".into())))
        .await
        .unwrap();
    assert_eq!(with_feature.price_points.len(), 1);
    assert_eq!(with_feature.price_points[0].ident, "pro_plus");
    let csv = c.export_csv().await.unwrap();
    assert!(csv.lines().any(|l| l.starts_with("pro_plus,USD")), "{csv}");
    let import = "ident,currency_code,intro_type,next_price\nbasic,USD,no_intro,4.99\npro_plus,USD,no_intro,1.00\n";
    c.import_csv(Upload::new("prices.csv", import).content_type("text/csv"))
        .await
        .unwrap();
    let all = c.pp_list(t::FilterPointIn::builder()).await.unwrap();
    let idents: Vec<&str> = all.price_points.iter().map(|p| p.ident.as_str()).collect();
    assert_eq!(
        idents,
        ["basic", "lifetime", "pro_monthly", "pro_plus"],
        "existing idents are skipped"
    );

    buy(&c, "pro_monthly").await;
    let subs = assets(&c).await.subscriptions[0].subs_id;
    let migrate = || t::MigrationIn::builder().subs_id(subs).pp_ident("pro_plus");
    let dry = c.subscription_migration(migrate().dry_run(Some(true))).await.unwrap();
    assert_eq!(dry.migration_strategy, t::MigrationStrategy::PriceProrate);
    assert_eq!(dry.charged_amount.unwrap().to_string(), "10.00");
    assert_eq!(
        assets(&c).await.subscriptions[0].price_point.ident,
        "pro_monthly",
        "a dry run changes nothing"
    );
    let real = c.subscription_migration(migrate()).await.unwrap();
    assert!(real.payment_result.is_some());
    assert_eq!(assets(&c).await.subscriptions[0].price_point.ident, "pro_plus");
}

#[tokio::test]
async fn users_by_email_and_the_email_rules() {
    let (_fake, c) = shop().await;
    c.create_client_session(
        t::CheckoutClientSessionIn::builder()
            .region("default")
            .integration_type(t::IntegrationEnum::Stripe)
            .pp_ident("pro_monthly")
            .external_id("user-42")
            .email_address("jane@example.com"),
    )
    .await
    .unwrap();
    let find = |email: &'static str| c.search_users(t::SearchUserIn::builder().email(Some(email.parse().unwrap())));
    assert_eq!(find("jane@example.com").await.unwrap().users[0].external_id, "user-42");
    let update =
        |email: &'static str| c.update_email(t::UpdateEmailIn::builder().external_id("user-42").email_address(email));
    let not_an_email = update("not an email").await.unwrap_err();
    assert!(not_an_email.is_invalid_input(), "{not_an_email}");
    assert!(not_an_email.to_string().contains("email_address"), "{not_an_email}");
    assert_eq!(
        update("FIXME@example.org").await.unwrap_err().code(),
        Some("bad_request")
    );
    update("jane@new.example.org").await.unwrap();
    assert!(find("jane@example.com").await.unwrap().users.is_empty());
    assert_eq!(find("jane@new.example.org").await.unwrap().users.len(), 1);
}

#[tokio::test]
async fn the_transaction_report_and_the_search_walk_every_page() {
    let (fake, c) = shop().await;
    for _ in 0..2 {
        let order = buy(&c, "pro_monthly").await;
        c.payment_refund(t::RefundIn::builder().external_id("user-42").order_id(order))
            .await
            .unwrap();
    }
    buy(&c, "lifetime").await;
    let start: billing_clients::Timestamp = "2026-01-01T00:00:00".parse().unwrap();
    let report = || t::TransactionReportIn::builder().last_transaction_date(start);
    let all = c
        .transaction_report_pages(report().limit(NonZeroU64::new(2).unwrap()))
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 5, "2 charges, 2 refunds, 1 one-off");
    let ids: std::collections::HashSet<_> = all.iter().map(|t| t.trx_id).collect();
    assert_eq!(ids.len(), 5, "none repeated");
    let first = &all[0];
    assert_eq!(
        (first.is_vaulted, first.pm_data_last4.as_deref()),
        (Some(true), Some("4242"))
    );
    assert!(
        first.extra.is_empty(),
        "every field the fake sends is typed: {:?}",
        first.extra
    );
    assert!(fake.count("transaction_report") >= 3);
    let one_page = c.transaction_report(report()).await.unwrap();
    assert_eq!(one_page.transactions.len(), 5);

    let subs = c
        .subscription_search_pages(
            t::FilterSubscriptionIn::builder()
                .external_id(Some("user-42".parse().unwrap()))
                .limit(1),
        )
        .all()
        .await
        .unwrap();
    assert_eq!(subs.len(), 2, "both subscriptions, one per page");
}

#[tokio::test]
async fn management_calls_need_the_key_and_checkout_calls_do_not() {
    let (fake, _) = shop().await;
    let keyless = funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .build()
        .unwrap();
    let e = keyless
        .payment_refund(
            t::RefundIn::builder()
                .external_id("user-42")
                .order_id(uuid::Uuid::from_u128(0x6f1c_2a8e_4b7d_4c3a_9e15_d2f0_a1b3_c4d5)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.invalid_input().map(|i| i.field.as_str()), Some("ff-secret-key"));
    keyless
        .my_assets(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap();
    assert_eq!(fake.count("payment_refund"), 0);
    assert!(fake.requests().iter().all(|r| r.header("ff-secret-key").is_none()));
}
