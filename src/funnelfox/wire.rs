//! FunnelFox's wire format: every response is wrapped in
//! `{"status": "success" | "error", "data": ..., "error": [{msg, code, type}], "req_id": ...}`,
//! and errors may come with HTTP 200. The spec describes only `data`; the bare
//! documented shape (what mock servers built from the spec return) is accepted too.

use crate::core::spec::Media;
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

/// Read a complete FunnelFox response body of an operation that answers `media`.
/// Whatever the media, an error envelope is an error, under any status.
pub(crate) fn interpret(status: u16, media: Media, body: &Bytes) -> Interpreted {
    let success = (200..300).contains(&status);
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if success && matches!(media, Media::Text | Media::Bytes) => return Interpreted::data(body.clone()),
        Err(_) if success && media == Media::Empty && body.iter().all(u8::is_ascii_whitespace) => {
            return Interpreted::data(Bytes::new());
        }
        Err(e) => {
            return Interpreted::Undecodable(format!("HTTP {status} with a body that is not JSON: {e}"));
        }
    };
    if !is_envelope(&value) {
        return if success {
            Interpreted::data(body.clone())
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
            let data = match envelope.data.filter(|d| !d.is_null()) {
                // Text answers (CSV exports) may come as a string in the envelope.
                Some(Value::String(text)) if matches!(media, Media::Text | Media::Bytes) => Bytes::from(text),
                Some(data) => Bytes::from(data.to_string()),
                None => Bytes::from_static(b"{}"),
            };
            Interpreted::Data {
                data,
                request_id: envelope.req_id,
            }
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
            Interpreted::Data { data, .. } => serde_json::from_slice(&data).unwrap(),
            _ => panic!("expected data"),
        }
    }

    #[test]
    fn success_envelope_yields_data() {
        let body = Bytes::from(r#"{"status":"success","data":{"client_token":"t"},"error":[],"req_id":"r1"}"#);
        assert_eq!(
            data(interpret(200, Media::Json, &body)),
            serde_json::json!({"client_token": "t"})
        );
    }

    #[test]
    fn a_success_keeps_its_request_id() {
        let body = Bytes::from(r#"{"status":"success","data":{},"error":[],"req_id":"r9"}"#);
        let Interpreted::Data { request_id, .. } = interpret(200, Media::Json, &body) else {
            panic!()
        };
        assert_eq!(request_id.as_deref(), Some("r9"));
    }

    #[test]
    fn bare_shape_is_accepted() {
        let body = Bytes::from(r#"{"client_token":"t"}"#);
        assert_eq!(
            data(interpret(200, Media::Json, &body)),
            serde_json::json!({"client_token": "t"})
        );
    }

    #[test]
    fn error_envelope_under_200_is_an_api_error() {
        let body = Bytes::from(
            r#"{"status":"error","error":[{"msg":"user has not finished subscription","code":"double_purchase","type":"api_exception"}],"req_id":"r2"}"#,
        );
        let Interpreted::Api(a) = interpret(200, Media::Json, &body) else {
            panic!()
        };
        assert_eq!(a.code.as_deref(), Some("double_purchase"));
        assert_eq!(a.kind.as_deref(), Some("api_exception"));
        assert_eq!(a.request_id.as_deref(), Some("r2"));
    }

    #[test]
    fn no_content_and_text_answers_still_see_error_envelopes() {
        let error = Bytes::from(r#"{"status":"error","error":[{"msg":"no","code":"bad_request"}],"req_id":"r"}"#);
        for media in [Media::Empty, Media::Text, Media::Bytes, Media::Json] {
            assert!(
                matches!(interpret(200, media, &error), Interpreted::Api(_)),
                "{media:?}"
            );
        }
        assert!(matches!(
            interpret(204, Media::Empty, &Bytes::new()),
            Interpreted::Data { .. }
        ));
        let Interpreted::Data { data: csv, .. } = interpret(200, Media::Text, &Bytes::from("ident,price\npro,9.99\n"))
        else {
            panic!()
        };
        assert_eq!(&csv[..], b"ident,price\npro,9.99\n");
        assert!(matches!(
            interpret(200, Media::Empty, &Bytes::from("<html/>")),
            Interpreted::Undecodable(_)
        ));
    }

    #[test]
    fn html_is_undecodable() {
        assert!(matches!(
            interpret(502, Media::Json, &Bytes::from("<html>bad gateway</html>")),
            Interpreted::Undecodable(_)
        ));
    }
}
