//! The portal's pages: `GET /` and `GET /products`, the catalogue of what the company sells,
//! with a search, in zh-CN or en.
//!
//! The language is `?lang=` (`zh-CN` or `en`; it is kept in a `lang` cookie for a year), else
//! the `lang` cookie, else the first of `Accept-Language` that is Chinese or English, else
//! zh-CN. HTML is written with maud, which escapes every value it inserts.

use crm_guest::orders::{self, Product};
use crm_guest::request::query_pairs;
use crm_guest::{ApiResult, Params, Problem};
use maud::{html, Markup, DOCTYPE};
use spin_sdk::http::{Request, Response};

/// The most products one page shows.
const PAGE: u32 = 200;

/// The languages of the pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a request, and whether `?lang=` chose it (then it is kept in a cookie).
    fn of(req: &Request, asked: Option<&str>) -> (Lang, bool) {
        if let Some(lang) = asked.and_then(Lang::parse) {
            return (lang, true);
        }
        let header = |name: &str| {
            req.header(name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let from_cookie = header("cookie")
            .split(';')
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .find_map(Lang::parse);
        if let Some(lang) = from_cookie {
            return (lang, false);
        }
        // `Accept-Language: en-US,en;q=0.9,zh;q=0.8`: the highest weight wins, the first on a tie.
        let mut best: Option<(f32, Lang)> = None;
        for part in header("accept-language").split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        (best.map_or(Lang::ZhCn, |(_, lang)| lang), false)
    }

    fn text(self, key: Text) -> &'static str {
        use Text::*;
        match (self, key) {
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

    fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
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

/// Money in minor units as a customer reads it: `¥129.50` in both languages.
fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}¥{}.{:02}", minor / 100, minor % 100)
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
        response.header(
            "set-cookie",
            format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.tag()
            ),
        );
    }
    Ok(response.body(page.into_string()).build())
}

fn render(lang: Lang, search: Option<&str>, products: &[Product]) -> Markup {
    let t = |key| lang.text(key);
    let switch = match search {
        Some(q) => format!("?lang={}&q={}", lang.other().tag(), form_urlencode(q)),
        None => format!("?lang={}", lang.other().tag()),
    };
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
                                        td class="num" { (money(product.unit_price)) }
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

fn form_urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2430}\
nav{display:flex;gap:1rem;align-items:center;padding:.75rem 1rem;background:#12355b}\
nav a{color:#fff;text-decoration:none}nav a:last-child{margin-left:auto}\
main{max-width:56rem;margin:0 auto;padding:1rem}\
form{display:flex;gap:.5rem;align-items:center;margin:1rem 0}\
input{flex:1;padding:.5rem;font-size:1rem}button{padding:.5rem 1rem;font-size:1rem}\
table{width:100%;border-collapse:collapse}th,td{padding:.5rem;border-bottom:1px solid #d9dee5;text-align:left}\
.num{text-align:right;white-space:nowrap}";
