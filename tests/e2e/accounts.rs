//! Customers' portal accounts over HTTP and in headless Chromium: signing up (a new customer
//! record, tagged when it looks like an existing one), the session cookie, signing in and out,
//! the lockout after wrong passwords, the limits per sender, staff invitations accepted once
//! before they expire, the change of password ending other sessions, CSRF and cross-site form
//! posts, both languages.

use crm_tests::{form, hidden, Reply, TestApp, ADMIN_TOKEN};
use serde_json::json;

/// Monday 2026-11-23 09:00 in Shanghai (01:00 UTC).
const NOW: i64 = 1_795_395_600;
const MINUTE: i64 = 60;
const DAY: i64 = 24 * 60 * MINUTE;

const PASSWORD: &str = "correct-horse-42";
const NEW_PASSWORD: &str = "battery-staple-77";

/// The `crm_portal=<id>` a reply sets, checking the cookie's attributes.
fn session_cookie(reply: &Reply) -> String {
    let set = reply.header("set-cookie").unwrap_or_else(|| {
        panic!(
            "no cookie set: {} {:?}\n{}",
            reply.status, reply.headers, reply.body
        )
    });
    assert!(set.starts_with("crm_portal="), "{set}");
    for attribute in ["; HttpOnly", "; SameSite=Lax", "; Path=/;"] {
        assert!(set.contains(attribute), "{attribute} missing: {set}");
    }
    let max_age: i64 = set
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Max-Age: {set}"));
    assert!(max_age > 3600, "the session lives more than an hour: {set}");
    let pair = set.split(';').next().expect("name=value").to_owned();
    assert!(
        pair.len() > "crm_portal=".len() + 30,
        "a session id: {pair}"
    );
    pair
}

/// Whether a reply clears the session cookie.
fn clears_the_cookie(reply: &Reply) -> bool {
    reply
        .header("set-cookie")
        .is_some_and(|c| c.starts_with("crm_portal=;") && c.contains("Max-Age=0"))
}

/// The customer number the account page shows.
fn customer_id_on(page: &str) -> String {
    let start = page.find("<code>").unwrap_or_else(|| panic!("{page}")) + "<code>".len();
    let id = page[start..]
        .split("</code>")
        .next()
        .expect("an id")
        .to_owned();
    assert!(id.starts_with("cus_"), "{id}");
    id
}

fn sign_up(app: &TestApp, name: &str, email: &str) -> Reply {
    app.send_form(
        "/sign-up",
        &form(&[
            ("name", name),
            ("email", email),
            ("phone", ""),
            ("password", PASSWORD),
            ("lang", "en"),
        ]),
        &[],
    )
}

fn sign_in(app: &TestApp, email: &str, password: &str) -> Reply {
    app.send_form(
        "/sign-in",
        &form(&[("email", email), ("password", password), ("lang", "en")]),
        &[],
    )
}

fn assert_html(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "text/html; charset=utf-8");
}

#[test]
fn customers_sign_up_in_and_out_with_a_session_cookie_in_either_language() {
    let app = TestApp::start_app();
    let rep = app.create_staff("Wang Wei", "rep");
    let existing = app.post_json(
        "/api/v1/customers",
        Some(&rep.token),
        &json!({"name": "Acme Trading", "email": "buyer@acme.example"}),
    );
    assert_eq!(existing.status, 201, "{}", existing.body);
    let existing = existing.json()["id"].as_str().expect("id").to_owned();

    // The form: a label and an autocomplete for every input.
    let blank = app.fetch("/sign-up", &[("accept-language", "en")]);
    assert_html(&blank, 200);
    for (input, autocomplete) in [
        ("name", "name"),
        ("email", "email"),
        ("phone", "tel"),
        ("password", "new-password"),
    ] {
        assert!(
            blank.body.contains(&format!("<label for=\"{input}\">")),
            "{input}: {}",
            blank.body
        );
        assert!(
            blank.body.contains(&format!(
                "id=\"{input}\" name=\"{input}\" type=\"{}\" autocomplete=\"{autocomplete}\"",
                match input {
                    "name" => "text",
                    "phone" => "tel",
                    other => other,
                }
            )),
            "{input}: {}",
            blank.body
        );
    }
    assert!(blank.body.contains("name=\"viewport\""));

    // Signing up signs in: a session cookie, then the account page.
    let signed_up = sign_up(&app, "Li Lei", "Li.Lei@Example.com");
    assert_eq!(signed_up.status, 303, "{}", signed_up.body);
    assert_eq!(signed_up.location.as_deref(), Some("/account"));
    let first = session_cookie(&signed_up);
    assert!(
        !signed_up
            .header("set-cookie")
            .is_some_and(|c| c.contains("Secure")),
        "not Secure over plain http"
    );
    let account = app.page_as("/account", &first, "en");
    assert_html(&account, 200);
    assert_eq!(account.header("cache-control"), Some("no-store"));
    assert_eq!(account.header("content-language"), Some("en"));
    assert!(
        account.body.contains("<h1>My account</h1>"),
        "{}",
        account.body
    );
    assert!(account.body.contains("Li Lei"));
    assert!(
        account.body.contains("li.lei@example.com"),
        "e-mail lower-cased"
    );
    let li_lei = customer_id_on(&account.body);
    assert_ne!(li_lei, existing);
    let customer = app.get_as(&format!("/api/v1/customers/{li_lei}"), ADMIN_TOKEN);
    assert_eq!(customer.status, 200, "{}", customer.body);
    assert_eq!(customer.json()["name"], "Li Lei");
    assert!(
        !customer.body.contains("possible-duplicate"),
        "{}",
        customer.body
    );

    // A sign-up that looks like an existing customer makes a new record for staff to merge.
    let lookalike = sign_up(&app, "Acme Trading", "buyer@acme.example");
    assert_eq!(lookalike.status, 303, "{}", lookalike.body);
    let lookalike_cookie = session_cookie(&lookalike);
    let lookalike_id = customer_id_on(&app.page_as("/account", &lookalike_cookie, "en").body);
    assert_ne!(lookalike_id, existing, "never linked by a matching e-mail");
    let tagged = app.get_as(&format!("/api/v1/customers/{lookalike_id}"), ADMIN_TOKEN);
    assert_eq!(tagged.status, 200, "{}", tagged.body);
    let tags = tagged.json()["tags"].clone();
    assert!(
        tags.as_array()
            .is_some_and(|t| t.iter().any(|t| t == "possible-duplicate")),
        "{tags}"
    );
    // The same e-mail address cannot have two accounts.
    let taken = sign_up(&app, "Someone Else", "li.lei@example.com");
    assert_html(&taken, 409);
    assert!(taken.body.contains("role=\"alert\""), "{}", taken.body);
    assert!(taken.header("set-cookie").is_none());
    assert!(
        !taken.body.contains(PASSWORD),
        "the password is never shown"
    );

    // A field records refuses is named next to its input.
    let short = app.send_form(
        "/sign-up",
        &form(&[
            ("name", "Han Meimei"),
            ("email", "han@example.com"),
            ("password", "short"),
            ("lang", "en"),
        ]),
        &[],
    );
    assert_html(&short, 422);
    assert!(
        short
            .body
            .contains("aria-invalid=\"true\" aria-describedby=\"password-error password-hint\""),
        "{}",
        short.body
    );
    assert!(short.body.contains("id=\"password-error\""));
    assert!(short.body.contains("value=\"han@example.com\""), "kept");

    // The catalogue shows who is signed in, and a visitor the way in.
    let catalogue = app.page_as("/", &first, "en");
    assert_html(&catalogue, 200);
    assert!(
        catalogue.body.contains("href=\"/account\">Li Lei</a>"),
        "{}",
        catalogue.body
    );
    assert!(catalogue.body.contains("action=\"/sign-out\""));
    assert_eq!(catalogue.header("cache-control"), Some("no-store"));
    let visitor = app.fetch("/products", &[("accept-language", "en")]);
    assert!(
        visitor.body.contains("href=\"/sign-in\""),
        "{}",
        visitor.body
    );
    assert!(visitor.body.contains("href=\"/sign-up\""));
    assert!(!visitor.body.contains("action=\"/sign-out\""));

    // Signing in again is another session, with a new id; `next` goes back only within the site.
    let second = sign_in(&app, "li.lei@example.com", PASSWORD);
    assert_eq!(second.status, 303, "{}", second.body);
    assert_eq!(second.location.as_deref(), Some("/account"));
    let second = session_cookie(&second);
    assert_ne!(second, first);
    for (next, location) in [
        ("/products?q=soap", "/products?q=soap"),
        ("//evil.example/", "/account"),
        ("https://evil.example/", "/account"),
        ("/\\evil.example", "/account"),
    ] {
        let reply = app.send_form(
            "/sign-in",
            &form(&[
                ("email", "li.lei@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ]),
            &[],
        );
        assert_eq!(reply.status, 303, "{next}: {}", reply.body);
        assert_eq!(reply.location.as_deref(), Some(location), "{next}");
    }
    let over_tls = app.send_form(
        "/sign-in",
        &form(&[("email", "li.lei@example.com"), ("password", PASSWORD)]),
        &[("x-forwarded-proto", "https")],
    );
    assert_eq!(over_tls.status, 303, "{}", over_tls.body);
    assert!(over_tls
        .header("set-cookie")
        .is_some_and(|c| c.ends_with("; Secure")));
    let signed_in = app.fetch("/sign-in?next=/products", &[("cookie", &second)]);
    assert_eq!(signed_in.status, 303, "a signed-in customer is sent on");
    assert_eq!(signed_in.location.as_deref(), Some("/products"));

    // Wrong password: 401, the e-mail kept, never the password; an empty input is named.
    let wrong = sign_in(&app, "li.lei@example.com", "not-the-password");
    assert_html(&wrong, 401);
    assert!(wrong.header("set-cookie").is_none());
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"li.lei@example.com\""));
    assert!(!wrong.body.contains("not-the-password"));
    let unknown = sign_in(&app, "nobody@example.com", PASSWORD);
    assert_html(&unknown, 401);
    let empty = sign_in(&app, "", PASSWORD);
    assert_html(&empty, 422);
    assert!(
        empty
            .body
            .contains("aria-invalid=\"true\" aria-describedby=\"email-error\""),
        "{}",
        empty.body
    );
    assert!(empty
        .body
        .contains("<p class=\"error\" id=\"email-error\">"));

    // Another site's page can neither sign in nor sign up (login CSRF).
    let credentials = form(&[("email", "li.lei@example.com"), ("password", PASSWORD)]);
    for headers in [
        [("sec-fetch-site", "cross-site")],
        [("origin", "https://evil.example")],
    ] {
        for path in ["/sign-in", "/sign-up"] {
            let refused = app.send_form(path, &credentials, &headers);
            assert_html(&refused, 403);
            assert!(refused.header("set-cookie").is_none(), "{path} {headers:?}");
        }
    }
    let own_origin = format!("http://{}", app.address());
    let same_site = app.send_form("/sign-in", &credentials, &[("origin", &own_origin)]);
    assert_eq!(same_site.status, 303, "{}", same_site.body);
    let same_origin = app.send_form(
        "/sign-in",
        &credentials,
        &[("sec-fetch-site", "same-origin")],
    );
    assert_eq!(same_origin.status, 303, "{}", same_origin.body);

    // Both languages, by the browser's preference.
    let zh = app.fetch(
        "/sign-in",
        &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")],
    );
    assert_html(&zh, 200);
    assert_eq!(zh.header("content-language"), Some("zh-CN"));
    assert!(zh.body.contains("<html lang=\"zh-CN\">"), "{}", zh.body);
    assert!(zh.body.contains("<h1>登录</h1>"));
    assert!(zh.body.contains("autocomplete=\"current-password\""));
    let en = app.fetch("/sign-in", &[("accept-language", "en-US,en;q=0.9")]);
    assert_eq!(en.header("content-language"), Some("en"));
    assert!(en.body.contains("<h1>Sign in</h1>"), "{}", en.body);
    let zh_account = app.page_as("/account", &first, "zh-CN");
    assert_html(&zh_account, 200);
    assert!(
        zh_account.body.contains("<h1>我的账户</h1>"),
        "{}",
        zh_account.body
    );
    assert!(zh_account.body.contains("修改密码"));

    // Forms of a signed-in customer need the session's CSRF token.
    let csrf = hidden(&account.body, "csrf_token");
    assert!(csrf.len() >= 16, "{csrf}");
    for token in [
        None,
        Some("0".repeat(csrf.len())),
        Some(hidden(
            &app.page_as("/account", &second, "en").body,
            "csrf_token",
        )),
    ] {
        let mut fields = vec![
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ];
        if let Some(token) = &token {
            fields.push(("csrf_token", token.as_str()));
        }
        let refused = app.send_form("/account/password", &form(&fields), &[("cookie", &first)]);
        assert_html(&refused, 403);
        assert!(refused.header("set-cookie").is_none());
        let sign_out = app.send_form("/sign-out", &form(&fields[2..]), &[("cookie", &first)]);
        assert_html(&sign_out, 403);
    }
    // …and a right token from another site's page is refused too.
    let cross = app.send_form(
        "/account/password",
        &form(&[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ]),
        &[("cookie", &first), ("sec-fetch-site", "cross-site")],
    );
    assert_html(&cross, 403);
    assert_eq!(
        sign_in(&app, "li.lei@example.com", PASSWORD).status,
        303,
        "the password did not change"
    );

    // A wrong current password is named on the account page.
    let wrong_current = app.send_form(
        "/account/password",
        &form(&[
            ("csrf_token", &csrf),
            ("current_password", "not-the-password"),
            ("new_password", NEW_PASSWORD),
            ("lang", "en"),
        ]),
        &[("cookie", &first)],
    );
    assert_html(&wrong_current, 422);
    assert!(
        wrong_current.body.contains("id=\"current_password-error\""),
        "{}",
        wrong_current.body
    );

    // Changing the password: a new cookie for this browser, every other session ended.
    let changed = app.send_form(
        "/account/password",
        &form(&[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
            ("lang", "en"),
        ]),
        &[("cookie", &first)],
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(changed.location.as_deref(), Some("/account?changed=1"));
    let renewed = session_cookie(&changed);
    let confirmed = app.page_as("/account?changed=1", &renewed, "en");
    assert_html(&confirmed, 200);
    assert!(
        confirmed
            .body
            .contains("<p class=\"notice\" role=\"status\">Your password was changed."),
        "{}",
        confirmed.body
    );
    let ended = app.page_as("/account", &second, "en");
    assert_eq!(ended.status, 303, "the other session ended: {}", ended.body);
    assert_eq!(ended.location.as_deref(), Some("/sign-in?next=/account"));
    assert!(clears_the_cookie(&ended), "{:?}", ended.headers);
    assert_html(&sign_in(&app, "li.lei@example.com", PASSWORD), 401);
    assert_eq!(
        sign_in(&app, "li.lei@example.com", NEW_PASSWORD).status,
        303
    );

    // Signing out ends the session and clears the cookie.
    let csrf = hidden(&confirmed.body, "csrf_token");
    let signed_out = app.send_form(
        "/sign-out",
        &form(&[("csrf_token", &csrf)]),
        &[("cookie", &renewed)],
    );
    assert_eq!(signed_out.status, 303, "{}", signed_out.body);
    assert_eq!(signed_out.location.as_deref(), Some("/"));
    assert!(clears_the_cookie(&signed_out), "{:?}", signed_out.headers);
    let after = app.page_as("/account", &renewed, "en");
    assert_eq!(after.status, 303);
    assert_eq!(after.location.as_deref(), Some("/sign-in?next=/account"));
    let anonymous = app.fetch("/account", &[]);
    assert_eq!(anonymous.status, 303);
    assert_eq!(
        anonymous.location.as_deref(),
        Some("/sign-in?next=/account")
    );
    assert!(anonymous.header("set-cookie").is_none());
    let next = app.fetch("/sign-in?next=/account", &[]);
    assert_eq!(hidden(&next.body, "next"), "/account");

    // The pages' routes take their methods only.
    let wrong_method = app.fetch("/sign-out", &[]);
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.body);
    assert_eq!(wrong_method.header("allow"), Some("POST"));
}

#[test]
fn five_wrong_passwords_in_a_row_lock_the_account_for_15_minutes() {
    let app = TestApp::start_app_at(NOW);
    assert_eq!(
        sign_up(&app, "Chen Jing", "chen.jing@example.com").status,
        303
    );
    for attempt in 1..=5 {
        let wrong = sign_in(&app, "chen.jing@example.com", "wrong-password-1");
        assert_html(&wrong, 401);
        assert!(wrong.header("set-cookie").is_none(), "attempt {attempt}");
    }
    // Locked: even the right password is refused, saying so.
    let locked = sign_in(&app, "chen.jing@example.com", PASSWORD);
    assert_html(&locked, 409);
    assert!(locked.header("set-cookie").is_none());
    assert!(
        locked
            .body
            .contains("Too many wrong passwords: the account is locked for now."),
        "{}",
        locked.body
    );
    assert!(locked.body.contains("value=\"chen.jing@example.com\""));
    app.advance_clock(15 * MINUTE);
    let unlocked = sign_in(&app, "chen.jing@example.com", PASSWORD);
    assert_eq!(unlocked.status, 303, "{}", unlocked.body);
    session_cookie(&unlocked);
}

/// Beside the lockout per account, each sender (the client's address) may try 30 sign-ins in
/// 10 minutes over every account, and 20 sign-ups an hour; past that the form says to wait,
/// with 429, and the right password does not get through either.
#[test]
fn one_sender_may_try_30_sign_ins_in_10_minutes_and_20_sign_ups_an_hour() {
    let app = TestApp::start_app_at(NOW);
    assert_eq!(
        sign_up(&app, "Chen Jing", "chen.jing@example.com").status,
        303
    );
    // Guesses at 29 addresses that have no account, and one right sign-in: 30 in all.
    for guess in 1..=29 {
        let wrong = sign_in(
            &app,
            &format!("guess{guess}@example.com"),
            "wrong-password-1",
        );
        assert_html(&wrong, 401);
    }
    assert_eq!(sign_in(&app, "chen.jing@example.com", PASSWORD).status, 303);
    let limited = sign_in(&app, "chen.jing@example.com", PASSWORD);
    assert_html(&limited, 429);
    assert!(limited.header("set-cookie").is_none());
    assert!(
        limited
            .body
            .contains("Too many attempts. Please try again later."),
        "{}",
        limited.body
    );
    app.advance_clock(10 * MINUTE);
    assert_eq!(sign_in(&app, "chen.jing@example.com", PASSWORD).status, 303);

    // 19 more sign-ups make 20 this hour; the 21st waits.
    for n in 1..=19 {
        let reply = sign_up(&app, &format!("Customer {n}"), &format!("c{n}@example.com"));
        assert_eq!(reply.status, 303, "sign-up {n}: {}", reply.body);
    }
    let limited = sign_up(&app, "Customer 20", "c20@example.com");
    assert_html(&limited, 429);
    assert!(limited
        .body
        .contains("Too many attempts. Please try again later."));
    app.advance_clock(60 * MINUTE);
    assert_eq!(sign_up(&app, "Customer 20", "c20@example.com").status, 303);
}

#[test]
fn staff_invite_a_customers_contact_who_accepts_once_before_the_code_expires() {
    let app = TestApp::start_app_at(NOW);
    let rep = app.create_staff("Wang Wei", "rep");
    let ops = app.create_staff("Ops Bot", "ops");
    let customer = app.post_json(
        "/api/v1/customers",
        Some(&rep.token),
        &json!({"name": "华美商贸", "phone": "+86 21 5555 0101"}),
    );
    assert_eq!(customer.status, 201, "{}", customer.body);
    let customer = customer.json()["id"].as_str().expect("id").to_owned();
    let invites = format!("/api/v1/customers/{customer}/portal-invites");
    let invite =
        |token: Option<&str>, body: serde_json::Value| app.post_json(&invites, token, &body);

    // Who may invite, and what: authentication before validation.
    let anonymous = invite(None, json!({"email": "buyer@huamei.example"}));
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(invite(None, json!({"mail": 1})).status, 401);
    let by_ops = invite(Some(&ops.token), json!({"email": "buyer@huamei.example"}));
    assert_eq!(by_ops.status, 403, "{}", by_ops.body);
    let bad = invite(Some(&rep.token), json!({"email": "not an e-mail"}));
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.content_type, "application/problem+json");
    assert_eq!(bad.json()["field"], "email");
    let unknown_field = invite(
        Some(&rep.token),
        json!({"email": "a@b.example", "role": "x"}),
    );
    assert_eq!(unknown_field.status, 422, "{}", unknown_field.body);
    assert_eq!(unknown_field.json()["field"], "role");

    let invited = invite(Some(&rep.token), json!({"email": "buyer@huamei.example"}));
    assert_eq!(invited.status, 201, "{}", invited.body);
    let invitation = invited.json();
    assert_eq!(invitation["customer_id"], customer.as_str());
    assert_eq!(invitation["email"], "buyer@huamei.example");
    assert!(invitation["expires_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let code = invitation["code"].as_str().expect("a code").to_owned();
    assert!(code.len() >= 16, "{code}");

    // The invitation's page asks for a password only.
    let page = app.fetch(
        &format!("/sign-up?invite={code}"),
        &[("accept-language", "zh-CN")],
    );
    assert_html(&page, 200);
    assert!(page.body.contains("<h1>接受邀请</h1>"), "{}", page.body);
    assert_eq!(hidden(&page.body, "invite"), code);
    assert!(!page.body.contains("name=\"email\""), "{}", page.body);
    assert!(page.body.contains("autocomplete=\"new-password\""));

    let accept = |code: &str| {
        app.send_form(
            "/sign-up",
            &form(&[("invite", code), ("password", PASSWORD), ("lang", "en")]),
            &[],
        )
    };
    let accepted = accept(&code);
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    assert_eq!(accepted.location.as_deref(), Some("/account"));
    let cookie = session_cookie(&accepted);
    let account = app.page_as("/account", &cookie, "en");
    assert_html(&account, 200);
    assert_eq!(
        customer_id_on(&account.body),
        customer,
        "linked to the invited customer"
    );
    assert!(account.body.contains("buyer@huamei.example"));
    assert!(account.body.contains("华美商贸"));

    // A code works once.
    let again = accept(&code);
    assert_html(&again, 422);
    assert!(again.header("set-cookie").is_none());
    assert!(again.body.contains("role=\"alert\""), "{}", again.body);

    // …and only until it expires.
    let later = invite(Some(&rep.token), json!({"email": "finance@huamei.example"}));
    assert_eq!(later.status, 201, "{}", later.body);
    let late_code = later.json()["code"].as_str().expect("a code").to_owned();
    app.advance_clock(8 * DAY);
    let expired = accept(&late_code);
    assert_html(&expired, 422);
    assert!(expired.header("set-cookie").is_none());
    assert_eq!(
        sign_in(&app, "finance@huamei.example", PASSWORD).status,
        401
    );
}

/// Signs up and out in headless Chromium (the browser's own cookie handling and form posts),
/// and checks the account page at a phone's width, saving screenshots in `target/screenshots/`.
#[test]
fn a_customer_signs_up_and_out_in_a_browser_on_a_phone() {
    let app = TestApp::start_app();
    let base = format!("http://{}", app.address());
    let shots = crm_tests::repo_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("a screenshot directory");
    let browser = crate::browser::Browser::start();
    browser.run(|client| async move {
        use fantoccini::Locator;
        client.set_window_size(390, 844).await?;
        client.goto(&format!("{base}/sign-up?lang=en")).await?;
        for (input, value) in [
            ("name", "Zhang Wei"),
            ("email", "zhang.wei@example.com"),
            ("phone", "+86 139 0000 1111"),
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
        // The form posts, the 303 brings the account page.
        client.wait().for_element(Locator::Css("dl.facts")).await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, "My account");
        let page = client.source().await?;
        assert!(page.contains("zhang.wei@example.com"), "{page}");
        assert!(!page.contains("<script"), "no scripts");
        crate::browser::assert_fits_width(&client, "the account page").await?;
        std::fs::write(
            shots.join("portal-account-phone-en.png"),
            client.screenshot().await?,
        )
        .expect("a screenshot");
        // The catalogue shows the customer's name; signing out goes back to it, signed out.
        client.goto(&format!("{base}/products")).await?;
        let name = client
            .find(Locator::Css("nav a[href='/account']"))
            .await?
            .text()
            .await?;
        assert_eq!(name, "Zhang Wei");
        client
            .find(Locator::Css("nav button[type=submit]"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css("nav a[href='/sign-in']"))
            .await?;
        client.goto(&format!("{base}/account")).await?;
        client
            .wait()
            .for_element(Locator::Css("input[name=password]"))
            .await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, "Sign in", "signed out: /account asks to sign in");
        Ok(())
    });
}
