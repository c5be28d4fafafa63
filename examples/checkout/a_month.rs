//! A month of FunnelFox billing on the fake's clock, and the webhooks it sent.

use crate::webhook_endpoint::{Received, webhook_endpoint};
use billing_clients::Result;
use billing_clients::funnelfox::types as ff;
use billing_clients::testing::{FakeFunnelFox, PaymentOutcome};

/// A month of billing on the fake's clock: a trial, its conversion, a failed
/// renewal and its recovery, a pause and resume, a refund; in milliseconds.
pub(crate) async fn a_month(received: Received) -> Result<()> {
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
