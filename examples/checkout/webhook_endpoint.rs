//! Our webhook endpoint: `funnelfox::webhooks::endpoint` served on loopback, recording the events it handles.

use billing_clients::funnelfox::webhooks::{self, Delivery, MemoryDeduplicator};
use std::sync::{Arc, Mutex};

/// Events our endpoint handled, in order.
pub(crate) type Received = Arc<Mutex<Vec<String>>>;

/// Serve `funnelfox::webhooks::endpoint` on a loopback port; returns its URL.
pub(crate) async fn webhook_endpoint(received: Received) -> String {
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
