//! The files in `deploy/` that run N replicas on SpinKube: the SpinApp fits the vendored SpinApp
//! CRD, the CronJob calls the sweep route with a bearer token, and the runtime config moves every
//! store the app uses off the pods. Nothing here starts `crm`.

use crm_tests::repo_root;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const CRD: &str = "tests/fixtures/spinkube/core.spinkube.dev_spinapps.yaml";

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    serde_yaml_ng::from_str(&read(path)).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn toml_file(path: &str) -> Value {
    toml::from_str(&read(path)).unwrap_or_else(|e| panic!("{path} is not TOML: {e}"))
}

fn keys(object: &Value) -> BTreeSet<&str> {
    object
        .as_object()
        .map(|map| map.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn v1alpha1(crd: &Value) -> &Value {
    crd["spec"]["versions"]
        .as_array()
        .and_then(|versions| versions.iter().find(|v| v["name"] == "v1alpha1"))
        .expect("the CRD serves v1alpha1")
}

/// Closes every object schema that lists its properties, as the API server's strict field
/// validation (kubectl's default) does; otherwise a misspelt field would pass here and be
/// silently dropped by the cluster.
fn close(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if map.contains_key("properties")
        && !map.contains_key("additionalProperties")
        && map.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true))
    {
        map.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(close);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = map.get_mut(key) {
            close(sub);
        }
    }
    for key in ["anyOf", "allOf", "oneOf"] {
        if let Some(Value::Array(subs)) = map.get_mut(key) {
            subs.iter_mut().for_each(close);
        }
    }
}

/// A CRD's OpenAPI v3 schema is a JSON Schema draft 4 dialect; its `x-kubernetes-*` keys are
/// unknown keywords, which the validator ignores.
fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::draft4::new(schema).expect("the CRD schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

#[test]
fn the_spinapp_fits_the_spinkube_crd() {
    let crd = yaml(CRD);
    let app = yaml("deploy/spinapp.yaml");
    // The schema types apiVersion and kind as any string; the CRD itself says which.
    let group = crd["spec"]["group"].as_str().expect("group");
    assert_eq!(app["apiVersion"], format!("{group}/v1alpha1"));
    assert_eq!(app["kind"], crd["spec"]["names"]["kind"]);

    let mut schema = v1alpha1(&crd)["schema"]["openAPIV3Schema"].clone();
    close(&mut schema);
    let found = errors(&schema, &app);
    assert!(
        found.is_empty(),
        "deploy/spinapp.yaml does not fit the SpinApp CRD:\n{}",
        found.join("\n")
    );

    // The check has teeth: a wrong type and a misspelt field are both refused.
    let mut wrong_type = app.clone();
    wrong_type["spec"]["replicas"] = json!("three");
    assert!(!errors(&schema, &wrong_type).is_empty(), "replicas: three");
    let mut misspelt = app.clone();
    let runtime_config = misspelt["spec"]["runtimeConfig"]
        .as_object_mut()
        .expect("runtimeConfig");
    let secret = runtime_config
        .remove("loadFromSecret")
        .expect("loadFromSecret");
    runtime_config.insert("loadFromSecrets".to_owned(), secret);
    assert!(!errors(&schema, &misspelt).is_empty(), "loadFromSecrets");
}

#[test]
fn the_spinapp_runs_replicas_on_shared_state_and_binds_the_app_variables() {
    let app = yaml("deploy/spinapp.yaml");
    let spec = &app["spec"];
    assert!(spec["replicas"].as_u64().unwrap_or(0) > 1, "{spec}");
    assert_eq!(spec["executor"], "containerd-shim-spin");
    assert_eq!(
        spec["runtimeConfig"]["loadFromSecret"],
        "crm-runtime-config"
    );

    let manifest = toml_file("spin.toml");
    let declared = &manifest["variables"];
    let bound = spec["variables"].as_array().expect("spec.variables");
    for binding in bound {
        let name = binding["name"].as_str().expect("variable name");
        assert!(declared.get(name).is_some(), "{name} is not in spin.toml");
    }
    for (name, declaration) in declared.as_object().expect("[variables]") {
        if declaration["required"] != true {
            continue;
        }
        let binding = bound
            .iter()
            .find(|b| b["name"] == name.as_str())
            .unwrap_or_else(|| panic!("required variable {name} is not bound"));
        if declaration["secret"] == true {
            assert!(
                binding["valueFrom"]["secretKeyRef"]["key"].is_string(),
                "secret variable {name} must come from a Secret: {binding}"
            );
        }
    }
}

#[test]
fn the_sweep_cronjob_posts_to_the_sweep_route_with_a_bearer_token() {
    let job = yaml("deploy/sweep-cronjob.yaml");
    assert_eq!(job["apiVersion"], "batch/v1");
    assert_eq!(job["kind"], "CronJob");
    assert_eq!(job["spec"]["concurrencyPolicy"], "Forbid");
    assert!(job["spec"]["schedule"].is_string());

    let container = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let argv: Vec<&str> = ["command", "args"]
        .iter()
        .flat_map(|key| container[*key].as_array().into_iter().flatten())
        .map(|arg| arg.as_str().expect("string argument"))
        .collect();
    assert_eq!(argv.first(), Some(&"curl"), "{argv:?}");
    assert!(
        argv.windows(2).any(|w| w == ["--request", "POST"]),
        "{argv:?}"
    );

    // Kubernetes expands `$(NAME)` in args from the container's env, here from a Secret.
    let header = argv
        .windows(2)
        .find(|w| w[0] == "--header")
        .map(|w| w[1])
        .expect("an Authorization header");
    let variable = header
        .strip_prefix("Authorization: Bearer $(")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not a bearer token from env: {header}"));
    let env = container["env"]
        .as_array()
        .and_then(|env| env.iter().find(|e| e["name"] == variable))
        .unwrap_or_else(|| panic!("{variable} is not in the container's env"));
    assert!(env["valueFrom"]["secretKeyRef"]["key"].is_string(), "{env}");

    // The URL is the Service SpinKube names after the SpinApp, and the path is routed to
    // escalation: Spin's longest matching wildcard wins.
    let app = yaml("deploy/spinapp.yaml");
    let host = app["metadata"]["name"].as_str().expect("SpinApp name");
    let path = "/api/v1/escalation/sweep";
    assert_eq!(
        argv.last().copied(),
        Some(format!("http://{host}{path}").as_str())
    );
    let manifest = toml_file("spin.toml");
    let component = manifest["trigger"]["http"]
        .as_array()
        .expect("[[trigger.http]]")
        .iter()
        .filter_map(|t| Some((t["route"].as_str()?, t["component"].as_str()?)))
        .filter(|(route, _)| {
            *route == path
                || route
                    .strip_suffix("...")
                    .is_some_and(|prefix| path.starts_with(prefix))
        })
        .max_by_key(|(route, _)| route.len())
        .map(|(_, component)| component);
    assert_eq!(component, Some("escalation"));
}

#[test]
fn the_runtime_config_moves_every_store_the_app_uses_to_redis_or_libsql() {
    let config = toml_file("deploy/runtime-config.toml");
    let kv = &config["key_value_store"]["default"];
    assert_eq!(kv["type"], "redis");
    assert_eq!(keys(kv), BTreeSet::from(["type", "url"]));
    // Spin refuses any other key in a libsql table.
    let db = &config["sqlite_database"]["default"];
    assert_eq!(db["type"], "libsql");
    assert_eq!(keys(db), BTreeSet::from(["type", "url", "token"]));

    // A label left out would quietly stay a file on each pod.
    let manifest = toml_file("spin.toml");
    for (id, component) in manifest["component"].as_object().expect("[component]") {
        for (uses, table) in [
            ("key_value_stores", "key_value_store"),
            ("sqlite_databases", "sqlite_database"),
        ] {
            for label in component[uses].as_array().into_iter().flatten() {
                let label = label.as_str().expect("label");
                assert!(
                    config[table].get(label).is_some(),
                    "component {id} uses {table} `{label}`, which the runtime config leaves out"
                );
            }
        }
    }

    // The template holds no credentials, only placeholders, and the README's envsubst
    // command names each of them (envsubst leaves unnamed ones as they are).
    let readme = read("deploy/README.md");
    for store in [kv, db] {
        for (key, value) in store.as_object().expect("table") {
            if key == "type" {
                continue;
            }
            let text = value.as_str().expect("string value");
            let name = text
                .strip_prefix("${")
                .and_then(|rest| rest.strip_suffix('}'))
                .unwrap_or_else(|| panic!("{key} = {text:?} is not a placeholder"));
            assert!(
                readme.contains(&format!("${{{name}}}")),
                "deploy/README.md does not fill {text}"
            );
        }
    }
}
