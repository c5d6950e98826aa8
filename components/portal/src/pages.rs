//! The portal's pages: `GET /` and `GET /products`, the catalogue of what the company sells,
//! with a search and whether each product is in stock, in zh-CN or en, showing who is signed
//! in. A signed-in customer gets a quantity and an "add to cart" button on every product (the
//! form posts to `POST /cart`, `shop.rs`, which comes back here with `?added=<SKU>`); a product
//! out of stock is made to order and can be ordered all the same.
//!
//! The language is `?lang=` (`zh-CN` or `en`; it is kept in a `lang` cookie for a year), else
//! the `lang` cookie, else the first of `Accept-Language` that is Chinese or English, else
//! zh-CN. HTML is written with maud, which escapes every value it inserts.

use crate::layout::{self, html_response, page_cookie};
use crate::session::Visitor;
use crm_guest::accounts::Session;
use crm_guest::forms;
use crm_guest::lang::{self, Lang};
use crm_guest::orders::{self, Product};
use crm_guest::request::query_pairs;
use crm_guest::{ApiResult, Params, Problem};
use maud::{html, Markup};
use spin_sdk::http::Request;

/// The most products one page shows.
const PAGE: u32 = 200;

/// The text of the pages, in each language.
fn text(lang: Lang, key: Text) -> &'static str {
    use Text::*;
    match (lang, key) {
        (Lang::ZhCn, Title) => "产品目录",
        (Lang::En, Title) => "Products",
        (Lang::ZhCn, Search) => "搜索",
        (Lang::En, Search) => "Search",
        (Lang::ZhCn, SearchHint) => "产品名称或编号",
        (Lang::En, SearchHint) => "Product name or SKU",
        (Lang::ZhCn, Sku) => "编号",
        (Lang::En, Sku) => "SKU",
        (Lang::ZhCn, Name) => "产品",
        (Lang::En, Name) => "Product",
        (Lang::ZhCn, Price) => "单价",
        (Lang::En, Price) => "Unit price",
        (Lang::ZhCn, Nothing) => "没有找到产品。",
        (Lang::En, Nothing) => "No products found.",
        (Lang::ZhCn, Found) => "件产品",
        (Lang::En, Found) => "products",
        (Lang::ZhCn, FoundOne) => "件产品",
        (Lang::En, FoundOne) => "product",
        (Lang::ZhCn, Availability) => "库存",
        (Lang::En, Availability) => "Availability",
        (Lang::ZhCn, InStock) => "有货",
        (Lang::En, InStock) => "In stock",
        (Lang::ZhCn, MadeToOrder) => "缺货，接单生产",
        (Lang::En, MadeToOrder) => "Out of stock: made to order",
        (Lang::ZhCn, Order) => "订购",
        (Lang::En, Order) => "Order",
        (Lang::ZhCn, Quantity) => "数量",
        (Lang::En, Quantity) => "Quantity",
        (Lang::ZhCn, AddToCart) => "加入购物车",
        (Lang::En, AddToCart) => "Add to cart",
        (Lang::ZhCn, Added) => "已加入购物车：",
        (Lang::En, Added) => "Added to your cart: ",
        (Lang::ZhCn, ViewCart) => "查看购物车",
        (Lang::En, ViewCart) => "View cart",
        (Lang::ZhCn, SignInToOrder) => "登录后即可在线订购。",
        (Lang::En, SignInToOrder) => "Sign in to order online.",
    }
}

#[derive(Clone, Copy)]
enum Text {
    Title,
    Search,
    SearchHint,
    Sku,
    Name,
    Price,
    Nothing,
    Found,
    FoundOne,
    Availability,
    InStock,
    MadeToOrder,
    Order,
    Quantity,
    AddToCart,
    Added,
    ViewCart,
    SignInToOrder,
}

/// The longest search.
const MAX_SEARCH: usize = 100;

/// `GET /` and `GET /products`: the catalogue, `?q=` to search, `?lang=` to switch language;
/// `?added=<SKU>` confirms to a signed-in customer what went into their cart.
pub fn catalogue(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, chosen) = Lang::of(req, forms::param(&pairs, "lang"));
    let search = forms::param(&pairs, "q");
    if search.is_some_and(|q| q.chars().count() > MAX_SEARCH) {
        return Err(Problem::invalid("q", "must be at most 100 characters"));
    }
    let products = orders::browse_catalogue(search, PAGE)?;
    let visitor = Visitor::of(req)?;
    let message = match (visitor.session(), forms::param(&pairs, "added")) {
        (Some(_), Some(sku)) => Some(added(lang, sku, &products)),
        _ => None,
    };
    let page = render(lang, search, &products, visitor.session(), message);
    // A page with a customer's name in it is theirs alone: no cache keeps it.
    let private = visitor.session().is_some();
    let cookie = page_cookie(&visitor, req, lang, chosen);
    Ok(html_response(200, lang, private, cookie, page))
}

/// The catalogue again for a signed-in customer whose "add to cart" did not work: `status`,
/// and `alert` above the list (the search `q` the form came from is kept, if it is one).
pub fn again(lang: Lang, q: &str, session: &Session, status: u16, alert: &str) -> ApiResult {
    let search = Some(q.trim()).filter(|q| !q.is_empty() && q.chars().count() <= MAX_SEARCH);
    let products = orders::browse_catalogue(search, PAGE)?;
    let message = html! { p.alert role="alert" { (alert) } };
    let page = render(lang, search, &products, Some(session), Some(message));
    Ok(html_response(status, lang, true, None, page))
}

/// The confirmation of `?added=<SKU>`: the product's name when the page lists it.
fn added(lang: Lang, sku: &str, products: &[Product]) -> Markup {
    let t = |key| text(lang, key);
    let product = products.iter().find(|p| p.sku.eq_ignore_ascii_case(sku));
    html! {
        p.notice role="status" {
            (t(Text::Added))
            @if let Some(product) = product {
                (product.name) " (" (product.sku) ")"
            } @else {
                (sku)
            }
            " " a href="/cart" { (t(Text::ViewCart)) }
        }
    }
}

fn render(
    lang: Lang,
    search: Option<&str>,
    products: &[Product],
    session: Option<&Session>,
    message: Option<Markup>,
) -> Markup {
    let t = |key| text(lang, key);
    let switch = format!(
        "/products{}",
        lang.switch_query(&[("q", search.unwrap_or_default())])
    );
    let content = html! {
        h1 { (t(Text::Title)) }
        @if let Some(message) = message {
            (message)
        }
        form.search method="get" action="/products" role="search" {
            label for="q" { (t(Text::Search)) }
            input id="q" name="q" type="search" maxlength="100"
                placeholder=(t(Text::SearchHint)) value=(search.unwrap_or_default());
            button type="submit" { (t(Text::Search)) }
        }
        @if products.is_empty() {
            p { (t(Text::Nothing)) }
        } @else {
            p {
                (products.len()) " "
                (t(if products.len() == 1 { Text::FoundOne } else { Text::Found }))
            }
            @if session.is_none() {
                p.hint { a href="/sign-in?next=/products" { (t(Text::SignInToOrder)) } }
            }
            div.scroll { table {
                thead { tr {
                    th scope="col" { (t(Text::Sku)) }
                    th scope="col" { (t(Text::Name)) }
                    th scope="col" class="num" { (t(Text::Price)) }
                    th scope="col" { (t(Text::Availability)) }
                    @if session.is_some() {
                        th scope="col" { (t(Text::Order)) }
                    }
                } }
                tbody {
                    @for product in products {
                        tr {
                            td { (product.sku) }
                            td { (product.name) }
                            td class="num" { (lang::money(product.unit_price)) }
                            td {
                                @if product.stock > 0 {
                                    (t(Text::InStock))
                                } @else {
                                    (t(Text::MadeToOrder))
                                }
                            }
                            @if let Some(session) = session {
                                td { (add_form(lang, search, product, session)) }
                            }
                        }
                    }
                }
            } }
        }
    };
    layout::page(lang, t(Text::Title), session, &switch, content)
}

/// A product's "add to cart": how many units (1 unless changed) and the button, posting the
/// session's CSRF token and the search to come back to.
fn add_form(lang: Lang, search: Option<&str>, product: &Product, session: &Session) -> Markup {
    let t = |key| text(lang, key);
    let id = format!("quantity-{}", product.id);
    html! {
        form.line method="post" action="/cart" {
            input type="hidden" name="csrf_token" value=(session.csrf_token);
            input type="hidden" name="product_id" value=(product.id);
            input type="hidden" name="q" value=(search.unwrap_or_default());
            input type="hidden" name="lang" value=(lang.tag());
            label for=(id) { (t(Text::Quantity)) }
            input id=(id) name="quantity" type="number" inputmode="numeric" min="1"
                max="1000000" step="1" value="1" required;
            button type="submit" { (t(Text::AddToCart)) }
        }
    }
}
