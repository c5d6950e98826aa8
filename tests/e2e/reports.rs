//! The reports API over HTTP, against a small data set whose every figure is computed by hand
//! in the comments: period boundaries in the deployment's time zone (Asia/Shanghai, UTC+8),
//! ties, one-order customers, paging, CSV, and who may read what.

use crm_tests::{StaffLogin, TestApp, ADMIN_TOKEN};
use serde_json::{json, Value};

/// 2026-07-01 12:00 in Shanghai: after the period below, so figures are taken at its end.
const NOW: i64 = 1_782_878_400;

/// 2026-01-01 to 2026-06-30 in Shanghai: [2025-12-31T16:00:00Z, 2026-06-30T16:00:00Z).
const PERIOD: &str = "from=2026-01-01&to=2026-06-30";

struct Shop {
    app: TestApp,
    rep: StaffLogin,
    /// Customer ids by letter.
    a: String,
    b: String,
    c: String,
    d: String,
    e: String,
    p2: String,
}

/// Five customers; P1 costs 100.00, P2 50.00 (minor units 10 000 and 5 000).
///
/// | customer | orders (UTC)                                   | in the period        |
/// |----------|------------------------------------------------|----------------------|
/// | A (rep)  | 01-10 3×P1, 03-10 2×P1, 05-10 1×P1 (02:00)     | 3 orders, 60 000     |
/// | B        | 2025-03-01 1×P2; 02-01 5×P1; 06-20 1×P2        | 2 orders, 55 000     |
/// | C (rep)  | 2025-12-31T15:59:59Z 1×P2 (Dec 31 in Shanghai); 04-01 1×P1 | 1 order, 10 000 |
/// | D        | 2025-12-01T16:00Z 9×P1; 2025-12-31T16:00Z 1×P2 (Jan 1 00:00) | 1 order, 5 000 |
/// | E        | 06-30T15:59:59Z 1×P1; 06-30T16:00Z 1×P1 (Jul 1 00:00)        | 1 order, 10 000 |
///
/// A and B are in region `east`, the others in `north`.
fn shop() -> Shop {
    let app = TestApp::start_app_at(NOW);
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let rep = app.create_staff("Wang Lei", "rep");
    let product = |sku: &str, price: i64| {
        let reply = app.post_json(
            "/api/v1/products",
            Some(&gm.token),
            &json!({"sku": sku, "name": sku, "unit_price": price}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let p1 = product("P1", 10_000);
    let p2 = product("P2", 5_000);
    let customer = |name: &str, phone: &str, region: &str, owner: Option<&str>| {
        let reply = app.post_json(
            "/api/v1/customers",
            Some(&gm.token),
            &json!({"name": name, "phone": phone, "tier": "gold", "region": region,
                    "owner_id": owner}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let a = customer("Alpha Trading", "+86 21 5555 0001", "east", Some(&rep.id));
    let b = customer("Bravo Stores", "+86 21 5555 0002", "east", None);
    let c = customer(
        "Charlie Pharmacy",
        "+86 21 5555 0003",
        "north",
        Some(&rep.id),
    );
    let d = customer("Delta Cosmetics", "+86 21 5555 0004", "north", None);
    let e = customer("Echo Supermarket", "+86 21 5555 0005", "north", None);
    let order = |customer: &str, at: &str, product: &str, quantity: u32| {
        let reply = app.post_json(
            "/api/v1/orders",
            Some(&gm.token),
            &json!({"customer_id": customer, "placed_at": at,
                    "lines": [{"product_id": product, "quantity": quantity}]}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    };
    order(&a, "2026-01-10T02:00:00Z", &p1, 3);
    order(&a, "2026-03-10T02:00:00Z", &p1, 2);
    order(&a, "2026-05-10T02:00:00Z", &p1, 1);
    order(&b, "2025-03-01T02:00:00Z", &p2, 1);
    order(&b, "2026-02-01T02:00:00Z", &p1, 5);
    order(&b, "2026-06-20T02:00:00Z", &p2, 1);
    order(&c, "2025-12-31T15:59:59Z", &p2, 1);
    order(&c, "2026-04-01T02:00:00Z", &p1, 1);
    order(&d, "2025-12-01T16:00:00Z", &p1, 9);
    order(&d, "2025-12-31T16:00:00Z", &p2, 1);
    order(&e, "2026-06-30T15:59:59Z", &p1, 1);
    order(&e, "2026-06-30T16:00:00Z", &p1, 1);
    Shop {
        app,
        rep,
        a,
        b,
        c,
        d,
        e,
        p2,
    }
}

fn report(app: &TestApp, token: &str, path: &str) -> Value {
    let reply = app.get_as(path, token);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

fn ids(report: &Value) -> Vec<String> {
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["customer_id"].as_str().expect("customer_id").to_owned())
        .collect()
}

fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!(
        (actual - expected).abs() < 1e-6,
        "{actual} is not {expected}"
    );
}

/// C and E tie at 10 000: the lower id ranks first.
fn tied(s: &Shop) -> [String; 2] {
    let mut tie = [s.c.clone(), s.e.clone()];
    tie.sort();
    tie
}

#[test]
fn ranking_by_contribution_with_shares_pareto_and_paging() {
    let s = shop();
    let r = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/ranking?{PERIOD}"),
    );
    assert_eq!(
        r["period"],
        json!({"first_day": "2026-01-01", "last_day": "2026-06-30",
               "starts_at": "2025-12-31T16:00:00Z", "ends_at": "2026-06-30T16:00:00Z"})
    );
    // 60 000 + 55 000 + 10 000 + 10 000 + 5 000; A and B make 115 000 ≥ 80 % of 140 000.
    assert_eq!(r["total_sales"], 140_000);
    assert_eq!(r["customer_count"], 5);
    assert_eq!(r["pareto_customers"], 2);
    let [first_tie, second_tie] = tied(&s);
    assert_eq!(
        ids(&r),
        [&s.a, &s.b, &first_tie, &second_tie, &s.d].map(String::clone)
    );
    let items = r["items"].as_array().expect("items");
    let contributions: Vec<i64> = items
        .iter()
        .map(|i| i["contribution"].as_i64().unwrap())
        .collect();
    assert_eq!(contributions, [60_000, 55_000, 10_000, 10_000, 5_000]);
    let orders: Vec<i64> = items
        .iter()
        .map(|i| i["order_count"].as_i64().unwrap())
        .collect();
    assert_eq!(orders, [3, 2, 1, 1, 1]);
    close(&items[0]["share"], 60_000.0 / 140_000.0);
    close(&items[1]["cumulative_share"], 115_000.0 / 140_000.0);
    close(&items[4]["cumulative_share"], 1.0);
    assert_eq!(items[0]["rank"], 1);
    assert_eq!(items[0]["name"], "Alpha Trading");
    assert_eq!(items[0]["owner_id"], s.rep.id.as_str());

    // Pages of two: ranks continue, the totals stay the whole table's.
    let path = format!("/api/v1/reports/customers/ranking?{PERIOD}&limit=2");
    let page1 = report(&s.app, ADMIN_TOKEN, &path);
    assert_eq!(ids(&page1), [s.a.clone(), s.b.clone()]);
    let cursor = page1["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let page2 = report(&s.app, ADMIN_TOKEN, &format!("{path}&cursor={cursor}"));
    assert_eq!(page2["items"][0]["rank"], 3);
    assert_eq!(page2["total_sales"], 140_000);
    let cursor = page2["next_cursor"]
        .as_str()
        .expect("a last page")
        .to_owned();
    let page3 = report(&s.app, ADMIN_TOKEN, &format!("{path}&cursor={cursor}"));
    assert_eq!(ids(&page3), [s.d.clone()]);
    assert!(page3["next_cursor"].is_null());

    // Filters: a region; a product (only its lines count: B's and D's P2 lines).
    let east = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/ranking?{PERIOD}&region=east"),
    );
    assert_eq!(east["total_sales"], 115_000);
    assert_eq!(ids(&east), [s.a.clone(), s.b.clone()]);
    let p2 = report(
        &s.app,
        ADMIN_TOKEN,
        &format!(
            "/api/v1/reports/customers/ranking?{PERIOD}&product_id={}",
            s.p2
        ),
    );
    assert_eq!(p2["total_sales"], 10_000);
    let mut both = [s.b.clone(), s.d.clone()];
    both.sort();
    assert_eq!(ids(&p2), both);

    // An empty period: no rows, zero totals.
    let empty = report(
        &s.app,
        ADMIN_TOKEN,
        "/api/v1/reports/customers/ranking?from=2020-01-01&to=2020-12-31",
    );
    assert_eq!(empty["total_sales"], 0);
    assert_eq!(empty["customer_count"], 0);
    assert_eq!(empty["pareto_customers"], 0);
    assert_eq!(empty["items"], json!([]));
}

#[test]
fn rfm_scores_by_quintile_with_ties_and_segments() {
    let s = shop();
    let r = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/rfm?{PERIOD}"),
    );
    assert_eq!(r["customer_count"], 5);
    // Recency ranks (oldest first): D, C, A, B, E → R 1..5. Frequency: C, D, E tie with one
    // order (rank 1 → F 1), B rank 4 → 1 + ⌊5·3/5⌋ = 4, A rank 5 → 5. Monetary: D 1, C and E
    // tie at rank 2 → 2, B 4, A 5.
    let by_id = |id: &str| -> Value {
        r["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["customer_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} is not scored"))
    };
    let scores = |id: &str| {
        let i = by_id(id);
        (
            i["r"].as_i64().unwrap(),
            i["f"].as_i64().unwrap(),
            i["m"].as_i64().unwrap(),
            i["segment"].as_str().unwrap().to_owned(),
        )
    };
    // A: FM = 5, R 3 → loyal. B: R 4, FM 4 → champions. C: R 2, FM 1 → hibernating.
    // D: R 1, FM 1 → lost. E: R 5, F 1 → new.
    assert_eq!(scores(&s.a), (3, 5, 5, "loyal".into()));
    assert_eq!(scores(&s.b), (4, 4, 4, "champions".into()));
    assert_eq!(scores(&s.c), (2, 1, 2, "hibernating".into()));
    assert_eq!(scores(&s.d), (1, 1, 1, "lost".into()));
    assert_eq!(scores(&s.e), (5, 1, 2, "new".into()));
    // Whole days from the last order to the period's end (2026-06-30T16:00:00Z).
    assert_eq!(by_id(&s.a)["recency_days"], 51);
    assert_eq!(by_id(&s.b)["recency_days"], 10);
    assert_eq!(by_id(&s.c)["recency_days"], 90);
    assert_eq!(by_id(&s.d)["recency_days"], 181);
    assert_eq!(by_id(&s.e)["recency_days"], 0);
    assert_eq!(by_id(&s.d)["last_order_at"], "2025-12-31T16:00:00Z");
    // Rows by monetary value, ties by id.
    let [first_tie, second_tie] = tied(&s);
    assert_eq!(
        ids(&r),
        [&s.a, &s.b, &first_tie, &second_tie, &s.d].map(String::clone)
    );
    // Every segment is listed, in the rule's order, with its size.
    let segments: Vec<(String, i64, i64)> = r["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|g| {
            (
                g["segment"].as_str().unwrap().to_owned(),
                g["customers"].as_i64().unwrap(),
                g["monetary"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        segments,
        [
            ("champions", 1, 55_000),
            ("loyal", 1, 60_000),
            ("new", 1, 10_000),
            ("potential", 0, 0),
            ("at_risk", 0, 0),
            ("hibernating", 1, 10_000),
            ("lost", 1, 5_000),
        ]
        .map(|(s, n, m)| (s.to_owned(), n, m))
    );
    // One segment's customers.
    let lost = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/rfm?{PERIOD}&segment=lost"),
    );
    assert_eq!(ids(&lost), [s.d.clone()]);
    assert_eq!(lost["customer_count"], 5);
}

#[test]
fn churn_risk_and_one_customers_figures() {
    let s = shop();
    // Every order before the period's end counts. A: gaps 59 and 61 days → cycle 60, 51.6 days
    // since. B: gaps 337 and 139 → 238. C: one gap of 90.4 days, 90.6 since (ratio ≈ 1.0).
    // D: one gap of 30 days, 181 since → 6.03 cycles: at risk, with 47 500 × 365 / 30 a year
    // at stake. E: one order before the end, no cycle.
    let r = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/churn?{PERIOD}"),
    );
    assert_eq!(r["customer_count"], 1, "{r}");
    assert_eq!(r["value_at_stake"], 577_917);
    let d = &r["items"][0];
    assert_eq!(d["customer_id"], s.d.as_str());
    assert_eq!(d["order_count"], 2);
    close(&d["purchase_cycle_days"], 30.0);
    close(&d["days_since_last_order"], 181.0);
    close(&d["overdue_ratio"], 181.0 / 30.0);

    let a = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/{}?{PERIOD}", s.a),
    );
    assert_eq!(a["first_order_at"], "2026-01-10T02:00:00Z");
    assert_eq!(a["last_order_at"], "2026-05-10T02:00:00Z");
    assert_eq!(a["lifetime_orders"], 3);
    assert_eq!(a["lifetime_value"], 60_000);
    assert_eq!(a["period_orders"], 3);
    assert_eq!(a["period_value"], 60_000);
    close(&a["share"], 60_000.0 / 140_000.0);
    close(&a["purchase_cycle_days"], 60.0);
    // Tenure: 2026-01-10T02:00Z to 2026-06-30T16:00Z = 171 days 14 hours.
    let tenure = 171.0 + 14.0 / 24.0;
    close(&a["orders_per_month"], 3.0 * 30.0 / tenure);
    close(&a["overdue_ratio"], (51.0 + 14.0 / 24.0) / 60.0);
    assert_eq!(a["churn_risk"], false);
    // Nothing in the 365 days before the last 365: no growth figure.
    assert!(a["value_per_order_growth_percent"].is_null());

    // B: the last 365 days hold 55 000 in 2 orders (27 500 each), the 365 before 5 000 in 1.
    let b = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/{}?{PERIOD}", s.b),
    );
    close(&b["value_per_order_growth_percent"], 450.0);
    assert_eq!(b["lifetime_orders"], 3);
    assert_eq!(b["period_orders"], 2);
    close(&b["purchase_cycle_days"], (337.0 + 139.0) / 2.0);

    // E's order at midnight of July 1 in Shanghai is after the period.
    let e = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/{}?{PERIOD}", s.e),
    );
    assert_eq!(e["lifetime_orders"], 1);
    assert!(e["purchase_cycle_days"].is_null());
    assert_eq!(e["churn_risk"], false);

    let missing = s.app.get_as(
        &format!("/api/v1/reports/customers/cus_nobody?{PERIOD}"),
        ADMIN_TOKEN,
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
}

#[test]
fn a_rep_sees_only_their_own_customers_and_others_nothing() {
    let s = shop();
    // The rep owns A and C: their ranking is theirs alone, shares of 70 000.
    let mine = report(
        &s.app,
        &s.rep.token,
        &format!("/api/v1/reports/customers/ranking?{PERIOD}"),
    );
    assert_eq!(ids(&mine), [s.a.clone(), s.c.clone()]);
    assert_eq!(mine["total_sales"], 70_000);
    close(&mine["items"][0]["share"], 60_000.0 / 70_000.0);
    let rfm = report(
        &s.app,
        &s.rep.token,
        &format!("/api/v1/reports/customers/rfm?{PERIOD}"),
    );
    assert_eq!(rfm["customer_count"], 2);

    let someone_elses = s.app.get_as(
        &format!("/api/v1/reports/customers/ranking?{PERIOD}&owner_id=stf_other"),
        &s.rep.token,
    );
    assert_eq!(someone_elses.status, 403, "{}", someone_elses.body);
    let not_mine = s.app.get_as(
        &format!("/api/v1/reports/customers/{}?{PERIOD}", s.b),
        &s.rep.token,
    );
    assert_eq!(not_mine.status, 403, "{}", not_mine.body);
    let own = s.app.get_as(
        &format!("/api/v1/reports/customers/{}?{PERIOD}", s.c),
        &s.rep.token,
    );
    assert_eq!(own.status, 200, "{}", own.body);

    let agent = s.app.create_staff("Li Na", "agent");
    let refused = s
        .app
        .get_as("/api/v1/reports/customers/ranking", &agent.token);
    assert_eq!(refused.status, 403, "{}", refused.body);
    let anonymous = s.app.get("/api/v1/reports/customers/ranking?from=bad");
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
}

#[test]
fn bad_parameters_name_the_field_and_csv_holds_the_whole_table() {
    let s = shop();
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("from=2026-07-01&to=2026-06-30", "from"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("tier=diamond", "tier"),
        ("cursor=x", "cursor"),
        ("colour=red", "colour"),
    ] {
        let reply = s.app.get_as(
            &format!("/api/v1/reports/customers/ranking?{query}"),
            ADMIN_TOKEN,
        );
        assert!(
            matches!(reply.status, 400 | 422),
            "{query}: {} {}",
            reply.status,
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{query}"
        );
        assert!(reply.body.contains(field), "{query}: {}", reply.body);
    }
    let bad_segment = s
        .app
        .get_as("/api/v1/reports/customers/rfm?segment=vip", ADMIN_TOKEN);
    assert_eq!(bad_segment.status, 422, "{}", bad_segment.body);

    // CSV: every row whatever the limit, a BOM when asked, and a header row.
    let csv = s.app.get_as(
        &format!("/api/v1/reports/customers/ranking?{PERIOD}&format=csv&bom=true&limit=1"),
        ADMIN_TOKEN,
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"customer-ranking-2026-01-01-2026-06-30.csv\"")
    );
    let text = csv
        .body
        .strip_prefix('\u{feff}')
        .expect("a byte order mark");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(
        lines[0].starts_with("rank,customer_id,name,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("1,{},Alpha Trading,", s.a)),
        "{}",
        lines[1]
    );
}
