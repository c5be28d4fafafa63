//! The FunnelFox checkout: sessions, a payment with 3-D Secure, one-click purchases, then the back office and a month.

use crate::a_month::a_month;
use crate::back_office::back_office;
use crate::show;
use crate::webhook_endpoint::{Received, webhook_endpoint};
use billing_clients::Result;
use billing_clients::funnelfox::{self, CheckoutPaymentStatus, types as ff};
use billing_clients::testing::{FakeFunnelFox, PaymentOutcome};
use std::env::var;

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

pub(crate) async fn funnelfox_checkout() -> Result<()> {
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
