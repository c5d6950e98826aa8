//! Customers over HTTP: one record for the company, dedup on entry, versioned updates, search,
//! bulk reassignment, and who may do what.

use crm_tests::{Reply, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

fn create(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post_json("/api/v1/customers", Some(token), &body)
}

fn created_id(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["id"].as_str().expect("id").to_owned()
}

fn audit_actions(app: &TestApp, customer_id: &str) -> Vec<String> {
    let log = app.get_as(
        &format!("/api/v1/audit?entity=customer&entity_id={customer_id}"),
        ADMIN_TOKEN,
    );
    assert_eq!(log.status, 200, "{}", log.body);
    log.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_rep_records_a_customer_that_belongs_to_the_company_and_survives_reassignment() {
    let app = TestApp::start_app();
    let wang = app.create_staff("Wang Wei", "rep");
    let zhao = app.create_staff("Zhao Min", "rep");
    let lead = app.create_staff("Li Na", "service_lead");

    let reply = create(
        &app,
        &wang.token,
        json!({
            "name": "上海华美化妆品有限公司",
            "phone": "+86 21 6234 5678",
            "tier": "gold",
            "region": "华东",
            "channel_partner": "东方分销",
            "tags": ["cosmetics", " retail "],
            "contacts": [
                {"name": "陈经理", "title": "采购经理", "phone": "138 0013 8000"},
                {"name": "Amy Chen", "email": "Amy.Chen@Huamei.example", "primary": true}
            ],
            "addresses": [{"label": "shipping", "street": "南京西路 1266 号", "city": "上海", "country": "CN"}]
        }),
    );
    let id = created_id(&reply);
    assert!(id.starts_with("cus_"), "{id}");
    assert_eq!(
        reply.location.as_deref(),
        Some(format!("/api/v1/customers/{id}").as_str())
    );
    assert_eq!(reply.etag.as_deref(), Some("\"1\""));
    let customer = reply.json();
    assert_eq!(
        customer["owner_id"],
        wang.id.as_str(),
        "a rep owns what they enter"
    );
    assert_eq!(customer["kind"], "company");
    assert_eq!(customer["tags"], json!(["cosmetics", "retail"]));
    assert_eq!(
        customer["contacts"][0]["name"], "Amy Chen",
        "the primary contact comes first"
    );
    assert_eq!(customer["contacts"][0]["email"], "amy.chen@huamei.example");
    assert_eq!(customer["contacts"][1]["primary"], false);
    assert_eq!(customer["addresses"][0]["city"], "上海");

    // Another rep sees and edits the same record: it is the company's, not Wang's.
    let seen = app.get_as(&format!("/api/v1/customers/{id}"), &zhao.token);
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.json(), customer);
    let edited = app.patch_json(
        &format!("/api/v1/customers/{id}"),
        &zhao.token,
        None,
        &json!({"region": "华南"}),
    );
    assert_eq!(edited.status, 200, "{}", edited.body);

    // Wang leaves: only a manager may move his customers, and they all move.
    let second = created_id(&create(
        &app,
        &wang.token,
        json!({"name": "Anna Lee", "kind": "person"}),
    ));
    let move_all = json!({"from_owner": wang.id, "to_owner": zhao.id});
    let refused = app.post_json("/api/v1/customers/reassign", Some(&zhao.token), &move_all);
    assert_eq!(refused.status, 403, "{}", refused.body);
    let moved = app.post_json("/api/v1/customers/reassign", Some(&lead.token), &move_all);
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.json()["reassigned"], 2);
    for customer_id in [&id, &second] {
        let after = app
            .get_as(&format!("/api/v1/customers/{customer_id}"), &lead.token)
            .json();
        assert_eq!(after["owner_id"], zhao.id.as_str());
    }
    let mine = app.get_as(
        &format!("/api/v1/customers?owner_id={}", wang.id),
        &lead.token,
    );
    assert_eq!(mine.json()["items"], json!([]));

    assert_eq!(
        audit_actions(&app, &id),
        ["customer.reassign", "customer.update", "customer.create"]
    );
}

#[test]
fn a_likely_duplicate_answers_409_with_candidates_and_writes_nothing_unless_confirmed() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let original = created_id(&create(
        &app,
        &rep.token,
        json!({
            "name": "上海华美化妆品有限公司",
            "phone": "+86 138 0013 8000",
            "contacts": [{"name": "Amy Chen", "email": "amy@huamei.example"}]
        }),
    ));

    let cases = [
        (json!({"name": "上海 华美化妆品公司"}), vec!["name"]),
        (
            json!({"name": "华美分公司", "phone": "１３８００１３８０００"}),
            vec!["phone"],
        ),
        (
            json!({"name": "Huamei", "contacts": [{"name": "A. Chen", "email": " AMY@huamei.EXAMPLE"}]}),
            vec!["email"],
        ),
        (
            json!({"name": "上海华美化妆品股份有限公司", "email": "x@y.example", "phone": "008613800138000"}),
            vec!["name", "phone"],
        ),
    ];
    for (body, matched_on) in cases {
        let reply = create(&app, &rep.token, body.clone());
        assert_eq!(reply.status, 409, "{body}: {}", reply.body);
        assert!(reply.content_type.starts_with("application/problem+json"));
        let candidates = reply.json()["candidates"].clone();
        assert_eq!(candidates[0]["customer"]["id"], original.as_str(), "{body}");
        let mut got: Vec<String> = candidates[0]["matched_on"]
            .as_array()
            .expect("matched_on")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        got.sort();
        assert_eq!(got, matched_on, "{body}");
    }
    let listed = app.get_as("/api/v1/customers", &rep.token).json();
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "a 409 writes nothing"
    );

    let mut confirmed = json!({"name": "上海 华美化妆品公司", "confirm_duplicate": true});
    let second = created_id(&create(&app, &rep.token, confirmed.clone()));
    assert_ne!(second, original);
    confirmed["name"] = json!("Completely Different Ltd");
    assert_eq!(create(&app, &rep.token, confirmed).status, 201);
}

#[test]
fn updates_check_the_version_and_null_clears_a_field() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let id = created_id(&create(
        &app,
        &rep.token,
        json!({"name": "Acme Trading", "phone": "021 6234 5678", "channel_partner": "East"}),
    ));
    let path = format!("/api/v1/customers/{id}");

    let first = app.patch_json(
        &path,
        &rep.token,
        Some("\"1\""),
        &json!({"tier": "platinum", "phone": null}),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.etag.as_deref(), Some("\"2\""));
    let after = first.json();
    assert_eq!(
        (after["tier"].as_str(), after["phone"].is_null()),
        (Some("platinum"), true)
    );
    assert_eq!(
        after["channel_partner"], "East",
        "absent fields stay as they were"
    );

    // A second writer who read version 1 is stopped rather than overwriting.
    let stale = app.patch_json(&path, &rep.token, Some("\"1\""), &json!({"tier": "silver"}));
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(app.get_as(&path, &rep.token).json()["tier"], "platinum");

    // A change that changes nothing makes no new version.
    let same = app.patch_json(&path, &rep.token, None, &json!({"tier": "platinum"}));
    assert_eq!(same.etag.as_deref(), Some("\"2\""));

    let cleared = app.patch_json(
        &path,
        &rep.token,
        None,
        &json!({"channel_partner": null, "owner_id": null}),
    );
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert!(cleared.json()["channel_partner"].is_null() && cleared.json()["owner_id"].is_null());

    // The phone cleared above no longer finds the customer.
    let search = app
        .get_as("/api/v1/customers?q=02162345678", &rep.token)
        .json();
    assert_eq!(search["items"], json!([]));
}

#[test]
fn contacts_and_addresses_are_added_and_make_the_customer_findable() {
    let app = TestApp::start_app();
    let agent = app.create_staff("Sun Li", "agent");
    let id = created_id(&create(
        &app,
        &agent.token,
        json!({"name": "Anna Lee", "kind": "person"}),
    ));
    assert!(
        app.get_as(&format!("/api/v1/customers/{id}"), &agent.token)
            .json()["owner_id"]
            .is_null(),
        "an agent entering a customer does not become its rep"
    );

    let contact = app.post_json(
        &format!("/api/v1/customers/{id}/contacts"),
        Some(&agent.token),
        &json!({"name": "Bob Lee", "phone": "+86 139 1234 5678"}),
    );
    assert_eq!(contact.status, 201, "{}", contact.body);
    assert_eq!(
        contact.json()["primary"],
        true,
        "the first contact is the primary one"
    );
    let second = app.post_json(
        &format!("/api/v1/customers/{id}/contacts"),
        Some(&agent.token),
        &json!({"name": "Cara Lee", "email": "cara@example.com", "primary": true}),
    );
    assert_eq!(second.status, 201, "{}", second.body);
    let address = app.post_json(
        &format!("/api/v1/customers/{id}/addresses"),
        Some(&agent.token),
        &json!({"street": "1 Main St", "city": "Hangzhou"}),
    );
    assert_eq!(address.status, 201, "{}", address.body);

    let customer = app
        .get_as(&format!("/api/v1/customers/{id}"), &agent.token)
        .json();
    let contacts = customer["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        (
            contacts[0]["name"].as_str(),
            contacts[0]["primary"].as_bool()
        ),
        (Some("Cara Lee"), Some(true))
    );
    assert_eq!(
        contacts[1]["primary"], false,
        "one primary contact at a time"
    );
    assert_eq!(customer["addresses"][0]["street"], "1 Main St");
    assert_eq!(customer["version"], 4);

    for q in [
        "13912345678",
        "%2B86%20139-1234-5678",
        "CARA%40example.com",
        "anna",
    ] {
        let found = app
            .get_as(&format!("/api/v1/customers?q={q}"), &agent.token)
            .json();
        assert_eq!(found["items"][0]["id"], id.as_str(), "q={q}");
    }
}

#[test]
fn customers_are_filtered_and_paged_without_repeats() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let mut ids = Vec::new();
    for i in 0..7 {
        let body = json!({
            "name": format!("Customer {i}"),
            "region": if i % 2 == 0 { "North" } else { "South" },
            "tier": if i < 3 { "gold" } else { "standard" },
            "tags": if i == 4 { json!(["VIP"]) } else { json!([]) },
        });
        ids.push(created_id(&create(&app, &rep.token, body)));
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/customers?limit=3&cursor={}", c.replace('|', "%7C")),
            None => "/api/v1/customers?limit=3".to_owned(),
        };
        let page = app.get_as(&path, &rep.token);
        assert_eq!(page.status, 200, "{}", page.body);
        let page = page.json();
        for item in page["items"].as_array().expect("items") {
            seen.push(item["id"].as_str().expect("id").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, expected, "every customer exactly once");

    let count = |query: &str| {
        let reply = app.get_as(&format!("/api/v1/customers?{query}"), &rep.token);
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        reply.json()["items"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(count("region=North"), 4);
    assert_eq!(count("tier=gold"), 3);
    assert_eq!(count("tier=gold&region=South"), 1);
    assert_eq!(count("tag=vip"), 1);
    assert_eq!(count("q=customer%203"), 1);
}

#[test]
fn bad_customer_input_gets_a_problem_naming_the_field() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let ops = app.create_staff("Ops Bot", "ops");

    let cases = [
        (json!({"phone": "13800138000"}), 422, "name"),
        (json!({"name": "  "}), 422, "name"),
        (json!({"name": "x", "tier": "diamond"}), 422, "tier"),
        (json!({"name": "x", "kind": "robot"}), 422, "kind"),
        (json!({"name": "x", "phone": "call me"}), 422, "phone"),
        (
            json!({"name": "x", "email": "not-an-address"}),
            422,
            "email",
        ),
        (
            json!({"name": "x", "owner_id": "stf_nobody"}),
            409,
            "owner_id",
        ),
        (json!({"name": "x", "owner_id": ops.id}), 422, "owner_id"),
        (
            json!({"name": "x", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            422,
            "tags",
        ),
        (
            json!({"name": "x", "contacts": [{"name": "a"}, {"name": "b", "phone": "12"}]}),
            422,
            "contacts[1].phone",
        ),
        (
            json!({"name": "x", "contacts": [{"name": "a", "primary": true}, {"name": "b", "primary": true}]}),
            422,
            "contacts",
        ),
        (
            json!({"name": "x", "addresses": [{"street": ""}]}),
            422,
            "addresses[0].street",
        ),
        (json!({"name": "x", "colour": "red"}), 422, "colour"),
    ];
    for (body, status, field) in cases {
        let reply = create(&app, &rep.token, body.clone());
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert!(
            reply.content_type.starts_with("application/problem+json"),
            "{body}"
        );
        assert_eq!(reply.json()["field"], field, "{body}: {}", reply.body);
    }
    let listed = app.get_as("/api/v1/customers", &rep.token).json();
    assert_eq!(listed["items"], json!([]), "nothing half-written");

    let big = json!({"name": "x".repeat(2 * 1024 * 1024)});
    assert_eq!(create(&app, &rep.token, big).status, 413);

    let query_cases = [
        ("/api/v1/customers?limit=0", 422, "limit"),
        ("/api/v1/customers?limit=ten", 400, "query"),
        ("/api/v1/customers?colour=red", 400, "colour"),
        ("/api/v1/customers?tier=diamond", 422, "tier"),
        ("/api/v1/customers?cursor=garbage", 422, "cursor"),
    ];
    for (path, status, field) in query_cases {
        let reply = app.get_as(path, &rep.token);
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        assert_eq!(reply.json()["field"], field, "{path}");
    }

    let id = created_id(&create(&app, &rep.token, json!({"name": "Real"})));
    let bad_etag = app.patch_json(
        &format!("/api/v1/customers/{id}"),
        &rep.token,
        Some("yesterday"),
        &json!({}),
    );
    assert_eq!(
        (bad_etag.status, bad_etag.json()["field"].as_str()),
        (400, Some("if-match"))
    );
    assert_eq!(
        app.get_as("/api/v1/customers/cus_000000000000000000000000", &rep.token)
            .status,
        404
    );
    assert_eq!(
        app.get_as(&format!("/api/v1/customers/{}", rep.id), &rep.token)
            .status,
        404,
        "an id of another type"
    );
    assert_eq!(app.get(&format!("/api/v1/customers/{id}")).status, 401);
    assert_eq!(
        app.get_as(&format!("/api/v1/customers/{id}"), &ops.token)
            .status,
        403,
        "ops sees no customer data"
    );
}
