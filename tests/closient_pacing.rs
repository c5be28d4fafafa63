//! Pacing from Closient's rate-limit headers, against `FakeClosient`'s per-key
//! windows: four client processes sharing one key meet no 429 and use the
//! window; without pacing the same burst meets 429s. Also the fake's headers
//! and refusals, what a client exposes of them, and the debug event of a delay.
//!
//! The processes are this test binary run again (`child_process` below, told
//! what to do by the environment variable `PACING_CHILD`).

mod support;

use billing_clients::RetryPolicy;
use billing_clients::closient::Client;
use billing_clients::runtime::pacing::Pacer;
use billing_clients::testing::{FakeClosient, Role};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CHILD: &str = "PACING_CHILD";
const CALLS: u64 = 30;
const LIMIT: u64 = 30;
const WINDOW: Duration = Duration::from_secs(2);

fn unix_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

/// A client process: `CALLS` calls one after another, as fast as the client
/// lets it; prints `RESULT ok failed first_ms last_ms`.
#[test]
fn child_process() {
    let Ok(task) = std::env::var(CHILD) else { return };
    let [url, key, org, pacing]: [&str; 4] = task.split(' ').collect::<Vec<_>>().try_into().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::builder(key)
            .base_url(url)
            .pacing(pacing == "on")
            .build()
            .unwrap();
        let (mut ok, mut failed) = (0, 0);
        let first = unix_ms();
        for _ in 0..CALLS {
            match client.get_balance(org).await {
                Ok(_) => ok += 1,
                Err(_) => failed += 1,
            }
        }
        // On its own line: libtest writes its "test child_process ..." first.
        println!("\nRESULT {ok} {failed} {first} {}", unix_ms());
    });
}

struct Burst {
    served: u64,
    failed: u64,
    refused: usize,
    elapsed: Duration,
}

impl Burst {
    /// Window use: calls served ÷ what the window allows in the time they took
    /// (from the first call sent to the last answer, over all processes):
    /// served ÷ (limit × elapsed ÷ window). Fixed windows let a burst straddle
    /// a reset, so a short burst can exceed 1.
    fn window_use(&self) -> f64 {
        self.served as f64 / (LIMIT as f64 * self.elapsed.as_secs_f64() / WINDOW.as_secs_f64())
    }
}

/// Four processes sharing a fresh key make their calls at once.
async fn burst(fake: &FakeClosient, org: &str, pacing: bool) -> Burst {
    let key = fake.add_key(org, Role::Member);
    let refused_before = fake.rate_limited();
    let task = format!("{} {key} {org} {}", fake.base_url(), if pacing { "on" } else { "off" });
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_process", "--nocapture", "--test-threads=1"])
                .env(CHILD, &task)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Waited for off the runtime, which serves the fake meanwhile.
    let outputs = tokio::task::spawn_blocking(|| {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let (mut served, mut failed, mut first, mut last) = (0, 0, u128::MAX, 0);
    for output in outputs {
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|l| Some(&l[l.find("RESULT ")? + 7..]))
            .unwrap_or_else(|| panic!("a result line in {stdout}"));
        let n: Vec<u128> = line.split(' ').map(|v| v.parse().unwrap()).collect();
        served += n[0] as u64;
        failed += n[1] as u64;
        first = first.min(n[2]);
        last = last.max(n[3]);
    }
    Burst {
        served,
        failed,
        refused: fake.rate_limited() - refused_before,
        elapsed: Duration::from_millis((last - first) as u64),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_sharing_a_key_pace_themselves_and_meet_no_429() {
    let fake = FakeClosient::start().await;
    fake.set_rate_limit(LIMIT, WINDOW);
    let org = fake.add_org();

    let paced = burst(&fake, &org, true).await;
    let unpaced = burst(&fake, &org, false).await;
    eprintln!(
        "paced: {} served, {} failed, {} 429s, {:?}, window use {:.0} %; unpaced: {} served, {} failed, {} 429s, {:?}",
        paced.served,
        paced.failed,
        paced.refused,
        paced.elapsed,
        paced.window_use() * 100.0,
        unpaced.served,
        unpaced.failed,
        unpaced.refused,
        unpaced.elapsed,
    );
    assert_eq!((paced.served, paced.failed, paced.refused), (4 * CALLS, 0, 0));
    assert!(paced.window_use() >= 0.8, "window use {:.2}", paced.window_use());
    assert!(unpaced.refused > 0, "without pacing the burst meets 429s");
}

#[tokio::test]
async fn the_fake_counts_per_key_and_sends_both_generations_of_headers() {
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let (key, other) = (fake.add_key(&org, Role::Member), fake.add_key(&org, Role::Member));
    let url = format!("{}/billing/balance/{org}", fake.base_url());
    let http = billing_clients::http_client_builder().unwrap().build().unwrap();
    let get = |key: &str| http.get(&url).header("x-api-key", key).send();
    let header = |r: &reqwest::Response, name: &str| r.headers()[name].to_str().unwrap().to_string();

    // The documented default: 300 a minute, 10,000 a day.
    let r = get(&key).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "ratelimit-policy"), "300;w=60, 10000;w=86400");
    assert_eq!(header(&r, "ratelimit-limit"), "300");
    assert_eq!(header(&r, "ratelimit-remaining"), "299");
    let reset: u64 = header(&r, "ratelimit-reset").parse().unwrap();
    assert!((1..=60).contains(&reset), "{reset}");
    assert_eq!(header(&r, "x-ratelimit-limit"), "300");
    assert_eq!(header(&r, "x-ratelimit-remaining"), "299");
    let at: u64 = header(&r, "x-ratelimit-reset").parse().unwrap();
    let now = (unix_ms() / 1000) as u64;
    assert!(
        at > now && at <= now + 60 && at.is_multiple_of(60),
        "absolute, on the minute: {at}"
    );
    assert!(r.headers().get("retry-after").is_none());

    // Per key, every answer (a 404 too); past the limit a 429 with Retry-After.
    fake.set_rate_limit(2, Duration::from_secs(60));
    let r = get(&key).await.unwrap();
    assert_eq!(header(&r, "ratelimit-policy"), "2;w=60");
    assert_eq!(header(&r, "ratelimit-remaining"), "1");
    let r = http
        .get(format!("{}/nowhere", fake.base_url()))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), header(&r, "ratelimit-remaining")),
        (404, "0".into())
    );
    let r = get(&key).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(header(&r, "ratelimit-remaining"), "0");
    let wait: u64 = header(&r, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert_eq!(
        get(&other).await.unwrap().status(),
        200,
        "another key has its own count"
    );
    assert_eq!(fake.rate_limited(), 1);

    // Publishable keys: 100 a minute.
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let cpk = billing_clients::closient::api_key::with_checksum("cpk", &"b".repeat(32));
    fake.grant(&cpk, &org, Role::Member);
    let url = format!("{}/billing/balance/{org}", fake.base_url());
    let r = http.get(&url).header("x-api-key", &cpk).send().await.unwrap();
    assert_eq!(header(&r, "ratelimit-policy"), "100;w=60, 10000;w=86400");
    assert_eq!(header(&r, "ratelimit-remaining"), "99");
}

#[tokio::test]
async fn a_client_shows_what_the_server_said_and_a_429_carries_it() {
    let fake = FakeClosient::start().await;
    let org = fake.add_org();
    let key = fake.add_key(&org, Role::Member);
    let pacer = Pacer::new();
    let client = Client::builder(&key)
        .base_url(fake.base_url())
        .pacer(pacer.clone())
        .build()
        .unwrap();
    assert_eq!(pacer.last_seen(), None);
    client.get_balance(&org).await.unwrap();
    let seen = pacer.last_seen().unwrap();
    assert_eq!((seen.limit, seen.remaining), (Some(300), 299));
    assert_eq!(seen.window, Some(Duration::from_secs(60)));

    // A 429 (not retried here) carries the counters.
    fake.set_rate_limit(1, Duration::from_secs(60));
    let unpaced = fake.client(&key);
    unpaced.get_balance(&org).await.unwrap();
    let e = Client::builder(&key)
        .base_url(fake.base_url())
        .pacing(false)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .get_balance(&org)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(429));
    let limits = e.rate_limit().expect("the counters of the 429");
    assert_eq!((limits.limit, limits.remaining), (Some(1), 0));
    assert!(limits.reset > Duration::ZERO && limits.reset <= Duration::from_secs(60));
    assert!(!format!("{e:?}{e}").contains(&key), "no key in the error");
}

#[tokio::test(flavor = "current_thread")]
async fn a_delay_is_a_debug_event_with_its_length() {
    let fake = FakeClosient::start().await;
    fake.set_rate_limit(4, Duration::from_secs(1));
    let org = fake.add_org();
    let key = fake.add_key(&org, Role::Member);
    let client = fake.client(&key);
    let (guard, log) = support::capture_tracing();
    for _ in 0..6 {
        client.get_balance(&org).await.unwrap();
    }
    drop(guard);
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("pacing delays the call") && log.contains("delay_ms="),
        "{log}"
    );
    assert!(!log.contains(&key));
    assert_eq!(fake.rate_limited(), 0);
}
