//! The portal's pages: `GET /` and `GET /products`, the catalogue of what the company sells,
//! with a search, in zh-CN or en.
//!
//! The language is `?lang=` (`zh-CN` or `en`; it is kept in a `lang` cookie for a year), else
//! the `lang` cookie, else the first of `Accept-Language` that is Chinese or English, else
//! zh-CN. HTML is written with maud, which escapes every value it inserts.

use crm_guest::lang::{self, Lang};
use crm_guest::orders::{self, Product};
use crm_guest::request::query_pairs;
use crm_guest::{ApiResult, Params, Problem};
use maud::{html, Markup, DOCTYPE};
use spin_sdk::http::{Request, Response};

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
        (Lang::ZhCn, OtherLanguage) => "English",
        (Lang::En, OtherLanguage) => "中文",
        (Lang::ZhCn, Company) => "客户门户",
        (Lang::En, Company) => "Customer portal",
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
    OtherLanguage,
    Company,
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
    let page = render(lang, search, &products);
    let mut response = Response::builder();
    response
        .status(200)
        .header("content-type", "text/html; charset=utf-8")
        .header("content-language", lang.tag())
        .header("vary", "accept-language, cookie");
    if chosen {
        response.header("set-cookie", lang.set_cookie());
    }
    Ok(response.body(page.into_string()).build())
}

fn render(lang: Lang, search: Option<&str>, products: &[Product]) -> Markup {
    let t = |key| text(lang, key);
    let switch = lang.switch_query(&[("q", search.unwrap_or_default())]);
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(Text::Title)) " · " (t(Text::Company)) }
                style { (STYLE) }
            }
            body {
                nav {
                    a href="/" { strong { (t(Text::Company)) } }
                    a href="/products" { (t(Text::Title)) }
                    a href=(switch) hreflang=(lang.other().tag()) { (t(Text::OtherLanguage)) }
                }
                main {
                    h1 { (t(Text::Title)) }
                    form method="get" action="/products" role="search" {
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
                }
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2430}\
nav{display:flex;gap:1rem;align-items:center;padding:.75rem 1rem;background:#12355b}\
nav a{color:#fff;text-decoration:none}nav a:last-child{margin-left:auto}\
main{max-width:56rem;margin:0 auto;padding:1rem}\
form{display:flex;gap:.5rem;align-items:center;margin:1rem 0}\
input{flex:1;padding:.5rem;font-size:1rem}button{padding:.5rem 1rem;font-size:1rem}\
table{width:100%;border-collapse:collapse}th,td{padding:.5rem;border-bottom:1px solid #d9dee5;text-align:left}\
.num{text-align:right;white-space:nowrap}";
