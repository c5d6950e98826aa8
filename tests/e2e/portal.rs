//! The portal's pages over HTTP: the catalogue at `/`, in zh-CN or en.

use crm_tests::TestApp;
use serde_json::json;

#[test]
fn the_catalogue_page_lists_active_products_in_the_visitors_language_escaped_and_searchable() {
    let app = TestApp::start_app();
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let mut ids = Vec::new();
    for (sku, name, price) in [
        ("HM-CREAM-50", "保湿霜 50ml", 12_950),
        ("HM-LOTION-200", "Lotion <b>200ml</b>", 8_800),
        ("HM-OLD-1", "Retired soap", 500),
    ] {
        let reply = app.post_json(
            "/api/v1/products",
            Some(&gm.token),
            &json!({"sku": sku, "name": name, "unit_price": price}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.json()["id"].as_str().expect("id").to_owned());
    }
    let retired = app.patch_json(
        &format!("/api/v1/products/{}", ids[2]),
        &gm.token,
        None,
        &json!({"active": false}),
    );
    assert_eq!(retired.status, 200, "{}", retired.body);

    let page = |path: &str, headers: &[(&str, &str)]| {
        let reply = app.request_with("GET", path, None, headers, None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert!(
            reply.content_type.starts_with("text/html"),
            "{}",
            reply.content_type
        );
        reply
    };

    // No credential needed; Chinese by the browser's language.
    let zh = page("/", &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")]);
    assert_eq!(zh.header("content-language"), Some("zh-CN"));
    assert!(zh.body.contains("产品目录"), "{}", zh.body);
    assert!(zh.body.contains("保湿霜 50ml") && zh.body.contains("¥129.50"));
    assert!(
        zh.body.contains("Lotion &lt;b&gt;200ml&lt;/b&gt;"),
        "names are escaped: {}",
        zh.body
    );
    assert!(!zh.body.contains("Retired soap"), "only active products");

    // English when asked, and kept in a cookie.
    let en = page("/products?lang=en", &[("accept-language", "zh-CN")]);
    assert_eq!(en.header("content-language"), Some("en"));
    assert!(en.body.contains("<h1>Products</h1>"), "{}", en.body);
    assert!(en
        .header("set-cookie")
        .is_some_and(|c| c.starts_with("lang=en;") && c.contains("SameSite=Lax")));
    let kept = page("/", &[("accept-language", "zh-CN"), ("cookie", "lang=en")]);
    assert_eq!(kept.header("content-language"), Some("en"));

    // Search by name or SKU, ignoring case; `%` is a character, not a wildcard.
    let found = page("/products?q=lotion&lang=en", &[]);
    assert!(found.body.contains("HM-LOTION-200") && !found.body.contains("HM-CREAM-50"));
    let none = page("/products?q=%25&lang=en", &[]);
    assert!(none.body.contains("No products found."), "{}", none.body);
    let too_long = app.get(&format!("/products?q={}", "x".repeat(101)));
    assert_eq!(too_long.status, 422, "{}", too_long.body);
}
