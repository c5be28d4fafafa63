//! Read-back: a webhook event confirmed with FunnelFox's API before anything is
//! granted on it. Which read confirms which event is data, declared in the
//! spec pipeline (`x-billing-read-back` in `specs/funnelfox/webhooks.yaml`, in
//! [`SPEC`](crate::funnelfox::SPEC)`.read_back`); this is the one generic
//! interpreter of those rules. It costs one API read per event it checks.

use super::Delivery;
use crate::funnelfox::{Client, SPEC};
use crate::runtime::items::{at, same, truthy};
use crate::runtime::spec::ReadBack;
use serde_json::Value;

/// How a delivery was verified before the handler saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verified {
    /// FunnelFox's API confirmed it: `operation` lists the order, subscription,
    /// one-off or refund the event names, for the event's user, in a state that
    /// agrees with the event.
    ReadBack {
        /// The operation that confirmed it (`payments_history`, `my_assets`).
        operation: &'static str,
    },
}

/// What a read-back found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Confirmation {
    /// The API shows what the event says.
    Confirmed(Verified),
    /// It does not (yet): the event names nothing, or nothing the API shows for
    /// that user in that state. Why, without secrets.
    NotConfirmed(String),
    /// No rule is declared for this event type and subtype.
    Undeclared,
}

/// Confirm `delivery` with FunnelFox's API by the first declared rule that fits
/// its event type and subtype. `Err` when the API could not be asked (network,
/// 5xx, a client without the secret key the read needs): then nothing is known.
///
/// ```no_run
/// # async fn run(delivery: billing_clients::funnelfox::webhooks::Delivery) -> billing_clients::Result<()> {
/// use billing_clients::funnelfox::{Client, webhooks::{self, Confirmation}};
///
/// let funnelfox = Client::builder("my-org-id").secret_key("ff_...").build()?;
/// match webhooks::read_back(&funnelfox, &delivery).await? {
///     Confirmation::Confirmed(how) => println!("verified by {how:?}"),
///     Confirmation::NotConfirmed(why) => println!("not granted: {why}"),
///     _ => println!("no read-back declared for this event"),
/// }
/// # Ok(()) }
/// ```
pub async fn read_back(client: &Client, delivery: &Delivery) -> crate::Result<Confirmation> {
    let event = &delivery.event;
    let subtype = event.subtype.as_ref().map(|s| s.as_str());
    let Some(rule) = SPEC.read_back.iter().find(|r| {
        r.event_type == event.event_type.as_str()
            && (r.subtypes.is_empty() || subtype.is_some_and(|s| r.subtypes.contains(&s)))
    }) else {
        return Ok(Confirmation::Undeclared);
    };
    // The body as sent: what the event claims, every member (typed or not).
    let sent: Value = serde_json::from_slice(&delivery.body).unwrap_or_default();
    let request = match request(rule, &sent) {
        Ok(r) => r,
        Err(why) => return Ok(Confirmation::NotConfirmed(why)),
    };
    let answer = client.call_operation_json(rule.operation, request).await?;
    Ok(judge(rule, &sent, &answer))
}

/// The request body: each field from the first event path present; every other
/// present path must hold the same value (one user, not two).
fn request(rule: &ReadBack, sent: &Value) -> Result<Value, String> {
    let mut body = serde_json::Map::new();
    for (field, paths) in rule.request {
        let mut values = paths.iter().filter_map(|p| at(sent, p));
        let first = values
            .next()
            .ok_or(format!("the event has none of {paths:?} for `{field}`"))?;
        if values.any(|v| !same(v, first)) {
            return Err(format!("the event's {paths:?} disagree"));
        }
        body.insert(field.to_string(), first.clone());
    }
    Ok(Value::Object(body))
}

/// Confirmed when the answer's list holds an object whose match fields equal
/// the event's and whose expected fields have the declared truth.
fn judge(rule: &ReadBack, sent: &Value, answer: &Value) -> Confirmation {
    let mut wanted = Vec::new();
    for (field, path) in rule.matches {
        match at(sent, path) {
            Some(v) => wanted.push((*field, v)),
            None => return Confirmation::NotConfirmed(format!("the event has no `{path}`")),
        }
    }
    let items = answer.get(rule.items).and_then(Value::as_array);
    let Some(found) = items
        .into_iter()
        .flatten()
        .find(|item| wanted.iter().all(|(f, v)| item.get(f).is_some_and(|x| same(x, v))))
    else {
        return Confirmation::NotConfirmed(format!("`{}` lists no such object for this user", rule.operation.id));
    };
    for (field, truth) in rule.expect {
        if truthy(found.get(field)) != *truth {
            return Confirmation::NotConfirmed(format!("`{field}` is not {truth} in `{}`", rule.operation.id));
        }
    }
    Confirmation::Confirmed(Verified::ReadBack {
        operation: rule.operation.id,
    })
}
