//! Complaint escalation over HTTP, on the host's test clock (no sleeping): the complaint record
//! with the customer's history, SLA clocks that pause and resume, the workflow's 409s, business
//! calendars and policies, and escalation levels that fire exactly once, across concurrent and
//! repeated sweeps and a restart of the host.

use crm_tests::{repo_root, StaffLogin, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

/// Monday 2026-11-23 09:00 in Shanghai (01:00 UTC).
const MONDAY_9AM_SHANGHAI: i64 = 1_795_395_600;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

struct Cast {
    agent: StaffLogin,
    lead: StaffLogin,
    gm: StaffLogin,
    ops: StaffLogin,
    customer: String,
    order: String,
}

/// Staff of every role involved, a customer with one shipped order of a batch.
fn cast(app: &TestApp) -> Cast {
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let agent = app.create_staff("Li Na", "agent");
    let lead = app.create_staff("Chen Jing", "service_lead");
    let ops = app.create_staff("Ops Bot", "ops");
    let product = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": "HM-CREAM-50", "name": "保湿霜 50ml", "unit_price": 12_950}),
    );
    assert_eq!(product.status, 201, "{}", product.body);
    let customer = app.post_json(
        "/api/v1/customers",
        Some(&agent.token),
        &json!({"name": "华美商贸", "phone": "+86 21 5555 0101", "tier": "gold"}),
    );
    assert_eq!(customer.status, 201, "{}", customer.body);
    let customer = customer.json()["id"].as_str().expect("id").to_owned();
    let order = app.post_json(
        "/api/v1/orders",
        Some(&gm.token),
        &json!({"customer_id": customer, "invoice_number": "INV-7731", "ship_date": "2026-11-20",
                "lines": [{"product_id": product.json()["id"], "quantity": 20,
                           "batch_number": "B2611-07"}]}),
    );
    assert_eq!(order.status, 201, "{}", order.body);
    let order = order.json()["id"].as_str().expect("id").to_owned();
    Cast {
        agent,
        lead,
        gm,
        ops,
        customer,
        order,
    }
}

fn file(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.post_json("/api/v1/complaints", Some(token), &body);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn get(app: &TestApp, token: &str, id: &str) -> Value {
    let reply = app.get_as(&format!("/api/v1/complaints/{id}"), token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn sweep(app: &TestApp, token: &str) -> Value {
    let reply = app.post_json("/api/v1/escalation/sweep", Some(token), &json!({}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn act(app: &TestApp, token: &str, id: &str, body: Value) -> crm_tests::Reply {
    app.post_json(
        &format!("/api/v1/complaints/{id}/transitions"),
        Some(token),
        &body,
    )
}

fn instant(seconds: i64) -> String {
    crm_domain::time::rfc3339_utc(seconds)
}

#[test]
fn scenario_a_an_unanswered_complaint_goes_to_the_sales_gm_exactly_once_and_closes_signed_off() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app);
    let filed = file(
        &app,
        &cast.agent.token,
        json!({"customer_id": cast.customer, "order_id": cast.order, "line_no": 1,
               "category": "packaging", "description": "Arrived badly sealed; spilled in transit.",
               "priority": "high", "channel": "phone"}),
    );
    // The agent sees at once who is calling, and the line's facts are prefilled.
    assert_eq!(filed["customer"]["order_count"], 1, "{filed}");
    assert_eq!(filed["customer"]["total_value"], 20 * 12_950);
    assert_eq!(filed["customer"]["open_complaints"], 1);
    assert_eq!(filed["customer"]["tier"], "gold");
    let complaint = &filed["complaint"];
    let id = complaint["id"].as_str().expect("id").to_owned();
    assert_eq!(complaint["batch_number"], "B2611-07");
    assert_eq!(complaint["invoice_number"], "INV-7731");
    assert_eq!(complaint["ship_date"], "2026-11-20");
    assert_eq!(complaint["contact_phone"], "+86 21 5555 0101");
    assert_eq!(complaint["status"], "new");
    assert_eq!(complaint["assignee_id"], cast.agent.id.as_str());
    assert_eq!(complaint["sla"]["policy_id"], "pol_default");
    let first = &complaint["sla"]["first_response"];
    assert_eq!(first["due_at"], instant(MONDAY_9AM_SHANGHAI + DAY));
    assert_eq!(first["clock"], "wall");
    assert_eq!(first["breached"], false);
    // The customer's unified view shows it.
    let overview = app.get_as(
        &format!("/api/v1/customers/{}/overview", cast.customer),
        &cast.agent.token,
    );
    assert_eq!(overview.status, 200, "{}", overview.body);
    let overview = overview.json();
    assert_eq!(overview["open_complaints"], 1, "{overview}");
    assert!(overview["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .any(|t| t["kind"] == "complaint" && t["id"] == id.as_str()));

    // Thirteen hours on: past the half-way warning, which only a sweep fires.
    app.advance_clock(13 * HOUR);
    let now = get(&app, &cast.agent.token, &id);
    assert_eq!(
        now["complaint"]["sla"]["first_response"]["elapsed_seconds"],
        13 * HOUR
    );
    assert_eq!(now["complaint"]["sla"]["escalation_level"], 0);

    // A day and a second after filing, unanswered: the clock says breached without any sweep.
    app.advance_clock(11 * HOUR + 1);
    let now = get(&app, &cast.agent.token, &id);
    let first = &now["complaint"]["sla"]["first_response"];
    assert_eq!(first["breached"], true, "{now}");
    assert_eq!(first["late_seconds"], 1);
    assert_eq!(first["met_at"], Value::Null);

    // Only ops (or admin) sweep.
    let refused = app.post_json(
        "/api/v1/escalation/sweep",
        Some(&cast.agent.token),
        &json!({}),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);

    // The sweep runs twice at once, then three more times: each level fires once.
    let concurrent: Vec<Value> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|_| s.spawn(|| sweep(&app, &cast.ops.token)))
            .collect();
        runs.into_iter().map(|r| r.join().expect("sweep")).collect()
    });
    let again: Vec<Value> = (0..3).map(|_| sweep(&app, &cast.ops.token)).collect();
    let fired: Vec<&Value> = concurrent
        .iter()
        .chain(&again)
        .flat_map(|report| report["fired"].as_array().expect("fired"))
        .filter(|f| f["complaint_id"] == id.as_str())
        .collect();
    assert_eq!(fired.len(), 2, "levels 1 and 2, once each: {fired:?}");
    let now = get(&app, &cast.agent.token, &id);
    let complaint = &now["complaint"];
    assert_eq!(complaint["sla"]["escalation_level"], 2, "{now}");
    assert_eq!(complaint["assignee_id"], cast.gm.id.as_str());
    let escalations = now["escalations"].as_array().expect("escalations");
    assert_eq!(escalations.len(), 2, "{now}");
    assert_eq!(escalations[0]["level"], 1);
    assert_eq!(escalations[0]["trigger"], "first_response_warning");
    assert_eq!(escalations[0]["assigned_to"], cast.lead.id.as_str());
    assert_eq!(
        escalations[0]["due_at"],
        instant(MONDAY_9AM_SHANGHAI + 12 * HOUR)
    );
    assert_eq!(escalations[1]["level"], 2);
    assert_eq!(escalations[1]["trigger"], "unanswered_for");
    assert_eq!(escalations[1]["assigned_to"], cast.gm.id.as_str());
    assert_eq!(escalations[1]["due_at"], instant(MONDAY_9AM_SHANGHAI + DAY));
    assert_eq!(escalations[1]["late_seconds"], 1);
    let timeline = now["timeline"].as_array().expect("timeline");
    assert_eq!(
        timeline.iter().filter(|e| e["kind"] == "escalated").count(),
        2,
        "{now}"
    );

    // Now the sales GM's: the agent who filed it may still work on it, but no longer set the
    // priority (which moves the deadlines) or sign it off.
    let not_theirs = app.post_json(
        &format!("/api/v1/complaints/{id}/priority"),
        Some(&cast.agent.token),
        &json!({"priority": "low"}),
    );
    assert_eq!(not_theirs.status, 403, "{}", not_theirs.body);

    // The sales GM answers: the first response is met late, and the breach stays recorded.
    app.advance_clock(HOUR);
    let replied = app.post_json(
        &format!("/api/v1/complaints/{id}/replies"),
        Some(&cast.gm.token),
        &json!({"text": "We are sorry; a replacement is on its way."}),
    );
    assert_eq!(replied.status, 200, "{}", replied.body);
    let complaint = &replied.json()["complaint"];
    assert_eq!(complaint["status"], "acknowledged");
    let first = &complaint["sla"]["first_response"];
    assert_eq!(
        first["met_at"],
        instant(MONDAY_9AM_SHANGHAI + 25 * HOUR + 1)
    );
    assert_eq!(first["breached"], true);
    assert_eq!(first["late_seconds"], HOUR + 1);

    // An illegal move names the current status.
    let reopen = act(&app, &cast.gm.token, &id, json!({"action": "reopen"}));
    assert_eq!(reopen.status, 409, "{}", reopen.body);
    assert!(reopen.json()["detail"]
        .as_str()
        .expect("detail")
        .contains("acknowledged"));

    // Waiting on the customer pauses the resolution clock: two days there do not count.
    let resolution_due = MONDAY_9AM_SHANGHAI + 5 * DAY;
    let waiting = act(
        &app,
        &cast.gm.token,
        &id,
        json!({"action": "wait_on_customer"}),
    );
    assert_eq!(waiting.status, 200, "{}", waiting.body);
    let sla = &waiting.json()["complaint"]["sla"];
    assert_eq!(sla["paused"], true);
    assert_eq!(sla["resolution"]["due_at"], Value::Null);
    app.advance_clock(2 * DAY);
    let paused = get(&app, &cast.gm.token, &id);
    assert_eq!(
        paused["complaint"]["sla"]["resolution"]["elapsed_seconds"],
        25 * HOUR + 1
    );
    let resumed = act(&app, &cast.gm.token, &id, json!({"action": "resume"}));
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    let resolution = &resumed.json()["complaint"]["sla"]["resolution"];
    assert_eq!(resolution["due_at"], instant(resolution_due + 2 * DAY));
    assert_eq!(resolution["breached"], false);

    let resolved = act(&app, &cast.gm.token, &id, json!({"action": "resolve"}));
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert_eq!(
        resolved.json()["complaint"]["sla"]["resolution"]["breached"],
        false
    );
    // Closing needs cause, result and prevention; the closer signs it off.
    let close = |body: Value| {
        app.post_json(
            &format!("/api/v1/complaints/{id}/close"),
            Some(&cast.gm.token),
            &body,
        )
    };
    let unsigned = close(json!({"cause": "Seal machine misaligned", "result": " ",
                                "prevention": "Check seals"}));
    assert_eq!(unsigned.status, 422, "{}", unsigned.body);
    assert_eq!(unsigned.json()["field"], "result");
    let not_here = act(&app, &cast.gm.token, &id, json!({"action": "close"}));
    assert_eq!(not_here.status, 422, "{}", not_here.body);
    assert_eq!(not_here.json()["field"], "action");
    let closed = close(json!({"cause": "Seal machine misaligned on line 3",
                              "result": "Replacement delivered; customer confirmed receipt",
                              "prevention": "Seal torque checked every shift"}));
    assert_eq!(closed.status, 200, "{}", closed.body);
    let closed = closed.json();
    assert_eq!(closed["complaint"]["status"], "closed");
    assert_eq!(closed["complaint"]["signed_off_by"], cast.gm.id.as_str());
    assert_eq!(closed["customer"]["open_complaints"], 0);
    let late_reply = app.post_json(
        &format!("/api/v1/complaints/{id}/replies"),
        Some(&cast.agent.token),
        &json!({"text": "one more thing"}),
    );
    assert_eq!(late_reply.status, 409, "{}", late_reply.body);

    // Nothing more fires for a closed complaint, however often the sweep runs.
    app.advance_clock(30 * DAY);
    assert_eq!(sweep(&app, &cast.ops.token)["fired"], json!([]));
}

#[test]
fn a_reply_in_time_stops_the_clock_and_no_level_fires() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app);
    let filed = file(
        &app,
        &cast.agent.token,
        json!({"customer_id": cast.customer, "category": "delivery",
               "description": "Late delivery", "channel": "email"}),
    );
    let id = filed["complaint"]["id"].as_str().expect("id").to_owned();
    assert_eq!(filed["complaint"]["priority"], "medium");
    app.advance_clock(2 * HOUR);
    let replied = app.post_json(
        &format!("/api/v1/complaints/{id}/replies"),
        Some(&cast.agent.token),
        &json!({"text": "Looking into it"}),
    );
    assert_eq!(replied.status, 200, "{}", replied.body);
    app.advance_clock(3 * DAY);
    assert_eq!(sweep(&app, &cast.ops.token)["fired"], json!([]));
    let now = get(&app, &cast.agent.token, &id);
    let first = &now["complaint"]["sla"]["first_response"];
    assert_eq!(first["breached"], false, "{now}");
    assert_eq!(first["elapsed_seconds"], 2 * HOUR);
    assert_eq!(now["complaint"]["sla"]["escalation_level"], 0);
    assert_eq!(now["complaint"]["assignee_id"], cast.agent.id.as_str());

    // The bootstrap admin (who has no staff row) may sign a closure off too.
    let resolved = act(&app, ADMIN_TOKEN, &id, json!({"action": "resolve"}));
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    let closed = app.post_json(
        &format!("/api/v1/complaints/{id}/close"),
        Some(ADMIN_TOKEN),
        &json!({"cause": "Carrier delay", "result": "Apologised; discount on the next order",
                "prevention": "Second carrier for the region"}),
    );
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.json()["complaint"]["signed_off_by"], "stf_bootstrap");
}

#[test]
fn business_calendars_and_policies_count_only_working_hours() {
    let app = TestApp::start_app_at(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app);
    let office = |holidays: Value| {
        let day = json!([{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]);
        json!({"name": "Shanghai office", "time_zone": "Asia/Shanghai",
               "week": [day, day, day, day, day, [], []], "holidays": holidays})
    };
    let refused = app.post_json(
        "/api/v1/calendars",
        Some(&cast.agent.token),
        &office(json!([])),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    for (body, field) in [
        (
            json!({"name": "x", "time_zone": "Mars/Olympus", "week": [[], [], [], [], [], [], [{"start": "09:00", "end": "10:00"}]]}),
            "time_zone",
        ),
        (
            json!({"name": "x", "time_zone": "Asia/Shanghai", "week": [[{"start": "12:00", "end": "09:00"}], [], [], [], [], [], []]}),
            "week",
        ),
        (
            json!({"name": "x", "time_zone": "Asia/Shanghai", "week": [[{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}], [], [], [], [], [], []]}),
            "week",
        ),
    ] {
        let reply = app.post_json("/api/v1/calendars", Some(&cast.lead.token), &body);
        assert_eq!(reply.status, 422, "{body}: {}", reply.body);
        assert_eq!(reply.json()["field"], field, "{body}");
    }
    // Friday 2026-11-27 is a holiday.
    let calendar = app.post_json(
        "/api/v1/calendars",
        Some(&cast.lead.token),
        &office(json!(["2026-11-27"])),
    );
    assert_eq!(calendar.status, 201, "{}", calendar.body);
    let calendar = calendar.json()["id"].as_str().expect("id").to_owned();

    let policy = |priority: &str| {
        json!({"name": "Urgent: two working hours", "priority": priority,
               "first_response": {"seconds": 2 * HOUR, "clock": "business"},
               "resolution": {"seconds": 16 * HOUR, "clock": "business"},
               "calendar_id": calendar,
               "escalation": [{"level": 1, "trigger": "first_response_breach",
                               "assign_role": "service_lead", "notify": true}]})
    };
    let no_calendar = app.post_json(
        "/api/v1/sla/policies",
        Some(&cast.lead.token),
        &json!({"name": "x", "priority": "low",
                "first_response": {"seconds": 3600, "clock": "business"},
                "resolution": {"seconds": 7200, "clock": "wall"}}),
    );
    assert_eq!(no_calendar.status, 422, "{}", no_calendar.body);
    assert_eq!(no_calendar.json()["field"], "calendar_id");
    let created = app.post_json(
        "/api/v1/sla/policies",
        Some(&cast.lead.token),
        &policy("urgent"),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let policy_id = created.json()["id"].as_str().expect("id").to_owned();
    let twice = app.post_json(
        "/api/v1/sla/policies",
        Some(&cast.lead.token),
        &policy("urgent"),
    );
    assert_eq!(twice.status, 409, "{}", twice.body);

    // Filed Thursday 17:00 local: one working hour on Thursday, Friday is a holiday, the weekend
    // does not count, so the second hour ends Monday 10:00.
    app.advance_clock(3 * DAY + 8 * HOUR);
    let filed = file(
        &app,
        &cast.agent.token,
        json!({"customer_id": cast.customer, "category": "quality",
               "description": "Cream separated", "priority": "urgent"}),
    );
    let complaint = &filed["complaint"];
    assert_eq!(complaint["sla"]["policy_id"], policy_id.as_str());
    let first = &complaint["sla"]["first_response"];
    assert_eq!(first["clock"], "business");
    assert_eq!(
        first["due_at"],
        instant(MONDAY_9AM_SHANGHAI + 7 * DAY + HOUR)
    );

    // Lowered to high, the complaint falls back to the default policy (24 wall-clock hours).
    let id = complaint["id"].as_str().expect("id");
    let lowered = app.post_json(
        &format!("/api/v1/complaints/{id}/priority"),
        Some(&cast.lead.token),
        &json!({"priority": "high"}),
    );
    assert_eq!(lowered.status, 200, "{}", lowered.body);
    let sla = &lowered.json()["complaint"]["sla"];
    assert_eq!(sla["policy_id"], "pol_default");
    assert_eq!(
        sla["first_response"]["due_at"],
        instant(MONDAY_9AM_SHANGHAI + 3 * DAY + 8 * HOUR + DAY)
    );

    // A new policy for high priority governs the open complaint at once: 4 wall-clock hours
    // from filing. Re-scoped to low priority, it lets the complaint go back to the default.
    let filed_at = MONDAY_9AM_SHANGHAI + 3 * DAY + 8 * HOUR;
    let high = |priority: &str| {
        json!({"name": "High: four hours", "priority": priority,
               "first_response": {"seconds": 4 * HOUR, "clock": "wall"},
               "resolution": {"seconds": 3 * DAY, "clock": "wall"}})
    };
    let created = app.post_json(
        "/api/v1/sla/policies",
        Some(&cast.lead.token),
        &high("high"),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let high_id = created.json()["id"].as_str().expect("id").to_owned();
    let seen = get(&app, &cast.lead.token, id);
    let sla = &seen["complaint"]["sla"];
    assert_eq!(sla["policy_id"], high_id.as_str(), "{seen}");
    assert_eq!(
        sla["first_response"]["due_at"],
        instant(filed_at + 4 * HOUR)
    );
    assert!(
        seen["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .any(|e| {
                e["kind"] == "policy"
                    && e["note"] == format!("policy pol_default → {high_id}: deadlines recomputed")
            }),
        "{seen}"
    );
    let rescoped = app.request(
        "PUT",
        &format!("/api/v1/sla/policies/{high_id}"),
        Some(&cast.lead.token),
        Some(high("low").to_string()),
    );
    assert_eq!(rescoped.status, 200, "{}", rescoped.body);
    let sla = &get(&app, &cast.lead.token, id)["complaint"]["sla"];
    assert_eq!(sla["policy_id"], "pol_default");
    assert_eq!(sla["first_response"]["due_at"], instant(filed_at + DAY));
}

#[test]
fn an_escalation_due_while_the_host_was_down_fires_once_after_the_restart() {
    let state = tempfile::tempdir().expect("temp dir");
    let manifest = repo_root().join("spin.toml");
    let env = [("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN)];
    let start = |at: i64| {
        let app = TestApp::start(&manifest, state.path(), &env, &["--test-clock"]);
        let set = app.post_json(
            "/.well-known/crm/test-clock",
            None,
            &json!({"unix_seconds": at}),
        );
        assert_eq!(set.status, 200, "{}", set.body);
        app
    };
    let app = start(MONDAY_9AM_SHANGHAI);
    let cast = cast(&app);
    let filed = file(
        &app,
        &cast.agent.token,
        json!({"customer_id": cast.customer, "category": "billing",
               "description": "Invoice twice"}),
    );
    let id = filed["complaint"]["id"].as_str().expect("id").to_owned();
    app.stop();

    // Back two days later: both levels are overdue and fire once, late by what the outage cost.
    let app = start(MONDAY_9AM_SHANGHAI + 2 * DAY);
    let report = sweep(&app, &cast.ops.token);
    let levels: Vec<&Value> = report["fired"]
        .as_array()
        .expect("fired")
        .iter()
        .map(|f| &f["escalation"]["level"])
        .collect();
    assert_eq!(levels, [&json!(1), &json!(2)], "{report}");
    assert_eq!(report["fired"][1]["escalation"]["late_seconds"], DAY);
    assert_eq!(sweep(&app, &cast.ops.token)["fired"], json!([]));
    let now = get(&app, &cast.agent.token, &id);
    assert_eq!(now["complaint"]["assignee_id"], cast.gm.id.as_str());
}

#[test]
fn crm_up_tick_runs_the_sweep_as_the_bootstrap_admin() {
    let app = TestApp::start_app_with(&["--tick", "/api/v1/escalation/sweep=1"]);
    let line = app.wait_for_line(|l| l.contains("tick /api/v1/escalation/sweep ->"));
    assert!(line.contains("-> 200"), "{line}\n{}", app.output());
}

/// What a loopback webhook receiver saw: per request, the delivery id, the status it answered,
/// and whether the signature checked out.
#[derive(Debug, Clone)]
struct Received {
    delivery_id: String,
    answered: u16,
    signed: bool,
    topic: String,
}

/// A webhook receiver on loopback that refuses each delivery's first attempt (500) and accepts
/// the later ones, checking `crm-signature` with `secret`.
fn receiver(
    secret: std::sync::Arc<std::sync::Mutex<String>>,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<Received>>>) {
    use hmac::{Hmac, Mac};
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Received>::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let signature = header("crm-signature");
            let signed = signature
                .split_once(',')
                .and_then(|(t, v1)| Some((t.strip_prefix("t=")?, v1.strip_prefix("v1=")?)))
                .is_some_and(|(t, v1)| {
                    let key = secret.lock().expect("secret").clone();
                    let mut mac =
                        Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("key");
                    mac.update(format!("{t}.").as_bytes());
                    mac.update(&body);
                    hex::encode(mac.finalize().into_bytes()) == v1
                });
            let delivery_id = header("crm-delivery-id");
            let mut log = log.lock().expect("log");
            let first = !log.iter().any(|r| r.delivery_id == delivery_id);
            let answered = if first { 500 } else { 200 };
            log.push(Received {
                delivery_id,
                answered,
                signed,
                topic: header("crm-topic"),
            });
            let _ = write!(
                stream,
                "HTTP/1.1 {answered} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (port, seen)
}

/// `crm up` on the test clock (Monday 9:00 in Shanghai) with webhooks allowed to loopback;
/// the state directory lives as long as the first value.
fn app_sending_webhooks() -> (tempfile::TempDir, TestApp) {
    let state = tempfile::tempdir().expect("temp dir");
    let app = TestApp::start(
        &repo_root().join("spin.toml"),
        state.path(),
        &[
            ("SPIN_VARIABLE_ADMIN_TOKEN", ADMIN_TOKEN),
            ("SPIN_VARIABLE_WEBHOOK_ALLOWED_HOST", "http://127.0.0.1:*"),
        ],
        &["--test-clock"],
    );
    let set = app.post_json(
        "/.well-known/crm/test-clock",
        None,
        &json!({"unix_seconds": MONDAY_9AM_SHANGHAI}),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    (state, app)
}

/// A receiver that takes the connection and never answers fails the attempt after the
/// delivery's timeout (10 s to the first byte), instead of holding the run; the delivery stays
/// pending for its next attempt.
#[test]
fn a_receiver_that_never_answers_fails_the_attempt_after_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let (_state, app) = app_sending_webhooks();
    let cast = cast(&app);
    let created = app.post_json(
        "/api/v1/webhooks",
        Some(&cast.lead.token),
        &json!({"url": format!("http://127.0.0.1:{port}/hooks"), "topics": ["*"]}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let filed = file(
        &app,
        &cast.agent.token,
        json!({"customer_id": cast.customer, "category": "packaging", "description": "Leaking"}),
    );
    let id = filed["complaint"]["id"].as_str().expect("id");
    // The first reply acknowledges the complaint: a `complaint.status` notification.
    let replied = app.post_json(
        &format!("/api/v1/complaints/{id}/replies"),
        Some(&cast.gm.token),
        &json!({"text": "We are looking into it."}),
    );
    assert_eq!(replied.status, 200, "{}", replied.body);
    let started = std::time::Instant::now();
    let run = app.post_json(
        "/api/v1/webhooks/deliver",
        Some(&cast.ops.token),
        &json!({}),
    );
    assert_eq!(run.status, 200, "{}", run.body);
    let run = run.json();
    assert!(run["attempted"].as_u64() >= Some(1), "{run}");
    assert_eq!(run["delivered"], 0, "{run}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(9));
    let log = app.get_as("/api/v1/webhooks/deliveries", &cast.lead.token);
    for delivery in log.json()["items"].as_array().expect("items") {
        assert_eq!(delivery["status"], "pending", "{delivery}");
        assert_eq!(delivery["last_status"], Value::Null, "{delivery}");
        assert_eq!(
            delivery["last_error"], "no answer within 10 s",
            "{delivery}"
        );
    }
}

#[test]
fn escalations_reach_a_webhook_signed_and_each_delivery_is_accepted_once_after_retries() {
    let secret = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (port, seen) = receiver(secret.clone());
    let (_state, app) = app_sending_webhooks();
    let cast = cast(&app);
    let created = app.post_json(
        "/api/v1/webhooks",
        Some(&cast.lead.token),
        &json!({"url": format!("http://127.0.0.1:{port}/hooks"), "topics": ["complaint.escalated"]}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    *secret.lock().expect("secret") = created.json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let bad = app.post_json(
        "/api/v1/webhooks",
        Some(&cast.lead.token),
        &json!({"url": "ftp://example.com/", "topics": ["complaint.escalated"]}),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["field"], "url");

    file(
        &app,
        &cast.agent.token,
        json!({"customer_id": cast.customer, "category": "packaging", "description": "Leaking"}),
    );
    app.advance_clock(DAY + 1);
    // The sweep fires levels 1 and 2 and delivers both notifications: refused the first time.
    let swept = sweep(&app, &cast.ops.token);
    assert_eq!(swept["fired"].as_array().map(Vec::len), Some(2), "{swept}");
    assert_eq!(swept["deliveries"], json!({"attempted": 2, "delivered": 0}));
    let log = app.get_as("/api/v1/webhooks/deliveries", &cast.lead.token);
    assert_eq!(log.status, 200, "{}", log.body);
    for delivery in log.json()["items"].as_array().expect("items") {
        assert_eq!(delivery["status"], "pending", "{delivery}");
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["last_status"], 500);
    }
    // Not yet due again: the first retry waits 30 s.
    let deliver = |token: &str| {
        let reply = app.post_json("/api/v1/webhooks/deliver", Some(token), &json!({}));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    };
    assert_eq!(deliver(&cast.ops.token)["attempted"], 0);
    app.advance_clock(31);
    assert_eq!(
        deliver(&cast.ops.token),
        json!({"attempted": 2, "delivered": 2})
    );
    assert_eq!(deliver(&cast.ops.token)["attempted"], 0);
    let refused = app.post_json(
        "/api/v1/webhooks/deliver",
        Some(&cast.agent.token),
        &json!({}),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);

    let seen = seen.lock().expect("seen").clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(
        seen.iter()
            .all(|r| r.signed && r.topic == "complaint.escalated"),
        "{seen:?}"
    );
    let mut accepted: Vec<&str> = seen
        .iter()
        .filter(|r| r.answered == 200)
        .map(|r| r.delivery_id.as_str())
        .collect();
    accepted.sort_unstable();
    accepted.dedup();
    assert_eq!(accepted.len(), 2, "each delivery accepted once: {seen:?}");
    let log = app.get_as(
        "/api/v1/webhooks/deliveries?status=delivered",
        &cast.lead.token,
    );
    assert_eq!(
        log.json()["items"].as_array().map(Vec::len),
        Some(2),
        "{}",
        log.body
    );
}
