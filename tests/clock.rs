//! A month of billing in a second: the fake's clock moves only when the test
//! says, and subscriptions live on it as FunnelFox documents: a trial converts,
//! periods renew, a failed renewal retries in grace and recovers or expires,
//! autorenew off expires at the period's end, a pause with an end resumes. Each
//! step shows in `my_assets` and arrives as a webhook.

use billing_clients::funnelfox::types::{self as t, SubscriptionStatus as S};
use billing_clients::funnelfox::webhooks;
use billing_clients::testing::{FakeFunnelFox, PaymentOutcome};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

async fn received(url_out: &mut String) -> Arc<Mutex<Vec<String>>> {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hooks",
        webhooks::endpoint(
            Arc::new(webhooks::MemoryDeduplicator::default()),
            move |d: webhooks::Delivery| {
                let g = g.clone();
                async move {
                    let e = d.event;
                    g.lock().unwrap().push(format!(
                        "{} {}",
                        e.event_type,
                        e.subtype.map(|s| s.to_string()).unwrap_or_default()
                    ));
                    Ok::<(), std::convert::Infallible>(())
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    *url_out = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    got
}

#[tokio::test]
async fn one_subscription_through_every_status() {
    let started = std::time::Instant::now();
    let fake = FakeFunnelFox::start().await;
    let mut url = String::new();
    let hooks = received(&mut url).await;
    fake.add_webhook_target(&url);
    fake.add_trial_price_point("pro_trial", 7);
    fake.add_user("user-42", true);
    let c = fake.client();
    let status = || async {
        let a = c
            .my_assets(t::UserInfoIn::builder().external_id("user-42"))
            .await
            .unwrap();
        let s = a.subscriptions.into_iter().next().unwrap();
        (s.status, s.is_active, s.iteration)
    };
    let step = |expected: &[&str]| {
        let hooks = hooks.clone();
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        async move {
            let mut got = hooks.lock().unwrap();
            let tail: Vec<String> = got.drain(..).collect();
            assert_eq!(tail, expected);
        }
    };

    c.one_click(t::OneClick::builder().external_id("user-42").pp_ident("pro_trial"))
        .await
        .unwrap();
    assert_eq!(status().await, (vec![S::Intro], true, Some(1)));
    fake.webhooks_delivered().await;
    step(&["subscription starting_trial", "order settled"]).await;

    fake.advance(7 * DAY);
    assert_eq!(
        status().await,
        (vec![S::Recurring], true, Some(2)),
        "the trial converted"
    );
    fake.webhooks_delivered().await;
    step(&["subscription conversion"]).await;

    fake.queue_outcome(PaymentOutcome::failed("insufficient funds"));
    fake.advance(30 * DAY);
    let (statuses, active, _) = status().await;
    assert!(
        statuses.contains(&S::Retry) && statuses.contains(&S::Grace) && active,
        "{statuses:?}"
    );
    fake.advance(DAY);
    assert_eq!(
        status().await,
        (vec![S::Recurring], true, Some(3)),
        "the retry recovered it"
    );
    fake.webhooks_delivered().await;
    step(&[
        "order declined",
        "subscription start_retry",
        "subscription start_grace",
        "subscription recovering",
    ])
    .await;

    let subs = c
        .my_assets(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap()
        .subscriptions[0]
        .subs_id;
    let till: billing_clients::Timestamp = (fake.now().utc() + chrono::Duration::days(5)).into();
    c.subscription_pause(t::SubsPauseIn::builder().subs_id(subs).pause_till(Some(till)))
        .await
        .unwrap();
    assert!(status().await.0.contains(&S::Paused));
    fake.advance(5 * DAY);
    assert!(!status().await.0.contains(&S::Paused), "the pause ended on its own");

    c.disable_autorenew(t::SubsToggleAutorenewIn::builder().subs_id(subs))
        .await
        .unwrap();
    let (statuses, active, _) = status().await;
    assert!(
        statuses.contains(&S::AutorenewOff) && active,
        "active until the period ends: {statuses:?}"
    );
    fake.advance(40 * DAY);
    assert_eq!(
        status().await.0,
        [S::Expired],
        "autorenew off: expired at the period's end"
    );
    fake.webhooks_delivered().await;
    step(&[
        "subscription pausing",
        "subscription resuming",
        "subscription unsubscription",
        "subscription expiration",
    ])
    .await;

    let history = c
        .payments_history(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap();
    let amounts: Vec<String> = history.payments.iter().map(|p| p.amount.unwrap().to_string()).collect();
    assert_eq!(amounts, ["0", "9.99", "9.99"], "trial, conversion, recovered renewal");
    assert!(started.elapsed() < Duration::from_secs(5), "months pass in no time");
}

#[tokio::test]
async fn four_failed_renewals_expire_a_subscription_after_grace() {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user("user-42", true);
    let c = fake.client();
    c.one_click(t::OneClick::builder().external_id("user-42").pp_ident("pro_monthly"))
        .await
        .unwrap();
    for _ in 0..4 {
        fake.queue_outcome(PaymentOutcome::failed("declined"));
    }
    fake.advance(30 * DAY);
    fake.advance(3 * DAY);
    let a = c
        .my_assets(t::UserInfoIn::builder().external_id("user-42"))
        .await
        .unwrap();
    assert_eq!(a.subscriptions[0].status, [S::Expired]);
    assert!(!a.subscriptions[0].is_active);
}
