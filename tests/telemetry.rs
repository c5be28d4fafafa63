//! Telemetry in OpenTelemetry's HTTP-client names: a span per call and one per
//! attempt, `url.template` the path template (never the filled URL), the resend
//! count, the status, `error.type`, the provider's request id, and the
//! `http.client.request.duration` histogram (as tracing-opentelemetry reads it).

mod support;

use billing_clients::RetryPolicy;
use billing_clients::closient::{Client, api_key};
use serde_json::json;
use std::time::Duration;
use support::{Reply, Server};

#[tokio::test(flavor = "current_thread")]
async fn spans_and_the_duration_histogram_use_opentelemetry_names() {
    let server = Server::start(|i, _| match i {
        0 => Reply::json(
            503,
            json!({"error": {"code": "UNAVAILABLE", "message": "down", "status": 503}}),
        ),
        _ => Reply::Raw {
            status: 200,
            headers: vec![
                ("content-type", "application/json".into()),
                ("x-request-id", "req-77".into()),
            ],
            body: br#"{"balance":"1.00","currency":"USD","total_spent":"0.00","active_campaigns":0}"#.to_vec(),
        },
    })
    .await;
    let c = Client::builder(api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345"))
        .base_url(&server.url)
        .retry(RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(2)))
        .build()
        .unwrap();
    let (guard, log) = support::capture_tracing();
    c.get_balance("2aBcDeFgHiJkLmNoPqRsTu").await.unwrap();
    drop(guard);
    let traced = String::from_utf8_lossy(&log.lock().unwrap()).to_string();
    for expected in [
        "billing.call{",
        "billing.attempt{",
        "otel.name=GET /billing/balance/{organization_id}",
        "otel.kind=\"client\"",
        "http.request.method=\"GET\"",
        "server.address=\"127.0.0.1\"",
        "url.template=\"/billing/balance/{organization_id}\"",
        "http.request.resend_count=0",
        "http.request.resend_count=1",
        "http.response.status_code=503",
        "http.response.status_code=200",
        "error.type=\"503\"",
        "histogram.http.client.request.duration=",
        "billing.request_id=\"req-77\"",
    ] {
        assert!(traced.contains(expected), "missing {expected}:\n{traced}");
    }
    assert!(
        !traced.contains("2aBcDeFgHiJkLmNoPqRsTu"),
        "the filled URL is never a field:\n{traced}"
    );
}
