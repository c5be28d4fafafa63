//! A small shop back end (`shop.rs`): a checkout, a webhook endpoint that keeps
//! entitlements, a Closient top-up. Its tests, on the fakes, are
//! `tests/shop.rs`.
//!
//! ```sh
//! cargo run --example shop          # a short session against the embedded fakes
//! ```
//!
//! With `FUNNELFOX_ORG_ID` (and `FUNNELFOX_SECRET_KEY`), `CLOSIENT_API_KEY`,
//! `CLOSIENT_ORG_ID` and `FUNNELFOX_WEBHOOK_TOKEN` set, it serves the real
//! services on `SHOP_ADDR` (default `127.0.0.1:3000`) instead; register
//! `https://<your host>/funnelfox/webhooks?token=<FUNNELFOX_WEBHOOK_TOKEN>` in
//! FunnelFox's billing settings.

mod shop;

use billing_clients::testing::{FakeClosient, FakeFunnelFox, Role};
use billing_clients::{closient, funnelfox};
use serde_json::{Value, json};
use shop::Shop;

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    if std::env::var_os("FUNNELFOX_ORG_ID").is_some() {
        return serve().await;
    }
    let funnelfox_fake = FakeFunnelFox::start().await;
    funnelfox_fake.add_price_point("pro_monthly");
    funnelfox_fake.add_user("user-42", true);
    let closient_fake = FakeClosient::start().await;
    let org = closient_fake.add_org();
    let key = closient_fake.add_key(&org, Role::Billing);

    let shop = Shop::new(funnelfox_fake.client(), closient_fake.client(&key), org);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    tokio::spawn(axum::serve(listener, shop.router("a-long-random-token")).into_future());
    funnelfox_fake.add_webhook_target(format!("{origin}/funnelfox/webhooks?token=a-long-random-token"));
    println!("the shop on {origin}, FunnelFox and Closient faked");

    let http = billing_clients::http_client_builder()?.build()?;
    let call = |method: &str, path: &str, body: Option<Value>| {
        let request = match body {
            Some(body) => http.post(format!("{origin}{path}")).json(&body),
            None => http.get(format!("{origin}{path}")),
        };
        let line = format!("{method} {path}");
        async move {
            let answer = request.send().await?;
            let status = answer.status();
            let body: Value = answer.json().await?;
            println!("  {line}\n      -> {status} {body}");
            Ok::<Value, Failure>(body)
        }
    };
    call(
        "POST",
        "/checkout",
        Some(json!({"user": "user-42", "product": "pro_monthly"})),
    )
    .await?;
    funnelfox_fake.webhooks_delivered().await;
    for (event, applied) in shop.applied() {
        println!("  webhook {event}: {applied:?}");
    }
    call("GET", "/entitlements/user-42", None).await?;
    let topup = call("POST", "/topup", Some(json!({"cents": 5_000}))).await?;
    let url = topup["checkout_url"].as_str().unwrap_or_default();
    println!(
        "  (the customer pays at the checkout URL: {})",
        closient_fake.complete_checkout(url)
    );
    call("GET", "/balance", None).await?;
    Ok(())
}

/// Serve the real services.
async fn serve() -> Result<(), Failure> {
    let funnelfox = funnelfox::Client::from_env()?;
    let closient = closient::Client::from_env()?;
    let org = std::env::var("CLOSIENT_ORG_ID")?;
    let token = std::env::var("FUNNELFOX_WEBHOOK_TOKEN")?;
    let addr = std::env::var("SHOP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("the shop on http://{addr}");
    axum::serve(listener, Shop::new(funnelfox, closient, org).router(&token)).await?;
    Ok(())
}
