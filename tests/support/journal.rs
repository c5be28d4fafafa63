//! The one test suite every intent journal passes (memory, file, PostgreSQL):
//! a new key is sent once; an answer, a doubt and found ids are kept as
//! written; an intent that did not happen is sent again with the same body
//! only; the open intents come oldest first; and a burst of concurrent begins
//! of one key sends it once.

use billing_clients::runtime::intents::{Begin, Intent, Journal, Record, State};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Fields as a JSON object.
pub fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// An intent of `key` with `body_hash`, started at `started_at_ms`.
pub fn intent(key: &str, body_hash: &str, started_at_ms: i64) -> Intent {
    let mut intent = Intent::new(
        key,
        "one_click",
        body_hash,
        fields(json!({"external_id": "u-1", "order": {"amount": 12.5, "lines": [1, 2]}})),
    );
    intent.started_at_ms = started_at_ms;
    intent
}

/// The record `begin` found, or a panic if it answered `Send`.
pub fn existing(begun: Begin) -> Record {
    match begun {
        Begin::Existing(record) => record,
        other => panic!("not an existing record: {other:?}"),
    }
}

/// `journal` passes the suite; its keys start with `prefix` (a journal that
/// outlives one run of the suite gets a new prefix each time).
pub async fn suite(journal: Arc<dyn Journal>, prefix: &str) {
    let key = |k: &str| format!("{prefix}-{k}");
    let now = billing_clients::runtime::intents::now_ms();

    // A new key is the caller's to send; the same key again finds it sending.
    let first = intent(&key("new"), "h1", now);
    assert_eq!(journal.begin(&first).await.unwrap(), Begin::Send, "{prefix}: a new key");
    let again = existing(journal.begin(&first).await.unwrap());
    assert_eq!(again.intent, first, "{prefix}: the intent as written");
    assert_eq!(again.state, State::Sending, "{prefix}");
    assert!(again.updated_at_ms >= now, "{prefix}");

    // Its answer is kept, and answered again to the same key.
    let answer = State::Answered(r#"{"order_id": "o-1",  "status":"settled"}"#.into());
    journal.set(&key("new"), &answer).await.unwrap();
    let got = journal.get(&key("new")).await.unwrap().expect("the record");
    assert_eq!((got.intent, got.state), (first.clone(), answer.clone()), "{prefix}");
    assert_eq!(existing(journal.begin(&first).await.unwrap()).state, answer, "{prefix}");

    // A key never begun: nothing to get, and setting it writes nothing.
    assert_eq!(journal.get(&key("never")).await.unwrap(), None, "{prefix}");
    journal.set(&key("never"), &State::Sending).await.unwrap();
    assert_eq!(journal.get(&key("never")).await.unwrap(), None, "{prefix}");

    // Not happened: the same body sends again (sending once more); another
    // body is refused with the record.
    let retry = intent(&key("retry"), "h1", now);
    assert_eq!(journal.begin(&retry).await.unwrap(), Begin::Send, "{prefix}");
    let refused = State::NotHappened("declined".into());
    journal.set(&key("retry"), &refused).await.unwrap();
    let other_body = intent(&key("retry"), "h2", now);
    let found = existing(journal.begin(&other_body).await.unwrap());
    assert_eq!(
        (found.intent.body_hash.as_str(), &found.state),
        ("h1", &refused),
        "{prefix}"
    );
    assert_eq!(
        journal.begin(&retry).await.unwrap(),
        Begin::Send,
        "{prefix}: not happened, same body"
    );
    let got = journal.get(&key("retry")).await.unwrap().expect("the record");
    assert_eq!(got.state, State::Sending, "{prefix}");
    assert_eq!(
        existing(journal.begin(&retry).await.unwrap()).state,
        State::Sending,
        "{prefix}"
    );

    // Happened: the found ids round-trip.
    let happened = State::Happened(fields(
        json!({"order_id": "o-9", "amount": 12.5, "count": 3, "nested": {"ok": true, "none": null}}),
    ));
    journal.set(&key("retry"), &happened).await.unwrap();
    assert_eq!(
        journal.get(&key("retry")).await.unwrap().expect("the record").state,
        happened,
        "{prefix}"
    );
    assert_eq!(
        existing(journal.begin(&retry).await.unwrap()).state,
        happened,
        "{prefix}: happened is final"
    );

    // open(): sending and in doubt only, oldest first.
    let states = [
        ("o-sending-late", 300, State::Sending),
        ("o-doubt-early", 100, State::InDoubt("the answer was lost".into())),
        ("o-answered", 200, State::Answered("{}".into())),
        ("o-happened", 50, State::Happened(Map::new())),
        ("o-not-happened", 150, State::NotHappened("refused".into())),
        ("o-sending-mid", 250, State::Sending),
        ("o-doubt-resolved", 10, State::InDoubt("lost".into())),
    ];
    for (k, at, state) in &states {
        assert_eq!(journal.begin(&intent(&key(k), "h", *at)).await.unwrap(), Begin::Send);
        journal.set(&key(k), state).await.unwrap();
    }
    journal
        .set(&key("o-doubt-resolved"), &State::NotHappened("not found".into()))
        .await
        .unwrap();
    let open: Vec<(String, State)> = journal
        .open()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.intent.key.starts_with(&format!("{prefix}-o-")))
        .map(|r| (r.intent.key, r.state))
        .collect();
    assert_eq!(
        open,
        vec![
            (key("o-doubt-early"), State::InDoubt("the answer was lost".into())),
            (key("o-sending-mid"), State::Sending),
            (key("o-sending-late"), State::Sending),
        ],
        "{prefix}: open, oldest first"
    );

    // Concurrent begins of one key: one is sent.
    assert_eq!(
        sends(&journal, &key("burst"), 32).await,
        1,
        "{prefix}: 32 concurrent begins"
    );
}

/// How many of `n` concurrent begins of `key` (spread over `journals` in turn)
/// answered `Send`; every other one found the record sending.
pub async fn sends_across(journals: &[Arc<dyn Journal>], key: &str, n: usize) -> usize {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let journal = Arc::clone(&journals[i % journals.len()]);
            let intent = intent(key, "h", 1);
            tokio::spawn(async move { journal.begin(&intent).await.unwrap() })
        })
        .collect();
    let mut sent = 0;
    for task in tasks {
        match task.await.unwrap() {
            Begin::Send => sent += 1,
            Begin::Existing(record) => assert_eq!(record.state, State::Sending),
            other => panic!("{other:?}"),
        }
    }
    sent
}

/// [`sends_across`] one journal.
pub async fn sends(journal: &Arc<dyn Journal>, key: &str, n: usize) -> usize {
    sends_across(std::slice::from_ref(journal), key, n).await
}
