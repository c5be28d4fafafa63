//! Claims in Redis (feature `redis`), shared by every replica: one key per
//! event, `held:<token>` with the lease as its expiry while a handler runs,
//! `done` with the retention as its expiry after. Each operation is one Lua
//! script, so a claim is atomic on the server. The client is the `redis` crate
//! (redis-rs: async on tokio, maintained, the common choice) through its
//! `ConnectionManager`: one multiplexed connection per store, shared by every
//! claim and re-established after a failure, so no pool is needed.

use super::claims::{Claim, ClaimToken, Deduplicator, Pending, StoreError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::LazyLock;
use std::time::Duration;

static CLAIM: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local v = redis.call('GET', KEYS[1])
          if v == 'done' then return 'done' end
          if v then return 'held' end
          redis.call('SET', KEYS[1], 'held:' .. ARGV[1], 'PX', ARGV[2])
          return 'claimed'",
    )
});

static COMPLETE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"if redis.call('GET', KEYS[1]) == 'held:' .. ARGV[1] then
            redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
          end
          return 1",
    )
});

static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"if redis.call('GET', KEYS[1]) == 'held:' .. ARGV[1] then
            redis.call('DEL', KEYS[1])
          end
          return 1",
    )
});

/// A [`Deduplicator`] in Redis, for several replicas (feature `redis`).
///
/// ```no_run
/// # async fn run() -> Result<(), billing_clients::funnelfox::webhooks::StoreError> {
/// use billing_clients::funnelfox::webhooks::RedisDeduplicator;
///
/// let store = RedisDeduplicator::connect("redis://127.0.0.1:6379/").await?;
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisDeduplicator {
    redis: ConnectionManager,
    prefix: String,
    retention: Duration,
}

impl std::fmt::Debug for RedisDeduplicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDeduplicator")
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

fn failed(e: redis::RedisError) -> StoreError {
    StoreError(e.to_string())
}

impl RedisDeduplicator {
    /// Connect to the Redis at `url` (`redis://host:port/db`, credentials in
    /// the URL if any). Keys are `billing-clients:webhook:<event key>`, done
    /// keys kept 48 hours; each command waits at most 2 s for Redis, so a store
    /// that is down fails the claim (503) rather than hanging the endpoint.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(failed)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let redis = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(failed)?;
        Ok(Self {
            redis,
            prefix: "billing-clients:webhook:".into(),
            retention: Duration::from_secs(48 * 3600),
        })
    }

    /// Keys under this prefix instead (several endpoints on one Redis).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a done key is kept (FunnelFox's retries end within a day).
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Run `script` (complete or release) on `key` for the holder of `token`;
    /// a script that takes no retention ignores the argument.
    async fn if_held(&self, script: &redis::Script, key: &str, token: &ClaimToken) -> Result<(), StoreError> {
        let mut redis = self.redis.clone();
        let _: i64 = script
            .key(self.key(key))
            .arg(token.as_str())
            .arg(millis(self.retention))
            .invoke_async(&mut redis)
            .await
            .map_err(failed)?;
        Ok(())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Deduplicator for RedisDeduplicator {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> Pending<'a, Claim> {
        Box::pin(async move {
            let token = ClaimToken::new();
            let mut redis = self.redis.clone();
            let found: String = CLAIM
                .key(self.key(key))
                .arg(token.as_str())
                .arg(millis(lease))
                .invoke_async(&mut redis)
                .await
                .map_err(failed)?;
            match found.as_str() {
                "claimed" => Ok(Claim::Claimed(token)),
                "done" => Ok(Claim::Done),
                "held" => Ok(Claim::InProgress),
                other => Err(StoreError(format!("unexpected answer {other:?}"))),
            }
        })
    }

    fn complete<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        Box::pin(self.if_held(&COMPLETE, key, token))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        Box::pin(self.if_held(&RELEASE, key, token))
    }
}
