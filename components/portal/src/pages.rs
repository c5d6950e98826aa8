//! The portal's pages: `GET /` and `GET /products`, the catalogue of what the company sells,
//! with a search, in zh-CN or en, showing who is signed in.
//!
//! The language is `?lang=` (`zh-CN` or `en`; it is kept in a `lang` cookie for a year), else
//! the `lang` cookie, else the first of `Accept-Language` that is Chinese or English, else
//! zh-CN. HTML is written with maud, which escapes every value it inserts.

use crate::layout::{self, html_response, page_cookie};
use crate::session::Visitor;
use crm_guest::accounts::Session;
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
}

/// `GET /` and `GET /products`: the catalogue, `?q=` to search, `?lang=` to switch language.
pub fn catalogue(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (lang, chosen) = Lang::of(req, param("lang"));
    let search = param("q").map(str::trim).filter(|q| !q.is_empty());
    if search.is_some_and(|q| q.chars().count() > 100) {
        return Err(Problem::invalid("q", "must be at most 100 characters"));
    }
    let products = orders::browse_catalogue(search, PAGE)?;
    let visitor = Visitor::of(req)?;
    let page = render(lang, search, &products, visitor.session());
    // A page with a customer's name in it is theirs alone: no cache keeps it.
    let private = visitor.session().is_some();
    let cookie = page_cookie(&visitor, req, lang, chosen);
    Ok(html_response(200, lang, private, cookie, page))
}

fn render(
    lang: Lang,
    search: Option<&str>,
    products: &[Product],
    session: Option<&Session>,
) -> Markup {
    let t = |key| text(lang, key);
    let switch = format!(
        "/products{}",
        lang.switch_query(&[("q", search.unwrap_or_default())])
    );
    let content = html! {
        h1 { (t(Text::Title)) }
        form.search method="get" action="/products" role="search" {
            label for="q" { (t(Text::Search)) }
            input id="q" name="q" type="search" maxlength="100"
                placeholder=(t(Text::SearchHint)) value=(search.unwrap_or_default());
            button type="submit" { (t(Text::Search)) }
        }
        @if products.is_empty() {
            p { (t(Text::Nothing)) }
        } @else {
            p { (products.len()) " " (t(Text::Found)) }
            table {
                thead { tr {
                    th scope="col" { (t(Text::Sku)) }
                    th scope="col" { (t(Text::Name)) }
                    th scope="col" class="num" { (t(Text::Price)) }
                } }
                tbody {
                    @for product in products {
                        tr {
                            td { (product.sku) }
                            td { (product.name) }
                            td class="num" { (lang::money(product.unit_price)) }
                        }
                    }
                }
            }
        }
    };
    layout::page(lang, t(Text::Title), session, &switch, content)
}
