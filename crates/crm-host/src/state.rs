//! What one request's `Store` holds: WASI and wasi-http state, the component's capabilities,
//! and the resources the guest opened. A fresh one is made for every request.

use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::kv::KvBackend;
use crate::outbound::{AllowedHosts, OutboundHooks};
use crate::spin_api::fermyon::spin::variables::{self, Error as VariableError};
use crate::sqlite::DbPool;

/// What the manifest grants one component (and, by inheritance, its dependencies).
pub struct Capabilities {
    pub component: String,
    pub kv: HashMap<String, Arc<dyn KvBackend>>,
    pub sqlite: HashMap<String, Arc<DbPool>>,
    pub variables: HashMap<String, String>,
    pub allowed_hosts: Arc<AllowedHosts>,
    pub environment: Vec<(String, String)>,
    /// Outbound HTTP is denied outright, as Spin's deny adapter denies it to a dependency that
    /// does not inherit `allowed_outbound_hosts` (see `isolate.rs`).
    pub outbound_denied: bool,
}

pub struct RequestState {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub hooks: OutboundHooks,
    pub caps: Arc<Capabilities>,
    pub limits: MemoryLimit,
    /// This request's instances of the component's dependencies that do not inherit its
    /// configuration (see `isolate.rs`); empty for composed dependencies.
    pub dependencies: Vec<crate::isolate::RunningDependency>,
    /// How the request's SQLite connections read pages: mapped for a safe method.
    pub reads: crate::sqlite::Reads,
}

/// `--max-instance-memory`: how large any one linear memory of the instance may grow. A
/// refused `memory.grow` returns -1 to the guest, whose allocator then usually aborts.
// As Spin 4.0.2: crates/core/src/limits.rs (StoreLimitsAsync::memory_growing): a limit per
// memory (`desired <= limit`), not a total, and a warning when it refuses.
pub struct MemoryLimit {
    limits: StoreLimits,
    request: u64,
}

impl MemoryLimit {
    pub fn new(max_bytes: usize, request: u64) -> MemoryLimit {
        MemoryLimit {
            limits: StoreLimitsBuilder::new().memory_size(max_bytes).build(),
            request,
        }
    }
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if !allowed {
            eprintln!(
                "crm: [req {}] instance memory limit exceeded: a memory of {current} bytes asked for {desired}",
                self.request
            );
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl variables::Host for RequestState {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<String, VariableError>> {
        if !crate::manifest::is_variable_name(&name) {
            return Ok(Err(VariableError::InvalidName(format!(
                "`{name}` is not a variable name: use lower-case letters, digits and `_`"
            ))));
        }
        Ok(self.caps.variables.get(&name).cloned().ok_or_else(|| {
            VariableError::Undefined(format!(
                "no variable `{name}` for component `{}`",
                self.caps.component
            ))
        }))
    }
}
