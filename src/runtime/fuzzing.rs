//! Entry points for the fuzz targets in `fuzz/` (not a stable API): everything the
//! core does to a response body after reading it, and the validator, for every
//! operation of both specs.

use super::{CallOptions, Core, Interpreted, Provider};

/// One core per provider: building a `reqwest::Client` loads the system's root
/// certificates, far too slow to do per input.
fn cores() -> &'static [Core; 2] {
    static CORES: std::sync::LazyLock<[Core; 2]> =
        std::sync::LazyLock::new(|| [make(&crate::funnelfox::PROVIDER), make(&crate::closient::PROVIDER)]);
    &CORES
}

fn make(provider: &'static Provider) -> Core {
    Core {
        provider,
        http: super::http_client_builder()
            .expect("a TLS configuration")
            .build()
            .expect("a reqwest client"),
        base_url: "https://fuzz.invalid".into(),
        parsed_base: reqwest::Url::parse("https://fuzz.invalid").expect("a URL"),
        fixed_urls: provider.spec.operations.iter().map(|_| Default::default()).collect(),
        host: "fuzz.invalid".into(),
        port: 443,
        secret: Some(secrecy::SecretString::from("fuzz-secret".to_string())),
        user_agent: reqwest::header::HeaderValue::from_static("fuzz"),
        options: CallOptions::default(),
        budget: Default::default(),
        hooks: Default::default(),
        journal: std::sync::Arc::new(super::intents::MemoryJournal::new()),
        pacer: None,
    }
}

/// Interpret `body` as each operation's provider would with this status, decode
/// any data into the operation's answer type, and build the error any failure becomes.
pub fn decode(status: u16, body: &[u8]) {
    let body = bytes::Bytes::copy_from_slice(body);
    for core in cores() {
        for op in core.spec().operations {
            match (core.provider.interpret)(status, op.response.media, &body) {
                Interpreted::Data { data, .. } => {
                    if let Err(reason) = (op.response.decodes)(data) {
                        let e = core.decode_error(op, Some(status), reason, &body, 1);
                        let _ = format!("{e} {e:?}");
                    }
                }
                Interpreted::Api(fields) => {
                    let e = core.api_error(op, status, fields, 1);
                    let _ = format!("{e} {e:?}");
                }
                Interpreted::Undecodable(reason) => {
                    let e = core.decode_error(op, Some(status), reason, &body, 1);
                    let _ = format!("{e} {e:?}");
                }
            }
        }
    }
}

/// Validate an arbitrary JSON document as the body and parameters of every operation.
pub fn validate(json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    for core in cores() {
        for op in core.spec().operations {
            if let Some(body) = &op.body {
                let checked = super::validate::check_body(op, body.schema, &value);
                // The check as a body is written, which the client runs first,
                // never accepts more.
                let (_, written) = super::validate::to_vec_checked(&value, body.schema).expect("a Value serialises");
                assert!(
                    !written || checked.is_ok(),
                    "to_vec_checked accepted what check_body refuses"
                );
                if let Err(e) = checked {
                    let _ = e.to_string();
                }
            }
            for p in op.params {
                let _ = super::validate::check_param(op, p, &value);
            }
        }
    }
}
