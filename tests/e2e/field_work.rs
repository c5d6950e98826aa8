//! Field work over HTTP: the product catalogue, staff orders, the self-filling contact log, and
//! the unified customer view with its order figures on known data.

use crm_tests::{StaffLogin, TestApp};
use serde_json::{json, Value};

/// A catalogue of two products (one retired later by tests that need it), made by a sales GM.
fn catalogue(app: &TestApp) -> (StaffLogin, Vec<String>) {
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let ids = [
        ("HM-CREAM-50", "保湿霜 50ml", 12_950),
        ("HM-LOTION-200", "润肤露 200ml", 8_800),
    ]
    .into_iter()
    .map(|(sku, name, price)| {
        let reply = app.post_json(
            "/api/v1/products",
            Some(&gm.token),
            &json!({"sku": sku, "name": name, "unit_price": price}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    })
    .collect();
    (gm, ids)
}

fn new_customer(app: &TestApp, token: &str, body: Value) -> String {
    let reply = app.post_json("/api/v1/customers", Some(token), &body);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["id"].as_str().expect("id").to_owned()
}

#[test]
fn only_catalogue_managers_change_products_and_skus_are_unique() {
    let app = TestApp::start_app();
    let (gm, products) = catalogue(&app);
    let rep = app.create_staff("Wang Wei", "rep");

    let by_rep = app.post_json(
        "/api/v1/products",
        Some(&rep.token),
        &json!({"sku": "X-1", "name": "x", "unit_price": 1}),
    );
    assert_eq!(by_rep.status, 403, "{}", by_rep.body);
    let same_sku = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": " hm-cream-50 ", "name": "again", "unit_price": 1}),
    );
    assert_eq!(same_sku.status, 409, "{}", same_sku.body);

    let retired = app.patch_json(
        &format!("/api/v1/products/{}", products[1]),
        &gm.token,
        None,
        &json!({"active": false}),
    );
    assert_eq!(retired.status, 200, "{}", retired.body);
    let listed = app.get_as("/api/v1/products", &rep.token).json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["items"][0]["sku"], "HM-CREAM-50");
    let all = app
        .get_as("/api/v1/products?include_inactive=true", &rep.token)
        .json();
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_visit_draft_fills_itself_from_the_last_visit_and_needs_only_what_changed() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let customer = new_customer(
        &app,
        &rep.token,
        json!({
            "name": "杭州百货商店",
            "contacts": [{"name": "刘店长", "phone": "139 0000 1111"}],
            "addresses": [{"street": "延安路 100 号", "city": "杭州"}]
        }),
    );

    // The first draft knows the customer's main contact and address, and nothing older.
    let first = app.get_as(
        &format!("/api/v1/activities/draft?customer={customer}&type=visit"),
        &rep.token,
    );
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    assert_eq!(first["rep_id"], rep.id.as_str());
    assert_eq!(first["type"], "visit");
    assert_eq!(first["location"], "延安路 100 号, 杭州");
    assert!(first["contact_id"]
        .as_str()
        .is_some_and(|c| c.starts_with("con_")));
    assert_eq!(first["open_items"], json!([]));
    assert!(first["previous_id"].is_null());

    let visit = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &json!({
            "customer_id": customer,
            "type": "visit",
            "occurred_at": "2026-11-20T10:00:00+08:00",
            "location": "延安路店 2 楼",
            "notes": "checked shelf stock; replaced 3 damaged tubes",
            "competitor_activity": "rival brand runs a 20% discount",
            "open_items": ["send samples of the new lotion", "quote for 200 units"]
        }),
    );
    assert_eq!(visit.status, 201, "{}", visit.body);
    let visit = visit.json();
    assert_eq!(visit["occurred_at"], "2026-11-20T02:00:00Z");
    assert_eq!(
        visit["contact_id"], first["contact_id"],
        "the main contact, taken from the draft"
    );

    let second = app
        .get_as(
            &format!("/api/v1/activities/draft?customer={customer}&type=visit"),
            &rep.token,
        )
        .json();
    assert_eq!(second["previous_id"], visit["id"]);
    assert_eq!(second["location"], "延安路店 2 楼");
    assert_eq!(second["open_items"], visit["open_items"]);

    // Posting back only what changed: everything else comes from the draft.
    let follow_up = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &json!({"customer_id": customer, "type": "visit", "notes": "samples delivered"}),
    );
    assert_eq!(follow_up.status, 201, "{}", follow_up.body);
    let follow_up = follow_up.json();
    assert_eq!(follow_up["location"], "延安路店 2 楼");
    assert_eq!(follow_up["open_items"], visit["open_items"]);
    assert_eq!(follow_up["contact_id"], visit["contact_id"]);

    // A call draft does not inherit the visit's open items: they belong to visits.
    let call = app
        .get_as(
            &format!("/api/v1/activities/draft?customer={customer}&type=call"),
            &rep.token,
        )
        .json();
    assert_eq!(call["open_items"], json!([]));
}

#[test]
fn a_days_visits_are_recorded_in_one_batch_all_or_none() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let other_rep = app.create_staff("Zhao Min", "rep");
    let lead = app.create_staff("Li Na", "service_lead");
    let customers: Vec<String> = (0..3)
        .map(|i| new_customer(&app, &rep.token, json!({"name": format!("Shop {i}")})))
        .collect();
    let visit = |customer: &str, at: &str| json!({"customer_id": customer, "type": "visit", "occurred_at": at, "notes": "route visit"});

    let with_a_bad_one = json!({"items": [
        visit(&customers[0], "2026-11-20T09:00:00+08:00"),
        visit(&customers[1], "next tuesday"),
        visit(&customers[2], "2026-11-20T15:00:00+08:00"),
    ]});
    let refused = app.post_json(
        "/api/v1/activities/batch",
        Some(&rep.token),
        &with_a_bad_one,
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["field"], "items[1].occurred_at");
    let logged = app
        .get_as(&format!("/api/v1/activities?rep_id={}", rep.id), &rep.token)
        .json();
    assert_eq!(
        logged["items"],
        json!([]),
        "nothing of a refused batch is written"
    );

    // A first-line manager enters the day's visits for the rep, in one request.
    let mut batch = json!({"items": [
        visit(&customers[0], "2026-11-20T09:00:00+08:00"),
        visit(&customers[1], "2026-11-20T11:30:00+08:00"),
        visit(&customers[2], "2026-11-20T15:00:00+08:00"),
    ]});
    for item in batch["items"].as_array_mut().expect("items") {
        item["rep_id"] = json!(rep.id);
    }
    let recorded = app.post_json("/api/v1/activities/batch", Some(&lead.token), &batch);
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let items = recorded.json()["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(3));
    assert_eq!(items[1]["rep_id"], rep.id.as_str());
    assert_eq!(items[1]["entered_by"], lead.id.as_str());

    let logged = app
        .get_as(
            &format!("/api/v1/activities?rep_id={}&limit=2", rep.id),
            &rep.token,
        )
        .json();
    assert_eq!(
        logged["items"][0]["customer_id"],
        customers[2].as_str(),
        "most recent first"
    );
    assert!(logged["next_cursor"].is_string());

    // A rep may not log visits in a colleague's name.
    let mut as_colleague = visit(&customers[0], "2026-11-21");
    as_colleague["rep_id"] = json!(other_rep.id);
    let forbidden = app.post_json("/api/v1/activities", Some(&rep.token), &as_colleague);
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    // Refused before the input is looked at: a bad field does not turn it into a 422.
    let mut as_colleague_in_future = visit(&customers[0], "2099-01-01");
    as_colleague_in_future["rep_id"] = json!(other_rep.id);
    let forbidden = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &as_colleague_in_future,
    );
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);

    let future = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &visit(&customers[0], "2099-01-01"),
    );
    assert_eq!(
        (future.status, future.json()["field"].as_str()),
        (422, Some("occurred_at"))
    );
    let stranger = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &json!({"customer_id": customers[0], "type": "visit", "contact_id": "con_000000000000000000000000"}),
    );
    assert_eq!(
        (stranger.status, stranger.json()["field"].as_str()),
        (409, Some("contact_id"))
    );
    let bad_type = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &json!({"customer_id": customers[0], "type": "telegram"}),
    );
    assert_eq!(
        (bad_type.status, bad_type.json()["field"].as_str()),
        (422, Some("type"))
    );
}

#[test]
fn the_overview_shows_order_figures_and_every_touchpoint_on_known_data() {
    let app = TestApp::start_app();
    let (_gm, products) = catalogue(&app);
    let rep = app.create_staff("Wang Wei", "rep");
    let customer = new_customer(
        &app,
        &rep.token,
        json!({"name": "Growing Customer Ltd", "tier": "gold"}),
    );

    // Four orders 0, 30, 90 and 120 days apart, worth 100.00, 200.00, 300.00 and 500.00.
    for (day, quantity, price) in [
        ("2022-01-01", 1, 10_000),
        ("2022-01-31", 2, 10_000),
        ("2022-04-01", 3, 10_000),
        ("2022-05-01", 4, 12_500),
    ] {
        let reply = app.post_json(
            "/api/v1/orders",
            Some(&rep.token),
            &json!({
                "customer_id": customer,
                "placed_at": day,
                "lines": [{"product_id": products[0], "quantity": quantity, "unit_price": price, "batch_number": "B2201"}],
                "invoice_number": format!("INV-{day}"),
                "ship_date": day,
            }),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let list_price = app.post_json(
        "/api/v1/orders",
        Some(&rep.token),
        &json!({"customer_id": new_customer(&app, &rep.token, json!({"name": "Other"})),
                "lines": [{"product_id": products[1], "quantity": 2}]}),
    );
    assert_eq!(
        list_price.json()["total"],
        17_600,
        "the list price applies when none is agreed"
    );

    let visit = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &json!({"customer_id": customer, "type": "visit", "occurred_at": "2022-06-01", "notes": "re-survey after 5 orders"}),
    );
    assert_eq!(visit.status, 201, "{}", visit.body);

    let reply = app.get_as(
        &format!("/api/v1/customers/{customer}/overview"),
        &rep.token,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let overview = reply.json();
    assert_eq!(overview["customer"]["name"], "Growing Customer Ltd");
    let m = &overview["metrics"];
    assert_eq!(m["order_count"], 4);
    assert_eq!(m["total_value"], 110_000);
    assert_eq!(m["first_order_at"], "2022-01-01T00:00:00Z");
    assert_eq!(m["last_order_at"], "2022-05-01T00:00:00Z");
    assert_eq!(m["average_order_value"], 27_500);
    assert_eq!(m["average_interval_days"], 40.0);
    let growth = m["value_per_order_growth_percent"]
        .as_f64()
        .expect("growth");
    assert!((growth - 166.67).abs() < 0.01, "{growth}");

    let kinds: Vec<&str> = overview["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|t| t["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["visit", "order", "order", "order", "order"]);
    assert_eq!(
        overview["timeline"][1]["summary"],
        "staff order (delivered), 1 line, total 500.00"
    );

    let short = app
        .get_as(
            &format!("/api/v1/customers/{customer}/overview?timeline_limit=2"),
            &rep.token,
        )
        .json();
    assert_eq!(short["timeline"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        short["metrics"]["order_count"], 4,
        "the figures count every order"
    );

    let orders = app
        .get_as(
            &format!("/api/v1/orders?customer_id={customer}"),
            &rep.token,
        )
        .json();
    assert_eq!(orders["items"][0]["placed_at"], "2022-05-01T00:00:00Z");
    assert_eq!(orders["items"][0]["lines"][0]["batch_number"], "B2201");
}

#[test]
fn bad_orders_name_the_field_and_write_nothing() {
    let app = TestApp::start_app();
    let (gm, products) = catalogue(&app);
    let rep = app.create_staff("Wang Wei", "rep");
    let customer = new_customer(&app, &rep.token, json!({"name": "Careful Buyer"}));
    let retire = app.patch_json(
        &format!("/api/v1/products/{}", products[1]),
        &gm.token,
        None,
        &json!({"active": false}),
    );
    assert_eq!(retire.status, 200);
    let line = |product: &str, quantity: u32| json!({"product_id": product, "quantity": quantity});

    let cases = [
        (json!({"customer_id": customer, "lines": []}), "lines"),
        (
            json!({"customer_id": customer, "lines": [line(&products[0], 0)]}),
            "lines[0].quantity",
        ),
        (
            json!({"customer_id": customer, "lines": [line(&products[1], 1)]}),
            "lines[0].product_id",
        ),
        (
            json!({"customer_id": customer, "lines": [{"product_id": products[0], "quantity": 1, "unit_price": -5}]}),
            "lines[0].unit_price",
        ),
        (
            json!({"customer_id": customer, "lines": [line(&products[0], 1)], "ship_date": "soon"}),
            "ship_date",
        ),
        (
            json!({"customer_id": customer, "lines": [line(&products[0], 1)], "placed_at": "2022-02-30"}),
            "placed_at",
        ),
        (
            json!({"customer_id": customer, "lines": [line(&products[0], 1)], "discount": 5}),
            "discount",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post_json("/api/v1/orders", Some(&rep.token), &body);
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert_eq!(reply.json()["field"], field, "{body}");
    }
    // Naming something that does not exist conflicts with what is stored: 409, naming the field.
    let missing = [
        (
            json!({"customer_id": "cus_000000000000000000000000", "lines": [line(&products[0], 1)]}),
            "customer_id",
        ),
        (
            json!({"customer_id": customer, "lines": [line(&products[0], 1), line("prd_nope", 1)]}),
            "lines[1].product_id",
        ),
    ];
    for (body, field) in missing {
        let reply = app.post_json("/api/v1/orders", Some(&rep.token), &body);
        assert_eq!(reply.status, 409, "{body}: {}", reply.body);
        assert_eq!(reply.json()["field"], field, "{body}");
    }
    let orders = app.get_as("/api/v1/orders", &rep.token).json();
    assert_eq!(orders["items"], json!([]));
    assert_eq!(
        app.get_as("/api/v1/orders/ord_000000000000000000000000", &rep.token)
            .status,
        404
    );
    assert_eq!(
        app.get_as(&format!("/api/v1/orders/{customer}"), &rep.token)
            .status,
        404
    );
}

#[test]
fn merging_duplicates_keeps_every_order_visit_and_audit_entry_after_a_faithful_dry_run() {
    let app = TestApp::start_app();
    let (_gm, products) = catalogue(&app);
    let rep = app.create_staff("Wang Wei", "rep");
    let lead = app.create_staff("Li Na", "service_lead");
    let survivor = new_customer(
        &app,
        &rep.token,
        json!({"name": "华美商行", "tags": ["vip"], "contacts": [{"name": "陈经理"}]}),
    );
    let duplicate = new_customer(
        &app,
        &rep.token,
        json!({"name": "Huamei Store", "phone": "+86 138 0013 8000", "tier": "gold", "tags": ["retail", "VIP"],
               "contacts": [{"name": "Amy Chen", "email": "amy@huamei.example"}], "confirm_duplicate": true}),
    );
    let order = |customer: &str, day: &str| {
        let reply = app.post_json(
            "/api/v1/orders",
            Some(&rep.token),
            &json!({"customer_id": customer, "placed_at": day, "lines": [{"product_id": products[0], "quantity": 1}]}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    };
    order(&survivor, "2023-01-01");
    order(&survivor, "2024-01-01");
    order(&duplicate, "2025-01-01");
    let visit = app.post_json(
        "/api/v1/activities",
        Some(&rep.token),
        &json!({"customer_id": duplicate, "type": "visit", "occurred_at": "2025-02-01", "notes": "met Amy"}),
    );
    assert_eq!(visit.status, 201, "{}", visit.body);
    let complaint = app.post_json(
        "/api/v1/complaints",
        Some(&rep.token),
        &json!({"customer_id": duplicate, "category": "delivery", "description": "late"}),
    );
    assert_eq!(complaint.status, 201, "{}", complaint.body);
    let merge_path = format!("/api/v1/customers/{survivor}/merge");

    let preview = app.post_json(
        &merge_path,
        Some(&rep.token),
        &json!({"merge_id": duplicate, "dry_run": true}),
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    let preview = preview.json();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(
        preview["moved"],
        json!({"contacts": 1, "addresses": 0, "orders": 1, "activities": 1, "leads": 0, "opportunities": 0, "tasks": 0, "service_requests": 0, "complaints": 1})
    );
    assert_eq!(preview["survivor"]["tier"], "gold", "the higher tier");
    assert_eq!(
        preview["survivor"]["phone"], "+86 138 0013 8000",
        "an empty field is filled"
    );
    assert_eq!(preview["survivor"]["tags"], json!(["vip", "retail"]));
    assert_eq!(
        app.get_as(&format!("/api/v1/customers/{duplicate}"), &rep.token)
            .status,
        200,
        "a dry run writes nothing"
    );
    let untouched = app
        .get_as(
            &format!("/api/v1/customers/{survivor}/overview"),
            &rep.token,
        )
        .json();
    assert_eq!(untouched["metrics"]["order_count"], 2);

    let refused = app.post_json(
        &merge_path,
        Some(&rep.token),
        &json!({"merge_id": duplicate}),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let merged = app.post_json(
        &merge_path,
        Some(&lead.token),
        &json!({"merge_id": duplicate}),
    );
    assert_eq!(merged.status, 200, "{}", merged.body);
    let mut merged = merged.json();
    assert_eq!(merged["dry_run"], false);
    // The preview showed exactly this result (apart from the flag itself).
    merged["dry_run"] = json!(true);
    for volatile in ["updated_at"] {
        merged["survivor"][volatile] = preview["survivor"][volatile].clone();
    }
    let strip_ids = |v: &Value| -> Value {
        let mut v = v.clone();
        v["survivor"]["contacts"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .for_each(|c| c["id"] = json!(""));
        v
    };
    assert_eq!(strip_ids(&merged), strip_ids(&preview));

    let gone = app.get_as(&format!("/api/v1/customers/{duplicate}"), &rep.token);
    assert_eq!(gone.status, 404);
    assert!(
        gone.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&survivor),
        "{}",
        gone.body
    );
    let view = app
        .get_as(
            &format!("/api/v1/customers/{survivor}/overview"),
            &rep.token,
        )
        .json();
    assert_eq!(view["metrics"]["order_count"], 3);
    assert_eq!(
        view["open_complaints"], 1,
        "the complaint moved with the customer"
    );
    // The complaint, filed today, then the visit of 2025-02-01.
    assert_eq!(view["timeline"][0]["kind"], "complaint");
    assert_eq!(view["timeline"][1]["kind"], "visit");
    let contacts = view["customer"]["contacts"]
        .as_array()
        .expect("contacts")
        .clone();
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        (
            contacts[0]["name"].as_str(),
            contacts[0]["primary"].as_bool()
        ),
        (Some("陈经理"), Some(true))
    );
    let found = app
        .get_as("/api/v1/customers?q=13800138000", &rep.token)
        .json();
    assert_eq!(
        found["items"][0]["id"],
        survivor.as_str(),
        "the merged phone finds the survivor"
    );
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));

    let history = app
        .get_as(
            &format!("/api/v1/audit?entity=customer&entity_id={duplicate}"),
            crm_tests::ADMIN_TOKEN,
        )
        .json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["customer.merged_into", "customer.create"],
        "the merged customer's history stays"
    );

    let itself = app.post_json(
        &merge_path,
        Some(&lead.token),
        &json!({"merge_id": survivor}),
    );
    assert_eq!(
        (itself.status, itself.json()["field"].as_str()),
        (422, Some("merge_id"))
    );
    // The merged customer is gone from the live records: merging it again names it as unknown.
    let again = app.post_json(
        &merge_path,
        Some(&lead.token),
        &json!({"merge_id": duplicate}),
    );
    assert_eq!(
        (again.status, again.json()["field"].as_str()),
        (409, Some("merge_id"))
    );
}

#[test]
fn supervisors_verify_a_reproducible_sample_of_visits_and_get_each_reps_rate() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let lead = app.create_staff("Li Na", "service_lead");
    let customer = new_customer(&app, &rep.token, json!({"name": "Route Shop"}));
    let mut items: Vec<Value> = (2..12)
        .map(|day| json!({"customer_id": customer, "type": "visit", "occurred_at": format!("2026-11-{day:02}T10:00:00+08:00")}))
        .collect();
    items.push(json!({"customer_id": customer, "type": "call", "occurred_at": "2026-11-05"}));
    let logged = app.post_json(
        "/api/v1/activities/batch",
        Some(&rep.token),
        &json!({"items": items}),
    );
    assert_eq!(logged.status, 201, "{}", logged.body);
    let call_id = logged.json()["items"][10]["id"]
        .as_str()
        .expect("call")
        .to_owned();

    let request = |seed: u64| json!({"rep_id": rep.id, "first_day": "2026-11-01", "last_day": "2026-11-30", "size": 3, "seed": seed});
    let draw = |seed: u64| -> Vec<String> {
        let reply = app.post_json(
            "/api/v1/verification/samples",
            Some(&lead.token),
            &request(seed),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .inspect(|v| assert_eq!(v["type"], "visit", "only visits are sampled"))
            .map(|v| v["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let sample = draw(7);
    assert_eq!(sample.len(), 3);
    assert_eq!(draw(7), sample, "the same seed draws the same sample");
    assert_ne!(draw(8), sample);
    let refused = app.post_json(
        "/api/v1/verification/samples",
        Some(&rep.token),
        &request(7),
    );
    assert_eq!(refused.status, 403);

    let check = |id: &str, outcome: &str| {
        app.post_json(
            &format!("/api/v1/activities/{id}/check"),
            Some(&lead.token),
            &json!({"outcome": outcome, "note": "called the shop owner"}),
        )
    };
    for (id, outcome) in sample
        .iter()
        .zip(["confirmed", "not_confirmed", "no_answer"])
    {
        let reply = check(id, outcome);
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["checked_by"], lead.id.as_str());
    }
    let rates = |app: &TestApp| {
        let reply = app.get_as(
            "/api/v1/verification/rates?first_day=2026-11-01&last_day=2026-11-30",
            &lead.token,
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["items"][0].clone()
    };
    let first = rates(&app);
    assert_eq!(
        (
            first["rep_id"].as_str(),
            first["visits"].as_u64(),
            first["checked"].as_u64()
        ),
        (Some(rep.id.as_str()), Some(10), Some(3))
    );
    assert_eq!(first["rate"], 0.5, "unanswered calls do not count");
    // Calling again after no answer replaces the check.
    assert_eq!(check(&sample[2], "confirmed").status, 200);
    let second = rates(&app);
    assert_eq!(
        (second["checked"].as_u64(), second["no_answer"].as_u64()),
        (Some(3), Some(0))
    );
    assert!((second["rate"].as_f64().unwrap_or_default() - 2.0 / 3.0).abs() < 1e-9);

    assert_eq!(
        check(&call_id, "confirmed").status,
        409,
        "calls are not verified"
    );
    assert_eq!(
        check("act_000000000000000000000000", "confirmed").status,
        404
    );
    let bad = check(&sample[0], "maybe");
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (422, Some("outcome"))
    );
    let mut too_big = request(1);
    too_big["size"] = json!(0);
    let reply = app.post_json("/api/v1/verification/samples", Some(&lead.token), &too_big);
    assert_eq!(
        (reply.status, reply.json()["field"].as_str()),
        (422, Some("size"))
    );
    let backwards = app.get_as(
        "/api/v1/verification/rates?first_day=2026-11-30&last_day=2026-11-01",
        &lead.token,
    );
    // A period that ends before it starts holds no visits: nothing to rate, not an error
    // (each day is valid on its own, and that is all a schema can say).
    assert_eq!(backwards.status, 200, "{}", backwards.body);
    assert_eq!(backwards.json()["items"], json!([]));
}
