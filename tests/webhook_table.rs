//! The README's table "Which webhooks arrive for which action" is what the fake
//! FunnelFox sends: each action is performed on a fresh fake with a loopback
//! webhook target, the deliveries it caused are collected in order and
//! rendered as the table's rows, and the README must hold exactly that table.
//! Refresh it with `EXPECTORATE=overwrite cargo test --test webhook_table` and
//! review the diff (a change in what the fake sends shows there first).

use billing_clients::funnelfox::{Client, types as t};
use billing_clients::testing::FakeFunnelFox;
use serde_json::{Map, Value};
use std::num::NonZeroU64;

const HEADER: &str = "| action | webhooks, in order (`event_type` `subtype`) | what each carries |\n|---|---|---|\n";
const USER: &str = "user-42";

/// The members every event has; the table lists the others.
const ENVELOPE: [&str; 6] = [
    "event_id",
    "event_timestamp",
    "event_type",
    "subtype",
    "external_id",
    "is_livemode",
];

/// A fresh fake whose webhooks go to a loopback target that acknowledges
/// everything, with the price points the actions buy and a user with a saved
/// payment method.
struct Scene {
    fake: FakeFunnelFox,
    client: Client,
    seen: usize,
}

impl Scene {
    async fn new(target: &str) -> Self {
        let fake = FakeFunnelFox::start().await;
        fake.add_webhook_target(target);
        fake.add_price_point("pro_monthly");
        fake.add_price_point("pro_plus");
        fake.add_trial_price_point("pro_trial", 7);
        fake.add_one_off_price_point("lifetime", "49.00");
        fake.add_price_point("magic_renewal_fails_1");
        fake.add_price_point("magic_renewal_fails_4");
        fake.add_user(USER, true);
        let client = fake.client();
        Scene { fake, client, seen: 0 }
    }

    /// The events delivered since the last call, in order.
    async fn take(&mut self) -> Vec<Value> {
        self.fake.webhooks_delivered().await;
        let all = self.fake.webhook_deliveries();
        let new: Vec<Value> = all[self.seen..].iter().map(|d| d.event.clone()).collect();
        self.seen = all.len();
        new
    }

    /// Buy `pp` with one click; the order id.
    async fn buy(&mut self, pp: &str) -> uuid::Uuid {
        let paid = self
            .client
            .one_click(t::OneClick::builder().external_id(USER).pp_ident(pp))
            .await
            .unwrap();
        paid.order_id.unwrap()
    }

    /// A fresh scene whose user already bought `pp` (its webhooks taken); the order id.
    async fn owning(target: &str, pp: &str) -> (Self, uuid::Uuid) {
        let mut s = Scene::new(target).await;
        let order = s.buy(pp).await;
        s.take().await;
        (s, order)
    }

    /// Move the fake's clock `days` on; the events that fell due.
    async fn after_days(&mut self, days: u32) -> Vec<Value> {
        self.fake.advance_days(days);
        self.take().await
    }

    async fn subs_id(&self) -> uuid::Uuid {
        let owned = self
            .client
            .my_assets(t::UserInfoIn::builder().external_id(USER))
            .await
            .unwrap();
        owned.subscriptions[0].subs_id
    }
}

/// `member` (what it says that matters for entitlements).
fn describe(member: &str, value: &Value) -> String {
    let get = |k: &str| value.get(k).filter(|v| !v.is_null() && *v != "");
    match (member, value) {
        ("subscription", Value::Object(_)) => {
            let statuses: Vec<&str> = value["status"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            format!(
                "`subscription` (`is_active` {}, `status` {})",
                value["is_active"],
                statuses.join(" ")
            )
        }
        ("oneoff", Value::Object(_)) => format!("`oneoff` (`is_active` {})", value["is_active"]),
        ("order", Value::Object(_)) => {
            let mut about = vec![format!("`status` {}", value["status"].as_str().unwrap_or("?"))];
            about.extend(
                ["subs_id", "oneoff_id"]
                    .iter()
                    .filter(|k| get(k).is_some())
                    .map(|k| format!("`{k}`")),
            );
            format!("`order` ({})", about.join(", "))
        }
        _ => format!("`{member}`"),
    }
}

/// One row per event; the action is named on the first.
fn rows(action: &str, events: &[Value]) -> Vec<String> {
    if events.is_empty() {
        return vec![format!("| {action} | none | |")];
    }
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let e: &Map<String, Value> = e.as_object().unwrap();
            let kind = format!(
                "`{}` `{}`",
                e["event_type"].as_str().unwrap(),
                e["subtype"].as_str().unwrap_or("")
            );
            // Objects first (in this order), then the other members, by name.
            let order = ["subscription", "oneoff", "order", "user"];
            let mut carried: Vec<String> = order
                .iter()
                .filter_map(|k| e.get(*k).filter(|v| v.is_object()).map(|v| describe(k, v)))
                .collect();
            let mut others: Vec<&String> = e
                .keys()
                .filter(|k| !ENVELOPE.contains(&k.as_str()) && !order.contains(&k.as_str()))
                .filter(|k| !e[k.as_str()].is_null())
                .collect();
            others.sort();
            carried.extend(others.into_iter().map(|k| format!("`{k}`")));
            let action = if i == 0 { action } else { "" };
            format!("| {action} | {kind} | {} |", carried.join(", "))
        })
        .collect()
}

async fn target() -> String {
    let app = axum::Router::new().route("/hooks", axum::routing::post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Every action the fake models, performed in turn; the table's rows.
async fn table() -> Vec<String> {
    let url = target().await;
    let mut table = Vec::new();

    // Purchases.
    let mut s = Scene::new(&url).await;
    s.buy("pro_monthly").await;
    table.extend(rows(
        "one-click purchase of a subscription (`one_click`)",
        &s.take().await,
    ));
    let mut s = Scene::new(&url).await;
    s.buy("pro_trial").await;
    table.extend(rows(
        "one-click purchase of a subscription with a free trial",
        &s.take().await,
    ));
    let mut s = Scene::new(&url).await;
    s.buy("lifetime").await;
    table.extend(rows("one-click purchase of a one-off", &s.take().await));
    let mut s = Scene::new(&url).await;
    s.fake.add_price_point("magic_declined");
    s.buy("magic_declined").await;
    table.extend(rows("a declined charge (one-click or checkout)", &s.take().await));

    // The checkout: a session and its order, then the payment form's token.
    let mut s = Scene::new(&url).await;
    let session = s
        .client
        .create_client_session(
            t::CheckoutClientSessionIn::builder()
                .region("default")
                .integration_type(t::IntegrationEnum::Stripe)
                .pp_ident("pro_monthly")
                .external_id("user-7")
                .email_address("jane@example.com"),
        )
        .await
        .unwrap();
    table.extend(rows("checkout: `create_client_session`", &s.take().await));
    let pay = |token: &str| {
        t::CheckoutCreatePaymentIn::builder()
            .order_id(session.order_id)
            .payment_method_token(token)
    };
    let paid = s.client.create_payment(pay("pm_card_3ds")).await.unwrap();
    table.extend(rows(
        "checkout: `create_payment` that needs 3-D Secure",
        &s.take().await,
    ));
    s.client
        .resume_payment(
            t::CheckoutResumePaymentIn::builder()
                .order_id(session.order_id)
                .resume_token(paid.action_required_token.unwrap()),
        )
        .await
        .unwrap();
    table.extend(rows("then `resume_payment`", &s.take().await));

    // The clock: renewals, a trial's end, failed renewals.
    let (mut s, _) = Scene::owning(&url, "pro_monthly").await;
    table.extend(rows(
        "a renewal (the clock passes the period's end)",
        &s.after_days(30).await,
    ));
    let (mut s, _) = Scene::owning(&url, "pro_trial").await;
    table.extend(rows("the trial ends: its first charge", &s.after_days(7).await));
    let (mut s, _) = Scene::owning(&url, "magic_renewal_fails_1").await;
    table.extend(rows("a failed renewal", &s.after_days(30).await));
    table.extend(rows("its daily retry succeeds", &s.after_days(1).await));
    let (mut s, _) = Scene::owning(&url, "magic_renewal_fails_4").await;
    s.after_days(30).await;
    table.extend(rows("a failed renewal's daily retry fails", &s.after_days(1).await));
    table.extend(rows(
        "two more retries fail (the fourth failure in all)",
        &s.after_days(2).await,
    ));

    // Refunds and cancellations.
    let refund = |order: uuid::Uuid, soft: bool| {
        t::RefundIn::builder()
            .external_id(USER)
            .order_id(order)
            .soft_refund(Some(soft))
    };
    let (mut s, order) = Scene::owning(&url, "pro_monthly").await;
    s.client.payment_refund(refund(order, false)).await.unwrap();
    table.extend(rows(
        "refund of a subscription's order (`payment_refund`)",
        &s.take().await,
    ));
    let (mut s, order) = Scene::owning(&url, "pro_monthly").await;
    s.client.payment_refund(refund(order, true)).await.unwrap();
    table.extend(rows("soft refund (`soft_refund`: access kept)", &s.take().await));
    let (mut s, order) = Scene::owning(&url, "lifetime").await;
    s.client.payment_refund(refund(order, false)).await.unwrap();
    table.extend(rows("refund of a one-off's order", &s.take().await));
    let cancel = |order: uuid::Uuid, soft: bool| {
        t::CancelIn::builder()
            .external_id(USER)
            .order_id(order)
            .soft_cancel(Some(soft))
    };
    let (mut s, order) = Scene::owning(&url, "pro_monthly").await;
    s.client.payment_cancel(cancel(order, false)).await.unwrap();
    table.extend(rows("cancel now (`payment_cancel`)", &s.take().await));
    let (mut s, order) = Scene::owning(&url, "pro_monthly").await;
    s.client.payment_cancel(cancel(order, true)).await.unwrap();
    table.extend(rows("soft cancel (`soft_cancel`: renewals stop)", &s.take().await));
    table.extend(rows("then the period ends", &s.after_days(30).await));

    // Managing a live subscription.
    let (mut s, _) = Scene::owning(&url, "pro_monthly").await;
    let subs = s.subs_id().await;
    s.client
        .subscription_pause(t::SubsPauseIn::builder().subs_id(subs))
        .await
        .unwrap();
    table.extend(rows("pause (`subscription_pause`)", &s.take().await));
    s.client
        .subscription_resume(t::SubsResumeIn::builder().subs_id(subs))
        .await
        .unwrap();
    table.extend(rows("resume (`subscription_resume`)", &s.take().await));
    let till: billing_clients::Timestamp = "2026-01-11T00:00:00".parse().unwrap();
    s.client
        .subscription_pause(t::SubsPauseIn::builder().subs_id(subs).pause_till(till))
        .await
        .unwrap();
    s.take().await;
    table.extend(rows(
        "a pause with `pause_till` ends on the clock",
        &s.after_days(10).await,
    ));
    let toggle = || t::SubsToggleAutorenewIn::builder().subs_id(subs);
    s.client.disable_autorenew(toggle()).await.unwrap();
    table.extend(rows("autorenew off (`disable_autorenew`)", &s.take().await));
    s.client.enable_autorenew(toggle()).await.unwrap();
    table.extend(rows("autorenew on (`enable_autorenew`)", &s.take().await));
    s.client
        .subscription_defer(t::SubsDeferIn::builder().subs_id(subs))
        .await
        .unwrap();
    table.extend(rows("defer (`subscription_defer`)", &s.take().await));
    s.client
        .discount(
            t::DiscountIn::builder()
                .subs_id(subs)
                .percent(NonZeroU64::new(20).unwrap()),
        )
        .await
        .unwrap();
    table.extend(rows("discount (`discount`)", &s.take().await));
    s.client.disable_autorenew(toggle()).await.unwrap();
    s.take().await;
    table.extend(rows("autorenew off, then the period ends", &s.after_days(90).await));

    let (mut s, _) = Scene::owning(&url, "pro_monthly").await;
    let subs = s.subs_id().await;
    let migrate = || t::MigrationIn::builder().subs_id(subs).pp_ident("pro_plus");
    s.client.subscription_migration(migrate()).await.unwrap();
    table.extend(rows(
        "migration (`subscription_migration`, `price_prorate`)",
        &s.take().await,
    ));
    let (mut s, _) = Scene::owning(&url, "pro_monthly").await;
    let subs = s.subs_id().await;
    let migrate = || t::MigrationIn::builder().subs_id(subs).pp_ident("pro_plus");
    s.client
        .subscription_migration(migrate().strategy(t::MigrationStrategy::DelayedStart))
        .await
        .unwrap();
    table.extend(rows("migration, `delayed_start`", &s.take().await));
    table.extend(rows(
        "then the period ends (the new price point's first charge)",
        &s.after_days(30).await,
    ));
    table
}

#[tokio::test]
async fn the_readme_lists_the_webhooks_each_action_sends_as_the_fake_sends_them() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let table = table().await;
    let start = readme.find(HEADER).map(|at| at + HEADER.len()).unwrap_or_else(|| {
        panic!(
            "README.md has no table starting\n{HEADER}\nIt should be (refresh: EXPECTORATE=overwrite cargo test --test webhook_table):\n{HEADER}{}",
            table.join("\n")
        )
    });
    let end = start + readme[start..].find("\n\n").unwrap_or(readme.len() - start);
    let expected = format!("{}{}{}", &readme[..start], table.join("\n"), &readme[end..]);
    expectorate::assert_contents(path, &expected);
}
