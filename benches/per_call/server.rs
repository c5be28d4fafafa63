//! The fixed-answer server, on its own thread and runtime.

use super::*;

pub(crate) const ORG: &str = "org_123";
pub(crate) const FF_PATH: &str = "/org_123/v1/checkout/create_client_session";
pub(crate) const CL_PATH: &str = "/billing/api/v1/billing/checkout";
pub(crate) const CL_ORG: &str = "2aBcDeFgHiJkLmNoPqRsTu";
pub(crate) const USER_AGENT: &str = concat!("billing-clients/", env!("CARGO_PKG_VERSION"));

/// FunnelFox's success envelope around `CheckoutClientSessionOut`.
pub(crate) const FF_ANSWER: &str = concat!(
    r#"{"status":"success","data":{"client_token":"#,
    r#""eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJvcmRlcl9pZCI6IjdmMGMyZjRlLTJiMWEtNGM3ZS05ZDFlLTBhNGIzYzJkMWUwZiIsImV4cCI6MTc2MjAwMDAwMH0.c2lnbmF0dXJlX2hlcmVfZm9yX2JlbmNo","#,
    r#""order_id":"7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f"},"error":[],"req_id":"req_01JBX4Y7KQ2M8ZP3W5N6T9R0VC"}"#
);

/// Closient's `CheckoutOut`.
pub(crate) const CL_ANSWER: &str = concat!(
    r#"{"checkout_url":"https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdef"#,
    r##"#fidkdWxOYHwnPyd1blpxYHZxWjA0T2phQ2J3Y0hXaV1NNmxGdFRtPGFuSGhqcXZpY2NrVWN3NnY8fENsX0pKUDxBYXxEd0xDVldLX11VbVAxcmFyaXJSXUpEZEF3bUBxdzx8YGNMaVU2T3ZhfEgyNTVhYDVBUHU3TCcpJ2N3amhWYHdzYHcnP3F3cGApJ2lkfGpwcVF8dWAnPyd2bGtiaWBabHFgaCcpJ2BrZGdpYFVpZGZgbWppYWB3dic%2FcXdwYHgl"}"##
);

/// One request as the server saw it (recorded only when asked).
#[derive(Debug, PartialEq)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct ServerState {
    pub(crate) record: AtomicBool,
    pub(crate) seen: Mutex<Option<Seen>>,
    pub(crate) requests: AtomicU64,
}

/// Start the server on its own thread and runtime; its port.
pub(crate) fn start_server(state: Arc<ServerState>) -> u16 {
    use axum::http::header::CONTENT_TYPE;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("a non-blocking listener");
    let port = listener.local_addr().expect("its address").port();
    std::thread::Builder::new()
        .name("server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the server's runtime");
            runtime.block_on(async move {
                let answer = |body: &'static str| {
                    let state = state.clone();
                    move |request: axum::extract::Request| {
                        let state = state.clone();
                        async move {
                            state.requests.fetch_add(1, Ordering::Relaxed);
                            let (parts, body_stream) = request.into_parts();
                            let bytes = axum::body::to_bytes(body_stream, 1 << 20).await.unwrap_or_default();
                            if state.record.swap(false, Ordering::Relaxed) {
                                let mut headers: Vec<(String, String)> = parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                                    .collect();
                                headers.sort();
                                *state.seen.lock().unwrap() = Some(Seen {
                                    method: parts.method.to_string(),
                                    path: parts.uri.to_string(),
                                    headers,
                                    body: bytes.to_vec(),
                                });
                            }
                            ([(CONTENT_TYPE, "application/json")], body)
                        }
                    }
                };
                let app = axum::Router::new()
                    .route(FF_PATH, axum::routing::post(answer(FF_ANSWER)))
                    .route(CL_PATH, axum::routing::post(answer(CL_ANSWER)));
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                axum::serve(listener, app).await.expect("the server");
            });
        })
        .expect("the server thread");
    port
}

// ---------------------------------------------------------------- the sides
