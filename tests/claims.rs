//! Webhook claim stores, each through the same suite (`support/claims.rs`):
//! memory always; Redis with the `redis` feature, against a real
//! `redis-server` the test starts on a free loopback port and stops by PID.

mod support;

use billing_clients::funnelfox::webhooks::{self, Claim, Deduplicator, MemoryDeduplicator};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn the_memory_store_passes_the_suite() {
    support::claims::suite(Arc::new(MemoryDeduplicator::default()), "memory").await;
}

/// The memory store's claims: one claimant at a time, done keys kept within
/// bounds and time, a released or expired claim claimable again, and a token
/// that no longer holds the claim changing nothing.
#[tokio::test]
async fn the_memory_store_keeps_done_keys_within_bounds_and_time() {
    let lease = Duration::from_secs(60);
    let claimed = |c: Claim| match c {
        Claim::Claimed(token) => token,
        other => panic!("not claimed: {other:?}"),
    };
    let store = MemoryDeduplicator::new(2, Duration::from_secs(60));
    for key in ["a", "b", "c"] {
        let token = claimed(store.claim(key, lease).await.unwrap());
        assert_eq!(store.claim(key, lease).await.unwrap(), Claim::InProgress);
        store.complete(key, &token).await.unwrap();
        assert_eq!(store.claim(key, lease).await.unwrap(), Claim::Done);
    }
    assert_eq!(store.claim("b", lease).await.unwrap(), Claim::Done);
    claimed(store.claim("a", lease).await.unwrap()); // the oldest went beyond the capacity

    let token = claimed(store.claim("failed", lease).await.unwrap());
    store.release("failed", &token).await.unwrap();
    let again = claimed(store.claim("failed", lease).await.unwrap());
    store.complete("failed", &token).await.unwrap();
    assert_eq!(
        store.claim("failed", lease).await.unwrap(),
        Claim::InProgress,
        "a stale token completes nothing"
    );
    store.complete("failed", &again).await.unwrap();

    let short = MemoryDeduplicator::new(10, Duration::from_millis(20));
    let dead = claimed(short.claim("x", Duration::from_millis(20)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(40)).await;
    let next = claimed(short.claim("x", lease).await.unwrap()); // the holder died: its lease ended
    short.complete("x", &dead).await.unwrap();
    short.complete("x", &next).await.unwrap();
    assert_eq!(short.claim("x", lease).await.unwrap(), Claim::Done);
    tokio::time::sleep(Duration::from_millis(40)).await;
    claimed(short.claim("x", lease).await.unwrap()); // forgotten after the ttl

    let no_id = webhooks::parse(br#"{"event_type": "order", "subtype": "settled", "event_timestamp": "2026-01-05T10:00:00", "external_id": "u"}"#).unwrap();
    assert_eq!(webhooks::dedup_key(&no_id), "ts:2026-01-05T10:00:00|order|settled|u");
}

#[cfg(feature = "redis")]
mod redis {
    use super::support;
    use billing_clients::funnelfox::webhooks::{Deduplicator, LEASE, RedisDeduplicator};
    use std::process::{Child, Command, Stdio};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A `redis-server` of the test's own on a free loopback port, without
    /// persistence; stopped (killed by PID) when dropped.
    struct RedisServer {
        child: Child,
        port: u16,
    }

    impl RedisServer {
        fn start(port: u16) -> Self {
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start redis-server ({e}): the `redis` feature's tests need it; install it (Debian: apt-get install redis-server)")
                });
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "redis-server did not start on {port}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Self { child, port }
        }

        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}/", self.port)
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn the_redis_store_passes_the_suite_and_fails_closed_while_down() {
        let port = free_port();
        let server = RedisServer::start(port);
        let store = RedisDeduplicator::connect(&server.url()).await.unwrap();
        support::claims::suite(Arc::new(store.clone()), "redis").await;

        // Two replicas share it: a claim by one is seen by the other.
        let other = RedisDeduplicator::connect(&server.url()).await.unwrap();
        let billing_clients::funnelfox::webhooks::Claim::Claimed(token) = store.claim("shared", LEASE).await.unwrap()
        else {
            panic!("not claimed")
        };
        assert_eq!(
            other.claim("shared", LEASE).await.unwrap(),
            billing_clients::funnelfox::webhooks::Claim::InProgress
        );

        // Down: every operation is an error, soon; the store is back with it.
        drop(server);
        let asked = Instant::now();
        assert!(store.claim("while-down", LEASE).await.is_err());
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "a store that is down answers soon"
        );
        let server = RedisServer::start(port);
        let mut back = false;
        for _ in 0..50 {
            if store.claim("after", LEASE).await.is_ok() {
                back = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(back, "claims work again once Redis is back");
        let _ = (token, server);
    }
}
