//! Web orders on the portal over HTTP and in headless Chromium: the catalogue's "add to cart",
//! the cart and its lines, placing the cart as a web order to a new address (at most once per
//! checkout, however often it is posted), the customer's orders with paging, cancelling while
//! `placed`, what staff see of it, another customer's order, CSRF, and signing in first.

use crm_tests::{
    assert_html, customer_id_of, form, hidden, sign_up, Reply, TestApp, ADMIN_TOKEN,
    PORTAL_PASSWORD,
};
use serde_json::json;

/// Monday 2026-11-23 09:00 in Shanghai (01:00 UTC).
const NOW: i64 = 1_795_395_600;
const PASSWORD: &str = PORTAL_PASSWORD;

/// Adds a product to the cart of `cookie` from the catalogue.
fn add_to_cart(app: &TestApp, cookie: &str, csrf: &str, product: &str, quantity: &str) -> Reply {
    app.send_form(
        "/cart",
        &form(&[
            ("csrf_token", csrf),
            ("product_id", product),
            ("quantity", quantity),
            ("q", ""),
            ("lang", "en"),
        ]),
        &[("cookie", cookie)],
    )
}

/// The checkout of the cart page `cart`, to the address in `address`, as the page posts it.
fn checkout(cart: &Reply, address: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("csrf_token", hidden(&cart.body, "csrf_token")),
        ("idempotency_key", hidden(&cart.body, "idempotency_key")),
        ("cart", hidden(&cart.body, "cart")),
        ("lang", "en".to_owned()),
    ];
    fields.extend(address.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form(&pairs)
}

const HOME: &[(&str, &str)] = &[
    ("label", "Home"),
    ("street", "88 Nanjing Road"),
    ("city", "Shanghai"),
    ("province", "Shanghai"),
    ("postcode", "200001"),
    ("country", "China"),
    ("notes", "Please call before delivery"),
];

/// The ids of the orders a page links, in the order shown.
fn order_links(body: &str) -> Vec<String> {
    body.split("href=\"/orders/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| id.starts_with("ord_"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_customer_fills_a_cart_places_it_once_and_cancels_it_while_placed() {
    let app = TestApp::start_app_at(NOW);
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let mut products = Vec::new();
    for (sku, name, price) in [
        ("HM-CREAM-50", "保湿霜 50ml", 12_950),
        ("HM-LOTION-200", "Lotion 200ml", 8_800),
        ("HM-SOAP-1", "Soap", 500),
    ] {
        let reply = app.post_json(
            "/api/v1/products",
            Some(&gm.token),
            &json!({"sku": sku, "name": name, "unit_price": price}),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        products.push(reply.json()["id"].as_str().expect("id").to_owned());
    }
    let (cream, lotion, soap) = (&products[0], &products[1], &products[2]);
    let stocked = app.post_json(
        &format!("/api/v1/products/{cream}/stock"),
        Some(ADMIN_TOKEN),
        &json!({"change": 10, "note": "delivery"}),
    );
    assert_eq!(stocked.status, 200, "{}", stocked.body);

    // A visitor is sent to sign in first, and back.
    for (path, next) in [
        ("/cart", "/cart"),
        ("/orders", "/orders"),
        ("/orders/ord_x", "/orders/ord_x"),
    ] {
        let visitor = app.fetch(path, &[]);
        assert_eq!(visitor.status, 303, "{path}: {}", visitor.body);
        assert_eq!(
            visitor.location.as_deref(),
            Some(format!("/sign-in?next={next}").as_str())
        );
    }
    let anonymous_add = app.send_form(
        "/cart",
        &form(&[("product_id", cream), ("quantity", "1")]),
        &[],
    );
    assert_eq!(anonymous_add.status, 303, "{}", anonymous_add.body);
    assert_eq!(
        anonymous_add.location.as_deref(),
        Some("/sign-in?next=/products")
    );
    let visitor = app.fetch("/products", &[("accept-language", "en")]);
    assert!(
        !visitor.body.contains("action=\"/cart\""),
        "{}",
        visitor.body
    );
    assert!(visitor.body.contains("Sign in to order online."));

    let li_lei = sign_up(&app, "Li Lei", "li.lei@example.com");
    let customer = customer_id_of(&app, &li_lei);

    // The catalogue: availability for all, a quantity and "add to cart" for the signed-in.
    let catalogue = app.page_as("/products", &li_lei, "en");
    assert_html(&catalogue, 200);
    assert!(catalogue.body.contains("In stock"), "{}", catalogue.body);
    assert!(catalogue.body.contains("Out of stock: made to order"));
    assert!(catalogue
        .body
        .contains("<form class=\"line\" method=\"post\" action=\"/cart\">"));
    assert!(
        catalogue
            .body
            .contains(&format!("<label for=\"quantity-{cream}\">Quantity</label>")),
        "{}",
        catalogue.body
    );
    assert!(catalogue.body.contains("<a href=\"/cart\">Cart (0)</a>"));
    assert!(catalogue.body.contains("<a href=\"/orders\">My orders</a>"));
    let csrf = hidden(&catalogue.body, "csrf_token");

    // Forms without the session's CSRF token are refused.
    let forged = add_to_cart(&app, &li_lei, "", cream, "1");
    assert_html(&forged, 403);
    let forged = add_to_cart(&app, &li_lei, &"0".repeat(csrf.len()), cream, "1");
    assert_html(&forged, 403);

    // Adding adds to what the cart holds; the catalogue confirms it.
    let added = add_to_cart(&app, &li_lei, &csrf, cream, "2");
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(
        added.location.as_deref(),
        Some("/products?added=HM-CREAM-50")
    );
    let confirmed = app.page_as("/products?added=HM-CREAM-50", &li_lei, "en");
    assert_html(&confirmed, 200);
    assert!(
        confirmed.body.contains(
            "<p class=\"notice\" role=\"status\">Added to your cart: 保湿霜 50ml (HM-CREAM-50) \
             <a href=\"/cart\">View cart</a></p>"
        ),
        "{}",
        confirmed.body
    );
    assert!(confirmed.body.contains("<a href=\"/cart\">Cart (2)</a>"));
    for (product, quantity) in [(cream, "1"), (lotion, "1"), (soap, "4")] {
        let added = add_to_cart(&app, &li_lei, &csrf, product, quantity);
        assert_eq!(added.status, 303, "{}", added.body);
    }
    let zero = add_to_cart(&app, &li_lei, &csrf, lotion, "0");
    assert_html(&zero, 422);
    assert!(
        zero.body
            .contains("Enter a whole number of units from 1 to 1,000,000"),
        "{}",
        zero.body
    );

    // The cart: both lines with their totals; a line changed, and one removed with 0.
    let cart = app.page_as("/cart", &li_lei, "en");
    assert_html(&cart, 200);
    assert!(cart.body.contains("<h1>Your cart</h1>"), "{}", cart.body);
    assert!(cart.body.contains("<a href=\"/cart\">Cart (8)</a>"));
    for text in [
        "保湿霜 50ml",
        "HM-CREAM-50",
        "Lotion 200ml",
        "¥388.50",
        "¥88.00",
        "¥20.00",
    ] {
        assert!(cart.body.contains(text), "{text}: {}", cart.body);
    }
    let csrf_line = |product: &str, quantity: &str| {
        app.send_form(
            "/cart/lines",
            &form(&[
                ("csrf_token", &csrf),
                ("product_id", product),
                ("quantity", quantity),
                ("lang", "en"),
            ]),
            &[("cookie", &li_lei)],
        )
    };
    let changed = csrf_line(lotion, "2");
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(changed.location.as_deref(), Some("/cart"));
    assert_eq!(csrf_line(lotion, "1").status, 303);
    let removed = csrf_line(soap, "0");
    assert_eq!(removed.status, 303, "{}", removed.body);
    let bad = csrf_line(lotion, "lots");
    assert_html(&bad, 422);
    assert!(bad
        .body
        .contains("Enter a whole number from 0 to 1,000,000"));
    let cart = app.page_as("/cart", &li_lei, "en");
    assert_html(&cart, 200);
    assert!(!cart.body.contains("HM-SOAP-1"), "{}", cart.body);
    assert!(
        cart.body.contains("Total: <strong>¥476.50</strong>"),
        "3 × ¥129.50 + ¥88.00: {}",
        cart.body
    );
    assert_eq!(hidden(&cart.body, "cart"), format!("{cream}*3,{lotion}*1"));
    let key = hidden(&cart.body, "idempotency_key");
    assert_eq!(key.len(), 32, "{key}");
    for input in [
        "label", "street", "city", "province", "postcode", "country", "notes",
    ] {
        assert!(
            cart.body.contains(&format!("<label for=\"{input}\">")),
            "{input}: {}",
            cart.body
        );
    }

    // A missing street is named next to its input; what was typed is kept.
    let no_street: Vec<(&str, &str)> = HOME
        .iter()
        .map(|&(k, v)| (k, if k == "street" { "" } else { v }))
        .collect();
    let refused = app.send_form(
        "/orders",
        &checkout(&cart, &no_street),
        &[("cookie", &li_lei)],
    );
    assert_html(&refused, 422);
    assert!(
        refused
            .body
            .contains("aria-invalid=\"true\" aria-describedby=\"street-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(
        "<p class=\"error\" id=\"street-error\">Enter the street and number (1–200 characters).</p>"
    ));
    assert!(refused.body.contains("value=\"200001\""));
    assert_eq!(
        hidden(&refused.body, "idempotency_key"),
        key,
        "the same key"
    );

    // Without the session's CSRF token, nothing is placed.
    let forged = app.send_form(
        "/orders",
        &checkout(&cart, HOME).replace(&csrf, ""),
        &[("cookie", &li_lei)],
    );
    assert_html(&forged, 403);

    // Placing the order: a web order to the new address, the cart emptied.
    let body = checkout(&cart, HOME);
    let placed = app.send_form("/orders", &body, &[("cookie", &li_lei)]);
    assert_eq!(placed.status, 303, "{}", placed.body);
    let location = placed.location.clone().expect("a location");
    let order_id = location
        .strip_prefix("/orders/")
        .and_then(|rest| rest.strip_suffix("?placed=1"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    assert!(order_id.starts_with("ord_"), "{order_id}");
    let shown = app.page_as(&location, &li_lei, "en");
    assert_html(&shown, 200);
    for text in [
        "<p class=\"notice\" role=\"status\">Thank you: your order was placed.",
        "<span data-status=\"placed\">Placed</span>",
        "保湿霜 50ml",
        "Lotion 200ml",
        "¥476.50",
        "23 Nov 2026",
        "Not shipped yet",
        "Please call before delivery",
        "<a href=\"/cart\">Cart (0)</a>",
    ] {
        assert!(shown.body.contains(text), "{text}: {}", shown.body);
    }
    assert!(shown
        .body
        .contains(&format!("action=\"/orders/{order_id}/cancel\"")));

    // What staff see: a web order, placed, to the customer's new address.
    let staff_view = app.get_as(&format!("/api/v1/orders/{order_id}"), ADMIN_TOKEN);
    assert_eq!(staff_view.status, 200, "{}", staff_view.body);
    let order = staff_view.json();
    assert_eq!(order["channel"], "web", "{order}");
    assert_eq!(order["status"], "placed");
    assert_eq!(order["customer_id"], customer.as_str());
    assert_eq!(order["total"], 47_650);
    assert_eq!(order["entered_by"], "");
    assert_eq!(order["notes"], "Please call before delivery");
    assert_eq!(order["lines"].as_array().map(Vec::len), Some(2));
    let address = order["address_id"]
        .as_str()
        .expect("an address id")
        .to_owned();
    assert!(address.starts_with("adr_"), "{address}");
    let record = app.get_as(&format!("/api/v1/customers/{customer}"), ADMIN_TOKEN);
    assert_eq!(record.status, 200, "{}", record.body);
    let addresses = record.json()["addresses"].clone();
    assert_eq!(addresses.as_array().map(Vec::len), Some(1), "{addresses}");
    assert_eq!(addresses[0]["id"], address.as_str());
    assert_eq!(addresses[0]["street"], "88 Nanjing Road");
    assert_eq!(addresses[0]["label"], "Home");

    // The same checkout posted again (a double click) lands on the same order, placed once.
    let again = app.send_form("/orders", &body, &[("cookie", &li_lei)]);
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    let listed = app.get_as(
        &format!("/api/v1/orders?customer_id={customer}"),
        ADMIN_TOKEN,
    );
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        listed.json()["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.body
    );

    // An empty cart cannot be ordered.
    let empty = app.page_as("/cart", &li_lei, "en");
    assert_html(&empty, 200);
    assert!(empty.body.contains("Your cart is empty."), "{}", empty.body);
    assert!(!empty.body.contains("action=\"/orders\""));
    let mut fresh = form(&[
        ("csrf_token", &csrf),
        ("idempotency_key", "a-fresh-key-0001"),
        ("cart", ""),
        ("lang", "en"),
    ]);
    fresh.push('&');
    fresh.push_str(&form(HOME));
    let nothing = app.send_form("/orders", &fresh, &[("cookie", &li_lei)]);
    assert_html(&nothing, 409);
    assert!(
        nothing
            .body
            .contains("Your cart is empty: add products before placing an order."),
        "{}",
        nothing.body
    );

    // The used key with another cart is refused, with a new key for the new checkout.
    app.advance_clock(60);
    assert_eq!(add_to_cart(&app, &li_lei, &csrf, lotion, "2").status, 303);
    let second_cart = app.page_as("/cart", &li_lei, "en");
    let reused =
        checkout(&second_cart, HOME).replace(&hidden(&second_cart.body, "idempotency_key"), &key);
    let reused = app.send_form("/orders", &reused, &[("cookie", &li_lei)]);
    assert_html(&reused, 422);
    assert!(
        reused.body.contains(
            "This form was already used for another order: check your cart and place the \
             order again."
        ),
        "{}",
        reused.body
    );
    let new_key = hidden(&reused.body, "idempotency_key");
    assert_ne!(new_key, key);
    // The checkout now offers the address on file, chosen, beside a new one; this order ships
    // there and adds no address.
    assert!(
        second_cart.body.contains(&format!(
            "<input type=\"radio\" name=\"address_id\" value=\"{address}\" checked>"
        )),
        "{}",
        second_cart.body
    );
    assert!(second_cart
        .body
        .contains("Home, 88 Nanjing Road, Shanghai, Shanghai, 200001, China"));
    let on_file = checkout(&reused, &[("address_id", address.as_str())]);
    let second = app.send_form("/orders", &on_file, &[("cookie", &li_lei)]);
    assert_eq!(second.status, 303, "{}", second.body);
    let second_id = second
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/orders/"))
        .and_then(|l| l.strip_suffix("?placed=1"))
        .expect("the second order")
        .to_owned();
    assert_ne!(second_id, order_id);
    let second_order = app
        .get_as(&format!("/api/v1/orders/{second_id}"), ADMIN_TOKEN)
        .json();
    assert_eq!(
        second_order["address_id"],
        address.as_str(),
        "{second_order}"
    );
    let record = app
        .get_as(&format!("/api/v1/customers/{customer}"), ADMIN_TOKEN)
        .json();
    assert_eq!(
        record["addresses"].as_array().map(Vec::len),
        Some(1),
        "{record}"
    );

    // The customer's orders, newest first, in either language.
    let mine = app.page_as("/orders", &li_lei, "en");
    assert_html(&mine, 200);
    assert!(mine.body.contains("<h1>My orders</h1>"), "{}", mine.body);
    assert_eq!(
        order_links(&mine.body),
        [second_id.clone(), order_id.clone()]
    );
    assert!(mine.body.contains("¥176.00") && mine.body.contains("¥476.50"));
    assert!(!mine.body.contains("rel=\"next\""));
    let zh = app.page_as("/orders", &li_lei, "zh-CN");
    assert_html(&zh, 200);
    assert!(zh.body.contains("<h1>我的订单</h1>"), "{}", zh.body);
    assert!(zh.body.contains("2026年11月23日") && zh.body.contains(">已提交</span>"));

    // Another customer cannot see or cancel it.
    let han = sign_up(&app, "Han Meimei", "han@example.com");
    let other = app.page_as(&format!("/orders/{order_id}"), &han, "en");
    assert_html(&other, 404);
    assert!(
        other.body.contains("<h1>Order not found</h1>"),
        "{}",
        other.body
    );
    assert!(!other.body.contains("Lotion 200ml"));
    let han_csrf = hidden(&app.page_as("/cart", &han, "en").body, "csrf_token");
    let other_cancel = app.send_form(
        &format!("/orders/{order_id}/cancel"),
        &form(&[("csrf_token", &han_csrf), ("lang", "en")]),
        &[("cookie", &han)],
    );
    assert_html(&other_cancel, 404);
    assert!(!app.page_as("/orders", &han, "en").body.contains(&order_id));
    // Nor ship her own cart to Li Lei's address by swapping its id into the checkout form.
    assert_eq!(add_to_cart(&app, &han, &han_csrf, cream, "1").status, 303);
    let han_cart = app.page_as("/cart", &han, "en");
    let swapped = checkout(&han_cart, &[("address_id", address.as_str())]);
    let refused = app.send_form("/orders", &swapped, &[("cookie", &han)]);
    assert_html(&refused, 409);
    assert!(
        refused.body.contains("The order could not be placed"),
        "{}",
        refused.body
    );
    assert!(
        !refused.body.contains("88 Nanjing Road"),
        "{}",
        refused.body
    );
    assert!(order_links(&app.page_as("/orders", &han, "en").body).is_empty());

    // Cancelling while placed; a second time is a conflict.
    let cancel = |token: &str| {
        app.send_form(
            &format!("/orders/{order_id}/cancel"),
            &form(&[("csrf_token", token), ("lang", "en")]),
            &[("cookie", &li_lei)],
        )
    };
    assert_html(&cancel(""), 403);
    let cancelled = cancel(&csrf);
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    assert_eq!(
        cancelled.location.as_deref(),
        Some(format!("/orders/{order_id}?cancelled=1").as_str())
    );
    let shown = app.page_as(&format!("/orders/{order_id}?cancelled=1"), &li_lei, "en");
    assert_html(&shown, 200);
    assert!(
        shown
            .body
            .contains("<p class=\"notice\" role=\"status\">Your order was cancelled.</p>"),
        "{}",
        shown.body
    );
    assert!(shown
        .body
        .contains("<span data-status=\"cancelled\">Cancelled</span>"));
    assert!(
        !shown.body.contains("/cancel\""),
        "no cancel button any more"
    );
    let staff_view = app.get_as(&format!("/api/v1/orders/{order_id}"), ADMIN_TOKEN);
    assert_eq!(staff_view.json()["status"], "cancelled");
    let twice = cancel(&csrf);
    assert_html(&twice, 409);
    assert!(
        twice.body.contains(
            "This order can no longer be cancelled: only an order not yet confirmed can be. \
             Its status: Cancelled"
        ),
        "{}",
        twice.body
    );

    // Orders entered by staff are the customer's too, confirmed: not cancelled on the portal.
    // Twenty of them make a second page.
    let mut staff_orders = Vec::new();
    for day in 1..=20 {
        let entered = app.post_json(
            "/api/v1/orders",
            Some(ADMIN_TOKEN),
            &json!({"customer_id": customer, "placed_at": format!("2025-01-{day:02}"),
                    "lines": [{"product_id": soap, "quantity": 1}]}),
        );
        assert_eq!(entered.status, 201, "{}", entered.body);
        staff_orders.push(entered.json()["id"].as_str().expect("id").to_owned());
    }
    let staff_order = app.page_as(&format!("/orders/{}", staff_orders[0]), &li_lei, "en");
    assert_html(&staff_order, 200);
    assert!(
        staff_order
            .body
            .contains("<span data-status=\"confirmed\">Confirmed</span>"),
        "{}",
        staff_order.body
    );
    assert!(!staff_order.body.contains("/cancel\""));
    let first_page = app.page_as("/orders", &li_lei, "en");
    assert_html(&first_page, 200);
    let shown = order_links(&first_page.body);
    assert_eq!(shown.len(), 20, "{}", first_page.body);
    assert_eq!(shown[..2], [second_id.clone(), order_id.clone()]);
    assert!(first_page.body.contains("20 Jan 2025"));
    let marker = "<a href=\"/orders?cursor=";
    let start = first_page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("a link to more: {}", first_page.body))
        + "<a href=\"".len();
    let more = first_page.body[start..]
        .split('"')
        .next()
        .expect("a link")
        .to_owned();
    assert!(first_page.body.contains("rel=\"next\">Older orders</a>"));
    let next_page = app.page_as(&more, &li_lei, "en");
    assert_html(&next_page, 200);
    assert_eq!(
        order_links(&next_page.body),
        [staff_orders[1].clone(), staff_orders[0].clone()],
        "{}",
        next_page.body
    );
    assert!(!next_page.body.contains("rel=\"next\""));

    // The pages' routes take their methods only.
    let wrong_method = app.fetch("/cart/lines", &[("cookie", &li_lei)]);
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.body);
    assert_eq!(wrong_method.header("allow"), Some("POST"));
}

/// Adds to the cart and places the order in headless Chromium at a phone's width (the browser's
/// own cookies, CSRF tokens and form posts), saving screenshots in `target/screenshots/`.
#[test]
fn a_customer_orders_in_a_browser_on_a_phone() {
    let app = TestApp::start_app();
    let gm = app.create_staff("Zhou Gang", "sales_gm");
    let product = app.post_json(
        "/api/v1/products",
        Some(&gm.token),
        &json!({"sku": "HM-CREAM-50", "name": "Moisturising cream 50ml", "unit_price": 12_950}),
    );
    assert_eq!(product.status, 201, "{}", product.body);
    let base = format!("http://{}", app.address());
    let shots = crm_tests::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("a screenshot directory");
    let browser = crate::browser::Browser::start();
    browser.run(|client| async move {
        use crate::browser::assert_fits_width;
        use fantoccini::Locator;
        client.set_window_size(390, 844).await?;
        client.goto(&format!("{base}/sign-up?lang=en")).await?;
        for (input, value) in [
            ("name", "Zhang Wei"),
            ("email", "zhang.wei@example.com"),
            ("password", PASSWORD),
        ] {
            client
                .find(Locator::Css(&format!("input[name={input}]")))
                .await?
                .send_keys(value)
                .await?;
        }
        client
            .find(Locator::Css("main form button[type=submit]"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Css("dl.facts")).await?;

        // Two units into the cart from the catalogue.
        client.goto(&format!("{base}/products")).await?;
        let quantity = client
            .find(Locator::Css("form.line input[name=quantity]"))
            .await?;
        quantity.clear().await?;
        quantity.send_keys("2").await?;
        client
            .find(Locator::Css("form.line button[type=submit]"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Css("p.notice")).await?;
        assert_fits_width(&client, "the catalogue").await?;
        let cart_link = client
            .find(Locator::Css("nav a[href='/cart']"))
            .await?
            .text()
            .await?;
        assert_eq!(cart_link, "Cart (2)");

        // The cart and its checkout.
        client.goto(&format!("{base}/cart")).await?;
        for (input, value) in [
            ("street", "88 Nanjing Road"),
            ("city", "Shanghai"),
            ("postcode", "200001"),
        ] {
            client
                .find(Locator::Css(&format!("input[name={input}]")))
                .await?
                .send_keys(value)
                .await?;
        }
        assert_fits_width(&client, "the cart").await?;
        std::fs::write(
            shots.join("portal-cart-phone-en.png"),
            client.screenshot().await?,
        )
        .expect("a screenshot");
        client
            .find(Locator::Css("form[action='/orders'] button[type=submit]"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css("span[data-status]"))
            .await?;
        let status = client
            .find(Locator::Css("span[data-status]"))
            .await?
            .text()
            .await?;
        assert_eq!(status, "Placed");
        let page = client.source().await?;
        assert!(page.contains("¥259.00"), "{page}");
        assert!(!page.contains("<script"), "no scripts");
        assert_fits_width(&client, "the order").await?;
        std::fs::write(
            shots.join("portal-order-phone-en.png"),
            client.screenshot().await?,
        )
        .expect("a screenshot");
        Ok(())
    });
}
