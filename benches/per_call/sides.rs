//! The two ways of making each provider's call: the typed client and raw reqwest.

use super::*;

/// One way of making the call.
pub(crate) trait Side: Clone + Send + Sync + 'static {
    fn call(&self) -> impl Future<Output = ()> + Send + '_;
}

/// FunnelFox through the typed client.
#[derive(Clone)]
pub(crate) struct FfClient(pub(crate) funnelfox::Client);

impl Side for FfClient {
    async fn call(&self) {
        use funnelfox::types;
        let out = self
            .0
            .create_client_session(
                types::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(types::IntegrationEnum::Stripe)
                    .pp_ident("pro_monthly")
                    .external_id("user-42")
                    .email_address("jane@example.com")
                    .country_code(Some("US".to_string())),
            )
            .await
            .expect("the client decodes the answer");
        std::hint::black_box(out);
    }
}

/// The request FunnelFox's `create_client_session` takes, by hand.
#[derive(Serialize)]
pub(crate) struct FfRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    pub(crate) country_code: Option<String>,
    pub(crate) email_address: String,
    pub(crate) external_id: String,
    pub(crate) integration_type: &'static str,
    pub(crate) pp_ident: String,
    pub(crate) region: String,
}

/// FunnelFox's envelope, by hand.
#[derive(Deserialize)]
pub(crate) struct FfEnvelope<T> {
    pub(crate) status: String,
    pub(crate) data: Option<T>,
    #[allow(dead_code)]
    pub(crate) req_id: Option<String>,
}

/// `CheckoutClientSessionOut`, by hand.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
pub(crate) struct FfSession {
    pub(crate) client_token: String,
    pub(crate) order_id: uuid::Uuid,
}

/// FunnelFox by hand with `reqwest`.
#[derive(Clone)]
pub(crate) struct FfRaw {
    pub(crate) http: reqwest::Client,
    pub(crate) url: Arc<str>,
}

impl Side for FfRaw {
    async fn call(&self) {
        use reqwest::header::{ACCEPT, USER_AGENT as UA};
        let body = FfRequest {
            client_metadata: None,
            country_code: Some("US".to_string()),
            email_address: "jane@example.com".to_string(),
            external_id: "user-42".to_string(),
            integration_type: "stripe",
            pp_ident: "pro_monthly".to_string(),
            region: "default".to_string(),
        };
        let response = self
            .http
            .post(&*self.url)
            .header(ACCEPT, "application/json")
            .header(UA, USER_AGENT)
            .json(&body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success());
        let bytes = response.bytes().await.expect("a body");
        let envelope: FfEnvelope<FfSession> = serde_json::from_slice(&bytes).expect("the envelope");
        assert_eq!(envelope.status, "success");
        std::hint::black_box(envelope.data.expect("data"));
    }
}

/// Closient through the typed client.
#[derive(Clone)]
pub(crate) struct ClClient(pub(crate) closient::Client);

impl Side for ClClient {
    async fn call(&self) {
        let out = self
            .0
            .create_checkout(
                closient::types::AdBalanceCheckoutIn::builder()
                    .organization_id(CL_ORG)
                    .amount_cents(5_000)
                    .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
                    .cancel_url("https://example.com/cancel"),
            )
            .await
            .expect("the client decodes the answer");
        std::hint::black_box(out);
    }
}

/// `AdBalanceCheckoutIn`, by hand.
#[derive(Serialize)]
pub(crate) struct ClRequest {
    pub(crate) amount_cents: i64,
    pub(crate) cancel_url: String,
    pub(crate) organization_id: String,
    pub(crate) success_url: String,
}

/// `CheckoutOut`, by hand.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
pub(crate) struct ClCheckout {
    pub(crate) checkout_url: String,
}

/// Closient by hand with `reqwest`.
#[derive(Clone)]
pub(crate) struct ClRaw {
    pub(crate) http: reqwest::Client,
    pub(crate) url: Arc<str>,
    pub(crate) key: Arc<str>,
}

impl Side for ClRaw {
    async fn call(&self) {
        use reqwest::header::{ACCEPT, USER_AGENT as UA};
        let body = ClRequest {
            amount_cents: 5_000,
            cancel_url: "https://example.com/cancel".to_string(),
            organization_id: CL_ORG.to_string(),
            success_url: "https://example.com/ok?session={CHECKOUT_SESSION_ID}".to_string(),
        };
        let response = self
            .http
            .post(&*self.url)
            .header(ACCEPT, "application/json")
            .header(UA, USER_AGENT)
            .header("x-api-key", &*self.key)
            .json(&body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success());
        let bytes = response.bytes().await.expect("a body");
        let out: ClCheckout = serde_json::from_slice(&bytes).expect("the answer");
        std::hint::black_box(out);
    }
}

// ---------------------------------------------------------------- measuring
