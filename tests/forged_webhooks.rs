//! A forged webhook grants nothing (issue 28): the endpoint refuses a delivery
//! without the URL's secret token before it reads the body, asks the store or
//! runs the handler; two tokens are accepted during a rotation; a verifier seam
//! sees the raw body and headers; in read-back mode an event is confirmed with
//! FunnelFox's API before the handler sees it; the token is never logged.

mod support;

use billing_clients::funnelfox::webhooks::{
    self, Claim, ClaimToken, Deduplicator, Delivery, Endpoint, MemoryDeduplicator, Pending, Refusal, Verifier,
};
use billing_clients::testing::{FakeFunnelFox, forge};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "wh_tok_3f9a7c1e5b2d4f6a8c0e1b3d5f7a9c2e";
const NEXT: &str = "wh_tok_8b6d4f2a0c9e7b5d3f1a8c6e4b2d0f9a";

/// A memory store that counts every call made to it.
#[derive(Default)]
struct Counting {
    inner: MemoryDeduplicator,
    calls: AtomicU32,
}

impl Deduplicator for Counting {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> Pending<'a, Claim> {
        self.calls.fetch_add(1, SeqCst);
        self.inner.claim(key, lease)
    }
    fn complete<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        self.calls.fetch_add(1, SeqCst);
        self.inner.complete(key, token)
    }
    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        self.calls.fetch_add(1, SeqCst);
        self.inner.release(key, token)
    }
}

/// Every delivery a handler saw.
type Seen = Arc<Mutex<Vec<Delivery>>>;

/// An endpoint on `store` whose handler records what it sees in `seen`.
fn recording(
    store: Arc<Counting>,
    seen: &Seen,
) -> Endpoint<impl Fn(Delivery) -> std::future::Ready<Result<(), String>> + Clone + use<>> {
    let s = seen.clone();
    Endpoint::new(store, move |d: Delivery| {
        s.lock().unwrap().push(d);
        std::future::ready(Ok(()))
    })
}

/// Serve `route` at a loopback `/hooks`; its URL (no query).
async fn serve(route: axum::routing::MethodRouter) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().route("/hooks", route)).await });
    url
}

/// A well-formed, forged event without the token (or with a wrong one, an
/// empty one, or the right one under another parameter) is answered 403 with
/// nothing that echoes it; the handler does not run and the store is not asked.
#[tokio::test]
async fn a_forged_event_without_the_token_is_refused_before_the_store_is_asked() {
    let store = Arc::new(Counting::default());
    let seen = Seen::default();
    let hooks = recording(store.clone(), &seen);
    let url = serve(hooks.token(TOKEN).route()).await;
    for query in [
        "",
        "?token=wrong",
        "?token=",
        "?secret=wh_tok_3f9a7c1e5b2d4f6a8c0e1b3d5f7a9c2e",
        "?token=wh_tok_3f9a7c1e5b2d4f6a8c0e1b3d5f7a9c2",
    ] {
        for event in [forge::settled_order("attacker-1"), forge::renewal("attacker-1")] {
            assert_eq!(forge::post(&format!("{url}{query}"), &event).await, 403, "{query}");
        }
    }
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let answer = http
        .post(format!("{url}?token=nope"))
        .json(&forge::renewal("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403);
    assert_eq!(answer.text().await.unwrap(), "forbidden", "no token, no reason echoed");
    // Not even a body that is no event gets as far as being read.
    let garbage = http.post(&url).body("<html>").send().await.unwrap();
    assert_eq!(garbage.status().as_u16(), 403);
    assert!(seen.lock().unwrap().is_empty(), "the handler never ran");
    assert_eq!(store.calls.load(SeqCst), 0, "the store was never asked");

    // The same event with the token goes through, once.
    let event = forge::renewal("user-1");
    assert_eq!(forge::post(&format!("{url}?token={TOKEN}"), &event).await, 200);
    assert_eq!(
        forge::post(&format!("{url}?a=b&token={TOKEN}"), &event).await,
        200,
        "a duplicate"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// During a rotation both tokens are accepted; a custom parameter name works.
#[tokio::test]
async fn the_old_and_the_new_token_are_both_accepted_during_a_rotation() {
    let store = Arc::new(Counting::default());
    let seen = Seen::default();
    let hooks = recording(store.clone(), &seen);
    let url = serve(hooks.token(TOKEN).also_accept(NEXT).token_param("ff").route()).await;
    assert_eq!(
        forge::post(&format!("{url}?ff={TOKEN}"), &forge::renewal("u")).await,
        200,
        "old"
    );
    assert_eq!(
        forge::post(&format!("{url}?ff={NEXT}"), &forge::renewal("u")).await,
        200,
        "new"
    );
    assert_eq!(
        forge::post(&format!("{url}?token={NEXT}"), &forge::renewal("u")).await,
        403,
        "another parameter"
    );
    assert_eq!(seen.lock().unwrap().len(), 2);

    // After the rotation only the new one is.
    let hooks = recording(Arc::new(Counting::default()), &Seen::default());
    let url = serve(hooks.token(NEXT).route()).await;
    assert_eq!(
        forge::post(&format!("{url}?token={TOKEN}"), &forge::renewal("u")).await,
        403,
        "old, after"
    );
    assert_eq!(
        forge::post(&format!("{url}?token={NEXT}"), &forge::renewal("u")).await,
        200,
        "new, after"
    );
}

/// The fake FunnelFox keeps the target URL's query when it delivers: its real
/// events reach a token-guarded endpoint.
#[tokio::test]
async fn the_fake_delivers_with_the_token_of_its_target_url() {
    let store = Arc::new(Counting::default());
    let seen = Seen::default();
    let hooks = recording(store.clone(), &seen);
    let url = serve(hooks.token(TOKEN).route()).await;
    let fake = FakeFunnelFox::start().await;
    fake.add_price_point("pro_monthly");
    fake.add_user("user-42", true);
    fake.add_webhook_target(format!("{url}?token={TOKEN}"));
    fake.client()
        .one_click(
            billing_clients::funnelfox::types::OneClick::builder()
                .external_id("user-42")
                .pp_ident("pro_monthly"),
        )
        .await
        .unwrap();
    fake.webhooks_delivered().await;
    let deliveries = fake.webhook_deliveries();
    assert!(
        !deliveries.is_empty() && deliveries.iter().all(|d| d.acknowledged && d.statuses == [200]),
        "{deliveries:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), deliveries.len());
}

/// The seam: a verifier sees the raw body and headers after the token and
/// before the event is read; its refusal is a 403 and the handler does not run.
#[tokio::test]
async fn a_verifier_refuses_before_the_store_is_asked() {
    struct NeedsSignature(Mutex<Vec<usize>>);
    impl Verifier for NeedsSignature {
        fn verify(&self, body: &[u8], headers: &reqwest::header::HeaderMap) -> Result<(), Refusal> {
            self.0.lock().unwrap().push(body.len());
            match headers.get("x-test-signature") {
                Some(v) if v.as_bytes() == body.len().to_string().as_bytes() => Ok(()),
                _ => Err(Refusal("no valid x-test-signature".into())),
            }
        }
    }
    let store = Arc::new(Counting::default());
    let seen = Seen::default();
    let hooks = recording(store.clone(), &seen);
    let verifier = Arc::new(NeedsSignature(Mutex::default()));
    let url = serve(hooks.token(TOKEN).verifier(verifier.clone()).route()).await;
    let url = format!("{url}?token={TOKEN}");
    assert_eq!(forge::post(&url, &forge::renewal("u")).await, 403);
    assert_eq!((store.calls.load(SeqCst), seen.lock().unwrap().len()), (0, 0));
    let body = serde_json::to_vec(&forge::renewal("u")).unwrap();
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let signed = http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-test-signature", body.len().to_string())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status().as_u16(), 200);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(
        verifier.0.lock().unwrap().last(),
        Some(&body.len()),
        "it saw the raw body"
    );
    // A request without the token never reaches the verifier.
    let before = verifier.0.lock().unwrap().len();
    assert_eq!(forge::post(&url.replace(TOKEN, "x"), &forge::renewal("u")).await, 403);
    assert_eq!(verifier.0.lock().unwrap().len(), before);
}

/// The token appears in no log line (at any level, refused or accepted
/// deliveries) and in no `Debug` of the endpoint.
#[tokio::test]
async fn the_token_is_never_logged_nor_shown() {
    let (guard, log) = support::capture_tracing();
    let store = Arc::new(Counting::default());
    let hooks = recording(store, &Seen::default());
    let hooks = hooks.token(TOKEN).also_accept(NEXT);
    let shown = format!("{hooks:?} {:?}", webhooks::UrlToken::new(TOKEN).also_accept(NEXT));
    let url = serve(hooks.route()).await;
    assert_eq!(
        forge::post(&format!("{url}?token={TOKEN}"), &forge::renewal("u")).await,
        200
    );
    assert_eq!(
        forge::post(&format!("{url}?token={TOKEN}"), &serde_json::json!([1])).await,
        400
    );
    assert_eq!(
        forge::post(&format!("{url}?token={TOKEN}x"), &forge::renewal("u")).await,
        403
    );
    assert_eq!(
        forge::post(&format!("{url}?token={NEXT}"), &forge::renewal("u")).await,
        200
    );
    drop(guard);
    let traced = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(
        traced.contains("FunnelFox webhook refused"),
        "refusals were captured: {traced}"
    );
    for secret in [TOKEN, NEXT, "3f9a7c1e", "8b6d4f2a"] {
        assert!(!traced.contains(secret), "the token is in the log: {traced}");
        assert!(!shown.contains(secret), "the token is in Debug: {shown}");
    }
}

/// Read-back: a real purchase through the fake, delivered by the fake, reaches
/// the handler verified by FunnelFox's API; forged events naming an order or a
/// subscription that does not exist, or that belongs to another user, are
/// refused (409) without running the handler or asking the store; a refused
/// request without the token costs no API call either.
#[tokio::test]
async fn in_read_back_mode_only_what_the_api_confirms_reaches_the_handler() {
    use billing_clients::funnelfox::types::OneClick;
    use webhooks::{EventType, Verified};
    let fake = FakeFunnelFox::start().await;
    fake.add_trial_price_point("pro_trial", 7);
    fake.add_one_off_price_point("lifetime", "49.00");
    fake.add_user("user-42", true);
    let store = Arc::new(Counting::default());
    let seen = Seen::default();
    let hooks = recording(store.clone(), &seen).token(TOKEN).read_back(
        fake.client(),
        [
            EventType::Order,
            EventType::Subscription,
            EventType::Oneoff,
            EventType::Refund,
        ],
    );
    let url = serve(hooks.route()).await;
    let with_token = format!("{url}?token={TOKEN}");
    fake.add_webhook_target(&with_token);
    for pp in ["pro_trial", "lifetime"] {
        fake.client()
            .one_click(OneClick::builder().external_id("user-42").pp_ident(pp))
            .await
            .unwrap();
    }
    fake.webhooks_delivered().await;
    let deliveries = fake.webhook_deliveries();
    assert!(deliveries.iter().all(|d| d.acknowledged), "{deliveries:?}");
    let handled = seen.lock().unwrap().clone();
    let kinds: Vec<(String, Option<Verified>)> = handled
        .iter()
        .map(|d| (d.event.event_type.to_string(), d.verified.clone()))
        .collect();
    for kind in ["order", "subscription", "oneoff"] {
        assert!(kinds.iter().any(|(k, _)| k == kind), "{kinds:?}");
    }
    assert!(
        kinds.iter().all(|(_, v)| matches!(v, Some(Verified::ReadBack { .. }))),
        "{kinds:?}"
    );
    let real_order = handled.iter().find(|d| d.event.event_type == EventType::Order).unwrap();
    let real_order_id = real_order.event.order.as_ref().unwrap().order_id.unwrap().to_string();
    let real_subs = handled
        .iter()
        .find(|d| d.event.event_type == EventType::Subscription)
        .unwrap();
    let real_subs_id = real_subs
        .event
        .subscription
        .as_ref()
        .unwrap()
        .subs_id
        .unwrap()
        .to_string();

    let (handled_before, store_before, reads_before) = (
        seen.lock().unwrap().len(),
        store.calls.load(SeqCst),
        fake.requests().len(),
    );
    let forged = [
        forge::settled_order("user-42"),                        // an order that does not exist
        forge::renewal("user-42"),                              // a subscription that does not exist
        forge::order_event("attacker-1", &real_order_id),       // user-42's order, for another user
        forge::subscription_event("attacker-1", &real_subs_id), // user-42's subscription, for another user
    ];
    let mut mixed = forge::order_event("user-42", &real_order_id);
    mixed["order"]["external_id"] = "attacker-1".into(); // one user at the top, another in the order
    for event in forged.iter().chain([&mixed]) {
        assert_eq!(forge::post(&with_token, event).await, 409, "{event}");
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        handled_before,
        "no forged event reached the handler"
    );
    assert_eq!(
        store.calls.load(SeqCst),
        store_before,
        "forged events never occupied the store"
    );
    // One read each; the event of two users is refused before any.
    assert_eq!(fake.requests().len(), reads_before + forged.len(), "one read each");
    // Without the token: refused before any API call.
    for event in &forged {
        assert_eq!(forge::post(&url, event).await, 403);
    }
    assert_eq!(
        fake.requests().len(),
        reads_before + forged.len(),
        "no API call for a refused request"
    );
    // A real refund is read back as refunded; a forged one of a paid order is not.
    let lifetime = handled
        .iter()
        .find(|d| d.event.event_type == EventType::Oneoff)
        .unwrap();
    let lifetime_order = lifetime.event.oneoff.as_ref().unwrap().order_id.unwrap();
    let mut forged_refund = forge::order_event("user-42", &lifetime_order.to_string());
    forged_refund["event_type"] = "refund".into();
    forged_refund["order_id"] = lifetime_order.to_string().into();
    assert_eq!(
        forge::post(&with_token, &forged_refund).await,
        409,
        "not refunded (yet)"
    );
    fake.client()
        .payment_refund(
            billing_clients::funnelfox::types::RefundIn::builder()
                .external_id("user-42")
                .order_id(lifetime_order),
        )
        .await
        .unwrap();
    fake.webhooks_delivered().await;
    let refunds: Vec<Delivery> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|d| d.event.event_type == EventType::Refund)
        .cloned()
        .collect();
    assert_eq!(refunds.len(), 1, "the real refund was handled");
    assert_eq!(
        refunds[0].verified,
        Some(Verified::ReadBack {
            operation: "payments_history"
        })
    );
    let handled_before = seen.lock().unwrap().len();
    // A real event re-sent (a duplicate) is confirmed and acknowledged, not run again.
    assert_eq!(forge::post(&with_token, &deliveries[0].event).await, 200);
    assert_eq!(seen.lock().unwrap().len(), handled_before);
}
