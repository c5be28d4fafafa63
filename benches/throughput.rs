//! Requests per second through the real clients against the in-process fakes
//! (`billing_clients::testing`), sequentially and from concurrent tasks: a measure
//! of the client stack's own overhead (validation, transport, decoding) plus the
//! fakes', over loopback HTTP/1.1.
//!
//! `cargo bench --bench throughput --features testing`

use billing_clients::testing::{FakeClosient, FakeFunnelFox, Role};
use billing_clients::{closient, funnelfox};
use std::future::Future;
use std::time::{Duration, Instant};

/// Calls per measurement.
const N: usize = 2000;
/// Concurrent tasks in the concurrent measurement (N / TASKS calls each).
const TASKS: usize = 8;
/// Calls before measuring (connections, lazy statics).
const WARM_UP: usize = 50;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let ff = FakeFunnelFox::start().await;
    let cl = FakeClosient::start().await;
    // The transport is measured, not Closient's limit (nor pacing under it).
    cl.set_rate_limit(u64::MAX, std::time::Duration::from_secs(60));
    let org = cl.add_org();
    let key = cl.add_key(&org, Role::Billing);
    let closient = cl.client(&key);
    println!("{N} calls each; concurrent = {TASKS} tasks; release build, loopback HTTP/1.1");

    measure(
        "funnelfox create_simple_client_session",
        ff.client(),
        |c: funnelfox::Client| async move {
            let body = funnelfox::types::CheckoutSimpleClientSessionIn::builder()
                .region("default")
                .integration_type(funnelfox::types::IntegrationEnum::Stripe);
            c.create_simple_client_session(body).await.expect("the fake answers");
        },
    )
    .await;
    assert_eq!(
        ff.count("create_simple_client_session"),
        2 * (WARM_UP + N),
        "one request per call"
    );

    let org = std::sync::Arc::new(org);
    measure("closient create_checkout", closient, move |c: closient::Client| {
        let org = org.clone();
        async move {
            let body = closient::types::AdBalanceCheckoutIn::builder()
                .organization_id(org.as_str())
                .amount_cents(5_000)
                .success_url("https://example.com/ok")
                .cancel_url("https://example.com/cancel");
            c.create_checkout(body).await.expect("the fake answers");
        }
    })
    .await;
    assert_eq!(cl.count("create_checkout"), 2 * (WARM_UP + N));
}

/// Time `N` calls in sequence, then `N` calls spread over `TASKS` tasks.
async fn measure<C, F, Fut>(name: &str, client: C, call: F)
where
    C: Clone + Send + 'static,
    F: Fn(C) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    for _ in 0..WARM_UP {
        call(client.clone()).await;
    }
    let started = Instant::now();
    for _ in 0..N {
        call(client.clone()).await;
    }
    report(name, "sequential", started.elapsed());

    for _ in 0..WARM_UP {
        call(client.clone()).await;
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..TASKS {
        let (client, call) = (client.clone(), call.clone());
        tasks.spawn(async move {
            for _ in 0..N / TASKS {
                call(client.clone()).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a benchmark task");
    }
    report(name, "concurrent", started.elapsed());
}

fn report(name: &str, mode: &str, elapsed: Duration) {
    let per_second = N as f64 / elapsed.as_secs_f64();
    let micros = elapsed.as_micros() as f64 / N as f64;
    println!("{name:<42} {mode:<10} {per_second:>9.0} req/s  ({micros:.0} µs/call)");
}
