//! What service work needs from the catalogue, orders and SLA policies: stock per product that
//! the warehouse keeps and that never falls below none, the address an order ships to (one of
//! its customer's own), and a policy's remedy percent.

use crm_tests::{Reply, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

fn ok(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

fn refused(reply: Reply, status: u16, field: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.json()["field"], field, "{}", reply.body);
}

fn product(app: &TestApp, token: &str) -> String {
    let created = ok(
        app.post_json(
            "/api/v1/products",
            Some(token),
            &json!({"sku": "HM-CREAM-50", "name": "保湿霜 50ml", "unit_price": 12_950}),
        ),
        201,
    );
    assert_eq!(created["stock"], 0, "a new product has none in stock");
    created["id"].as_str().expect("id").to_owned()
}

#[test]
fn the_warehouse_keeps_stock_and_it_never_falls_below_none() {
    let app = TestApp::start_app();
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let warehouse = app.create_staff("Wu Cang", "warehouse");
    let rep = app.create_staff("Wang Wei", "rep");
    let id = product(&app, &gm.token);
    let path = format!("/api/v1/products/{id}/stock");

    // A delivery comes in, and breakage goes out.
    let delivered = ok(
        app.post_json(
            &path,
            Some(&warehouse.token),
            &json!({"change": 50, "note": "delivery DN-1107"}),
        ),
        200,
    );
    assert_eq!(
        (delivered["id"].as_str(), delivered["stock"].as_u64()),
        (Some(id.as_str()), Some(50))
    );
    let broken = ok(
        app.post_json(&path, Some(&warehouse.token), &json!({"change": -20})),
        200,
    );
    assert_eq!(broken["stock"], 30);

    // Taking out more than there is changes nothing, and says how many there are.
    let too_many = app.post_json(
        &path,
        Some(&warehouse.token),
        &json!({"change": -31, "note": "count"}),
    );
    assert_eq!(too_many.status, 409, "{}", too_many.body);
    let detail = too_many.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains(&id) && detail.contains("has 30 in stock"),
        "{detail}"
    );
    // Exactly all of it may go.
    let emptied = ok(
        app.post_json(&path, Some(&warehouse.token), &json!({"change": -30})),
        200,
    );
    assert_eq!(emptied["stock"], 0);
    let refilled = ok(
        app.post_json(&path, Some(&warehouse.token), &json!({"change": 12})),
        200,
    );
    assert_eq!(refilled["stock"], 12);
    // The catalogue shows it, to the warehouse and to reps.
    for token in [&warehouse.token, &rep.token] {
        let listed = ok(app.get_as("/api/v1/products", token), 200);
        assert_eq!(listed["items"][0]["stock"], 12, "{listed}");
    }

    // Only the warehouse and admins keep stock.
    let by_rep = app.post_json(&path, Some(&rep.token), &json!({"change": 5}));
    assert_eq!(by_rep.status, 403, "{}", by_rep.body);
    let by_gm = app.post_json(&path, Some(&gm.token), &json!({"change": 5}));
    assert_eq!(by_gm.status, 403, "{}", by_gm.body);
    let by_admin = ok(
        app.post_json(
            &path,
            Some(ADMIN_TOKEN),
            &json!({"change": 3, "note": "found in the back"}),
        ),
        200,
    );
    assert_eq!(by_admin["stock"], 15);

    // An anonymous caller learns nothing about the body the route takes.
    for body in [
        json!({"change": 0}),
        json!({"colour": "red"}),
        json!({"change": 1}),
    ] {
        let anonymous = app.post_json(&path, None, &body);
        assert_eq!(anonymous.status, 401, "{body}: {}", anonymous.body);
    }

    // Bad bodies name the field at fault.
    refused(
        app.post_json(&path, Some(&warehouse.token), &json!({"change": 0})),
        422,
        "change",
    );
    refused(
        app.post_json(&path, Some(&warehouse.token), &json!({"note": "no change"})),
        422,
        "change",
    );
    refused(
        app.post_json(
            &path,
            Some(&warehouse.token),
            &json!({"change": 1, "colour": "red"}),
        ),
        422,
        "colour",
    );
    refused(
        app.post_json(
            &path,
            Some(&warehouse.token),
            &json!({"change": 1, "note": "x".repeat(501)}),
        ),
        422,
        "note",
    );
    let unknown = app.post_json(
        "/api/v1/products/prd_nope/stock",
        Some(&warehouse.token),
        &json!({"change": 1}),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let after = ok(app.get_as("/api/v1/products", &warehouse.token), 200);
    assert_eq!(after["items"][0]["stock"], 15, "refusals change nothing");

    // Every adjustment is audited with the stock before and after and its note.
    let log = ok(
        app.get_as(
            &format!("/api/v1/audit?entity=product&entity_id={id}&limit=50"),
            ADMIN_TOKEN,
        ),
        200,
    );
    let entries = log["items"].as_array().expect("items");
    let adjustments: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "product.stock")
        .collect();
    assert_eq!(adjustments.len(), 5, "{log}");
    let delivery = adjustments
        .iter()
        .find(|e| e["after"]["note"] == "delivery DN-1107")
        .expect("the delivery's entry");
    assert_eq!(delivery["before"]["stock"], 0);
    assert_eq!(delivery["after"]["stock"], 50);
    assert_eq!(delivery["after"]["change"], 50);
    assert_eq!(delivery["actor"], warehouse.id.as_str());
}

#[test]
fn an_order_ships_to_one_of_its_own_customers_addresses() {
    let app = TestApp::start_app();
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let rep = app.create_staff("Wang Wei", "rep");
    let product = product(&app, &gm.token);
    let customer = |name: &str, phone: &str, street: &str| {
        let created = ok(
            app.post_json(
                "/api/v1/customers",
                Some(&rep.token),
                &json!({"name": name, "phone": phone,
                        "addresses": [{"label": "shipping", "street": street, "city": "上海",
                                       "country": "CN"}]}),
            ),
            201,
        );
        (
            created["id"].as_str().expect("id").to_owned(),
            created["addresses"][0]["id"]
                .as_str()
                .expect("address id")
                .to_owned(),
        )
    };
    let (huamei, huamei_address) = customer("华美商贸", "+86 21 5555 0101", "南京西路 1266 号");
    let (_, other_address) = customer("百佳药房", "+86 21 5555 0202", "人民路 8 号");
    let order = |address_id: Value| {
        app.post_json(
            "/api/v1/orders",
            Some(&rep.token),
            &json!({"customer_id": huamei, "address_id": address_id,
                    "lines": [{"product_id": product, "quantity": 4}]}),
        )
    };

    // Another customer's address, or one that does not exist, is an unknown reference.
    refused(order(json!(other_address)), 409, "address_id");
    refused(order(json!("adr_nope")), 409, "address_id");
    let none = ok(
        app.get_as(&format!("/api/v1/orders?customer_id={huamei}"), &rep.token),
        200,
    );
    assert_eq!(none["items"], json!([]), "a refused order writes nothing");

    // Its own address is kept, and read back wherever the order is shown.
    let placed = ok(order(json!(huamei_address)), 201);
    assert_eq!(placed["address_id"], huamei_address.as_str());
    let id = placed["id"].as_str().expect("id").to_owned();
    let read = ok(app.get_as(&format!("/api/v1/orders/{id}"), &rep.token), 200);
    assert_eq!(read["address_id"], huamei_address.as_str());
    let listed = ok(
        app.get_as(&format!("/api/v1/orders?customer_id={huamei}"), &rep.token),
        200,
    );
    assert_eq!(listed["items"][0]["address_id"], huamei_address.as_str());

    // Without one, the order does not say where it ships.
    let unknown = ok(order(Value::Null), 201);
    assert!(unknown["address_id"].is_null(), "{unknown}");
}

#[test]
fn a_policy_may_allow_a_more_generous_remedy_than_like_for_like() {
    let app = TestApp::start_app();
    let lead = app.create_staff("Chen Jing", "service_lead");
    let body = |remedy: Option<Value>| {
        let mut body = json!({"name": "Gold customers", "tier": "gold",
                              "first_response": {"seconds": 3600, "clock": "wall"},
                              "resolution": {"seconds": 86_400, "clock": "wall"}});
        if let Some(remedy) = remedy {
            body["remedy_percent"] = remedy;
        }
        body
    };

    for percent in [json!(50), json!(99), json!(1001)] {
        refused(
            app.post_json(
                "/api/v1/sla/policies",
                Some(&lead.token),
                &body(Some(percent)),
            ),
            422,
            "remedy_percent",
        );
    }

    let created = ok(
        app.post_json(
            "/api/v1/sla/policies",
            Some(&lead.token),
            &body(Some(json!(150))),
        ),
        201,
    );
    assert_eq!(created["remedy_percent"], 150);
    let id = created["id"].as_str().expect("id").to_owned();
    let read = ok(
        app.get_as(&format!("/api/v1/sla/policies/{id}"), &lead.token),
        200,
    );
    assert_eq!(read["remedy_percent"], 150);

    // Replacing the settings without a remedy percent brings it back to like for like.
    let replaced = ok(
        app.request(
            "PUT",
            &format!("/api/v1/sla/policies/{id}"),
            Some(&lead.token),
            Some(body(None).to_string()),
        ),
        200,
    );
    assert_eq!(replaced["remedy_percent"], 100);
    let default = ok(
        app.get_as("/api/v1/sla/policies/pol_default", &lead.token),
        200,
    );
    assert_eq!(default["remedy_percent"], 100);

    // The change is audited.
    let log = ok(
        app.get_as(
            &format!("/api/v1/audit?entity=policy&entity_id={id}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    let update = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "policy.update")
        .cloned()
        .expect("the update's entry");
    assert_eq!(update["before"]["remedy_percent"], 150);
    assert_eq!(update["after"]["remedy_percent"], 100);
}
