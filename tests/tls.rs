//! The TLS stack (rustls with the ring provider and the platform verifier) is
//! wired in: an https call opens with a TLS ClientHello offering h2 and http/1.1,
//! and a failed handshake is a connect error (nothing was sent).

use billing_clients::funnelfox::{Client, types};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

#[tokio::test]
async fn https_calls_speak_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}/{{org_id}}/v1",
        listener.local_addr().unwrap().port()
    );
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut hello = vec![0u8; 2048];
        let n = stream.read(&mut hello).await.unwrap();
        hello.truncate(n);
        hello // dropping the stream ends the handshake
    });
    let client = Client::builder("org").base_url(url).build().unwrap();
    let e = client
        .create_simple_client_session(
            types::CheckoutSimpleClientSessionIn::builder()
                .region("default")
                .integration_type(types::IntegrationEnum::Stripe),
        )
        .await
        .unwrap_err();
    let hello = server.await.unwrap();
    assert_eq!(&hello[..2], &[0x16, 0x03], "a TLS handshake record");
    assert_eq!(hello[5], 0x01, "a ClientHello");
    let has = |needle: &[u8]| hello.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"localhost"), "SNI");
    assert!(has(b"\x02h2") && has(b"\x08http/1.1"), "ALPN offers h2 and http/1.1");
    assert!(e.is_connect(), "{e:?}");
}
