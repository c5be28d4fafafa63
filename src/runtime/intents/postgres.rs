//! The journal in PostgreSQL (feature `postgres`), shared by every replica: one
//! row per intent key in one table, its key the primary key, so that `begin` is
//! one atomic statement and two replicas racing one intent send one request.
//!
//! The client and pool are the webhook claims' (`tokio-postgres` pooled by
//! `deadpool-postgres`, plain TCP, the same timeouts), through the shared
//! `runtime::pg`.

use super::journal::{Begin, Intent, Journal, JournalError, Pending, Record, State, now_ms};
use crate::runtime::pg::{self, quote, timed};
use deadpool_postgres::Pool;
use deadpool_postgres::tokio_postgres::Row;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// The columns a record is read from, in [`record`]'s order.
const COLUMNS: &str = "key, operation, body_hash, fields::text, started_at_ms, state, detail, updated_at_ms";

/// The statements of one table, its name validated and quoted once.
#[derive(Debug)]
struct Sql {
    table: String,
    begin: String,
    get: String,
    set: String,
    open: String,
}

impl Sql {
    fn new(table: &str) -> Result<Self, JournalError> {
        let t = &quote::<JournalError>(table)?;
        Ok(Self {
            table: table.to_string(),
            // Inserts the intent, or takes its row back to `sending` only when
            // it has not happened and the body is the same; a row comes back
            // only when this caller is to send. Two racing callers: the second
            // waits for the first's row, then finds it `sending` (the WHERE
            // is checked again on the row as committed) and gets no row.
            begin: format!(
                "INSERT INTO {t} AS j (key, operation, body_hash, fields, started_at_ms, state, detail, updated_at_ms) \
                 VALUES ($1, $2, $3, $4::text::jsonb, $5, 'sending', '', $6) \
                 ON CONFLICT (key) DO UPDATE SET state = 'sending', detail = '', updated_at_ms = EXCLUDED.updated_at_ms \
                 WHERE j.state = 'not_happened' AND j.body_hash = EXCLUDED.body_hash RETURNING j.key"
            ),
            get: format!("SELECT {COLUMNS} FROM {t} WHERE key = $1"),
            set: format!("UPDATE {t} SET state = $2, detail = $3, updated_at_ms = $4 WHERE key = $1"),
            open: format!(
                "SELECT {COLUMNS} FROM {t} WHERE state IN ('sending', 'in_doubt') ORDER BY started_at_ms, key"
            ),
        })
    }

    /// The table and its index of open intents, made unless the table exists.
    fn create(&self) -> Result<String, JournalError> {
        let t = quote::<JournalError>(&self.table)?;
        let index = pg::index_name::<JournalError>(&self.table, "open")?;
        Ok(format!(
            "CREATE TABLE IF NOT EXISTS {t} (key text PRIMARY KEY, operation text NOT NULL, \
             body_hash text NOT NULL, fields jsonb NOT NULL, started_at_ms bigint NOT NULL, \
             state text NOT NULL CHECK (state IN ('sending', 'answered', 'in_doubt', 'happened', 'not_happened')), \
             detail text NOT NULL, updated_at_ms bigint NOT NULL); \
             CREATE INDEX IF NOT EXISTS {index} ON {t} (started_at_ms) WHERE state IN ('sending', 'in_doubt')"
        ))
    }
}

/// A [`Journal`] in PostgreSQL, for several replicas (feature `postgres`).
///
/// [`connect`](Self::connect) makes the table (`billing_intents`) if it is
/// missing. The connection is plain TCP (`NoTls`), as for the webhook claims'
/// `PostgresDeduplicator`; for TLS, build a pool with your connector (the
/// re-exported `funnelfox::webhooks::deadpool_postgres`) and hand it to
/// [`with_pool`](Self::with_pool). Connecting and waiting for a pooled
/// connection take at most 2 s each, an operation 5 s in all: a journal that is
/// down fails the call before it sends.
///
/// ```no_run
/// # async fn run() -> Result<(), billing_clients::runtime::intents::JournalError> {
/// use billing_clients::runtime::intents::{Begin, Intent, Journal, PostgresJournal};
///
/// let journal = PostgresJournal::connect("postgres://billing:secret@db.internal/billing").await?;
/// let intent = Intent::new("upgrade-7781", "one_click", "9f2c…", serde_json::Map::new());
/// if let Begin::Send = journal.begin(&intent).await? {
///     // … this replica, and no other, sends it.
/// }
/// // Or another table, through the same pool settings:
/// let pool = PostgresJournal::pool("postgres://billing:secret@db.internal/billing")?;
/// let other = PostgresJournal::with_pool(pool, "billing.intents").await?;
/// # let _ = other; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresJournal {
    pool: Pool,
    sql: Arc<Sql>,
}

impl fmt::Debug for PostgresJournal {
    // The pool's settings hold the password: only the table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("table", &self.sql.table)
            .finish_non_exhaustive()
    }
}

impl pg::Failure for JournalError {
    fn message(message: String) -> Self {
        JournalError(message)
    }
}

fn failed(e: impl fmt::Display) -> JournalError {
    pg::failed(e)
}

impl PostgresJournal {
    /// The table a journal uses unless told otherwise.
    pub const DEFAULT_TABLE: &str = "billing_intents";

    /// Connect to the PostgreSQL at `url` (`postgres://user:password@host:port/db`
    /// or `host=… user=…`) and make the table [`Self::DEFAULT_TABLE`] if missing.
    pub async fn connect(url: &str) -> Result<Self, JournalError> {
        Self::with_pool(Self::pool(url)?, Self::DEFAULT_TABLE).await
    }

    /// The pool [`connect`](Self::connect) uses: at most 16 connections, plain
    /// TCP, the timeouts above. No connection is made yet.
    pub fn pool(url: &str) -> Result<Pool, JournalError> {
        pg::pool(url)
    }

    /// A journal over your own `pool` (TLS, other limits), in `table` (`name` or
    /// `schema.name`), made if missing (one replica at a time, under an
    /// advisory lock), with its index of open intents.
    pub async fn with_pool(pool: Pool, table: &str) -> Result<Self, JournalError> {
        let journal = Self {
            pool,
            sql: Arc::new(Sql::new(table)?),
        };
        timed(pg::ensure_table(&journal.pool, table, &journal.sql.create()?)).await?;
        Ok(journal)
    }

    /// The table's name, as given.
    pub fn table(&self) -> &str {
        &self.sql.table
    }

    async fn try_begin(&self, intent: &Intent) -> Result<Begin, JournalError> {
        let client = pg::client::<JournalError>(&self.pool).await?;
        let begin = client.prepare_cached(&self.sql.begin).await.map_err(failed)?;
        let get = client.prepare_cached(&self.sql.get).await.map_err(failed)?;
        let fields = Value::Object(intent.fields.clone()).to_string();
        // The insert is the one atomic statement; when it returns no row the
        // key was there, and the read after it answers its record. Rows are
        // never deleted by this crate: one gone in between (deleted by hand)
        // makes the key new, so begin again.
        for _ in 0..3 {
            let won = client
                .query_opt(
                    &begin,
                    &[
                        &intent.key,
                        &intent.operation,
                        &intent.body_hash,
                        &fields,
                        &intent.started_at_ms,
                        &now_ms(),
                    ],
                )
                .await
                .map_err(failed)?;
            if won.is_some() {
                return Ok(Begin::Send);
            }
            if let Some(row) = client.query_opt(&get, &[&intent.key]).await.map_err(failed)? {
                return Ok(Begin::Existing(record(&row)?));
            }
        }
        Err(JournalError(format!(
            "PostgreSQL: the record of {:?} kept vanishing",
            intent.key
        )))
    }

    async fn try_set(&self, key: &str, state: &State) -> Result<(), JournalError> {
        let client = pg::client::<JournalError>(&self.pool).await?;
        let set = client.prepare_cached(&self.sql.set).await.map_err(failed)?;
        client
            .execute(&set, &[&key, &state.name(), &state.detail(), &now_ms()])
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn query(&self, sql: &str, key: Option<&str>) -> Result<Vec<Record>, JournalError> {
        let client = pg::client::<JournalError>(&self.pool).await?;
        let statement = client.prepare_cached(sql).await.map_err(failed)?;
        let rows = match key {
            Some(key) => client.query(&statement, &[&key]).await,
            None => client.query(&statement, &[]).await,
        }
        .map_err(failed)?;
        rows.iter().map(record).collect()
    }
}

/// A record from a row of [`COLUMNS`].
fn record(row: &Row) -> Result<Record, JournalError> {
    let column = |e| JournalError(format!("PostgreSQL: an intent row that does not fit: {e}"));
    let fields: String = row.try_get(3).map_err(column)?;
    let fields = match serde_json::from_str(&fields) {
        Ok(Value::Object(fields)) => fields,
        _ => {
            return Err(JournalError(format!(
                "PostgreSQL: intent fields that are not an object: {fields}"
            )));
        }
    };
    let mut intent = Intent::new(
        row.try_get::<_, String>(0).map_err(column)?,
        row.try_get::<_, String>(1).map_err(column)?,
        row.try_get::<_, String>(2).map_err(column)?,
        fields,
    );
    intent.started_at_ms = row.try_get(4).map_err(column)?;
    let state = State::from_parts(row.try_get(5).map_err(column)?, row.try_get(6).map_err(column)?)?;
    let mut record = Record::new(intent, state);
    record.updated_at_ms = row.try_get(7).map_err(column)?;
    Ok(record)
}

impl Journal for PostgresJournal {
    fn begin<'a>(&'a self, intent: &'a Intent) -> Pending<'a, Begin> {
        // A begin cut short by the timeout may have been written: its intent
        // stays `sending` and nothing is sent, as after a crash while sending.
        Box::pin(timed(self.try_begin(intent)))
    }

    fn set<'a>(&'a self, key: &'a str, state: &'a State) -> Pending<'a, ()> {
        Box::pin(timed(self.try_set(key, state)))
    }

    fn get<'a>(&'a self, key: &'a str) -> Pending<'a, Option<Record>> {
        Box::pin(async move { Ok(timed(self.query(&self.sql.get, Some(key))).await?.pop()) })
    }

    fn open(&self) -> Pending<'_, Vec<Record>> {
        Box::pin(timed(self.query(&self.sql.open, None)))
    }
}
