//! What the fault-injection tests share (`reliability`, `redirects_retries_and_limits`): a FunnelFox
//! client with short timeouts, a charge and a safe call, and the replies of a misbehaving server.

use super::Reply;
use billing_clients::funnelfox::{Client, types};
use billing_clients::{Error, RetryPolicy};
use serde_json::json;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// `one_click`: moves money.
    Charge,
    /// `create_client_session`: safe to repeat.
    Safe,
}

pub fn client(url: &str) -> Client {
    Client::builder("org")
        .base_url(format!("{url}/{{org_id}}"))
        .attempt_timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .delays(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

pub async fn call(c: &Client, kind: Kind) -> Result<(), Error> {
    match kind {
        Kind::Charge => c
            .one_click(types::OneClick::builder().external_id("u1").pp_ident("pro"))
            .await
            .map(drop),
        Kind::Safe => c
            .create_client_session(
                types::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(types::IntegrationEnum::Stripe)
                    .pp_ident("pro")
                    .external_id("u1")
                    .email_address("a@example.com"),
            )
            .await
            .map(drop),
    }
}

pub fn success() -> Reply {
    Reply::json(
        200,
        json!({"status": "success", "req_id": "r", "data": {
            "client_token": "t", "order_id": "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f", "checkout_status": "succeeded"}}),
    )
}

pub fn storm(status: u16, retry_after: Option<&str>) -> Reply {
    let mut headers = vec![("content-type", "application/json".to_string())];
    if let Some(ra) = retry_after {
        headers.push(("retry-after", ra.to_string()));
    }
    Reply::Raw {
        status,
        headers,
        body: br#"{"status":"error","error":[{"msg":"busy","code":"busy","type":"api_exception"}],"req_id":"r"}"#
            .to_vec(),
    }
}

pub fn redirect(status: u16, location: &str) -> Reply {
    Reply::Raw {
        status,
        headers: vec![("location", location.to_string())],
        body: Vec::new(),
    }
}
