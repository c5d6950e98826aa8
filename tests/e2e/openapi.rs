//! The OpenAPI 3.1 document at `/api/v1/openapi.json`, generated from the code of every
//! component: valid OpenAPI, every route of every component documented and nothing documented
//! that is not routed (to that component, by `spin.toml`), and real responses match the
//! schemas documented for their path, method and status.

use crm_tests::{repo_root, Reply, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const COMPONENTS: &[&str] = &["intake", "escalation", "reporting", "portal"];

fn document(app: &TestApp) -> Value {
    let reply = app.get("/api/v1/openapi.json");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/json"));
    reply.json()
}

/// `(method, path)` of every route under `prefix` in a component's route table (and, for
/// intake, the paths it answers before the table: the streamed exports and the document), with
/// `:name` written as OpenAPI's `{name}`. The staff API is under `/api/`; routes outside it are
/// pages, or the portal's customer API (`/portal/api/`).
pub(crate) fn routed_by(component: &str, prefix: &str) -> BTreeSet<(String, String)> {
    let source =
        std::fs::read_to_string(repo_root().join(format!("components/{component}/src/lib.rs")))
            .expect("component source");
    let mut routes = BTreeSet::new();
    // `Route::get(\n "/path",` may be wrapped by rustfmt: read the method up to `(`, then the
    // first string literal after it. `Route::get(crm_guest::openapi::PATH, …)` is the part a
    // component gives intake over service chaining; spin.toml routes that path to intake.
    for piece in source.split("Route::").skip(1) {
        let Some((method, rest)) = piece.split_once('(') else {
            continue;
        };
        let Some(path) = rest
            .trim_start()
            .strip_prefix('"')
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        if path.starts_with(prefix) {
            routes.insert((method.trim().to_owned(), openapi_path(path)));
        }
    }
    for line in source.lines().map(str::trim).filter(|_| prefix == "/api/") {
        if line.starts_with("\"/api/v1/") && line.contains("=> return ") {
            let path = line
                .trim_start_matches('"')
                .split('"')
                .next()
                .expect("path");
            routes.insert(("get".to_owned(), path.to_owned()));
        }
        if line.starts_with("crm_guest::openapi::PATH => return ") {
            routes.insert(("get".to_owned(), "/api/v1/openapi.json".to_owned()));
        }
    }
    routes
}

fn openapi_path(route: &str) -> String {
    route
        .split('/')
        .map(|s| {
            s.strip_prefix(':')
                .map_or(s.to_owned(), |p| format!("{{{p}}}"))
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The component `spin.toml` sends `path` to: an exact route beats a wildcard, the longest
/// wildcard prefix wins.
fn component_for(manifest: &toml::Value, path: &str) -> Option<String> {
    let triggers = manifest["trigger"]["http"].as_array().expect("triggers");
    let mut best: Option<(usize, String)> = None;
    for trigger in triggers {
        let route = trigger["route"].as_str().expect("route");
        let component = trigger["component"].as_str().expect("component").to_owned();
        if route == path {
            return Some(component);
        }
        if let Some(prefix) = route.strip_suffix("/...") {
            let under = path == prefix || path.starts_with(&format!("{prefix}/"));
            if under && best.as_ref().is_none_or(|(len, _)| prefix.len() > *len) {
                best = Some((prefix.len(), component));
            }
        }
    }
    best.map(|(_, c)| c)
}

#[test]
fn the_document_is_valid_openapi_3_1_and_matches_every_components_routes() {
    let app = TestApp::start_app();
    let doc = document(&app);
    assert_valid_openapi(&doc);
    let documented = operations(&doc);

    // Every route of every component, reachable through spin.toml, is documented.
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo_root().join("spin.toml")).expect("spin.toml"))
            .expect("spin.toml parses");
    let mut routed = BTreeSet::new();
    for component in COMPONENTS {
        for (method, path) in routed_by(component, "/api/") {
            let sample = path.replace('{', "x").replace('}', "");
            assert_eq!(
                component_for(&manifest, &sample).as_deref(),
                Some(*component),
                "{method} {path} is in {component}'s route table but spin.toml sends it elsewhere"
            );
            routed.insert((method, path));
        }
    }
    assert!(
        routed.len() > 50,
        "the route tables were not found: {routed:?}"
    );
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );

    // Operation ids are unique, and every staff operation says how to authenticate.
    let mut ids = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let id = operation["operationId"].as_str().expect("operationId");
            if let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} of {method} {path} is also {other}'s");
            }
            let responses = operation["responses"].as_object().expect("responses");
            if operation.get("security") != Some(&json!([{}])) {
                assert!(
                    responses.contains_key("4XX"),
                    "{method} {path}: its problems are not documented"
                );
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// `doc` is valid OpenAPI 3.1 (by the official schema) and every reference in it resolves.
pub(crate) fn assert_valid_openapi(doc: &Value) {
    assert_eq!(doc["openapi"], "3.1.0");
    let schema_text =
        std::fs::read_to_string(repo_root().join("tests/fixtures/openapi/oas-3.1-schema.json"))
            .expect("OAS 3.1 schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("the OAS schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid OpenAPI 3.1:\n{}",
        errors.join("\n")
    );
    // Every reference inside the document resolves.
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(doc, &mut found);
    for r in found {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling reference {r}");
    }
}

/// `(method, path)` of every operation a document describes.
pub(crate) fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect()
}

/// Checks a real reply against the schema the document gives for its operation and status.
pub(crate) fn assert_documented(doc: &Value, method: &str, path: &str, reply: &Reply) {
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let status = reply.status.to_string();
    let range = format!("{}XX", &status[..1]);
    let response = [&status, &range, "default"]
        .iter()
        .map(|s| &operation["responses"][*s])
        .find(|r| !r.is_null())
        .unwrap_or_else(|| panic!("{method} {path}: status {status} is not documented"));
    let response = match response["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .expect("response ref"),
        None => response,
    };
    let media = reply
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let Some(schema) = response["content"][media]["schema"].as_object() else {
        panic!("{method} {path} {status}: no schema for {media}: {response}");
    };
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [Value::Object(schema.clone())],
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let body = reply.json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match its schema:\n{}\n{body}",
        errors.join("\n")
    );
}

#[test]
fn real_responses_match_their_documented_schemas() {
    let app = TestApp::start_app();
    let doc = document(&app);
    let rep = app.create_staff("Wang Wei", "rep");
    let check = |method: &str, path: &str, reply: Reply| -> Value {
        assert_documented(&doc, method, path, &reply);
        reply.json()
    };

    let customer = check(
        "post",
        "/api/v1/customers",
        app.post_json(
            "/api/v1/customers",
            Some(&rep.token),
            &json!({"name": "Acme", "tier": "gold",
                    "contacts": [{"name": "Ann"}], "addresses": [{"street": "1 Main St"}]}),
        ),
    );
    let id = customer["id"].as_str().expect("id").to_owned();
    check(
        "get",
        "/api/v1/customers",
        app.get_as("/api/v1/customers", &rep.token),
    );
    check(
        "get",
        "/api/v1/customers/{id}/overview",
        app.get_as(&format!("/api/v1/customers/{id}/overview"), &rep.token),
    );
    check("get", "/api/v1/me", app.get_as("/api/v1/me", &rep.token));
    check(
        "get",
        "/api/v1/staff",
        app.get_as("/api/v1/staff", ADMIN_TOKEN),
    );
    check(
        "get",
        "/api/v1/activities/draft",
        app.get_as(
            &format!("/api/v1/activities/draft?customer={id}&type=visit"),
            &rep.token,
        ),
    );
    let product = check(
        "post",
        "/api/v1/products",
        app.post_json(
            "/api/v1/products",
            Some(ADMIN_TOKEN),
            &json!({"sku": "SKU-1", "name": "Cream", "unit_price": 1999}),
        ),
    );
    check(
        "get",
        "/api/v1/products",
        app.get_as("/api/v1/products", &rep.token),
    );
    check(
        "post",
        "/api/v1/orders",
        app.post_json(
            "/api/v1/orders",
            Some(&rep.token),
            &json!({"customer_id": id, "lines": [{"product_id": product["id"], "quantity": 3}]}),
        ),
    );
    check(
        "get",
        "/api/v1/orders",
        app.get_as(&format!("/api/v1/orders?customer_id={id}"), &rep.token),
    );
    check(
        "post",
        "/api/v1/leads",
        app.post_json(
            "/api/v1/leads",
            Some(&rep.token),
            &json!({"name": "Bo", "phone": "138 0013 8000"}),
        ),
    );
    check(
        "get",
        "/api/v1/leads",
        app.get_as("/api/v1/leads", &rep.token),
    );
    check(
        "get",
        "/api/v1/tasks",
        app.get_as("/api/v1/tasks", &rep.token),
    );
    check(
        "get",
        "/api/v1/audit",
        app.get_as(
            &format!("/api/v1/audit?entity=customer&entity_id={id}"),
            ADMIN_TOKEN,
        ),
    );
    for component in COMPONENTS {
        let path = format!("/api/v1/health/{component}");
        check("get", &path, app.get(&path));
    }

    // Problems are documented as problem+json.
    check(
        "post",
        "/api/v1/customers",
        app.post_json(
            "/api/v1/customers",
            Some(&rep.token),
            &json!({"name": "ACME"}),
        ),
    );
    check("get", "/api/v1/me", app.get("/api/v1/me"));
    check(
        "post",
        "/api/v1/customers",
        app.post_json("/api/v1/customers", Some(&rep.token), &json!({"name": ""})),
    );
}
