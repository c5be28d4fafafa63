//! Entry points for the fuzz targets in `fuzz/` (not a stable API): everything the
//! core does to a response body after reading it, and the validator.

use super::{CallOptions, Core, Interpreted, Provider};
use serde::de::DeserializeOwned;

/// One core per provider: building a `reqwest::Client` loads the system's root
/// certificates, far too slow to do per input.
fn core(provider: &'static Provider) -> &'static Core {
    static CORES: std::sync::LazyLock<[Core; 2]> =
        std::sync::LazyLock::new(|| [make(&crate::funnelfox::PROVIDER), make(&crate::closient::PROVIDER)]);
    if std::ptr::eq(provider, &crate::funnelfox::PROVIDER) {
        &CORES[0]
    } else {
        &CORES[1]
    }
}

fn make(provider: &'static Provider) -> Core {
    Core {
        provider,
        http: reqwest::Client::new(),
        secret: Some(secrecy::SecretString::from("fuzz-secret".to_string())),
        user_agent: reqwest::header::HeaderValue::from_static("fuzz"),
        options: CallOptions::default(),
    }
}

fn decodes<T: DeserializeOwned>(data: &[u8]) {
    let _ = serde_json::from_slice::<T>(data);
}

/// Interpret `body` as each provider would with this status, decode any data into
/// every response type, and build the error any failure becomes.
pub fn decode(status: u16, body: &[u8]) {
    use crate::{closient::types as c, funnelfox::types as f};
    let body = bytes::Bytes::copy_from_slice(body);
    for provider in [&crate::funnelfox::PROVIDER, &crate::closient::PROVIDER] {
        let core = core(provider);
        let op = provider.spec.operations.first();
        match (provider.interpret)(status, &body) {
            Interpreted::Data(data) => {
                decodes::<f::CheckoutClientSessionOut>(&data);
                decodes::<f::CheckoutSimpleClientSessionOut>(&data);
                decodes::<f::CheckoutCreatePaymentOut>(&data);
                decodes::<f::Ok200>(&data);
                decodes::<c::CheckoutOut>(&data);
                decodes::<c::BalanceOut>(&data);
                decodes::<c::ResolverSubscriptionOut>(&data);
                decodes::<c::PortalOut>(&data);
            }
            other => {
                let e = core.failure(op, status, other, &body, 1);
                let _ = format!("{e} {e:?}");
            }
        }
    }
}

/// Validate an arbitrary JSON document as the body and parameters of every operation.
pub fn validate(json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    for spec in [&crate::funnelfox::SPEC, &crate::closient::SPEC] {
        for op in spec.operations {
            if let Err(e) = super::validate::check_body(op, &value) {
                let _ = e.to_string();
            }
            let _ = super::validate::check_params(op, &value);
        }
    }
}
