//! Spin variables: application variables from `SPIN_VARIABLE_<NAME>` or their default, and
//! component variables rendered from `{{ name }}` templates. Resolved once at startup.

use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, HashMap};

use crate::manifest::{is_variable_name, Manifest};

/// The names a template refers to, e.g. `["admin_token"]` for `"Bearer {{ admin_token }}"`.
pub fn template_references(template: &str) -> Result<Vec<String>> {
    Ok(parse_template(template)?
        .into_iter()
        .filter_map(|part| match part {
            Part::Variable(name) => Some(name),
            Part::Literal(_) => None,
        })
        .collect())
}

enum Part {
    Literal(String),
    Variable(String),
}

fn parse_template(template: &str) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        parts.push(Part::Literal(rest[..start].to_owned()));
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .with_context(|| format!("template `{template}` has an unclosed `{{{{`"))?;
        let name = after[..end].trim();
        if !is_variable_name(name) {
            bail!("template `{template}` refers to `{name}`, which is not a valid variable name");
        }
        parts.push(Part::Variable(name.to_owned()));
        rest = &after[end + 2..];
    }
    parts.push(Part::Literal(rest.to_owned()));
    Ok(parts)
}

/// Renders a template with `values` (e.g. a component's rendered variables, for an
/// `allowed_outbound_hosts` entry); a reference without a value is an error.
pub fn render(template: &str, values: &HashMap<String, String>) -> Result<String> {
    let mut value = String::new();
    for part in parse_template(template)? {
        match part {
            Part::Literal(text) => value.push_str(&text),
            Part::Variable(reference) => match values.get(&reference) {
                Some(v) => value.push_str(v),
                None => bail!("`{reference}` is not a variable of the component"),
            },
        }
    }
    Ok(value)
}

/// The values of the application's variables.
#[derive(Debug, Clone, Default)]
pub struct AppVariables {
    values: HashMap<String, String>,
}

impl AppVariables {
    /// Resolves every application variable: `SPIN_VARIABLE_<NAME>` from `env`, then
    /// `generated` (values `crm` supplies itself: secrets it made up for required variables,
    /// which have no default, and `demo_data` under `--demo`), then the default. A required
    /// variable with no value is an error, as on Spin.
    pub fn resolve(
        manifest: &Manifest,
        env: &dyn Fn(&str) -> Option<String>,
        generated: &BTreeMap<String, String>,
    ) -> Result<Self> {
        let mut values = HashMap::new();
        for (name, variable) in &manifest.variables {
            let from_env = env(&format!("SPIN_VARIABLE_{}", name.to_uppercase()));
            let value = from_env
                .or_else(|| generated.get(name).cloned())
                .or_else(|| variable.default.clone());
            match value {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None if variable.required => bail!(
                    "variable `{name}` is required: set SPIN_VARIABLE_{}",
                    name.to_uppercase()
                ),
                None => {}
            }
        }
        Ok(Self { values })
    }

    /// Renders a component's `[component.X.variables]` into the values its guest can read.
    pub fn render_component(
        &self,
        templates: &BTreeMap<String, String>,
    ) -> Result<HashMap<String, String>> {
        let mut rendered = HashMap::new();
        for (name, template) in templates {
            let mut value = String::new();
            for part in parse_template(template)? {
                match part {
                    Part::Literal(text) => value.push_str(&text),
                    Part::Variable(reference) => match self.values.get(&reference) {
                        Some(v) => value.push_str(v),
                        None => bail!(
                            "component variable `{name}` needs `{reference}`, which has no value"
                        ),
                    },
                }
            }
            rendered.insert(name.clone(), value);
        }
        Ok(rendered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(vars: &str) -> Manifest {
        toml::from_str(&format!(
            "spin_manifest_version = 2\n[application]\nname = \"x\"\n[variables]\n{vars}"
        ))
        .unwrap()
    }

    #[test]
    fn env_beats_default_and_templates_render() {
        let m = manifest("region = { default = \"eu\" }\ntoken = { required = true }");
        let env = |k: &str| (k == "SPIN_VARIABLE_TOKEN").then(|| "t0p".to_owned());
        let vars = AppVariables::resolve(&m, &env, &BTreeMap::new()).unwrap();
        let templates = BTreeMap::from([(
            "auth".to_owned(),
            "Bearer {{ token }} in {{region}}".to_owned(),
        )]);
        assert_eq!(
            vars.render_component(&templates).unwrap()["auth"],
            "Bearer t0p in eu"
        );
    }

    #[test]
    fn required_variables_without_a_value_are_an_error_naming_the_env_var() {
        let m = manifest("token = { required = true }");
        let err = AppVariables::resolve(&m, &|_| None, &BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("SPIN_VARIABLE_TOKEN"), "{err}");
        let generated = BTreeMap::from([("token".to_owned(), "g".to_owned())]);
        assert!(AppVariables::resolve(&m, &|_| None, &generated).is_ok());
    }

    #[test]
    fn malformed_templates_are_rejected() {
        assert!(template_references("{{ open").is_err());
        assert!(template_references("{{ Bad-Name }}").is_err());
        assert_eq!(template_references("plain").unwrap(), Vec::<String>::new());
    }
}
