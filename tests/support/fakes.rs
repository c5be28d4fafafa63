//! What the tests of the fakes share (`fake_funnelfox`, `fake_closient`,
//! `fake_answers_fit_specs`): a seeded `FakeFunnelFox`, clients, the requests
//! they send, and the API error of a failed call.

use billing_clients::closient::types as ct;
use billing_clients::funnelfox::{self, types as ft};
use billing_clients::testing::FakeFunnelFox;
use serde_json::Value;

pub const SECRET: &str = "ff_secret_CANARY_0123456789";

/// A fake with two price points and a user with a saved payment method.
pub async fn funnelfox() -> FakeFunnelFox {
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_price_point("pro_yearly");
    fake.add_user("user-42", true);
    fake
}

/// A client that holds a secret key: checkout operations must still not send it.
pub fn ff_client(fake: &FakeFunnelFox) -> funnelfox::Client {
    funnelfox::Client::builder(fake.org_id())
        .base_url(fake.server_url())
        .secret_key(SECRET)
        .build()
        .unwrap()
}

pub fn simple() -> ft::builder::CheckoutSimpleClientSessionIn {
    ft::CheckoutSimpleClientSessionIn::builder()
        .region("default")
        .integration_type(ft::IntegrationEnum::Stripe)
}

pub fn session(pp: &str) -> ft::builder::CheckoutClientSessionIn {
    ft::CheckoutClientSessionIn::builder()
        .region("default")
        .integration_type(ft::IntegrationEnum::Primer)
        .pp_ident(pp)
        .external_id("user-7")
        .email_address("jane@example.com")
}

pub fn update(token: &str, order: uuid::Uuid, pp: &str) -> ft::builder::CheckoutUpdateClientSessionIn {
    ft::CheckoutUpdateClientSessionIn::builder()
        .client_token(token)
        .order_id(order)
        .pp_ident(pp)
}

pub fn one_click(user: &str, pp: &str) -> ft::builder::OneClick {
    ft::OneClick::builder().external_id(user).pp_ident(pp)
}

/// The API error of a failed call, with the HTTP status it came under.
pub fn api_error<T: std::fmt::Debug>(r: billing_clients::Result<T>) -> (u16, String, billing_clients::ApiError) {
    let e = r.unwrap_err();
    let api = e.api().unwrap_or_else(|| panic!("not an API error: {e:?}")).clone();
    (api.status.unwrap(), api.code.clone().unwrap_or_default(), api)
}

pub async fn raw_post(url: &str, body: &str) -> (u16, Value) {
    let r = billing_clients::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

pub fn checkout(org: &str, cents: i64) -> ct::builder::AdBalanceCheckoutIn {
    ct::AdBalanceCheckoutIn::builder()
        .organization_id(org)
        .amount_cents(cents)
        .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
        .cancel_url("https://example.com/cancel")
}

pub fn resolver(org: &str) -> ct::builder::ResolverCheckoutIn {
    ct::ResolverCheckoutIn::builder()
        .organization_id(org)
        .success_url("https://example.com/ok")
        .cancel_url("https://example.com/cancel")
}

pub fn portal() -> ct::builder::PortalIn {
    ct::PortalIn::builder().return_url("https://example.com/account")
}
