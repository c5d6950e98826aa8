//! Dependencies that do not inherit the component's configuration
//! (`dependencies_inherit_configuration = false`, Spin's default).
//!
//! On Spin such a dependency is composed into the component with its capability imports
//! plugged by a deny adapter: key-value and SQLite `open` fail with `access-denied`, variables
//! are undefined, outbound HTTP is not permitted, the environment is empty.
//! As Spin 4.0.2: crates/compose/src/lib.rs (a dependency that inherits nothing gets the deny
//! adapter) and crates/capabilities/deny-adapter/src/lib.rs (what each denied call returns).
//!
//! `crm` gets the same outcome without an adapter: the dependency is not composed in but
//! instantiated for each request in a `Store` of its own, whose capabilities are empty, so the
//! host's own checks give the denials (`access-denied` for a store or database label the
//! component did not declare, an undefined variable, a refused outbound request, no
//! environment). The component's imports of the dependency's interfaces are host functions
//! that call into that instance with the same values. A dependency that exports a resource
//! type cannot be forwarded this way and is refused at load, naming it.

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::sync::Arc;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, Instance, InstancePre, Linker};
use wasmtime::{Engine, Store};

use crate::compose::DependencyName;
use crate::outbound::AllowedHosts;
use crate::state::{Capabilities, RequestState};

/// A dependency pre-linked on its own, to be instantiated next to each request's component.
pub struct IsolatedDependency {
    pre: InstancePre<RequestState>,
    /// The capabilities it runs with: none.
    pub caps: Arc<Capabilities>,
}

/// An isolated dependency's instance for one request.
pub struct RunningDependency {
    store: Store<RequestState>,
    instance: Instance,
}

impl IsolatedDependency {
    pub async fn instantiate(
        &self,
        mut store: Store<RequestState>,
    ) -> wasmtime::Result<RunningDependency> {
        let instance = self.pre.instantiate_async(&mut store).await?;
        Ok(RunningDependency { store, instance })
    }
}

/// Capabilities that grant nothing, for a dependency of `component`.
fn none(component: &str) -> Capabilities {
    Capabilities {
        component: component.to_owned(),
        kv: HashMap::new(),
        sqlite: HashMap::new(),
        variables: HashMap::new(),
        allowed_hosts: Arc::new(AllowedHosts::resolve(component, &[], &HashMap::new())),
        environment: Vec::new(),
    }
}

/// Pre-links each dependency with `linker` (capabilities empty) and defines, in a copy of
/// `linker` for `main`, every function `main` imports from them as a call into the request's
/// instance of that dependency. Returns the copy and the dependencies, in the order the
/// request state keeps their instances.
pub fn link(
    engine: &Engine,
    linker: &Linker<RequestState>,
    component_id: &str,
    main: &Component,
    dependencies: Vec<(DependencyName, Component)>,
) -> Result<(Linker<RequestState>, Vec<IsolatedDependency>)> {
    let mut main_linker = linker.clone();
    let main_type = main.component_type();
    let mut isolated = Vec::new();
    for (index, (name, dependency)) in dependencies.into_iter().enumerate() {
        let dependency_type = dependency.component_type();
        let mut matched = false;
        for (import, item) in main_type.imports(engine) {
            if !name.matches_import(import) {
                continue;
            }
            matched = true;
            let ComponentItem::ComponentInstance(wanted) = item.ty else {
                bail!("`{import}` is not an interface; only interfaces can come from a dependency");
            };
            if dependency_type.get_export(engine, import).is_none() {
                bail!(
                    "dependency `{}` does not export `{import}`, which the component imports",
                    name.package
                );
            }
            let interface = dependency
                .get_export_index(None, import)
                .with_context(|| format!("dependency `{}` has no `{import}`", name.package))?;
            let mut forwards = main_linker.instance(import)?;
            for (function, item) in wanted.exports(engine) {
                match item.ty {
                    ComponentItem::ComponentFunc(_) => {}
                    ComponentItem::Resource(_) => bail!(
                        "dependency `{}` exports the resource `{function}` in `{import}`; crm \
                         runs a dependency without inherited configuration only if its \
                         interfaces pass plain values (or set \
                         `dependencies_inherit_configuration = true`)",
                        name.package
                    ),
                    _ => continue,
                }
                let export = dependency
                    .get_export_index(Some(&interface), function)
                    .with_context(|| format!("`{import}` has no function `{function}`"))?;
                forwards.func_new_async(function, move |mut store, _, params, results| {
                    Box::new(async move {
                        call(store.data_mut(), index, &export, params, results).await
                    })
                })?;
            }
        }
        if !matched {
            bail!(
                "dependency `{}` matches no import of the component",
                name.package
            );
        }
        isolated.push(IsolatedDependency {
            pre: linker.instantiate_pre(&dependency)?,
            caps: Arc::new(none(component_id)),
        });
    }
    Ok((main_linker, isolated))
}

/// Calls the export `export` of the request's instance of dependency `index`.
async fn call(
    state: &mut RequestState,
    index: usize,
    export: &ComponentExportIndex,
    params: &[wasmtime::component::Val],
    results: &mut [wasmtime::component::Val],
) -> wasmtime::Result<()> {
    let running = state.dependencies.get_mut(index).ok_or_else(|| {
        wasmtime::Error::msg("the dependency was not instantiated for this request")
    })?;
    let func = running
        .instance
        .get_func(&mut running.store, export)
        .ok_or_else(|| wasmtime::Error::msg("the dependency lost an export"))?;
    func.call_async(&mut running.store, params, results).await
}
