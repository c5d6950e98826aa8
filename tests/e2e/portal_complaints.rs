//! Complaints on the portal over HTTP, end to end with the staff API: a customer reports a
//! problem with a line of their order from the order's page (once, however often the form is
//! sent), staff see it as a portal complaint, escalate it, answer and wait on the customer, who
//! replies; a replacement goes through finance and the warehouse and the customer confirms its
//! receipt; resolved, reopened by the customer, resolved and closed; the customer rates it once.
//! What the customer never sees (escalations, priority, staff), another customer's complaint
//! and order, CSRF, and signing in first.

use crm_tests::{
    assert_html, customer_id_of, form, hidden, sign_up, Reply, StaffLogin, TestApp, ADMIN_TOKEN,
    PORTAL_PASSWORD,
};
use serde_json::{json, Value};

/// Monday 2026-11-23 09:00 in Shanghai (01:00 UTC).
const NOW: i64 = 1_795_395_600;
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const PASSWORD: &str = PORTAL_PASSWORD;
const DESCRIPTION: &str = "Both jars arrived with a torn seal and the cream had leaked.";

/// Signs in and returns the new session cookie (`crm_portal=…`).
fn sign_in(app: &TestApp, email: &str) -> String {
    let reply = app.send_form(
        "/sign-in",
        &form(&[("email", email), ("password", PASSWORD), ("lang", "en")]),
        &[],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    let set = reply.header("set-cookie").expect("a session cookie");
    set.split(';').next().expect("name=value").to_owned()
}

fn has(reply: &Reply, text: &str) {
    assert!(reply.body.contains(text), "{text:?} in {}", reply.body);
}

fn lacks(reply: &Reply, text: &str) {
    assert!(!reply.body.contains(text), "no {text:?} in {}", reply.body);
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

/// The complaint as staff see it.
fn staff_view(app: &TestApp, id: &str) -> Value {
    ok(
        app.get_as(&format!("/api/v1/complaints/{id}"), ADMIN_TOKEN),
        200,
    )
}

/// A staff call on the complaint as the admin, which must succeed.
fn staff_post(app: &TestApp, path: &str, body: Value) -> Value {
    ok(app.post_json(path, Some(ADMIN_TOKEN), &body), 200)
}

/// The filing form of the page `page`, with `category` and `description` typed.
fn filing(page: &Reply, category: &str, description: &str) -> String {
    form(&[
        ("csrf_token", &hidden(&page.body, "csrf_token")),
        ("order", &hidden(&page.body, "order")),
        ("line", &hidden(&page.body, "line")),
        ("idempotency_key", &hidden(&page.body, "idempotency_key")),
        ("category", category),
        ("description", description),
        ("lang", "en"),
    ])
}

/// An action's form as the complaint page posts it.
fn action(csrf: &str, action: &str, fields: &[(&str, &str)]) -> String {
    let mut pairs = vec![("csrf_token", csrf), ("action", action), ("lang", "en")];
    pairs.extend_from_slice(fields);
    form(&pairs)
}

#[test]
fn a_customer_reports_a_problem_follows_it_replies_confirms_the_replacement_and_rates_it() {
    let app = TestApp::start_app_at(NOW);
    // Whom the escalation levels of the default policy reassign the complaint to.
    let lead: StaffLogin = app.create_staff("Chen Jing", "service_lead");
    let gm: StaffLogin = app.create_staff("Zhou Gang", "sales_gm");
    // Whom a complaint filed on the portal goes to: the agent with the fewest open ones.
    let agent: StaffLogin = app.create_staff("Li Na", "agent");
    let product = ok(
        app.post_json(
            "/api/v1/products",
            Some(ADMIN_TOKEN),
            &json!({"sku": "HM-CREAM-50", "name": "保湿霜 50ml", "unit_price": 12_950}),
        ),
        201,
    );
    let product = text(&product["id"]);
    ok(
        app.post_json(
            &format!("/api/v1/products/{product}/stock"),
            Some(ADMIN_TOKEN),
            &json!({"change": 10, "note": "delivery"}),
        ),
        200,
    );

    // A visitor is sent to sign in first, and back.
    for (path, next) in [
        ("/complaints", "/complaints"),
        ("/complaints/cmp_x", "/complaints/cmp_x"),
        (
            "/complaints/new?order=ord_x&line=1",
            "/complaints/new%3Forder%3Dord_x%26line%3D1",
        ),
    ] {
        let visitor = app.fetch(path, &[]);
        assert_eq!(visitor.status, 303, "{path}: {}", visitor.body);
        assert_eq!(
            visitor.location.as_deref(),
            Some(format!("/sign-in?next={next}").as_str())
        );
    }

    // The customer signs up; staff enter their order of 2 jars of batch B2611-07, shipped to
    // their address.
    let mut li_lei = sign_up(&app, "Li Lei", "li.lei@example.com");
    let customer = customer_id_of(&app, &li_lei);
    let address = ok(
        app.post_json(
            &format!("/api/v1/customers/{customer}/addresses"),
            Some(ADMIN_TOKEN),
            &json!({"label": "Home", "street": "88 Nanjing Road", "city": "Shanghai"}),
        ),
        201,
    );
    let order = ok(
        app.post_json(
            "/api/v1/orders",
            Some(ADMIN_TOKEN),
            &json!({"customer_id": customer, "invoice_number": "INV-7731",
                    "ship_date": "2026-11-20", "address_id": address["id"],
                    "lines": [{"product_id": product, "quantity": 2,
                               "batch_number": "B2611-07"}]}),
        ),
        201,
    );
    let order = text(&order["id"]);

    // The order's page links each line to the form; the bar links the complaints.
    let order_page = app.page_as(&format!("/orders/{order}"), &li_lei, "en");
    assert_html(&order_page, 200);
    has(
        &order_page,
        &format!("href=\"/complaints/new?order={order}&amp;line=1\""),
    );
    has(&order_page, ">Report a problem</a>");
    has(&order_page, "<a href=\"/complaints\">My complaints</a>");
    let zh_order = app.page_as(&format!("/orders/{order}"), &li_lei, "zh-CN");
    has(&zh_order, ">报告问题</a>");
    has(&zh_order, "<a href=\"/complaints\">我的投诉</a>");

    // No complaints yet.
    let none = app.page_as("/complaints", &li_lei, "en");
    assert_html(&none, 200);
    has(&none, "<h1>My complaints</h1>");
    has(&none, "You have no complaints.");

    // The form: the product, batch and order of the line, the categories in words.
    let new_path = format!("/complaints/new?order={order}&line=1");
    let page = app.page_as(&new_path, &li_lei, "en");
    assert_html(&page, 200);
    for expected in [
        "<h1>Report a problem</h1>".to_owned(),
        "保湿霜 50ml (HM-CREAM-50)".to_owned(),
        "B2611-07".to_owned(),
        format!("<a href=\"/orders/{order}\"><code>{order}</code></a>, line 1"),
        "<option value=\"packaging\">Packaging</option>".to_owned(),
        "<option value=\"skin_reaction\">Skin reaction</option>".to_owned(),
        "<option value=\"wrong_item\">Wrong item</option>".to_owned(),
        "<label for=\"description\">What happened</label>".to_owned(),
        "<form class=\"stack\" method=\"post\" action=\"/complaints\" \
         enctype=\"multipart/form-data\">"
            .to_owned(),
    ] {
        has(&page, &expected);
    }
    assert_eq!(hidden(&page.body, "order"), order);
    assert_eq!(hidden(&page.body, "line"), "1");
    let key = hidden(&page.body, "idempotency_key");
    assert_eq!(key.len(), 32, "{key}");
    let again = app.page_as(&new_path, &li_lei, "en");
    assert_ne!(
        hidden(&again.body, "idempotency_key"),
        key,
        "a new key per page"
    );
    let zh = app.page_as(&new_path, &li_lei, "zh-CN");
    assert_html(&zh, 200);
    has(&zh, "<h1>报告问题</h1>");
    has(&zh, "<option value=\"skin_reaction\">皮肤不良反应</option>");
    has(&zh, "第 1 行");
    // A line the order does not have.
    let no_line = app.page_as(
        &format!("/complaints/new?order={order}&line=2"),
        &li_lei,
        "en",
    );
    assert_html(&no_line, 404);
    has(&no_line, "<h1>Order not found</h1>");

    // What is missing is named next to its input, what was typed kept, the key too.
    let empty = app.send_form(
        "/complaints",
        &filing(&page, "packaging", "  "),
        &[("cookie", &li_lei)],
    );
    assert_html(&empty, 422);
    has(
        &empty,
        "aria-invalid=\"true\" aria-describedby=\"description-error description-hint\"",
    );
    has(
        &empty,
        "<p class=\"error\" id=\"description-error\">Describe what happened (1–4000 \
         characters).</p>",
    );
    has(
        &empty,
        "<option value=\"packaging\" selected>Packaging</option>",
    );
    assert_eq!(hidden(&empty.body, "idempotency_key"), key);
    let unknown = app.send_form(
        "/complaints",
        &filing(&page, "billing", DESCRIPTION),
        &[("cookie", &li_lei)],
    );
    assert_html(&unknown, 422);
    has(
        &unknown,
        "<p class=\"error\" id=\"category-error\">Choose the kind of problem.</p>",
    );
    has(&unknown, DESCRIPTION);

    // Without the session's CSRF token, nothing is filed.
    let body = filing(&page, "packaging", DESCRIPTION);
    let forged = app.send_form(
        "/complaints",
        &body.replace(&hidden(&page.body, "csrf_token"), ""),
        &[("cookie", &li_lei)],
    );
    assert_html(&forged, 403);

    // Filed: the complaint's page; the same form sent again lands on the same complaint.
    let filed = app.send_form("/complaints", &body, &[("cookie", &li_lei)]);
    assert_eq!(filed.status, 303, "{}", filed.body);
    let location = filed.location.clone().expect("a location");
    let id = location
        .strip_prefix("/complaints/")
        .and_then(|rest| rest.strip_suffix("?filed=1"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    assert!(id.starts_with("cmp_"), "{id}");
    let twice = app.send_form("/complaints", &body, &[("cookie", &li_lei)]);
    assert_eq!(twice.status, 303, "{}", twice.body);
    assert_eq!(twice.location.as_deref(), Some(location.as_str()));
    let listed = ok(
        app.get_as(
            &format!("/api/v1/complaints?customer_id={customer}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );

    let here = format!("/complaints/{id}");
    let shown = app.page_as(&location, &li_lei, "en");
    assert_html(&shown, 200);
    for expected in [
        "<p class=\"notice\" role=\"status\">Thank you: we received your complaint and will \
         answer soon.</p>"
            .to_owned(),
        "<h1>Your complaint</h1>".to_owned(),
        format!("<code>{id}</code>"),
        "<span data-status=\"new\">New</span>".to_owned(),
        "<dd>Packaging</dd>".to_owned(),
        format!("<dd class=\"quote\">{DESCRIPTION}</dd>"),
        "<dd>保湿霜 50ml (HM-CREAM-50)</dd>".to_owned(),
        "<dd>B2611-07</dd>".to_owned(),
        format!("<a href=\"/orders/{order}\"><code>{order}</code></a>, line 1"),
        // The clock runs on from NOW: the minute, not the second.
        "<li data-kind=\"filed\"><time datetime=\"2026-11-23T01:00:".to_owned(),
        // Shown in the deployment's time zone (Asia/Shanghai), with its offset.
        "\">23 Nov 2026, 09:00 UTC+8</time> <strong>Complaint filed</strong>".to_owned(),
        "<strong>Complaint filed</strong><p>Filed on the portal</p>".to_owned(),
    ] {
        has(&shown, &expected);
    }
    lacks(&shown, &format!("action=\"{here}/actions\""));
    let zh = app.page_as(&here, &li_lei, "zh-CN");
    assert_html(&zh, 200);
    has(&zh, "<span data-status=\"new\">新投诉</span>");
    has(&zh, "<dd>包装问题</dd>");
    has(&zh, "2026年11月23日 09:00（UTC+8）");
    has(&zh, "<strong>投诉已提交</strong><p>通过客户门户提交</p>");

    // The list: newest first, with the date, category and status in words.
    let mine = app.page_as("/complaints", &li_lei, "en");
    assert_html(&mine, 200);
    has(&mine, &format!("<a href=\"/complaints/{id}\">{id}</a>"));
    has(&mine, "<td>23 Nov 2026</td>");
    has(&mine, "<td>Packaging</td>");
    has(&mine, "<span data-status=\"new\">New</span>");
    lacks(&mine, "rel=\"next\"");

    // What staff see: a portal complaint of this customer about line 1 of the order, assigned
    // to the agent.
    let seen = staff_view(&app, &id);
    let complaint = &seen["complaint"];
    assert_eq!(complaint["channel"], "portal", "{seen}");
    assert_eq!(complaint["customer_id"], customer.as_str());
    assert_eq!(complaint["order_id"], order.as_str());
    assert_eq!(complaint["line_no"], 1);
    assert_eq!(complaint["product_id"], product.as_str());
    assert_eq!(complaint["batch_number"], "B2611-07");
    assert_eq!(complaint["invoice_number"], "INV-7731");
    assert_eq!(complaint["category"], "packaging");
    assert_eq!(complaint["description"], DESCRIPTION);
    assert_eq!(complaint["status"], "new");
    assert_eq!(complaint["priority"], "medium");
    assert_eq!(complaint["assignee_id"], agent.id.as_str());

    // Unanswered for a day: the sweep escalates it twice, and staff raise its priority.
    app.advance_clock(24 * HOUR + MINUTE);
    ok(
        app.post_json("/api/v1/escalation/sweep", Some(ADMIN_TOKEN), &json!({})),
        200,
    );
    staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/priority"),
        json!({"priority": "high"}),
    );
    let seen = staff_view(&app, &id);
    let kinds: Vec<&str> = seen["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "escalated").count(),
        2,
        "{seen}"
    );
    assert!(kinds.contains(&"priority"), "{seen}");
    assert_eq!(seen["complaint"]["assignee_id"], gm.id.as_str());
    // A day later the session has expired (12 hours at most): the customer signs in again.
    assert_eq!(app.page_as("/account", &li_lei, "en").status, 303);
    li_lei = sign_in(&app, "li.lei@example.com");

    // Staff answer and wait on the customer: the page shows the answer and a reply form.
    let answer = "We are sorry. Could you tell us whether the outer box was damaged too?";
    let replied = staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/replies"),
        json!({"text": answer}),
    );
    assert_eq!(replied["complaint"]["status"], "acknowledged", "{replied}");
    let waiting = staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/transitions"),
        json!({"action": "wait_on_customer"}),
    );
    assert_eq!(waiting["complaint"]["status"], "waiting_on_customer");
    let shown = app.page_as(&here, &li_lei, "en");
    assert_html(&shown, 200);
    has(
        &shown,
        "<span data-status=\"waiting_on_customer\">Waiting for your reply</span>",
    );
    has(&shown, "<strong>Reply from us</strong>");
    has(&shown, &format!("<p>{answer}</p>"));
    has(&shown, "<li data-kind=\"reply\">");
    has(
        &shown,
        "<strong>Status changed to</strong>: <span data-status=\"waiting_on_customer\">",
    );
    has(&shown, &format!("action=\"{here}/actions\""));
    has(
        &shown,
        "<input type=\"hidden\" name=\"action\" value=\"reply\">",
    );
    has(&shown, "<label for=\"reply-text\">Your reply</label>");
    lacks(&shown, "value=\"reopen\"");
    lacks(&shown, "value=\"rate\"");
    // Nothing internal: no escalation, priority or member of staff.
    for internal in [
        "data-kind=\"escalated\"",
        "data-kind=\"priority\"",
        "data-kind=\"policy\"",
        "stf_",
        lead.id.as_str(),
        gm.id.as_str(),
        "Chen Jing",
        "Zhou Gang",
    ] {
        lacks(&shown, internal);
    }
    let csrf = hidden(&shown.body, "csrf_token");
    let act =
        |body: String| app.send_form(&format!("{here}/actions"), &body, &[("cookie", &li_lei)]);

    // Without the session's CSRF token, nothing is done.
    let forged = act(action("", "reply", &[("text", "Forged")]));
    assert_html(&forged, 403);
    let blank = act(action(&csrf, "reply", &[("text", " ")]));
    assert_html(&blank, 422);
    has(
        &blank,
        "<p class=\"error\" id=\"reply-text-error\">Write your reply (1–4000 characters).</p>",
    );

    // The customer replies: back to work.
    let answer_back = "Yes, the box was crushed on one corner.";
    let sent = act(action(&csrf, "reply", &[("text", answer_back)]));
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("{here}?done=reply").as_str())
    );
    let shown = app.page_as(&format!("{here}?done=reply"), &li_lei, "en");
    assert_html(&shown, 200);
    has(
        &shown,
        "<p class=\"notice\" role=\"status\">Your reply was sent.</p>",
    );
    has(
        &shown,
        "<dd><span data-status=\"in_progress\">In progress</span></dd>",
    );
    has(&shown, "<strong>Your reply</strong>");
    has(&shown, &format!("<p>{answer_back}</p>"));
    lacks(&shown, "<label for=\"reply-text\">");
    assert_eq!(staff_view(&app, &id)["complaint"]["status"], "in_progress");
    // Not waiting on the customer any more: a conflict naming the status.
    let late = act(action(&csrf, "reply", &[("text", "And another thing")]));
    assert_html(&late, 409);
    has(
        &late,
        "<p class=\"alert\" role=\"alert\">This could not be done: ",
    );
    has(&late, "in_progress");

    // Staff send a replacement; finance approves, the warehouse picks and ships it.
    app.advance_clock(HOUR);
    let requested = ok(
        app.post_json(
            &format!("/api/v1/complaints/{id}/service-requests"),
            Some(ADMIN_TOKEN),
            &json!({"kind": "replacement",
                    "summary": "Free replacement of the two leaking jars"}),
        ),
        201,
    );
    let srq = text(&requested["request"]["id"]);
    for (step, status) in [
        (json!({"action": "approve"}), "approved"),
        (json!({"action": "pick"}), "picked"),
        (
            json!({"action": "ship", "ship_date": "2026-11-24", "carrier": "SF Express",
                   "tracking_number": "SF1403958820"}),
            "shipped",
        ),
    ] {
        let stepped = staff_post(&app, &format!("/api/v1/service-requests/{srq}/steps"), step);
        assert_eq!(stepped["request"]["status"], status, "{stepped}");
    }

    // The customer sees the shipment and confirms its receipt.
    let shown = app.page_as(&here, &li_lei, "en");
    assert_html(&shown, 200);
    has(
        &shown,
        "<h2 id=\"receipt\">Your replacement was shipped</h2>",
    );
    has(&shown, "<li data-kind=\"service\">");
    has(&shown, "<strong>Replacement and service</strong>");
    has(&shown, "2026-11-24");
    assert_eq!(hidden(&shown.body, "service_request_id"), srq);
    has(
        &shown,
        "<button type=\"submit\">I received the replacement</button>",
    );
    lacks(&shown, "stf_");
    let unknown = act(action(
        &csrf,
        "confirm_receipt",
        &[("service_request_id", "srq_000000000000000000000000")],
    ));
    assert_html(&unknown, 409);
    has(&unknown, "This could not be done: ");
    has(&unknown, "srq_000000000000000000000000");
    let received = act(action(
        &csrf,
        "confirm_receipt",
        &[("service_request_id", &srq)],
    ));
    assert_eq!(received.status, 303, "{}", received.body);
    assert_eq!(
        received.location.as_deref(),
        Some(format!("{here}?done=receipt").as_str())
    );
    let shown = app.page_as(&format!("{here}?done=receipt"), &li_lei, "en");
    assert_html(&shown, 200);
    has(
        &shown,
        "<p class=\"notice\" role=\"status\">Thank you for confirming that the replacement \
         arrived.</p>",
    );
    lacks(&shown, "name=\"service_request_id\"");
    let request = ok(
        app.get_as(&format!("/api/v1/service-requests/{srq}"), ADMIN_TOKEN),
        200,
    );
    assert_eq!(request["request"]["status"], "received", "{request}");
    let again = act(action(
        &csrf,
        "confirm_receipt",
        &[("service_request_id", &srq)],
    ));
    assert_html(&again, 409);
    has(&again, "received");

    // Resolved: the customer may reopen it, and does.
    staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/transitions"),
        json!({"action": "resolve"}),
    );
    let shown = app.page_as(&here, &li_lei, "en");
    assert_html(&shown, 200);
    has(&shown, "<span data-status=\"resolved\">Resolved</span>");
    has(
        &shown,
        "<input type=\"hidden\" name=\"action\" value=\"reopen\">",
    );
    has(&shown, "<label for=\"reopen-text\">Tell us why</label>");
    lacks(&shown, "value=\"rate\"");
    lacks(&shown, "<label for=\"reply-text\">");
    let no_reason = act(action(&csrf, "reopen", &[("text", "")]));
    assert_html(&no_reason, 422);
    has(
        &no_reason,
        "<p class=\"error\" id=\"reopen-text-error\">Say why you reopen it (1–4000 \
         characters).</p>",
    );
    let reason = "One of the new jars is cracked as well.";
    let reopened = act(action(&csrf, "reopen", &[("text", reason)]));
    assert_eq!(reopened.status, 303, "{}", reopened.body);
    assert_eq!(
        reopened.location.as_deref(),
        Some(format!("{here}?done=reopen").as_str())
    );
    let shown = app.page_as(&format!("{here}?done=reopen"), &li_lei, "en");
    assert_html(&shown, 200);
    has(
        &shown,
        "<p class=\"notice\" role=\"status\">Your complaint was reopened: we are working on it \
         again.</p>",
    );
    has(
        &shown,
        "<dd><span data-status=\"in_progress\">In progress</span></dd>",
    );
    has(&shown, &format!("<p>{reason}</p>"));
    lacks(&shown, "value=\"reopen\"");
    assert_eq!(staff_view(&app, &id)["complaint"]["status"], "in_progress");

    // Resolved again and closed: the result, and the rating form.
    staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/transitions"),
        json!({"action": "resolve"}),
    );
    let result = "Four jars replaced free of charge";
    let closed = staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/close"),
        json!({"cause": "Seal machine misaligned on line 3", "result": result,
               "prevention": "Seal torque checked every shift"}),
    );
    assert_eq!(closed["complaint"]["status"], "closed", "{closed}");
    let shown = app.page_as(&here, &li_lei, "en");
    assert_html(&shown, 200);
    has(&shown, "<span data-status=\"closed\">Closed</span>");
    has(&shown, "<dt>Result</dt>");
    has(
        &shown,
        &format!("<dd class=\"quote\" data-field=\"result\">{result}</dd>"),
    );
    lacks(&shown, "Seal machine misaligned");
    lacks(&shown, "Seal torque");
    has(&shown, "<h2 id=\"rate\">Rate how we handled it</h2>");
    has(&shown, "<legend>How happy are you?</legend>");
    for (score, words) in [
        (1, "1 – very unhappy"),
        (3, "3 – neither happy nor unhappy"),
        (4, "4 – happy"),
        (5, "5 – very happy"),
    ] {
        has(
            &shown,
            &format!(
                "<label class=\"choice\"><input type=\"radio\" name=\"score\" value=\"{score}\" \
                 required> {words}</label>"
            ),
        );
    }
    has(
        &shown,
        "<label for=\"rate-text\">Comment (optional)</label>",
    );
    lacks(&shown, "value=\"reopen\"");
    let zh = app.page_as(&here, &li_lei, "zh-CN");
    has(&zh, "<span data-status=\"closed\">已关闭</span>");
    has(&zh, "<dt>处理结果</dt>");
    has(&zh, "4 – 满意");

    // Rated once, 1–5.
    let off_scale = act(action(&csrf, "rate", &[("score", "9"), ("text", "")]));
    assert_html(&off_scale, 422);
    has(
        &off_scale,
        "<p class=\"error\" id=\"score-error\">Choose a score from 1 to 5.</p>",
    );
    let comment = "Quick and friendly, thank you.";
    let rated = act(action(&csrf, "rate", &[("score", "4"), ("text", comment)]));
    assert_eq!(rated.status, 303, "{}", rated.body);
    assert_eq!(
        rated.location.as_deref(),
        Some(format!("{here}?done=rating").as_str())
    );
    let shown = app.page_as(&format!("{here}?done=rating"), &li_lei, "en");
    assert_html(&shown, 200);
    has(
        &shown,
        "<p class=\"notice\" role=\"status\">Thank you for your rating.</p>",
    );
    has(&shown, "<h2>Your rating</h2>");
    has(&shown, "<p data-score=\"4\"><strong>4 – happy</strong>");
    has(&shown, &format!("<p class=\"quote\">{comment}</p>"));
    has(&shown, "<li data-kind=\"rating\">");
    lacks(&shown, "name=\"score\"");
    lacks(&shown, "<h2 id=\"rate\">");
    // Staff read the rating with its comment on the complaint.
    let rating = &staff_view(&app, &id)["rating"];
    assert_eq!(rating["score"], 4, "{rating}");
    assert_eq!(rating["comment"], comment, "{rating}");
    let twice = act(action(&csrf, "rate", &[("score", "5"), ("text", "")]));
    assert_html(&twice, 409);
    has(
        &twice,
        "<p class=\"alert\" role=\"alert\">This could not be done: ",
    );
    lacks(&shown, "stf_");

    // Another customer sees neither the complaint nor the order, and cannot file on it.
    let han = sign_up(&app, "Han Meimei", "han@example.com");
    let other = app.page_as(&here, &han, "en");
    assert_html(&other, 404);
    has(&other, "<h1>Complaint not found</h1>");
    lacks(&other, DESCRIPTION);
    let han_csrf = hidden(&app.page_as("/complaints", &han, "en").body, "csrf_token");
    let other_act = app.send_form(
        &format!("{here}/actions"),
        &action(&han_csrf, "reply", &[("text", "Hello")]),
        &[("cookie", &han)],
    );
    assert_html(&other_act, 404);
    let other_form = app.page_as(&new_path, &han, "en");
    assert_html(&other_form, 404);
    has(&other_form, "<h1>Order not found</h1>");
    let other_filing = app.send_form(
        "/complaints",
        &form(&[
            ("csrf_token", &han_csrf),
            ("order", &order),
            ("line", "1"),
            ("idempotency_key", "a-key-of-han-0001"),
            ("category", "quality"),
            ("description", "Not my order, but still."),
            ("lang", "en"),
        ]),
        &[("cookie", &han)],
    );
    assert_html(&other_filing, 409);
    has(
        &other_filing,
        &format!(
            "<p class=\"alert\" role=\"alert\">There is no such order in your account: \
             {order}</p>"
        ),
    );
    lacks(&other_filing, "保湿霜 50ml");
    let hers = app.page_as("/complaints", &han, "en");
    assert_html(&hers, 200);
    has(&hers, "You have no complaints.");
    lacks(&hers, &id);
    let listed = ok(
        app.get_as(
            &format!("/api/v1/complaints?customer_id={customer}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

/// A small picture of each kind the portal takes, and more bytes after its signature.
fn picture(signature: &[u8], len: usize, fill: u8) -> Vec<u8> {
    let mut bytes = signature.to_vec();
    bytes.resize(len, fill);
    bytes
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0];
/// 2 MiB, the most a photo may have.
const MAX_PHOTO: usize = 2 * 1024 * 1024;

#[test]
fn photos_come_with_a_complaint_and_a_reply_and_only_their_customer_sees_them() {
    let app = TestApp::start_app_at(NOW);
    app.create_staff("Li Na", "agent");
    let product = ok(
        app.post_json(
            "/api/v1/products",
            Some(ADMIN_TOKEN),
            &json!({"sku": "HM-MASK-5", "name": "Sheet mask ×5", "unit_price": 4_900}),
        ),
        201,
    );
    let product = text(&product["id"]);
    let li_lei = sign_up(&app, "Li Lei", "li.lei@example.com");
    let customer = customer_id_of(&app, &li_lei);
    let order = ok(
        app.post_json(
            "/api/v1/orders",
            Some(ADMIN_TOKEN),
            &json!({"customer_id": customer, "lines": [{"product_id": product, "quantity": 1,
                    "batch_number": "M-2611"}]}),
        ),
        201,
    );
    let order = text(&order["id"]);
    let page = app.page_as(
        &format!("/complaints/new?order={order}&line=1"),
        &li_lei,
        "en",
    );
    assert_html(&page, 200);
    has(
        &page,
        "<form class=\"stack\" method=\"post\" action=\"/complaints\" \
         enctype=\"multipart/form-data\">",
    );
    has(
        &page,
        "<input id=\"photos\" name=\"photos\" type=\"file\" multiple \
         accept=\"image/jpeg,image/png,image/webp\" aria-describedby=\"photos-hint\">",
    );
    let fields = |description: &'static str| {
        vec![
            ("csrf_token", hidden(&page.body, "csrf_token")),
            ("order", hidden(&page.body, "order")),
            ("line", hidden(&page.body, "line")),
            ("idempotency_key", hidden(&page.body, "idempotency_key")),
            ("category", "packaging".to_owned()),
            ("description", description.to_owned()),
            ("lang", "en".to_owned()),
        ]
    };
    let send = |fields: &[(&'static str, String)], files: &[(&str, &str, &str, &[u8])]| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        app.send_multipart("/complaints", &fields, files, &[("cookie", &li_lei)])
    };
    let filed_count = || {
        let listed = ok(
            app.get_as(
                &format!("/api/v1/complaints?customer_id={customer}"),
                ADMIN_TOKEN,
            ),
            200,
        );
        listed["items"].as_array().map_or(0, Vec::len)
    };
    let torn = picture(PNG, 5_000, 7);
    let leak = picture(JPEG, 9_000, 9);

    // A photo over 2 MiB: 413, the form again with what was typed and which photo is at fault.
    let big = picture(JPEG, MAX_PHOTO + 1, 1);
    let too_big = send(
        &fields(DESCRIPTION),
        &[
            ("photos", "torn.png", "image/png", &torn),
            ("photos", "big.jpg", "image/jpeg", &big),
        ],
    );
    assert_html(&too_big, 413);
    has(
        &too_big,
        "<p class=\"error\" id=\"photos-error\">Photo 2 is larger than 2 MB: choose a smaller \
         picture.</p>",
    );
    has(&too_big, DESCRIPTION);
    // Not a picture, whatever its name and type say; five at once.
    let script = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let not_a_picture = send(
        &fields(DESCRIPTION),
        &[("photos", "cute.png", "image/png", script)],
    );
    assert_html(&not_a_picture, 422);
    has(
        &not_a_picture,
        "<p class=\"error\" id=\"photos-error\">Photo 1 is not a JPEG, PNG or WebP picture.</p>",
    );
    let five: Vec<(&str, &str, &str, &[u8])> =
        vec![("photos", "torn.png", "image/png", torn.as_slice()); 5];
    let too_many = send(&fields(DESCRIPTION), &five);
    assert_html(&too_many, 422);
    has(
        &too_many,
        "Send at most 4 photos at a time: choose them again.",
    );
    let zh_fields: Vec<(&str, String)> = fields(DESCRIPTION)
        .into_iter()
        .map(|(n, v)| {
            if n == "lang" {
                (n, "zh-CN".to_owned())
            } else {
                (n, v)
            }
        })
        .collect();
    let zh = send(&zh_fields, &[("photos", "big.jpg", "image/jpeg", &big)]);
    assert_html(&zh, 413);
    has(&zh, "第 1 张照片超过 2 MB，请选择较小的图片。");
    assert_eq!(filed_count(), 0, "nothing filed by a refused form");

    // Filed with two photos (and an empty file input part, as a browser sends one): the same
    // form sent again lands on the same complaint.
    let files: [(&str, &str, &str, &[u8]); 3] = [
        ("photos", "torn.png", "image/png", &torn),
        ("photos", "leak.jpg", "application/octet-stream", &leak),
        ("photos", "", "application/octet-stream", b""),
    ];
    let filed = send(&fields(DESCRIPTION), &files);
    assert_eq!(filed.status, 303, "{}", filed.body);
    let location = filed.location.clone().expect("a location");
    let again = send(&fields(DESCRIPTION), &files);
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    assert_eq!(filed_count(), 1);
    let id = location
        .strip_prefix("/complaints/")
        .and_then(|rest| rest.strip_suffix("?filed=1"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();

    // Staff see the photos listed in the complaint, kinds told from their bytes, and read them.
    let seen = staff_view(&app, &id);
    let photos = seen["photos"].as_array().cloned().unwrap_or_default();
    assert_eq!(photos.len(), 2, "{seen}");
    assert_eq!(photos[0]["content_type"], "image/png");
    assert_eq!(photos[0]["size"], 5_000);
    assert_eq!(photos[1]["content_type"], "image/jpeg");
    let first = text(&photos[0]["id"]);
    let second = text(&photos[1]["id"]);
    assert!(first.starts_with("pho_"), "{first}");
    let staff_photo = app.get_as(
        &format!("/api/v1/complaints/{id}/photos/{second}"),
        ADMIN_TOKEN,
    );
    assert_eq!(staff_photo.status, 200);
    assert_eq!(staff_photo.content_type, "image/jpeg");
    assert_eq!(staff_photo.bytes, leak);
    assert_eq!(
        app.get(&format!("/api/v1/complaints/{id}/photos/{second}"))
            .status,
        401
    );
    let audit = ok(
        app.get_as(
            &format!("/api/v1/audit?entity=complaint&entity_id={id}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    let added = audit["items"].as_array().map_or(0, |items| {
        items
            .iter()
            .filter(|item| item["action"] == "complaint.photo_added")
            .count()
    });
    assert_eq!(added, 2, "{audit}");

    // The customer's page shows them; each is served as the picture itself, private.
    let here = format!("/complaints/{id}");
    let shown = app.page_as(&here, &li_lei, "en");
    assert_html(&shown, 200);
    has(&shown, "<h2>Photos</h2>");
    has(
        &shown,
        &format!(
            "<a href=\"{here}/photos/{first}\"><img src=\"{here}/photos/{first}\" \
             loading=\"lazy\" width=\"160\" height=\"120\" alt=\"Photo 1 you sent\"></a>"
        ),
    );
    let csp = shown.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("img-src 'self'"), "{csp}");
    let served = app.page_as(&format!("{here}/photos/{first}"), &li_lei, "en");
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type, "image/png");
    assert_eq!(served.bytes, torn);
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(served.header("cache-control"), Some("private, no-store"));
    assert_eq!(
        served.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );

    // Nobody else: a visitor signs in first; another customer, with a complaint of their own,
    // gets 404 for this complaint's photo and for it under their own complaint.
    let visitor = app.fetch(&format!("{here}/photos/{first}"), &[]);
    assert_eq!(visitor.status, 303);
    let han_mei = sign_up(&app, "Han Mei", "han.mei@example.com");
    let hers = ok(
        app.post_json(
            "/api/v1/complaints",
            Some(ADMIN_TOKEN),
            &json!({"customer_id": customer_id_of(&app, &han_mei), "category": "delivery",
                    "description": "Late", "channel": "phone"}),
        ),
        201,
    );
    let hers = text(&hers["complaint"]["id"]);
    for path in [
        format!("{here}/photos/{first}"),
        format!("/complaints/{hers}/photos/{first}"),
        format!("{here}/photos/pho_unknown"),
    ] {
        let refused = app.page_as(&path, &han_mei, "en");
        assert_html(&refused, 404);
        assert!(refused.bytes != torn);
    }
    // Nor staff, through another complaint.
    let crossed = app.get_as(
        &format!("/api/v1/complaints/{hers}/photos/{first}"),
        ADMIN_TOKEN,
    );
    assert_eq!(crossed.status, 404, "{}", crossed.body);

    // When the company waits on the customer, the reply form takes photos too.
    staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/transitions"),
        json!({"action": "acknowledge"}),
    );
    staff_post(
        &app,
        &format!("/api/v1/complaints/{id}/transitions"),
        json!({"action": "wait_on_customer"}),
    );
    let waiting = app.page_as(&here, &li_lei, "en");
    has(&waiting, "enctype=\"multipart/form-data\"");
    has(
        &waiting,
        "<input id=\"reply-photos\" name=\"photos\" type=\"file\"",
    );
    let csrf = hidden(&waiting.body, "csrf_token");
    let reply_fields = [
        ("csrf_token", csrf.as_str()),
        ("action", "reply"),
        ("lang", "en"),
        ("text", "Here is the box, from the other side."),
    ];
    let box_photo = picture(b"RIFF\x10\0\0\0WEBPVP8 ", 3_000, 3);
    let replied = app.send_multipart(
        &format!("{here}/actions"),
        &reply_fields,
        &[("photos", "box.webp", "image/webp", &box_photo)],
        &[("cookie", &li_lei)],
    );
    assert_eq!(replied.status, 303, "{}", replied.body);
    let seen = staff_view(&app, &id);
    let photos = seen["photos"].as_array().cloned().unwrap_or_default();
    assert_eq!(photos.len(), 3, "{seen}");
    assert_eq!(photos[2]["content_type"], "image/webp");
    // A rating or a receipt takes no photos (records refuses them whatever the form).
    let page = app.page_as(&here, &li_lei, "en");
    has(&page, "alt=\"Photo 3 you sent\"");
}
