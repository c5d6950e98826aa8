//! What one request's `Store` holds: WASI and wasi-http state, the component's capabilities,
//! and the resources the guest opened. A fresh one is made for every request.

use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
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
}

pub struct RequestState {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub hooks: OutboundHooks,
    pub caps: Arc<Capabilities>,
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
