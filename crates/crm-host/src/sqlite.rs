//! SQLite for guests (`spin:sqlite/sqlite@3.0.0`) and for the key-value store's file.
//!
//! Spin opens a new connection for every guest `open`. We keep Spin's semantics — each `open`
//! gets a connection of its own for as long as the guest holds it — but take connections from
//! a pool, so that the connection setup and prepared statements are reused across requests. A
//! connection that comes back with a transaction still open is rolled back before reuse.
//!
//! Every connection uses WAL with `synchronous = FULL`: readers never block the writer, and a
//! commit is on disk before the guest is told it succeeded (NORMAL could lose the last commits
//! on power loss, which would break "durable before acknowledged").

use anyhow::{Context, Result};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::Resource;

use crate::spin_api::spin::sqlite::sqlite::{self, Error, QueryResult, RowResult, Value};
use crate::state::RequestState;

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections kept open per database when idle.
const MAX_IDLE: usize = 64;
/// The most of a database file mapped into memory for reading (address space, not RAM).
const MMAP_SIZE: i64 = 1 << 32;
/// Prepared statements cached per connection.
const STATEMENT_CACHE: usize = 128;

/// A pool of connections to one database file.
pub struct DbPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Whose turn it is to write: held from a guest's `BEGIN IMMEDIATE` to the end of its
    /// transaction. SQLite lets only one writer in anyway; waiting here instead of in SQLite's
    /// busy handler (which sleeps 1, 2, 5, 10… ms between tries) hands the lock on the moment it
    /// is released, and suspends the waiting request instead of blocking a worker thread.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl DbPool {
    /// Opens (creating if needed) the database at `path`, failing now rather than at the first
    /// request if it cannot be opened.
    pub fn open(path: &Path) -> Result<Arc<DbPool>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let pool = Arc::new(DbPool {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        });
        let first = pool
            .connect()
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        pool.lock_idle().push(first);
        spawn_checkpointer(&pool)?;
        Ok(pool)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpoints run on a thread of their own (see `spawn_checkpointer`), not inside a
        // guest's COMMIT, where they would hold up every writer queued behind it.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Read pages through one shared memory map rather than a private cache per pooled
        // connection: with random ids every insert touches pages all over a large database.
        conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding this lock cannot leave the Vec inconsistent; keep using it.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connection for the caller's exclusive use until the returned guard is dropped.
    pub fn checkout(self: &Arc<Self>) -> rusqlite::Result<PooledConnection> {
        let idle = self.lock_idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(PooledConnection {
            conn: ManuallyDrop::new(conn),
            pool: self.clone(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How often the checkpointer copies the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Starts the pool's checkpointer: a thread with a connection of its own that copies committed
/// WAL frames into the database file (`PASSIVE`: it never blocks readers or writers) until the
/// pool is dropped. What a commit wrote is durable in the WAL already; this only keeps the WAL
/// short.
fn spawn_checkpointer(pool: &Arc<DbPool>) -> Result<()> {
    let conn = pool.connect()?;
    let weak = Arc::downgrade(pool);
    std::thread::Builder::new()
        .name("crm-sqlite-checkpoint".into())
        .spawn(move || loop {
            std::thread::sleep(CHECKPOINT_EVERY);
            let Some(pool) = weak.upgrade() else { return };
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                eprintln!("crm: checkpoint of {} failed: {e}", pool.path.display());
            }
        })
        .context("cannot start the checkpoint thread")?;
    Ok(())
}

/// A connection on loan from a [`DbPool`]; returned to it on drop.
pub struct PooledConnection {
    conn: ManuallyDrop<Connection>,
    pool: Arc<DbPool>,
}

impl std::ops::Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        // SAFETY: `drop` runs once and `self.conn` is not touched after this line.
        let conn = unsafe { ManuallyDrop::take(&mut self.conn) };
        if !conn.is_autocommit() {
            // The guest ended with a transaction open; what it did is not acknowledged.
            if conn.execute_batch("ROLLBACK").is_err() {
                return; // Drop the connection rather than reuse one in an unknown state.
            }
        }
        let mut idle = self.pool.lock_idle();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// Runs one statement, as Spin does: a string holding more than one statement is an error.
pub fn execute(
    conn: &Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> Result<QueryResult, Error> {
    let io = |e: rusqlite::Error| Error::Io(e.to_string());
    let mut stmt = conn.prepare_cached(statement).map_err(io)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let params = rusqlite::params_from_iter(parameters.into_iter().map(to_sql));
    let mut rows = stmt.query(params).map_err(io)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(io)? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(from_sql))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(io)?;
        out.push(RowResult { values });
    }
    Ok(QueryResult { columns, rows: out })
}

fn to_sql(value: Value) -> SqlValue {
    match value {
        Value::Integer(i) => SqlValue::Integer(i),
        Value::Real(r) => SqlValue::Real(r),
        Value::Text(t) => SqlValue::Text(t),
        Value::Blob(b) => SqlValue::Blob(b),
        Value::Null => SqlValue::Null,
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Null => Value::Null,
    }
}

/// A guest's open connection.
pub struct GuestConnection {
    // Declared first so that it drops first: an open transaction is rolled back before the
    // write turn is handed on.
    conn: PooledConnection,
    write_turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// Whether a statement starts a transaction that takes the write lock at once.
fn begins_write_transaction(statement: &str) -> bool {
    let mut words = statement.split_whitespace();
    let first = words.next().unwrap_or("");
    let second = words.next().unwrap_or("").trim_end_matches(';');
    first.eq_ignore_ascii_case("begin")
        && (second.eq_ignore_ascii_case("immediate") || second.eq_ignore_ascii_case("exclusive"))
}

impl sqlite::Host for RequestState {}

impl sqlite::HostConnection for RequestState {
    fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<GuestConnection>, Error>> {
        let Some(pool) = self.caps.sqlite.get(&database) else {
            return Ok(Err(Error::AccessDenied));
        };
        match pool.checkout() {
            Ok(conn) => Ok(Ok(self.table.push(GuestConnection {
                conn,
                write_turn: None,
            })?)),
            Err(e) => Ok(Err(Error::Io(e.to_string()))),
        }
    }

    async fn execute(
        &mut self,
        connection: Resource<GuestConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        let guest = self.table.get_mut(&connection)?;
        if guest.write_turn.is_none() && begins_write_transaction(&statement) {
            let writer = guest.conn.pool.writer.clone();
            match tokio::time::timeout(BUSY_TIMEOUT, writer.lock_owned()).await {
                Ok(turn) => guest.write_turn = Some(turn),
                Err(_) => return Ok(Err(Error::Io("database is locked".into()))),
            }
        }
        let result = execute(&guest.conn, &statement, parameters);
        if guest.conn.is_autocommit() {
            // COMMIT, ROLLBACK, or a BEGIN that failed: the turn passes on.
            guest.write_turn = None;
        }
        Ok(result)
    }

    fn last_insert_rowid(
        &mut self,
        connection: Resource<GuestConnection>,
    ) -> wasmtime::Result<i64> {
        Ok(self.table.get(&connection)?.conn.last_insert_rowid())
    }

    fn changes(&mut self, connection: Resource<GuestConnection>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&connection)?.conn.changes())
    }

    fn drop(&mut self, connection: Resource<GuestConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_left_open_is_rolled_back_before_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        {
            let conn = pool.checkout().unwrap();
            conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        }
        {
            let conn = pool.checkout().unwrap();
            execute(&conn, "BEGIN", vec![]).unwrap();
            execute(&conn, "INSERT INTO t VALUES (?)", vec![Value::Integer(1)]).unwrap();
        }
        let conn = pool.checkout().unwrap();
        assert!(conn.is_autocommit());
        let rows = execute(&conn, "SELECT count(*) FROM t", vec![]).unwrap();
        assert!(matches!(rows.rows[0].values[0], Value::Integer(0)));
    }

    #[test]
    fn only_immediate_and_exclusive_transactions_take_the_write_turn() {
        assert!(begins_write_transaction("BEGIN IMMEDIATE"));
        assert!(begins_write_transaction("  begin\n exclusive;"));
        assert!(!begins_write_transaction("BEGIN"));
        assert!(!begins_write_transaction("BEGIN DEFERRED"));
        assert!(!begins_write_transaction("SELECT 1"));
    }

    #[test]
    fn values_round_trip_and_columns_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let conn = pool.checkout().unwrap();
        let result = execute(
            &conn,
            "SELECT ? AS i, ? AS r, ? AS t, ? AS b, ? AS n",
            vec![
                Value::Integer(7),
                Value::Real(1.5),
                Value::Text("名".into()),
                Value::Blob(vec![0, 1]),
                Value::Null,
            ],
        )
        .unwrap();
        assert_eq!(result.columns, ["i", "r", "t", "b", "n"]);
        let v = &result.rows[0].values;
        assert!(matches!((&v[0], &v[1], &v[2], &v[3], &v[4]),
            (Value::Integer(7), Value::Real(r), Value::Text(t), Value::Blob(b), Value::Null) if *r == 1.5 && t == "名" && b == &[0, 1]));
    }

    #[test]
    fn more_than_one_statement_is_an_error_as_on_spin() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let conn = pool.checkout().unwrap();
        assert!(execute(&conn, "SELECT 1; SELECT 2", vec![]).is_err());
    }
}
