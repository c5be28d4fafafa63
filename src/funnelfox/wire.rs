//! FunnelFox's wire format: every response is wrapped in
//! `{"status": "success" | "error", "data": ..., "error": [{msg, code, type}], "req_id": ...}`,
//! and errors may come with HTTP 200. The spec describes only `data`; the bare
//! documented shape (what mock servers built from the spec return) is accepted too.

use crate::error::{ErrorClass, FieldIssue, Refusal};
use crate::runtime::spec::Media;
use crate::runtime::{ApiFields, Interpreted};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// A success's data, where [`interpret`] finds it: member `data` of an
/// envelope whose `status` is `"success"`, with the request id in `req_id`.
pub(crate) const SUCCESS: crate::runtime::decode::Success = crate::runtime::decode::Success::Member {
    status: "status",
    is: "success",
    data: "data",
    request_id: "req_id",
};

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

/// The members of a top-level object as written, borrowed from the body: read in
/// one pass, nothing copied (a success's `data` is handed on as a slice of the
/// body). A member present as `null` is `Some("null")`, as in a `Value`.
#[derive(Deserialize)]
struct Members<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    status: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    data: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    error: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    req_id: Option<&'a RawValue>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// An object is an envelope when it has a string `status` and any of `data`,
/// `error` or `req_id` (no documented result has a `status` field).
fn is_envelope(v: &Value) -> bool {
    v.get("status").is_some_and(Value::is_string) && ["data", "error", "req_id"].iter().any(|k| v.get(k).is_some())
}

/// Read a complete FunnelFox response body of an operation that answers `media`.
/// Whatever the media, an error envelope is an error, under any status.
pub(crate) fn interpret(status: u16, media: Media, body: &Bytes) -> Interpreted {
    borrowed(status, media, body).unwrap_or_else(|| owned(status, media, body))
}

/// The common case in one pass over the body: an object whose members are
/// unique and well-formed. `None` for anything else, which [`owned`] reads (and
/// explains) as before.
fn borrowed(status: u16, media: Media, body: &Bytes) -> Option<Interpreted> {
    let success = (200..300).contains(&status);
    // UTF-8 first: members skipped unread are not checked by the parser.
    let members: Members = serde_json::from_str(std::str::from_utf8(body).ok()?).ok()?;
    let is_string = |v: Option<&RawValue>| v.is_some_and(|v| v.get().starts_with('"'));
    if !(is_string(members.status) && (members.data.is_some() || members.error.is_some() || members.req_id.is_some())) {
        return Some(match success {
            true => Interpreted::data(body.clone()),
            false => Interpreted::Undecodable(format!("HTTP {status} without FunnelFox's error envelope")),
        });
    }
    let kind: std::borrow::Cow<str> = serde_json::from_str(members.status?.get()).ok()?;
    fn read(v: Option<&RawValue>) -> &str {
        v.map_or("null", RawValue::get)
    }
    let error: Option<Vec<ErrorItem>> = serde_json::from_str(read(members.error)).ok()?;
    let req_id: Option<String> = serde_json::from_str(read(members.req_id)).ok()?;
    let data = match members.data.filter(|d| d.get() != "null") {
        // Text answers (CSV exports) may come as a string in the envelope.
        Some(d) if is_string(Some(d)) && matches!(media, Media::Text | Media::Bytes) => {
            Bytes::from(serde_json::from_str::<String>(d.get()).ok()?)
        }
        Some(d) => body.slice_ref(d.get().as_bytes()),
        None => Bytes::from_static(b"{}"),
    };
    Some(outcome(status, &kind, || data, error, req_id))
}

/// Any other body, through a `Value`.
fn owned(status: u16, media: Media, body: &Bytes) -> Interpreted {
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
    let data = || match envelope.data.filter(|d| !d.is_null()) {
        // Text answers (CSV exports) may come as a string in the envelope.
        Some(Value::String(text)) if matches!(media, Media::Text | Media::Bytes) => Bytes::from(text),
        Some(data) => Bytes::from(data.to_string()),
        None => Bytes::from_static(b"{}"),
    };
    outcome(status, &envelope.status, data, envelope.error, envelope.req_id)
}

/// What an envelope with this `status` (`kind`) means under this HTTP status.
fn outcome(
    status: u16,
    kind: &str,
    data: impl FnOnce() -> Bytes,
    error: Option<Vec<ErrorItem>>,
    req_id: Option<String>,
) -> Interpreted {
    let success = (200..300).contains(&status);
    match kind {
        // `data` absent or null: operations documented as `{}` (Ok200).
        "success" if success => Interpreted::Data {
            data: data(),
            request_id: req_id,
        },
        "success" => Interpreted::Undecodable(format!("HTTP {status} with a success envelope")),
        "error" => Interpreted::Api(api_error(error.unwrap_or_default(), req_id)),
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

/// The class of a FunnelFox error by its code and message, where they tell
/// more than its HTTP status: FunnelFox refuses business rules with the
/// generic code `bad_request` under HTTP 200, so the reason is in the message
/// (as the fake words it, and as FunnelFox's own messages read: "unknown price
/// point", "user not found"). `None`: nothing recognised.
pub(crate) fn classify(code: &str, message: &str) -> Option<ErrorClass> {
    if code.eq_ignore_ascii_case("double_purchase") {
        return Some(ErrorClass::Refused(Refusal::DoublePurchase));
    }
    let m = message.to_ascii_lowercase();
    let missing = m.contains("unknown") || m.contains("not found") || m.contains("does not exist");
    let refused = |r| Some(ErrorClass::Refused(r));
    if missing && (m.contains("organisation") || m.contains("organization")) {
        // The org id in the client's URL: no user input can fix it.
        return Some(ErrorClass::Configuration);
    }
    if m.contains("payment method") && (m.contains("no ") || m.contains("not ")) {
        return refused(Refusal::NoSavedPaymentMethod);
    }
    if missing && (m.contains("price point") || m.contains("price_point") || m.contains("pp_ident")) {
        return refused(Refusal::UnknownPricePoint);
    }
    if missing && (m.contains("user") || m.contains("external_id")) {
        return refused(Refusal::UnknownUser);
    }
    if missing {
        return refused(Refusal::NotFound);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_told_apart_by_code_then_message() {
        let refused = |code, msg| {
            classify(code, msg).and_then(|c| match c {
                ErrorClass::Refused(r) => Some(r),
                _ => None,
            })
        };
        assert_eq!(refused("double_purchase", "anything"), Some(Refusal::DoublePurchase));
        assert_eq!(
            refused("bad_request", "Price point not found"),
            Some(Refusal::UnknownPricePoint)
        );
        assert_eq!(
            refused("bad_request", "unknown pp_ident \"x\""),
            Some(Refusal::UnknownPricePoint)
        );
        assert_eq!(
            refused("bad_request", "User does not exist"),
            Some(Refusal::UnknownUser)
        );
        assert_eq!(
            refused("bad_request", "No saved payment method"),
            Some(Refusal::NoSavedPaymentMethod)
        );
        assert_eq!(refused("bad_request", "unknown order"), Some(Refusal::NotFound));
        assert_eq!(
            classify("bad_request", "unknown organisation \"o\""),
            Some(ErrorClass::Configuration)
        );
        assert_eq!(classify("bad_request", "the subscription is already paused"), None);
    }

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

    /// What an interpretation says, comparable: data as JSON (or text), the
    /// request id, an API error's fields, or that it is undecodable.
    fn summary(i: Interpreted) -> String {
        match i {
            Interpreted::Data { data, request_id } => {
                let data = serde_json::from_slice::<Value>(&data)
                    .map_or_else(|_| format!("{:?}", &data[..]), |v| v.to_string());
                format!("data {data} id {request_id:?}")
            }
            Interpreted::Api(a) => format!(
                "api {:?} {:?} {:?} {:?} {}",
                a.code,
                a.message,
                a.kind,
                a.request_id,
                a.details.len()
            ),
            Interpreted::Undecodable(_) => "undecodable".into(),
        }
    }

    #[test]
    fn the_one_pass_reading_agrees_with_the_value_reading() {
        let bodies = [
            r#"{"status":"success","data":{"client_token":"t","order_id":"o"},"error":[],"req_id":"r1"}"#,
            r#"{ "status" : "success" , "data" : { "a" : [1, 2.5, "x"] } , "req_id" : null }"#,
            r#"{"status":"success","data":null,"req_id":"r"}"#,
            r#"{"status":"success","data":"ident,price\npro,9.99\n"}"#,
            r#"{"status":"su\u0063cess","data":{}}"#,
            r#"{"status":"error","error":[{"msg":"no","code":"bad","type":"api"},{"msg":"m2","code":"c2"}],"req_id":"r2"}"#,
            r#"{"status":"error","error":null}"#,
            r#"{"status":"pending","data":{}}"#,
            r#"{"status":"success","req_id":5}"#,
            r#"{"status":"success","error":"oops"}"#,
            r#"{"status":"error","status":"success","data":{"a":1}}"#,
            r#"{"status":5,"data":{}}"#,
            r#"{"client_token":"t"}"#,
            r#"{"status":"success"}"#,
            r#"[1,2]"#,
            r#"{"status":"success","data":{}} trailing"#,
            "",
            "<html/>",
        ];
        for body in bodies {
            let body = Bytes::from(body);
            for status in [200, 201, 400, 500] {
                for media in [Media::Json, Media::Text, Media::Bytes, Media::Empty] {
                    let one_pass = borrowed(status, media, &body).map(summary);
                    let owned = summary(owned(status, media, &body));
                    if let Some(one_pass) = one_pass {
                        assert_eq!(one_pass, owned, "{status} {media:?} {body:?}");
                    }
                    assert_eq!(
                        summary(interpret(status, media, &body)),
                        owned,
                        "{status} {media:?} {body:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn html_is_undecodable() {
        assert!(matches!(
            interpret(502, Media::Json, &Bytes::from("<html>bad gateway</html>")),
            Interpreted::Undecodable(_)
        ));
    }
}
