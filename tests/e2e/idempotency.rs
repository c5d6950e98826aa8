//! `Idempotency-Key` on creates: a retry gets the first response and creates nothing; the same
//! key for another request is refused; a retry while the first is running gets 409.

use crm_tests::{Reply, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

fn post_keyed(app: &TestApp, path: &str, token: Option<&str>, key: &str, body: &Value) -> Reply {
    app.request_with(
        "POST",
        path,
        token,
        &[("idempotency-key", key)],
        Some(body.to_string()),
    )
}

fn customers_named(app: &TestApp, token: &str, name: &str) -> usize {
    let found = app.get_as(
        &format!("/api/v1/customers?q={}&limit=100", urlencode(name)),
        token,
    );
    assert_eq!(found.status, 200, "{}", found.body);
    found.json()["items"].as_array().expect("items").len()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_retry_with_the_same_key_gets_the_first_response_and_creates_nothing() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let body = json!({"name": "杭州青山茶业有限公司", "phone": "0571 8888 1234"});

    let first = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "\"k-1\"",
        &body,
    );
    assert_eq!(first.status, 201, "{}", first.body);
    let again = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "\"k-1\"",
        &body,
    );
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body, first.body, "the replay is the first response");
    assert_eq!(again.location, first.location);
    assert_eq!(customers_named(&app, &rep.token, "青山茶业"), 1);

    // Without a key, the same body is a new request: dedup answers, nothing is replayed.
    let unkeyed = app.post_json("/api/v1/customers", Some(&rep.token), &body);
    assert_eq!(unkeyed.status, 409, "{}", unkeyed.body);

    // Another caller's key space is their own.
    let other = app.create_staff("Zhao Min", "rep");
    let theirs = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&other.token),
        "\"k-1\"",
        &json!({"name": "Suzhou Lakeside Textiles", "phone": "0512 6666 0000"}),
    );
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert_ne!(theirs.json()["id"], first.json()["id"]);

    // Orders too: a double-clicked order is one order.
    let product = app.post_json(
        "/api/v1/products",
        Some(ADMIN_TOKEN),
        &json!({"sku": "TEA-01", "name": "龙井 250g", "unit_price": 12800}),
    );
    assert_eq!(product.status, 201, "{}", product.body);
    let order = json!({
        "customer_id": first.json()["id"],
        "lines": [{"product_id": product.json()["id"], "quantity": 2}]
    });
    let placed = post_keyed(&app, "/api/v1/orders", Some(&rep.token), "order-7", &order);
    assert_eq!(placed.status, 201, "{}", placed.body);
    let replayed = post_keyed(&app, "/api/v1/orders", Some(&rep.token), "order-7", &order);
    assert_eq!(replayed.body, placed.body);
    let orders = app.get_as(
        &format!(
            "/api/v1/orders?customer_id={}",
            first.json()["id"].as_str().unwrap()
        ),
        &rep.token,
    );
    assert_eq!(orders.status, 200, "{}", orders.body);
    assert_eq!(orders.json()["items"].as_array().unwrap().len(), 1);
}

#[test]
fn the_same_key_for_a_different_request_is_refused_with_422() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let first = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "k-2",
        &json!({"name": "宁波海风渔具厂", "phone": "0574 2222 3333"}),
    );
    assert_eq!(first.status, 201, "{}", first.body);
    let other = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "k-2",
        &json!({"name": "温州明光眼镜厂", "phone": "0577 4444 5555"}),
    );
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.json()["field"], "Idempotency-Key");
    assert_eq!(customers_named(&app, &rep.token, "明光眼镜"), 0);

    // The same body sent to another route is another request too.
    let elsewhere = post_keyed(
        &app,
        "/api/v1/leads",
        Some(&rep.token),
        "k-2",
        &json!({"name": "宁波海风渔具厂", "phone": "0574 2222 3333"}),
    );
    assert_eq!(elsewhere.status, 422, "{}", elsewhere.body);
}

#[test]
fn a_failed_create_releases_its_key_and_bad_keys_are_named() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let invalid = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "k-3",
        &json!({"name": "", "phone": "0574 2222 3333"}),
    );
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert_eq!(invalid.json()["field"], "name");
    let corrected = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "k-3",
        &json!({"name": "舟山远洋水产", "phone": "0580 3333 4444"}),
    );
    assert_eq!(corrected.status, 201, "{}", corrected.body);

    let too_long = "x".repeat(256);
    let refused = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        &too_long,
        &json!({"name": "台州黄岩蜜桔合作社"}),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["field"], "Idempotency-Key");

    // An anonymous caller learns nothing about keys: authentication comes first.
    let anonymous = post_keyed(
        &app,
        "/api/v1/customers",
        None,
        &too_long,
        &json!({"name": "台州黄岩蜜桔合作社"}),
    );
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
}

/// Marks a caller's key as still running (as if its first request were in flight), `age`
/// seconds ago.
fn mark_running(app: &TestApp, key: &str, age: i64) {
    let db = rusqlite::Connection::open(app.state_dir.join("sqlite_db.db")).expect("open db");
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let changed = db
        .execute(
            "UPDATE idempotency_key SET state = 'running', result = NULL,
                    started_at = CAST(strftime('%s', 'now') AS INTEGER) - ?1
              WHERE key = ?2",
            rusqlite::params![age, key],
        )
        .expect("update key");
    assert_eq!(changed, 1);
}

#[test]
fn a_retry_while_the_first_is_running_gets_409_and_a_dead_first_is_taken_over() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let body = json!({"name": "Ningbo Harbour Tools", "phone": "0574 1111 2222"});
    let first = post_keyed(&app, "/api/v1/customers", Some(&rep.token), "k-4", &body);
    assert_eq!(first.status, 201, "{}", first.body);

    mark_running(&app, "k-4", 1);
    let running = post_keyed(&app, "/api/v1/customers", Some(&rep.token), "k-4", &body);
    assert_eq!(running.status, 409, "{}", running.body);

    // A request that started ten minutes ago and never finished died: the retry goes ahead.
    mark_running(&app, "k-4", 600);
    let taken_over = post_keyed(
        &app,
        "/api/v1/customers",
        Some(&rep.token),
        "k-4",
        &json!({"name": "Ningbo Harbour Tools", "phone": "0574 1111 2222", "confirm_duplicate": true}),
    );
    // Another body with the same key is still another request.
    assert_eq!(taken_over.status, 422, "{}", taken_over.body);
    let retried = post_keyed(&app, "/api/v1/customers", Some(&rep.token), "k-4", &body);
    assert_eq!(
        retried.status, 409,
        "dedup sees the first: {}",
        retried.body
    );
}

#[test]
fn concurrent_retries_create_exactly_once() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let body = json!({"name": "Wuxi Silk Road Trading", "phone": "0510 7777 8888"});
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                scope
                    .spawn(|| post_keyed(&app, "/api/v1/customers", Some(&rep.token), "k-5", &body))
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty(), "{replies:?}");
    assert!(
        created.iter().all(|r| r.body == created[0].body),
        "{replies:?}"
    );
    assert!(
        replies.iter().all(|r| r.status == 201 || r.status == 409),
        "{replies:?}"
    );
    assert_eq!(customers_named(&app, &rep.token, "Silk Road"), 1);
}
