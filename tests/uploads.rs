//! `multipart/form-data` bodies (FunnelFox's CSV import): what goes on the wire,
//! checked like any body, answered by the fake.

mod support;

use billing_clients::Upload;
use billing_clients::testing::FakeFunnelFox;
use billing_clients::testing::fixture::{Client, SPEC};
use serde_json::json;
use support::{Reply, Server};

fn client(template: &str, key: &str) -> Client {
    Client::builder("org")
        .base_url(template)
        .secret_key(key)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_file_and_a_field_go_as_one_multipart_body() {
    let server = Server::always(|| Reply::json(200, json!({"status": "success", "data": {"imported": 2}}))).await;
    let c = client(&format!("{}/{{org_id}}", server.url), "ff_test_key");
    let csv = Upload::new("points.csv", "user,points\nu1,5\nu2,7\n").content_type("text/csv");
    let out = c.points_upload(csv, Some("january")).await.unwrap();
    assert_eq!(out.imported, 2);
    let r = &server.requests()[0];
    let content_type = r.header("content-type").unwrap();
    let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert!(body.starts_with(&format!("--{boundary}\r\n")) && body.ends_with(&format!("--{boundary}--\r\n")));
    assert!(body.contains(
        "Content-Disposition: form-data; name=\"file\"; filename=\"points.csv\"\r\nContent-Type: text/csv\r\n\r\nuser,points\nu1,5\nu2,7\n\r\n"
    ));
    assert!(body.contains("Content-Disposition: form-data; name=\"note\"\r\n\r\njanuary\r\n"));
    assert_eq!(r.header("ff-secret-key"), Some("ff_test_key"));
}

#[tokio::test]
async fn a_field_breaking_its_rule_sends_nothing() {
    let server = Server::always(|| Reply::json(500, json!({}))).await;
    let c = client(&format!("{}/{{org_id}}", server.url), "ff_test_key");
    let e = c
        .points_upload(Upload::new("p.csv", "x"), Some("far longer than sixteen"))
        .await
        .unwrap_err();
    assert_eq!(e.invalid_input().map(|i| i.field.as_str()), Some("note"), "{e}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn the_fake_takes_an_upload_it_does_not_model() {
    let fake = FakeFunnelFox::start_with_spec("org", &SPEC).await;
    let c = client(&fake.server_url(), fake.secret_key());
    c.points_upload(Upload::new("p.csv", "user,points\n"), None)
        .await
        .unwrap();
    assert_eq!(fake.count("points_upload"), 1);
}
