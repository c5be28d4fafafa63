//! Closient's wire format: results as documented; errors in either documented
//! shape, `{"error": {code, message, status, details}}` or RFC 9457 problem details
//! (`type`, `title`, `status`, `detail`, `error_code`, `retryable`).

use crate::error::FieldIssue;
use crate::runtime::spec::Media;
use crate::runtime::{ApiFields, Interpreted};
use bytes::Bytes;
use serde::Deserialize;

#[derive(Deserialize)]
struct Wrapped {
    error: Detail,
}

#[derive(Deserialize)]
struct Detail {
    code: String,
    message: String,
    #[serde(default)]
    details: Option<Vec<Issue>>,
}

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    retryable: Option<bool>,
}

/// Read a complete Closient response body of an operation that answers `media`.
pub(crate) fn interpret(status: u16, media: Media, body: &Bytes) -> Interpreted {
    if (200..300).contains(&status) {
        return match (media, is_json(body)) {
            (Media::Text | Media::Bytes | Media::Multipart, _) | (Media::Json, Ok(_)) => {
                Interpreted::data(body.clone())
            }
            (Media::Empty, _) if body.iter().all(u8::is_ascii_whitespace) => Interpreted::data(Bytes::new()),
            (Media::Empty, Ok(_)) => Interpreted::data(body.clone()),
            (_, Err(e)) => Interpreted::Undecodable(format!("HTTP {status} with a body that is not JSON: {e}")),
        };
    }
    if let Ok(Wrapped { error }) = serde_json::from_slice::<Wrapped>(body) {
        return Interpreted::Api(ApiFields {
            code: Some(error.code),
            message: error.message,
            details: error
                .details
                .unwrap_or_default()
                .into_iter()
                .map(|i| FieldIssue {
                    field: i.field,
                    message: i.message.unwrap_or_default(),
                })
                .collect(),
            ..Default::default()
        });
    }
    match serde_json::from_slice::<Problem>(body) {
        Ok(p) if p.title.is_some() || p.detail.is_some() || p.error_code.is_some() => Interpreted::Api(ApiFields {
            code: p.error_code.or_else(|| p.title.clone()),
            message: p.detail.or(p.title).unwrap_or_default(),
            kind: p.kind,
            retryable: p.retryable,
            ..Default::default()
        }),
        _ => Interpreted::Undecodable(format!("HTTP {status} without a documented error body")),
    }
}

/// Whether `body` is JSON, without building it (UTF-8 checked first: the parser
/// does not check strings it skips).
fn is_json(body: &[u8]) -> Result<(), serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str::<serde::de::IgnoredAny>(text).map(drop),
        Err(_) => serde_json::from_slice::<serde_json::Value>(body).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_shapes() {
        let a = Bytes::from(
            r#"{"error":{"code":"VALIDATION_ERROR","message":"bad","status":422,"details":[{"field":"amount_cents","message":"too small"}]}}"#,
        );
        let Interpreted::Api(a) = interpret(422, Media::Json, &a) else {
            panic!()
        };
        assert_eq!(a.code.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(a.details[0].field.as_deref(), Some("amount_cents"));
        let b = Bytes::from(
            r#"{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"slow down","error_code":"RATE_LIMITED","retryable":true}"#,
        );
        let Interpreted::Api(b) = interpret(429, Media::Json, &b) else {
            panic!()
        };
        assert_eq!(b.code.as_deref(), Some("RATE_LIMITED"));
        assert_eq!(b.retryable, Some(true));
    }
}
