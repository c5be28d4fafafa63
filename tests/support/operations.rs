//! Every operation of both specs, callable by id from JSON, for tests that walk
//! the specs: a valid example of each, and a dispatcher to its client method.

use billing_clients::{Error, RetryPolicy, closient, funnelfox};
use serde_json::{Value, json};

pub const ORG: &str = "2aBcDeFgHiJkLmNoPqRsTu";
pub const UUID: &str = "7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f";

/// Both clients pointed at `url` (FunnelFox as `{url}/{org_id}`).
pub fn clients(url: &str, retry: RetryPolicy) -> (funnelfox::Client, closient::Client) {
    let ff = funnelfox::Client::builder("org")
        .base_url(format!("{url}/{{org_id}}"))
        .retry(retry.clone())
        .build()
        .unwrap();
    let key = closient::api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345");
    let cl = closient::Client::builder(key)
        .base_url(url)
        .retry(retry)
        .build()
        .unwrap();
    (ff, cl)
}

/// Every operation of both specs, with its provider's name.
pub fn operations() -> impl Iterator<Item = (&'static str, &'static billing_clients::core::spec::Operation)> {
    let ff = funnelfox::SPEC.operations.iter().map(|op| ("funnelfox", op));
    ff.chain(closient::SPEC.operations.iter().map(|op| ("closient", op)))
}

/// Call operation `op` with its valid example.
pub async fn call_valid(ff: &funnelfox::Client, cl: &closient::Client, op: &str) -> Result<(), Error> {
    let (body, params) = valid(op);
    call_json(ff, cl, op, body, params)
        .await
        .expect("the valid example fits the generated types")
}

/// A valid body and valid parameters for every operation; a spec operation without
/// one here fails the test, so new operations cannot go unwalked.
pub fn valid(op: &str) -> (Value, Value) {
    let none = json!({});
    match op {
        "create_simple_client_session" => (
            json!({"region": "default", "integration_type": "stripe", "country_code": "US"}),
            none,
        ),
        "create_client_session" => (
            json!({"region": "default", "integration_type": "stripe", "pp_ident": "pro", "external_id": "u1",
                   "email_address": "a@example.com", "country_code": "US", "client_metadata": {}}),
            none,
        ),
        "update_client_session" => (
            json!({"client_token": "t", "order_id": UUID, "pp_ident": "pro", "client_metadata": {}}),
            none,
        ),
        "one_click" => (
            json!({"external_id": "u1", "pp_ident": "pro", "client_metadata": {}}),
            none,
        ),
        "create_payment" => (
            json!({"order_id": UUID, "payment_method_token": "pm_1", "client_metadata": {}}),
            none,
        ),
        "resume_payment" => (json!({"order_id": UUID, "resume_token": "rt_1"}), none),
        "create_checkout" => (
            json!({"organization_id": ORG, "amount_cents": 500, "success_url": "https://e.com/s", "cancel_url": "https://e.com/c"}),
            none,
        ),
        "create_resolver_checkout" => (
            json!({"organization_id": ORG, "success_url": "https://e.com/s", "cancel_url": "https://e.com/c"}),
            none,
        ),
        "get_balance" | "get_resolver_subscription" => (json!({}), json!({"organization_id": ORG})),
        "create_portal_session" => (
            json!({"return_url": "https://e.com/r"}),
            json!({"organization_id": ORG}),
        ),
        other => panic!("no valid example for operation {other}: add one"),
    }
}

/// Call operation `op` with `body` and `params` as JSON, through its client
/// method: `None` when the typed request cannot hold them (typify's checks).
pub async fn call_json(
    ff: &funnelfox::Client,
    cl: &closient::Client,
    op: &str,
    body: Value,
    params: Value,
) -> Option<Result<(), Error>> {
    use closient::types as c;
    use funnelfox::types as f;
    fn typed<T: serde::de::DeserializeOwned>(v: Value) -> Option<T> {
        serde_json::from_value(v).ok()
    }
    // A path parameter is a `&str`: it cannot be absent or of another type.
    let org = params.get("organization_id").and_then(Value::as_str);
    let result = match op {
        "create_simple_client_session" => ff
            .create_simple_client_session(typed::<f::CheckoutSimpleClientSessionIn>(body)?)
            .await
            .map(drop),
        "create_client_session" => ff
            .create_client_session(typed::<f::CheckoutClientSessionIn>(body)?)
            .await
            .map(drop),
        "update_client_session" => ff
            .update_client_session(typed::<f::CheckoutUpdateClientSessionIn>(body)?)
            .await
            .map(drop),
        "one_click" => ff.one_click(typed::<f::OneClick>(body)?).await.map(drop),
        "create_payment" => ff
            .create_payment(typed::<f::CheckoutCreatePaymentIn>(body)?)
            .await
            .map(drop),
        "resume_payment" => ff
            .resume_payment(typed::<f::CheckoutResumePaymentIn>(body)?)
            .await
            .map(drop),
        "create_checkout" => cl
            .create_checkout(typed::<c::AdBalanceCheckoutIn>(body)?)
            .await
            .map(drop),
        "create_resolver_checkout" => cl
            .create_resolver_checkout(typed::<c::ResolverCheckoutIn>(body)?)
            .await
            .map(drop),
        "get_balance" => cl.get_balance(org?).await.map(drop),
        "get_resolver_subscription" => cl.get_resolver_subscription(org?).await.map(drop),
        "create_portal_session" => cl
            .create_portal_session(org?, typed::<c::PortalIn>(body)?)
            .await
            .map(drop),
        other => panic!("operation {other} is not wired into the tests: add it to tests/support/operations.rs"),
    };
    Some(result)
}
