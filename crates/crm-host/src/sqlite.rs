//! SQLite for guests (`spin:sqlite/sqlite@3.0.0`) and for the key-value store's file.
//!
//! Spin opens a new connection for every guest `open` (As Spin 4.0.2:
//! crates/factor-sqlite/src/lib.rs, `ConnectionCreator`: "a *new* connection, not a reused
//! one"). We keep Spin's semantics — each `open` gets a connection of its own for as long as the
//! guest holds it, and sees nothing a previous `open` left in its session — but take
//! connections from a pool, so that the connection setup and prepared statements are reused
//! across requests:
//! - a connection that comes back with a transaction still open is rolled back before reuse;
//! - one whose session the guest changed (a TEMP table, view, index or trigger, an `ATTACH`ed
//!   database, a `PRAGMA` setting) is closed instead of reused, as Spin's would be; the
//!   authorizer notices those statements as they are prepared;
//! - `last_insert_rowid` and `changes` read 0 until the guest's own statements change a row.
//!
//! Every connection uses WAL: readers never block the writer. Commits are made durable by group
//! commit (see `group_sync.rs`): connections run with `synchronous = NORMAL`, and a guest hears
//! the result of a statement run outside its own write transaction only once every commit begun
//! before it ended is on disk, one shared `fdatasync` of the log serving many commits. The write
//! turn passes on as soon as a commit is written, not after the disk has it.

use anyhow::{Context, Result};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::Resource;

use crate::group_sync::GroupSync;
use crate::spin_api::spin::sqlite::sqlite::{self, Error, QueryResult, RowResult, Value};
use crate::state::RequestState;

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections kept open per database when idle.
const MAX_IDLE: usize = 64;
/// The most of a database file a connection reading through a map maps (address space, not
/// RAM; see [`Reads`]): SQLite's own ceiling on Linux (`SQLITE_MAX_MMAP_SIZE`), about 2 GiB.
const MMAP_SIZE: i64 = 0x7fff_0000;
/// Prepared statements cached per connection.
const STATEMENT_CACHE: usize = 128;
/// The page cache of the connection write transactions run on ([`DbPool::checkout_writer`]),
/// in KiB: the pages the writes of a busy store touch again and again stay in it.
const WRITER_CACHE_KIB: i64 = 64 << 10;

/// A pool of connections to one database file.
pub struct DbPool {
    path: PathBuf,
    idle: Mutex<Vec<Pooled>>,
    /// Whose turn it is to write: held from a guest's `BEGIN IMMEDIATE` to the end of its
    /// transaction. SQLite lets only one writer in anyway; waiting here instead of in SQLite's
    /// busy handler (which sleeps 1, 2, 5, 10… ms between tries) hands the lock on the moment it
    /// is released, and suspends the waiting request instead of blocking a worker thread.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// The connection guests' write transactions run on while it is not lent out.
    warm_writer: Mutex<Option<Pooled>>,
    /// The group commit that makes commits durable.
    sync: Arc<GroupSync>,
    /// Whether guests run statements of their own on the file (a SQLite label names it), not
    /// only key-value writes.
    guest_statements: AtomicBool,
    wal: WalPolicy,
    /// `<path>-wal`, looked at after every committed write.
    wal_path: PathBuf,
    /// Set by a commit that left the log past its size, to wake the checkpointer at once.
    wal_full: (Mutex<bool>, std::sync::Condvar),
}

impl DbPool {
    /// Opens (creating if needed) the database at `path`, failing now rather than at the first
    /// request if it cannot be opened.
    pub fn open(path: &Path) -> Result<Arc<DbPool>> {
        Self::open_with(path, WalPolicy::default())
    }

    pub fn open_with(path: &Path, wal: WalPolicy) -> Result<Arc<DbPool>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        // The first connection chooses WAL, which writes the database's first page; only then
        // is a log the group commit opens (creating it if need be) one SQLite keeps. From here
        // on a connection is always open (the checkpointer keeps one), so SQLite never deletes
        // the log while the pool lives.
        let first = connect(path, wal)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        let wal_path = {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            PathBuf::from(wal)
        };
        let sync = GroupSync::open(&wal_path)
            .with_context(|| format!("cannot open the log {}", wal_path.display()))?;
        let pool = Arc::new(DbPool {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            warm_writer: Mutex::new(None),
            sync,
            guest_statements: AtomicBool::new(false),
            wal,
            wal_path,
            wal_full: (Mutex::new(false), std::sync::Condvar::new()),
        });
        spawn_checkpointer(&pool)?;
        let pooled = connect_pooled(&pool.path, wal, &pool.sync)?;
        pool.lock_idle().push(pooled);
        // Closed only now that other connections are open. (Used as the checkpointer's
        // connection instead, it made the bounded-log test's TRUNCATE checkpoints wait out
        // their busy timeout.)
        drop(first);
        let mut pools = lock(&POOLS);
        pools.retain(|p| p.strong_count() > 0);
        pools.push(Arc::downgrade(&pool));
        drop(pools);
        Ok(pool)
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        connect(&self.path, self.wal)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Pooled>> {
        lock(&self.idle)
    }

    /// A connection for the caller's exclusive use until the returned guard is dropped, reading
    /// through its page cache (as key-value operations do: each reads or writes one row).
    pub fn checkout(self: &Arc<Self>) -> rusqlite::Result<PooledConnection> {
        self.checkout_reading(Reads::Cached)
    }

    /// A connection that reads the file's pages as `reads` says, one that already does if one
    /// is idle.
    pub fn checkout_reading(self: &Arc<Self>, reads: Reads) -> rusqlite::Result<PooledConnection> {
        let idle = {
            let mut idle = self.lock_idle();
            match idle.iter().rposition(|p| p.reads == reads) {
                Some(at) => Some(idle.remove(at)),
                None => idle.pop(),
            }
        };
        let mut conn = self.lend(idle)?;
        conn.read(reads)?;
        Ok(conn)
    }

    fn lend(self: &Arc<Self>, idle: Option<Pooled>) -> rusqlite::Result<PooledConnection> {
        let pooled = match idle {
            Some(pooled) => pooled,
            None => connect_pooled(&self.path, self.wal, &self.sync)?,
        };
        Ok(PooledConnection {
            pooled: ManuallyDrop::new(pooled),
            pool: self.clone(),
            writer: false,
        })
    }

    /// The connection for a write transaction, for the holder of the write turn; it goes back
    /// to its own place, not among the idle ones.
    ///
    /// In WAL mode a connection that begins to read after another connection's commit empties
    /// its page cache (SQLite's `pagerBeginReadTransaction`), so with every write transaction
    /// on whichever pooled connection its request had, each began with an empty cache and read
    /// every page it touched, the B-trees' upper levels included, from the file again. Run one
    /// after another on this one connection, each finds the pages of the ones before it still
    /// cached, as no other connection commits in between.
    fn checkout_writer(self: &Arc<Self>) -> rusqlite::Result<PooledConnection> {
        let warm = lock(&self.warm_writer).take();
        let pooled = match warm {
            Some(pooled) => pooled,
            None => {
                let pooled = connect_pooled(&self.path, self.wal, &self.sync)?;
                pooled
                    .conn
                    .pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
                // The pool's own setting, not a guest's (as in `PooledConnection::read`).
                pooled.session_changed.store(false, Ordering::Relaxed);
                pooled
            }
        };
        Ok(PooledConnection {
            pooled: ManuallyDrop::new(pooled),
            pool: self.clone(),
            writer: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The group commit of the database's log.
    pub fn sync(&self) -> &Arc<GroupSync> {
        &self.sync
    }

    /// Notes that a SQLite label names this file, so guests' statements may commit on it.
    pub fn open_to_guest_statements(&self) {
        self.guest_statements.store(true, Ordering::Relaxed);
    }

    pub fn has_guest_statements(&self) -> bool {
        self.guest_statements.load(Ordering::Relaxed)
    }
}

/// A connection to the database at `path`, set up as every connection of a pool is.
fn connect(path: &Path, wal: WalPolicy) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // A commit writes the log without syncing it; the group commit syncs it before the
    // commit is acknowledged (see the module's comment).
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Checkpoints run on a thread of their own (see `spawn_checkpointer`), not inside a
    // guest's COMMIT, where they would hold up every writer queued behind it.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // When SQLite resets the log, it truncates a larger file to this size.
    conn.pragma_update(None, "journal_size_limit", wal.restart_bytes as i64)?;
    // Pages are read through the connection's page cache until a request maps them (`Reads`).
    conn.pragma_update(None, "mmap_size", Reads::Cached.mmap_size())?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// A connection for the pool, with the authorizer that sandboxes `ATTACH` and notes
/// statements that change the connection's session, and the hook that counts its commits.
fn connect_pooled(path: &Path, wal: WalPolicy, sync: &Arc<GroupSync>) -> rusqlite::Result<Pooled> {
    let conn = connect(path, wal)?;
    let session_changed = Arc::new(AtomicBool::new(false));
    let noted = session_changed.clone();
    conn.authorizer(Some(move |context: AuthContext<'_>| {
        if changes_session(&context.action, context.database_name) {
            noted.store(true, Ordering::Relaxed);
        }
        attach_sandbox(&context.action)
    }));
    let committed = Arc::new(AtomicU64::new(0));
    let noted = committed.clone();
    let sync = sync.clone();
    // Called under SQLite's write lock as a write transaction commits (returning false lets
    // it); the commit is written once the statement has returned ([`PooledConnection::written`]).
    conn.commit_hook(Some(move || {
        sync.begun();
        noted.fetch_add(1, Ordering::Relaxed);
        false
    }));
    Ok(Pooled {
        conn,
        session_changed,
        committed,
        // As `connect` set it.
        reads: Reads::Cached,
    })
}

/// How a connection reads the database file's pages.
///
/// Through a memory map (`mmap_size`), a large scan reads pages in place, with no call and no
/// copy per page: some of the large seed's reports run 1.7 times as fast. But in WAL mode a
/// connection that starts reading after another connection's commit unmaps the whole file
/// (SQLite's `pagerBeginReadTransaction`), and under a steady stream of commits those `munmap`
/// calls, with their TLB shootdowns and the page faults after them, cost writing requests more
/// than the map saves them. So a request with a safe method (`GET`, `HEAD`, `OPTIONS`, `TRACE`
/// and `QUERY`, as [`http::Method::is_safe`] has them) reads through the map, and any other
/// through the connection's own page cache, as key-value operations always do;
/// docs/PERFORMANCE.md has the figures. Statements return the same either way; only a guest
/// reading `PRAGMA mmap_size` itself could tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    Mapped,
    Cached,
}

impl Reads {
    /// The `mmap_size` a connection reading this way has.
    fn mmap_size(self) -> i64 {
        match self {
            Reads::Mapped => MMAP_SIZE,
            Reads::Cached => 0,
        }
    }

    /// How a request with `method` reads.
    pub fn for_method(method: &http::Method) -> Reads {
        if method.is_safe() {
            Reads::Mapped
        } else {
            Reads::Cached
        }
    }
}

/// How often the checkpointer looks at the WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// The WAL size past which the checkpointer restarts the log (see [`WalPolicy`]).
pub const WAL_RESTART_BYTES: u64 = 32 << 20;

/// When the write-ahead log is cut back.
///
/// Why PASSIVE checkpoints alone let the log grow without bound: SQLite writes the WAL from its
/// start again only when a writer begins while *every* frame has been copied back and no reader
/// still uses the log. Under steady writes there are always fresh frames behind the last
/// checkpoint, so that moment never comes, and the file grows for as long as the load lasts
/// (19.5 GB after `crm seed`). So once the log passes `restart_bytes`, the checkpointer takes the
/// database's write turn (guests queue behind it as behind any writer), runs
/// `wal_checkpoint(TRUNCATE)` — which waits for readers of old frames to finish, copies the rest
/// and truncates the file to zero — and hands the turn on. Readers are per-statement (a pooled
/// connection never keeps a snapshot between statements), so that wait is short.
///
/// The bound: a commit that leaves the log past `restart_bytes` wakes the checkpointer at once
/// (other writes are caught by its 100 ms round), so the log holds at most `restart_bytes` plus
/// what writers commit before the checkpointer has the write turn — about one transaction per
/// waiting writer — and never less than the largest single transaction, which must sit in the
/// log whole until it commits. `journal_size_limit` (= `restart_bytes`) caps what SQLite itself leaves
/// behind when it resets the log. The test below asserts `2 × restart_bytes` under concurrent
/// writers and readers.
#[derive(Clone, Copy, Debug)]
pub struct WalPolicy {
    pub restart_bytes: u64,
}

impl Default for WalPolicy {
    fn default() -> Self {
        WalPolicy {
            restart_bytes: WAL_RESTART_BYTES,
        }
    }
}

/// Every pool of the process, so that a clean shutdown can empty their logs.
static POOLS: Mutex<Vec<std::sync::Weak<DbPool>>> = Mutex::new(Vec::new());

/// Starts the pool's checkpointer: a thread with a connection of its own that copies committed
/// WAL frames into the database file (`PASSIVE`: it never blocks readers or writers) and cuts
/// the log back when it passes the policy's size, until the pool is dropped. A checkpoint syncs
/// the log before it copies (see `group_sync.rs`); it only keeps the log short.
fn spawn_checkpointer(pool: &Arc<DbPool>) -> Result<()> {
    let conn = pool.connect()?;
    let weak = Arc::downgrade(pool);
    std::thread::Builder::new()
        .name("crm-sqlite-checkpoint".into())
        .spawn(move || loop {
            let Some(pool) = weak.upgrade() else { return };
            pool.wait_for_checkpoint();
            if let Err(e) = pool.checkpoint(&conn) {
                eprintln!("crm: checkpoint of {} failed: {e}", pool.path.display());
            }
        })
        .context("cannot start the checkpoint thread")?;
    Ok(())
}

impl DbPool {
    /// The size of the WAL file now (0 when there is none).
    pub fn wal_bytes(&self) -> u64 {
        std::fs::metadata(&self.wal_path).map_or(0, |m| m.len())
    }

    /// Sleeps until the next round: [`CHECKPOINT_EVERY`], or sooner if a commit filled the log.
    fn wait_for_checkpoint(&self) {
        let (full, wake) = &self.wal_full;
        let guard = lock(full);
        let (mut guard, _) = wake
            .wait_timeout_while(guard, CHECKPOINT_EVERY, |full| !*full)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = false;
    }

    /// After a commit: wakes the checkpointer if the log has passed its size.
    fn committed(&self) {
        if self.wal_bytes() >= self.wal.restart_bytes {
            *lock(&self.wal_full.0) = true;
            self.wal_full.1.notify_one();
        }
    }

    /// One round of the checkpointer: PASSIVE always, TRUNCATE under the write turn once the
    /// log has passed the policy's size.
    fn checkpoint(&self, conn: &Connection) -> rusqlite::Result<()> {
        if self.wal_bytes() < self.wal.restart_bytes {
            return conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
        let _turn = self.writer.blocking_lock();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    }

    /// Copies the whole log into the database and truncates it, waiting for the write turn;
    /// run at a clean shutdown, after the requests in flight have finished.
    pub async fn checkpoint_and_truncate(self: &Arc<Self>) -> Result<()> {
        let _turn = self.writer.lock().await;
        let conn = self.connect()?;
        // The checkpointer's own PASSIVE round may be running (checkpoints do not run two at
        // a time): try again for a while before giving up.
        for _ in 0..100 {
            let (busy,): (i64,) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((row.get(0)?,))
            })?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        anyhow::bail!("readers kept the log of {} busy", self.path.display())
    }
}

/// Empties the WAL of every open database: the last step of a clean shutdown, so that the
/// next start has no log to recover.
pub async fn checkpoint_all() {
    let pools: Vec<Arc<DbPool>> = lock(&POOLS).iter().filter_map(|w| w.upgrade()).collect();
    for pool in pools {
        // A store deleted meanwhile (a benchmark's temporary one) has no log worth keeping.
        if !pool.path.exists() {
            continue;
        }
        if let Err(e) = pool.checkpoint_and_truncate().await {
            eprintln!(
                "crm: final checkpoint of {} failed: {e:#}",
                pool.path.display()
            );
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data inconsistent; keep using it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A pooled connection, whether its session was changed since it was opened, and how many of
/// its commits have begun that are not yet counted as written ([`PooledConnection::written`]).
struct Pooled {
    conn: Connection,
    session_changed: Arc<AtomicBool>,
    committed: Arc<AtomicU64>,
    reads: Reads,
}

/// A connection on loan from a [`DbPool`]; returned to it on drop.
pub struct PooledConnection {
    pooled: ManuallyDrop<Pooled>,
    pool: Arc<DbPool>,
    /// Whether it is the pool's writer ([`DbPool::checkout_writer`]).
    writer: bool,
}

impl PooledConnection {
    /// Counts the commits of this connection begun since the last call as written: called
    /// after every statement (and when the connection goes back to the pool), so that the
    /// group commit can sync them.
    pub fn written(&self) {
        let commits = self.pooled.committed.swap(0, Ordering::Relaxed);
        if commits > 0 {
            self.pool.sync.written(commits);
        }
    }

    /// Reads pages as `reads` says from the next statement on.
    fn read(&mut self, reads: Reads) -> rusqlite::Result<()> {
        if self.pooled.reads != reads {
            // Only on a connection just lent: no guest statement has run on it yet, and one
            // whose session a guest changed never goes back to the pool.
            let guest_changed = self.pooled.session_changed.load(Ordering::Relaxed);
            debug_assert!(!guest_changed);
            self.pooled
                .conn
                .pragma_update(None, "mmap_size", reads.mmap_size())?;
            // The pool's own setting, not a guest's: the flag stays as it was, and the
            // connection reusable.
            self.pooled
                .session_changed
                .store(guest_changed, Ordering::Relaxed);
            self.pooled.reads = reads;
        }
        Ok(())
    }
}

impl std::ops::Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.pooled.conn
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        self.written();
        // SAFETY: `drop` runs once and `self.pooled` is not touched after this line.
        let pooled = unsafe { ManuallyDrop::take(&mut self.pooled) };
        if !pooled.conn.is_autocommit() {
            // The guest ended with a transaction open; what it did is not acknowledged.
            if pooled.conn.execute_batch("ROLLBACK").is_err() {
                return; // Drop the connection rather than reuse one in an unknown state.
            }
        }
        if pooled.session_changed.load(Ordering::Relaxed) {
            // Its TEMP objects, attached databases or settings end with it, as on Spin.
            return;
        }
        if self.writer {
            *lock(&self.pool.warm_writer) = Some(pooled);
            return;
        }
        let mut idle = self.pool.lock_idle();
        if idle.len() < MAX_IDLE {
            idle.push(pooled);
        }
    }
}

/// Whether an action changes state that lives in the connection rather than in the database
/// file: TEMP objects (`CREATE TEMP …`, or any write into the `temp` schema such as
/// `CREATE TABLE temp.t`), attached databases, and `PRAGMA` settings. A `PRAGMA` without a
/// value only reads, and so do the listed ones with an argument.
fn changes_session(action: &AuthAction<'_>, database: Option<&str>) -> bool {
    let reads = matches!(
        action,
        AuthAction::Read { .. } | AuthAction::Select | AuthAction::Function { .. }
    );
    if database == Some("temp") && !reads {
        return true;
    }
    const READING_PRAGMAS: &[&str] = &[
        "table_info",
        "table_xinfo",
        "table_list",
        "index_info",
        "index_xinfo",
        "index_list",
        "foreign_key_list",
        "foreign_key_check",
        "integrity_check",
        "quick_check",
        "wal_checkpoint",
        "optimize",
        // Kept in the database file, not the connection.
        "user_version",
        "application_id",
    ];
    match action {
        AuthAction::Attach { .. }
        | AuthAction::Detach { .. }
        | AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. } => true,
        AuthAction::Pragma {
            pragma_name,
            pragma_value: Some(_),
        } => !READING_PRAGMAS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(pragma_name)),
        _ => false,
    }
}

/// Allows `ATTACH` only of a new temporary (`''`) or in-memory (`':memory:'`) database, as
/// Spin does; a denied statement fails to prepare with SQLite's `not authorized`, which the
/// guest gets as `io("not authorized")`.
///
/// An `ATTACH` whose file name is not a literal (`ATTACH ? AS x`) reaches the authorizer
/// without a name; it is denied too, since the name could be any file. `VACUUM INTO 'file'`
/// attaches its output the same way and is denied with it.
fn attach_sandbox(action: &AuthAction<'_>) -> Authorization {
    match *action {
        AuthAction::Attach { filename } if filename.is_empty() || filename == ":memory:" => {
            Authorization::Allow
        }
        AuthAction::Attach { .. } => Authorization::Deny,
        AuthAction::Unknown { code, .. } if code == rusqlite::ffi::SQLITE_ATTACH => {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }
}

/// Runs a guest's statement string as Spin 4.0.2 runs it: the first statement, with the
/// parameters; anything after it in the string is ignored.
///
/// As Spin 4.0.2: crates/sqlite-inproc/src/lib.rs (`execute_query`: `prepare_cached`, then
/// `query_map`) with the rusqlite its workspace pins (0.34, Cargo.lock of 4.0.0), whose
/// `prepare` keeps only the first statement of the string. rusqlite 0.37 here refuses such a
/// string (`MultipleStatement`, or the error of preparing the rest), so the first statement
/// is then prepared alone, and the host's log says that the rest did not run.
pub fn execute(
    conn: &Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> Result<QueryResult, Error> {
    run(conn, statement, parameters, &mut false)
}

/// [`execute`], setting `counted` once an `INSERT`, `UPDATE` or `DELETE` has begun to run:
/// the statements after which `sqlite3_changes` is theirs.
fn run(
    conn: &Connection,
    statement: &str,
    parameters: Vec<Value>,
    counted: &mut bool,
) -> Result<QueryResult, Error> {
    let io = |e: rusqlite::Error| Error::Io(e.to_string());
    let mut stmt = prepare_first(conn, statement).map_err(io)?;
    let counts_rows = !stmt.readonly() && is_insert_update_or_delete(statement);
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let params = rusqlite::params_from_iter(parameters.into_iter().map(to_sql));
    let mut rows = stmt.query(params).map_err(io)?;
    // From its first step on, SQLite sets the count when the statement ends, failed or not.
    *counted = counts_rows;
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

/// Whether a statement that writes (`sqlite3_stmt_readonly` false) is one whose row count
/// `sqlite3_changes` reports: its first keyword, after blanks and comments, is `INSERT`,
/// `REPLACE`, `UPDATE`, `DELETE`, or `WITH` (which only these and `SELECT` follow, and a
/// `SELECT` does not write). `CREATE`, `DROP`, `ALTER`, `PRAGMA` and the like leave it alone.
fn is_insert_update_or_delete(statement: &str) -> bool {
    let mut rest = statement;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    let keyword = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["INSERT", "REPLACE", "UPDATE", "DELETE", "WITH"]
        .iter()
        .any(|counted| keyword.eq_ignore_ascii_case(counted))
}

/// Sets what `sqlite3_last_insert_rowid` answers on `conn`.
fn set_last_insert_rowid(conn: &Connection, rowid: i64) {
    // SAFETY: the handle is a live connection's, used on this thread only for this call;
    // SQLite documents the function as safe on any open connection.
    unsafe { rusqlite::ffi::sqlite3_set_last_insert_rowid(conn.handle(), rowid) }
}

/// A statement from the connection's cache, or prepared for one use.
enum Prepared<'conn> {
    Cached(rusqlite::CachedStatement<'conn>),
    Once(rusqlite::Statement<'conn>),
}

impl<'conn> std::ops::Deref for Prepared<'conn> {
    type Target = rusqlite::Statement<'conn>;
    fn deref(&self) -> &Self::Target {
        match self {
            Prepared::Cached(s) => s,
            Prepared::Once(s) => s,
        }
    }
}

impl std::ops::DerefMut for Prepared<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Prepared::Cached(s) => s,
            Prepared::Once(s) => s,
        }
    }
}

/// The first statement of `sql`, prepared (see [`execute`]).
fn prepare_first<'conn>(conn: &'conn Connection, sql: &str) -> rusqlite::Result<Prepared<'conn>> {
    use rusqlite::fallible_iterator::FallibleIterator;
    let whole = match conn.prepare_cached(sql) {
        Ok(statement) => return Ok(Prepared::Cached(statement)),
        Err(error) => error,
    };
    // If the first statement prepares on its own, what failed was the rest of the string.
    match rusqlite::Batch::new(conn, sql).next() {
        Ok(Some(first)) => {
            let shown: String = sql.trim().chars().take(80).collect();
            eprintln!(
                "crm: SQLite: only the first statement of a string of several ran, as on Spin \
                 4.0.2; the rest was ignored: `{shown}`"
            );
            Ok(Prepared::Once(first))
        }
        Ok(None) | Err(_) => Err(whole),
    }
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
    /// The guest's own connection, set aside while its write transaction runs on the pool's
    /// writer ([`DbPool::checkout_writer`]).
    parked: Option<PooledConnection>,
    /// `changes` as the guest sees it: the rows its last `INSERT`, `UPDATE` or `DELETE` changed,
    /// on whichever connection it ran (0 before any, as on a new connection). SQLite cannot be
    /// told a connection's count, as it can its `last_insert_rowid`, so it is kept here.
    changes: u64,
}

impl GuestConnection {
    pub fn open(pool: &Arc<DbPool>, reads: Reads) -> rusqlite::Result<Self> {
        let conn = pool.checkout_reading(reads)?;
        // Not the row id of whoever used the pooled connection before.
        set_last_insert_rowid(&conn, 0);
        Ok(GuestConnection {
            conn,
            write_turn: None,
            parked: None,
            changes: 0,
        })
    }

    pub fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid()
    }

    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Makes `next` the connection the guest's statements go to, with the guest's
    /// `last_insert_rowid`, and returns the one they went to.
    fn switch_to(&mut self, next: PooledConnection) -> PooledConnection {
        set_last_insert_rowid(&next, self.conn.last_insert_rowid());
        std::mem::replace(&mut self.conn, next)
    }

    /// At the start of a write transaction: its statements go to the pool's writer, unless
    /// the guest's connection holds state of its own (TEMP objects, settings, an open
    /// transaction) that they may need. Without a writer to be had, they stay where they are.
    fn take_the_writer(&mut self) {
        if self.conn.pooled.session_changed.load(Ordering::Relaxed) || !self.conn.is_autocommit() {
            return;
        }
        if let Ok(writer) = self.conn.pool.checkout_writer() {
            self.parked = Some(self.switch_to(writer));
        }
    }

    /// At the end of the write transaction: the guest's own connection again, and the writer
    /// back to the pool — unless the transaction changed the writer's session (a TEMP table,
    /// a setting), which then stays the guest's, as it would have on its own connection.
    fn give_back_the_writer(&mut self) {
        if self.conn.pooled.session_changed.load(Ordering::Relaxed) {
            self.parked = None;
            return;
        }
        if let Some(own) = self.parked.take() {
            drop(self.switch_to(own));
        }
    }

    /// Runs a guest's statement; a `BEGIN IMMEDIATE`/`EXCLUSIVE` first waits for the write turn,
    /// which passes on when the connection is back in autocommit.
    pub async fn execute(
        &mut self,
        statement: &str,
        parameters: Vec<Value>,
    ) -> Result<QueryResult, Error> {
        if self.write_turn.is_none() && begins_write_transaction(statement) {
            let writer = self.conn.pool.writer.clone();
            match tokio::time::timeout(BUSY_TIMEOUT, writer.lock_owned()).await {
                Ok(turn) => self.write_turn = Some(turn),
                Err(_) => return Err(Error::Io("database is locked".into())),
            }
            self.take_the_writer();
        }
        let sync = self.conn.pool.sync.clone();
        sync.check().map_err(Error::Io)?;
        let mut counted = false;
        let result = run(&self.conn, statement, parameters, &mut counted);
        if counted {
            self.changes = self.conn.changes();
        }
        self.conn.written();
        if self.conn.is_autocommit() && self.write_turn.is_some() {
            // COMMIT, ROLLBACK, or a BEGIN that failed: the writer goes back before the turn
            // passes on to the next transaction, which will want it.
            self.give_back_the_writer();
            self.write_turn = None;
            self.conn.pool.committed();
        }
        if self.write_turn.is_none() {
            // The guest hears of its commit, or of what it read, once no power loss can take
            // it back; the next writer is already at work meanwhile.
            sync.settled().await.map_err(Error::Io)?;
        }
        result
    }
}

impl Drop for GuestConnection {
    fn drop(&mut self) {
        // Given up inside its write transaction (which the pooled connection now rolls back):
        // its reads were not held back (see `execute`) and may have seen commits not yet on
        // disk, and nothing will wait for a COMMIT of it. Sync them before the guest goes on.
        if self.write_turn.is_some() {
            self.conn.pool.sync.sync_now();
        }
    }
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
        match GuestConnection::open(pool, self.reads) {
            Ok(conn) => Ok(Ok(self.table.push(conn)?)),
            Err(e) => Ok(Err(Error::Io(e.to_string()))),
        }
    }

    async fn execute(
        &mut self,
        connection: Resource<GuestConnection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryResult, Error>> {
        Ok(self
            .table
            .get_mut(&connection)?
            .execute(&statement, parameters)
            .await)
    }

    fn last_insert_rowid(
        &mut self,
        connection: Resource<GuestConnection>,
    ) -> wasmtime::Result<i64> {
        Ok(self.table.get(&connection)?.last_insert_rowid())
    }

    fn changes(&mut self, connection: Resource<GuestConnection>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&connection)?.changes())
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
    fn safe_requests_read_through_the_map_and_the_others_through_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let mapped = |conn: &PooledConnection| -> i64 {
            conn.query_row("PRAGMA mmap_size", [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(Reads::for_method(&http::Method::GET), Reads::Mapped);
        assert_eq!(Reads::for_method(&http::Method::HEAD), Reads::Mapped);
        assert_eq!(Reads::for_method(&http::Method::OPTIONS), Reads::Mapped);
        assert_eq!(Reads::for_method(&http::Method::POST), Reads::Cached);
        assert_eq!(Reads::for_method(&http::Method::PUT), Reads::Cached);
        assert_eq!(Reads::for_method(&http::Method::DELETE), Reads::Cached);

        // One connection, switched each way and kept in the pool (the setting is the pool's,
        // not a guest's, so it does not end the connection).
        assert_eq!(pool.lock_idle().len(), 1);
        for (reads, expect_mapped) in [
            (Reads::Mapped, true),
            (Reads::Cached, false),
            (Reads::Mapped, true),
        ] {
            let conn = pool.checkout_reading(reads).unwrap();
            assert_eq!(mapped(&conn) > 0, expect_mapped, "{reads:?}");
            drop(conn);
            assert_eq!(pool.lock_idle().len(), 1);
        }

        // With one idle connection of each kind, each request gets the one that reads its way
        // already: had either been switched, both would read one way.
        let a = pool.checkout_reading(Reads::Mapped).unwrap();
        let b = pool.checkout_reading(Reads::Cached).unwrap();
        drop((a, b));
        for reads in [Reads::Mapped, Reads::Cached, Reads::Mapped] {
            drop(pool.checkout_reading(reads).unwrap());
            let idle = pool.lock_idle();
            assert_eq!(idle.len(), 2);
            assert!(idle.iter().any(|p| p.reads == Reads::Mapped));
            assert!(idle.iter().any(|p| p.reads == Reads::Cached));
        }
    }

    /// Concurrent writers (each commit taking the write turn, as guests do) and readers: the
    /// log stays within twice the policy's size, where PASSIVE checkpoints alone let it grow to
    /// the whole volume written (tens of MiB here).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_wal_stays_bounded_under_concurrent_writers_and_readers() {
        const WRITERS: usize = 4;
        const COMMITS: usize = 750;
        let policy = WalPolicy {
            restart_bytes: 2 << 20,
        };
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open_with(&dir.path().join("t.db"), policy).unwrap();
        pool.checkout()
            .unwrap()
            .execute_batch("CREATE TABLE t (b BLOB)")
            .unwrap();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let largest = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut readers = Vec::new();
        for _ in 0..2 {
            let (pool, done, largest) = (pool.clone(), done.clone(), largest.clone());
            readers.push(tokio::spawn(async move {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let mut conn = GuestConnection::open(&pool, Reads::Cached).unwrap();
                    conn.execute("SELECT count(*) FROM t", vec![])
                        .await
                        .unwrap();
                    largest.fetch_max(pool.wal_bytes(), std::sync::atomic::Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }));
        }
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let pool = pool.clone();
            writers.push(tokio::spawn(async move {
                for i in 0..COMMITS {
                    let mut conn = GuestConnection::open(&pool, Reads::Cached).unwrap();
                    conn.execute("BEGIN IMMEDIATE", vec![]).await.unwrap();
                    let blob = vec![(w * COMMITS + i) as u8; 4096];
                    conn.execute("INSERT INTO t VALUES (?)", vec![Value::Blob(blob)])
                        .await
                        .unwrap();
                    conn.execute("COMMIT", vec![]).await.unwrap();
                }
            }));
        }
        for writer in writers {
            writer.await.unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        for reader in readers {
            reader.await.unwrap();
        }
        let largest = largest.load(std::sync::atomic::Ordering::Relaxed);
        let written = (WRITERS * COMMITS * 4096) as u64;
        assert!(
            largest <= 2 * policy.restart_bytes,
            "the WAL reached {largest} bytes (bound {}; {written} bytes written)",
            2 * policy.restart_bytes
        );
        pool.checkpoint_and_truncate().await.unwrap();
        assert_eq!(pool.wal_bytes(), 0);
        let conn = pool.checkout().unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows as usize, WRITERS * COMMITS);
    }

    #[test]
    fn a_guest_hears_of_a_commit_only_once_a_sync_has_covered_it() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
        let mut run = |sql: &str| {
            block_on(guest.execute(sql, vec![])).unwrap();
            pool.sync.counts()
        };
        // (commits begun, written, on disk) when each statement's result reaches the guest.
        assert_eq!(run("CREATE TABLE t (x)"), (1, 1, 1));
        assert_eq!(run("INSERT INTO t VALUES (1)"), (2, 2, 2));
        assert_eq!(run("BEGIN IMMEDIATE"), (2, 2, 2));
        assert_eq!(run("INSERT INTO t VALUES (2)"), (2, 2, 2));
        assert_eq!(run("COMMIT"), (3, 3, 3));
        // Nothing to make durable: a read, a rolled-back transaction.
        assert_eq!(run("SELECT count(*) FROM t"), (3, 3, 3));
        assert_eq!(run("BEGIN IMMEDIATE"), (3, 3, 3));
        assert_eq!(run("INSERT INTO t VALUES (3)"), (3, 3, 3));
        assert_eq!(run("ROLLBACK"), (3, 3, 3));
    }

    #[test]
    fn a_read_waits_for_the_commits_begun_before_it_to_be_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        pool.checkout()
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            .unwrap();
        // Written by a connection of the host, not yet synced: a guest's read of it waits.
        let (begun, written, durable) = pool.sync.counts();
        assert!(
            begun == written && durable < begun,
            "{:?}",
            pool.sync.counts()
        );
        let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
        block_on(guest.execute("SELECT x FROM t", vec![])).unwrap();
        assert_eq!(pool.sync.counts().2, begun);
    }

    #[test]
    fn the_log_the_group_commit_syncs_is_the_one_sqlite_writes() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let pool = DbPool::open(&path).unwrap();
        let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
        block_on(guest.execute("CREATE TABLE t (x)", vec![])).unwrap();
        block_on(guest.execute("INSERT INTO t VALUES (randomblob(100000))", vec![])).unwrap();
        let on_disk = std::fs::metadata(dir.path().join("new.db-wal")).unwrap();
        assert!(on_disk.len() > 100_000, "the commits are in the log");
        assert_eq!(on_disk.ino(), pool.sync.wal_inode());
    }

    #[test]
    fn write_transactions_run_on_the_pools_writer_and_row_counts_follow_the_guest() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let cache = |conn: &Connection| count(conn, "PRAGMA cache_size");
        let counts = |guest: &GuestConnection| (guest.last_insert_rowid(), guest.changes());
        let run = |guest: &mut GuestConnection, sql: &str| {
            block_on(guest.execute(sql, vec![])).unwrap();
        };
        let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
        run(&mut guest, "CREATE TABLE t (x UNIQUE)");
        run(&mut guest, "INSERT INTO t VALUES (1)");
        let own_cache = cache(&guest.conn);
        assert_ne!(own_cache, -WRITER_CACHE_KIB);

        run(&mut guest, "BEGIN IMMEDIATE");
        assert!(guest.conn.writer, "the transaction runs on the writer");
        assert_eq!(cache(&guest.conn), -WRITER_CACHE_KIB);
        // Nothing changed on the writer yet: the counts are those of the guest's last change.
        assert_eq!(counts(&guest), (1, 1));
        run(&mut guest, "INSERT INTO t VALUES (2), (3)");
        assert_eq!(counts(&guest), (3, 2));
        run(&mut guest, "COMMIT");
        assert!(!guest.conn.writer, "the guest has its own connection back");
        assert_eq!(cache(&guest.conn), own_cache);
        assert_eq!(counts(&guest), (3, 2));
        assert!(lock(&pool.warm_writer).is_some(), "the writer is back");
        let rows = block_on(guest.execute("SELECT count(*) FROM t", vec![])).unwrap();
        assert!(matches!(rows.rows[0].values[0], Value::Integer(3)));

        // Another guest's transactions on the writer show it neither their row ids nor counts.
        let mut other = GuestConnection::open(&pool, Reads::Cached).unwrap();
        run(&mut other, "BEGIN IMMEDIATE");
        run(&mut other, "INSERT INTO t VALUES (100)");
        assert_eq!(counts(&other), (4, 1));
        run(&mut other, "COMMIT");
        drop(other);
        run(&mut guest, "BEGIN IMMEDIATE");
        assert!(guest.conn.writer);
        assert_eq!(counts(&guest), (3, 2), "not the other guest's");
        // An UPDATE that matches nothing counts 0 rows; none sets a row id.
        run(&mut guest, "UPDATE t SET x = 0 WHERE x = -1");
        assert_eq!(counts(&guest), (3, 0));
        run(&mut guest, "UPDATE t SET x = x + 10 WHERE x = 1");
        assert_eq!(counts(&guest), (3, 1));
        run(&mut guest, "COMMIT");
        assert_eq!(counts(&guest), (3, 1));
        // Statements that are not INSERT, UPDATE or DELETE leave the count alone; those that
        // are count, after a comment or a WITH, and even when nothing was inserted.
        run(
            &mut guest,
            "/* c */ WITH n(v) AS (VALUES (5), (6)) INSERT INTO t SELECT v FROM n",
        );
        assert_eq!(counts(&guest), (6, 2));
        run(&mut guest, "CREATE TABLE u (y)");
        run(&mut guest, "SELECT * FROM t");
        assert_eq!(counts(&guest), (6, 2));
        assert!(block_on(guest.execute("INSERT INTO t VALUES (5)", vec![])).is_err());
        assert_eq!(counts(&guest), (6, 0), "a failed INSERT changed no row");
        run(&mut guest, "DELETE FROM t WHERE x IN (5, 6)");
        assert_eq!(counts(&guest), (6, 2));
        run(&mut guest, "-- again\nINSERT OR IGNORE INTO t VALUES (100)");
        assert_eq!(counts(&guest), (6, 0));

        // A transaction given up is rolled back before the turn passes on, and the writer
        // still goes back.
        run(&mut guest, "BEGIN IMMEDIATE");
        run(&mut guest, "INSERT INTO t VALUES (4)");
        drop(guest);
        assert!(pool.writer.try_lock().is_ok(), "the turn has passed on");
        let writer = lock(&pool.warm_writer).take().expect("the writer is back");
        assert_eq!(count(&writer.conn, "SELECT count(*) FROM t WHERE x = 4"), 0);
        *lock(&pool.warm_writer) = Some(writer);

        // A TEMP table made in the transaction stays with the guest, on the writer, which is
        // then not handed on.
        let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
        run(&mut guest, "BEGIN IMMEDIATE");
        run(&mut guest, "CREATE TEMP TABLE scratch (x)");
        run(&mut guest, "COMMIT");
        assert!(guest.conn.writer, "the writer is the guest's now");
        run(&mut guest, "INSERT INTO scratch VALUES (1)");
        assert!(lock(&pool.warm_writer).is_none());
        drop(guest);
        assert!(
            lock(&pool.warm_writer).is_none(),
            "it was closed with the guest"
        );
        // The next transaction gets a writer of its own.
        let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
        run(&mut guest, "BEGIN IMMEDIATE");
        assert!(guest.conn.writer);
        run(&mut guest, "ROLLBACK");
        assert!(!guest.conn.writer);
        assert!(lock(&pool.warm_writer).is_some());
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
    fn only_the_first_of_several_statements_runs_as_on_spin() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let conn = pool.checkout().unwrap();
        execute(
            &conn,
            "CREATE TABLE a (x); INSERT INTO a VALUES (1)",
            vec![],
        )
        .unwrap();
        let count = execute(&conn, "SELECT count(*) FROM a", vec![]).unwrap();
        assert!(matches!(count.rows[0].values[0], Value::Integer(0)));
        // The rest is not even prepared: a statement that would be refused is ignored too.
        let first = execute(&conn, "SELECT 7 AS n; ATTACH '/etc/passwd' AS p", vec![]).unwrap();
        assert_eq!(first.columns, ["n"]);
        // A first statement that is wrong is still an error, whatever follows it.
        assert!(execute(&conn, "SELEC 1; SELECT 2", vec![]).is_err());
        assert!(execute(&conn, "SELECT 1;  -- done", vec![]).is_ok());
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_guest_connection_sees_nothing_of_an_earlier_session() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let idle = || pool.lock_idle().len();
        {
            let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
            block_on(guest.execute("CREATE TABLE kept (x)", vec![])).unwrap();
            block_on(guest.execute("INSERT INTO kept VALUES (1)", vec![])).unwrap();
            assert_eq!((guest.last_insert_rowid(), guest.changes()), (1, 1));
        }
        assert_eq!(
            idle(),
            1,
            "a connection whose session is untouched goes back to the pool"
        );
        {
            let guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
            // A new connection on Spin: nothing inserted or changed yet.
            assert_eq!((guest.last_insert_rowid(), guest.changes()), (0, 0));
        }
        for session_change in [
            "CREATE TEMP TABLE t (x)",
            "CREATE TABLE temp.t2 (x)",
            "ATTACH ':memory:' AS m",
            "PRAGMA foreign_keys = OFF",
            "PRAGMA busy_timeout = 1",
        ] {
            {
                let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
                block_on(guest.execute(session_change, vec![])).unwrap();
            }
            assert_eq!(idle(), 0, "`{session_change}` ends with its connection");
            let conn = pool.checkout().unwrap();
            assert_eq!(count(&conn, "SELECT count(*) FROM sqlite_temp_master"), 0);
            let attached = "SELECT count(*) FROM pragma_database_list WHERE name = 'm'";
            assert_eq!(count(&conn, attached), 0);
            assert_eq!(count(&conn, "PRAGMA foreign_keys"), 1);
            assert_eq!(count(&conn, "PRAGMA busy_timeout"), 5000);
        }
        // Reading settings and the schema does not change the session.
        for reading in [
            "PRAGMA foreign_keys",
            "PRAGMA table_info(kept)",
            "PRAGMA user_version",
        ] {
            drop(pool.checkout().unwrap());
            {
                let mut guest = GuestConnection::open(&pool, Reads::Cached).unwrap();
                block_on(guest.execute(reading, vec![])).unwrap();
            }
            assert_eq!(idle(), 1, "`{reading}` keeps its connection pooled");
        }
    }

    /// Runs a guest statement's future to completion on a runtime of its own.
    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn io_error(result: Result<QueryResult, Error>) -> String {
        match result {
            Err(Error::Io(message)) => message,
            Err(other) => panic!("expected an io error, got {other:?}"),
            Ok(_) => panic!("expected an io error, got rows"),
        }
    }

    #[test]
    fn attach_of_a_file_is_not_authorized_as_on_spin() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let conn = pool.checkout().unwrap();
        let other = dir.path().join("other.db");
        rusqlite::Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE secret (x)")
            .unwrap();
        let attach_file = format!("ATTACH '{}' AS other", other.display());
        assert_eq!(
            io_error(execute(&conn, &attach_file, vec![])),
            "not authorized"
        );
        assert_eq!(
            io_error(execute(&conn, "ATTACH '/etc/passwd' AS p", vec![])),
            "not authorized"
        );
        assert_eq!(
            io_error(execute(
                &conn,
                "ATTACH DATABASE 'file:x.db?mode=memory' AS u",
                vec![]
            )),
            "not authorized"
        );
        let by_parameter = execute(
            &conn,
            "ATTACH ? AS other",
            vec![Value::Text(other.display().to_string())],
        );
        assert_eq!(io_error(by_parameter), "not authorized");
        let vacuum_into = format!("VACUUM INTO '{}'", dir.path().join("copy.db").display());
        assert!(execute(&conn, &vacuum_into, vec![]).is_err());
        assert!(!dir.path().join("copy.db").exists());
    }

    #[test]
    fn attach_of_a_temporary_or_in_memory_database_works_as_on_spin() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("t.db")).unwrap();
        let conn = pool.checkout().unwrap();
        execute(&conn, "ATTACH ':memory:' AS m", vec![]).unwrap();
        execute(&conn, "ATTACH '' AS t", vec![]).unwrap();
        execute(&conn, "CREATE TABLE m.x (v)", vec![]).unwrap();
        execute(&conn, "DETACH m", vec![]).unwrap();
        execute(&conn, "DETACH t", vec![]).unwrap();
    }
}
