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
    // A table without rows still has its header, the same as with rows.
    for (path, with_rows) in [
        ("customers/ranking", PERIOD),
        ("customers/rfm", PERIOD),
        ("sales?group_by=product", PERIOD),
    ] {
        let separator = if path.contains('?') { '&' } else { '?' };
        let full = s.app.get_as(
            &format!("/api/v1/reports/{path}{separator}{with_rows}&format=csv"),
            ADMIN_TOKEN,
        );
        let empty = s.app.get_as(
            &format!("/api/v1/reports/{path}{separator}from=2001-01-01&to=2001-01-31&format=csv"),
            ADMIN_TOKEN,
        );
        assert_eq!(empty.status, 200, "{path}: {}", empty.body);
        assert_eq!(empty.body.lines().count(), 1, "{path}: {}", empty.body);
        let header = empty.body.lines().next().unwrap_or_default();
        assert!(header.contains(','), "{path}: {header}");
        assert!(full.body.lines().count() > 1, "{path}: {}", full.body);
        assert_eq!(full.body.lines().next(), Some(header), "{path}");
    }
}

#[test]
fn sales_per_month_beside_the_year_before_and_the_previous_period() {
    let s = shop();
    // In Shanghai's months: Jan A 30 000 + D 5 000 (its order at 00:00 on Jan 1); Feb B 50 000;
    // Mar A 20 000; Apr C 10 000; May A 10 000; Jun B 5 000 + E 10 000 (23:59:59 on Jun 30).
    // A year before, only B's March order (5 000). The previous period, 2025-07-04 to
    // 2025-12-31, holds D's 90 000 and C's 5 000 (23:59:59 on Dec 31).
    let r = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/sales?{PERIOD}"),
    );
    assert_eq!(r["orders"], 8);
    assert_eq!(r["value"], 140_000);
    assert_eq!(r["previous_period"]["first_day"], "2025-07-04");
    assert_eq!(r["previous_period"]["last_day"], "2025-12-31");
    assert_eq!(r["previous_orders"], 2);
    assert_eq!(r["previous_value"], 95_000);
    let months: Vec<(String, i64, i64, i64)> = r["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["month"].as_str().unwrap().to_owned(),
                i["orders"].as_i64().unwrap(),
                i["value"].as_i64().unwrap(),
                i["previous_year_value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2026-01", 2, 35_000, 0),
            ("2026-02", 1, 50_000, 0),
            ("2026-03", 1, 20_000, 5_000),
            ("2026-04", 1, 10_000, 0),
            ("2026-05", 1, 10_000, 0),
            ("2026-06", 2, 15_000, 0),
        ]
        .map(|(m, n, v, p)| (m.to_owned(), n, v, p))
    );

    // By region: January splits into east (A) and north (D).
    let regions = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/sales?{PERIOD}&group_by=region"),
    );
    let january: Vec<(String, i64)> = regions["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["month"] == "2026-01")
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_owned(),
                i["value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        january,
        [("east".to_owned(), 30_000), ("north".to_owned(), 5_000)]
    );

    // By product, June: E's P1 line (10 000) before B's P2 line (5 000), named.
    let products = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/sales?{PERIOD}&group_by=product"),
    );
    let june: Vec<(String, i64)> = products["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["month"] == "2026-06")
        .map(|i| {
            (
                i["label"].as_str().unwrap().to_owned(),
                i["value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(june, [("P1".to_owned(), 10_000), ("P2".to_owned(), 5_000)]);
    let p2_march = products["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["month"] == "2026-03" && i["key"] == s.p2.as_str())
        .expect("March has P2 a year before");
    assert_eq!(p2_march["value"], 0);
    assert_eq!(p2_march["previous_year_value"], 5_000);

    // The rep's own: A and C.
    let mine = report(
        &s.app,
        &s.rep.token,
        &format!("/api/v1/reports/sales?{PERIOD}"),
    );
    assert_eq!(mine["value"], 70_000);
}

/// Files a complaint on the first line of a new order of `quantity` × product `product` of
/// batch `batch` for customer `customer`; returns its id.
fn complaint_on_batch(
    app: &TestApp,
    customer: &str,
    product: &str,
    batch: &str,
    priority: &str,
) -> String {
    let order = app.post_json(
        "/api/v1/orders",
        Some(ADMIN_TOKEN),
        &json!({"customer_id": customer, "placed_at": "2026-06-01T02:00:00Z",
                "lines": [{"product_id": product, "quantity": 1, "batch_number": batch}]}),
    );
    assert_eq!(order.status, 201, "{}", order.body);
    let filed = app.post_json(
        "/api/v1/complaints",
        Some(ADMIN_TOKEN),
        &json!({"customer_id": customer, "order_id": order.json()["id"], "line_no": 1,
                "category": "packaging", "description": "Leaking", "priority": priority}),
    );
    assert_eq!(filed.status, 201, "{}", filed.body);
    filed.json()["complaint"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn act(app: &TestApp, id: &str, action: &str) {
    let reply = app.post_json(
        &format!("/api/v1/complaints/{id}/transitions"),
        Some(ADMIN_TOKEN),
        &json!({"action": action}),
    );
    assert_eq!(reply.status, 200, "{action}: {}", reply.body);
}

#[test]
fn sla_compliance_and_complaints_by_batch() {
    let s = shop();
    let p1 = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/sales?{PERIOD}&group_by=product"),
    )["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["label"] == "P1")
        .expect("P1 sold")["key"]
        .as_str()
        .expect("key")
        .to_owned();
    // P1 lines: 8 in the shop without a batch, then B-BAD 2 and B-OK 10 here: 20 in all.
    // K1 and K2 are about B-BAD lines, K3 about a B-OK line, all filed now (July 1, 12:00).
    let k1 = complaint_on_batch(&s.app, &s.a, &p1, "B-BAD", "high");
    let k2 = complaint_on_batch(&s.app, &s.b, &p1, "B-BAD", "medium");
    let k3 = complaint_on_batch(&s.app, &s.c, &p1, "B-OK", "urgent");
    for _ in 0..9 {
        let order = s.app.post_json(
            "/api/v1/orders",
            Some(ADMIN_TOKEN),
            &json!({"customer_id": s.d, "placed_at": "2026-06-02T02:00:00Z",
                    "lines": [{"product_id": p1, "quantity": 1, "batch_number": "B-OK"}]}),
        );
        assert_eq!(order.status, 201, "{}", order.body);
    }
    // The default policy: first response within 24 h, resolution within 5 days (wall clock).
    // K1 is answered after 1 h and resolved, K3 answered after 25 h (1 h late); K2 never, and
    // after 30 h the sweep has escalated it to levels 1 and 2 (6 h late at that point).
    s.app.advance_clock(3600);
    act(&s.app, &k1, "acknowledge");
    act(&s.app, &k1, "resolve");
    s.app.advance_clock(24 * 3600);
    act(&s.app, &k3, "acknowledge");
    s.app.advance_clock(5 * 3600);
    let sweep = s
        .app
        .post_json("/api/v1/escalation/sweep", Some(ADMIN_TOKEN), &json!({}));
    assert_eq!(sweep.status, 200, "{}", sweep.body);
    let closed = s.app.post_json(
        &format!("/api/v1/complaints/{k1}/close"),
        Some(ADMIN_TOKEN),
        &json!({"cause": "seal", "result": "replaced", "prevention": "torque check"}),
    );
    assert_eq!(closed.status, 200, "{}", closed.body);

    let july = "from=2026-07-01&to=2026-07-31";
    let sla = report(&s.app, ADMIN_TOKEN, &format!("/api/v1/reports/sla?{july}"));
    let total = &sla["total"];
    assert_eq!(total["complaints"], 3);
    assert_eq!(
        total["first_response"],
        json!({"met": 1, "breached": 2, "pending": 0, "compliance": 1.0 / 3.0,
               "median_late_seconds": 12_600, "p90_late_seconds": 21_600})
    );
    assert_eq!(total["resolution"]["met"], 1);
    assert_eq!(total["resolution"]["pending"], 2);
    assert_eq!(total["resolution"]["compliance"], 1.0);
    assert_eq!(total["escalated"], json!([1, 1]));
    assert_eq!(sla["items"].as_array().expect("items").len(), 1);
    assert_eq!(sla["items"][0]["key"], "2026-07");
    let by_priority = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/sla?{july}&group_by=priority"),
    );
    let keys: Vec<&str> = by_priority["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["urgent", "high", "medium"]);
    assert_eq!(
        by_priority["items"][0]["first_response"]["median_late_seconds"],
        3600
    );
    // No complaints in the first half of the year: every month is there, empty.
    let empty = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/sla?{PERIOD}"),
    );
    assert_eq!(empty["total"]["complaints"], 0);
    assert!(empty["total"]["first_response"]["compliance"].is_null());
    assert_eq!(empty["items"].as_array().expect("items").len(), 6);

    // By batch: P1's rate is 3 per 20 lines (150 per 1,000); B-BAD's 2 per 2 (1,000): flagged.
    let batches = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/complaints?{july}&group_by=batch"),
    );
    assert_eq!(batches["complaints"], 3);
    assert_eq!(batches["closed"], 1);
    close(&batches["median_hours_to_close"], 30.0);
    // Nobody rated the handling on the portal yet.
    assert_eq!(
        batches["csat"],
        json!({"ratings": 0, "per_score": [0, 0, 0, 0, 0], "mean": null})
    );
    let bad = &batches["items"][0];
    assert_eq!(bad["key"], "B-BAD");
    assert_eq!(bad["label"], "P1");
    assert_eq!(bad["product_id"], p1.as_str());
    assert_eq!(bad["complaints"], 2);
    assert_eq!(bad["lines_sold"], 2);
    close(&bad["complaints_per_thousand_lines"], 1000.0);
    close(&bad["product_complaints_per_thousand_lines"], 150.0);
    assert_eq!(bad["flagged"], true);
    let ok = &batches["items"][1];
    assert_eq!(ok["key"], "B-OK");
    assert_eq!(ok["lines_sold"], 10);
    close(&ok["complaints_per_thousand_lines"], 100.0);
    assert_eq!(ok["flagged"], false);
    // By cause: two without a cause yet, one "seal".
    let causes = report(
        &s.app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/complaints?{july}&group_by=cause"),
    );
    let rows: Vec<(String, i64)> = causes["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_owned(),
                i["complaints"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(String::new(), 2), ("seal".to_owned(), 1)]);
    // The rep's own customers: A's and C's complaints (K1, K3).
    let mine = report(
        &s.app,
        &s.rep.token,
        &format!("/api/v1/reports/complaints?{july}"),
    );
    assert_eq!(mine["complaints"], 2);
    let _ = k2;
    // CSV of the SLA table: a header and one row per month.
    let csv = s.app.get_as(
        &format!("/api/v1/reports/sla?{july}&format=csv"),
        ADMIN_TOKEN,
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(
        lines[0].starts_with("key,label,complaints,first_response_met,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("2026-07,2026-07,3,1,2,0,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",1;1"), "{}", lines[1]);
}

/// Signs in to the dashboard in headless Chromium (through ChromeDriver), in English and in
/// Chinese, and saves screenshots under `target/screenshots/`.
#[test]
fn the_dashboard_signs_in_with_a_cookie_and_renders_in_both_languages() {
    let s = shop();
    // Over plain HTTP first: the cookie's attributes, and who may not come in.
    let form = |token: &str| {
        s.app
            .send_form("/dashboard/sign-in", &format!("token={token}&lang=en"), &[])
    };
    let signed_in = form(ADMIN_TOKEN);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let cookie = signed_in
        .header("set-cookie")
        .expect("a session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert_eq!(
        form(&s.rep.token).status,
        403,
        "a rep may not see the managers' dashboard"
    );
    assert_eq!(form("not-a-token-at-all").status, 401);
    // Another site's page can neither sign a manager in (login CSRF) nor out.
    let admin_form = format!("token={ADMIN_TOKEN}");
    for headers in [
        [("sec-fetch-site", "cross-site")],
        [("origin", "https://evil.example")],
    ] {
        for path in ["/dashboard/sign-in", "/dashboard/sign-out"] {
            let refused = s.app.send_form(path, &admin_form, &headers);
            assert_eq!(refused.status, 403, "{path} {headers:?}");
            assert!(refused.header("set-cookie").is_none(), "{path} {headers:?}");
        }
    }
    let own_origin = format!("http://{}", s.app.address());
    let same = s.app.send_form(
        "/dashboard/sign-in",
        &admin_form,
        &[("origin", &own_origin)],
    );
    assert_eq!(same.status, 303, "{}", same.body);
    // A period that cannot be shows the default one, saying why, on the page itself.
    let session = cookie.split(';').next().expect("name=value").to_owned();
    let bad_period = s.app.request_with(
        "GET",
        "/dashboard?from=2026-02-30&lang=en",
        None,
        &[("cookie", &session)],
        None,
    );
    assert_eq!(bad_period.status, 200, "{}", bad_period.body);
    assert!(
        bad_period.body.contains("role=\"alert\""),
        "{}",
        bad_period.body
    );
    assert!(bad_period.body.contains("That period is not valid"));
    assert!(bad_period.body.contains("Alpha Trading"));
    let anonymous = s.app.get("/dashboard");
    assert_eq!(anonymous.status, 200);
    assert!(
        anonymous.body.contains("name=\"token\""),
        "{}",
        anonymous.body
    );
    assert!(!anonymous.body.contains("Alpha Trading"));

    let base = format!("http://{}", s.app.address());
    let shots = crm_tests::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("a screenshot directory");
    let browser = crate::browser::Browser::start();
    browser.run(|client| async move {
        use fantoccini::Locator;
        client.goto(&format!("{base}/dashboard?lang=en")).await?;
        client
            .find(Locator::Css("input[name=token]"))
            .await?
            .send_keys(ADMIN_TOKEN)
            .await?;
        client
            .find(Locator::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        // The form posts, then the 303 brings the dashboard: wait for its charts.
        client.wait().for_element(Locator::Css("svg")).await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, "Management dashboard");
        let page = client.source().await?;
        assert!(page.contains("Alpha Trading"), "the top customer is listed");
        assert!(page.contains("<svg"), "charts are inline SVG");
        assert!(!page.contains("<script"), "no scripts");
        std::fs::write(shots.join("dashboard-en.png"), client.screenshot().await?)
            .expect("a screenshot");
        client.goto(&format!("{base}/dashboard?lang=zh-CN")).await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, "经营看板");
        std::fs::write(
            shots.join("dashboard-zh-CN.png"),
            client.screenshot().await?,
        )
        .expect("a screenshot");
        // On a phone: one column, nothing wider than the screen.
        client.set_window_size(390, 844).await?;
        client.refresh().await?;
        crate::browser::assert_fits_width(&client, "the dashboard").await?;
        std::fs::write(
            shots.join("dashboard-phone-zh-CN.png"),
            client.screenshot().await?,
        )
        .expect("a screenshot");
        Ok(())
    });
}

#[test]
fn the_funnel_of_the_periods_leads_and_the_reps_performance() {
    let app = TestApp::start_app_at(NOW);
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let lead_manager = app.create_staff("Li Na", "service_lead");
    let rep = app.create_staff("Wang Wei", "rep");
    let idle_rep = app.create_staff("Zhao Min", "rep");
    let product = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": "HM-CREAM-50", "name": "保湿霜 50ml", "unit_price": 12_000}),
    );
    assert_eq!(product.status, 201, "{}", product.body);
    let product = product.json()["id"].as_str().expect("id").to_owned();
    let lead = |name: &str| {
        let reply = app.post_json(
            "/api/v1/leads",
            Some(&gm.token),
            &json!({"name": name, "phone": "+86 139 0000 1111", "source": "web",
                    "owner_id": rep.id}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    // Three leads arrive on July 1; two are qualified 2 days later, one of those is won 5 days
    // after arriving (200 × 120.00), the third is disqualified.
    let (l1, l2, l3) = (lead("陈丽"), lead("Chen Hao"), lead("Liu Yang"));
    app.advance_clock(2 * 86_400);
    let qualify = |id: &str| {
        let reply = app.post_json(
            &format!("/api/v1/leads/{id}/qualify"),
            Some(&rep.token),
            &json!({"title": "保湿霜", "expected_value": 2_400_000}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let won_opportunity = qualify(&l1);
    qualify(&l2);
    let disqualified = app.post_json(
        &format!("/api/v1/leads/{l3}/disqualify"),
        Some(&rep.token),
        &json!({"reason": "a competitor"}),
    );
    assert_eq!(disqualified.status, 200, "{}", disqualified.body);
    app.advance_clock(3 * 86_400);
    let won = app.post_json(
        &format!("/api/v1/opportunities/{won_opportunity}/win"),
        Some(&rep.token),
        &json!({"lines": [{"product_id": product, "quantity": 200}]}),
    );
    assert_eq!(won.status, 201, "{}", won.body);
    let customer = won.json()["opportunity"]["customer_id"]
        .as_str()
        .expect("a new customer")
        .to_owned();

    let july = "from=2026-07-01&to=2026-07-31";
    let funnel = report(&app, ADMIN_TOKEN, &format!("/api/v1/reports/funnel?{july}"));
    assert_eq!(
        [
            &funnel["leads"],
            &funnel["qualified"],
            &funnel["disqualified"],
            &funnel["opportunities"],
            &funnel["won"]
        ],
        [&json!(3), &json!(2), &json!(1), &json!(2), &json!(1)]
    );
    assert_eq!(funnel["won_value"], 2_400_000);
    close(&funnel["lead_to_opportunity"], 2.0 / 3.0);
    close(&funnel["opportunity_to_won"], 0.5);
    close(&funnel["lead_to_won"], 1.0 / 3.0);
    close(&funnel["median_days_to_opportunity"], 2.0);
    close(&funnel["median_days_to_won"], 5.0);
    let june = report(
        &app,
        ADMIN_TOKEN,
        "/api/v1/reports/funnel?from=2026-06-01&to=2026-06-30",
    );
    assert_eq!(june["leads"], 0);
    assert!(june["lead_to_won"].is_null());

    // The rep logs two visits and a call; the lead checks both visits: one confirmed, one not.
    let log = |kind: &str, at: &str| {
        let reply = app.post_json(
            "/api/v1/activities",
            Some(&rep.token),
            &json!({"customer_id": customer, "type": kind, "occurred_at": at, "notes": "stock"}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let v1 = log("visit", "2026-07-02T10:00:00+08:00");
    let v2 = log("visit", "2026-07-03T10:00:00+08:00");
    log("call", "2026-07-03T15:00:00+08:00");
    for (visit, outcome) in [(&v1, "confirmed"), (&v2, "not_confirmed")] {
        let reply = app.post_json(
            &format!("/api/v1/activities/{visit}/check"),
            Some(&lead_manager.token),
            &json!({"outcome": outcome}),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    // Two tasks fall due in July: one reported before its due time, one left open past it.
    let task = |due: &str| {
        let reply = app.post_json(
            "/api/v1/tasks",
            Some(&lead_manager.token),
            &json!({"title": "Follow up", "subject_kind": "customer", "subject_id": customer,
                    "assignee_id": rep.id, "due_at": due}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let done = task("2026-07-08T18:00:00+08:00");
    task("2026-07-20T18:00:00+08:00");
    let reported = app.post_json(
        &format!("/api/v1/tasks/{done}/report"),
        Some(&rep.token),
        &json!({"outcome": "succeeded", "report": "ordered again"}),
    );
    assert_eq!(reported.status, 200, "{}", reported.body);
    app.advance_clock(20 * 86_400);

    let reps = report(&app, ADMIN_TOKEN, &format!("/api/v1/reports/reps?{july}"));
    assert_eq!(reps["items"].as_array().expect("items").len(), 1, "{reps}");
    let row = &reps["items"][0];
    assert_eq!(row["rep_id"], rep.id.as_str());
    assert_eq!(row["name"], "Wang Wei");
    assert_eq!(
        [&row["contacts"], &row["visits"], &row["checked"]],
        [&json!(3), &json!(2), &json!(2)]
    );
    close(&row["verification_rate"], 0.5);
    assert_eq!(
        [
            &row["tasks_due"],
            &row["tasks_on_time"],
            &row["tasks_overdue"]
        ],
        [&json!(2), &json!(1), &json!(1)]
    );
    assert_eq!(row["won_deals"], 1);
    assert_eq!(row["won_value"], 2_400_000);
    // A rep sees their own row only; one with nothing in the period sees none.
    let own = report(&app, &rep.token, &format!("/api/v1/reports/reps?{july}"));
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    let idle = report(
        &app,
        &idle_rep.token,
        &format!("/api/v1/reports/reps?{july}"),
    );
    assert_eq!(idle["items"], json!([]));
    let csv = app.get_as(
        &format!("/api/v1/reports/reps?{july}&format=csv"),
        ADMIN_TOKEN,
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.body
            .starts_with("rep_id,name,contacts,visits,checked,verification_rate,"),
        "{}",
        csv.body
    );
    let _ = l2;
}

/// The company's monthly sales come from hourly totals records keeps with every order; with a
/// customer filter they come from the orders themselves. Each customer's value and rank (shown
/// on a complaint), and over the whole history the ranking, RFM and churn, come from figures
/// records keeps per customer; lines sold per batch are kept too. After a few hundred
/// pseudo-random orders, a merge and cancellations, all agree with the reports summed from the
/// orders and with the figures worked out here.
#[test]
fn kept_sales_totals_agree_with_a_full_recomputation_after_random_writes() {
    let app = TestApp::start_app_at(NOW);
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let product = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": "P1", "name": "P1", "unit_price": 1_234}),
    );
    assert_eq!(product.status, 201, "{}", product.body);
    let product = product.json()["id"].as_str().expect("id").to_owned();
    let new_customer = |name: &str, phone: &str| -> String {
        let reply = app.post_json(
            "/api/v1/customers",
            Some(&gm.token),
            &json!({"name": name, "phone": phone, "tier": "gold"}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    // An order of `quantity` of the product for `customer` at `at`; its id.
    let place = |customer: &str, at: i64, quantity: i64| -> String {
        let reply = app.post_json(
            "/api/v1/orders",
            Some(&gm.token),
            &json!({"customer_id": customer, "placed_at": crm_domain::time::rfc3339_utc(at),
                    "lines": [{"product_id": product, "quantity": quantity}]}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let cancel = |id: &str| {
        let cancelled = app.post_json(
            &format!("/api/v1/orders/{id}/status"),
            Some(&gm.token),
            &json!({"status": "cancelled"}),
        );
        assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    };
    let mut customers: Vec<String> = (0..6)
        .map(|i| {
            new_customer(
                &format!("Shop number {i}"),
                &format!("+86 21 6666 00{i:02}"),
            )
        })
        .collect();
    // SplitMix64: the same writes every run.
    let mut state: u64 = 0x5EED;
    let mut next = move |below: u64| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below
    };
    // 2025-01-01T00:00:00Z plus up to 540 days, to the second.
    const FROM: i64 = 1_735_689_600;
    // (placed at, value, customer, order id)
    let mut orders: Vec<(i64, i64, String, String)> = Vec::new();
    for i in 0..240 {
        let at = FROM + next(540 * 86_400) as i64;
        let quantity = 1 + next(20) as i64;
        let customer = customers[next(customers.len() as u64) as usize].clone();
        let id = place(&customer, at, quantity);
        orders.push((at, quantity * 1_234, customer, id));
        if i == 120 {
            let merged = app.post_json(
                &format!("/api/v1/customers/{}/merge", customers[0]),
                Some(&gm.token),
                &json!({"merge_id": customers[1]}),
            );
            assert_eq!(merged.status, 200, "{}", merged.body);
            // The merged customer takes no more orders; theirs are the survivor's now.
            let gone = customers.remove(1);
            for order in orders.iter_mut().filter(|o| o.2 == gone) {
                order.2.clone_from(&customers[0]);
            }
        }
        // Now and then an order is cancelled, and counts nowhere any more.
        if next(9) == 0 {
            let (_, _, _, id) = orders.remove(next(orders.len() as u64) as usize);
            cancel(&id);
        }
    }
    // A customer who stopped buying: orders 10 and 20 days apart (and a fourth, cancelled),
    // a purchase cycle of 15 days, long past by now.
    let lapsed = new_customer("Shop that lapsed", "+86 21 6666 0099");
    for (day, cancelled) in [(0, false), (10, false), (30, false), (31, true)] {
        let at = FROM + day * 86_400;
        let id = place(&lapsed, at, 3);
        if cancelled {
            cancel(&id);
        } else {
            orders.push((at, 3 * 1_234, lapsed.clone(), id));
        }
    }
    customers.push(lapsed.clone());
    // A customer whose orders share instants and gaps: two on day 10, one on day 13, one on day
    // 23; then a day-10 one cancelled, another on day 23 (the last one's instant), and one
    // back-dated to day 5. Counted: days 0, 5, 10, 13, 23, 23; gaps 5, 5, 3, 10, 0; a cycle of 5.
    let rhythm = new_customer("Shop with a rhythm", "+86 21 6666 0098");
    for (day, cancel_first_of_day) in [
        (0, None),
        (10, None),
        (10, None),
        (13, None),
        (23, None),
        (0, Some(10)),
        (23, None),
        (5, None),
    ] {
        if let Some(cancel_day) = cancel_first_of_day {
            let at = FROM + cancel_day * 86_400;
            let first = orders
                .iter()
                .position(|o| o.2 == rhythm && o.0 == at)
                .expect("an order of that day");
            let (_, _, _, id) = orders.remove(first);
            cancel(&id);
            continue;
        }
        let at = FROM + day * 86_400;
        let id = place(&rhythm, at, 2);
        orders.push((at, 2 * 1_234, rhythm.clone(), id));
    }
    customers.push(rhythm.clone());
    // Each customer's orders, value and rank, as a complaint shows them.
    let value_of = |customer: &str| -> (i64, i64) {
        let mine = orders.iter().filter(|o| o.2 == customer);
        (mine.clone().count() as i64, mine.map(|o| o.1).sum())
    };
    let values: Vec<(i64, i64)> = customers.iter().map(|c| value_of(c)).collect();
    let ranked = values.iter().filter(|(n, _)| *n > 0).count();
    for (customer, (count, value)) in customers.iter().zip(&values) {
        let filed = app.post_json(
            "/api/v1/complaints",
            Some(&gm.token),
            &json!({"customer_id": customer, "category": "quality", "channel": "phone",
                    "description": "Checking what the agent sees of this customer."}),
        );
        assert_eq!(filed.status, 201, "{}", filed.body);
        let seen = &filed.json()["customer"];
        let rank = 1 + values.iter().filter(|(_, v)| v > value).count();
        assert_eq!(seen["order_count"], *count, "{seen}");
        assert_eq!(seen["total_value"], *value, "{seen}");
        assert_eq!(seen["rank"], rank, "{seen}");
        assert_eq!(seen["ranked"], ranked, "{seen}");
    }
    // Shanghai is UTC+8 all year: a month starts at 16:00 UTC on the day before the 1st.
    let shanghai_month_start = |year: i64, month: u32| -> i64 {
        let day = crm_domain::time::parse_instant("at", &format!("{year:04}-{month:02}-01"))
            .expect("a day");
        day - 8 * 3600
    };
    for (query, first, last) in [
        ("from=2025-01-01&to=2025-12-31", (2025, 1), (2025, 12)),
        ("from=2025-07-01&to=2026-06-30", (2025, 7), (2026, 6)),
    ] {
        let fast = report(&app, ADMIN_TOKEN, &format!("/api/v1/reports/sales?{query}"));
        let full = report(
            &app,
            ADMIN_TOKEN,
            &format!("/api/v1/reports/sales?{query}&tier=gold"),
        );
        for field in [
            "orders",
            "value",
            "previous_orders",
            "previous_value",
            "items",
        ] {
            assert_eq!(fast[field], full[field], "{query}: {field}");
        }
        // And by hand, month by month.
        let (mut year, mut month) = first;
        let mut expected_total = 0;
        for item in fast["items"].as_array().expect("items") {
            let start = shanghai_month_start(year, month);
            (year, month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            let end = shanghai_month_start(year, month);
            let value: i64 = orders
                .iter()
                .filter(|(at, ..)| (start..end).contains(at))
                .map(|(_, v, ..)| v)
                .sum();
            assert_eq!(item["value"], value, "{query}: {}", item["month"]);
            expected_total += value;
        }
        assert_eq!(
            (year, month),
            if last.1 == 12 {
                (last.0 + 1, 1)
            } else {
                (last.0, last.1 + 1)
            }
        );
        assert_eq!(fast["value"], expected_total, "{query}");
    }

    // Over the whole history the value reports read the kept per-customer figures; for the
    // product (the only one: every line is of it) they sum the orders. Both agree.
    let all = "from=2024-12-01&to=2026-07-01&limit=500";
    for path in ["ranking", "rfm", "churn"] {
        let kept = report(
            &app,
            ADMIN_TOKEN,
            &format!("/api/v1/reports/customers/{path}?{all}"),
        );
        let summed = report(
            &app,
            ADMIN_TOKEN,
            &format!("/api/v1/reports/customers/{path}?{all}&product_id={product}"),
        );
        assert_eq!(kept, summed, "{path}");
    }
    // And with the rhythms worked out here: the last order, and the median of the days
    // between consecutive ones, at risk past 1.5 times that (a cycle counts at least a day).
    let mut at_risk: Vec<(String, f64, String)> = Vec::new();
    for customer in &customers {
        let mut times: Vec<i64> = orders
            .iter()
            .filter(|o| o.2 == *customer)
            .map(|o| o.0)
            .collect();
        times.sort_unstable();
        let mut gaps: Vec<f64> = times
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / 86_400.0)
            .collect();
        let Some(cycle) = crm_domain::report::median(&mut gaps) else {
            continue;
        };
        let last = *times.last().expect("orders");
        if (NOW - last) as f64 / 86_400.0 > 1.5 * cycle.max(1.0) {
            at_risk.push((customer.clone(), cycle, crm_domain::time::rfc3339_utc(last)));
        }
    }
    at_risk.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(at_risk
        .iter()
        .any(|(id, cycle, _)| *id == lapsed && *cycle == 15.0));
    assert!(at_risk
        .iter()
        .any(|(id, cycle, _)| *id == rhythm && *cycle == 5.0));
    let churn = report(
        &app,
        ADMIN_TOKEN,
        &format!("/api/v1/reports/customers/churn?{all}"),
    );
    let mut seen: Vec<(String, f64, String)> = churn["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["customer_id"].as_str().expect("id").to_owned(),
                i["purchase_cycle_days"].as_f64().expect("cycle"),
                i["last_order_at"].as_str().expect("last").to_owned(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(seen, at_risk);

    // Order lines sold per batch, kept with every order and cancellation, beside a complaint
    // on one line: every order that counts has one line of the product (batch "").
    let (_, _, customer, order) = &orders[0];
    let filed = app.post_json(
        "/api/v1/complaints",
        Some(&gm.token),
        &json!({"customer_id": customer, "order_id": order, "line_no": 1,
                "category": "quality", "channel": "phone",
                "description": "The product of this line is faulty."}),
    );
    assert_eq!(filed.status, 201, "{}", filed.body);
    for filter in ["", "&tier=gold"] {
        let batches = report(
            &app,
            ADMIN_TOKEN,
            &format!("/api/v1/reports/complaints?group_by=batch&{all}{filter}"),
        );
        let row = batches["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["product_id"] == product.as_str())
            .unwrap_or_else(|| panic!("no row of the product: {batches}"));
        assert_eq!(row["lines_sold"], orders.len(), "{filter}: {row}");
    }
}
