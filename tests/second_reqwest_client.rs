//! Another `reqwest` 0.13 client in the same binary works once a billing client
//! was built: this crate turns on reqwest's `rustls-no-provider`, which cargo
//! unifies into the application's reqwest, whose `Client::new()` then needs a
//! process-wide rustls crypto provider; building a billing client installs this
//! crate's (README, "Quick start"). A test binary of its own: the provider is
//! process-wide, so no other test may install it first.

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

#[tokio::test]
async fn a_plain_reqwest_client_works_after_a_billing_client_was_built() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ping", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let app = Router::new().route("/ping", get(|| async { "pong" }));
        axum::serve(listener, app).await.unwrap();
    });

    let _billing = billing_clients::funnelfox::Client::new("my-org").unwrap();

    // Without a provider installed, this panics: "No rustls crypto provider is configured".
    let plain = reqwest::Client::new();
    let answer = plain.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(answer, "pong");
    let built = reqwest::Client::builder().build().unwrap();
    assert_eq!(built.get(&url).send().await.unwrap().text().await.unwrap(), "pong");
    assert!(rustls::crypto::CryptoProvider::get_default().is_some());
}
