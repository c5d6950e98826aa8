//! Dependencies that do not inherit all of the component's configuration (Spin's default:
//! neither `dependencies_inherit_configuration = true` nor `inherit_configuration = true`).
//!
//! On Spin such a dependency is composed into the component with the capability imports it
//! does not inherit plugged by a deny adapter: key-value and SQLite `open` fail with
//! `access-denied`, variables are undefined, outbound HTTP is not permitted, the environment is
//! empty. `inherit_configuration = ["key_value_stores", …]` passes the listed groups through.
//! As Spin 4.0.2: crates/compose/src/lib.rs (which dependencies get the deny adapter),
//! crates/capabilities/src/lib.rs (the groups) and crates/capabilities/deny-adapter/src/lib.rs
//! (what each denied call returns).
//!
//! `crm` gets the same outcome without an adapter: the dependency is not composed in but
//! instantiated for each request in a `Store` of its own, whose capabilities are the
//! component's for the inherited groups and empty for the rest, so the host's own checks give
//! the denials (`access-denied` for a store or database label not granted, an undefined
//! variable, no environment), and outbound requests fail as the adapter fails them
//! (`OutboundHooks::denied`). The component's imports of the dependency's interfaces are host
//! functions that call into that instance with the same values. A dependency that exports a
//! resource type cannot be forwarded this way and is refused at load, naming it.

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
    /// The capabilities it runs with: the component's, of the groups it inherits.
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

/// The component's capabilities in the inherited `groups`, nothing of the others. (`files` and
/// `ai_models` grant nothing here: `crm` refuses components that use them.)
pub fn inherited(component: &Capabilities, groups: &[String]) -> Capabilities {
    let has = |group: &str| groups.iter().any(|g| g == group);
    Capabilities {
        component: component.component.clone(),
        kv: if has("key_value_stores") {
            component.kv.clone()
        } else {
            HashMap::new()
        },
        sqlite: if has("sqlite_databases") {
            component.sqlite.clone()
        } else {
            HashMap::new()
        },
        variables: if has("variables") {
            component.variables.clone()
        } else {
            HashMap::new()
        },
        allowed_hosts: if has("allowed_outbound_hosts") {
            component.allowed_hosts.clone()
        } else {
            Arc::new(AllowedHosts::resolve(
                &component.component,
                &[],
                &HashMap::new(),
            ))
        },
        environment: if has("environment") {
            component.environment.clone()
        } else {
            Vec::new()
        },
        outbound_denied: !has("allowed_outbound_hosts"),
    }
}

/// Pre-links each dependency with `linker` (with the capabilities it inherits of `caps`, the
/// component's) and defines, in a copy of `linker` for `main`, every function `main` imports
/// from them as a call into the request's instance of that dependency. Returns the copy and the
/// dependencies, in the order the request state keeps their instances.
pub fn link(
    engine: &Engine,
    linker: &Linker<RequestState>,
    caps: &Capabilities,
    main: &Component,
    dependencies: Vec<(DependencyName, Component, Vec<String>)>,
) -> Result<(Linker<RequestState>, Vec<IsolatedDependency>)> {
    let mut main_linker = linker.clone();
    let main_type = main.component_type();
    let mut isolated = Vec::new();
    for (index, (name, dependency, groups)) in dependencies.into_iter().enumerate() {
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
                         runs a dependency that does not inherit all configuration only if its \
                         interfaces pass plain values (or set `inherit_configuration = true`)",
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
            caps: Arc::new(inherited(caps, &groups)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn component() -> Capabilities {
        let variables = HashMap::from([("word".to_owned(), "s3cret".to_owned())]);
        Capabilities {
            component: "web".into(),
            kv: HashMap::new(),
            sqlite: HashMap::new(),
            allowed_hosts: Arc::new(AllowedHosts::resolve(
                "web",
                &["https://example.com".to_owned()],
                &variables,
            )),
            variables,
            environment: vec![("MODE".into(), "edge".into())],
            outbound_denied: false,
        }
    }

    #[test]
    fn a_dependency_gets_only_the_groups_it_inherits() {
        let nothing = inherited(&component(), &[]);
        assert!(nothing.variables.is_empty() && nothing.environment.is_empty());
        assert!(nothing.outbound_denied);
        let some = inherited(
            &component(),
            &["variables".to_owned(), "allowed_outbound_hosts".to_owned()],
        );
        assert_eq!(some.variables["word"], "s3cret");
        assert!(some.environment.is_empty());
        assert!(!some.outbound_denied);
        assert!(some.allowed_hosts.allows("https", "example.com", 443));
        assert!(!nothing.allowed_hosts.allows("https", "example.com", 443));
        let environment = inherited(&component(), &["environment".to_owned()]);
        assert_eq!(
            environment.environment,
            [("MODE".to_owned(), "edge".to_owned())]
        );
        assert!(environment.variables.is_empty() && environment.outbound_denied);
    }
}
