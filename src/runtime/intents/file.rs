//! The journal of one process in a file (feature `journal-file`): `redb`, an
//! embedded key-value store in pure Rust. Each operation is one transaction,
//! committed with `fsync` before its future resolves, so a record written by
//! `begin` or `set` survives the process being killed right after.
//!
//! Two tables: `intents` (key → the record as JSON) and `open_intents`
//! (`(started_at_ms, key)` of each record sending or in doubt), so that
//! [`Journal::open`] reads only the open records, already oldest first.

use super::journal::{Begin, Intent, Journal, JournalError, Pending, Record, State, begin_over, now_ms};
use redb::{Database, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const INTENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("intents");
const OPEN: TableDefinition<(i64, &str), ()> = TableDefinition::new("open_intents");

/// A [`Journal`] in one file, durable across crashes: for one process
/// (feature `journal-file`).
///
/// The file is locked while open (an exclusive `flock`): a second process, or a
/// second `FileJournal` of the same file in this process, fails to open it, and
/// the lock goes with the process that held it, so after a crash or a SIGKILL
/// the next process opens it (checking and, if needed, repairing it first).
/// Replicas that share intents need a shared store: [`PostgresJournal`].
///
/// Each operation runs on tokio's blocking pool (`spawn_blocking`) as one
/// transaction, committed to disk before its future resolves. A future dropped
/// before it resolves may still commit; a `begin` so lost leaves its intent
/// `Sending`, as a crash while sending would, and it is settled the same way.
///
/// [`PostgresJournal`]: super::PostgresJournal
///
/// ```no_run
/// # async fn run() -> Result<(), billing_clients::runtime::intents::JournalError> {
/// use billing_clients::runtime::intents::{Begin, FileJournal, Intent, Journal, State};
///
/// let journal = FileJournal::open("/var/lib/billing/intents.redb")?;
/// let intent = Intent::new("upgrade-7781", "one_click", "9f2c…", serde_json::Map::new());
/// if let Begin::Send = journal.begin(&intent).await? {
///     // … send the request, then record what came back:
///     journal.set("upgrade-7781", &State::Answered(r#"{"order_id":"o-1"}"#.into())).await?;
/// }
/// for open in journal.open().await? {
///     println!("in doubt since {}: {}", open.intent.started_at_ms, open.intent.key);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FileJournal {
    db: Arc<Database>,
    path: Arc<PathBuf>,
}

impl fmt::Debug for FileJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileJournal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileJournal {
    /// Open the journal in the file at `path`, made (with its tables) if
    /// missing. Fails if another process (or another `FileJournal` here) has it
    /// open, or if it is not a journal. Blocking: it reads the file, and after
    /// a crash checks it; call it at start-up, or inside `spawn_blocking`.
    pub fn open(path: impl AsRef<Path>) -> Result<FileJournal, JournalError> {
        let path = path.as_ref();
        let db = Database::create(path).map_err(|e| JournalError(format!("the file {}: {e}", path.display())))?;
        let tx = db.begin_write().map_err(failed)?;
        tx.open_table(INTENTS).map_err(failed)?;
        tx.open_table(OPEN).map_err(failed)?;
        tx.commit().map_err(failed)?;
        Ok(FileJournal {
            db: Arc::new(db),
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// The file's path, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `op` on the blocking pool, with the database.
    fn blocking<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Database) -> Result<T, JournalError> + Send + 'static,
    ) -> Pending<'static, T> {
        let db = Arc::clone(&self.db);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || op(&db))
                .await
                .map_err(|e| JournalError(format!("the journal's file operation did not finish: {e}")))?
        })
    }
}

fn failed(e: impl Into<redb::Error>) -> JournalError {
    JournalError(format!("the journal's file: {}", e.into()))
}

/// A record as stored (its key is the table's key).
#[derive(Serialize, Deserialize)]
struct Stored {
    operation: String,
    body_hash: String,
    fields: Map<String, Value>,
    started_at_ms: i64,
    state: String,
    detail: String,
    updated_at_ms: i64,
}

fn encode(r: &Record) -> Vec<u8> {
    let stored = Stored {
        operation: r.intent.operation.clone(),
        body_hash: r.intent.body_hash.clone(),
        fields: r.intent.fields.clone(),
        started_at_ms: r.intent.started_at_ms,
        state: r.state.name().to_string(),
        detail: r.state.detail(),
        updated_at_ms: r.updated_at_ms,
    };
    serde_json::to_vec(&stored).unwrap_or_default()
}

fn decode(key: &str, bytes: &[u8]) -> Result<Record, JournalError> {
    let s: Stored = serde_json::from_slice(bytes).map_err(|e| {
        JournalError(format!(
            "the journal's file holds an unreadable record for {key:?}: {e}"
        ))
    })?;
    let mut intent = Intent::new(key, s.operation, s.body_hash, s.fields);
    intent.started_at_ms = s.started_at_ms;
    let mut record = Record::new(intent, State::from_parts(&s.state, s.detail)?);
    record.updated_at_ms = s.updated_at_ms;
    Ok(record)
}

/// `key`'s record, read inside `tx`.
fn read(tx: &WriteTransaction, key: &str) -> Result<Option<Record>, JournalError> {
    let intents = tx.open_table(INTENTS).map_err(failed)?;
    let found = intents.get(key).map_err(failed)?;
    found.map(|bytes| decode(key, bytes.value())).transpose()
}

/// Write `record` inside `tx`, and keep the open table in step with its state.
fn write(tx: &WriteTransaction, record: &Record) -> Result<(), JournalError> {
    let key = record.intent.key.as_str();
    tx.open_table(INTENTS)
        .map_err(failed)?
        .insert(key, encode(record).as_slice())
        .map_err(failed)?;
    let mut open = tx.open_table(OPEN).map_err(failed)?;
    let at = (record.intent.started_at_ms, key);
    if record.state.is_open() {
        open.insert(at, ()).map_err(failed)?;
    } else {
        open.remove(at).map_err(failed)?;
    }
    Ok(())
}

impl Journal for FileJournal {
    fn begin<'a>(&'a self, intent: &'a Intent) -> Pending<'a, Begin> {
        let intent = intent.clone();
        // One write transaction at a time (redb's writer lock): the read and
        // the write below are one step for every caller of this file.
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(failed)?;
            let (begun, to_write) = begin_over(read(&tx, &intent.key)?, &intent);
            if let Some(record) = to_write {
                write(&tx, &record)?;
                tx.commit().map_err(failed)?;
            }
            Ok(begun)
        })
    }

    fn set<'a>(&'a self, key: &'a str, state: &'a State) -> Pending<'a, ()> {
        let (key, state) = (key.to_string(), state.clone());
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(failed)?;
            if let Some(mut record) = read(&tx, &key)? {
                record.state = state;
                record.updated_at_ms = now_ms();
                write(&tx, &record)?;
                tx.commit().map_err(failed)?;
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Pending<'a, Option<Record>> {
        let key = key.to_string();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(failed)?;
            let intents = tx.open_table(INTENTS).map_err(failed)?;
            let found = intents.get(key.as_str()).map_err(failed)?;
            found.map(|bytes| decode(&key, bytes.value())).transpose()
        })
    }

    fn open(&self) -> Pending<'_, Vec<Record>> {
        self.blocking(|db| {
            let tx = db.begin_read().map_err(failed)?;
            let intents = tx.open_table(INTENTS).map_err(failed)?;
            let mut records = Vec::new();
            for entry in tx.open_table(OPEN).map_err(failed)?.iter().map_err(failed)? {
                let (at, _) = entry.map_err(failed)?;
                let key = at.value().1;
                if let Some(bytes) = intents.get(key).map_err(failed)? {
                    records.push(decode(key, bytes.value())?);
                }
            }
            Ok(records)
        })
    }
}
