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

mod alloc;
mod measure;
mod server;
mod sides;

use alloc::{ALLOCATIONS, COUNTING};
use billing_clients::{closient, funnelfox};
use measure::*;
use serde::{Deserialize, Serialize};
use server::*;
use sides::*;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
