//! A fleet of replicas: three webhook endpoint *processes* share one claim
//! store (Redis, then PostgreSQL); a month of events from the fake FunnelFox
//! reaches them through a loopback balancer that sends each event to two of
//! them at once and re-sends some later; one process is SIGKILLed in the
//! middle of a handler, and later the store is stopped for a while. Every
//! distinct event's side effect (a line in a file the processes append to)
//! happens exactly once, and none is lost.
//!
//! The endpoint processes are this test binary run again (`endpoint_process`,
//! ignored when the suite runs, started with `--ignored --exact`).

#![cfg(any(feature = "redis", feature = "postgres"))]

mod support;

use billing_clients::funnelfox::types as t;
use billing_clients::funnelfox::webhooks::{self, Delivery, Endpoint};
use billing_clients::testing::{FakeFunnelFox, PaymentOutcome, Redelivery};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::fleet::{Balancer, Replica};

/// Claims last two seconds here, so a killed holder's event runs again soon.
const LEASE: Duration = Duration::from_secs(2);

/// One endpoint process of the fleet (run by the fleet tests, not by itself):
/// its store's URL, the file of side effects and, for the victim, which handler
/// run hangs (after writing a marker, so the test knows when to kill it) come
/// from the environment.
#[test]
#[ignore = "an endpoint process; the fleet tests start it"]
fn endpoint_process() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let (store_url, effects) = (var("FLEET_STORE"), PathBuf::from(var("FLEET_EFFECTS")));
    let hang_on: Option<u32> = std::env::var("FLEET_HANG_ON").ok().and_then(|n| n.parse().ok());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let store = support::fleet::connect(&store_url).await;
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let handler = move |d: Delivery| {
            let run = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            let effects = effects.clone();
            async move {
                if hang_on == Some(run) {
                    std::fs::write(effects.with_extension("hanging"), &d.key).unwrap();
                    std::future::pending::<()>().await; // killed here
                }
                tokio::time::sleep(Duration::from_millis(10 + u64::from(run % 5) * 10)).await;
                // The side effect, last: one appended line per processed event.
                let mut file = std::fs::OpenOptions::new().append(true).create(true).open(&effects)?;
                file.write_all(format!("{}\n", d.key).as_bytes())
            }
        };
        let app = axum::Router::new().route("/hooks", Endpoint::new(store, handler).lease(LEASE).route());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening {}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        axum::serve(listener, app).await.unwrap();
    });
}

/// Subscriptions for `users` on the fake's clock, one of whose renewals fails
/// once, through a month and a week: trials, conversions, renewals, a retry.
async fn a_month(fake: &FakeFunnelFox, users: std::ops::Range<u32>) {
    let client = fake.client();
    for u in users {
        let user = format!("user-{u}");
        fake.add_user(&user, true);
        client
            .one_click(t::OneClick::builder().external_id(user.as_str()).pp_ident("pro_trial"))
            .await
            .unwrap();
    }
    fake.queue_outcome(PaymentOutcome::failed("insufficient funds"));
    for _ in 0..38 {
        fake.advance_days(1);
    }
}

/// Wait for the fake's deliveries, failing (never hanging) after two minutes.
async fn delivered(fake: &FakeFunnelFox) {
    tokio::time::timeout(Duration::from_secs(120), fake.webhooks_delivered())
        .await
        .expect("the fake's deliveries settled within two minutes");
}

/// Each event's key, and how often its side effect happened.
fn effects(path: &Path) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for key in std::fs::read_to_string(path).unwrap_or_default().lines() {
        *seen.entry(key.to_string()).or_insert(0) += 1;
    }
    seen
}

/// Every event the fake sent was acknowledged, and its side effect happened
/// exactly once.
fn assert_each_processed_once(fake: &FakeFunnelFox, effects_file: &Path) -> usize {
    let deliveries = fake.webhook_deliveries();
    let lost: Vec<_> = deliveries.iter().filter(|d| !d.acknowledged).collect();
    assert!(lost.is_empty(), "not acknowledged: {lost:#?}");
    let keys: std::collections::BTreeSet<String> = deliveries
        .iter()
        .map(|d| webhooks::dedup_key(&webhooks::parse(&serde_json::to_vec(&d.event).unwrap()).unwrap()))
        .collect();
    let done = effects(effects_file);
    let twice: Vec<_> = done.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "side effects not exactly once: {twice:?}");
    let missing: Vec<_> = keys.iter().filter(|k| !done.contains_key(*k)).collect();
    assert!(missing.is_empty(), "events never processed: {missing:?}");
    assert_eq!(done.len(), keys.len(), "no side effect for an event never sent");
    keys.len()
}

/// The whole scenario on one store: kill a replica mid-handler, then stop the
/// store for a while; `stop` and `start` take the store down and bring it back.
async fn a_fleet_processes_each_event_once(store_url: &str, stop: impl FnOnce(), start: impl FnOnce()) {
    let dir = tempdir();
    let effects_file = dir.join("effects");
    let mut replicas: Vec<Replica> = (0..3)
        .map(|i| Replica::start(store_url, &effects_file, (i == 0).then_some(5)))
        .collect();
    let balancer = Balancer::start(replicas.iter().map(Replica::url).collect()).await;
    let fake = FakeFunnelFox::start().await;
    fake.set_redelivery(Redelivery::new(
        40,
        Duration::from_millis(50),
        Duration::from_millis(500),
    ));
    fake.add_webhook_target(balancer.url());
    fake.add_trial_price_point("pro_trial", 7);

    // A month for six users; replica 0 hangs in its fifth handler and is killed.
    a_month(&fake, 0..6).await;
    let hanging = effects_file.with_extension("hanging");
    let started = Instant::now();
    while !hanging.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "replica 0 never hung");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    replicas[0].kill();
    delivered(&fake).await;
    balancer.resends_done().await;
    let killed_key = std::fs::read_to_string(&hanging).unwrap();
    assert_eq!(
        effects(&effects_file).get(&killed_key),
        Some(&1),
        "the killed run's event ran again, once"
    );
    let first = assert_each_processed_once(&fake, &effects_file);

    // The store down for a while: 503s (the handler does not run), then each
    // event processed once when it is back.
    stop();
    let before = fake.webhook_deliveries().len();
    a_month(&fake, 6..9).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    start();
    delivered(&fake).await;
    balancer.resends_done().await;
    let refused_while_down = fake.webhook_deliveries()[before..]
        .iter()
        .filter(|d| d.statuses.contains(&503))
        .count();
    assert!(refused_while_down > 0, "the store was down: some deliveries got 503");
    let all = assert_each_processed_once(&fake, &effects_file);
    println!(
        "{first} events, then {} more with the store down a while ({refused_while_down} met a 503); \
         balancer: {} forwarded twice, {} re-sent later",
        all - first,
        balancer.forwarded(),
        balancer.resent()
    );
    drop(replicas);
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "billing-fleet-{}-{}",
        std::process::id(),
        support::fleet::nonce()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread")]
async fn three_processes_sharing_redis_process_each_event_once() {
    use billing_clients::testing::servers::RedisServer;
    let redis = std::sync::Arc::new(std::sync::Mutex::new(RedisServer::start().unwrap()));
    let url = redis.lock().unwrap().url();
    let (a, b) = (redis.clone(), redis.clone());
    a_fleet_processes_each_event_once(
        &url,
        move || a.lock().unwrap().stop(),
        move || b.lock().unwrap().restart().unwrap(),
    )
    .await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread")]
async fn three_processes_sharing_postgres_process_each_event_once() {
    use billing_clients::testing::servers::PostgresServer;
    let pg = std::sync::Arc::new(std::sync::Mutex::new(PostgresServer::start().unwrap()));
    let url = pg.lock().unwrap().url();
    let (a, b) = (pg.clone(), pg.clone());
    a_fleet_processes_each_event_once(
        &url,
        move || a.lock().unwrap().stop(),
        move || b.lock().unwrap().restart().unwrap(),
    )
    .await;
}
