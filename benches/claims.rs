//! Webhook claims per second for each claim store: claim + complete cycles on
//! distinct keys, one after another and from concurrent tasks. Memory always;
//! Redis and PostgreSQL with their features, against real servers on loopback
//! started by `billing_clients::testing::servers` (a missing one fails).
//!
//! `cargo bench --bench claims --features redis,postgres`

use billing_clients::funnelfox::webhooks::{Claim, Deduplicator, LEASE, MemoryDeduplicator};
use std::sync::Arc;
use std::time::Instant;

/// Cycles per measurement against a server (the memory store does 50 times more).
const N: usize = 2000;
/// Concurrent tasks in the concurrent measurement (N / TASKS cycles each).
const TASKS: usize = 32;
/// Cycles before measuring (connections, prepared statements).
const WARM_UP: usize = 100;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    println!("claim + complete cycles on distinct keys; concurrent = {TASKS} tasks; release build, loopback");
    println!(
        "{:<10} {:<12} {:>8} {:>9} {:>11}",
        "store", "mode", "cycles", "seconds", "claims/s"
    );
    measure("memory", Arc::new(MemoryDeduplicator::default()), 50 * N).await;

    #[cfg(feature = "redis")]
    {
        use billing_clients::testing::servers::RedisServer;
        let server = RedisServer::start().unwrap_or_else(|e| panic!("{e}"));
        let store = billing_clients::funnelfox::webhooks::RedisDeduplicator::connect(&server.url())
            .await
            .expect("Redis");
        measure("redis", Arc::new(store), N).await;
    }

    #[cfg(feature = "postgres")]
    {
        use billing_clients::testing::servers::PostgresServer;
        let server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
        let store = billing_clients::funnelfox::webhooks::PostgresDeduplicator::connect(&server.url())
            .await
            .expect("PostgreSQL");
        measure("postgres", Arc::new(store), N).await;
    }
}

/// One claim + complete on `key`.
async fn cycle(store: &dyn Deduplicator, key: &str) {
    match store.claim(key, LEASE).await.expect("the store answers") {
        Claim::Claimed(token) => store.complete(key, &token).await.expect("the store answers"),
        other => panic!("{key}: {other:?}"),
    }
}

async fn measure(name: &str, store: Arc<dyn Deduplicator>, n: usize) {
    for i in 0..WARM_UP {
        cycle(&*store, &format!("warm-{i}")).await;
    }

    let started = Instant::now();
    for i in 0..n {
        cycle(&*store, &format!("seq-{i}")).await;
    }
    report(name, "sequential", n, started);

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..n / TASKS {
                    cycle(&*store, &format!("par-{t}-{i}")).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    report(name, "concurrent", n / TASKS * TASKS, started);
}

fn report(name: &str, mode: &str, n: usize, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!("{name:<10} {mode:<12} {n:>8} {secs:>9.3} {:>11.0}", n as f64 / secs);
}
