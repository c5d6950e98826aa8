//! The API's general contract: 405 names the allowed methods, authentication comes before
//! validation, and the public lead form answers CORS preflights for the origins it allows.

use crm_tests::{repo_root, TestApp, ADMIN_TOKEN};
use serde_json::json;

#[test]
fn a_wrong_method_gets_405_with_allow() {
    let app = TestApp::start_app();
    let reply = app.request("DELETE", "/api/v1/customers", Some(ADMIN_TOKEN), None);
    assert_eq!(reply.status, 405, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.header("allow"), Some("GET, HEAD, POST"));
    let one = app.request("PUT", "/api/v1/customers/cus_x", Some(ADMIN_TOKEN), None);
    assert_eq!(one.header("allow"), Some("GET, HEAD, PATCH"));
}

#[test]
fn an_anonymous_caller_gets_401_before_any_input_is_checked() {
    let app = TestApp::start_app();
    for token in [None, Some("not-a-token")] {
        let bad_body = app.request("POST", "/api/v1/customers", token, Some("{".into()));
        assert_eq!(bad_body.status, 401, "{}", bad_body.body);
        let bad_field = app.post_json("/api/v1/customers", token, &json!({"colour": "red"}));
        assert_eq!(bad_field.status, 401, "{}", bad_field.body);
        let bad_query = app.request("GET", "/api/v1/customers?limit=x", token, None);
        assert_eq!(bad_query.status, 401, "{}", bad_query.body);
    }
    // A known caller still learns what is wrong.
    let bad_field = app.post_json(
        "/api/v1/customers",
        Some(ADMIN_TOKEN),
        &json!({"colour": "red"}),
    );
    assert_eq!(bad_field.status, 422, "{}", bad_field.body);
    assert_eq!(bad_field.json()["field"], "colour");
    // The public form validates for anyone.
    let form = app.post_json("/api/v1/leads/capture", None, &json!({"colour": "red"}));
    assert_eq!(form.status, 422, "{}", form.body);
}

#[test]
fn the_lead_form_answers_cors_preflights_for_allowed_origins() {
    let temp = tempfile::tempdir().expect("temp dir");
    let app = TestApp::start(
        &repo_root().join("spin.toml"),
        temp.path(),
        &[
            ("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN),
            (
                "SPIN_VARIABLE_LEAD_FORM_ORIGINS",
                "https://shop.example, https://www.example.com",
            ),
        ],
        &[],
    );
    let preflight = |origin: &str| {
        app.request_with(
            "OPTIONS",
            "/api/v1/leads/capture",
            None,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            None,
        )
    };
    let allowed = preflight("https://shop.example");
    assert_eq!(allowed.status, 204, "{}", allowed.body);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    assert!(allowed
        .header("access-control-allow-headers")
        .is_some_and(|h| h.contains("content-type")));

    let refused = preflight("https://evil.example");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.header("access-control-allow-origin"), None);

    let posted = app.request_with(
        "POST",
        "/api/v1/leads/capture",
        None,
        &[("origin", "https://www.example.com")],
        Some(json!({"name": "陈丽", "email": "chen@example.com"}).to_string()),
    );
    assert_eq!(posted.status, 202, "{}", posted.body);
    assert_eq!(
        posted.header("access-control-allow-origin"),
        Some("https://www.example.com")
    );
}
