//! Webhook emission: every change the fake makes is an event, queued on
//! [`Assets`] in order and handed to the deliveries once the operation or the
//! clock move that made it is done, so that no target hears of a change before
//! the fake has made it.

use super::assets::Assets;
use super::wire::naive;
use serde_json::{Value, json};
use uuid::Uuid;

impl Assets {
    /// A webhook event about `external_id`, with the objects in `about`.
    pub(super) fn emit(&mut self, event_type: &str, subtype: Option<&str>, external_id: &str, about: Value) {
        let at = self.tick();
        let mut event = json!({
            "event_id": crate::runtime::random::uuid().to_string(),
            "event_timestamp": naive(at),
            "event_type": event_type,
            "subtype": subtype,
            "external_id": external_id,
            "is_livemode": false,
        });
        if let (Some(e), Value::Object(about)) = (event.as_object_mut(), about) {
            e.extend(about);
        }
        self.events.push(event);
    }

    pub(super) fn subscription_event(&mut self, subs_id: Uuid, subtype: &str) {
        let Some(sub) = self.subscriptions.get(&subs_id) else {
            return;
        };
        let user = sub.external_id.clone();
        let about = json!({"subscription": self.subscription_json(sub), "user": self.user_json(&user)});
        self.emit("subscription", Some(subtype), &user, about);
    }
}
