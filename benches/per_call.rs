//! Per-call cost of this crate's typed clients against a careful hand-written
//! `reqwest` call doing the same work, in one run:
//!
//! ```text
//! cargo bench --bench per_call
//! ```
//!
//! (The crate's dev-dependency on itself enables the `testing` and `axum`
//! features, so no `--features` is needed.)
//!
//! **Server.** A tiny fixed-answer axum server on 127.0.0.1, on its own thread
//! with its own current-thread runtime (so, on a two-core machine, client on one
//! core and server on the other). It answers FunnelFox's `create_client_session`
//! with FunnelFox's success envelope and Closient's `create_checkout` with its
//! documented object; both bodies are schema-valid, so both sides decode them.
//! It is not the crate's fakes: those validate, record and script, and their cost
//! would hide the client's.
//!
//! **Sides.** *client*: the generated method with a typed builder, awaited, as a
//! user writes it (validation, retry policy and budget, timeouts, scrubbing,
//! response size limit, tracing spans, path-aware decode errors all on).
//! *raw*: `reqwest` by hand: an equivalent serde request struct (owned strings,
//! as the generated types) posted as JSON with the identical headers (`accept`,
//! `content-type`, `user-agent`, and the key header where the operation sends
//! one), the same per-request timeout, and the answer decoded into an equivalent
//! serde struct (for FunnelFox the envelope too: `status` checked, `data` read).
//! Both sides share one `reqwest::Client` (redirects off, the builder's connect
//! timeout), so pool and connection settings are the same. Before measuring, the
//! server records one request of each side and the bench checks that method,
//! path, headers and body bytes are identical.
//!
//! **Modes.** *sequential*: one call at a time. *64 in flight*: 64 tasks on the
//! client's current-thread runtime, each making calls back to back on the same
//! client. Each mode runs in rounds; in every round both sides run one batch,
//! in alternating order (ABBA), so noise from the (shared, busy) machine falls on
//! both. Requests per second is calls over the summed batch times, and *ratio*
//! is client over raw of those; *median round ratio* is the median over rounds
//! of raw's batch time over the client's in the same round, which a burst of
//! noise on a shared machine moves far less. p50/p99 are over every call's
//! latency (in the 64-in-flight mode it includes queueing).
//!
//! **Allocations.** A counting `#[global_allocator]` around `System` counts
//! allocations (`alloc`, `alloc_zeroed`, `realloc`) only while a thread-local
//! flag is set, and the flag is set only on the client thread during one
//! sequential batch per side. The server runs in this process, on its own thread,
//! so its allocations are not counted; everything the client does runs on the
//! client thread (the runtime is current-thread, so hyper's connection tasks run
//! there too, and connections are pooled before counting starts). This keeps one
//! process and one command, where a child process for the server would need a
//! second binary.
//!
//! No tracing subscriber is installed: the spans are created as in an
//! application without one (tracing compiled in, nothing listening). With
//! `PER_CALL_TRACING=1` an `fmt` subscriber at INFO, writing to a sink, is
//! installed instead, to show the cost of spans that something listens to.
//!
//! A profiling aid: `PER_CALL_ONLY=funnelfox` (or `funnelfox-raw`, `closient`,
//! `closient-raw`) makes 20 000 (or `PER_CALL_CALLS`) sequential calls of that
//! side alone, for a profiler to sample, and skips the comparison.

use billing_clients::{closient, funnelfox};
use serde::{Deserialize, Serialize};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- allocations

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

fn note() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; counting has no effect
// on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------- the server

const ORG: &str = "org_123";
const FF_PATH: &str = "/org_123/v1/checkout/create_client_session";
const CL_PATH: &str = "/billing/api/v1/billing/checkout";
const CL_ORG: &str = "2aBcDeFgHiJkLmNoPqRsTu";
const USER_AGENT: &str = concat!("billing-clients/", env!("CARGO_PKG_VERSION"));

/// FunnelFox's success envelope around `CheckoutClientSessionOut`.
const FF_ANSWER: &str = concat!(
    r#"{"status":"success","data":{"client_token":"#,
    r#""eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJvcmRlcl9pZCI6IjdmMGMyZjRlLTJiMWEtNGM3ZS05ZDFlLTBhNGIzYzJkMWUwZiIsImV4cCI6MTc2MjAwMDAwMH0.c2lnbmF0dXJlX2hlcmVfZm9yX2JlbmNo","#,
    r#""order_id":"7f0c2f4e-2b1a-4c7e-9d1e-0a4b3c2d1e0f"},"error":[],"req_id":"req_01JBX4Y7KQ2M8ZP3W5N6T9R0VC"}"#
);

/// Closient's `CheckoutOut`.
const CL_ANSWER: &str = concat!(
    r#"{"checkout_url":"https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdef"#,
    r##"#fidkdWxOYHwnPyd1blpxYHZxWjA0T2phQ2J3Y0hXaV1NNmxGdFRtPGFuSGhqcXZpY2NrVWN3NnY8fENsX0pKUDxBYXxEd0xDVldLX11VbVAxcmFyaXJSXUpEZEF3bUBxdzx8YGNMaVU2T3ZhfEgyNTVhYDVBUHU3TCcpJ2N3amhWYHdzYHcnP3F3cGApJ2lkfGpwcVF8dWAnPyd2bGtiaWBabHFgaCcpJ2BrZGdpYFVpZGZgbWppYWB3dic%2FcXdwYHgl"}"##
);

/// One request as the server saw it (recorded only when asked).
#[derive(Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

#[derive(Default)]
struct ServerState {
    record: AtomicBool,
    seen: Mutex<Option<Seen>>,
    requests: AtomicU64,
}

/// Start the server on its own thread and runtime; its port.
fn start_server(state: Arc<ServerState>) -> u16 {
    use axum::http::header::CONTENT_TYPE;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("a non-blocking listener");
    let port = listener.local_addr().expect("its address").port();
    std::thread::Builder::new()
        .name("server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the server's runtime");
            runtime.block_on(async move {
                let answer = |body: &'static str| {
                    let state = state.clone();
                    move |request: axum::extract::Request| {
                        let state = state.clone();
                        async move {
                            state.requests.fetch_add(1, Ordering::Relaxed);
                            let (parts, body_stream) = request.into_parts();
                            let bytes = axum::body::to_bytes(body_stream, 1 << 20).await.unwrap_or_default();
                            if state.record.swap(false, Ordering::Relaxed) {
                                let mut headers: Vec<(String, String)> = parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                                    .collect();
                                headers.sort();
                                *state.seen.lock().unwrap() = Some(Seen {
                                    method: parts.method.to_string(),
                                    path: parts.uri.to_string(),
                                    headers,
                                    body: bytes.to_vec(),
                                });
                            }
                            ([(CONTENT_TYPE, "application/json")], body)
                        }
                    }
                };
                let app = axum::Router::new()
                    .route(FF_PATH, axum::routing::post(answer(FF_ANSWER)))
                    .route(CL_PATH, axum::routing::post(answer(CL_ANSWER)));
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                axum::serve(listener, app).await.expect("the server");
            });
        })
        .expect("the server thread");
    port
}

// ---------------------------------------------------------------- the sides

/// One way of making the call.
trait Side: Clone + Send + Sync + 'static {
    fn call(&self) -> impl Future<Output = ()> + Send + '_;
}

/// FunnelFox through the typed client.
#[derive(Clone)]
struct FfClient(funnelfox::Client);

impl Side for FfClient {
    async fn call(&self) {
        use funnelfox::types;
        let out = self
            .0
            .create_client_session(
                types::CheckoutClientSessionIn::builder()
                    .region("default")
                    .integration_type(types::IntegrationEnum::Stripe)
                    .pp_ident("pro_monthly")
                    .external_id("user-42")
                    .email_address("jane@example.com")
                    .country_code(Some("US".to_string())),
            )
            .await
            .expect("the client decodes the answer");
        std::hint::black_box(out);
    }
}

/// The request FunnelFox's `create_client_session` takes, by hand.
#[derive(Serialize)]
struct FfRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    country_code: Option<String>,
    email_address: String,
    external_id: String,
    integration_type: &'static str,
    pp_ident: String,
    region: String,
}

/// FunnelFox's envelope, by hand.
#[derive(Deserialize)]
struct FfEnvelope<T> {
    status: String,
    data: Option<T>,
    #[allow(dead_code)]
    req_id: Option<String>,
}

/// `CheckoutClientSessionOut`, by hand.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct FfSession {
    client_token: String,
    order_id: uuid::Uuid,
}

/// FunnelFox by hand with `reqwest`.
#[derive(Clone)]
struct FfRaw {
    http: reqwest::Client,
    url: Arc<str>,
}

impl Side for FfRaw {
    async fn call(&self) {
        use reqwest::header::{ACCEPT, USER_AGENT as UA};
        let body = FfRequest {
            client_metadata: None,
            country_code: Some("US".to_string()),
            email_address: "jane@example.com".to_string(),
            external_id: "user-42".to_string(),
            integration_type: "stripe",
            pp_ident: "pro_monthly".to_string(),
            region: "default".to_string(),
        };
        let response = self
            .http
            .post(&*self.url)
            .header(ACCEPT, "application/json")
            .header(UA, USER_AGENT)
            .json(&body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success());
        let bytes = response.bytes().await.expect("a body");
        let envelope: FfEnvelope<FfSession> = serde_json::from_slice(&bytes).expect("the envelope");
        assert_eq!(envelope.status, "success");
        std::hint::black_box(envelope.data.expect("data"));
    }
}

/// Closient through the typed client.
#[derive(Clone)]
struct ClClient(closient::Client);

impl Side for ClClient {
    async fn call(&self) {
        let out = self
            .0
            .create_checkout(
                closient::types::AdBalanceCheckoutIn::builder()
                    .organization_id(CL_ORG)
                    .amount_cents(5_000)
                    .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
                    .cancel_url("https://example.com/cancel"),
            )
            .await
            .expect("the client decodes the answer");
        std::hint::black_box(out);
    }
}

/// `AdBalanceCheckoutIn`, by hand.
#[derive(Serialize)]
struct ClRequest {
    amount_cents: i64,
    cancel_url: String,
    organization_id: String,
    success_url: String,
}

/// `CheckoutOut`, by hand.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct ClCheckout {
    checkout_url: String,
}

/// Closient by hand with `reqwest`.
#[derive(Clone)]
struct ClRaw {
    http: reqwest::Client,
    url: Arc<str>,
    key: Arc<str>,
}

impl Side for ClRaw {
    async fn call(&self) {
        use reqwest::header::{ACCEPT, USER_AGENT as UA};
        let body = ClRequest {
            amount_cents: 5_000,
            cancel_url: "https://example.com/cancel".to_string(),
            organization_id: CL_ORG.to_string(),
            success_url: "https://example.com/ok?session={CHECKOUT_SESSION_ID}".to_string(),
        };
        let response = self
            .http
            .post(&*self.url)
            .header(ACCEPT, "application/json")
            .header(UA, USER_AGENT)
            .header("x-api-key", &*self.key)
            .json(&body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success());
        let bytes = response.bytes().await.expect("a body");
        let out: ClCheckout = serde_json::from_slice(&bytes).expect("the answer");
        std::hint::black_box(out);
    }
}

// ---------------------------------------------------------------- measuring

const WARM_UP: usize = 300;
const ROUNDS: usize = 24;
const SEQUENTIAL_BATCH: usize = 400;
const IN_FLIGHT: usize = 64;
const CONCURRENT_BATCH: usize = 64 * 25;
const ALLOCATION_CALLS: usize = 500;

/// Totals of one side in one mode.
#[derive(Default)]
struct Tally {
    calls: usize,
    busy: Duration,
    latencies: Vec<Duration>,
    /// Each batch's time, in order (batch `i` of both sides ran in round `i`).
    batches: Vec<Duration>,
}

impl Tally {
    fn rps(&self) -> f64 {
        self.calls as f64 / self.busy.as_secs_f64()
    }
    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i]
    }
}

/// The median over rounds of raw's batch time over the client's: a burst of
/// noise spoils a round or two, not the figure.
fn median_ratio(client: &Tally, raw: &Tally) -> f64 {
    let mut ratios: Vec<f64> = client
        .batches
        .iter()
        .zip(&raw.batches)
        .map(|(c, r)| r.as_secs_f64() / c.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    }
}

async fn sequential<S: Side>(side: &S, calls: usize, tally: &mut Tally) {
    let started = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        side.call().await;
        tally.latencies.push(t.elapsed());
    }
    tally.busy += started.elapsed();
    tally.batches.push(started.elapsed());
    tally.calls += calls;
}

async fn concurrent<S: Side>(side: &S, calls: usize, tally: &mut Tally) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT {
        let side = side.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(calls / IN_FLIGHT);
            for _ in 0..calls / IN_FLIGHT {
                let t = Instant::now();
                side.call().await;
                latencies.push(t.elapsed());
            }
            latencies
        });
    }
    while let Some(done) = tasks.join_next().await {
        tally.latencies.extend(done.expect("a task"));
    }
    tally.busy += started.elapsed();
    tally.batches.push(started.elapsed());
    tally.calls += calls / IN_FLIGHT * IN_FLIGHT;
}

/// Allocations per call over a sequential batch on this thread.
async fn allocations<S: Side>(side: &S) -> f64 {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    for _ in 0..ALLOCATION_CALLS {
        side.call().await;
    }
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) as f64 / ALLOCATION_CALLS as f64
}

/// One line of the report.
struct Row {
    provider: &'static str,
    mode: &'static str,
    client: Tally,
    raw: Tally,
}

async fn compare<C: Side, R: Side>(provider: &'static str, client: &C, raw: &R, rows: &mut Vec<Row>) -> (f64, f64) {
    for _ in 0..WARM_UP {
        client.call().await;
        raw.call().await;
    }
    let (c, r) = interleaved(client, raw, false).await;
    rows.push(Row {
        provider,
        mode: "sequential",
        client: c,
        raw: r,
    });
    // Open the in-flight connections before measuring.
    concurrent(client, IN_FLIGHT * 4, &mut Tally::default()).await;
    concurrent(raw, IN_FLIGHT * 4, &mut Tally::default()).await;
    let (c, r) = interleaved(client, raw, true).await;
    rows.push(Row {
        provider,
        mode: "64 in flight",
        client: c,
        raw: r,
    });
    (allocations(client).await, allocations(raw).await)
}

/// `ROUNDS` batches of each side, sequential or `IN_FLIGHT` at a time, in
/// alternating order so that machine noise hits both alike.
async fn interleaved<C: Side, R: Side>(client: &C, raw: &R, in_flight: bool) -> (Tally, Tally) {
    let (mut c, mut r) = (Tally::default(), Tally::default());
    for round in 0..ROUNDS {
        for client_side in [round % 2 == 0, round % 2 != 0] {
            match (client_side, in_flight) {
                (true, false) => sequential(client, SEQUENTIAL_BATCH, &mut c).await,
                (false, false) => sequential(raw, SEQUENTIAL_BATCH, &mut r).await,
                (true, true) => concurrent(client, CONCURRENT_BATCH, &mut c).await,
                (false, true) => concurrent(raw, CONCURRENT_BATCH, &mut r).await,
            }
        }
    }
    (c, r)
}

/// The request each side sends, as the server sees it: they must be the same.
async fn same_request<C: Side, R: Side>(state: &ServerState, client: &C, raw: &R) {
    let mut seen = Vec::new();
    state.record.store(true, Ordering::Relaxed);
    client.call().await;
    seen.push(state.seen.lock().unwrap().take().expect("the client's request"));
    state.record.store(true, Ordering::Relaxed);
    raw.call().await;
    seen.push(state.seen.lock().unwrap().take().expect("the raw request"));
    assert_eq!(seen[0], seen[1], "both sides send the same request");
}

fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

fn main() {
    if std::env::var_os("PER_CALL_TRACING").is_some_and(|v| v == "1") {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
    }
    let state = Arc::new(ServerState::default());
    let port = start_server(state.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the client's runtime");
    runtime.block_on(async move {
        let http = billing_clients::http_client_builder()
            .expect("a TLS configuration")
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("a reqwest client");
        let base = format!("http://127.0.0.1:{port}");
        let ff_client = FfClient(
            funnelfox::Client::builder(ORG)
                .base_url(format!("{base}/{{org_id}}/v1"))
                .secret_key("ff_secret_bench_0123456789")
                .http_client(http.clone())
                .build()
                .expect("a FunnelFox client"),
        );
        let ff_raw = FfRaw {
            http: http.clone(),
            url: format!("{base}{FF_PATH}").into(),
        };
        let key = closient::api_key::with_checksum("csb", "abcdefghijklmnopqrstuvwxyz012345");
        let cl_client = ClClient(
            closient::Client::builder(key.clone())
                .base_url(format!("{base}/billing/api/v1"))
                .http_client(http.clone())
                .build()
                .expect("a Closient client"),
        );
        let cl_raw = ClRaw {
            http: http.clone(),
            url: format!("{base}{CL_PATH}").into(),
            key: key.into(),
        };
        same_request(&state, &ff_client, &ff_raw).await;
        same_request(&state, &cl_client, &cl_raw).await;
        if let Ok(only) = std::env::var("PER_CALL_ONLY") {
            // A profiling aid: one side alone, sequentially, for a profiler to sample.
            let calls = std::env::var("PER_CALL_CALLS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(20_000);
            let mut tally = Tally::default();
            match only.as_str() {
                "funnelfox" => sequential(&ff_client, calls, &mut tally).await,
                "funnelfox-raw" => sequential(&ff_raw, calls, &mut tally).await,
                "closient" => sequential(&cl_client, calls, &mut tally).await,
                "closient-raw" => sequential(&cl_raw, calls, &mut tally).await,
                other => panic!("PER_CALL_ONLY={other}: funnelfox, funnelfox-raw, closient or closient-raw"),
            }
            println!(
                "{only}: {:.0} calls/s, p50 {} µs",
                tally.rps(),
                micros(tally.percentile(0.5))
            );
            return;
        }

        let mut rows = Vec::new();
        let ff_allocs = compare("funnelfox create_client_session", &ff_client, &ff_raw, &mut rows).await;
        let cl_allocs = compare("closient create_checkout", &cl_client, &cl_raw, &mut rows).await;

        let tracing = match std::env::var_os("PER_CALL_TRACING").is_some_and(|v| v == "1") {
            true => "an fmt subscriber at INFO (to a sink)",
            false => "no subscriber",
        };
        println!(
            "per-call cost: {ROUNDS} interleaved rounds per mode; sequential batches of {SEQUENTIAL_BATCH}, \
             {IN_FLIGHT}-in-flight batches of {CONCURRENT_BATCH}; tracing: {tracing}; loopback HTTP/1.1\n"
        );
        println!(
            "| provider / operation | mode | client rps | raw rps | ratio | median round ratio | client p50 / p99 µs | raw p50 / p99 µs |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        for mut row in rows {
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.3} | {:.3} | {} / {} | {} / {} |",
                row.provider,
                row.mode,
                row.client.rps(),
                row.raw.rps(),
                row.client.rps() / row.raw.rps(),
                median_ratio(&row.client, &row.raw),
                micros(row.client.percentile(0.50)),
                micros(row.client.percentile(0.99)),
                micros(row.raw.percentile(0.50)),
                micros(row.raw.percentile(0.99)),
            );
        }
        println!("\n| provider / operation | client allocations / call | raw allocations / call |");
        println!("|---|---:|---:|");
        for (name, (c, r)) in [
            ("funnelfox create_client_session", ff_allocs),
            ("closient create_checkout", cl_allocs),
        ] {
            println!("| {name} | {c:.1} | {r:.1} |");
        }
        let requests = state.requests.load(Ordering::Relaxed);
        let expected =
            2 * 2 * (1 + WARM_UP + ROUNDS * (SEQUENTIAL_BATCH + CONCURRENT_BATCH) + IN_FLIGHT * 4 + ALLOCATION_CALLS);
        assert_eq!(requests as usize, expected, "one request per call");
    });
}
