//! The Closient checkout: balance top-ups, a resolver subscription, the customer portal.

use crate::show;
use billing_clients::testing::{FakeClosient, Role};
use billing_clients::{Result, closient, closient::types as cl};
use std::env::var;

pub(crate) async fn closient_checkout() -> Result<()> {
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
