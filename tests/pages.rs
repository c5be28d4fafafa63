//! Paging declared in the spec (`x-billing-paging`): every item once, filters
//! kept on every page, items that share the cursor's value at a page boundary
//! neither repeated nor skipped, and a page the walk cannot get past refused.
//! Against a loopback server that pages by an inclusive cursor, as a report that
//! pages "by the last transaction's date" does.

mod support;

use billing_clients::testing::fixture::{Client, types};
use serde_json::{Value, json};
use support::{Reply, Server};

/// (id, date) of every entry, oldest first.
const ENTRIES: [(&str, &str); 5] = [
    ("e1", "2026-01-01T00:00:01"),
    ("e2", "2026-01-01T00:00:02"),
    ("e3", "2026-01-01T00:00:02"),
    ("e4", "2026-01-01T00:00:03"),
    ("e5", "2026-01-01T00:00:04"),
];

/// Entries dated at or after `last_date`, `limit` at most.
fn page(body: &Value, entries: &'static [(&'static str, &'static str)]) -> Reply {
    let from = body["last_date"].as_str().unwrap_or("");
    let limit = body["limit"].as_u64().unwrap_or(100) as usize;
    let page: Vec<Value> = entries
        .iter()
        .filter(|(_, date)| *date >= from)
        .take(limit)
        .map(|(id, date)| json!({"entry_id": id, "date": date, "points": 1}))
        .collect();
    Reply::json(
        200,
        json!({"status": "success", "data": {"entries": page}, "req_id": "r"}),
    )
}

fn client(server: &Server) -> Client {
    Client::builder("org")
        .base_url(format!("{}/{{org_id}}", server.url))
        .secret_key("ff_test_key")
        .build()
        .unwrap()
}

fn history(limit: u64) -> types::builder::BonusHistoryIn {
    let limit = std::num::NonZeroU64::new(limit).expect("typify makes `minimum: 1` a NonZeroU64");
    types::BonusHistoryIn::builder().external_id("user-42").limit(limit)
}

#[tokio::test]
async fn every_item_once_across_pages_sharing_a_date() {
    let server = Server::start(|_, r| page(&r.json(), &ENTRIES)).await;
    let c = client(&server);
    let all = c.bonus_history_pages(history(3)).all().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.entry_id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e3", "e4", "e5"]);
    let sent: Vec<Value> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(sent.len(), 3, "{sent:?}");
    for body in &sent {
        assert_eq!(
            (body["external_id"].as_str(), body["limit"].as_i64()),
            (Some("user-42"), Some(3)),
            "filters kept"
        );
    }
    assert_eq!(sent[0].get("last_date"), None);
    assert_eq!(
        sent[1]["last_date"], "2026-01-01T00:00:02",
        "the last item's date, as it came"
    );
    assert_eq!(sent[2]["last_date"], "2026-01-01T00:00:03");
}

#[tokio::test]
async fn a_page_the_walk_cannot_get_past_is_an_error_not_a_loop() {
    const SAME: [(&str, &str); 3] = [
        ("a", "2026-01-01T00:00:01"),
        ("b", "2026-01-01T00:00:01"),
        ("c", "2026-01-01T00:00:01"),
    ];
    let server = Server::start(|_, r| page(&r.json(), &SAME)).await;
    let c = client(&server);
    let mut pages = c.bonus_history_pages(history(2));
    let mut got = Vec::new();
    let error = loop {
        match pages.next().await {
            Some(Ok(e)) => got.push(e.entry_id),
            Some(Err(e)) => break e,
            None => panic!("the walk ended as if complete: {got:?}"),
        }
    };
    assert_eq!(got, ["a", "b"]);
    assert!(
        error.is_decode() && error.to_string().contains("shares one `date`"),
        "{error}"
    );
    assert!(pages.next().await.is_none(), "an error ends the walk");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn bad_filters_are_refused_before_the_first_page() {
    let server = Server::always(|| Reply::json(500, json!({}))).await;
    let e = client(&server)
        .bonus_history_pages(history(501))
        .all()
        .await
        .unwrap_err();
    assert_eq!(e.invalid_input().map(|i| i.field.as_str()), Some("limit"), "{e}");
    assert_eq!(server.count(), 0);
}

/// An item that does not fit is an error about the answer it came in: its
/// status, the attempts the page took, and which item.
#[tokio::test]
async fn an_item_that_does_not_fit_names_it_with_the_pages_status_and_attempts() {
    let server = Server::start(|n, _| match n {
        0 => Reply::json(
            503,
            json!({"status": "error", "error": [{"msg": "busy", "code": "unavailable"}]}),
        ),
        _ => Reply::json(
            200,
            json!({"status": "success", "data": {"entries": [
                {"entry_id": "e1", "date": "2026-01-01T00:00:01", "points": 1},
                {"entry_id": "e2", "date": "2026-01-01T00:00:02", "points": "many"},
            ]}, "req_id": "r"}),
        ),
    })
    .await;
    let e = client(&server).bonus_history_pages(history(3)).all().await.unwrap_err();
    assert!(e.is_decode(), "{e}");
    assert_eq!(server.count(), 2, "a safe read re-sent after the 503");
    assert_eq!((e.status(), e.attempts()), (Some(200), 2), "{e}");
    assert!(
        e.to_string().contains("`entries[1]`") && e.to_string().contains("points"),
        "{e}"
    );
}
