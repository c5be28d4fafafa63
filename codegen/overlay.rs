//! Declared corrections: a provider's `overlay.yaml` is a JSON merge patch
//! (RFC 7396) applied to the merged document. Upstream pages stay verbatim; every
//! fact we add or fix is one reviewable line in the overlay.

use serde_json::Value;

/// Apply `patch` to `doc` as an RFC 7396 merge patch (`null` deletes a key).
pub fn apply(doc: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *doc = patch.clone();
        return;
    };
    if !doc.is_object() {
        *doc = Value::Object(Default::default());
    }
    let target = doc.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            apply(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}
