//! Webhook claim stores, each through the same suite (`support/claims.rs`):
//! memory always; Redis with the `redis` feature and PostgreSQL with the
//! `postgres` feature, each against a real server the test starts on a free
//! loopback port and stops by PID (`billing_clients::testing::servers`). A
//! missing server fails these tests: it is never skipped.

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
    use billing_clients::funnelfox::webhooks::{Claim, Deduplicator, LEASE, RedisDeduplicator};
    use billing_clients::testing::servers::RedisServer;
    use std::sync::Arc;

    #[tokio::test]
    async fn the_redis_store_passes_the_suite_and_fails_closed_while_down() {
        let mut server = RedisServer::start().unwrap_or_else(|e| panic!("{e}"));
        let store = RedisDeduplicator::connect(&server.url()).await.unwrap();
        support::claims::suite(Arc::new(store.clone()), "redis").await;

        // Two replicas share it: a claim by one is seen by the other.
        let other = RedisDeduplicator::connect(&server.url()).await.unwrap();
        let Claim::Claimed(_) = store.claim("shared", LEASE).await.unwrap() else {
            panic!("not claimed")
        };
        assert_eq!(other.claim("shared", LEASE).await.unwrap(), Claim::InProgress);

        support::claims::down_and_back(&store, &mut server, RedisServer::stop, |s| s.restart().unwrap()).await;
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::support;
    use billing_clients::funnelfox::webhooks::{Claim, Deduplicator, LEASE, PostgresDeduplicator};
    use billing_clients::testing::servers::PostgresServer;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn the_postgres_store_passes_the_suite_and_fails_closed_while_down() {
        let mut server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
        let store = PostgresDeduplicator::connect(&server.url()).await.unwrap();
        support::claims::suite(Arc::new(store.clone()), "postgres").await;

        // Two replicas share the table: a claim by one is seen by the other,
        // and so is its completion.
        let other = PostgresDeduplicator::connect(&server.url()).await.unwrap();
        let Claim::Claimed(token) = store.claim("shared", LEASE).await.unwrap() else {
            panic!("not claimed")
        };
        assert_eq!(other.claim("shared", LEASE).await.unwrap(), Claim::InProgress);
        store.complete("shared", &token).await.unwrap();
        assert_eq!(other.claim("shared", LEASE).await.unwrap(), Claim::Done);

        support::claims::down_and_back(&store, &mut server, PostgresServer::stop, |s| s.restart().unwrap()).await;
        // The table and its rows outlived the restart.
        assert_eq!(other.claim("shared", LEASE).await.unwrap(), Claim::Done);
    }

    /// Done keys are claimable again after the retention; another table is
    /// another set of claims; names that are not identifiers are refused; the
    /// password never shows in `Debug`.
    #[tokio::test]
    async fn the_postgres_store_keeps_done_keys_for_its_retention() {
        let server = PostgresServer::start().unwrap_or_else(|e| panic!("{e}"));
        let short = PostgresDeduplicator::connect(&server.url())
            .await
            .unwrap()
            .retention(Duration::from_millis(50));
        let Claim::Claimed(token) = short.claim("k", LEASE).await.unwrap() else {
            panic!("not claimed")
        };
        short.complete("k", &token).await.unwrap();
        assert_eq!(short.claim("k", LEASE).await.unwrap(), Claim::Done);
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(matches!(short.claim("k", LEASE).await.unwrap(), Claim::Claimed(_)));

        // Expired rows are purged (here by the purge each connect runs).
        let Claim::Claimed(token) = short.claim("gone", Duration::from_millis(10)).await.unwrap() else {
            panic!("not claimed")
        };
        short.complete("gone", &token).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        let pool = PostgresDeduplicator::pool(&server.url()).unwrap();
        let _ = PostgresDeduplicator::with_pool(pool.clone(), "billing_webhook_claims")
            .await
            .unwrap();
        let expired: i64 = pool
            .get()
            .await
            .unwrap()
            .query_one(
                "SELECT count(*) FROM billing_webhook_claims WHERE expires_at <= now()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(expired, 0, "expired rows are purged");

        let pool = PostgresDeduplicator::pool(&server.url()).unwrap();
        let elsewhere = PostgresDeduplicator::with_pool(pool, "public.other_claims")
            .await
            .unwrap();
        assert!(matches!(elsewhere.claim("k", LEASE).await.unwrap(), Claim::Claimed(_)));
        for bad in ["x; DROP TABLE y", "a.b.c", "\"q\"", "", "1abc"] {
            let pool = PostgresDeduplicator::pool(&server.url()).unwrap();
            assert!(PostgresDeduplicator::with_pool(pool, bad).await.is_err(), "{bad:?}");
        }

        let secret = format!(
            "postgres://postgres:hunter2-secret@127.0.0.1:{}/postgres",
            server.port()
        );
        let store = PostgresDeduplicator::connect(&secret).await.unwrap(); // trust: the password is unused
        assert!(!format!("{store:?}").contains("hunter2"));
        let bad_url = PostgresDeduplicator::connect("postgres://u:hunter2@127.0.0.1:notaport/db")
            .await
            .unwrap_err();
        assert!(!bad_url.to_string().contains("hunter2"), "{bad_url}");
    }
}
