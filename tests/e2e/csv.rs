//! CSV over HTTP: customer import with its dedup report, streamed exports for Excel, and the
//! round trip from export back to import.

use crm_tests::{Reply, TestApp};
use serde_json::json;

const BOM: &str = "\u{feff}";

fn import(app: &TestApp, token: &str, csv: &str) -> serde_json::Value {
    let reply = app.post_bytes(
        "/api/v1/customers/import",
        token,
        "text/csv",
        csv.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn data_lines(reply: &Reply) -> Vec<&str> {
    reply.body.trim_start_matches(BOM).lines().skip(1).collect()
}

#[test]
fn an_import_reports_each_row_as_created_merged_or_rejected() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let file = format!(
        "{BOM}Name,Kind,Phone,Tags,Contact_Name,Contact_Email,Contact_Phone,Street,City,Tier\n\
         上海华美化妆品有限公司,company,+86 138 0013 8000,vip;华东,陈经理,,,南京西路 1266 号,上海,\n\
         上海 华美化妆品公司,,,retail,Amy Chen,amy@huamei.example,,,,\n\
         ,company,,,,,,,,\n\
         Diamond Corp,,,,,,,,,diamond\n\
         Anna Lee,person,,,,,,,,\n\
         Bad Contact Ltd,,,,Bob,,12,,,\n\
         \"Acme, Inc.\",,021 6234 5678,,\"Li \"\"Boss\"\" Wei\",,,,,gold\n"
    );
    let report = import(&app, &rep.token, &file);
    assert_eq!(
        (
            report["created"].as_u64(),
            report["merged"].as_u64(),
            report["rejected"].as_u64()
        ),
        (Some(3), Some(1), Some(3)),
        "{report}"
    );
    let rows = report["rows"].as_array().expect("rows");
    let status: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap_or(0),
                r["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            (2, "created"),
            (3, "merged"),
            (4, "rejected"),
            (5, "rejected"),
            (6, "created"),
            (7, "rejected"),
            (8, "created")
        ]
    );
    assert_eq!(
        rows[1]["customer_id"], rows[0]["customer_id"],
        "merged into the row above"
    );
    assert!(
        rows[2]["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("name:"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3]["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("tier:"),
        "{}",
        rows[3]
    );
    assert!(
        rows[5]["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("contact_phone:"),
        "{}",
        rows[5]
    );

    let huamei = rows[0]["customer_id"].as_str().expect("id");
    let customer = app
        .get_as(&format!("/api/v1/customers/{huamei}"), &rep.token)
        .json();
    assert_eq!(customer["tags"], json!(["vip", "华东", "retail"]));
    let contacts: Vec<&str> = customer["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(contacts, ["陈经理", "Amy Chen"]);
    assert_eq!(customer["addresses"][0]["city"], "上海");
    let acme = app
        .get_as(
            &format!(
                "/api/v1/customers/{}",
                rows[6]["customer_id"].as_str().expect("id")
            ),
            &rep.token,
        )
        .json();
    assert_eq!(
        (acme["name"].as_str(), acme["tier"].as_str()),
        (Some("Acme, Inc."), Some("gold"))
    );
    assert_eq!(acme["contacts"][0]["name"], "Li \"Boss\" Wei");
}

#[test]
fn exported_customers_import_back_unchanged_and_a_second_import_merges() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let mut file = String::from("name,phone,email,tags,contact_name,street,city\n");
    for i in 0..1_200 {
        file.push_str(&format!(
            "客户 {i} 有限公司,139{i:08},c{i}@example.com,t{};all,联系人 {i},路 {i} 号,杭州\n",
            i % 3
        ));
    }
    let report = import(&app, &rep.token, &file);
    assert_eq!(
        (report["created"].as_u64(), report["rejected"].as_u64()),
        (Some(1_200), Some(0))
    );

    // Three pages of 500 streamed one after the other, with a BOM for Excel.
    let export = app.get_as("/api/v1/customers/export.csv?bom=true", &rep.token);
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(
        export.content_type.starts_with("text/csv"),
        "{}",
        export.content_type
    );
    assert!(
        export
            .body
            .starts_with(&format!("{BOM}id,name,kind,phone,email,tier")),
        "{}",
        &export.body[..80]
    );
    let lines = data_lines(&export);
    assert_eq!(lines.len(), 1_200);
    assert!(lines
        .iter()
        .any(|l| l.contains("客户 7 有限公司") && l.contains("t1;all") && l.contains("联系人 7")));

    let elsewhere = TestApp::start_app();
    let other_rep = elsewhere.create_staff("Zhao Min", "rep");
    let without_owner: String = {
        // The owner ids belong to the first deployment; the rest of the file goes as it is.
        let mut reader_lines = export.body.trim_start_matches(BOM).lines();
        let header = reader_lines.next().expect("header").to_owned();
        let owner = header
            .split(',')
            .position(|c| c == "owner_id")
            .expect("owner column");
        let mut out = format!("{header}\n");
        for line in reader_lines {
            let mut cells: Vec<&str> = line.split(',').collect();
            cells[owner] = "";
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    };
    let first = import(
        &elsewhere,
        &other_rep.token,
        &format!("{BOM}{without_owner}"),
    );
    assert_eq!(
        (first["created"].as_u64(), first["rejected"].as_u64()),
        (Some(1_200), Some(0)),
        "{}",
        first["rows"][0]
    );
    let again = import(&elsewhere, &other_rep.token, &without_owner);
    assert_eq!(
        (again["created"].as_u64(), again["merged"].as_u64()),
        (Some(0), Some(1_200))
    );
    let round_trip = elsewhere.get_as("/api/v1/customers/export.csv", &other_rep.token);
    let mut before: Vec<String> = lines.iter().map(|l| strip_volatile(l)).collect();
    let mut after: Vec<String> = data_lines(&round_trip)
        .iter()
        .map(|l| strip_volatile(l))
        .collect();
    before.sort();
    after.sort();
    assert_eq!(before, after, "the same customers, field by field");
}

/// A line without the columns that differ between deployments: id, owner and creation time.
fn strip_volatile(line: &str) -> String {
    let cells: Vec<&str> = line.split(',').collect();
    let keep: Vec<&str> = cells
        .iter()
        .enumerate()
        .filter(|(i, _)| ![0, 8, cells.len() - 1].contains(i))
        .map(|(_, c)| *c)
        .collect();
    keep.join(",")
}

#[test]
fn orders_export_one_line_per_order_line_with_money_in_yuan() {
    let app = TestApp::start_app();
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let rep = app.create_staff("Wang Wei", "rep");
    let product = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": "HM-CREAM-50", "name": "保湿霜, 50ml", "unit_price": 12_950}),
    );
    let product = product.json()["id"].as_str().expect("id").to_owned();
    let customer = app.post_json(
        "/api/v1/customers",
        Some(&rep.token),
        &json!({"name": "Buyer"}),
    );
    let customer = customer.json()["id"].as_str().expect("id").to_owned();
    let order = app.post_json(
        "/api/v1/orders",
        Some(&rep.token),
        &json!({"customer_id": customer, "placed_at": "2026-01-05", "invoice_number": "INV-1",
                "lines": [{"product_id": product, "quantity": 2, "batch_number": "B1"},
                          {"product_id": product, "quantity": 1, "unit_price": 0}]}),
    );
    assert_eq!(order.status, 201, "{}", order.body);

    let export = app.get_as(
        &format!("/api/v1/orders/export.csv?customer_id={customer}"),
        &rep.token,
    );
    assert_eq!(export.status, 200, "{}", export.body);
    let lines = data_lines(&export);
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].ends_with(",1,HM-CREAM-50,\"保湿霜, 50ml\",2,129.50,259.00,B1"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(",2,HM-CREAM-50,") && lines[1].ends_with(",1,0.00,0.00,"),
        "{}",
        lines[1]
    );
}

#[test]
fn bad_files_and_callers_get_a_problem_before_anything_is_written_or_streamed() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let ops = app.create_staff("Ops Bot", "ops");

    let unknown = app.post_bytes(
        "/api/v1/customers/import",
        &rep.token,
        "text/csv",
        b"name,colour\nx,red\n",
    );
    assert_eq!(
        (unknown.status, unknown.json()["field"].as_str()),
        (422, Some("header"))
    );
    let nameless = app.post_bytes(
        "/api/v1/customers/import",
        &rep.token,
        "text/csv",
        b"phone\n13800138000\n",
    );
    assert_eq!(
        (nameless.status, nameless.json()["field"].as_str()),
        (422, Some("header"))
    );
    let json_body = app.post_bytes(
        "/api/v1/customers/import",
        &rep.token,
        "application/json",
        b"{}",
    );
    assert_eq!(json_body.status, 415);
    let latin1 = app.post_bytes(
        "/api/v1/customers/import",
        &rep.token,
        "text/csv",
        b"name\n\xe9t\xe9\n",
    );
    assert_eq!(latin1.status, 400);
    let by_ops = app.post_bytes(
        "/api/v1/customers/import",
        &ops.token,
        "text/csv",
        b"name\nx\n",
    );
    assert_eq!(by_ops.status, 403);
    assert_eq!(
        app.get_as("/api/v1/customers", &rep.token).json()["items"],
        json!([])
    );

    for path in ["/api/v1/customers/export.csv", "/api/v1/orders/export.csv"] {
        let refused = app.get_as(path, &ops.token);
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        assert!(refused.content_type.starts_with("application/problem+json"));
        assert_eq!(app.get(path).status, 401);
        let bad = app.get_as(&format!("{path}?bom=maybe"), &rep.token);
        assert_eq!(bad.status, 400, "{path}");
    }
}
