//! FunnelFox's wire format: every response is wrapped in
//! `{"status": "success" | "error", "data": ..., "error": [{msg, code, type}], "req_id": ...}`,
//! and errors may come with HTTP 200. The spec describes only `data`; the bare
//! documented shape (what mock servers built from the spec return) is accepted too.

use crate::core::{ApiFields, Interpreted};
use crate::error::FieldIssue;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    error: Option<Vec<ErrorItem>>,
    #[serde(default)]
    req_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// An object is an envelope when it has a string `status` and any of `data`,
/// `error` or `req_id` (no documented result has a `status` field).
fn is_envelope(v: &Value) -> bool {
    v.get("status").is_some_and(Value::is_string) && ["data", "error", "req_id"].iter().any(|k| v.get(k).is_some())
}

/// Read a complete FunnelFox response body.
pub(crate) fn interpret(status: u16, body: &Bytes) -> Interpreted {
    let success = (200..300).contains(&status);
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Interpreted::Undecodable(format!("HTTP {status} with a body that is not JSON: {e}"));
        }
    };
    if !is_envelope(&value) {
        return if success {
            Interpreted::Data(body.clone())
        } else {
            Interpreted::Undecodable(format!("HTTP {status} without FunnelFox's error envelope"))
        };
    }
    let envelope: Envelope = match serde_json::from_value(value) {
        Ok(e) => e,
        Err(e) => return Interpreted::Undecodable(format!("malformed FunnelFox envelope: {e}")),
    };
    match envelope.status.as_str() {
        "success" if success => {
            // `data` absent or null: operations documented as `{}` (Ok200).
            let data = envelope
                .data
                .filter(|d| !d.is_null())
                .unwrap_or_else(|| Value::Object(Default::default()));
            Interpreted::Data(Bytes::from(data.to_string()))
        }
        "success" => Interpreted::Undecodable(format!("HTTP {status} with a success envelope")),
        "error" => Interpreted::Api(api_error(envelope.error.unwrap_or_default(), envelope.req_id)),
        other => Interpreted::Undecodable(format!("unknown envelope status {other:?}")),
    }
}

fn api_error(mut errors: Vec<ErrorItem>, req_id: Option<String>) -> ApiFields {
    let rest = if errors.len() > 1 {
        errors.split_off(1)
    } else {
        Vec::new()
    };
    let first = errors.pop();
    ApiFields {
        code: first.as_ref().and_then(|e| e.code.clone()),
        message: first
            .as_ref()
            .and_then(|e| e.msg.clone())
            .unwrap_or_else(|| "FunnelFox reported an error without a message".into()),
        kind: first.and_then(|e| e.kind),
        request_id: req_id,
        details: rest
            .into_iter()
            .map(|e| FieldIssue {
                field: None,
                message: format!("{}: {}", e.code.unwrap_or_default(), e.msg.unwrap_or_default()),
            })
            .collect(),
        retryable: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(i: Interpreted) -> Value {
        match i {
            Interpreted::Data(b) => serde_json::from_slice(&b).unwrap(),
            _ => panic!("expected data"),
        }
    }

    #[test]
    fn success_envelope_yields_data() {
        let body = Bytes::from(r#"{"status":"success","data":{"client_token":"t"},"error":[],"req_id":"r1"}"#);
        assert_eq!(data(interpret(200, &body)), serde_json::json!({"client_token": "t"}));
    }

    #[test]
    fn bare_shape_is_accepted() {
        let body = Bytes::from(r#"{"client_token":"t"}"#);
        assert_eq!(data(interpret(200, &body)), serde_json::json!({"client_token": "t"}));
    }

    #[test]
    fn error_envelope_under_200_is_an_api_error() {
        let body = Bytes::from(
            r#"{"status":"error","error":[{"msg":"user has not finished subscription","code":"double_purchase","type":"api_exception"}],"req_id":"r2"}"#,
        );
        let Interpreted::Api(a) = interpret(200, &body) else {
            panic!()
        };
        assert_eq!(a.code.as_deref(), Some("double_purchase"));
        assert_eq!(a.kind.as_deref(), Some("api_exception"));
        assert_eq!(a.request_id.as_deref(), Some("r2"));
    }

    #[test]
    fn html_is_undecodable() {
        assert!(matches!(
            interpret(502, &Bytes::from("<html>bad gateway</html>")),
            Interpreted::Undecodable(_)
        ));
    }
}
