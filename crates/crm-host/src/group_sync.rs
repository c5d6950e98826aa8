//! Group commit for a SQLite file in WAL mode: the commits of many requests made durable by one
//! `fdatasync` of the log.
//!
//! Connections run with `synchronous = NORMAL`, so a COMMIT writes its frames to the log and
//! returns without syncing it, and the write turn passes on at once. Each commit is counted
//! twice: as *begun* by the connection's commit hook (which SQLite calls under its write lock,
//! before the frames are written, so commits begin in log order), and as *written* once its
//! statement has returned ([`GroupSync::written`]). A sync covers every commit written before
//! it began: the first waiter that finds none running starts one on a blocking thread, and
//! commits made meanwhile wait for the next, which covers them all together.
//!
//! Before a guest hears the result of an operation, the host waits until the commits it depends
//! on are on disk ([`GroupSync::settled`], [`GroupSync::settled_to`]):
//! - a statement run outside the guest's own write transaction: every commit begun before it
//!   ended (whatever it read may come from any of them);
//! - a key-value write: its own commit; a key-value read: the commit that last wrote the key
//!   (`kv.rs` keeps their numbers), so reading a session does not wait for others' carts.
//!
//! So a commit is acknowledged only once it is on disk, as with `synchronous = FULL`, and
//! nothing a guest reads outside a write transaction can be lost to a power loss afterwards,
//! also as with FULL (which syncs before a commit becomes visible): a request never answers, or
//! writes to another store, what a power loss could take back.
//!
//! Inside a write transaction (the write turn held), statements are not held up: they may see
//! the previous commits before they are synced, but the transaction's own COMMIT or ROLLBACK
//! waits for them, and a connection given up inside its transaction syncs the log before the
//! guest goes on ([`GroupSync::sync_now`]). Only a key-value write made from inside a write
//! transaction, based on what it read, could get ahead of them; records makes none.
//!
//! Why NORMAL plus this sync is as safe as FULL: between checkpoints SQLite only appends to the
//! log, and `fdatasync` flushes everything written to it before the call. Under NORMAL a
//! checkpoint syncs the log before copying frames back and the database after, and SQLite
//! starts the log over only once every frame is back in the synced database, so a synced frame
//! is never overwritten while it is the only copy. The one other thing FULL does at a commit,
//! padding the last frame to a sector, is off on Linux (powersafe overwrite).
//!
//! A failed sync poisons the file: Linux may drop the dirty pages and report success on the next
//! try, so nothing not yet synced can be called durable again. Every later wait and every later
//! statement on the file fails with the error until `crm` is restarted (SQLite recovers the log
//! then), instead of acknowledging what may be lost.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The group commit of one database file.
pub struct GroupSync {
    /// The log, opened once: SQLite keeps the same file (it truncates, never deletes it) for as
    /// long as a connection is open, and the pool's checkpointer keeps one open.
    wal: File,
    wal_path: PathBuf,
    state: Mutex<SyncState>,
    /// Woken when a sync ends or a commit is written.
    changed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct SyncState {
    /// Commits whose hook has run (in log order).
    begun: u64,
    /// Commits written: their statement has returned.
    written: u64,
    /// Every commit up to this number is on disk.
    durable: u64,
    /// A sync is running.
    syncing: bool,
    /// Why the file can no longer be called durable.
    failed: Option<String>,
}

impl GroupSync {
    /// Opens the log at `wal`, creating it if SQLite has not yet (an empty log is a valid one;
    /// SQLite uses the file it finds), and syncs it and its directory: what an earlier
    /// process wrote and did not sync before it ended is on disk before anyone reads it, and
    /// the log's own name survives a power loss. Nothing is ever written through this handle.
    pub fn open(wal: &Path) -> std::io::Result<Arc<GroupSync>> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(wal)?;
        file.sync_data()?;
        let dir = match wal.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
        Ok(Arc::new(GroupSync {
            wal: file,
            wal_path: wal.to_owned(),
            state: Mutex::new(SyncState::default()),
            changed: tokio::sync::Notify::new(),
        }))
    }

    /// A commit begins: called by the commit hook, under SQLite's write lock.
    pub fn begun(&self) {
        self.lock().begun += 1;
    }

    /// `commits` whose hook ran have been written (their statement returned, successfully or
    /// not). Every begun commit must be counted written, or waits for it never end.
    pub fn written(&self, commits: u64) {
        self.lock().written += commits;
        // A wait that found nothing written to sync may start one now.
        self.changed.notify_waiters();
    }

    /// Fails if a sync of this file has failed (see the module's comment).
    pub fn check(&self) -> Result<(), String> {
        match &self.lock().failed {
            None => Ok(()),
            Some(why) => Err(self.failure(why)),
        }
    }

    fn failure(&self, why: &str) -> String {
        format!(
            "the database log {} could not be synced to disk ({why}); restart crm",
            self.wal_path.display()
        )
    }

    /// The number of commits begun so far: the last one's number.
    pub fn begun_so_far(&self) -> u64 {
        self.lock().begun
    }

    /// Every commit up to this number is on disk.
    pub fn durable_so_far(&self) -> u64 {
        self.lock().durable
    }

    /// Waits until every commit begun so far is on disk, starting syncs as needed. Returns at
    /// once when they all are. Cancelling the wait does not stop a sync it started.
    pub async fn settled(self: &Arc<Self>) -> Result<(), String> {
        let target = self.begun_so_far();
        self.settled_to(target).await
    }

    /// Waits until the commits numbered up to `target` are on disk; a number not yet begun
    /// stands for the last commit begun.
    pub async fn settled_to(self: &Arc<Self>, target: u64) -> Result<(), String> {
        let target = {
            let state = self.lock();
            if state.durable >= target {
                return Ok(());
            }
            target.min(state.begun)
        };
        loop {
            // Registered before the state is read, so that a change in between still wakes it.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let leader = {
                let mut state = self.lock();
                if state.durable >= target {
                    return Ok(());
                }
                if let Some(why) = &state.failed {
                    return Err(self.failure(why));
                }
                (!state.syncing && state.written > state.durable).then(|| {
                    state.syncing = true;
                    Leader {
                        sync: self.clone(),
                        upto: state.written,
                        done: false,
                    }
                })
            };
            // Spawned with the state unlocked: a sync dropped unrun ends itself under the lock.
            if let Some(leader) = leader {
                tokio::task::spawn_blocking(move || leader.sync());
            }
            changed.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SyncState> {
        // The state is a few counters, each update complete before the lock is released.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Syncs the log now, on the calling thread, outside the group: for a connection given up
    /// inside its write transaction, whose reads may have seen commits not yet on disk (see
    /// `GuestConnection`'s `Drop`). A failure poisons the file as any failed sync does.
    pub fn sync_now(&self) {
        if let Err(e) = self.wal.sync_data() {
            self.poison(e.to_string());
        }
    }

    fn poison(&self, why: String) {
        eprintln!(
            "crm: fdatasync of {} failed; every later statement on it fails until crm is \
             restarted: {why}",
            self.wal_path.display()
        );
        self.lock().failed.get_or_insert(why);
        self.changed.notify_waiters();
    }

    /// Ends a sync: `result` of syncing everything written up to `upto`.
    fn synced(&self, upto: u64, result: Result<(), String>) {
        let mut state = self.lock();
        state.syncing = false;
        match result {
            Ok(()) => {
                state.durable = state.durable.max(upto);
                drop(state);
                self.changed.notify_waiters();
            }
            Err(e) => {
                drop(state);
                self.poison(e);
            }
        }
    }

    /// The inode of the log this syncs, for tests.
    #[cfg(test)]
    pub(crate) fn wal_inode(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        self.wal.metadata().unwrap().ino()
    }

    /// (begun, written, durable), for tests.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> (u64, u64, u64) {
        let state = self.lock();
        (state.begun, state.written, state.durable)
    }
}

/// The sync a waiter started. If it never runs (the runtime shutting down), dropping it still
/// ends it, so that no one waits for it forever.
struct Leader {
    sync: Arc<GroupSync>,
    upto: u64,
    done: bool,
}

impl Leader {
    fn sync(mut self) {
        let result = self.sync.wal.sync_data().map_err(|e| e.to_string());
        self.done = true;
        self.sync.synced(self.upto, result);
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if !self.done {
            self.sync
                .synced(self.upto, Err("the sync did not run".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> (tempfile::TempDir, Arc<GroupSync>) {
        let dir = tempfile::tempdir().unwrap();
        let sync = GroupSync::open(&dir.path().join("t.db-wal")).unwrap();
        (dir, sync)
    }

    fn commit(sync: &GroupSync) {
        sync.begun();
        sync.written(1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wait_ends_once_a_sync_begun_after_every_commit_before_it_has_ended() {
        let (_dir, sync) = log();
        sync.settled().await.unwrap();
        commit(&sync);
        assert_eq!(sync.counts(), (1, 1, 0));
        sync.settled().await.unwrap();
        assert_eq!(sync.counts(), (1, 1, 1));

        let mut waits = Vec::new();
        for _ in 0..64 {
            let sync = sync.clone();
            waits.push(tokio::spawn(async move {
                commit(&sync);
                let (begun, _, _) = sync.counts();
                sync.settled().await.unwrap();
                let (_, _, durable) = sync.counts();
                assert!(durable >= begun, "{durable} durable, {begun} begun");
            }));
        }
        for wait in waits {
            wait.await.unwrap();
        }
        assert_eq!(sync.counts(), (65, 65, 65));
        assert!(!sync.lock().syncing);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wait_for_a_commit_still_being_written_ends_after_it_is_written_and_synced() {
        let (_dir, sync) = log();
        sync.begun();
        let waiting = tokio::spawn({
            let sync = sync.clone();
            async move { sync.settled().await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // Nothing written yet: no sync can cover the commit, so the wait goes on.
        assert!(!waiting.is_finished());
        assert_eq!(sync.counts(), (1, 0, 0));
        sync.written(1);
        waiting.await.unwrap().unwrap();
        assert_eq!(sync.counts(), (1, 1, 1));
    }

    #[tokio::test]
    async fn a_wait_for_a_commit_that_never_began_ends_with_the_last_one_begun() {
        let (_dir, sync) = log();
        commit(&sync);
        // A key-value write noted as the next commit, which then failed before committing.
        sync.settled_to(2).await.unwrap();
        assert_eq!(sync.counts(), (1, 1, 1));
    }

    #[tokio::test]
    async fn after_a_failed_sync_nothing_more_is_acknowledged() {
        let (_dir, sync) = log();
        commit(&sync);
        sync.settled().await.unwrap();
        sync.synced(1, Err("EIO".into()));
        assert!(sync.check().unwrap_err().contains("EIO"));
        commit(&sync);
        let error = sync.settled().await.unwrap_err();
        assert!(
            error.contains("EIO") && error.contains("restart"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_sync_that_never_ran_does_not_leave_waits_hanging() {
        let (_dir, sync) = log();
        commit(&sync);
        sync.lock().syncing = true;
        drop(Leader {
            sync: sync.clone(),
            upto: 1,
            done: false,
        });
        assert!(!sync.lock().syncing);
        assert!(sync.settled().await.is_err());
    }
}
