//! The one `Engine` of the process, its epoch ticker, and compiled components cached on disk.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::Component;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; a request's deadline is checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The smallest memory slot of the pooling allocator.
const MIN_SLOT_BYTES: usize = 256 << 20;

/// Builds the engine: epoch interruption, and the pooling allocator (with copy-on-write memory
/// images) when the machine lets us reserve its address space; otherwise on-demand allocation.
///
/// `max_instance_memory` is the largest any one guest memory may grow (`--max-instance-memory`,
/// enforced per store); the pool's slots are made at least that large, or a memory would hit
/// the slot's end before the limit and fail in a way the limit does not report.
pub fn build_engine(max_instance_memory: usize) -> Result<(Engine, &'static str)> {
    let slot = slot_bytes(max_instance_memory);
    let mut config = base_config();
    without_guard_pages(&mut config, slot);
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(1000)
        .total_core_instances(4000)
        .total_memories(2000)
        .total_tables(4000)
        .total_stacks(1000)
        .max_memory_size(slot)
        // Resetting a slot with madvise costs a TLB shootdown on every core and page faults on
        // the next use; keeping the low pages resident and resetting only the dirty ones
        // (found with PAGEMAP_SCAN where the kernel has it) avoids both.
        .linear_memory_keep_resident(4 << 20)
        .table_keep_resident(1 << 20)
        .async_stack_keep_resident(1 << 20)
        .pagemap_scan(Enabled::Auto)
        .decommit_batch_size(64);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    match Engine::new(&config) {
        Ok(engine) => Ok((engine, "pooling")),
        Err(error) => {
            eprintln!(
                "crm: the pooling allocator is unavailable ({error:#}); allocating on demand"
            );
            let engine = Engine::new(&base_config())
                .map_err(anyhow::Error::from)
                .context("cannot create the wasm engine")?;
            Ok((engine, "on-demand"))
        }
    }
}

fn base_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    // The guests are WASI 0.2 components, as Spin 4.0.2 runs them: nothing uses the component
    // model's async. With it on, every core instance of every instantiation also made a task
    // for it (instantiation about 12 % slower; docs/PERFORMANCE.md).
    config.concurrency_support(false);
    config
}

/// With guard pages, every instantiation after a `memory.grow` (Rust's allocator grows memory
/// on nearly every request) shrinks the slot's accessible range with `mprotect`, and each
/// shrink is a TLB shootdown on every core. Explicit bounds checks cost the guest a little
/// and avoid that host-wide stall.
fn without_guard_pages(config: &mut Config, slot: usize) {
    config.signals_based_traps(false);
    config.memory_guard_size(0);
    config.memory_reservation(slot as u64);
}

/// The pool's memory slot for a limit: at least [`MIN_SLOT_BYTES`], rounded up to whole
/// 64 KiB wasm pages.
fn slot_bytes(max_instance_memory: usize) -> usize {
    const PAGE: usize = 64 << 10;
    max_instance_memory
        .max(MIN_SLOT_BYTES)
        .div_ceil(PAGE)
        .saturating_mul(PAGE)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] on one thread, for the life of the process.
pub fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("crm-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| {
            eprintln!("crm: cannot start the epoch ticker, request deadlines are off: {e}")
        });
}

/// What a compiled component is cached under: the engine's compatibility hash, the
/// composition's revision, and for each input file its role, path, size, modification time
/// and inode. A hit therefore reads no wasm at all: the start of a serverless host is spent
/// mapping the compiled file, not reading, composing and hashing tens of megabytes again.
/// A rebuilt `.wasm` gets a new modification time, hence a new key.
pub struct CacheKey(Sha256);

/// Bumped whenever [`crate::compose`] would produce different bytes from the same inputs.
const COMPOSITION_REVISION: u32 = 1;

impl CacheKey {
    pub fn new(engine: &Engine) -> Self {
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Self(
            Sha256::new()
                .chain_update(hasher.finish().to_le_bytes())
                .chain_update(COMPOSITION_REVISION.to_le_bytes()),
        )
    }

    /// Adds an input: `role` says what the file is to the composition (the main component, or
    /// the dependency name it is plugged in as, with its settings).
    pub fn file(&mut self, role: &str, path: &Path) -> Result<()> {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0u64;
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        for part in [role.as_bytes(), path.as_os_str().as_encoded_bytes()] {
            self.0.update((part.len() as u64).to_le_bytes());
            self.0.update(part);
        }
        self.0.update(meta.len().to_le_bytes());
        self.0.update(modified.to_le_bytes());
        self.0.update(inode.to_le_bytes());
        Ok(())
    }

    fn path(self, cache_dir: &Path) -> PathBuf {
        cache_dir.join(format!("{}.cwasm", hex::encode(&self.0.finalize()[..16])))
    }
}

/// Loads the component compiled earlier under `key` from `cache_dir`, or makes its bytes with
/// `bytes` (read and compose), compiles them and caches the result.
pub fn load_component(
    engine: &Engine,
    key: CacheKey,
    cache_dir: &Path,
    bytes: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<Component> {
    let path = key.path(cache_dir);
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of an engine with the same
        // compatibility hash (it is part of the key), and only crm writes this directory.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => eprintln!(
                "crm: ignoring unusable cache entry {}: {e:#}",
                path.display()
            ),
        }
    }
    let component = Component::new(engine, bytes()?)
        .map_err(anyhow::Error::from)
        .context("cannot compile the component")?;
    if let Err(e) = write_cache(&component, &path) {
        eprintln!(
            "crm: cannot cache the compiled component in {}: {e:#}",
            path.display()
        );
    }
    Ok(component)
}

/// Writes atomically (temp file + rename), so concurrent `crm` processes never read half a file.
fn write_cache(component: &Component, path: &Path) -> Result<()> {
    let dir = path.parent().context("cache path has no directory")?;
    std::fs::create_dir_all(dir)?;
    let serialized = component.serialize()?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| anyhow::anyhow!("{e}"))?;
    let temp = path.with_extension(format!("tmp{}", hex::encode(suffix)));
    std::fs::write(&temp, serialized)?;
    std::fs::rename(&temp, path)?;
    Ok(())
}

/// The default cache directory: `$XDG_CACHE_HOME/crm`, else `~/.cache/crm`.
pub fn default_cache_dir(state_dir: &Path) -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|base| base.join("crm"))
        .unwrap_or_else(|| state_dir.join("cache"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(engine: &Engine, files: &[(&str, &Path)]) -> PathBuf {
        let mut key = CacheKey::new(engine);
        for (role, path) in files {
            key.file(role, path).unwrap();
        }
        key.path(Path::new("/cache"))
    }

    #[test]
    fn the_cache_key_changes_with_any_input_file_and_its_role() {
        let engine = Engine::new(&base_config()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main.wasm");
        let dep = dir.path().join("dep.wasm");
        std::fs::write(&main, b"main").unwrap();
        std::fs::write(&dep, b"dep").unwrap();
        let both = [("main", main.as_path()), ("crm:records", dep.as_path())];
        let before = key_of(&engine, &both);
        assert_eq!(key_of(&engine, &both), before, "same files, same key");
        assert_ne!(
            key_of(&engine, &[("main", &main)]),
            before,
            "a dependency less"
        );
        assert_ne!(
            key_of(&engine, &[("main", &main), ("crm:other", &dep)]),
            before,
            "plugged in under another name"
        );
        // A rebuilt dependency of the same size: only its modification time differs.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&dep, b"DEP").unwrap();
        assert_ne!(key_of(&engine, &both), before, "a rebuilt file");
        let mut missing = CacheKey::new(&engine);
        assert!(missing.file("main", &dir.path().join("gone.wasm")).is_err());
    }

    #[test]
    fn pool_slots_hold_the_instance_memory_limit() {
        assert_eq!(slot_bytes(128 << 20), MIN_SLOT_BYTES);
        assert_eq!(slot_bytes(1 << 30), 1 << 30);
        assert_eq!(slot_bytes((1 << 30) + 1), (1 << 30) + (64 << 10));
    }
}
