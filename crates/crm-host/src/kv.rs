//! Key-value for guests (`fermyon:spin/key-value@2.0.0`).
//!
//! The `spin` backend uses Spin's own file layout — table `spin_key_value(store, key, value)` in
//! `sqlite_key_value.db` — so `crm up` and `spin up` can take turns on the same state directory.
//! The `redis` backend keeps values in Redis, as Spin's does.

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::Resource;

use crate::group_sync::GroupSync;
use crate::spin_api::fermyon::spin::key_value::{self, Error};
use crate::sqlite::DbPool;
use crate::state::RequestState;

/// A key-value backend, shared by every request of every component granted the label.
pub trait KvBackend: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;
    fn delete(&self, key: &str) -> Result<(), String>;
    fn exists(&self, key: &str) -> Result<bool, String>;
    fn keys(&self) -> Result<Vec<String>, String>;
    /// For a SQLite file, its group commit and the number of the last commit an operation
    /// just done on `key` (on every key: `None`) depends on: the write itself, or the last
    /// write of the key read. The guest hears the result once that commit is on disk (see
    /// `group_sync.rs`). None for Redis.
    fn settles_at(&self, _key: Option<&str>) -> Option<(&Arc<GroupSync>, u64)> {
        None
    }
}

/// A store in a SQLite file with Spin's table layout.
pub struct SqliteKv {
    store: String,
    pool: Arc<DbPool>,
    /// The number of the commit that last wrote each key, for keys written lately: a read of
    /// a key waits for that commit only, not for every write to the file.
    last_writes: Mutex<HashMap<String, u64>>,
}

/// Past this many keys, the ones whose last write is on disk are forgotten.
const LAST_WRITES_KEPT: usize = 4096;

/// Whose turn it is to write to key-value, for every key-value file of this process. SQLite
/// lets one writer in at a time; a write that finds the file locked waits in SQLite's busy
/// handler, which sleeps 1, 2, 5, 10… ms between tries, however soon the lock is free. Taking
/// turns here hands on the moment a write is done. Each write is one short statement, so the
/// blocking wait is short; the busy handler still covers another process on the same file.
static KV_WRITES: Mutex<()> = Mutex::new(());

impl SqliteKv {
    pub fn open(store: &str, pool: Arc<DbPool>) -> Result<Self> {
        let conn = pool.checkout()?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key   TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
        )
        .with_context(|| {
            format!(
                "cannot create the key-value table in {}",
                pool.path().display()
            )
        })?;
        Ok(Self {
            store: store.to_owned(),
            pool: pool.clone(),
            last_writes: Mutex::new(HashMap::new()),
        })
    }

    fn with_conn<T>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, String> {
        let conn = self.pool.checkout().map_err(|e| e.to_string())?;
        work(&conn).map_err(|e| e.to_string())
    }

    /// Runs one write statement of `key` in its turn, and notes its commit's number. The
    /// commit is synced after the turn has passed on (see `settles_at`).
    fn write(&self, key: &str, sql: &str, parameters: impl rusqlite::Params) -> Result<(), String> {
        let _turn = KV_WRITES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Key-value writes to the file take turns, so this write's commit is the next one
        // begun. Noted before it runs, so that a read of the key that sees it can only find
        // its number: a read waits for no commit that has not begun (`settled_to`), should
        // the write fail before committing.
        let sync = self.pool.sync();
        let mut last_writes = lock(&self.last_writes);
        if last_writes.len() >= LAST_WRITES_KEPT {
            let durable = sync.durable_so_far();
            last_writes.retain(|_, n| *n > durable);
        }
        last_writes.insert(key.to_owned(), sync.begun_so_far() + 1);
        drop(last_writes);
        self.with_conn(|c| c.prepare_cached(sql)?.execute(parameters).map(drop))
    }
}

impl KvBackend for SqliteKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        use rusqlite::OptionalExtension;
        self.with_conn(|c| {
            c.prepare_cached("SELECT value FROM spin_key_value WHERE store = ? AND key = ?")?
                .query_row((&self.store, key), |row| row.get(0))
                .optional()
        })
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.write(
            key,
            "INSERT INTO spin_key_value (store, key, value) VALUES (?, ?, ?)
             ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
            (&self.store, key, value),
        )
    }

    fn delete(&self, key: &str) -> Result<(), String> {
        self.write(
            key,
            "DELETE FROM spin_key_value WHERE store = ? AND key = ?",
            (&self.store, key),
        )
    }

    fn exists(&self, key: &str) -> Result<bool, String> {
        self.get(key).map(|v| v.is_some())
    }

    fn keys(&self) -> Result<Vec<String>, String> {
        self.with_conn(|c| {
            c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?")?
                .query_map([&self.store], |row| row.get(0))?
                .collect()
        })
    }

    fn settles_at(&self, key: Option<&str>) -> Option<(&Arc<GroupSync>, u64)> {
        let sync = self.pool.sync();
        let number = match key {
            // A file guests also write with statements of their own: their commits come
            // between key-value writes, and the numbers noted by `write` would not be the
            // writes' own. Every commit begun is waited for instead.
            Some(_) if self.pool.has_guest_statements() => sync.begun_so_far(),
            Some(key) => lock(&self.last_writes).get(key).copied().unwrap_or(0),
            None => sync.begun_so_far(),
        };
        Some((sync, number))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A store in Redis. Connections are pooled; a broken one is dropped, not reused.
pub struct RedisKv {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
}

const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl RedisKv {
    /// Connects and pings now, so that an unreachable server fails `crm up` at once.
    pub fn connect(url: &str) -> Result<Self> {
        let client =
            redis::Client::open(url).with_context(|| format!("`{url}` is not a Redis URL"))?;
        let mut conn = client
            .get_connection_with_timeout(REDIS_CONNECT_TIMEOUT)
            .with_context(|| format!("cannot connect to Redis at {url}"))?;
        redis::cmd("PING")
            .query::<String>(&mut conn)
            .with_context(|| format!("Redis at {url} does not answer PING"))?;
        Ok(Self {
            client,
            idle: Mutex::new(vec![conn]),
        })
    }

    fn with_conn<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, String> {
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => self
                .client
                .get_connection_with_timeout(REDIS_CONNECT_TIMEOUT)
                .map_err(|e| e.to_string())?,
        };
        let result = cmd.query::<T>(&mut conn).map_err(|e| e.to_string());
        if result.is_ok() {
            self.idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
        }
        result
    }
}

impl KvBackend for RedisKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.with_conn(redis::cmd("GET").arg(key))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.with_conn(redis::cmd("SET").arg(key).arg(value))
    }

    fn delete(&self, key: &str) -> Result<(), String> {
        self.with_conn::<i64>(redis::cmd("DEL").arg(key)).map(drop)
    }

    fn exists(&self, key: &str) -> Result<bool, String> {
        self.with_conn(redis::cmd("EXISTS").arg(key))
    }

    fn keys(&self) -> Result<Vec<String>, String> {
        self.with_conn(redis::cmd("KEYS").arg("*"))
    }
}

/// A guest's open store.
pub struct GuestStore {
    backend: Arc<dyn KvBackend>,
}

impl GuestStore {
    /// Runs `operation` on `key` (`None`: on every key); its outcome reaches the guest once
    /// it is settled: a write on disk, a read of nothing a power loss could take back (see
    /// `group_sync.rs`).
    async fn run<T>(
        &self,
        key: Option<&str>,
        operation: impl FnOnce(&dyn KvBackend) -> Result<T, String>,
    ) -> Result<T, Error> {
        if let Some((sync, _)) = self.backend.settles_at(None) {
            sync.check().map_err(Error::Other)?;
        }
        let outcome = operation(&*self.backend).map_err(Error::Other);
        if let Some((sync, number)) = self.backend.settles_at(key) {
            sync.settled_to(number).await.map_err(Error::Other)?;
        }
        outcome
    }
}

impl key_value::Host for RequestState {}

impl key_value::HostStore for RequestState {
    fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<GuestStore>, Error>> {
        // Only labels the manifest grants this component are reachable; whether another label
        // exists is none of the guest's business, so both cases are `access-denied`.
        match self.caps.kv.get(&label) {
            Some(backend) => Ok(Ok(self.table.push(GuestStore {
                backend: backend.clone(),
            })?)),
            None => Ok(Err(Error::AccessDenied)),
        }
    }

    async fn get(
        &mut self,
        store: Resource<GuestStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.run(Some(&key), |kv| kv.get(&key)).await)
    }

    async fn set(
        &mut self,
        store: Resource<GuestStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store.run(Some(&key), |kv| kv.set(&key, &value)).await)
    }

    async fn delete(
        &mut self,
        store: Resource<GuestStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store.run(Some(&key), |kv| kv.delete(&key)).await)
    }

    async fn exists(
        &mut self,
        store: Resource<GuestStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.run(Some(&key), |kv| kv.exists(&key)).await)
    }

    async fn get_keys(
        &mut self,
        store: Resource<GuestStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.run(None, |kv| kv.keys()).await)
    }

    fn drop(&mut self, store: Resource<GuestStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_with_different_labels_do_not_see_each_others_keys() {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("kv.db")).unwrap();
        let a = SqliteKv::open("a", pool.clone()).unwrap();
        let b = SqliteKv::open("b", pool).unwrap();
        a.set("k", b"1").unwrap();
        a.set("k", b"2").unwrap();
        assert_eq!(a.get("k").unwrap().as_deref(), Some(&b"2"[..]));
        assert_eq!(b.get("k").unwrap(), None);
        assert_eq!(a.keys().unwrap(), ["k"]);
        a.delete("k").unwrap();
        assert!(!a.exists("k").unwrap());
    }

    /// A guest's store in a SQLite file of its own, and the file's pool.
    fn guest_store() -> (tempfile::TempDir, Arc<DbPool>, GuestStore) {
        let dir = tempfile::tempdir().unwrap();
        let pool = DbPool::open(&dir.path().join("kv.db")).unwrap();
        let store = GuestStore {
            backend: Arc::new(SqliteKv::open("default", pool.clone()).unwrap()),
        };
        (dir, pool, store)
    }

    #[tokio::test]
    async fn a_guest_hears_of_a_write_once_it_is_on_disk() {
        let (_dir, pool, store) = guest_store();
        for (key, value) in [("a", "1"), ("b", "2"), ("a", "3")] {
            store
                .run(Some(key), |kv| kv.set(key, value.as_bytes()))
                .await
                .unwrap();
            let (begun, written, durable) = pool.sync().counts();
            assert!(
                begun == written && durable == begun,
                "{begun} {written} {durable}"
            );
        }
        store.run(Some("a"), |kv| kv.delete("a")).await.unwrap();
        let (begun, _, durable) = pool.sync().counts();
        assert_eq!(durable, begun);
    }

    #[tokio::test]
    async fn a_read_waits_for_the_last_write_of_its_key_only() {
        let (_dir, pool, store) = guest_store();
        store
            .run(Some("old"), |kv| kv.set("old", b"1"))
            .await
            .unwrap();
        // Written, not yet on disk (nobody waited for it).
        store.backend.set("new", b"2").unwrap();
        let (begun, _, durable) = pool.sync().counts();
        assert!(durable < begun);
        let old = store.run(Some("old"), |kv| kv.get("old")).await.unwrap();
        assert_eq!(old.as_deref(), Some(&b"1"[..]));
        assert_eq!(pool.sync().counts().2, durable, "nothing to wait for");
        let new = store.run(Some("new"), |kv| kv.get("new")).await.unwrap();
        assert_eq!(new.as_deref(), Some(&b"2"[..]));
        assert_eq!(
            pool.sync().counts().2,
            begun,
            "the read of `new` waited for its write"
        );
    }
}
