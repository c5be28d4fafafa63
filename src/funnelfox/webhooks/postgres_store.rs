//! Claims in PostgreSQL (feature `postgres`), shared by every replica: one row
//! per event in one table, `held` with its token until the lease ends while a
//! handler runs, `done` until the retention ends after. Every time is the
//! server's (`now()`), never a replica's, so replicas with skewed clocks agree.
//!
//! The client is `tokio-postgres` (async on tokio, maintained, no TLS stack of
//! its own) pooled by `deadpool-postgres` (a small pool with connect, wait and
//! recycle timeouts; a connection that died is dropped and a new one made, so
//! the store works again as soon as the server is back).

use super::claims::{Claim, ClaimToken, Deduplicator, Pending, StoreError};
use crate::runtime::pg::{self, quote, timed};
use deadpool_postgres::Pool;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
/// Expired rows are purged every this many claims, at most `PURGE_BATCH` at a
/// time: each claim adds at most one row, so purging outpaces growth.
const PURGE_EVERY: u64 = 256;
const PURGE_BATCH: i64 = 1024;

/// The statements of one table, its name validated and quoted once.
#[derive(Debug)]
struct Sql {
    table: String,
    claim: String,
    state: String,
    complete: String,
    release: String,
    purge: String,
}

impl Sql {
    fn new(table: &str) -> Result<Self, StoreError> {
        let quoted = quote(table)?;
        let t = &quoted;
        Ok(Self {
            table: table.to_string(),
            // Inserts the key, or takes over its row only when that row has
            // expired (a dead holder's lease, a done key past its retention);
            // a row is returned only when this caller now holds the claim.
            claim: format!(
                "INSERT INTO {t} AS c (key, token, state, expires_at) \
                 VALUES ($1, $2, 'held', now() + $3::bigint * interval '1 millisecond') \
                 ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, state = 'held', \
                 expires_at = EXCLUDED.expires_at WHERE c.expires_at <= now() RETURNING c.token"
            ),
            state: format!("SELECT state = 'done' AND expires_at > now(), expires_at > now() FROM {t} WHERE key = $1"),
            complete: format!(
                "UPDATE {t} SET state = 'done', expires_at = now() + $3::bigint * interval '1 millisecond' \
                 WHERE key = $1 AND token = $2 AND state = 'held'"
            ),
            release: format!("DELETE FROM {t} WHERE key = $1 AND token = $2 AND state = 'held'"),
            purge: format!(
                "DELETE FROM {t} WHERE key IN (SELECT key FROM {t} WHERE expires_at <= now() \
                 LIMIT $1 FOR UPDATE SKIP LOCKED)"
            ),
        })
    }

    /// The table and its index, made unless the table exists already (so a
    /// role without CREATE can use a table an administrator made).
    fn create(&self) -> Result<String, StoreError> {
        let t = quote::<StoreError>(&self.table)?;
        let index = pg::index_name::<StoreError>(&self.table, "expires_at")?;
        Ok(format!(
            "CREATE TABLE IF NOT EXISTS {t} (key text PRIMARY KEY, token text NOT NULL, \
             state text NOT NULL CHECK (state IN ('held', 'done')), expires_at timestamptz NOT NULL); \
             CREATE INDEX IF NOT EXISTS {index} ON {t} (expires_at)"
        ))
    }
}

/// A [`Deduplicator`] in PostgreSQL, for several replicas (feature `postgres`).
///
/// [`connect`](Self::connect) makes the table (`billing_webhook_claims`) if it
/// is missing. The connection is plain TCP (`NoTls`), meant for loopback or a
/// private network; for TLS, build a [`deadpool_postgres::Pool`] with your
/// connector (for instance `tokio-postgres-rustls`, over the rustls this crate
/// already uses) and hand it to [`with_pool`](Self::with_pool).
///
/// ```no_run
/// # async fn run() -> Result<(), billing_clients::funnelfox::webhooks::StoreError> {
/// use billing_clients::funnelfox::webhooks::PostgresDeduplicator;
///
/// let store = PostgresDeduplicator::connect("postgres://billing:secret@db.internal/billing").await?;
/// // Or another table, through the same pool settings:
/// let pool = PostgresDeduplicator::pool("postgres://billing:secret@db.internal/billing")?;
/// let other = PostgresDeduplicator::with_pool(pool, "webhooks.claims").await?;
/// # let _ = (store, other); Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresDeduplicator {
    pool: Pool,
    sql: Arc<Sql>,
    retention: Duration,
    claims: Arc<AtomicU64>,
}

impl fmt::Debug for PostgresDeduplicator {
    // The pool's settings hold the password: only the table and retention.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresDeduplicator")
            .field("table", &self.sql.table)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl pg::Failure for StoreError {
    fn message(message: String) -> Self {
        StoreError(message)
    }
}

fn failed(e: impl fmt::Display) -> StoreError {
    pg::failed(e)
}

impl PostgresDeduplicator {
    /// The table a store uses unless told otherwise.
    pub const DEFAULT_TABLE: &str = "billing_webhook_claims";

    /// Connect to the PostgreSQL at `url` (`postgres://user:password@host:port/db`
    /// or `host=… user=…`), make the table [`Self::DEFAULT_TABLE`] if missing, keep
    /// done keys 48 hours. Connecting and waiting for a pooled connection take at
    /// most 2 s each, an operation 5 s in all: a store that is down fails soon.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::with_pool(Self::pool(url)?, Self::DEFAULT_TABLE).await
    }

    /// The pool [`connect`](Self::connect) uses: at most 16 connections, plain
    /// TCP, the timeouts above. No connection is made yet.
    pub fn pool(url: &str) -> Result<Pool, StoreError> {
        pg::pool(url)
    }

    /// A store over your own `pool` (TLS, other limits), in `table` (`name` or
    /// `schema.name`), made if missing, with its index on `expires_at`.
    pub async fn with_pool(pool: Pool, table: &str) -> Result<Self, StoreError> {
        let store = Self {
            pool,
            sql: Arc::new(Sql::new(table)?),
            retention: Duration::from_secs(48 * 3600),
            claims: Arc::default(),
        };
        timed(store.ensure_schema()).await?;
        timed(store.purge()).await?;
        Ok(store)
    }

    /// How long a done key is kept (FunnelFox's retries end within a day); it is
    /// claimable again after.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The table's name, as given.
    pub fn table(&self) -> &str {
        &self.sql.table
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        pg::client(&self.pool).await
    }

    async fn ensure_schema(&self) -> Result<(), StoreError> {
        pg::ensure_table(&self.pool, &self.sql.table, &self.sql.create()?).await
    }

    /// Delete a batch of expired rows (dead holders' claims, done keys past
    /// their retention); rows another replica is touching are skipped.
    async fn purge(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&self.sql.purge).await.map_err(failed)?;
        client.execute(&statement, &[&PURGE_BATCH]).await.map_err(failed)
    }

    async fn try_claim(&self, key: &str, lease: Duration) -> Result<Claim, StoreError> {
        let client = self.client().await?;
        let claim = client.prepare_cached(&self.sql.claim).await.map_err(failed)?;
        let state = client.prepare_cached(&self.sql.state).await.map_err(failed)?;
        // The claim is the one atomic statement; reading the state after it
        // only chooses between Done and InProgress. That read is a later
        // snapshot: the row may have changed in between, yet "done" is only
        // ever written by the claim's holder after its handler succeeded, so
        // Done is never wrong; every other row (live, expired, gone: released
        // or purged in between) means no claim was had and the key may be
        // free now, so claim again, and answer InProgress (FunnelFox retries,
        // nothing is lost) only if it stays taken.
        for _ in 0..3 {
            let token = ClaimToken::new();
            let won = client
                .query_opt(&claim, &[&key, &token.as_str(), &millis(lease)])
                .await
                .map_err(failed)?;
            if won.is_some() {
                return Ok(Claim::Claimed(token));
            }
            match client.query_opt(&state, &[&key]).await.map_err(failed)? {
                Some(row) if row.get::<_, bool>(0) => return Ok(Claim::Done),
                Some(row) if row.get::<_, bool>(1) => return Ok(Claim::InProgress),
                _ => continue,
            }
        }
        Ok(Claim::InProgress)
    }

    /// Run `sql` (complete or release) for the holder of `token`: a token whose
    /// row another claim has taken over (or that is done) matches no row.
    async fn if_held(
        &self,
        sql: &str,
        key: &str,
        token: &ClaimToken,
        retention: Option<i64>,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(failed)?;
        match retention {
            Some(ms) => client.execute(&statement, &[&key, &token.as_str(), &ms]).await,
            None => client.execute(&statement, &[&key, &token.as_str()]).await,
        }
        .map_err(failed)?;
        Ok(())
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX).max(1)
}

impl Deduplicator for PostgresDeduplicator {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> Pending<'a, Claim> {
        Box::pin(async move {
            // A claim cut short by the timeout may still have been made on the
            // server; nobody has its token, so it ends with its lease.
            let claim = timed(self.try_claim(key, lease)).await?;
            if self.claims.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
                // Housekeeping: its failure is not the claim's.
                if let Err(e) = timed(self.purge()).await {
                    tracing::debug!(error = %e, "purging expired webhook claims failed");
                }
            }
            Ok(claim)
        })
    }

    fn complete<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        // The holder's row becomes done even if its lease ran out meanwhile:
        // the token still matching means nobody else claimed the key since.
        Box::pin(timed(self.if_held(
            &self.sql.complete,
            key,
            token,
            Some(millis(self.retention)),
        )))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> Pending<'a, ()> {
        Box::pin(timed(self.if_held(&self.sql.release, key, token, None)))
    }
}
