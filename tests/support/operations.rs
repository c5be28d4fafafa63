//! Every operation of every spec (FunnelFox, Closient, and the fixture pages that
//! show a new page is all a new operation takes), callable from JSON through its
//! typed method, with a valid example made from the spec. Nothing here names an
//! operation: a new page is walked by every test that uses this.

use billing_clients::runtime::decode::Through;
use billing_clients::runtime::spec::{Operation, Spec};
use billing_clients::testing::{conformance, example::example, fixture};
use billing_clients::{Error, RetryPolicy, closient, funnelfox};
use serde_json::{Map, Value};

/// The secret key the FunnelFox clients hold.
pub const FF_KEY: &str = "ff_test_SECRET_0123456789";

/// Every spec the tests walk, by name (`fixture` speaks FunnelFox's wire format).
pub fn specs() -> [(&'static str, &'static Spec); 3] {
    [
        ("funnelfox", &funnelfox::SPEC),
        ("closient", &closient::SPEC),
        ("fixture", &fixture::SPEC),
    ]
}

/// Component `name` of spec `spec` read as its generated type and written back
/// (`None` when no struct is generated for it).
pub fn through_type(spec: &str, name: &str, value: Value) -> Option<Result<Through, String>> {
    match spec {
        "funnelfox" => conformance::funnelfox::through_type(name, value),
        "closient" => conformance::closient::through_type(name, value),
        _ => conformance::fixture::through_type(name, value),
    }
}

/// Every operation of every spec, with its spec's name.
pub fn operations() -> impl Iterator<Item = (&'static str, &'static Operation)> {
    specs()
        .into_iter()
        .flat_map(|(name, spec)| spec.operations.iter().map(move |op| (name, op)))
}

/// Whether a spec speaks FunnelFox's wire format.
pub fn is_funnelfox(name: &str) -> bool {
    name != "closient"
}

/// A client of each spec pointed at one server (FunnelFox's as `{url}/{org_id}`).
pub struct Clients {
    pub funnelfox: funnelfox::Client,
    pub closient: closient::Client,
    pub fixture: fixture::Client,
}

/// Clients for `url`, holding keys, with this retry policy.
pub fn clients(url: &str, retry: RetryPolicy) -> Clients {
    clients_for(&format!("{url}/{{org_id}}"), url, "org", FF_KEY, retry)
}

/// FunnelFox's clients at server template `template` for organisation `org` with
/// key `ff_key`, Closient's at `url`.
pub fn clients_for(template: &str, url: &str, org: &str, ff_key: &str, retry: RetryPolicy) -> Clients {
    let key = closient::api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345");
    Clients {
        funnelfox: funnelfox::Client::builder(org)
            .base_url(template)
            .secret_key(ff_key)
            .retry(retry.clone())
            .build()
            .unwrap(),
        closient: closient::Client::builder(key)
            .base_url(url)
            .retry(retry.clone())
            .build()
            .unwrap(),
        fixture: fixture::Client::builder(org)
            .base_url(template)
            .secret_key(ff_key)
            .retry(retry)
            .build()
            .unwrap(),
    }
}

impl Clients {
    /// Call operation `op` of spec `name` with `body` and `params` as JSON
    /// through its typed method: `None` when the typed request cannot hold them.
    pub async fn call_json(&self, name: &str, op: &str, body: Value, params: Value) -> Option<Result<Value, Error>> {
        let result = match name {
            "funnelfox" => conformance::funnelfox::call_json(&self.funnelfox, op, body, params).await,
            "closient" => conformance::closient::call_json(&self.closient, op, body, params).await,
            _ => conformance::fixture::call_json(&self.fixture, op, body, params).await,
        };
        assert!(
            result.is_some() || self.spec_has(name, op),
            "{name} has no operation {op}"
        );
        result
    }

    fn spec_has(&self, name: &str, op: &str) -> bool {
        specs().iter().any(|(n, s)| *n == name && s.operation(op).is_some())
    }

    /// Call `op` with its valid example.
    pub async fn call_valid(&self, name: &str, op: &'static Operation) -> Result<Value, Error> {
        let (body, params) = valid(op);
        self.call_json(name, op.id, body, params)
            .await
            .unwrap_or_else(|| panic!("{}: the valid example does not fit the generated types", op.id))
    }
}

/// A valid body and valid parameters for `op`, made from its spec.
pub fn valid(op: &Operation) -> (Value, Value) {
    let body = op.body.as_ref().map_or(Value::Null, |b| example(b.schema));
    let params: Map<String, Value> = op
        .params
        .iter()
        .map(|p| (p.name.to_string(), example(p.schema)))
        .collect();
    (body, Value::Object(params))
}
