//! Component dependencies: each `[component.X.dependencies]` entry is plugged into the
//! component's matching imports with wac-graph, as Spin composes them at load time.

use anyhow::{anyhow, bail, Context, Result};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

/// The name of a dependency: a package (`crm:records`, optionally `@version`) or one interface
/// of it (`crm:records/identity@0.1.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyName {
    pub package: String,
    pub interface: Option<String>,
    pub version: Option<semver::Version>,
}

impl DependencyName {
    pub fn parse(name: &str) -> Result<Self> {
        let (rest, version) = match name.split_once('@') {
            Some((rest, v)) => (
                rest,
                Some(
                    semver::Version::parse(v)
                        .with_context(|| format!("dependency `{name}`: bad version"))?,
                ),
            ),
            None => (name, None),
        };
        let (package, interface) = match rest.split_once('/') {
            Some((p, i)) => (p, Some(i.to_owned())),
            None => (rest, None),
        };
        let valid_id = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        match package.split_once(':') {
            Some((ns, pkg))
                if valid_id(ns) && valid_id(pkg) && interface.as_deref().is_none_or(valid_id) => {}
            _ => bail!("dependency `{name}` must be `namespace:package[/interface][@version]`"),
        }
        Ok(Self {
            package: package.to_owned(),
            interface,
            version,
        })
    }

    /// Whether an import name such as `crm:records/identity@0.1.0` is one this dependency satisfies.
    pub fn matches_import(&self, import: &str) -> bool {
        let (rest, version) = match import.split_once('@') {
            Some((rest, v)) => (rest, semver::Version::parse(v).ok()),
            None => (import, None),
        };
        let Some((package, interface)) = rest.split_once('/') else {
            return false;
        };
        package == self.package
            && self.interface.as_deref().is_none_or(|i| i == interface)
            && self
                .version
                .as_ref()
                .is_none_or(|v| Some(v) == version.as_ref())
    }
}

/// Plugs each dependency into `main` and returns the composed component's bytes. Fails if a
/// dependency matches no import of `main`, or does not export what `main` imports from it.
pub fn compose(main: &[u8], dependencies: &[(DependencyName, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let main_package = Package::from_bytes("crm:main", None, main.to_vec(), graph.types_mut())
        .context("the component is not a valid WebAssembly component")?;
    let main_imports: Vec<String> = graph.types()[main_package.ty()]
        .imports
        .keys()
        .cloned()
        .collect();
    let main_id = graph.register_package(main_package)?;
    let mut plugs = Vec::new();
    for (index, (name, bytes)) in dependencies.iter().enumerate() {
        let package = Package::from_bytes(
            &format!("crm:dependency{index}"),
            None,
            bytes.clone(),
            graph.types_mut(),
        )
        .with_context(|| {
            format!(
                "dependency `{}` is not a valid WebAssembly component",
                name.package
            )
        })?;
        let exports: Vec<String> = graph.types()[package.ty()]
            .exports
            .keys()
            .cloned()
            .collect();
        let wanted: Vec<&String> = main_imports
            .iter()
            .filter(|i| name.matches_import(i))
            .collect();
        if wanted.is_empty() {
            bail!(
                "dependency `{}` matches no import of the component",
                name.package
            );
        }
        if let Some(missing) = wanted.iter().find(|import| !exports.contains(import)) {
            bail!(
                "dependency `{}` does not export `{missing}`, which the component imports",
                name.package
            );
        }
        plugs.push(graph.register_package(package)?);
    }
    wac_graph::plug(&mut graph, plugs, main_id)
        .map_err(|e| anyhow!("cannot compose dependencies: {e:#}"))?;
    graph
        .encode(EncodeOptions::default())
        .context("cannot encode the composed component")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_match_every_interface_of_the_package() {
        let name = DependencyName::parse("crm:records").unwrap();
        assert!(name.matches_import("crm:records/identity@0.1.0"));
        assert!(!name.matches_import("crm:other/identity@0.1.0"));
        assert!(!name.matches_import("wasi:http/types@0.2.0"));
    }

    #[test]
    fn interface_and_version_narrow_the_match() {
        let name = DependencyName::parse("crm:records/audit@0.1.0").unwrap();
        assert!(name.matches_import("crm:records/audit@0.1.0"));
        assert!(!name.matches_import("crm:records/identity@0.1.0"));
        assert!(!name.matches_import("crm:records/audit@0.2.0"));
    }

    #[test]
    fn malformed_names_are_rejected() {
        for bad in ["records", "crm:", "Crm:records", "crm:records@x"] {
            assert!(DependencyName::parse(bad).is_err(), "{bad}");
        }
    }
}
