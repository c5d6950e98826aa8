//! What every portal page shares: the frame (head, navigation bar, style), the bar's words in
//! each language, and how a page or a redirect after a form is answered.
//!
//! The bar links the catalogue and, for a visitor, "sign in" and "sign up"; for a signed-in
//! customer, their cart with the units in it, their orders, their complaints, their name (to
//! `/account`) and a sign-out button, a form carrying the session's CSRF token. One
//! `Set-Cookie` per response: spin-sdk keeps one value per header name.

use crate::session::{self, Visitor};
use crm_guest::accounts::Session;
use crm_guest::lang::Lang;
use crm_guest::orders::{self, Cart};
use maud::{html, Markup, DOCTYPE};
use spin_sdk::http::{Request, Response};

/// Nothing but the page itself and this site's images (a complaint's photos): no scripts, fonts
/// or other origins; forms post to this site only; no other site may frame a page
/// (clickjacking of the forms).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The words of the navigation bar.
#[derive(Clone, Copy)]
pub enum Bar {
    Company,
    Catalogue,
    SignIn,
    SignUp,
    SignOut,
    Cart,
    MyOrders,
    MyComplaints,
    Navigation,
    OtherLanguage,
}

pub fn bar_text(lang: Lang, key: Bar) -> &'static str {
    use Bar::*;
    let (zh, en) = match key {
        Company => ("客户门户", "Customer portal"),
        Catalogue => ("产品目录", "Products"),
        SignIn => ("登录", "Sign in"),
        SignUp => ("注册", "Sign up"),
        SignOut => ("退出", "Sign out"),
        Cart => ("购物车", "Cart"),
        MyOrders => ("我的订单", "My orders"),
        MyComplaints => ("我的投诉", "My complaints"),
        Navigation => ("网站导航", "Site navigation"),
        OtherLanguage => ("English", "中文"),
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

/// A whole page: `title` (shown before the portal's name in the tab), the bar for the signed-in
/// customer of `session` (none: a visitor), `switch` the address of this page in the other
/// language, and the page's own content. For a signed-in customer the bar shows how many units
/// their cart holds, read from records (left out if that fails: the page is still shown).
pub fn page(
    lang: Lang,
    title: &str,
    session: Option<&Session>,
    switch: &str,
    content: Markup,
) -> Markup {
    let cart_units = session.and_then(|session| {
        orders::get_cart(&session::credential(session))
            .ok()
            .map(|cart| units(&cart))
    });
    frame(lang, title, session, cart_units, switch, content)
}

/// [`page`] for a handler that has read the customer's cart already: its units in the bar
/// without asking records again.
pub fn page_with_cart(
    lang: Lang,
    title: &str,
    session: &Session,
    cart: &Cart,
    switch: &str,
    content: Markup,
) -> Markup {
    frame(
        lang,
        title,
        Some(session),
        Some(units(cart)),
        switch,
        content,
    )
}

/// How many units a cart holds, every line counted.
pub fn units(cart: &Cart) -> u32 {
    cart.lines
        .iter()
        .fold(0u32, |units, line| units.saturating_add(line.quantity))
}

fn frame(
    lang: Lang,
    title: &str,
    session: Option<&Session>,
    cart_units: Option<u32>,
    switch: &str,
    content: Markup,
) -> Markup {
    let t = |key| bar_text(lang, key);
    let other = lang.other().tag();
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(Bar::Company)) }
                style { (STYLE) }
            }
            body {
                nav aria-label=(t(Bar::Navigation)) {
                    a href="/" { strong { (t(Bar::Company)) } }
                    a href="/products" { (t(Bar::Catalogue)) }
                    div.end {
                        @if let Some(session) = session {
                            a href="/cart" {
                                (t(Bar::Cart))
                                @if let Some(units) = cart_units { " (" (units) ")" }
                            }
                            a href="/orders" { (t(Bar::MyOrders)) }
                            a href="/complaints" { (t(Bar::MyComplaints)) }
                            a href="/account" { (session.name) }
                            form.inline method="post" action="/sign-out" {
                                input type="hidden" name="csrf_token" value=(session.csrf_token);
                                input type="hidden" name="lang" value=(lang.tag());
                                button type="submit" { (t(Bar::SignOut)) }
                            }
                        } @else {
                            a href="/sign-in" { (t(Bar::SignIn)) }
                            a href="/sign-up" { (t(Bar::SignUp)) }
                        }
                        a href=(switch) hreflang=(other) lang=(other) { (t(Bar::OtherLanguage)) }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// The `Set-Cookie` of a page: clearing a session cookie that no longer signs anyone in comes
/// first (one cookie per response), else the language chosen with `?lang=`.
pub fn page_cookie(visitor: &Visitor, req: &Request, lang: Lang, chosen: bool) -> Option<String> {
    visitor
        .stale_cookie(req)
        .or_else(|| chosen.then(|| lang.set_cookie()))
}

/// A page as the answer. A `private` page (one that shows a customer's data, or a form with a
/// secret in it) is never kept by a cache.
pub fn html_response(
    status: u16,
    lang: Lang,
    private: bool,
    set_cookie: Option<String>,
    page: Markup,
) -> Response {
    let mut response = Response::builder();
    response
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("content-language", lang.tag())
        .header("vary", "accept-language, cookie")
        .header("content-security-policy", CSP)
        .header("referrer-policy", "same-origin")
        .header("x-content-type-options", "nosniff");
    if private {
        response.header("cache-control", "no-store");
    }
    if let Some(cookie) = set_cookie {
        response.header("set-cookie", cookie);
    }
    response.body(page.into_string()).build()
}

/// 303 See Other to `location` (a path of this site), the answer to a form that worked.
pub fn see_other(location: &str, set_cookie: Option<String>) -> Response {
    let mut response = Response::builder();
    response
        .status(303)
        .header("location", location)
        .header("cache-control", "no-store");
    if let Some(cookie) = set_cookie {
        response.header("set-cookie", cookie);
    }
    response.build()
}

const STYLE: &str = "*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2430;line-height:1.5}\
nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.75rem 1rem;background:#12355b}\
nav a{color:#fff;text-decoration:none}nav a:hover,nav a:focus{text-decoration:underline}\
nav .end{margin-left:auto;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}\
nav button{background:none;border:1px solid #fff;color:#fff;padding:.2rem .75rem;font-size:.9rem;cursor:pointer}\
main{max-width:56rem;margin:0 auto;padding:1rem}\
form.inline{display:inline;margin:0}\
form.search{display:flex;gap:.5rem;align-items:center;margin:1rem 0}form.search input{flex:1;min-width:0}\
form.stack{display:flex;flex-direction:column;max-width:26rem;margin:1rem 0}\
form.stack label{margin-top:.9rem;font-weight:600}form.stack button{margin-top:1.25rem;align-self:flex-start}\
input{padding:.5rem;font-size:1rem;max-width:100%;border:1px solid #8795a8;border-radius:3px}\
button{padding:.5rem 1rem;font-size:1rem}\
input[aria-invalid=true]{border:2px solid #b42318}\
.error{color:#b42318;margin:.25rem 0 0}\
.hint{color:#5b6675;font-size:.9rem;margin:.25rem 0 0}\
.alert{padding:.75rem 1rem;border-left:4px solid #b42318;background:#fdecea}\
.notice{padding:.75rem 1rem;border-left:4px solid #2e9d6a;background:#e8f5ee}\
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.facts dt{font-weight:600}\
dl.facts dd{margin:0;overflow-wrap:anywhere}\
table{width:100%;border-collapse:collapse}th,td{padding:.5rem;border-bottom:1px solid #d9dee5;text-align:left}\
.num{text-align:right;white-space:nowrap}\
.scroll{overflow-x:auto;margin:1rem 0}.scroll table{min-width:32rem}\
tfoot th,tfoot td{font-weight:700;border-bottom:none}\
form.line{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:center;margin:0}\
form.line input{width:6rem}form.line label{font-size:.9rem}\
form.line button,form.inline button{padding:.3rem .75rem;font-size:.9rem}\
form.stack fieldset{display:flex;flex-direction:column;border:1px solid #d9dee5;padding:0 1rem 1rem;margin:1rem 0 0}\
form.stack legend{font-weight:700;padding:0 .25rem}\
form.stack label.choice{font-weight:400;display:flex;gap:.5rem;align-items:baseline}\
textarea{padding:.5rem;font-size:1rem;font-family:inherit;max-width:100%;border:1px solid #8795a8;border-radius:3px}\
textarea[aria-invalid=true]{border:2px solid #b42318}\
select{padding:.5rem;font-size:1rem;max-width:100%;border:1px solid #8795a8;border-radius:3px;background:#fff}\
select[aria-invalid=true]{border:2px solid #b42318}\
ol.timeline{list-style:none;padding:0;margin:1rem 0;border-left:3px solid #d9dee5}\
ol.timeline li{padding:.25rem 0 .75rem 1rem}ol.timeline p{margin:.25rem 0 0;white-space:pre-wrap;overflow-wrap:anywhere}\
ol.timeline time{color:#5b6675;font-size:.9rem}\
.quote{white-space:pre-wrap;overflow-wrap:anywhere}\
.unavailable{color:#b42318;font-size:.9rem}\
ul.photos{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:1rem 0}\
ul.photos img{display:block;width:10rem;height:7.5rem;object-fit:cover;border:1px solid #8795a8}\
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:1rem 0}";
