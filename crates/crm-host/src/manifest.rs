//! `spin.toml` in Spin's manifest version 2: parsed strictly, validated once at startup.
//!
//! Unknown fields are errors, as they are for Spin. Fields Spin knows but `crm` does not
//! implement are rejected with a message saying so, rather than silently ignored, so that a
//! manifest never means something different here than on Spin.

use anyhow::{ensure, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::outbound::AllowedHosts;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub trigger: Option<toml::Table>,
}

/// An application variable (`[variables]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: RouteSpec,
    pub component: String,
    #[serde(default)]
    pub executor: Option<Executor>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RouteSpec {
    Path(String),
    Private(PrivateRoute),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateRoute {
    pub private: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Executor {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    #[serde(default)]
    pub description: Option<String>,
    pub source: String,
    #[serde(default)]
    pub files: Vec<toml::Value>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub allowed_http_hosts: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default)]
    pub tool: Option<toml::Table>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub dependencies_inherit_configuration: Option<bool>,
    #[serde(default)]
    pub dependencies: BTreeMap<String, Dependency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub command: BuildCommand,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum BuildCommand {
    One(String),
    Many(Vec<String>),
}

impl BuildCommand {
    pub fn commands(&self) -> Vec<&str> {
        match self {
            BuildCommand::One(c) => vec![c.as_str()],
            BuildCommand::Many(cs) => cs.iter().map(String::as_str).collect(),
        }
    }
}

/// A component dependency. Spin also accepts registry and URL sources; `crm` supports local
/// paths only and says so.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub path: String,
    #[serde(default)]
    pub export: Option<String>,
    /// Spin 4's per-dependency inheritance: `true`, `false`, or the capability groups
    /// ([`CAPABILITY_GROUPS`]) the dependency gets from its component.
    #[serde(default)]
    pub inherit_configuration: Option<InheritConfiguration>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum InheritConfiguration {
    All(bool),
    Groups(Vec<String>),
}

/// The capability groups a dependency can inherit by name, as Spin 4 names them.
// As Spin 4.0.2: crates/capabilities/src/lib.rs (CAPABILITY_SETS)
pub const CAPABILITY_GROUPS: &[&str] = &[
    "ai_models",
    "allowed_outbound_hosts",
    "environment",
    "files",
    "key_value_stores",
    "sqlite_databases",
    "variables",
];

/// What one dependency gets of its component's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inherits {
    /// Everything: the dependency is composed into the component.
    All,
    /// These capability groups only (none when empty, Spin's default).
    Groups(Vec<String>),
}

impl Component {
    /// What `dependency` inherits: the component-wide `dependencies_inherit_configuration`, else
    /// the dependency's own `inherit_configuration`, else nothing.
    pub fn inherits(&self, dependency: &Dependency) -> Inherits {
        match (
            self.dependencies_inherit_configuration,
            &dependency.inherit_configuration,
        ) {
            (Some(true), _) | (None, Some(InheritConfiguration::All(true))) => Inherits::All,
            (None, Some(InheritConfiguration::Groups(groups))) => Inherits::Groups(groups.clone()),
            _ => Inherits::Groups(Vec::new()),
        }
    }
}

/// A manifest that passed validation, with the paths resolved against its directory.
#[derive(Debug)]
pub struct App {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl App {
    pub fn load(path: &Path) -> Result<App> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the manifest {}", path.display()))?;
        let manifest: Manifest = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid Spin manifest", path.display()))?;
        validate(&manifest)
            .with_context(|| format!("{} is not a valid Spin manifest", path.display()))?;
        let path = path
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", path.display()))?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(App {
            path,
            dir,
            manifest,
        })
    }

    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }
}

fn validate(m: &Manifest) -> Result<()> {
    ensure!(
        m.spin_manifest_version == 2,
        "spin_manifest_version = {} is not supported: crm reads manifest version 2",
        m.spin_manifest_version
    );
    if let Some(trigger) = &m.application.trigger {
        ensure!(
            trigger.is_empty(),
            "[application.trigger] settings are not supported by crm"
        );
    }
    for (name, variable) in &m.variables {
        ensure!(is_variable_name(name), "variable name `{name}` must be lower-case letters, digits and `_`, starting with a letter");
        ensure!(
            !(variable.required && variable.default.is_some()),
            "variable `{name}` cannot be both required and have a default"
        );
    }
    let mut seen_routes = BTreeSet::new();
    for trigger in &m.trigger.http {
        ensure!(
            m.component.contains_key(&trigger.component),
            "trigger route {:?} names component `{}`, which is not defined",
            trigger.route,
            trigger.component
        );
        if let Some(executor) = &trigger.executor {
            ensure!(
                executor.kind == "spin",
                "executor type `{}` is not supported by crm (only `spin`)",
                executor.kind
            );
        }
        match &trigger.route {
            RouteSpec::Path(route) => {
                crate::routes::validate_route(route)?;
                ensure!(
                    seen_routes.insert(route.clone()),
                    "route `{route}` is declared more than once"
                );
            }
            RouteSpec::Private(p) => {
                ensure!(p.private, "a route table must be `{{ private = true }}`")
            }
        }
    }
    for (id, component) in &m.component {
        ensure!(
            is_component_id(id),
            "component id `{id}` must be kebab-case: lower-case letters, digits and `-`"
        );
        let context = || format!("component `{id}`");
        ensure!(
            component.files.is_empty(),
            "{}: `files` is not supported by crm",
            context()
        );
        ensure!(
            component.ai_models.is_empty(),
            "{}: `ai_models` is not supported by crm",
            context()
        );
        ensure!(
            component.allowed_http_hosts.is_empty(),
            "{}: `allowed_http_hosts` was removed in manifest version 2; use `allowed_outbound_hosts`",
            context()
        );
        AllowedHosts::validate(&component.allowed_outbound_hosts).with_context(context)?;
        for (name, template) in &component.variables {
            ensure!(
                is_variable_name(name),
                "{}: variable name `{name}` is not valid",
                context()
            );
            for reference in
                crate::variables::template_references(template).with_context(context)?
            {
                ensure!(
                    m.variables.contains_key(&reference),
                    "{}: variable `{name}` refers to `{reference}`, which is not in [variables]",
                    context()
                );
            }
        }
        for (name, dependency) in &component.dependencies {
            crate::compose::DependencyName::parse(name).with_context(context)?;
            ensure!(
                dependency.export.is_none(),
                "{}: dependency `{name}`: `export` is not supported by crm",
                context()
            );
            // As Spin 4.0.2: SIP 023 (the manifest's loader refuses the two together)
            ensure!(
                component.dependencies_inherit_configuration.is_none()
                    || dependency.inherit_configuration.is_none(),
                "Component `{id}` specifies both `dependencies_inherit_configuration` and \
                 per-dependency `inherit_configuration`. These are mutually exclusive; use one \
                 or the other."
            );
            if let Some(InheritConfiguration::Groups(groups)) = &dependency.inherit_configuration {
                for unknown in groups
                    .iter()
                    .filter(|g| !CAPABILITY_GROUPS.contains(&g.as_str()))
                {
                    // Spin ignores a name it does not know; say so rather than refuse.
                    eprintln!(
                        "crm: {}: dependency `{name}`: `{unknown}` is no capability group \
                         ({}); it grants nothing",
                        context(),
                        CAPABILITY_GROUPS.join(", ")
                    );
                }
            }
        }
    }
    Ok(())
}

pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_component_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !id.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest> {
        let m: Manifest = toml::from_str(text)?;
        validate(&m)?;
        Ok(m)
    }

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
"#;

    #[test]
    fn a_minimal_manifest_parses() {
        let m = parse(MINIMAL).unwrap();
        assert_eq!(m.trigger.http.len(), 1);
    }

    #[test]
    fn unknown_fields_are_rejected_with_their_name() {
        let err = parse(&MINIMAL.replace("source = ", "sauce = \"a\"\nsource = ")).unwrap_err();
        assert!(format!("{err:#}").contains("sauce"), "{err:#}");
    }

    #[test]
    fn triggers_must_name_defined_components() {
        let err =
            parse(&MINIMAL.replace("component = \"web\"", "component = \"api\"")).unwrap_err();
        assert!(format!("{err:#}").contains("`api`"), "{err:#}");
    }

    #[test]
    fn duplicate_routes_are_rejected() {
        let twice = MINIMAL.replace(
            "[component.web]",
            "[[trigger.http]]\nroute = \"/...\"\ncomponent = \"web\"\n[component.web]",
        );
        assert!(format!("{:#}", parse(&twice).unwrap_err()).contains("more than once"));
    }

    #[test]
    fn variables_must_be_declared_before_use() {
        let text = MINIMAL.to_owned() + "[component.web.variables]\ntoken = \"{{ secret }}\"\n";
        assert!(format!("{:#}", parse(&text).unwrap_err()).contains("`secret`"));
        let declared = text.replace(
            "[[trigger.http]]",
            "[variables]\nsecret = { required = true }\n[[trigger.http]]",
        );
        parse(&declared).unwrap();
    }

    #[test]
    fn parameter_routes_are_accepted_as_on_spin() {
        let text = MINIMAL.replace("route = \"/...\"", "route = \"/items/:id\"");
        assert_eq!(parse(&text).unwrap().trigger.http.len(), 1);
        let unnamed = MINIMAL.replace("route = \"/...\"", "route = \"/items/:\"");
        assert!(format!("{:#}", parse(&unnamed).unwrap_err()).contains("params must be named"));
    }

    fn with_dependency(component_line: &str, dependency: &str) -> String {
        MINIMAL.to_owned()
            + component_line
            + "\n[component.web.dependencies]\n\"crm:records\" = { path = \"records.wasm\""
            + dependency
            + " }\n"
    }

    fn inherits(component_line: &str, dependency: &str) -> Inherits {
        let m = parse(&with_dependency(component_line, dependency)).unwrap();
        let web = &m.component["web"];
        web.inherits(&web.dependencies["crm:records"])
    }

    #[test]
    fn dependencies_inherit_nothing_unless_told_as_on_spin_4() {
        let none = Inherits::Groups(vec![]);
        assert_eq!(inherits("", ""), none);
        assert_eq!(
            inherits("dependencies_inherit_configuration = false", ""),
            none
        );
        assert_eq!(
            inherits("dependencies_inherit_configuration = true", ""),
            Inherits::All
        );
        assert_eq!(
            inherits("", ", inherit_configuration = true"),
            Inherits::All
        );
        assert_eq!(inherits("", ", inherit_configuration = false"), none);
        assert_eq!(
            inherits(
                "",
                ", inherit_configuration = [\"sqlite_databases\", \"variables\"]"
            ),
            Inherits::Groups(vec!["sqlite_databases".into(), "variables".into()])
        );
        let both = with_dependency(
            "dependencies_inherit_configuration = true",
            ", inherit_configuration = true",
        );
        let err = format!("{:#}", parse(&both).unwrap_err());
        assert!(err.contains("mutually exclusive"), "{err}");
    }

    #[test]
    fn version_one_manifests_are_rejected() {
        assert!(parse(&MINIMAL.replace("= 2", "= 1")).is_err());
    }
}
