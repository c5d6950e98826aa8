//! The application itself: health through records, staff bootstrap, authorization, audit, and
//! two components sharing one database through records.

use crm_tests::{TestApp, ADMIN_TOKEN};
use serde_json::json;

#[test]
fn every_component_reports_health_through_records() {
    let app = TestApp::start_app();
    for component in ["intake", "portal", "escalation", "reporting"] {
        let reply = app.get(&format!("/api/v1/health/{component}"));
        assert_eq!(reply.status, 200, "{component}: {}", reply.body);
        let health = reply.json();
        assert_eq!(health["component"], component);
        assert_eq!(health["schema_version"], health["migrations_known"]);
        assert!(
            health["schema_version"].as_u64().unwrap_or(0) >= 1,
            "{health}"
        );
    }
}

#[test]
fn the_bootstrap_admin_creates_staff_who_then_authenticate_with_their_own_token() {
    let app = TestApp::start_app();
    let created = app.post_json(
        "/api/v1/staff",
        Some(ADMIN_TOKEN),
        &json!({"name": " 李娜 ", "email": "Li.Na@Example.com", "role": "service_lead"}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let staff = created.json();
    assert_eq!(staff["name"], "李娜");
    assert_eq!(staff["email"], "li.na@example.com");
    let id = staff["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("stf_"));

    let token = app.post_json(
        &format!("/api/v1/staff/{id}/tokens"),
        Some(ADMIN_TOKEN),
        &json!({"label": "phone"}),
    );
    assert_eq!(token.status, 201, "{}", token.body);
    let secret = token.json()["token"].as_str().expect("token").to_owned();

    let me = app.get_as("/api/v1/me", &secret).json();
    assert_eq!(
        (me["id"].as_str(), me["role"].as_str()),
        (Some(id.as_str()), Some("service_lead"))
    );
    // A service lead may list staff but not create them.
    assert_eq!(app.get_as("/api/v1/staff", &secret).status, 200);
    let forbidden = app.post_json(
        "/api/v1/staff",
        Some(&secret),
        &json!({"name": "x", "email": "x@example.com", "role": "admin"}),
    );
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);

    // A revoked token no longer authenticates.
    let token_id = token.json()["id"].as_str().expect("token id").to_owned();
    assert_eq!(
        app.request(
            "DELETE",
            &format!("/api/v1/tokens/{token_id}"),
            Some(&secret),
            None
        )
        .status,
        204
    );
    assert_eq!(app.get_as("/api/v1/me", &secret).status, 401);
}

#[test]
fn requests_without_valid_credentials_are_refused() {
    let app = TestApp::start_app();
    assert_eq!(app.get("/api/v1/me").status, 401);
    assert_eq!(app.get_as("/api/v1/me", "not-a-token").status, 401);
    let reply = app.post_json(
        "/api/v1/staff",
        None,
        &json!({"name": "x", "email": "x@example.com", "role": "rep"}),
    );
    assert_eq!(reply.status, 401);
    assert_eq!(reply.content_type, "application/problem+json");
}

#[test]
fn bad_input_gets_a_4xx_problem_naming_the_field_and_writes_nothing() {
    let app = TestApp::start_app();
    let cases = [
        (
            json!({"name": "x", "email": "not-an-email", "role": "rep"}),
            422,
            "email",
        ),
        (
            json!({"name": "   ", "email": "a@example.com", "role": "rep"}),
            422,
            "name",
        ),
        (
            json!({"name": "x", "email": "a@example.com", "role": "boss"}),
            422,
            "role",
        ),
        (
            json!({"name": "x", "email": "a@example.com", "role": "rep", "salary": 1}),
            422,
            "salary",
        ),
        (json!({"name": "x", "role": "rep"}), 422, "email"),
    ];
    for (body, status, field) in cases {
        let reply = app.post_json("/api/v1/staff", Some(ADMIN_TOKEN), &body);
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(reply.json()["field"], field, "{body}: {}", reply.body);
    }
    let not_json = app.request(
        "POST",
        "/api/v1/staff",
        Some(ADMIN_TOKEN),
        Some("{not json".into()),
    );
    assert_eq!(not_json.status, 400);
    let too_big = app.request(
        "POST",
        "/api/v1/staff",
        Some(ADMIN_TOKEN),
        Some(format!("\"{}\"", "x".repeat(1_100_000))),
    );
    assert_eq!(too_big.status, 413);
    let staff = app.get_as("/api/v1/staff", ADMIN_TOKEN).json();
    assert_eq!(
        staff["items"].as_array().map(Vec::len),
        Some(0),
        "nothing may be half-written: {staff}"
    );
}

#[test]
fn duplicate_staff_emails_conflict() {
    let app = TestApp::start_app();
    let body = json!({"name": "Wang", "email": "wang@example.com", "role": "rep"});
    assert_eq!(
        app.post_json("/api/v1/staff", Some(ADMIN_TOKEN), &body)
            .status,
        201
    );
    let again = app.post_json(
        "/api/v1/staff",
        Some(ADMIN_TOKEN),
        &json!({"name": "W", "email": "WANG@example.com", "role": "agent"}),
    );
    assert_eq!(again.status, 409, "{}", again.body);
}

#[test]
fn intake_and_reporting_share_one_database_through_records() {
    let app = TestApp::start_app();
    let created = app
        .post_json(
            "/api/v1/staff",
            Some(ADMIN_TOKEN),
            &json!({"name": "Zhao", "email": "zhao@example.com", "role": "rep"}),
        )
        .json();
    let id = created["id"].as_str().expect("id");
    // Written by intake's instance of records, read by reporting's.
    let log = app
        .get_as(
            &format!("/api/v1/audit?entity=staff&entity_id={id}"),
            ADMIN_TOKEN,
        )
        .json();
    let entries = log["items"].as_array().expect("items");
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["action"], "staff.create");
    assert_eq!(entries[0]["actor"], "stf_bootstrap");
    assert_eq!(entries[0]["after"]["email"], "zhao@example.com");
    assert!(entries[0]["before"].is_null());
}

#[test]
fn the_audit_log_pages_with_a_cursor_and_never_holds_token_secrets() {
    let app = TestApp::start_app();
    for i in 0..3 {
        let body =
            json!({"name": format!("S{i}"), "email": format!("s{i}@example.com"), "role": "agent"});
        assert_eq!(
            app.post_json("/api/v1/staff", Some(ADMIN_TOKEN), &body)
                .status,
            201
        );
    }
    let first = app.get_as("/api/v1/audit?limit=2", ADMIN_TOKEN).json();
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get_as(
            &format!("/api/v1/audit?limit=2&cursor={cursor}"),
            ADMIN_TOKEN,
        )
        .json();
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
    assert!(second["next_cursor"].is_null());
    assert_eq!(
        app.get_as("/api/v1/audit?limit=0", ADMIN_TOKEN).json()["field"],
        "limit"
    );

    let staff_id = first["items"][0]["entity_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let token = app
        .post_json(
            &format!("/api/v1/staff/{staff_id}/tokens"),
            Some(ADMIN_TOKEN),
            &json!({}),
        )
        .json();
    let secret = token["token"].as_str().expect("secret");
    let log = app.get_as("/api/v1/audit?entity=staff_token", ADMIN_TOKEN);
    assert!(
        log.body.contains("token.issue") && !log.body.contains(secret),
        "{}",
        log.body
    );
}

#[test]
fn data_persists_across_a_host_restart() {
    let state = tempfile::tempdir().expect("temp dir");
    let manifest = crm_tests::repo_root().join("spin.toml");
    let env = [("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN)];
    let first = TestApp::start(&manifest, state.path(), &env, &[]);
    let body = json!({"name": "Qian", "email": "qian@example.com", "role": "sales_gm"});
    assert_eq!(
        first
            .post_json("/api/v1/staff", Some(ADMIN_TOKEN), &body)
            .status,
        201
    );
    assert!(first.stop().success());
    let second = TestApp::start(&manifest, state.path(), &env, &[]);
    let staff = second.get_as("/api/v1/staff", ADMIN_TOKEN).json();
    assert_eq!(staff["items"][0]["email"], "qian@example.com", "{staff}");
}

#[test]
fn the_test_clock_moves_the_time_guests_see_and_is_off_by_default() {
    let state = tempfile::tempdir().expect("temp dir");
    let manifest = crm_tests::repo_root().join("spin.toml");
    let app = TestApp::start(
        &manifest,
        state.path(),
        &[("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN)],
        &["--test-clock"],
    );
    let set = app.post_json(
        "/.well-known/crm/test-clock",
        None,
        &json!({"unix_seconds": 1_900_000_000}),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    let staff = |email: &str| {
        app.post_json(
            "/api/v1/staff",
            Some(ADMIN_TOKEN),
            &json!({"name": "T", "email": email, "role": "rep"}),
        )
        .json()
    };
    let first = staff("t1@example.com");
    assert!(
        first["created_at"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2030-03-17T17:4"),
        "{first}"
    );
    app.post_json(
        "/.well-known/crm/test-clock",
        None,
        &json!({"advance_seconds": 86_400}),
    );
    let second = staff("t2@example.com");
    assert!(
        second["created_at"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2030-03-18T17:4"),
        "{second}"
    );

    // Without the flag the path is an ordinary route (the portal's), and the clock is real.
    let normal = TestApp::start_app();
    let reply = normal.post_json(
        "/.well-known/crm/test-clock",
        None,
        &json!({"unix_seconds": 0}),
    );
    assert_eq!(reply.status, 404);
}

#[test]
fn concurrent_first_requests_on_a_fresh_database_migrate_exactly_once() {
    let app = std::sync::Arc::new(TestApp::start_app());
    let workers: Vec<_> = ["intake", "portal", "escalation", "reporting"]
        .iter()
        .cycle()
        .take(12)
        .map(|component| {
            let app = app.clone();
            let path = format!("/api/v1/health/{component}");
            std::thread::spawn(move || app.get(&path))
        })
        .collect();
    for worker in workers {
        let reply = worker.join().expect("request thread");
        assert_eq!(reply.status, 200, "{}", reply.body);
        let health = reply.json();
        assert_eq!(
            health["schema_version"], health["migrations_known"],
            "{health}"
        );
    }
    assert!(
        !app.output().contains("apply migration"),
        "no migration may fail: {}",
        app.output()
    );
}

#[test]
fn demo_data_fills_a_fresh_store_once_and_is_off_unless_asked_for() {
    let state = tempfile::tempdir().expect("temp dir");
    let start_demo = || {
        TestApp::start(
            &crm_tests::repo_root().join("spin.toml"),
            state.path(),
            &[("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN)],
            &["--demo"],
        )
    };
    let app = start_demo();
    app.wait_for_line(|l| l.starts_with("crm: demo data ready: 300 customers"));
    let first_page = app
        .get_as("/api/v1/customers?limit=200", ADMIN_TOKEN)
        .json();
    assert_eq!(first_page["items"].as_array().map(Vec::len), Some(200));
    let rest = app
        .get_as(
            &format!(
                "/api/v1/customers?limit=200&cursor={}",
                first_page["next_cursor"]
                    .as_str()
                    .expect("a second page")
                    .replace('|', "%7C")
            ),
            ADMIN_TOKEN,
        )
        .json();
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(100));
    let names: Vec<&str> = first_page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("有限公司")),
        "Chinese company names: {names:?}"
    );
    assert!(
        names.iter().any(|n| n.is_ascii()),
        "English names too: {names:?}"
    );
    let staff = app.get_as("/api/v1/staff", ADMIN_TOKEN).json();
    assert!(staff["items"].as_array().is_some_and(|s| s.len() >= 7));
    let products = app.get_as("/api/v1/products", ADMIN_TOKEN).json();
    assert_eq!(products["items"].as_array().map(Vec::len), Some(12));

    // Complaints about order lines, worked as far as they got: most closed and signed off, with
    // their timeline and clocks; the SLA report counts them.
    let complaints = app
        .get_as("/api/v1/complaints?limit=200", ADMIN_TOKEN)
        .json();
    let complaints = complaints["items"].as_array().expect("complaints");
    assert!(!complaints.is_empty(), "the demo seed made complaints");
    let closed = complaints
        .iter()
        .find(|c| c["status"] == "closed")
        .expect("a closed complaint");
    assert!(
        closed["cause"].as_str().is_some_and(|s| !s.is_empty()),
        "{closed}"
    );
    assert!(closed["signed_off_by"].is_string(), "{closed}");
    assert!(
        closed["line_no"].as_u64().is_some_and(|n| n >= 1),
        "{closed}"
    );
    assert!(
        closed["batch_number"]
            .as_str()
            .is_some_and(|b| b.starts_with('B')),
        "{closed}"
    );
    let detail = app
        .get_as(
            &format!("/api/v1/complaints/{}", closed["id"].as_str().unwrap_or("")),
            ADMIN_TOKEN,
        )
        .json();
    let timeline = detail["timeline"].as_array().expect("a timeline");
    assert_eq!(timeline.first().map(|e| &e["kind"]), Some(&json!("filed")));
    assert_eq!(
        timeline.last().map(|e| &e["status"]),
        Some(&json!("closed"))
    );
    assert!(
        detail["complaint"]["sla"]["first_response"]["met_at"].is_string(),
        "{detail}"
    );
    let sla = app.get_as("/api/v1/reports/sla", ADMIN_TOKEN).json();
    assert!(
        sla["total"]["complaints"].as_u64().unwrap_or(0) > 0
            && sla["total"]["first_response"]["met"].as_u64().unwrap_or(0) > 0,
        "{sla}"
    );

    // A living customer: years of orders and recent visits on one page.
    let busiest = first_page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or("").to_owned())
        .map(|id| {
            app.get_as(&format!("/api/v1/customers/{id}/overview"), ADMIN_TOKEN)
                .json()
        })
        .max_by_key(|o| o["metrics"]["order_count"].as_u64().unwrap_or(0))
        .expect("an overview");
    assert!(
        busiest["metrics"]["order_count"].as_u64().unwrap_or(0) >= 8,
        "{}",
        busiest["metrics"]
    );
    let first = busiest["metrics"]["first_order_at"].as_str().unwrap_or("");
    let last = busiest["metrics"]["last_order_at"].as_str().unwrap_or("");
    assert!(
        first[..4].parse::<u32>().unwrap_or(0) + 2 <= last[..4].parse::<u32>().unwrap_or(0),
        "{first} .. {last}"
    );
    assert!(busiest["timeline"]
        .as_array()
        .is_some_and(|t| t.iter().any(|e| e["kind"] == "visit")));

    // Restarted with --demo on the same store: nothing is added twice.
    drop(app);
    let again = start_demo();
    again.wait_for_line(|l| l.contains("demo data: the store already holds customers"));
    assert!(!again.output().contains("demo data ready"));

    // Without --demo the seeding route refuses, even for the admin.
    let plain = TestApp::start_app();
    let refused = plain.post_json(
        "/api/v1/demo/seed",
        Some(ADMIN_TOKEN),
        &json!({"customers": 1}),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
}
