//! Scenario A's replacement leg over HTTP, on the host's test clock (no sleeping): a service
//! request derived from a complaint reserves stock, goes through finance and the warehouse, ships
//! to the address on the original order, sets the callback for the complaint's handler, and keeps
//! the complaint from closing until the customer confirms receipt — plus the rules of its steps,
//! the remedy limit, the work queues and idempotent requests.

use crm_tests::{Reply, StaffLogin, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

/// Monday 2026-11-23 09:00 in Shanghai (01:00 UTC).
const MONDAY_9AM_SHANGHAI: i64 = 1_795_395_600;
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
/// The list price of the one product.
const PRICE: i64 = 12_950;

struct Cast {
    agent: StaffLogin,
    rep: StaffLogin,
    lead: StaffLogin,
    gm: StaffLogin,
    ops: StaffLogin,
    finance: StaffLogin,
    warehouse: StaffLogin,
    product: String,
    customer: String,
    /// The address the web order went to: the customer's second one, not the first.
    address: Value,
    /// The web order: one line of 2 units of batch B2611-07.
    order: String,
}

fn ok(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

fn instant(seconds: i64) -> String {
    crm_domain::time::rfc3339_utc(seconds)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Staff of every role involved; a product with `stock` units put in by the warehouse; a gold
/// customer with a billing and a shipping address, an old order, and a web order of 2 units
/// shipped to the second address.
fn cast(app: &TestApp, stock: i64) -> Cast {
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let agent = app.create_staff("Li Na", "agent");
    let rep = app.create_staff("Wang Wei", "rep");
    let lead = app.create_staff("Chen Jing", "service_lead");
    let ops = app.create_staff("Ops Bot", "ops");
    let finance = app.create_staff("Sun Li", "finance");
    let warehouse = app.create_staff("Ma Qiang", "warehouse");
    let product = ok(
        app.post_json(
            "/api/v1/products",
            Some(&gm.token),
            &json!({"sku": "HM-CREAM-50", "name": "保湿霜 50ml", "unit_price": PRICE}),
        ),
        201,
    );
    assert_eq!(product["stock"], 0, "a new product has no stock: {product}");
    let product = text(&product["id"]);
    if stock != 0 {
        let adjusted = ok(
            adjust_stock(app, &warehouse.token, &product, stock, "Goods received"),
            200,
        );
        assert_eq!(adjusted["id"], product.as_str());
        assert_eq!(adjusted["stock"], stock, "{adjusted}");
    }
    let customer = ok(
        app.post_json(
            "/api/v1/customers",
            Some(&agent.token),
            &json!({"name": "华美商贸", "phone": "+86 21 5555 0101", "tier": "gold",
                    "addresses": [
                        {"label": "billing", "street": "南京西路 1266 号", "city": "上海",
                         "province": "上海", "postcode": "200040", "country": "CN"},
                        {"label": "shipping", "street": "延安路 100 号", "city": "杭州",
                         "province": "浙江", "postcode": "310006", "country": "CN"}]}),
        ),
        201,
    );
    let address = customer["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .find(|a| a["label"] == "shipping")
        .unwrap_or_else(|| panic!("the shipping address: {customer}"))
        .clone();
    let customer = text(&customer["id"]);
    // Years ago, an order without an address.
    ok(
        app.post_json(
            "/api/v1/orders",
            Some(&gm.token),
            &json!({"customer_id": customer, "placed_at": "2023-05-10",
                    "invoice_number": "INV-5120", "ship_date": "2023-05-12",
                    "lines": [{"product_id": product, "quantity": 6,
                               "batch_number": "B2305-02"}]}),
        ),
        201,
    );
    let order = ok(
        app.post_json(
            "/api/v1/orders",
            Some(&gm.token),
            &json!({"customer_id": customer, "invoice_number": "INV-7731",
                    "ship_date": "2026-11-20", "address_id": address["id"],
                    "lines": [{"product_id": product, "quantity": 2,
                               "batch_number": "B2611-07"}]}),
        ),
        201,
    );
    assert_eq!(order["address_id"], address["id"], "{order}");
    let order = text(&order["id"]);
    Cast {
        agent,
        rep,
        lead,
        gm,
        ops,
        finance,
        warehouse,
        product,
        customer,
        address,
        order,
    }
}

/// The agent files a complaint by phone against line 1 of the web order; its id.
fn file_on_line(app: &TestApp, cast: &Cast) -> String {
    let filed = ok(
        app.post_json(
            "/api/v1/complaints",
            Some(&cast.agent.token),
            &json!({"customer_id": cast.customer, "order_id": cast.order, "line_no": 1,
                    "category": "packaging",
                    "description": "Arrived badly sealed; both jars leaked in transit.",
                    "priority": "high", "channel": "phone"}),
        ),
        201,
    );
    assert_eq!(filed["complaint"]["assignee_id"], cast.agent.id.as_str());
    text(&filed["complaint"]["id"])
}

/// The agent files a complaint about no order in particular; its id.
fn file_general(app: &TestApp, cast: &Cast) -> String {
    let filed = ok(
        app.post_json(
            "/api/v1/complaints",
            Some(&cast.agent.token),
            &json!({"customer_id": cast.customer, "category": "billing",
                    "description": "Charged twice for the last delivery.", "channel": "email"}),
        ),
        201,
    );
    text(&filed["complaint"]["id"])
}

fn adjust_stock(app: &TestApp, token: &str, product: &str, change: i64, note: &str) -> Reply {
    app.post_json(
        &format!("/api/v1/products/{product}/stock"),
        Some(token),
        &json!({"change": change, "note": note}),
    )
}

/// The product's units in stock, as the catalogue shows them.
fn stock(app: &TestApp, product: &str) -> i64 {
    let listed = ok(
        app.get_as("/api/v1/products?include_inactive=true", ADMIN_TOKEN),
        200,
    );
    let item = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["id"] == product)
        .unwrap_or_else(|| panic!("{product} in {listed}"))
        .clone();
    item["stock"]
        .as_i64()
        .unwrap_or_else(|| panic!("stock: {item}"))
}

fn request_service(app: &TestApp, token: Option<&str>, complaint: &str, body: &Value) -> Reply {
    app.post_json(
        &format!("/api/v1/complaints/{complaint}/service-requests"),
        token,
        body,
    )
}

/// A service request created by `token`; its id.
fn requested(app: &TestApp, token: &str, complaint: &str, body: Value) -> String {
    let detail = ok(request_service(app, Some(token), complaint, &body), 201);
    assert_eq!(detail["request"]["status"], "requested", "{detail}");
    text(&detail["request"]["id"])
}

fn step(app: &TestApp, token: Option<&str>, request: &str, body: Value) -> Reply {
    app.post_json(
        &format!("/api/v1/service-requests/{request}/steps"),
        token,
        &body,
    )
}

/// A step that must succeed; the request's new status is `status`.
fn stepped(app: &TestApp, token: &str, request: &str, body: Value, status: &str) -> Value {
    let detail = ok(step(app, Some(token), request, body), 200);
    assert_eq!(detail["request"]["id"], request, "{detail}");
    assert_eq!(detail["request"]["status"], status, "{detail}");
    detail
}

fn read_request(app: &TestApp, token: &str, request: &str) -> Value {
    ok(
        app.get_as(&format!("/api/v1/service-requests/{request}"), token),
        200,
    )
}

fn complaint(app: &TestApp, token: &str, id: &str) -> Value {
    ok(app.get_as(&format!("/api/v1/complaints/{id}"), token), 200)
}

fn sweep(app: &TestApp, token: &str) -> Value {
    ok(
        app.post_json("/api/v1/escalation/sweep", Some(token), &json!({})),
        200,
    )
}

/// The ids of a page of the service-request queue.
fn queue(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Value) {
    let page = ok(
        app.get_as(&format!("/api/v1/service-requests?{query}"), token),
        200,
    );
    let ids = page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {page}"))
        .iter()
        .map(|r| text(&r["id"]))
        .collect();
    (ids, page)
}

/// A 409 whose detail names `word` (e.g. the current status).
fn conflict_naming(reply: &Reply, word: &str) {
    assert_eq!(reply.status, 409, "{}", reply.body);
    let detail = text(&reply.json()["detail"]);
    assert!(detail.contains(word), "{word:?} in {detail:?}");
}

/// A 422 naming `field`.
fn invalid(reply: &Reply, field: &str) {
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.json()["field"], field, "{}", reply.body);
}

#[test]
fn scenario_a_replacement_from_phone_call_to_closed_complaint() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let mut now = MONDAY_9AM_SHANGHAI;
    let cast = cast(&app, 10);
    assert_eq!(stock(&app, &cast.product), 10);

    // The customer phones; the agent records it against the order line and sees at once who is
    // calling.
    let filed = ok(
        app.post_json(
            "/api/v1/complaints",
            Some(&cast.agent.token),
            &json!({"customer_id": cast.customer, "order_id": cast.order, "line_no": 1,
                    "category": "packaging",
                    "description": "Arrived badly sealed; both jars leaked in transit.",
                    "priority": "high", "channel": "phone"}),
        ),
        201,
    );
    assert_eq!(filed["customer"]["order_count"], 2, "{filed}");
    assert_eq!(filed["customer"]["total_value"], (6 + 2) * PRICE);
    assert_eq!(filed["customer"]["tier"], "gold");
    let id = text(&filed["complaint"]["id"]);
    assert_eq!(filed["complaint"]["product_id"], cast.product.as_str());
    assert_eq!(filed["complaint"]["batch_number"], "B2611-07");
    assert_eq!(filed["complaint"]["invoice_number"], "INV-7731");
    assert_eq!(filed["complaint"]["channel"], "phone");
    assert_eq!(filed["complaint"]["assignee_id"], cast.agent.id.as_str());
    assert_eq!(
        complaint(&app, &cast.agent.token, &id)["service_requests"],
        json!([])
    );

    // A day and a minute pass unanswered; the sweep runs twice at once, then three more times.
    app.advance_clock(DAY + MINUTE);
    now += DAY + MINUTE;
    let concurrent: Vec<Value> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|_| s.spawn(|| sweep(&app, &cast.ops.token)))
            .collect();
        runs.into_iter().map(|r| r.join().expect("sweep")).collect()
    });
    let again: Vec<Value> = (0..3).map(|_| sweep(&app, &cast.ops.token)).collect();
    let mut levels: Vec<u64> = concurrent
        .iter()
        .chain(&again)
        .flat_map(|report| report["fired"].as_array().expect("fired").clone())
        .filter(|f| f["complaint_id"] == id.as_str())
        .map(|f| f["escalation"]["level"].as_u64().expect("level"))
        .collect();
    levels.sort_unstable();
    assert_eq!(
        levels,
        [1, 2],
        "each level fires once: {concurrent:?} {again:?}"
    );
    let escalated = complaint(&app, &cast.agent.token, &id);
    assert_eq!(
        escalated["complaint"]["sla"]["escalation_level"], 2,
        "{escalated}"
    );
    assert_eq!(escalated["complaint"]["assignee_id"], cast.gm.id.as_str());
    let escalations = escalated["escalations"].as_array().expect("escalations");
    assert_eq!(escalations.len(), 2, "{escalated}");
    assert_eq!(escalations[0]["level"], 1);
    assert_eq!(escalations[0]["trigger"], "first_response_warning");
    assert_eq!(escalations[0]["assigned_to"], cast.lead.id.as_str());
    assert_eq!(escalations[1]["level"], 2);
    assert_eq!(escalations[1]["trigger"], "unanswered_for");
    assert_eq!(escalations[1]["assigned_to"], cast.gm.id.as_str());
    assert_eq!(escalations[1]["due_at"], instant(MONDAY_9AM_SHANGHAI + DAY));
    assert_eq!(
        escalated["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .filter(|e| e["kind"] == "escalated")
            .count(),
        2
    );

    // The service lead (a manager, though no longer the assignee) decides on a free
    // replacement: the quantity and the address default to the order line's.
    let reply = request_service(
        &app,
        Some(&cast.lead.token),
        &id,
        &json!({"kind": "replacement",
                "summary": "Free replacement of the two leaking jars"}),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let detail = reply.json();
    let request = &detail["request"];
    let srq = text(&request["id"]);
    assert!(srq.starts_with("srq_"), "{srq}");
    assert_eq!(
        reply.location.as_deref(),
        Some(format!("/api/v1/service-requests/{srq}").as_str())
    );
    assert_eq!(request["complaint_id"], id.as_str());
    assert_eq!(request["customer_id"], cast.customer.as_str());
    assert_eq!(request["lead_id"], Value::Null);
    assert_eq!(request["kind"], "replacement");
    assert_eq!(
        request["summary"],
        "Free replacement of the two leaking jars"
    );
    assert_eq!(request["status"], "requested");
    assert_eq!(request["created_by"], cast.lead.id.as_str());
    assert_eq!(request["created_at"], instant(now));
    assert_eq!(request["ship_date"], Value::Null);
    assert_eq!(request["callback_task_id"], Value::Null);
    let replacement = &request["replacement"];
    assert_eq!(replacement["product_id"], cast.product.as_str(), "{detail}");
    assert_eq!(replacement["sku"], "HM-CREAM-50");
    assert_eq!(replacement["product_name"], "保湿霜 50ml");
    assert_eq!(replacement["quantity"], 2);
    assert_eq!(replacement["order_id"], cast.order.as_str());
    assert_eq!(replacement["line_no"], 1);
    let ship_to = json!({
        "label": cast.address["label"], "street": cast.address["street"],
        "city": cast.address["city"], "province": cast.address["province"],
        "postcode": cast.address["postcode"], "country": cast.address["country"],
    });
    assert_eq!(
        replacement["ship_to"], ship_to,
        "the address on the original order"
    );
    assert_eq!(ship_to["city"], "杭州");
    let steps = detail["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1, "{detail}");
    assert_eq!(steps[0]["action"], "request");
    assert_eq!(steps[0]["status"], "requested");
    assert_eq!(steps[0]["actor_id"], cast.lead.id.as_str());
    assert_eq!(steps[0]["at"], instant(now));
    // The two units are reserved.
    assert_eq!(stock(&app, &cast.product), 8);
    let seen = complaint(&app, &cast.gm.token, &id);
    let listed = seen["service_requests"]
        .as_array()
        .expect("service_requests");
    assert_eq!(listed.len(), 1, "{seen}");
    assert_eq!(listed[0]["id"], srq.as_str());
    assert_eq!(listed[0]["status"], "requested");

    // Finance approves, once.
    app.advance_clock(HOUR);
    now += HOUR;
    let approved = stepped(
        &app,
        &cast.finance.token,
        &srq,
        json!({"action": "approve", "note": "Within the remedy for a gold customer"}),
        "approved",
    );
    assert_eq!(approved["steps"].as_array().map(Vec::len), Some(2));
    assert_eq!(approved["steps"][1]["at"], instant(now));
    let twice = step(
        &app,
        Some(&cast.finance.token),
        &srq,
        json!({"action": "approve"}),
    );
    conflict_naming(&twice, "approved");

    // The warehouse picks it and ships it with the date and the tracking number.
    app.advance_clock(HOUR);
    stepped(
        &app,
        &cast.warehouse.token,
        &srq,
        json!({"action": "pick"}),
        "picked",
    );
    app.advance_clock(HOUR);
    now += 2 * HOUR;
    let shipped_at = now;
    let shipped = stepped(
        &app,
        &cast.warehouse.token,
        &srq,
        json!({"action": "ship", "ship_date": "2026-11-24", "carrier": "SF Express",
               "tracking_number": "SF1403958820"}),
        "shipped",
    );
    let request = &shipped["request"];
    assert_eq!(request["ship_date"], "2026-11-24", "{shipped}");
    assert_eq!(request["carrier"], "SF Express");
    assert_eq!(request["tracking_number"], "SF1403958820");
    let task_id = text(&request["callback_task_id"]);

    // The ship date is reported back on the complaint, and the handler has a callback due three
    // days after shipping.
    let seen = complaint(&app, &cast.gm.token, &id);
    assert!(
        seen["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .any(|e| e["kind"] == "service"
                && e["note"].as_str().unwrap_or("").contains("2026-11-24")),
        "{seen}"
    );
    assert_eq!(seen["service_requests"][0]["status"], "shipped");
    assert_eq!(
        seen["service_requests"][0]["callback_task_id"],
        task_id.as_str()
    );
    let task = ok(
        app.get_as(&format!("/api/v1/tasks/{task_id}"), &cast.gm.token),
        200,
    );
    assert_eq!(task["subject_kind"], "complaint", "{task}");
    assert_eq!(task["subject_id"], id.as_str());
    assert_eq!(task["assignee_id"], cast.gm.id.as_str());
    assert_eq!(task["due_at"], instant(shipped_at + 3 * DAY));
    assert_eq!(task["status"], "open");

    // Resolved but not closable while the replacement is on its way.
    ok(
        app.post_json(
            &format!("/api/v1/complaints/{id}/transitions"),
            Some(&cast.gm.token),
            &json!({"action": "resolve"}),
        ),
        200,
    );
    let closure = json!({"cause": "Seal machine misaligned on line 3",
                         "result": "Two jars replaced free; the customer confirmed receipt",
                         "prevention": "Seal torque checked every shift"});
    let early = app.post_json(
        &format!("/api/v1/complaints/{id}/close"),
        Some(&cast.gm.token),
        &closure,
    );
    assert_eq!(early.status, 409, "{}", early.body);
    let why = text(&early.json()["detail"]).to_lowercase();
    assert!(why.contains("service"), "{why}");
    let seen = complaint(&app, &cast.gm.token, &id);
    assert_eq!(seen["complaint"]["status"], "resolved");
    assert_eq!(seen["complaint"]["signed_off_by"], Value::Null);
    ok(
        app.post_json(
            &format!("/api/v1/complaints/{id}/transitions"),
            Some(&cast.gm.token),
            &json!({"action": "reopen"}),
        ),
        200,
    );

    // Day 3: the agent calls again and the customer confirms receipt.
    app.advance_clock(3 * DAY);
    now += 3 * DAY;
    let received = stepped(
        &app,
        &cast.agent.token,
        &srq,
        json!({"action": "confirm_receipt", "note": "Customer confirmed on the day-3 call"}),
        "received",
    );
    assert_eq!(received["request"]["ship_date"], "2026-11-24");

    // Now the complaint resolves and closes, signed off.
    ok(
        app.post_json(
            &format!("/api/v1/complaints/{id}/transitions"),
            Some(&cast.gm.token),
            &json!({"action": "resolve"}),
        ),
        200,
    );
    let closed = ok(
        app.post_json(
            &format!("/api/v1/complaints/{id}/close"),
            Some(&cast.gm.token),
            &closure,
        ),
        200,
    );
    assert_eq!(closed["complaint"]["status"], "closed", "{closed}");
    assert_eq!(closed["complaint"]["signed_off_by"], cast.gm.id.as_str());
    assert_eq!(
        closed["complaint"]["result"],
        "Two jars replaced free; the customer confirmed receipt"
    );

    // The request's log: five steps in order, each by whoever took it.
    let detail = read_request(&app, &cast.agent.token, &srq);
    assert_eq!(detail["request"]["status"], "received");
    let steps = detail["steps"].as_array().expect("steps");
    let actions: Vec<&str> = steps
        .iter()
        .map(|s| s["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        ["request", "approve", "pick", "ship", "confirm_receipt"],
        "{detail}"
    );
    let actors: Vec<&str> = steps
        .iter()
        .map(|s| s["actor_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actors,
        [
            cast.lead.id.as_str(),
            cast.finance.id.as_str(),
            cast.warehouse.id.as_str(),
            cast.warehouse.id.as_str(),
            cast.agent.id.as_str(),
        ]
    );
    let statuses: Vec<&str> = steps
        .iter()
        .map(|s| s["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        ["requested", "approved", "picked", "shipped", "received"]
    );
    assert_eq!(steps[3]["at"], instant(shipped_at));
    assert_eq!(steps[4]["at"], instant(now));
    assert_eq!(steps[4]["note"], "Customer confirmed on the day-3 call");
    // Every step is on the complaint's timeline; the stock stays down by what was shipped.
    let seen = complaint(&app, &cast.agent.token, &id);
    assert_eq!(
        seen["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .filter(|e| e["kind"] == "service")
            .count(),
        5,
        "{seen}"
    );
    assert_eq!(seen["service_requests"][0]["status"], "received");
    assert_eq!(stock(&app, &cast.product), 8);
}

#[test]
fn service_steps_are_refused_out_of_order_and_by_the_wrong_role() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app, 10);
    let id = file_on_line(&app, &cast);
    let one = json!({"kind": "replacement", "summary": "Replace one jar", "quantity": 1});
    let two = json!({"kind": "replacement", "summary": "Replace both jars", "quantity": 2});

    // Only the complaint's assignee or a manager asks for service; nobody without a token.
    let not_theirs = request_service(&app, Some(&cast.rep.token), &id, &one);
    assert_eq!(not_theirs.status, 403, "{}", not_theirs.body);
    let warehouse = request_service(&app, Some(&cast.warehouse.token), &id, &one);
    assert_eq!(warehouse.status, 403, "{}", warehouse.body);
    let anonymous = request_service(&app, None, &id, &one);
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(stock(&app, &cast.product), 10, "nothing reserved");

    // The assignee asks; nothing moves before finance approves.
    let first = requested(&app, &cast.agent.token, &id, one.clone());
    assert_eq!(stock(&app, &cast.product), 9);
    for (token, action) in [
        (&cast.warehouse.token, "ship"),
        (&cast.warehouse.token, "pick"),
        (&cast.agent.token, "confirm_receipt"),
    ] {
        let early = step(&app, Some(token), &first, json!({"action": action}));
        conflict_naming(&early, "requested");
    }
    // Approving is finance's (or the admin's).
    for token in [&cast.warehouse.token, &cast.agent.token, &cast.lead.token] {
        let refused = step(&app, Some(token), &first, json!({"action": "approve"}));
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    let no_note = step(
        &app,
        Some(&cast.finance.token),
        &first,
        json!({"action": "reject"}),
    );
    invalid(&no_note, "note");
    assert_eq!(
        read_request(&app, &cast.agent.token, &first)["request"]["status"],
        "requested"
    );
    // A rejection gives the reserved unit back, and is final.
    let rejected = stepped(
        &app,
        &cast.finance.token,
        &first,
        json!({"action": "reject", "note": "A refund is cheaper here"}),
        "rejected",
    );
    assert_eq!(rejected["steps"][1]["action"], "reject");
    assert_eq!(rejected["steps"][1]["actor_id"], cast.finance.id.as_str());
    assert_eq!(rejected["steps"][1]["note"], "A refund is cheaper here");
    assert_eq!(stock(&app, &cast.product), 10);
    let after = step(
        &app,
        Some(&cast.finance.token),
        &first,
        json!({"action": "approve"}),
    );
    conflict_naming(&after, "rejected");
    let cancel_rejected = step(
        &app,
        Some(&cast.agent.token),
        &first,
        json!({"action": "cancel", "note": "never mind"}),
    );
    conflict_naming(&cancel_rejected, "rejected");
    assert_eq!(stock(&app, &cast.product), 10, "given back once");

    // The creator (or a manager) cancels, with a reason; the stock comes back.
    let second = requested(&app, &cast.agent.token, &id, two.clone());
    assert_eq!(stock(&app, &cast.product), 8);
    let by_rep = step(
        &app,
        Some(&cast.rep.token),
        &second,
        json!({"action": "cancel", "note": "not mine to cancel"}),
    );
    assert_eq!(by_rep.status, 403, "{}", by_rep.body);
    let without_reason = step(
        &app,
        Some(&cast.agent.token),
        &second,
        json!({"action": "cancel"}),
    );
    invalid(&without_reason, "note");
    let cancelled = stepped(
        &app,
        &cast.agent.token,
        &second,
        json!({"action": "cancel", "note": "Customer prefers to wait for the new batch"}),
        "cancelled",
    );
    let actions: Vec<&str> = cancelled["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["request", "cancel"]);
    assert_eq!(stock(&app, &cast.product), 10);

    // Picking and shipping are the warehouse's, in order; shipping defaults to today (UTC).
    let third = requested(&app, &cast.agent.token, &id, two);
    assert_eq!(stock(&app, &cast.product), 8);
    stepped(
        &app,
        &cast.finance.token,
        &third,
        json!({"action": "approve"}),
        "approved",
    );
    let by_finance = step(
        &app,
        Some(&cast.finance.token),
        &third,
        json!({"action": "pick"}),
    );
    assert_eq!(by_finance.status, 403, "{}", by_finance.body);
    let by_agent = step(
        &app,
        Some(&cast.agent.token),
        &third,
        json!({"action": "pick"}),
    );
    assert_eq!(by_agent.status, 403, "{}", by_agent.body);
    let unpicked = step(
        &app,
        Some(&cast.warehouse.token),
        &third,
        json!({"action": "ship"}),
    );
    conflict_naming(&unpicked, "approved");
    stepped(
        &app,
        &cast.warehouse.token,
        &third,
        json!({"action": "pick"}),
        "picked",
    );
    let reapproved = step(
        &app,
        Some(&cast.finance.token),
        &third,
        json!({"action": "approve"}),
    );
    conflict_naming(&reapproved, "picked");
    let late_cancel = step(
        &app,
        Some(&cast.lead.token),
        &third,
        json!({"action": "cancel", "note": "too late"}),
    );
    conflict_naming(&late_cancel, "picked");
    let shipped = stepped(
        &app,
        &cast.warehouse.token,
        &third,
        json!({"action": "ship", "carrier": "SF Express"}),
        "shipped",
    );
    assert_eq!(shipped["request"]["ship_date"], "2026-11-23", "{shipped}");
    assert!(shipped["request"]["callback_task_id"].is_string());
    let cancel_shipped = step(
        &app,
        Some(&cast.lead.token),
        &third,
        json!({"action": "cancel", "note": "too late"}),
    );
    conflict_naming(&cancel_shipped, "shipped");
    // Receipt is confirmed by someone who talks to the customer, not finance.
    let by_finance = step(
        &app,
        Some(&cast.finance.token),
        &third,
        json!({"action": "confirm_receipt"}),
    );
    assert_eq!(by_finance.status, 403, "{}", by_finance.body);
    assert_eq!(stock(&app, &cast.product), 8, "shipped units stay out");

    // Finance and the warehouse read requests; ops does not, and nobody without a token.
    for token in [&cast.finance.token, &cast.warehouse.token, &cast.rep.token] {
        read_request(&app, token, &third);
        queue(&app, token, "status=shipped");
    }
    let ops_queue = app.get_as("/api/v1/service-requests", &cast.ops.token);
    assert_eq!(ops_queue.status, 403, "{}", ops_queue.body);
    let ops_one = app.get_as(
        &format!("/api/v1/service-requests/{third}"),
        &cast.ops.token,
    );
    assert_eq!(ops_one.status, 403, "{}", ops_one.body);
    assert_eq!(app.get("/api/v1/service-requests").status, 401);
    assert_eq!(
        app.get(&format!("/api/v1/service-requests/{third}")).status,
        401
    );
    let anonymous_step = step(&app, None, &third, json!({"action": "confirm_receipt"}));
    assert_eq!(anonymous_step.status, 401, "{}", anonymous_step.body);
    assert_eq!(
        read_request(&app, &cast.agent.token, &third)["request"]["status"],
        "shipped"
    );
}

#[test]
fn a_replacement_needs_stock_and_stays_within_the_remedy() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app, 10);
    let id = file_on_line(&app, &cast);

    // The default policy allows at most the line's quantity (remedy 100 %).
    let too_many = request_service(
        &app,
        Some(&cast.agent.token),
        &id,
        &json!({"kind": "replacement", "summary": "Three jars for two", "quantity": 3}),
    );
    invalid(&too_many, "quantity");
    assert_eq!(stock(&app, &cast.product), 10);

    // Only the warehouse (or the admin) changes the stock.
    for token in [&cast.agent.token, &cast.finance.token, &cast.gm.token] {
        let refused = adjust_stock(&app, token, &cast.product, -9, "count");
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    assert_eq!(stock(&app, &cast.product), 10);
    let counted = ok(
        adjust_stock(
            &app,
            &cast.warehouse.token,
            &cast.product,
            -9,
            "Stock count: nine jars damaged",
        ),
        200,
    );
    assert_eq!(counted["stock"], 1, "{counted}");

    // One unit left cannot cover two.
    let short = request_service(
        &app,
        Some(&cast.agent.token),
        &id,
        &json!({"kind": "replacement", "summary": "Replace both jars", "quantity": 2}),
    );
    assert_eq!(short.status, 409, "{}", short.body);
    let detail = text(&short.json()["detail"]);
    assert!(
        detail.to_lowercase().contains("stock") && detail.contains('1'),
        "{detail}"
    );
    assert_eq!(stock(&app, &cast.product), 1, "nothing reserved");
    assert_eq!(
        complaint(&app, &cast.agent.token, &id)["service_requests"],
        json!([])
    );
    // With one more unit, exactly the line's quantity is allowed.
    let restocked = ok(
        adjust_stock(&app, ADMIN_TOKEN, &cast.product, 1, "Found one"),
        200,
    );
    assert_eq!(restocked["stock"], 2);
    let full = requested(
        &app,
        &cast.agent.token,
        &id,
        json!({"kind": "replacement", "summary": "Replace both jars", "quantity": 2}),
    );
    assert_eq!(
        read_request(&app, &cast.agent.token, &full)["request"]["replacement"]["quantity"],
        2
    );
    assert_eq!(stock(&app, &cast.product), 0);

    // A complaint about no order line gets no replacement, but a refund.
    let general = file_general(&app, &cast);
    let no_line = request_service(
        &app,
        Some(&cast.agent.token),
        &general,
        &json!({"kind": "replacement", "summary": "Replace something"}),
    );
    assert_eq!(no_line.status, 409, "{}", no_line.body);
    let refund = ok(
        request_service(
            &app,
            Some(&cast.agent.token),
            &general,
            &json!({"kind": "refund", "summary": "Refund the second charge of 129.50"}),
        ),
        201,
    );
    let refund_id = text(&refund["request"]["id"]);
    assert_eq!(refund["request"]["kind"], "refund");
    assert_eq!(refund["request"]["status"], "requested");
    assert_eq!(refund["request"]["replacement"], Value::Null);
    assert_eq!(refund["request"]["complaint_id"], general.as_str());
    stepped(
        &app,
        &cast.finance.token,
        &refund_id,
        json!({"action": "approve", "note": "Refund 12950"}),
        "approved",
    );
    let nothing_to_pick = step(
        &app,
        Some(&cast.warehouse.token),
        &refund_id,
        json!({"action": "pick"}),
    );
    assert_eq!(nothing_to_pick.status, 409, "{}", nothing_to_pick.body);
    let done = stepped(
        &app,
        ADMIN_TOKEN,
        &refund_id,
        json!({"action": "complete", "note": "Refunded"}),
        "done",
    );
    let actions: Vec<&str> = done["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["request", "approve", "complete"]);
    assert_eq!(stock(&app, &cast.product), 0, "a refund takes no stock");

    // A done refund does not hold the complaint open; a closed complaint takes no more requests.
    ok(
        app.post_json(
            &format!("/api/v1/complaints/{general}/transitions"),
            Some(&cast.agent.token),
            &json!({"action": "resolve"}),
        ),
        200,
    );
    let closed = ok(
        app.post_json(
            &format!("/api/v1/complaints/{general}/close"),
            Some(&cast.agent.token),
            &json!({"cause": "Payment gateway retried", "result": "Refunded",
                    "prevention": "Gateway retries made idempotent"}),
        ),
        200,
    );
    assert_eq!(closed["complaint"]["status"], "closed");
    let after_close = request_service(
        &app,
        Some(&cast.agent.token),
        &general,
        &json!({"kind": "other", "summary": "A goodwill call"}),
    );
    assert_eq!(after_close.status, 409, "{}", after_close.body);
}

#[test]
fn the_finance_queue_lists_requested_work_oldest_first() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app, 10);
    let on_line = file_on_line(&app, &cast);
    let general = file_general(&app, &cast);
    let first = requested(
        &app,
        &cast.agent.token,
        &on_line,
        json!({"kind": "replacement", "summary": "Replace one jar", "quantity": 1}),
    );
    app.advance_clock(MINUTE);
    let second = requested(
        &app,
        &cast.agent.token,
        &general,
        json!({"kind": "refund", "summary": "Refund the second charge"}),
    );
    assert_ne!(first, second);

    // Finance's queue: what waits for approval, oldest first.
    let (ids, page) = queue(&app, &cast.finance.token, "status=requested");
    assert_eq!(ids, [first.clone(), second.clone()], "{page}");
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(page["items"][0]["complaint_id"], on_line.as_str());
    assert_eq!(page["items"][1]["kind"], "refund");
    let (ids, _) = queue(&app, &cast.finance.token, "status=requested&kind=refund");
    assert_eq!(ids, [second.clone()]);
    let (ids, _) = queue(&app, &cast.agent.token, &format!("complaint_id={on_line}"));
    assert_eq!(ids, [first.clone()]);
    let (ids, _) = queue(
        &app,
        &cast.lead.token,
        &format!("customer_id={}", cast.customer),
    );
    assert_eq!(ids, [first.clone(), second.clone()]);
    let (ids, _) = queue(&app, &cast.warehouse.token, "status=approved");
    assert!(ids.is_empty(), "{ids:?}");

    // Approved, the first moves on to the warehouse's queue.
    stepped(
        &app,
        &cast.finance.token,
        &first,
        json!({"action": "approve"}),
        "approved",
    );
    let (ids, page) = queue(&app, &cast.warehouse.token, "status=approved");
    assert_eq!(ids, [first.clone()], "{page}");
    assert_eq!(page["items"][0]["status"], "approved");
    let (ids, _) = queue(&app, &cast.finance.token, "status=requested");
    assert_eq!(ids, [second.clone()]);

    // One at a time.
    let (ids, page) = queue(&app, &cast.finance.token, "limit=1");
    assert_eq!(ids, [first.clone()], "{page}");
    let cursor = text(&page["next_cursor"]);
    let (ids, page) = queue(
        &app,
        &cast.finance.token,
        &format!("limit=1&cursor={}", encode(&cursor)),
    );
    assert_eq!(ids, [second.clone()], "{page}");
    assert_eq!(page["next_cursor"], Value::Null);

    let bad = app.get_as("/api/v1/service-requests?status=lost", &cast.finance.token);
    invalid(&bad, "status");
}

#[test]
fn requesting_twice_with_one_idempotency_key_makes_one_request() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app, 10);
    let id = file_on_line(&app, &cast);
    let path = format!("/api/v1/complaints/{id}/service-requests");
    let body = json!({"kind": "replacement", "summary": "Replace both jars"});
    let keyed = |key: &str, body: &Value| {
        app.request_with(
            "POST",
            &path,
            Some(&cast.agent.token),
            &[("idempotency-key", key)],
            Some(body.to_string()),
        )
    };

    let first = keyed("srq-call-1", &body);
    assert_eq!(first.status, 201, "{}", first.body);
    let again = keyed("srq-call-1", &body);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body, first.body, "the replay is the first response");
    assert_eq!(again.location, first.location);
    let srq = text(&first.json()["request"]["id"]);
    assert_eq!(text(&again.json()["request"]["id"]), srq);
    assert_eq!(stock(&app, &cast.product), 8, "reserved once");
    let (ids, _) = queue(&app, &cast.agent.token, &format!("complaint_id={id}"));
    assert_eq!(ids, [srq.clone()]);
    assert_eq!(
        complaint(&app, &cast.agent.token, &id)["service_requests"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The same key for another request is refused and reserves nothing.
    let other = keyed(
        "srq-call-1",
        &json!({"kind": "replacement", "summary": "Replace one jar", "quantity": 1}),
    );
    invalid(&other, "Idempotency-Key");
    assert_eq!(stock(&app, &cast.product), 8);

    // Without the key the same body is a new request.
    let unkeyed = ok(
        request_service(&app, Some(&cast.agent.token), &id, &body),
        201,
    );
    assert_ne!(text(&unkeyed["request"]["id"]), srq);
    assert_eq!(stock(&app, &cast.product), 6);
    let (ids, _) = queue(&app, &cast.agent.token, &format!("complaint_id={id}"));
    assert_eq!(ids.len(), 2);
}
