//! The customer API under `/portal/api/v1/`: its own OpenAPI 3.1 document matches the
//! portal's routes both ways; a customer signs in, fills the cart, places an order once however
//! often it is sent, files a complaint on its line and follows it, with the session cookie and
//! the CSRF header; anonymous callers learn nothing, and another customer's ids are 404 (or 409
//! when named in a body); after signing out the cookie works no more.

use crate::openapi::{assert_documented, assert_valid_openapi, operations, routed_by};
use crm_tests::{sign_up, Reply, TestApp, ADMIN_TOKEN, PORTAL_PASSWORD};
use serde_json::{json, Value};

const API: &str = "/portal/api/v1";

/// A customer of the API: their cookie and CSRF token.
struct Customer {
    cookie: String,
    csrf: String,
}

fn ok(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

/// A problem+json answer with `status`, naming `field` when given.
fn problem(reply: &Reply, status: u16, field: Option<&str>) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.content_type, "application/problem+json",
        "{}",
        reply.body
    );
    if let Some(field) = field {
        let body = reply.json();
        let named = body["field"].as_str().unwrap_or_default();
        assert!(named.contains(field), "{field} in {body}");
    }
}

fn sign_in(app: &TestApp, email: &str) -> Customer {
    let reply = app.request(
        "POST",
        &format!("{API}/session"),
        None,
        Some(json!({"email": email, "password": PORTAL_PASSWORD}).to_string()),
    );
    let session = ok(&reply, 201);
    let cookie = reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.starts_with("crm_portal="), "{cookie}");
    let csrf = session["csrf_token"]
        .as_str()
        .expect("a CSRF token")
        .to_owned();
    assert!(
        session.get("id").is_none(),
        "the session id stays in the cookie: {session}"
    );
    Customer { cookie, csrf }
}

/// A call as `who`: their cookie, their CSRF token (unless `csrf` is false), more headers.
fn call(
    app: &TestApp,
    who: &Customer,
    method: &str,
    path: &str,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut headers = vec![
        ("cookie", who.cookie.as_str()),
        ("x-csrf-token", who.csrf.as_str()),
    ];
    headers.extend_from_slice(extra);
    app.request_with(method, path, None, &headers, body.map(|b| b.to_string()))
}

#[test]
fn the_customer_api_has_its_own_document_matching_its_routes() {
    let app = TestApp::start_app();
    let reply = app.get(&format!("{API}/openapi.json"));
    let doc = ok(&reply, 200);
    assert_valid_openapi(&doc);
    assert_eq!(doc["info"]["title"], "CRM customer API");
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_none());
    let routed = routed_by("portal", "/portal/api/");
    let mut documented = operations(&doc);
    documented.insert(("get".to_owned(), format!("{API}/openapi.json")));
    assert!(routed.len() >= 15, "{routed:?}");
    assert_eq!(routed, documented);
    // The staff document does not list them.
    let staff = app.get("/api/v1/openapi.json").json();
    assert!(staff["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .all(|path| !path.starts_with("/portal/")));
}

#[test]
fn a_customer_orders_and_complains_through_the_api_and_sees_only_their_own() {
    let app = TestApp::start_app();
    let doc = app.get(&format!("{API}/openapi.json")).json();
    let product = ok(
        &app.post_json(
            "/api/v1/products",
            Some(ADMIN_TOKEN),
            &json!({"sku": "HM-TONER", "name": "Toner 200ml", "unit_price": 8_800}),
        ),
        201,
    );
    let product = product["id"].as_str().expect("id").to_owned();
    ok(
        &app.post_json(
            &format!("/api/v1/products/{product}/stock"),
            Some(ADMIN_TOKEN),
            &json!({"change": 10, "note": "delivery"}),
        ),
        200,
    );

    // Anonymous: 401 before any input is read, whatever the body; the catalogue is public.
    for (method, path, body) in [
        ("GET", format!("{API}/orders"), None),
        ("GET", format!("{API}/session"), None),
        (
            "POST",
            format!("{API}/orders"),
            Some("{\"nonsense\": 1}".to_owned()),
        ),
        (
            "PUT",
            format!("{API}/cart/lines/{product}"),
            Some("[]".to_owned()),
        ),
        (
            "POST",
            format!("{API}/complaints/cmp_x/actions"),
            Some("x".to_owned()),
        ),
    ] {
        problem(&app.request(method, &path, None, body), 401, None);
    }
    let catalogue = app.get(&format!("{API}/products?search=toner"));
    let listed = ok(&catalogue, 200);
    assert_eq!(listed["items"][0]["id"], product.as_str(), "{listed}");
    assert_documented(&doc, "get", "/portal/api/v1/products", &catalogue);

    // Signing in: a wrong password is 401; a right one sets the cookie.
    sign_up(&app, "Li Lei", "li.lei@example.com");
    sign_up(&app, "Han Mei", "han.mei@example.com");
    let wrong = app.request(
        "POST",
        &format!("{API}/session"),
        None,
        Some(json!({"email": "li.lei@example.com", "password": "nope-nope-nope"}).to_string()),
    );
    problem(&wrong, 401, None);
    let li = sign_in(&app, "li.lei@example.com");
    let han = sign_in(&app, "han.mei@example.com");
    let me = call(&app, &li, "GET", &format!("{API}/session"), None, &[]);
    assert_eq!(ok(&me, 200)["name"], "Li Lei");
    assert_documented(&doc, "get", "/portal/api/v1/session", &me);

    // The cart: without the CSRF header nothing changes; bad input names its field.
    let line = format!("{API}/cart/lines/{product}");
    let no_csrf = Customer {
        cookie: li.cookie.clone(),
        csrf: String::new(),
    };
    problem(
        &call(
            &app,
            &no_csrf,
            "PUT",
            &line,
            Some(json!({"quantity": 2})),
            &[],
        ),
        403,
        None,
    );
    problem(
        &call(
            &app,
            &li,
            "PUT",
            &line,
            Some(json!({"quantity": "two"})),
            &[],
        ),
        422,
        Some("quantity"),
    );
    problem(
        &call(
            &app,
            &li,
            "PUT",
            &format!("{API}/cart/lines/prd_unknown"),
            Some(json!({"quantity": 1})),
            &[],
        ),
        409,
        Some("product_id"),
    );
    let cart = call(&app, &li, "PUT", &line, Some(json!({"quantity": 2})), &[]);
    assert_eq!(ok(&cart, 200)["lines"][0]["quantity"], 2, "{}", cart.body);
    assert_documented(&doc, "put", "/portal/api/v1/cart/lines/{product_id}", &cart);

    // Placing the order: an Idempotency-Key is required; the same key again is the same order,
    // with another body 422. Han Mei's cart stays empty.
    let orders = format!("{API}/orders");
    let address = json!({"new_address": {"label": "Home", "street": "88 Nanjing Road",
                                         "city": "Shanghai"}});
    problem(
        &call(&app, &li, "POST", &orders, Some(address.clone()), &[]),
        400,
        Some("Idempotency-Key"),
    );
    let key = [("idempotency-key", "order-7f3a9c")];
    let placed = call(&app, &li, "POST", &orders, Some(address.clone()), &key);
    let order = ok(&placed, 201);
    assert_documented(&doc, "post", "/portal/api/v1/orders", &placed);
    assert_eq!(order["status"], "placed");
    assert_eq!(order["channel"], "web");
    assert_eq!(order["total"], 17_600);
    let order_id = order["id"].as_str().expect("id").to_owned();
    let again = call(&app, &li, "POST", &orders, Some(address.clone()), &key);
    assert_eq!(ok(&again, 201)["id"], order_id.as_str());
    let other_body = json!({"new_address": {"street": "1 Other Road"}});
    problem(
        &call(&app, &li, "POST", &orders, Some(other_body), &key),
        422,
        Some("Idempotency-Key"),
    );
    let mine = call(&app, &li, "GET", &orders, None, &[]);
    assert_eq!(ok(&mine, 200)["items"].as_array().map(Vec::len), Some(1));
    assert_documented(&doc, "get", "/portal/api/v1/orders", &mine);
    let hers = call(&app, &han, "GET", &orders, None, &[]);
    assert_eq!(ok(&hers, 200)["items"].as_array().map(Vec::len), Some(0));

    // Another customer's order: 404 to read or cancel it; 409 naming it in a complaint.
    let one = format!("{API}/orders/{order_id}");
    problem(&call(&app, &han, "GET", &one, None, &[]), 404, None);
    problem(
        &call(&app, &han, "POST", &format!("{one}/cancel"), None, &[]),
        404,
        None,
    );
    let complaint_body = json!({"order_id": order_id, "line_no": 1, "category": "quality",
                                "description": "The toner smells of vinegar."});
    problem(
        &call(
            &app,
            &han,
            "POST",
            &format!("{API}/complaints"),
            Some(complaint_body.clone()),
            &[("idempotency-key", "swap-1")],
        ),
        409,
        Some("order_id"),
    );
    let read = call(&app, &li, "GET", &one, None, &[]);
    assert_eq!(ok(&read, 200)["lines"][0]["quantity"], 2);
    assert_documented(&doc, "get", "/portal/api/v1/orders/{id}", &read);

    // A complaint on the line, once; another customer cannot read or act on it.
    let complaints = format!("{API}/complaints");
    let filed = call(
        &app,
        &li,
        "POST",
        &complaints,
        Some(complaint_body.clone()),
        &[("idempotency-key", "complaint-1")],
    );
    let complaint = ok(&filed, 201);
    assert_documented(&doc, "post", "/portal/api/v1/complaints", &filed);
    assert_eq!(complaint["status"], "new");
    assert_eq!(complaint["product_id"], product.as_str());
    let complaint_id = complaint["id"].as_str().expect("id").to_owned();
    let twice = call(
        &app,
        &li,
        "POST",
        &complaints,
        Some(complaint_body),
        &[("idempotency-key", "complaint-1")],
    );
    assert_eq!(ok(&twice, 201)["id"], complaint_id.as_str());
    let one_complaint = format!("{complaints}/{complaint_id}");
    problem(
        &call(&app, &han, "GET", &one_complaint, None, &[]),
        404,
        None,
    );
    problem(
        &call(
            &app,
            &han,
            "POST",
            &format!("{one_complaint}/actions"),
            Some(json!({"action": "reply", "text": "mine now"})),
            &[],
        ),
        404,
        None,
    );
    let shown = call(&app, &li, "GET", &one_complaint, None, &[]);
    let shown_body = ok(&shown, 200);
    assert_eq!(shown_body["timeline"][0]["kind"], "filed", "{shown_body}");
    assert_documented(&doc, "get", "/portal/api/v1/complaints/{id}", &shown);
    let listed = call(&app, &li, "GET", &complaints, None, &[]);
    assert_eq!(ok(&listed, 200)["items"].as_array().map(Vec::len), Some(1));
    assert_documented(&doc, "get", "/portal/api/v1/complaints", &listed);

    // Actions: one its status does not allow is 409; an unknown one 422 naming it; a reply
    // while the company waits on the customer works.
    let actions = format!("{one_complaint}/actions");
    problem(
        &call(
            &app,
            &li,
            "POST",
            &actions,
            Some(json!({"action": "fly"})),
            &[],
        ),
        422,
        Some("action"),
    );
    problem(
        &call(
            &app,
            &li,
            "POST",
            &actions,
            Some(json!({"action": "reply", "text": "Any news?"})),
            &[],
        ),
        409,
        None,
    );
    for step in ["acknowledge", "wait_on_customer"] {
        ok(
            &app.post_json(
                &format!("/api/v1/complaints/{complaint_id}/transitions"),
                Some(ADMIN_TOKEN),
                &json!({"action": step}),
            ),
            200,
        );
    }
    let replied = call(
        &app,
        &li,
        "POST",
        &actions,
        Some(json!({"action": "reply", "text": "It smells since the first day."})),
        &[],
    );
    assert_eq!(
        ok(&replied, 200)["status"],
        "in_progress",
        "{}",
        replied.body
    );
    assert_documented(
        &doc,
        "post",
        "/portal/api/v1/complaints/{id}/actions",
        &replied,
    );

    // The customer cancels the order while it is placed; a second time is 409.
    let cancelled = call(&app, &li, "POST", &format!("{one}/cancel"), None, &[]);
    assert_eq!(ok(&cancelled, 200)["status"], "cancelled");
    problem(
        &call(&app, &li, "POST", &format!("{one}/cancel"), None, &[]),
        409,
        None,
    );

    // Signing out ends the session: the same cookie (stolen, say) works no more.
    problem(
        &call(
            &app,
            &no_csrf,
            "DELETE",
            &format!("{API}/session"),
            None,
            &[],
        ),
        403,
        None,
    );
    let out = call(&app, &li, "DELETE", &format!("{API}/session"), None, &[]);
    assert_eq!(out.status, 204, "{}", out.body);
    problem(&call(&app, &li, "GET", &orders, None, &[]), 401, None);
    problem(
        &call(&app, &li, "GET", &format!("{API}/session"), None, &[]),
        401,
        None,
    );
}
