//! Every operation of both specs, driven through its client method against a
//! loopback server: its retry class observed on the wire, and the provider's
//! error shapes decoded into `Error::Api`. A spec operation missing here fails.

mod support;

use billing_clients::RetryPolicy;
use billing_clients::core::spec::RetryClass;
use serde_json::json;
use std::time::Duration;
use support::operations::{call_valid, clients, operations};
use support::{Reply, Server};

fn fast() -> RetryPolicy {
    RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(5))
}

/// Under a 500 storm a charge is sent once, anything else three times.
#[tokio::test]
async fn every_operation_follows_its_declared_retry_class() {
    let mut charges = Vec::new();
    for (_, op) in operations() {
        let server = Server::always(|| Reply::json(500, json!({}))).await;
        let (ff, cl) = clients(&server.url, fast());
        assert!(call_valid(&ff, &cl, op.id).await.is_err());
        let want = if op.retry == RetryClass::Charge { 1 } else { 3 };
        assert_eq!(server.count(), want, "{}", op.id);
        if op.retry == RetryClass::Charge {
            charges.push(op.id);
        }
    }
    assert_eq!(charges, ["create_payment", "one_click", "resume_payment"]);
}

/// FunnelFox's error envelope (under 200 and 4xx) and both Closient error shapes
/// become `Error::Api` with the provider's code, for every operation.
#[tokio::test]
async fn every_operation_decodes_the_providers_errors() {
    let envelope = |status| {
        Reply::json(
            status,
            json!({"status": "error", "data": null, "req_id": "req-7",
                   "error": [{"msg": "nope", "code": "bad_request", "type": "api_exception"}]}),
        )
    };
    let wrapped = || {
        Reply::json(
            409,
            json!({"error": {"code": "CONFLICT", "message": "nope", "status": 409}}),
        )
    };
    let problem = || Reply::Raw {
        status: 403,
        headers: vec![("content-type", "application/problem+json".into())],
        body: br#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"nope","error_code":"FORBIDDEN"}"#
            .to_vec(),
    };
    for (provider, op) in operations() {
        let replies: Vec<(Reply, u16, &str)> = match provider {
            "funnelfox" => vec![(envelope(200), 200, "bad_request"), (envelope(400), 400, "bad_request")],
            _ => vec![(wrapped(), 409, "CONFLICT"), (problem(), 403, "FORBIDDEN")],
        };
        for (reply, status, code) in replies {
            let reply = std::sync::Mutex::new(Some(reply));
            let server = Server::start(move |_, _| reply.lock().unwrap().take().unwrap_or(Reply::Reset)).await;
            let (ff, cl) = clients(&server.url, fast());
            let e = call_valid(&ff, &cl, op.id).await.unwrap_err();
            let api = e.api().unwrap_or_else(|| panic!("{}: {e:?}", op.id));
            assert_eq!(
                (api.status, api.code.as_deref(), api.message.as_str()),
                (Some(status), Some(code), "nope"),
                "{}",
                op.id
            );
            assert_eq!((api.provider, api.operation), (provider, op.id));
        }
    }
}
