//! Every operation of both specs, driven through its client method against a
//! loopback server: its retry class observed on the wire, and the provider's
//! error shapes decoded into `Error::Api`. A spec operation missing here fails.

mod support;

use billing_clients::RetryPolicy;
use billing_clients::runtime::spec::RetryClass;
use serde_json::json;
use std::time::Duration;
use support::operations::{clients, is_funnelfox, operations};
use support::{Reply, Server};

fn fast() -> RetryPolicy {
    RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(5))
}

/// Under a 500 storm a charge is sent once, anything else three times.
#[tokio::test]
async fn every_operation_follows_its_retry_class() {
    let mut charges = Vec::new();
    for (spec, op) in operations() {
        let server = Server::always(|| Reply::json(500, json!({}))).await;
        let c = clients(&server.url, fast());
        assert!(c.call_valid(spec, op).await.is_err());
        let want = if op.retry == RetryClass::Charge { 1 } else { 3 };
        assert_eq!(server.count(), want, "{}", op.id);
        if op.retry == RetryClass::Charge && spec != "closient" {
            charges.push((spec, op.id));
        }
    }
    // Declared in the overlay for the payment calls; by HTTP method (POST) for
    // the fixture pages, which declare nothing.
    for charge in [
        ("funnelfox", "create_payment"),
        ("funnelfox", "one_click"),
        ("funnelfox", "resume_payment"),
        ("fixture", "bonus_grant"),
        ("fixture", "adjust_loyalty_points"),
    ] {
        assert!(charges.contains(&charge), "{charge:?} is not a charge: {charges:?}");
    }
    assert!(!charges.contains(&("funnelfox", "create_client_session")));
}

/// The key goes exactly where the spec's `security` asks, marked sensitive, and a
/// call that needs it fails before sending on a client without one.
#[tokio::test]
async fn every_operation_sends_the_key_exactly_where_its_spec_asks() {
    use support::operations::{FF_KEY, specs};
    for (spec, op) in operations() {
        let server = Server::always(|| Reply::json(500, json!({}))).await;
        let c = clients(&server.url, billing_clients::RetryPolicy::none());
        let _ = c.call_valid(spec, op).await;
        let header = specs().iter().find(|(n, _)| *n == spec).unwrap().1.auth_header.unwrap();
        let sent = server.requests()[0].header(header).map(str::to_string);
        let key = if spec == "closient" {
            None
        } else {
            Some(FF_KEY.to_string())
        };
        match op.requires_auth {
            true => assert!(sent.is_some() && (key.is_none() || sent == key), "{}", op.id),
            false => assert_eq!(sent, None, "{}", op.id),
        }
    }
    let server = Server::always(|| Reply::json(500, json!({}))).await;
    let keyless = billing_clients::testing::fixture::Client::builder("org")
        .base_url(format!("{}/{{org_id}}", server.url))
        .build()
        .unwrap();
    let needs_key = billing_clients::testing::fixture::SPEC
        .operations
        .iter()
        .filter(|op| op.requires_auth);
    let mut checked = 0;
    for op in needs_key {
        let (body, params) = support::operations::valid(op);
        let e = billing_clients::testing::conformance::fixture::call_json(&keyless, op.id, body, params)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.invalid_input().map(|i| i.field.as_str()),
            Some("ff-secret-key"),
            "{}",
            op.id
        );
        checked += 1;
    }
    assert!(checked > 0);
    assert_eq!(server.count(), 0, "nothing sent without the key");
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
    for (spec, op) in operations() {
        let replies: Vec<(Reply, u16, &str)> = match is_funnelfox(spec) {
            true => vec![(envelope(200), 200, "bad_request"), (envelope(400), 400, "bad_request")],
            false => vec![(wrapped(), 409, "CONFLICT"), (problem(), 403, "FORBIDDEN")],
        };
        for (reply, status, code) in replies {
            let reply = std::sync::Mutex::new(Some(reply));
            let server = Server::start(move |_, _| reply.lock().unwrap().take().unwrap_or(Reply::Reset)).await;
            let c = clients(&server.url, fast());
            let e = c.call_valid(spec, op).await.unwrap_err();
            let api = e.api().unwrap_or_else(|| panic!("{}: {e:?}", op.id));
            assert_eq!(
                (api.status, api.code.as_deref(), api.message.as_str()),
                (Some(status), Some(code), "nope"),
                "{}",
                op.id
            );
            let provider = if is_funnelfox(spec) { "funnelfox" } else { "closient" };
            assert_eq!((api.provider, api.operation), (provider, op.id));
        }
    }
}

/// Each provider's `OperationId` names every operation of its spec, and leads
/// back to the same entry of the table.
#[test]
fn operation_ids_name_every_operation() {
    for op in billing_clients::funnelfox::SPEC.operations {
        let id = billing_clients::funnelfox::OperationId::of(op).unwrap();
        assert!(std::ptr::eq(id.operation(), op), "{}", op.id);
    }
    for op in billing_clients::closient::SPEC.operations {
        let id = billing_clients::closient::OperationId::of(op).unwrap();
        assert!(std::ptr::eq(id.operation(), op), "{}", op.id);
    }
    let other = &billing_clients::testing::fixture::SPEC.operations[0];
    assert!(
        billing_clients::funnelfox::OperationId::of(other).is_none_or(|id| id.operation().id == other.id),
        "an operation of another spec is not one of FunnelFox's"
    );
}
