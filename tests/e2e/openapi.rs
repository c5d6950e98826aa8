//! The OpenAPI 3.1 document at `/api/v1/openapi.json`: valid OpenAPI, every route documented
//! and nothing documented that is not routed, and real responses match their schemas.

use crm_tests::{repo_root, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn document(app: &TestApp) -> Value {
    let reply = app.get("/api/v1/openapi.json");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/json"));
    reply.json()
}

/// `(method, path)` of every route in intake's route table and of its streamed exports, with
/// `:name` written as OpenAPI's `{name}`.
fn routed() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(repo_root().join("components/intake/src/lib.rs"))
        .expect("intake source");
    let mut routes = BTreeSet::new();
    // `Route::get(\n "/path",` may be wrapped by rustfmt: read the method up to `(`, then the
    // first string literal after it.
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
        let path = path
            .split('/')
            .map(|s| {
                s.strip_prefix(':')
                    .map_or(s.to_owned(), |p| format!("{{{p}}}"))
            })
            .collect::<Vec<_>>()
            .join("/");
        routes.insert((method.trim().to_owned(), path));
    }
    for line in source.lines().map(str::trim) {
        if line.starts_with("\"/api/v1/") && line.contains("=> return csv_files::") {
            let path = line
                .trim_start_matches('"')
                .split('"')
                .next()
                .expect("path");
            routes.insert(("get".to_owned(), path.to_owned()));
        }
    }
    routes
}

#[test]
fn the_document_is_valid_openapi_3_1_and_matches_the_routes() {
    let app = TestApp::start_app();
    let doc = document(&app);
    assert_eq!(doc["openapi"], "3.1.0");

    let schema_text =
        std::fs::read_to_string(repo_root().join("tests/fixtures/openapi/oas-3.1-schema.json"))
            .expect("OAS 3.1 schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("the OAS schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid OpenAPI 3.1:\n{}",
        errors.join("\n")
    );

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let routes = routed();
    assert!(
        routes.len() > 40,
        "the route table was not found: {routes:?}"
    );
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
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
    refs(&doc, &mut found);
    for r in found {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling reference {r}");
    }
}

/// Checks `value` against the named schema of the document.
fn assert_matches(doc: &Value, name: &str, value: &Value) {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not match:\n{}\n{value}",
        errors.join("\n")
    );
}

#[test]
fn real_responses_match_their_documented_schemas() {
    let app = TestApp::start_app();
    let doc = document(&app);
    let rep = app.create_staff("Wang Wei", "rep");

    let created = app.post_json(
        "/api/v1/customers",
        Some(&rep.token),
        &json!({"name": "Acme", "contacts": [{"name": "Ann"}], "addresses": [{"street": "1 Main St"}]}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let customer = created.json();
    assert_matches(&doc, "Customer", &customer);
    let id = customer["id"].as_str().expect("id");
    assert_matches(
        &doc,
        "CustomerSummaryPage",
        &app.get_as("/api/v1/customers", &rep.token).json(),
    );
    assert_matches(
        &doc,
        "Overview",
        &app.get_as(&format!("/api/v1/customers/{id}/overview"), &rep.token)
            .json(),
    );
    assert_matches(&doc, "Staff", &app.get_as("/api/v1/me", &rep.token).json());
    assert_matches(
        &doc,
        "ActivityDraft",
        &app.get_as(
            &format!("/api/v1/activities/draft?customer={id}&type=visit"),
            &rep.token,
        )
        .json(),
    );
    let duplicate = app.post_json(
        "/api/v1/customers",
        Some(&rep.token),
        &json!({"name": "ACME"}),
    );
    assert_eq!(duplicate.status, 409);
    assert_matches(&doc, "Problem", &duplicate.json());
    assert_matches(&doc, "Problem", &app.get("/api/v1/me").json());
}
