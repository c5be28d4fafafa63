//! A checkout, start to finish, printed as a transcript.
//!
//! By default it runs against the embedded fake servers (`billing_clients::testing`);
//! set `FUNNELFOX_ORG_ID` (and optionally `FUNNELFOX_SECRET_KEY`, `FUNNELFOX_BASE_URL`,
//! `FUNNELFOX_PP_IDENT`, `FUNNELFOX_PP_IDENT_2`, `FUNNELFOX_EXTERNAL_ID`) or
//! `CLOSIENT_API_KEY` and `CLOSIENT_ORG_ID` (optionally `CLOSIENT_BASE_URL`) to talk
//! to the real services instead.
//!
//! ```sh
//! cargo run --example checkout
//! ```

use billing_clients::funnelfox::webhooks::{self, Delivery, MemoryDeduplicator};
use billing_clients::funnelfox::{self, CheckoutPaymentStatus, types as ff};
use billing_clients::testing::{FakeClosient, FakeFunnelFox, PaymentOutcome, Role};
use billing_clients::{Result, closient, closient::types as cl};
use std::env::var;
use std::fmt::Display;
use std::sync::{Arc, Mutex};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    funnelfox_checkout().await?;
    println!();
    closient_checkout().await
}

/// Print one call and its result; return the value.
fn show<T>(call: impl Display, result: Result<T>, describe: impl FnOnce(&T) -> String) -> Result<T> {
    match &result {
        Ok(v) => println!("  {call}\n      -> {}", describe(v)),
        Err(e) => println!("  {call}\n      -> error: {e}"),
    }
    result
}

fn payment(p: &ff::CheckoutCreatePaymentOut) -> String {
    let mut s = format!("{}", p.checkout_status);
    if let Some(token) = p.action_required_token.as_deref().filter(|t| !t.is_empty()) {
        s.push_str(&format!(", action required (3-D Secure), token {token}"));
    }
    if let Some(msg) = p.failed_message_for_user.as_deref().filter(|m| !m.is_empty()) {
        s.push_str(&format!(", message for the user: {msg:?}"));
    }
    s
}

/// Events our endpoint handled, in order.
type Received = Arc<Mutex<Vec<String>>>;

/// Serve `funnelfox::webhooks::endpoint` on a loopback port; returns its URL.
async fn webhook_endpoint(received: Received) -> String {
    let handler = move |d: Delivery| {
        let received = received.clone();
        async move {
            let e = &d.event;
            let subtype = e.subtype.as_ref().map(|s| s.to_string()).unwrap_or_default();
            let at = e.event_timestamp.map(|t| t.to_string()).unwrap_or_default();
            let user = e.external_id.clone().unwrap_or_default();
            let line = format!("{at}  {} {subtype} (user {user}, key {})", e.event_type, d.key);
            received.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            Ok::<(), std::convert::Infallible>(())
        }
    };
    let app = axum::Router::new().route(
        "/funnelfox/webhooks",
        webhooks::endpoint(Arc::new(MemoryDeduplicator::default()), handler),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!(
        "http://{}/funnelfox/webhooks",
        listener.local_addr().expect("an address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn funnelfox_checkout() -> Result<()> {
    let received = Received::default();
    let (pp, pp2) = (
        var("FUNNELFOX_PP_IDENT").unwrap_or("pro_monthly".into()),
        var("FUNNELFOX_PP_IDENT_2").unwrap_or("pro_yearly".into()),
    );
    let user = var("FUNNELFOX_EXTERNAL_ID").unwrap_or("user-42".into());
    // The fake, seeded; or nothing when the real service is configured.
    let fake = match var("FUNNELFOX_ORG_ID") {
        Ok(_) => None,
        Err(_) => {
            let fake = FakeFunnelFox::start().await;
            fake.add_price_point(&pp);
            fake.add_price_point(&pp2);
            for u in [&user, "user-3ds", "user-declined"] {
                fake.add_user(u, true);
            }
            // Our own webhook endpoint on loopback: the fake delivers its events there.
            fake.add_webhook_target(webhook_endpoint(received.clone()).await);
            Some(fake)
        }
    };
    let client = match &fake {
        Some(fake) => fake.client(),
        None => funnelfox::Client::from_env()?,
    };
    let script = |outcome: PaymentOutcome| {
        if let Some(f) = &fake {
            f.queue_outcome(outcome)
        }
    };
    let what = if fake.is_some() {
        "embedded fake"
    } else {
        "REAL service"
    };
    println!("FunnelFox Billing ({what}) at {}", client.base_url());

    show(
        "create_simple_client_session(region=default, integration=stripe)",
        client
            .create_simple_client_session(
                ff::CheckoutSimpleClientSessionIn::builder()
                    .region("default")
                    .integration_type(ff::IntegrationEnum::Stripe),
            )
            .await,
        |s| format!("client token {}", s.client_token),
    )?;
    let session = show(
        format!("create_client_session(user={user}, price point={pp})"),
        client
            .create_client_session(
                ff::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(ff::IntegrationEnum::Stripe)
                    .pp_ident(pp.as_str())
                    .external_id(user.as_str())
                    .email_address("jane@example.com"),
            )
            .await,
        |s| format!("order {}, client token {}", s.order_id, s.client_token),
    )?;
    show(
        format!("update_client_session(order={}, price point={pp2})", session.order_id),
        client
            .update_client_session(
                ff::CheckoutUpdateClientSessionIn::builder()
                    .client_token(session.client_token.clone())
                    .order_id(session.order_id)
                    .pp_ident(pp2.as_str()),
            )
            .await,
        |_| "switched".into(),
    )?;

    // The payment form produced a token; the card asks for 3-D Secure (on the fake,
    // `pm_card_3ds` is one of its magic inputs).
    let pending = show(
        format!(
            "create_payment(order={}, payment method token=pm_card_3ds)",
            session.order_id
        ),
        client
            .create_payment(
                ff::CheckoutCreatePaymentIn::builder()
                    .order_id(session.order_id)
                    .payment_method_token("pm_card_3ds"),
            )
            .await,
        payment,
    )?;
    if let Some(token) = pending.action_required_token.clone().filter(|t| !t.is_empty()) {
        println!("  (the customer completes 3-D Secure in the browser)");
        script(PaymentOutcome::Succeeded);
        let order = pending.order_id.unwrap_or(session.order_id); // the newest order id
        show(
            format!("resume_payment(order={order})"),
            client
                .resume_payment(
                    ff::CheckoutResumePaymentIn::builder()
                        .order_id(order)
                        .resume_token(token),
                )
                .await,
            payment,
        )?;
    }

    let mut paid_order = None;
    for (who, outcome) in [
        (user.as_str(), PaymentOutcome::Succeeded),
        ("user-3ds", PaymentOutcome::ActionRequired),
        (
            "user-declined",
            PaymentOutcome::failed("Your card was declined. Try another card."),
        ),
    ] {
        script(outcome);
        let result = show(
            format!("one_click(user={who}, price point={pp})"),
            client
                .one_click(ff::OneClick::builder().external_id(who).pp_ident(pp.as_str()))
                .await,
            payment,
        );
        if let Ok(p) = result
            && p.checkout_status == CheckoutPaymentStatus::Succeeded
        {
            if who == user {
                paid_order = p.order_id;
            }
            // Buying it again is FunnelFox's `double_purchase`, reported under HTTP 200.
            let again = client
                .one_click(ff::OneClick::builder().external_id(who).pp_ident(pp.as_str()))
                .await;
            let _ = show(format!("one_click(user={who}, price point={pp}) again"), again, payment);
        }
    }
    println!();
    back_office(&client, &user, &pp2, paid_order, fake.is_some()).await?;
    if let Some(fake) = &fake {
        let month = Received::default();
        a_month(month.clone()).await?;
        fake.webhooks_delivered().await;
        println!();
        println!("Webhooks our endpoint received (deduplicated, acknowledged with 200)");
        for line in received.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            println!("  {line}");
        }
    }
    Ok(())
}

/// A month of billing on the fake's clock: a trial, its conversion, a failed
/// renewal and its recovery, a pause and resume, a refund; in milliseconds.
async fn a_month(received: Received) -> Result<()> {
    const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);
    let started = std::time::Instant::now();
    // A fake of its own: on a shared one, every subscription renews with the clock.
    let fake = &FakeFunnelFox::start().await;
    fake.add_webhook_target(webhook_endpoint(received.clone()).await);
    let client = &fake.client();
    println!();
    println!("A month on the fake's clock (starting {})", fake.now());
    fake.add_trial_price_point("pro_trial", 7);
    fake.add_user("user-trial", true);
    let state = || async {
        let a = client
            .my_assets(ff::UserInfoIn::builder().external_id("user-trial"))
            .await?;
        let s = a.subscriptions.first().map(|s| {
            let statuses: Vec<String> = s.status.iter().map(|x| x.to_string()).collect();
            format!("[{}] active={}", statuses.join(", "), s.is_active)
        });
        Result::<String>::Ok(s.unwrap_or_default())
    };
    client
        .one_click(ff::OneClick::builder().external_id("user-trial").pp_ident("pro_trial"))
        .await?;
    println!("  day 0   trial bought          {}", state().await?);
    fake.advance(7 * DAY);
    println!("  day 7   trial converted       {}", state().await?);
    fake.queue_outcome(PaymentOutcome::failed("insufficient funds"));
    fake.advance(30 * DAY);
    println!("  day 37  renewal failed        {}", state().await?);
    fake.advance(DAY);
    println!("  day 38  retry recovered it    {}", state().await?);
    let subs = client
        .my_assets(ff::UserInfoIn::builder().external_id("user-trial"))
        .await?
        .subscriptions[0]
        .subs_id;
    let till: billing_clients::Timestamp = (fake.now().utc() + chrono::Duration::days(3)).into();
    client
        .subscription_pause(ff::SubsPauseIn::builder().subs_id(subs).pause_till(Some(till)))
        .await?;
    println!("  day 38  paused for 3 days     {}", state().await?);
    fake.advance(3 * DAY);
    println!("  day 41  resumed on its own    {}", state().await?);
    // Refund the latest payment in full: the access goes with it.
    let history = client
        .payments_history(ff::UserInfoIn::builder().external_id("user-trial"))
        .await?;
    if let Some(last) = history.payments.last() {
        client
            .payment_refund(
                ff::RefundIn::builder()
                    .external_id("user-trial")
                    .order_id(last.order_id),
            )
            .await?;
    }
    println!("  day 41  refunded              {}", state().await?);
    fake.webhooks_delivered().await;
    println!(
        "  ({} ms of wall time) the webhooks it sent:",
        started.elapsed().as_millis()
    );
    for line in received.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        println!("    {line}");
    }
    Ok(())
}

/// The server side: what the user owns, a partial refund, a pause and resume, a
/// migration dry run, and the transaction report walked page by page. Changes
/// are made on the fake only; against the real service only reads run.
async fn back_office(
    client: &funnelfox::Client,
    user: &str,
    other_pp: &str,
    paid_order: Option<uuid::Uuid>,
    on_fake: bool,
) -> Result<()> {
    println!("FunnelFox back office");
    let mine = show(
        format!("my_assets(user={user})"),
        client.my_assets(ff::UserInfoIn::builder().external_id(user)).await,
        |a| {
            let subs: Vec<String> = a
                .subscriptions
                .iter()
                .map(|s| {
                    let statuses: Vec<String> = s.status.iter().map(|x| x.to_string()).collect();
                    format!(
                        "{} [{}] active={}",
                        s.price_point.ident,
                        statuses.join(", "),
                        s.is_active
                    )
                })
                .collect();
            format!(
                "entitled to: {}",
                if subs.is_empty() {
                    "nothing".into()
                } else {
                    subs.join("; ")
                }
            )
        },
    )?;
    // One that can move to the other price point.
    let subs_id = mine
        .subscriptions
        .iter()
        .find(|s| s.price_point.ident != other_pp)
        .map(|s| s.subs_id);
    if let (true, Some(order)) = (on_fake, paid_order) {
        let amount: rust_decimal::Decimal = "2.50".parse().expect("a decimal");
        show(
            format!("payment_refund(order={order}, amount={amount}, soft)"),
            client
                .payment_refund(
                    ff::RefundIn::builder()
                        .external_id(user)
                        .order_id(order)
                        .amount(Some(amount))
                        .soft_refund(Some(true)),
                )
                .await,
            |_| "refunded; the subscription stays active".into(),
        )?;
    }
    if let (true, Some(subs)) = (on_fake, subs_id) {
        show(
            format!("subscription_pause(subs={subs}) until resumed"),
            client
                .subscription_pause(ff::SubsPauseIn::builder().subs_id(subs))
                .await,
            |_| "paused".into(),
        )?;
        show(
            format!("subscription_resume(subs={subs})"),
            client
                .subscription_resume(ff::SubsResumeIn::builder().subs_id(subs))
                .await,
            |_| "resumed".into(),
        )?;
    }
    if let Some(subs) = subs_id {
        show(
            format!("subscription_migration(subs={subs}, to={other_pp}, dry run)"),
            client
                .subscription_migration(
                    ff::MigrationIn::builder()
                        .subs_id(subs)
                        .pp_ident(other_pp)
                        .dry_run(Some(true)),
                )
                .await,
            |m| {
                let due = m
                    .charged_amount
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "nothing".into());
                format!("would use {}, charging {due} now", m.migration_strategy)
            },
        )?;
    }
    println!("  transaction_report_pages(from 2026-01-01, 2 per page)");
    let from: billing_clients::Timestamp = "2026-01-01T00:00:00".parse().expect("a timestamp");
    let mut pages = client.transaction_report_pages(
        ff::TransactionReportIn::builder()
            .last_transaction_date(from)
            .limit(std::num::NonZeroU64::new(2).expect("non-zero")),
    );
    while let Some(trx) = pages.next().await {
        let trx = trx?;
        let amount = trx.amount.map(|a| a.to_string()).unwrap_or_default();
        let kind = trx.psp_transaction_type.clone().unwrap_or_default();
        let at = trx.trx_created_at.map(|t| t.to_string()).unwrap_or_default();
        println!(
            "      {at}  {kind:<6} {amount:>6} {}  order {}",
            trx.currency_code.unwrap_or_default(),
            trx.order_id
        );
    }
    Ok(())
}

async fn closient_checkout() -> Result<()> {
    let fake = match var("CLOSIENT_API_KEY") {
        Ok(_) => None,
        Err(_) => Some(FakeClosient::start().await),
    };
    let (client, org) = match &fake {
        Some(fake) => {
            let org = fake.add_org();
            (fake.client(&fake.add_key(&org, Role::Billing)), org)
        }
        None => (
            closient::Client::from_env()?,
            var("CLOSIENT_ORG_ID").unwrap_or_default(),
        ),
    };
    let what = if fake.is_some() {
        "embedded fake"
    } else {
        "REAL service"
    };
    println!("Closient Billing ({what}) at {}", client.base_url());
    let balance = |b: &cl::BalanceOut| format!("balance {} {}, spent {}", b.balance, b.currency, b.total_spent);

    show(format!("get_balance({org})"), client.get_balance(&org).await, balance)?;
    let checkout = show(
        "create_checkout(amount=5000 cents)",
        client
            .create_checkout(
                cl::AdBalanceCheckoutIn::builder()
                    .organization_id(org.as_str())
                    .amount_cents(5_000)
                    .success_url("https://example.com/paid?session={CHECKOUT_SESSION_ID}")
                    .cancel_url("https://example.com/billing"),
            )
            .await,
        |c| format!("send the customer to {}", c.checkout_url),
    )?;
    if let Some(fake) = &fake {
        fake.complete_checkout(&checkout.checkout_url);
        println!("  (the customer pays on Stripe; Stripe confirms)");
        show(format!("get_balance({org})"), client.get_balance(&org).await, balance)?;
    }
    let _ = show(
        "create_checkout(amount=499 cents)",
        client
            .create_checkout(
                cl::AdBalanceCheckoutIn::builder()
                    .organization_id(org.as_str())
                    .amount_cents(499)
                    .success_url("https://example.com/paid")
                    .cancel_url("https://example.com/billing"),
            )
            .await,
        |c| c.checkout_url.clone(),
    );
    let resolver = |s: &cl::ResolverSubscriptionOut| {
        format!(
            "tier {:?}, status {:?}, {} active GTINs",
            s.tier, s.status, s.usage.active_gtins
        )
    };
    show(
        format!("get_resolver_subscription({org})"),
        client.get_resolver_subscription(&org).await,
        resolver,
    )?;
    let subscribe = || {
        client.create_resolver_checkout(
            cl::ResolverCheckoutIn::builder()
                .organization_id(org.as_str())
                .success_url("https://example.com/subscribed")
                .cancel_url("https://example.com/billing"),
        )
    };
    let checkout = show("create_resolver_checkout()", subscribe().await, |c| {
        format!("send the customer to {}", c.checkout_url)
    })?;
    if let Some(fake) = &fake {
        fake.complete_checkout(&checkout.checkout_url);
        println!("  (the customer subscribes on Stripe)");
        show(
            format!("get_resolver_subscription({org})"),
            client.get_resolver_subscription(&org).await,
            resolver,
        )?;
        let _ = show("create_resolver_checkout() again", subscribe().await, |c| {
            c.checkout_url.clone()
        });
    }
    show(
        format!("create_portal_session({org})"),
        client
            .create_portal_session(&org, cl::PortalIn::builder().return_url("https://example.com/account"))
            .await,
        |p| format!("portal {}", p.portal_url),
    )?;
    Ok(())
}
