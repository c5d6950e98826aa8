//! Where an order stands, over HTTP: staff orders start `confirmed` (`delivered` when entered
//! with their ship date), staff move them on one step at a time or cancel them before they
//! ship, an illegal move is a conflict naming the status, a rep moves only the orders of the
//! customers they own, and a cancelled order counts in no report (the hourly sales totals and
//! the reports that read orders alike) while it stays readable and on the customer's timeline.

use crm_tests::{Reply, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

/// 2026-07-01 12:00 in Shanghai (04:00 UTC): after the period below, so "today" is 2026-07-01.
const NOW: i64 = 1_782_878_400;

/// 2026-01-01 to 2026-06-30 in Shanghai.
const PERIOD: &str = "from=2026-01-01&to=2026-06-30";

fn ok(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

fn refused(reply: Reply, status: u16, field: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.json()["field"], field, "{}", reply.body);
}

/// A 409 whose detail contains every one of `words`.
fn conflict(reply: Reply, words: &[&str]) {
    assert_eq!(reply.status, 409, "{}", reply.body);
    let detail = reply.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for word in words {
        assert!(detail.contains(word), "{word:?} not in {detail:?}");
    }
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// `(month or key, orders, value)` of a sales report's rows.
fn sales_rows(report: &Value, column: &str) -> Vec<(String, i64, i64)> {
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i[column].as_str().expect(column).to_owned(),
                i["orders"].as_i64().expect("orders"),
                i["value"].as_i64().expect("value"),
            )
        })
        .collect()
}

/// `(customer, orders, contribution)` of a ranking's rows.
fn ranked(report: &Value) -> Vec<(String, i64, i64)> {
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["customer_id"].as_str().expect("customer_id").to_owned(),
                i["order_count"].as_i64().expect("order_count"),
                i["contribution"].as_i64().expect("contribution"),
            )
        })
        .collect()
}

#[test]
fn staff_move_orders_and_cancelled_orders_count_in_no_report() {
    let app = TestApp::start_app_at(NOW);
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let rep = app.create_staff("Wang Lei", "rep");
    let other_rep = app.create_staff("Li Na", "rep");
    let product = id(&ok(
        app.post_json(
            "/api/v1/products",
            Some(&gm.token),
            &json!({"sku": "P1", "name": "P1", "unit_price": 10_000}),
        ),
        201,
    ));
    let customer = |name: &str, phone: &str, region: &str, owner: Option<&str>| {
        id(&ok(
            app.post_json(
                "/api/v1/customers",
                Some(&gm.token),
                &json!({"name": name, "phone": phone, "region": region, "owner_id": owner}),
            ),
            201,
        ))
    };
    // `own` is the rep's; `other` has no owner.
    let own = customer("Alpha Trading", "+86 21 5555 0001", "east", Some(&rep.id));
    let other = customer("Bravo Stores", "+86 21 5555 0002", "north", None);
    let order = |customer: &str, at: &str, quantity: u32, ship_date: Option<&str>| {
        ok(
            app.post_json(
                "/api/v1/orders",
                Some(&gm.token),
                &json!({"customer_id": customer, "placed_at": at, "ship_date": ship_date,
                        "lines": [{"product_id": product, "quantity": quantity}]}),
            ),
            201,
        )
    };
    // In the period: own 30 000 (Feb) + 20 000 (Mar); other 10 000 (Mar) + 50 000 (Apr, entered
    // with its ship date: delivered).
    let o1 = order(&own, "2026-02-10T02:00:00Z", 3, None);
    let o2 = order(&own, "2026-03-10T02:00:00Z", 2, None);
    let o3 = order(&other, "2026-03-15T02:00:00Z", 1, None);
    let o4 = order(&other, "2026-04-01T02:00:00Z", 5, Some("2026-04-03"));
    for (o, status) in [
        (&o1, "confirmed"),
        (&o2, "confirmed"),
        (&o3, "confirmed"),
        (&o4, "delivered"),
    ] {
        assert_eq!(o["status"], status, "{o}");
    }
    let (o1, o2, o3, o4) = (id(&o1), id(&o2), id(&o3), id(&o4));
    let status_path = |order: &str| format!("/api/v1/orders/{order}/status");
    let sales_path = format!("/api/v1/reports/sales?{PERIOD}");
    let by_region_path = format!("/api/v1/reports/sales?{PERIOD}&group_by=region");
    let ranking_path = format!("/api/v1/reports/customers/ranking?{PERIOD}");

    // Before: every order counts, from the hourly totals and from the orders alike.
    let sales = ok(app.get_as(&sales_path, ADMIN_TOKEN), 200);
    assert_eq!(
        (&sales["orders"], &sales["value"]),
        (&json!(4), &json!(110_000))
    );
    let months: Vec<_> = sales_rows(&sales, "month")
        .into_iter()
        .filter(|(_, orders, _)| *orders > 0)
        .collect();
    assert_eq!(
        months,
        [
            ("2026-02".to_owned(), 1, 30_000),
            ("2026-03".to_owned(), 2, 30_000),
            ("2026-04".to_owned(), 1, 50_000),
        ]
    );
    let by_region = ok(app.get_as(&by_region_path, ADMIN_TOKEN), 200);
    assert_eq!(
        (&by_region["orders"], &by_region["value"]),
        (&json!(4), &json!(110_000))
    );
    let ranking = ok(app.get_as(&ranking_path, ADMIN_TOKEN), 200);
    assert_eq!(ranking["total_sales"], 110_000);
    assert_eq!(
        ranked(&ranking),
        [(other.clone(), 2, 60_000), (own.clone(), 2, 50_000)]
    );

    // Anonymous callers learn nothing, whatever the body.
    for body in [
        json!({"status": "shipped"}),
        json!({"status": "lost"}),
        json!({"colour": "red"}),
    ] {
        let anonymous = app.post_json(&status_path(&o1), None, &body);
        assert_eq!(anonymous.status, 401, "{body}: {}", anonymous.body);
    }

    // A rep sees any order, but moves only those of the customers they own.
    ok(
        app.get_as(&format!("/api/v1/orders/{o1}"), &other_rep.token),
        200,
    );
    for (token, theirs) in [(&other_rep.token, &o1), (&rep.token, &o3)] {
        let moved = app.post_json(
            &status_path(theirs),
            Some(token),
            &json!({"status": "shipped"}),
        );
        assert_eq!(moved.status, 403, "{}", moved.body);
    }

    // Bad bodies name the field at fault; a ship date goes only with shipping.
    refused(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "cancelled", "ship_date": "2026-07-01"}),
        ),
        422,
        "ship_date",
    );
    refused(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "lost"}),
        ),
        422,
        "status",
    );
    refused(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "shipped", "ship_date": "soon"}),
        ),
        422,
        "ship_date",
    );
    refused(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "shipped", "colour": "red"}),
        ),
        422,
        "colour",
    );
    let unknown = app.post_json(
        &status_path("ord_nope"),
        Some(&gm.token),
        &json!({"status": "shipped"}),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // Moves the status does not allow are conflicts naming it, and change nothing.
    conflict(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "delivered"}),
        ),
        &[o1.as_str(), "is confirmed"],
    );
    conflict(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "placed"}),
        ),
        &[o1.as_str(), "is confirmed"],
    );
    conflict(
        app.post_json(
            &status_path(&o4),
            Some(&gm.token),
            &json!({"status": "cancelled"}),
        ),
        &[o4.as_str(), "is delivered", "final"],
    );

    // The owner ships o1 (today, as none is given), which can then no longer be cancelled, and
    // delivers it.
    let shipped = ok(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "shipped"}),
        ),
        200,
    );
    assert_eq!(
        (&shipped["status"], &shipped["ship_date"]),
        (&json!("shipped"), &json!("2026-07-01"))
    );
    conflict(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "cancelled"}),
        ),
        &[o1.as_str(), "is shipped"],
    );
    let delivered = ok(
        app.post_json(
            &status_path(&o1),
            Some(&rep.token),
            &json!({"status": "delivered"}),
        ),
        200,
    );
    assert_eq!(
        (&delivered["status"], &delivered["ship_date"]),
        (&json!("delivered"), &json!("2026-07-01"))
    );
    // o3 ships on the day given.
    let shipped = ok(
        app.post_json(
            &status_path(&o3),
            Some(&gm.token),
            &json!({"status": "shipped", "ship_date": "2026-06-01"}),
        ),
        200,
    );
    assert_eq!(shipped["ship_date"], "2026-06-01");

    // The manager cancels o2 (own, 20 000 in March); once is enough.
    let cancelled = ok(
        app.post_json(
            &status_path(&o2),
            Some(&gm.token),
            &json!({"status": "cancelled"}),
        ),
        200,
    );
    assert_eq!(
        (&cancelled["status"], &cancelled["ship_date"]),
        (&json!("cancelled"), &Value::Null)
    );
    assert_eq!(cancelled["total"], 20_000);
    conflict(
        app.post_json(
            &status_path(&o2),
            Some(&gm.token),
            &json!({"status": "cancelled"}),
        ),
        &[o2.as_str(), "is cancelled"],
    );
    let read = ok(app.get_as(&format!("/api/v1/orders/{o2}"), &rep.token), 200);
    assert_eq!(read["status"], "cancelled");
    let listed = ok(
        app.get_as(&format!("/api/v1/orders?customer_id={own}"), &rep.token),
        200,
    );
    let statuses: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["cancelled", "delivered"], "{listed}");

    // Audited with the status and ship date before and after.
    let audit = ok(
        app.get_as(
            &format!("/api/v1/audit?entity=order&entity_id={o2}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "order.status", "{audit}");
    assert_eq!(entry["actor"], gm.id.as_str());
    assert_eq!(
        (&entry["before"]["status"], &entry["after"]["status"]),
        (&json!("confirmed"), &json!("cancelled"))
    );

    // After: the cancelled order is in no figure, from the hourly totals or from the orders.
    let sales = ok(app.get_as(&sales_path, ADMIN_TOKEN), 200);
    assert_eq!(
        (&sales["orders"], &sales["value"]),
        (&json!(3), &json!(90_000))
    );
    let months: Vec<_> = sales_rows(&sales, "month")
        .into_iter()
        .filter(|(_, orders, _)| *orders > 0)
        .collect();
    assert_eq!(
        months,
        [
            ("2026-02".to_owned(), 1, 30_000),
            ("2026-03".to_owned(), 1, 10_000),
            ("2026-04".to_owned(), 1, 50_000),
        ]
    );
    let by_region = ok(app.get_as(&by_region_path, ADMIN_TOKEN), 200);
    assert_eq!(
        (&by_region["orders"], &by_region["value"]),
        (&json!(3), &json!(90_000))
    );
    let east: Vec<_> = sales_rows(&by_region, "key")
        .into_iter()
        .filter(|(key, _, _)| key == "east")
        .collect();
    assert_eq!(east, [("east".to_owned(), 1, 30_000)], "{by_region}");
    let ranking = ok(app.get_as(&ranking_path, ADMIN_TOKEN), 200);
    assert_eq!(ranking["total_sales"], 90_000);
    assert_eq!(ranking["customer_count"], 2);
    assert_eq!(
        ranked(&ranking),
        [(other.clone(), 2, 60_000), (own.clone(), 1, 30_000)]
    );
    // The rep's own figures, and one customer's.
    let mine = ok(app.get_as(&ranking_path, &rep.token), 200);
    assert_eq!(mine["total_sales"], 30_000);
    let figures = ok(
        app.get_as(
            &format!("/api/v1/reports/customers/{own}?{PERIOD}"),
            ADMIN_TOKEN,
        ),
        200,
    );
    assert_eq!(
        (
            &figures["period_orders"],
            &figures["period_value"],
            &figures["lifetime_orders"],
            &figures["lifetime_value"]
        ),
        (&json!(1), &json!(30_000), &json!(1), &json!(30_000))
    );

    // The overview's figures leave it out too; its timeline shows it, cancelled.
    let overview = ok(
        app.get_as(&format!("/api/v1/customers/{own}/overview"), &rep.token),
        200,
    );
    assert_eq!(
        (
            &overview["metrics"]["order_count"],
            &overview["metrics"]["total_value"]
        ),
        (&json!(1), &json!(30_000))
    );
    let summaries: Vec<&str> = overview["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|t| t["kind"] == "order")
        .map(|t| t["summary"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        summaries,
        [
            "staff order (cancelled), 1 line, total 200.00",
            "staff order (delivered), 1 line, total 300.00",
        ],
        "{overview}"
    );
}
