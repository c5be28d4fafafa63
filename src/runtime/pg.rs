//! What every PostgreSQL store of this crate shares (feature `postgres`): the
//! pool and its timeouts, the quoted table name, the table made once under an
//! advisory lock, and the timeout of an operation as a whole. The webhook
//! claims (`PostgresDeduplicator`) and the intent journal (`PostgresJournal`)
//! differ only in their statements and their error type.

use deadpool_postgres::tokio_postgres::{self, NoTls};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

/// How long connecting, waiting for a pooled connection, or one statement may
/// take: a store that is down fails the operation rather than hanging.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(2);
/// An operation as a whole (a connection, then at most a few statements).
pub(crate) const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);

/// A store's error type, made from a message (`StoreError`, `JournalError`).
pub(crate) trait Failure: Sized {
    fn message(message: String) -> Self;
}

/// A PostgreSQL failure as the store's error.
pub(crate) fn failed<E: Failure>(e: impl fmt::Display) -> E {
    E::message(format!("PostgreSQL: {e}"))
}

/// `name` or `schema.name` with each part an unquoted-style identifier (letters,
/// digits, `_`; at most 48 characters), double-quoted: nothing else reaches SQL.
pub(crate) fn quote<E: Failure>(name: &str) -> Result<String, E> {
    let parts: Vec<&str> = name.split('.').collect();
    let fits = |p: &&str| {
        !p.is_empty()
            && p.len() <= 48
            && !p.starts_with(|c: char| c.is_ascii_digit())
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if parts.len() > 2 || !parts.iter().all(fits) {
        return Err(E::message(format!(
            "the table name {name:?} is not `name` or `schema.name` of letters, digits and _"
        )));
    }
    Ok(parts.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join("."))
}

/// The quoted name of an index of `table`: `<table>_<suffix>` (in the table's
/// schema, as PostgreSQL places an index).
pub(crate) fn index_name<E: Failure>(table: &str, suffix: &str) -> Result<String, E> {
    quote(&format!("{}_{suffix}", table.rsplit('.').next().unwrap_or_default()))
}

/// The pool of the stores' `connect`: at most 16 connections, plain TCP, the
/// timeouts above. No connection is made yet.
pub(crate) fn pool<E: Failure>(url: &str) -> Result<Pool, E> {
    // The parser's error may quote the URL, password included: not passed on.
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|_| E::message("PostgreSQL: the connection URL is not valid".into()))?;
    config.connect_timeout(TIMEOUT).application_name("billing-clients");
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(16)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(TIMEOUT))
        .create_timeout(Some(TIMEOUT))
        .recycle_timeout(Some(TIMEOUT))
        .build()
        .map_err(failed)
}

/// A pooled connection.
pub(crate) async fn client<E: Failure>(pool: &Pool) -> Result<deadpool_postgres::Object, E> {
    pool.get().await.map_err(failed)
}

/// Run `create` (the table and its indexes, each `IF NOT EXISTS`) unless
/// `table` exists already, so that a role without CREATE can use a table an
/// administrator made.
pub(crate) async fn ensure_table<E: Failure>(pool: &Pool, table: &str, create: &str) -> Result<(), E> {
    let mut client = client(pool).await?;
    let quoted = quote::<E>(table)?;
    let exists = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&quoted])
        .await
        .map_err(failed)?;
    if exists.get::<_, bool>(0) {
        return Ok(());
    }
    // Replicas starting together: `IF NOT EXISTS` alone can still collide in
    // the catalog, so one at a time under a transaction-scoped advisory lock.
    let tx = client.transaction().await.map_err(failed)?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&quoted])
        .await
        .map_err(failed)?;
    tx.batch_execute(create).await.map_err(failed)?;
    tx.commit().await.map_err(failed)
}

/// At most [`OPERATION_TIMEOUT`] for `op`: a server that accepts but never
/// answers fails the operation too.
pub(crate) async fn timed<T, E: Failure>(op: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    tokio::time::timeout(OPERATION_TIMEOUT, op)
        .await
        .unwrap_or_else(|_| Err(E::message("PostgreSQL did not answer in time".into())))
}
