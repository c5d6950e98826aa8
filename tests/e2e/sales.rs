//! Scenario C of DOMAIN.md over HTTP — a lead from the website is assigned as a task, qualified,
//! worked and won, and the prospect becomes a customer with an order — plus the rules of tasks,
//! leads and opportunities.

use crm_tests::{Reply, StaffLogin, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

/// 2026-11-23T00:00:00Z.
const MONDAY: i64 = 1_795_392_000;

fn ok(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

fn product(app: &TestApp) -> String {
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let created = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": "HM-CREAM-50", "name": "保湿霜 50ml", "unit_price": 12_950}),
    );
    ok(created, 201)["id"].as_str().expect("id").to_owned()
}

fn assign(app: &TestApp, manager: &StaffLogin, body: Value) -> Value {
    ok(
        app.post_json("/api/v1/tasks", Some(&manager.token), &body),
        201,
    )
}

#[test]
fn scenario_c_from_a_website_lead_to_a_won_deal_and_a_new_customer() {
    let app = TestApp::start_app_at(MONDAY);
    let product = product(&app);
    let manager = app.create_staff("Li Na", "service_lead");
    let rep = app.create_staff("Wang Wei", "rep");
    let other_rep = app.create_staff("Zhao Min", "rep");

    // (1) A prospect fills in the website form; nobody is logged in.
    let captured = app.post_json(
        "/api/v1/leads/capture",
        None,
        &json!({"name": "陈丽", "company": "杭州百货商店", "phone": "+86 139 0000 1111",
                "message": "我们想进货 200 支保湿霜"}),
    );
    assert_eq!(captured.status, 202, "{}", captured.body);
    let leads = ok(app.get_as("/api/v1/leads?status=new", &manager.token), 200);
    assert_eq!(leads["items"].as_array().map(Vec::len), Some(1));
    let lead = leads["items"][0].clone();
    assert_eq!(
        (lead["source"].as_str(), lead["company"].as_str()),
        (Some("web"), Some("杭州百货商店"))
    );
    let lead_id = lead["id"].as_str().expect("lead id").to_owned();

    // (4) The manager assigns the lead to a rep as a task, with an opinion.
    let task = assign(
        &app,
        &manager,
        json!({"title": "Call back and qualify", "subject_kind": "lead", "subject_id": lead_id,
               "assignee_id": rep.id, "opinion": "big order; offer the 50 ml trial pack",
               "due_at": "2026-11-24T10:00:00+08:00"}),
    );
    let task_id = task["id"].as_str().expect("task id").to_owned();
    assert_eq!(
        (task["status"].as_str(), task["overdue"].as_bool()),
        (Some("open"), Some(false))
    );

    // (5) The rep sees the task among their own, and only their own.
    let mine = ok(app.get_as("/api/v1/tasks", &rep.token), 200);
    assert_eq!(mine["items"][0]["id"], task_id.as_str());
    assert_eq!(
        ok(app.get_as("/api/v1/tasks", &other_rep.token), 200)["items"],
        json!([])
    );
    assert_eq!(
        app.get_as(&format!("/api/v1/tasks/{task_id}"), &other_rep.token)
            .status,
        404
    );
    assert_eq!(
        app.get_as(
            &format!("/api/v1/tasks?assignee_id={}", rep.id),
            &other_rep.token
        )
        .status,
        403
    );

    // (3) The rep qualifies the lead into an opportunity and works it.
    let opportunity = ok(
        app.post_json(
            &format!("/api/v1/leads/{lead_id}/qualify"),
            Some(&rep.token),
            &json!({"title": "保湿霜 200 支", "expected_value": 2_590_000, "expected_close": "2026-12-15"}),
        ),
        201,
    );
    let opportunity_id = opportunity["id"]
        .as_str()
        .expect("opportunity id")
        .to_owned();
    assert_eq!(opportunity["stage"], "prospecting");
    assert_eq!(opportunity["owner_id"], rep.id.as_str());
    let moved = ok(
        app.post_json(
            &format!("/api/v1/opportunities/{opportunity_id}/stage"),
            Some(&rep.token),
            &json!({"stage": "negotiation", "expected_value": 2_400_000}),
        ),
        200,
    );
    assert_eq!(moved["stage"], "negotiation");
    let reported = ok(
        app.post_json(
            &format!("/api/v1/tasks/{task_id}/report"),
            Some(&rep.token),
            &json!({"outcome": "succeeded", "report": "qualified; sent the offer"}),
        ),
        200,
    );
    assert_eq!(reported["status"], "succeeded");

    // (6) The deal is won: the prospect becomes a customer with the order as its first.
    let won = ok(
        app.post_json(
            &format!("/api/v1/opportunities/{opportunity_id}/win"),
            Some(&rep.token),
            &json!({"lines": [{"product_id": product, "quantity": 200, "unit_price": 12_000, "batch_number": "B2611"}],
                    "invoice_number": "INV-2026-0042"}),
        ),
        201,
    );
    assert_eq!(won["customer_created"], true);
    assert_eq!(won["opportunity"]["stage"], "won");
    assert_eq!(won["order"]["total"], 2_400_000);
    let customer_id = won["opportunity"]["customer_id"]
        .as_str()
        .expect("customer")
        .to_owned();
    assert_eq!(won["order"]["customer_id"], customer_id.as_str());

    let overview = ok(
        app.get_as(
            &format!("/api/v1/customers/{customer_id}/overview"),
            &rep.token,
        ),
        200,
    );
    assert_eq!(overview["customer"]["name"], "杭州百货商店");
    assert_eq!(overview["customer"]["owner_id"], rep.id.as_str());
    assert_eq!(overview["customer"]["contacts"][0]["name"], "陈丽");
    assert_eq!(overview["metrics"]["order_count"], 1);
    assert_eq!(
        overview["metrics"]["first_order_at"],
        "2026-11-23T00:00:00Z"
    );
    let converted = ok(
        app.get_as(&format!("/api/v1/leads/{lead_id}"), &rep.token),
        200,
    );
    assert_eq!(
        (
            converted["status"].as_str(),
            converted["customer_id"].as_str()
        ),
        (Some("qualified"), Some(customer_id.as_str()))
    );

    // A won opportunity is closed.
    let again = app.post_json(
        &format!("/api/v1/opportunities/{opportunity_id}/lose"),
        Some(&rep.token),
        &json!({"reason": "changed mind"}),
    );
    assert_eq!(again.status, 409, "{}", again.body);
    let history = ok(
        app.get_as(
            &format!("/api/v1/audit?entity=opportunity&entity_id={opportunity_id}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    let actions: Vec<&str> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["opportunity.win", "opportunity.move", "opportunity.create"]
    );
}

#[test]
fn overdue_tasks_show_to_the_manager_and_failed_ones_can_be_sent_back() {
    let app = TestApp::start_app_at(MONDAY);
    let manager = app.create_staff("Li Na", "sales_gm");
    let rep = app.create_staff("Wang Wei", "rep");
    let customer = ok(
        app.post_json(
            "/api/v1/customers",
            Some(&rep.token),
            &json!({"name": "Slow Payer Ltd"}),
        ),
        201,
    )["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let task = assign(
        &app,
        &manager,
        json!({"title": "Re-survey satisfaction", "subject_kind": "customer", "subject_id": customer,
               "assignee_id": rep.id, "due_at": "2026-11-24"}),
    );
    let task_id = task["id"].as_str().expect("id").to_owned();
    assert_eq!(task["customer_id"], customer.as_str());

    let overdue = |app: &TestApp| {
        ok(
            app.get_as("/api/v1/tasks?overdue=true", &manager.token),
            200,
        )["items"]
            .clone()
    };
    assert_eq!(overdue(&app), json!([]));
    app.advance_clock(2 * 86_400);
    let late = overdue(&app);
    assert_eq!(late[0]["id"], task_id.as_str());
    assert_eq!(late[0]["overdue"], true);

    // A rep may not assign, and may not report on someone else's task.
    let by_rep = app.post_json(
        "/api/v1/tasks",
        Some(&rep.token),
        &json!({"title": "x", "subject_kind": "customer", "subject_id": customer, "assignee_id": rep.id, "due_at": "2026-12-01"}),
    );
    assert_eq!(by_rep.status, 403);
    let by_manager = app.post_json(
        &format!("/api/v1/tasks/{task_id}/report"),
        Some(&manager.token),
        &json!({"outcome": "succeeded", "report": "done"}),
    );
    assert_eq!(by_manager.status, 403, "{}", by_manager.body);

    let failed = ok(
        app.post_json(
            &format!("/api/v1/tasks/{task_id}/report"),
            Some(&rep.token),
            &json!({"outcome": "failed", "report": "customer did not answer"}),
        ),
        200,
    );
    assert_eq!(
        (failed["status"].as_str(), failed["overdue"].as_bool()),
        (Some("failed"), Some(false))
    );
    let twice = app.post_json(
        &format!("/api/v1/tasks/{task_id}/report"),
        Some(&rep.token),
        &json!({"outcome": "succeeded", "report": "again"}),
    );
    assert_eq!(twice.status, 409);
    let redo = ok(
        app.post_json(
            &format!("/api/v1/tasks/{task_id}/redo"),
            Some(&manager.token),
            &json!({"opinion": "call in the morning", "due_at": "2026-11-28"}),
        ),
        200,
    );
    assert_eq!(
        (redo["status"].as_str(), redo["overdue"].as_bool()),
        (Some("redo"), Some(false))
    );
    let mine = ok(app.get_as("/api/v1/tasks?status=redo", &rep.token), 200);
    assert_eq!(mine["items"][0]["opinion"], "call in the morning");

    let overview = ok(
        app.get_as(
            &format!("/api/v1/customers/{customer}/overview"),
            &rep.token,
        ),
        200,
    );
    assert_eq!(overview["timeline"][0]["kind"], "task");
    assert_eq!(
        overview["timeline"][0]["summary"],
        "Re-survey satisfaction (redo)"
    );

    let bad_due = app.post_json(
        "/api/v1/tasks",
        Some(&manager.token),
        &json!({"title": "x", "subject_kind": "customer", "subject_id": customer, "assignee_id": rep.id, "due_at": "soon"}),
    );
    assert_eq!(
        (bad_due.status, bad_due.json()["field"].as_str()),
        (422, Some("due_at"))
    );
    let no_subject = app.post_json(
        "/api/v1/tasks",
        Some(&manager.token),
        &json!({"title": "x", "subject_kind": "lead", "subject_id": customer, "assignee_id": rep.id, "due_at": "2026-12-01"}),
    );
    assert_eq!(
        (no_subject.status, no_subject.json()["field"].as_str()),
        (409, Some("subject_id"))
    );
}

#[test]
fn the_public_lead_form_drops_bots_and_limits_each_sender() {
    let app = TestApp::start_app();
    let manager = app.create_staff("Li Na", "service_lead");
    let lead = |name: &str, extra: Value| {
        let mut body =
            json!({"name": name, "email": "buyer@example.com", "message": "please call"});
        for (key, value) in extra.as_object().expect("object") {
            body[key] = value.clone();
        }
        app.post_json("/api/v1/leads/capture", None, &body)
    };
    assert_eq!(
        lead("Bot", json!({"website": "http://spam.example"})).status,
        202,
        "a bot is told nothing"
    );
    let links = json!({"message": "http://a.example http://b.example https://c.example"});
    assert_eq!(lead("Linker", links).status, 202);
    let no_contact = app.post_json("/api/v1/leads/capture", None, &json!({"name": "Anon"}));
    assert_eq!(
        (no_contact.status, no_contact.json()["field"].as_str()),
        (422, Some("email"))
    );
    assert_eq!(lead("Real Person", json!({})).status, 202);
    assert_eq!(lead("Real Person 2", json!({})).status, 202);
    assert_eq!(lead("Real Person 3", json!({})).status, 202);
    let limited = lead("One Too Many", json!({}));
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.json()["retry_after"]
        .as_u64()
        .is_some_and(|s| (1..=600).contains(&s)));

    let leads = ok(app.get_as("/api/v1/leads", &manager.token), 200);
    let names: Vec<&str> = leads["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names.len(), 3, "only people's leads are kept: {names:?}");
    assert!(!names.contains(&"Bot") && !names.contains(&"Linker"));
}

#[test]
fn leads_change_state_once_and_bad_input_names_the_field() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let created = ok(
        app.post_json(
            "/api/v1/leads",
            Some(&rep.token),
            &json!({"name": "Fair Visitor", "source": "event", "phone": "138 1111 2222"}),
        ),
        201,
    );
    assert_eq!(
        created["owner_id"],
        rep.id.as_str(),
        "a rep follows up what they enter"
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let out = ok(
        app.post_json(
            &format!("/api/v1/leads/{id}/disqualify"),
            Some(&rep.token),
            &json!({"reason": "student, no budget"}),
        ),
        200,
    );
    assert_eq!(out["status"], "disqualified");
    let qualify = app.post_json(
        &format!("/api/v1/leads/{id}/qualify"),
        Some(&rep.token),
        &json!({"title": "x"}),
    );
    assert_eq!(qualify.status, 409, "{}", qualify.body);

    let cases = [
        (json!({"name": "x", "source": "telepathy"}), "source"),
        (json!({"name": "", "source": "web"}), "name"),
        (
            json!({"name": "x", "source": "web", "phone": "12"}),
            "phone",
        ),
    ];
    // A lead about a customer that does not exist names it: 409, the field named.
    let unknown = app.post_json(
        "/api/v1/leads",
        Some(&rep.token),
        &json!({"name": "x", "source": "web", "customer_id": "cus_000000000000000000000000"}),
    );
    assert_eq!(
        (unknown.status, unknown.json()["field"].as_str()),
        (409, Some("customer_id")),
        "{}",
        unknown.body
    );
    for (body, field) in cases {
        let reply = app.post_json("/api/v1/leads", Some(&rep.token), &body);
        assert_eq!(
            (reply.status, reply.json()["field"].as_str()),
            (422, Some(field)),
            "{body}: {}",
            reply.body
        );
    }
    let fresh = ok(
        app.post_json(
            "/api/v1/leads",
            Some(&rep.token),
            &json!({"name": "y", "source": "phone"}),
        ),
        201,
    );
    let fresh_id = fresh["id"].as_str().expect("id");
    let bad_close = app.post_json(
        &format!("/api/v1/leads/{fresh_id}/qualify"),
        Some(&rep.token),
        &json!({"title": "t", "expected_close": "next month"}),
    );
    assert_eq!(
        (bad_close.status, bad_close.json()["field"].as_str()),
        (422, Some("expected_close"))
    );
    let opportunity = ok(
        app.post_json(
            &format!("/api/v1/leads/{fresh_id}/qualify"),
            Some(&rep.token),
            &json!({"title": "t"}),
        ),
        201,
    );
    let to_won = app.post_json(
        &format!(
            "/api/v1/opportunities/{}/stage",
            opportunity["id"].as_str().unwrap_or_default()
        ),
        Some(&rep.token),
        &json!({"stage": "won"}),
    );
    assert_eq!(
        (to_won.status, to_won.json()["field"].as_str()),
        (422, Some("stage"))
    );
    assert_eq!(
        app.get_as(
            "/api/v1/opportunities/opp_000000000000000000000000",
            &rep.token
        )
        .status,
        404
    );
}

#[test]
fn scenario_c_from_a_visit_to_a_service_request_and_a_won_deal_with_an_existing_customer() {
    let app = TestApp::start_app_at(MONDAY);
    let product = product(&app);
    let manager = app.create_staff("Li Na", "sales_gm");
    let rep = app.create_staff("Wang Wei", "rep");
    let retailer = ok(
        app.post_json(
            "/api/v1/customers",
            Some(&rep.token),
            &json!({"name": "杭州百货商店", "contacts": [{"name": "刘店长"}], "addresses": [{"street": "延安路 100 号", "city": "杭州"}]}),
        ),
        201,
    )["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // (1)(2) The rep visits the retailer: checks stock, replaces bad goods, notes the rival.
    let visit = ok(
        app.post_json(
            "/api/v1/activities",
            Some(&rep.token),
            &json!({"customer_id": retailer, "type": "visit", "occurred_at": "2026-11-22T15:00:00+08:00",
                    "notes": "shelf stock low; 3 tubes leaking", "requests": "wants the new serum line",
                    "competitor_activity": "rival brand runs 20% off"}),
        ),
        201,
    );
    assert_eq!(visit["location"], "延安路 100 号, 杭州");

    // (3) What the visit turned up becomes leads: one for a sale, one for service.
    let lead = |message: &str| {
        ok(
            app.post_json(
                "/api/v1/leads",
                Some(&rep.token),
                &json!({"name": "刘店长", "source": "visit", "customer_id": retailer, "message": message}),
            ),
            201,
        )["id"]
            .as_str()
            .expect("lead id")
            .to_owned()
    };
    let sale_lead = lead("new serum line for the spring season");
    let service_lead = lead("3 tubes of cream arrived leaking");
    let service = ok(
        app.post_json(
            &format!("/api/v1/leads/{service_lead}/service-request"),
            Some(&rep.token),
            &json!({"kind": "replacement", "summary": "replace 3 leaking tubes of HM-CREAM-50"}),
        ),
        201,
    );
    assert!(service["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("srq_")));
    assert_eq!(
        (service["customer_id"].as_str(), service["status"].as_str()),
        (Some(retailer.as_str()), Some("requested"))
    );
    // A lead's service request is a service request like a complaint's: it waits for finance,
    // with its first step logged; no product was named, so it ships nothing.
    let detail = ok(
        app.get_as(
            &format!(
                "/api/v1/service-requests/{}",
                service["id"].as_str().unwrap_or("")
            ),
            &rep.token,
        ),
        200,
    );
    assert_eq!(
        detail["request"]["lead_id"].as_str(),
        Some(service_lead.as_str())
    );
    assert!(detail["request"]["replacement"].is_null());
    assert_eq!(detail["steps"][0]["action"], "request");
    assert_eq!(detail["steps"][0]["actor_id"], json!(rep.id));
    let opportunity = ok(
        app.post_json(
            &format!("/api/v1/leads/{sale_lead}/qualify"),
            Some(&rep.token),
            &json!({"title": "Serum line, spring", "expected_value": 500_000}),
        ),
        201,
    );
    let opportunity_id = opportunity["id"].as_str().expect("id").to_owned();
    assert_eq!(opportunity["customer_id"], retailer.as_str());

    // (4)(5) The manager assigns the follow-up; the rep does it and reports back.
    let task = assign(
        &app,
        &manager,
        json!({"title": "Send the serum samples", "subject_kind": "opportunity", "subject_id": opportunity_id,
               "assignee_id": rep.id, "opinion": "bring the spring price list", "due_at": "2026-11-25"}),
    );
    assert_eq!(
        task["customer_id"],
        retailer.as_str(),
        "the task lands on the customer's timeline"
    );
    ok(
        app.post_json(
            &format!(
                "/api/v1/tasks/{}/report",
                task["id"].as_str().unwrap_or_default()
            ),
            Some(&rep.token),
            &json!({"outcome": "succeeded", "report": "samples delivered, order promised"}),
        ),
        200,
    );

    // (6) Won: the order goes to the existing customer; no new customer is made.
    let won = ok(
        app.post_json(
            &format!("/api/v1/opportunities/{opportunity_id}/win"),
            Some(&rep.token),
            &json!({"lines": [{"product_id": product, "quantity": 40}]}),
        ),
        201,
    );
    assert_eq!(won["customer_created"], false);
    assert_eq!(won["order"]["customer_id"], retailer.as_str());
    let overview = ok(
        app.get_as(
            &format!("/api/v1/customers/{retailer}/overview"),
            &manager.token,
        ),
        200,
    );
    assert_eq!(overview["metrics"]["order_count"], 1);
    let mut kinds: Vec<&str> = overview["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|t| t["kind"].as_str().unwrap_or(""))
        .collect();
    kinds.sort();
    // The service request qualified from the second lead is on the unified view too.
    assert_eq!(kinds, ["order", "service_request", "task", "visit"]);

    // Service is for customers: a lead without one cannot become a service request.
    let stranger = ok(
        app.post_json(
            "/api/v1/leads",
            Some(&rep.token),
            &json!({"name": "Walk-in", "source": "phone", "phone": "139 0000 2222"}),
        ),
        201,
    );
    let refused = app.post_json(
        &format!(
            "/api/v1/leads/{}/service-request",
            stranger["id"].as_str().unwrap_or_default()
        ),
        Some(&rep.token),
        &json!({"kind": "repair", "summary": "broken pump"}),
    );
    assert_eq!(refused.status, 409, "{}", refused.body);
    let bad_kind = app.post_json(
        &format!(
            "/api/v1/leads/{}/service-request",
            stranger["id"].as_str().unwrap_or_default()
        ),
        Some(&rep.token),
        &json!({"kind": "hug", "summary": "x"}),
    );
    assert_eq!(
        (bad_kind.status, bad_kind.json()["field"].as_str()),
        (422, Some("kind"))
    );
}

#[test]
fn a_plain_html_form_can_post_a_lead() {
    let app = TestApp::start_app();
    let manager = app.create_staff("Li Na", "service_lead");
    let form = app.post_bytes(
        "/api/v1/leads/capture",
        "unused",
        "application/x-www-form-urlencoded",
        b"name=%E9%99%88%E4%B8%BD&company=&email=chen%40example.com&message=call+me&website=",
    );
    assert_eq!(form.status, 202, "{}", form.body);
    let leads = ok(app.get_as("/api/v1/leads", &manager.token), 200);
    assert_eq!(leads["items"][0]["name"], "陈丽");
    assert_eq!(leads["items"][0]["message"], "call me");
    let unknown = app.post_bytes(
        "/api/v1/leads/capture",
        "unused",
        "application/x-www-form-urlencoded",
        b"name=x&email=x%40example.com&colour=red",
    );
    assert_eq!(
        (unknown.status, unknown.json()["field"].as_str()),
        (422, Some("colour"))
    );
}
