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

/// Compiles `bytes`, or loads the result of an earlier compilation of the same bytes by a
/// compatible engine from `cache_dir`.
pub fn load_component(engine: &Engine, bytes: &[u8], cache_dir: &Path) -> Result<Component> {
    let path = cache_path(engine, bytes, cache_dir);
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` of an engine with the same
        // compatibility hash (it is part of the file name), and only crm writes this directory.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => eprintln!(
                "crm: ignoring unusable cache entry {}: {e:#}",
                path.display()
            ),
        }
    }
    let component = Component::new(engine, bytes)
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

fn cache_path(engine: &Engine, bytes: &[u8], cache_dir: &Path) -> PathBuf {
    let mut hasher = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let digest = Sha256::new()
        .chain_update(hasher.finish().to_le_bytes())
        .chain_update(bytes)
        .finalize();
    cache_dir.join(format!("{}.cwasm", hex::encode(&digest[..16])))
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

    #[test]
    fn pool_slots_hold_the_instance_memory_limit() {
        assert_eq!(slot_bytes(128 << 20), MIN_SLOT_BYTES);
        assert_eq!(slot_bytes(1 << 30), 1 << 30);
        assert_eq!(slot_bytes((1 << 30) + 1), (1 << 30) + (64 << 10));
    }
}
