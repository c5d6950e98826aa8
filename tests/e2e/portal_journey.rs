//! The customer's whole journey on the portal in headless Chromium, by clicking and typing, in
//! both languages on a phone (360 px) and a desktop (1280 px): an invitation from staff, the
//! account, the catalogue, the cart and its checkout, the order, a complaint on its line, the
//! staff's question answered, a replacement received, the complaint closed and rated. Every page
//! on the way is checked with axe-core (no `serious` or `critical` violation) and for sideways
//! scrolling; screenshots go to `target/screenshots/portal-journey-<lang>-<width>-<page>.png`.

use crate::browser::{accessibility_violations, assert_fits_width, Browser};
use crm_tests::{TestApp, ADMIN_TOKEN, PORTAL_PASSWORD};
use fantoccini::{error::CmdError, Client, Locator};
use serde_json::{json, Value};

/// Monday 2026-11-23 09:00 in Shanghai (01:00 UTC).
const NOW: i64 = 1_795_395_600;

fn ok(reply: crm_tests::Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.json()
}

fn staff(app: &TestApp, path: &str, body: Value) -> Value {
    ok(app.post_json(path, Some(ADMIN_TOKEN), &body), 200)
}

/// What one run of the journey is: its language, the window's width, and its words.
struct Run {
    lang: &'static str,
    width: u32,
    account: &'static str,
    placed: &'static str,
    closed: &'static str,
}

const RUNS: [Run; 4] = [
    Run {
        lang: "en",
        width: 360,
        account: "My account",
        placed: "Placed",
        closed: "Closed",
    },
    Run {
        lang: "zh-CN",
        width: 360,
        account: "我的账户",
        placed: "已提交",
        closed: "已关闭",
    },
    Run {
        lang: "en",
        width: 1280,
        account: "My account",
        placed: "Placed",
        closed: "Closed",
    },
    Run {
        lang: "zh-CN",
        width: 1280,
        account: "我的账户",
        placed: "已提交",
        closed: "已关闭",
    },
];

/// Checks the page on screen: accessible, no wider than the window, no script; saves it.
async fn check_page(client: &Client, run: &Run, page: &str) -> Result<(), CmdError> {
    let violations = accessibility_violations(client).await?;
    assert!(
        violations.is_empty(),
        "{page} ({} at {} px): {violations:#?}",
        run.lang,
        run.width
    );
    let what = format!("{page} ({} at {} px)", run.lang, run.width);
    assert_fits_width(client, &what).await?;
    let source = client.source().await?;
    assert!(!source.contains("<script"), "{page}: no scripts");
    let lang = client
        .execute("return document.documentElement.lang", vec![])
        .await?;
    assert_eq!(lang, run.lang, "{page}: the page's language");
    let shots = crm_tests::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("a screenshot directory");
    std::fs::write(
        shots.join(format!(
            "portal-journey-{}-{}-{page}.png",
            run.lang, run.width
        )),
        client.screenshot().await?,
    )
    .expect("a screenshot");
    Ok(())
}

async fn type_into(client: &Client, css: &str, text: &str) -> Result<(), CmdError> {
    let field = client.find(Locator::Css(css)).await?;
    field.clear().await?;
    field.send_keys(text).await
}

async fn click(client: &Client, css: &str) -> Result<(), CmdError> {
    client.find(Locator::Css(css)).await?.click().await
}

/// Waits until the browser has followed the redirect of a posted form to a page whose address
/// says `wanted` in its query (`done=reply`, `filed=1`).
async fn landed(client: &Client, wanted: &str) -> Result<(), CmdError> {
    let started = std::time::Instant::now();
    loop {
        let url = client.current_url().await?;
        if url.query().is_some_and(|q| q.contains(&wanted)) {
            return Ok(());
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "still at {url}, waiting for {wanted}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The complaint page shows the photo sent with it: the picture loaded (the page's CSP lets
/// this site's images in), 320 pixels wide as it was sent.
async fn photo_shown(client: &Client) -> Result<(), CmdError> {
    let started = std::time::Instant::now();
    loop {
        let width = client
            .execute(
                "const img = document.querySelector('ul.photos img');
                 if (!img) return -1;
                 img.scrollIntoView();
                 return img.complete ? img.naturalWidth : 0;",
                vec![],
            )
            .await?;
        match width.as_i64() {
            Some(320) => break,
            Some(-1) => panic!("the complaint page shows no photo"),
            other if started.elapsed() > std::time::Duration::from_secs(10) => {
                panic!("the photo did not load: naturalWidth {other:?}")
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    client.execute("window.scrollTo(0, 0)", vec![]).await?;
    Ok(())
}

/// The submit button of the complaint page's form for `action`.
fn action_button(action: &str) -> String {
    format!("form:has(input[name=action][value={action}]) button[type=submit]")
}

#[test]
fn a_customer_goes_from_invitation_to_rated_complaint_in_a_browser_in_both_languages() {
    let app = TestApp::start_app_at(NOW);
    let product = ok(
        app.post_json(
            "/api/v1/products",
            Some(ADMIN_TOKEN),
            &json!({"sku": "HM-CREAM-50", "name": "保湿霜 Moisturising cream 50ml",
                    "unit_price": 12_950}),
        ),
        201,
    );
    let product = product["id"].as_str().expect("an id").to_owned();
    staff(
        &app,
        &format!("/api/v1/products/{product}/stock"),
        json!({"change": 100, "note": "delivery"}),
    );
    let base = format!("http://{}", app.address());
    let browser = Browser::start();
    // The check has teeth: an image without a text alternative is a critical violation.
    browser.run(|client| async move {
        client
            .goto("data:text/html,<html lang=en><title>x</title><main><img src=x.png></main>")
            .await?;
        let found = accessibility_violations(&client).await?;
        assert!(
            found.iter().any(|v| v.starts_with("image-alt")),
            "{found:?}"
        );
        Ok(())
    });
    for (index, run) in RUNS.iter().enumerate() {
        // Staff enter the customer and invite their buyer.
        let customer = ok(
            app.post_json(
                "/api/v1/customers",
                Some(ADMIN_TOKEN),
                &json!({"name": format!("华美商贸 {index}"),
                        "phone": format!("+86 21 5555 01{index:02}")}),
            ),
            201,
        );
        let customer = customer["id"].as_str().expect("an id").to_owned();
        let invite = ok(
            app.post_json(
                &format!("/api/v1/customers/{customer}/portal-invites"),
                Some(ADMIN_TOKEN),
                &json!({"email": format!("buyer{index}@huamei.example")}),
            ),
            201,
        );
        let code = invite["code"].as_str().expect("a code").to_owned();
        let (app, base, code) = (&app, &base, &code);
        browser.run(|client| async move {
            client.set_window_size(run.width, 900).await?;

            // The invitation: a password, and the account linked to the customer.
            client
                .goto(&format!("{base}/sign-up?invite={code}&lang={}", run.lang))
                .await?;
            check_page(&client, run, "invitation").await?;
            type_into(&client, "input[name=password]", PORTAL_PASSWORD).await?;
            click(&client, "main form button[type=submit]").await?;
            client.wait().for_element(Locator::Css("dl.facts")).await?;
            let heading = client.find(Locator::Css("h1")).await?.text().await?;
            assert_eq!(heading, run.account);
            assert!(client.source().await?.contains(&customer));
            check_page(&client, run, "account").await?;

            // The catalogue: three jars into the cart.
            client.goto(&format!("{base}/products")).await?;
            type_into(&client, "form.line input[name=quantity]", "3").await?;
            click(&client, "form.line button[type=submit]").await?;
            client.wait().for_element(Locator::Css("p.notice")).await?;
            check_page(&client, run, "catalogue").await?;

            // The cart, checked out to a new address.
            client.goto(&format!("{base}/cart")).await?;
            type_into(&client, "input[name=street]", "88 Nanjing Road").await?;
            type_into(&client, "input[name=city]", "Shanghai").await?;
            type_into(&client, "input[name=postcode]", "200001").await?;
            check_page(&client, run, "cart").await?;
            click(&client, "form[action='/orders'] button[type=submit]").await?;
            client
                .wait()
                .for_element(Locator::Css("span[data-status]"))
                .await?;
            let status = client
                .find(Locator::Css("span[data-status]"))
                .await?
                .text()
                .await?;
            assert_eq!(status, run.placed);
            assert!(client.source().await?.contains("388.50"), "3 × 129.50");
            check_page(&client, run, "order").await?;
            let order_url = client.current_url().await?;
            let order = order_url
                .path()
                .rsplit('/')
                .next()
                .expect("an order id")
                .to_owned();
            // Staff ship it.
            for status in ["confirmed", "shipped"] {
                let mut body = json!({ "status": status });
                if status == "shipped" {
                    body["ship_date"] = json!("2026-11-24");
                }
                staff(app, &format!("/api/v1/orders/{order}/status"), body);
            }

            // A problem with the line, reported from the order's page.
            client.goto(order_url.as_str()).await?;
            click(&client, "a[href^='/complaints/new']").await?;
            client
                .wait()
                .for_element(Locator::Css("select[name=category]"))
                .await?;
            check_page(&client, run, "complaint-form").await?;
            client
                .find(Locator::Css("select[name=category]"))
                .await?
                .select_by_value("packaging")
                .await?;
            type_into(
                &client,
                "textarea[name=description]",
                "Two jars arrived with a torn seal; the cream had leaked.",
            )
            .await?;
            // A photo of the jar, chosen in the file input as a person would.
            let photo = crm_tests::repo_root().join("tests/fixtures/complaint-photo.png");
            client
                .find(Locator::Css("input[name=photos]"))
                .await?
                .send_keys(&photo.to_string_lossy())
                .await?;
            click(&client, "main form button[type=submit]").await?;
            landed(&client, "filed=1").await?;
            let mut complaint_url = client.current_url().await?;
            complaint_url.set_query(None);
            let complaint = complaint_url
                .path()
                .rsplit('/')
                .next()
                .expect("a complaint id")
                .to_owned();
            assert!(complaint.starts_with("cmp_"), "{complaint_url}");
            photo_shown(&client).await?;
            check_page(&client, run, "complaint").await?;

            // Staff ask a question; the customer sees it and answers.
            let question = "Was the outer box damaged too?";
            let path = format!("/api/v1/complaints/{complaint}");
            staff(app, &format!("{path}/replies"), json!({ "text": question }));
            staff(
                app,
                &format!("{path}/transitions"),
                json!({"action": "wait_on_customer"}),
            );
            client.goto(complaint_url.as_str()).await?;
            client
                .wait()
                .for_element(Locator::Css("form:has(input[name=action][value=reply])"))
                .await?;
            assert!(client.source().await?.contains(question));
            check_page(&client, run, "complaint-question").await?;
            type_into(
                &client,
                "textarea[name=text]",
                "Yes, one corner was crushed.",
            )
            .await?;
            click(&client, &action_button("reply")).await?;
            landed(&client, "done=reply").await?;

            // A replacement is approved, picked and shipped; the customer confirms it arrived.
            let request = ok(
                app.post_json(
                    &format!("{path}/service-requests"),
                    Some(ADMIN_TOKEN),
                    &json!({"kind": "replacement", "summary": "Replace the leaking jars"}),
                ),
                201,
            );
            let request = request["request"]["id"].as_str().expect("an id").to_owned();
            for step in [
                json!({"action": "approve"}),
                json!({"action": "pick"}),
                json!({"action": "ship", "ship_date": "2026-11-25", "carrier": "SF Express",
                       "tracking_number": "SF1403958820"}),
            ] {
                staff(
                    app,
                    &format!("/api/v1/service-requests/{request}/steps"),
                    step,
                );
            }
            client.goto(complaint_url.as_str()).await?;
            check_page(&client, run, "complaint-shipped").await?;
            click(&client, &action_button("confirm_receipt")).await?;
            landed(&client, "done=receipt").await?;

            // Resolved and closed by staff; the customer rates it.
            staff(
                app,
                &format!("{path}/transitions"),
                json!({"action": "resolve"}),
            );
            staff(
                app,
                &format!("{path}/close"),
                json!({"cause": "Seal machine misaligned", "result": "Jars replaced",
                       "prevention": "Seal torque checked every shift"}),
            );
            client.goto(complaint_url.as_str()).await?;
            let status = client
                .find(Locator::Css("span[data-status]"))
                .await?
                .text()
                .await?;
            assert_eq!(status, run.closed);
            check_page(&client, run, "complaint-closed").await?;
            click(&client, "input[name=score][value='4']").await?;
            type_into(&client, "textarea[name=text]", "Quick and polite.").await?;
            click(&client, &action_button("rate")).await?;
            landed(&client, "done=rating").await?;
            check_page(&client, run, "complaint-rated").await?;
            let rated = ok(app.get_as(&path, ADMIN_TOKEN), 200);
            assert_eq!(rated["complaint"]["status"], "closed", "{rated}");
            Ok(())
        });
    }
}
