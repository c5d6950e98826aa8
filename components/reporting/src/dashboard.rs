//! The managers' dashboard: `GET /dashboard`, one HTML page of charts for a wall or a phone, in
//! zh-CN or en (negotiated as in `crm_guest::lang`), with inline CSS and SVG only.
//!
//! Sign-in: a browser cannot send `Authorization: Bearer` by itself, so a manager signs in once
//! by pasting their staff token into a form (`POST /dashboard/sign-in`). The token is checked
//! with records (`whoami`) and kept in the cookie `crm_dashboard`: `HttpOnly` (no script reads
//! it), `SameSite=Strict` (no other site can make the browser send it: no cross-site request
//! forgery), `Path=/dashboard` (only these pages receive it; the staff API takes tokens as
//! bearer headers only), `Secure` over https, for 8 hours. The token is never put in a URL:
//! URLs are kept in history, bookmarks, proxy and server logs and `Referer` headers. Every page
//! checks the token with records again, so a revoked token is signed out at once;
//! `POST /dashboard/sign-out` clears the cookie. A strict cookie is not sent when the page is
//! opened from a link on another site: that shows the sign-in form.

use crm_guest::forms::{self, percent_decode, same_origin};
use crm_guest::identity::{self, Staff};
use crm_guest::lang::{self, Lang};
use crm_guest::names::Role;
use crm_guest::reports::{
    self, ComplaintGrouping, ComplaintReport, CsatDistribution, PageRequest, Ranking, ReportScope,
    RfmReport, SalesGrouping, SalesReport, SlaGrouping, SlaReport, SlaRow,
};
use crm_guest::request::{form_or_json_body, query_pairs};
use crm_guest::types::{Credential, Error};
use crm_guest::{ApiResult, Params, Problem};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

/// Where the dashboard lives; the session cookie's path.
const PAGE_PATH: &str = "/dashboard";
const SIGN_IN_PATH: &str = "/dashboard/sign-in";
const SIGN_OUT_PATH: &str = "/dashboard/sign-out";
/// The session cookie, holding the staff token.
const COOKIE: &str = "crm_dashboard";
/// How long a sign-in lasts: a working day, in seconds.
const SESSION_SECONDS: u32 = 8 * 60 * 60;
/// Longer tokens are refused without asking records (a cookie holds about 4 kB).
const MAX_TOKEN: usize = 1024;
/// A wall display reloads the page this often, in seconds.
const REFRESH_SECONDS: u32 = 900;
/// Nothing but the page itself: no scripts, fonts, images or other origins.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// The palette of the charts.
const NAVY: &str = "#12355b";
const BLUE: &str = "#2a7fd4";
const GREY: &str = "#a9b8c9";
const GREEN: &str = "#2e9d6a";
const TEAL: &str = "#3bb3b8";
const SKY: &str = "#8fb8e8";
const ORANGE: &str = "#e08a00";
const SLATE: &str = "#9aa5b4";
const RED: &str = "#d64545";

/// The text of the dashboard.
#[derive(Clone, Copy)]
enum Text {
    Title,
    SignInTitle,
    SignInHint,
    Token,
    SignIn,
    SignOut,
    MissingToken,
    UnknownToken,
    ManagersOnly,
    CrossSite,
    BadPeriod,
    OtherLanguage,
    Period,
    From,
    To,
    Apply,
    SignedInAs,
    NoData,
    Sales,
    VsPrevious,
    Orders,
    Customers,
    Complaints,
    Closed,
    FirstResponseSla,
    TopCustomers,
    ParetoChart,
    CustomerShareAxis,
    CumulativeShare,
    Rank,
    Customer,
    Contribution,
    Share,
    Segments,
    Segment,
    Monetary,
    MonthlySales,
    Month,
    ThisPeriod,
    PreviousYear,
    Change,
    SlaTitle,
    FirstResponse,
    Resolution,
    Breached,
    BatchComplaints,
    Batch,
    Product,
    PerThousand,
    ProductPerThousand,
    Flagged,
    OtherBatches,
    Csat,
    Ratings,
    CsatTitle,
    CsatChart,
    Score,
}

fn text(lang: Lang, key: Text) -> &'static str {
    use Text::*;
    let (zh, en) = match key {
        Title => ("经营看板", "Management dashboard"),
        SignInTitle => ("登录", "Sign in"),
        SignInHint => (
            "请使用您的员工令牌登录。令牌只保存在本浏览器中，8 小时后失效。",
            "Sign in with your staff token. It is kept in this browser only, for 8 hours.",
        ),
        Token => ("员工令牌", "Staff token"),
        SignIn => ("登录", "Sign in"),
        SignOut => ("退出", "Sign out"),
        MissingToken => ("请输入员工令牌。", "Enter your staff token."),
        UnknownToken => ("令牌无效或已被撤销。", "Unknown or revoked token."),
        ManagersOnly => (
            "经营看板仅供管理人员（管理员、销售总经理、客服主管）查看。",
            "The dashboard is for managers only (admin, sales GM, service lead).",
        ),
        BadPeriod => (
            "所选统计期间无效，现显示最近 12 个月：",
            "That period is not valid, so the last 12 months are shown: ",
        ),
        CrossSite => (
            "请从本站的登录页面登录。",
            "Please sign in from this site's sign-in page.",
        ),
        OtherLanguage => ("English", "中文"),
        Period => ("统计期间：", "Period: "),
        From => ("开始日期", "From"),
        To => ("结束日期", "To"),
        Apply => ("查看", "Show"),
        SignedInAs => ("当前用户：", "Signed in as "),
        NoData => ("本期间没有数据。", "No data in this period."),
        Sales => ("销售额", "Sales"),
        VsPrevious => ("较上期", "vs previous period"),
        Orders => ("订单数", "Orders"),
        Customers => ("客户数", "Customers"),
        Complaints => ("投诉", "Complaints"),
        Closed => ("已结案", "closed"),
        FirstResponseSla => ("首次响应达标率", "First-response SLA"),
        TopCustomers => ("重点客户与帕累托分析", "Top customers & Pareto"),
        ParetoChart => (
            "帕累托曲线：累计销售占比",
            "Pareto curve: cumulative share of sales",
        ),
        CustomerShareAxis => (
            "客户占比（按贡献从高到低）",
            "Share of customers, largest first",
        ),
        CumulativeShare => ("累计销售占比", "Cumulative share of sales"),
        Rank => ("排名", "Rank"),
        Customer => ("客户", "Customer"),
        Contribution => ("贡献", "Contribution"),
        Share => ("占比", "Share"),
        Segments => ("RFM 客户分群", "RFM segments"),
        Segment => ("分群", "Segment"),
        Monetary => ("消费金额", "Monetary value"),
        MonthlySales => ("月度销售与去年同期", "Monthly sales vs previous year"),
        Month => ("月份", "Month"),
        ThisPeriod => ("本期", "This period"),
        PreviousYear => ("去年同期", "Previous year"),
        Change => ("同比", "Change"),
        SlaTitle => ("服务时效（SLA）达标率", "SLA compliance"),
        FirstResponse => ("首次响应", "First response"),
        Resolution => ("解决", "Resolution"),
        Breached => ("超时", "Breached"),
        BatchComplaints => ("按批次统计投诉", "Complaints by batch"),
        Batch => ("批次", "Batch"),
        Product => ("产品", "Product"),
        PerThousand => ("每千行投诉", "Per 1,000 lines"),
        ProductPerThousand => ("产品平均", "Product average"),
        Flagged => ("异常批次", "Flagged"),
        OtherBatches => ("其他批次", "Other batches"),
        Csat => ("客户满意度", "Satisfaction (CSAT)"),
        Ratings => ("条评价", "ratings"),
        CsatTitle => ("投诉处理满意度", "Satisfaction with complaint handling"),
        CsatChart => (
            "各评分的评价数（1 = 很不满意，5 = 很满意）",
            "Ratings per score (1 = very unhappy, 5 = very happy)",
        ),
        Score => ("分", "★"),
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

/// An RFM segment's name; an unknown one as it is.
fn segment_name(lang: Lang, segment: &str) -> &str {
    let (zh, en) = match segment {
        "champions" => ("核心客户", "Champions"),
        "loyal" => ("忠诚客户", "Loyal"),
        "new" => ("新客户", "New"),
        "potential" => ("潜力客户", "Potential"),
        "at_risk" => ("流失风险", "At risk"),
        "hibernating" => ("沉睡客户", "Hibernating"),
        "lost" => ("已流失", "Lost"),
        _ => return segment,
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

fn segment_color(segment: &str) -> &'static str {
    match segment {
        "champions" => GREEN,
        "loyal" => BLUE,
        "new" => TEAL,
        "potential" => SKY,
        "at_risk" => ORANGE,
        "hibernating" => SLATE,
        "lost" => RED,
        _ => NAVY,
    }
}

/// "N customers make 80% of sales".
fn pareto_note(lang: Lang, customers: u32, of: u32) -> String {
    let (n, total) = (lang::grouped(customers.into()), lang::grouped(of.into()));
    match lang {
        Lang::ZhCn => format!("{n} 位客户（共 {total} 位）贡献了 80% 的销售额。"),
        Lang::En if customers == 1 => format!("1 customer of {total} makes 80% of sales."),
        Lang::En => format!("{n} of {total} customers make 80% of sales."),
    }
}

/// The period's SLA compliance in a sentence.
fn sla_summary(lang: Lang, total: &SlaRow) -> String {
    let fr = &total.first_response;
    let res = &total.resolution;
    let (fr_pct, res_pct) = (pct_opt(fr.compliance), pct_opt(res.compliance));
    let (fr_late, res_late) = (
        lang::grouped(fr.breached.into()),
        lang::grouped(res.breached.into()),
    );
    let complaints = lang::grouped(total.complaints.into());
    match lang {
        Lang::ZhCn => format!(
            "共 {complaints} 件投诉。首次响应达标率 {fr_pct}（超时 {fr_late} 件）；\
             解决达标率 {res_pct}（超时 {res_late} 件）。"
        ),
        Lang::En => format!(
            "{complaints} complaints. First response on time: {fr_pct} ({fr_late} breached); \
             resolution on time: {res_pct} ({res_late} breached)."
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// The body of the sign-in form.
#[derive(Deserialize, Default)]
struct SignInForm {
    #[serde(default)]
    token: String,
    /// The language the form was shown in, to answer in it.
    #[serde(default)]
    lang: Option<String>,
}

/// What the dashboard shows, one records call each.
struct Reports {
    ranking: Ranking,
    rfm: RfmReport,
    sales: SalesReport,
    sla: SlaReport,
    complaints: ComplaintReport,
}

/// `GET /dashboard`: the dashboard for a signed-in manager, else the sign-in form. `?from=` and
/// `?to=` (`YYYY-MM-DD`) choose the period (default: the last 12 months); `?lang=` the language.
pub fn page(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let (lang, chosen) = Lang::of(req, param("lang"));
    let Some(token) = session_token(req) else {
        return Ok(sign_in_response(lang, chosen, 200, None));
    };
    let who = Credential::StaffToken(token);
    let staff = match identity::whoami(&who) {
        Ok(staff) => staff,
        Err(Error::Unauthenticated) => return Ok(sign_in_response(lang, chosen, 200, None)),
        Err(e) => return Err(Problem::from(e)),
    };
    if !is_manager(&staff) {
        return Ok(sign_in_response(
            lang,
            chosen,
            403,
            Some(Text::ManagersOnly),
        ));
    }
    let (from, to) = (param("from"), param("to"));
    let scope = ReportScope {
        first_day: from.map(str::to_owned),
        last_day: to.map(str::to_owned),
        time_zone: crate::time_zone()?,
        region: None,
        channel_partner: None,
        owner_id: None,
        product_id: None,
        tier: None,
    };
    // A period the reports refuse (a day that does not exist, `from` after `to`) shows the
    // default period instead, saying why.
    let gathered = match gather(&who, &scope) {
        Err(Error::Invalid(problem)) => {
            let default = ReportScope {
                first_day: None,
                last_day: None,
                ..scope
            };
            gather(&who, &default).map(|data| (data, Some(problem.message)))
        }
        other => other.map(|data| (data, None)),
    };
    let (data, notice) = match gathered {
        Ok(gathered) => gathered,
        Err(Error::Unauthenticated) => return Ok(sign_in_response(lang, chosen, 200, None)),
        Err(e) => return Err(Problem::from(e)),
    };
    let (from, to) = if notice.is_some() {
        (None, None)
    } else {
        (from, to)
    };
    let markup = render(lang, &staff, &data, from, to, notice.as_deref());
    Ok(html_response(
        200,
        lang,
        chosen.then(|| lang.set_cookie()),
        markup,
    ))
}

/// `POST /dashboard/sign-in`: checks the token of the form and keeps it in the session cookie
/// (303 to the dashboard); else the form again, saying why (422 blank, 401 unknown or revoked,
/// 403 not a manager).
pub fn sign_in(req: &Request, _params: &Params) -> ApiResult {
    let form: SignInForm = match form_or_json_body(req) {
        Ok(form) => form,
        Err(problem) if matches!(problem.status, 413 | 415) => return Err(problem),
        Err(_) => SignInForm::default(),
    };
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    if !same_origin(req) {
        return Ok(sign_in_response(lang, false, 403, Some(Text::CrossSite)));
    }
    let token = form.token.trim();
    if token.is_empty() {
        return Ok(sign_in_response(lang, false, 422, Some(Text::MissingToken)));
    }
    if token.len() > MAX_TOKEN {
        return Ok(sign_in_response(lang, false, 401, Some(Text::UnknownToken)));
    }
    match identity::whoami(&Credential::StaffToken(token.to_owned())) {
        Ok(staff) if is_manager(&staff) => {}
        Ok(_) => return Ok(sign_in_response(lang, false, 403, Some(Text::ManagersOnly))),
        Err(Error::Unauthenticated) => {
            return Ok(sign_in_response(lang, false, 401, Some(Text::UnknownToken)))
        }
        Err(e) => return Err(Problem::from(e)),
    }
    let value = lang::percent_encode(token);
    Ok(see_dashboard(session_cookie(req, &value, SESSION_SECONDS)))
}

/// `POST /dashboard/sign-out`: clears the session cookie; 303 to the (sign-in) page. Another
/// site's page cannot sign a manager out.
pub fn sign_out(req: &Request, _params: &Params) -> ApiResult {
    if !same_origin(req) {
        let (lang, _) = Lang::of(req, None);
        return Ok(sign_in_response(lang, false, 403, Some(Text::CrossSite)));
    }
    Ok(see_dashboard(session_cookie(req, "", 0)))
}

fn is_manager(staff: &Staff) -> bool {
    Role::from(staff.role).oversees()
}

/// Reads every report the dashboard shows, over `scope`.
fn gather(who: &Credential, scope: &ReportScope) -> Result<Reports, Error> {
    let page = |limit: u32| PageRequest {
        limit,
        cursor: None,
    };
    Ok(Reports {
        ranking: reports::customer_ranking(who, scope, &page(10))?,
        rfm: reports::customer_rfm(who, scope, None, &page(1))?,
        sales: whole_sales(who, scope)?,
        sla: reports::sla_compliance(who, scope, SlaGrouping::Month)?,
        complaints: reports::complaints(who, scope, ComplaintGrouping::Batch, &page(10))?,
    })
}

/// Sales per month for the whole period, page after page (a 50-year period has 600 months).
fn whole_sales(who: &Credential, scope: &ReportScope) -> Result<SalesReport, Error> {
    let mut page = PageRequest {
        limit: 500,
        cursor: None,
    };
    let mut report = reports::sales(who, scope, SalesGrouping::None, &page)?;
    while let Some(cursor) = report.next_cursor.take() {
        page.cursor = Some(cursor);
        let next = reports::sales(who, scope, SalesGrouping::None, &page)?;
        report.items.extend(next.items);
        report.next_cursor = next.next_cursor;
    }
    Ok(report)
}

/// The token of the session cookie, if there is one.
fn session_token(req: &Request) -> Option<String> {
    let decoded = percent_decode(lang::cookie(req, COOKIE)?.trim())?;
    let token = decoded.trim();
    (!token.is_empty() && token.len() <= MAX_TOKEN).then(|| token.to_owned())
}

/// The session cookie with `value`, living `max_age` seconds (0 clears it); `Secure` when the
/// browser came over https.
fn session_cookie(req: &Request, value: &str, max_age: u32) -> String {
    forms::session_cookie(req, COOKIE, value, PAGE_PATH, "Strict", max_age)
}

/// 303 to the dashboard, setting `cookie`.
fn see_dashboard(cookie: String) -> Response {
    Response::builder()
        .status(303)
        .header("location", PAGE_PATH)
        .header("set-cookie", cookie)
        .header("cache-control", "no-store")
        .build()
}

fn html_response(status: u16, lang: Lang, set_cookie: Option<String>, page: Markup) -> Response {
    let mut response = Response::builder();
    response
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("content-language", lang.tag())
        .header("cache-control", "no-store")
        .header("vary", "accept-language, cookie")
        .header("content-security-policy", CSP)
        .header("referrer-policy", "same-origin")
        .header("x-content-type-options", "nosniff");
    if let Some(cookie) = set_cookie {
        response.header("set-cookie", cookie);
    }
    response.body(page.into_string()).build()
}

/// The sign-in form as a response; with `chosen`, the language is kept in its cookie.
fn sign_in_response(lang: Lang, chosen: bool, status: u16, message: Option<Text>) -> Response {
    html_response(
        status,
        lang,
        chosen.then(|| lang.set_cookie()),
        sign_in_page(lang, message),
    )
}

// ---------------------------------------------------------------------------------------------
// Pages.

fn head(title: &str, refresh: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="robots" content="noindex, nofollow";
            @if refresh {
                meta http-equiv="refresh" content=(REFRESH_SECONDS);
            }
            title { (title) }
            style { (STYLE) }
        }
    }
}

fn sign_in_page(lang: Lang, message: Option<Text>) -> Markup {
    let t = |key: Text| text(lang, key);
    let switch = format!("{PAGE_PATH}{}", lang.switch_query(&[]));
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (head(&format!("{} · {}", t(Text::SignInTitle), t(Text::Title)), false))
            body {
                main.signin {
                    section.card {
                        div.card-head {
                            h1 { (t(Text::Title)) }
                            a href=(switch) hreflang=(lang.other().tag()) lang=(lang.other().tag()) {
                                (t(Text::OtherLanguage))
                            }
                        }
                        p.muted { (t(Text::SignInHint)) }
                        @if let Some(key) = message {
                            p.error role="alert" { (t(key)) }
                        }
                        form.signin-form method="post" action=(SIGN_IN_PATH) {
                            label for="token" { (t(Text::Token)) }
                            input #token type="password" name="token" autocomplete="current-password"
                                required autofocus;
                            input type="hidden" name="lang" value=(lang.tag());
                            button type="submit" { (t(Text::SignIn)) }
                        }
                    }
                }
            }
        }
    }
}

fn render(
    lang: Lang,
    staff: &Staff,
    data: &Reports,
    from: Option<&str>,
    to: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    let t = |key: Text| text(lang, key);
    let period = &data.ranking.period;
    let switch = format!(
        "{PAGE_PATH}{}",
        lang.switch_query(&[
            ("from", from.unwrap_or_default()),
            ("to", to.unwrap_or_default())
        ])
    );
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (head(t(Text::Title), true))
            body {
                header.top {
                    div {
                        h1 { (t(Text::Title)) }
                        p.period {
                            (t(Text::Period))
                            time datetime=(period.first_day) { (lang.date(&period.first_day)) }
                            " – "
                            time datetime=(period.last_day) { (lang.date(&period.last_day)) }
                        }
                    }
                    div.who {
                        span { (t(Text::SignedInAs)) strong { (staff.name) } }
                        a href=(switch) hreflang=(lang.other().tag()) lang=(lang.other().tag()) {
                            (t(Text::OtherLanguage))
                        }
                        form method="post" action=(SIGN_OUT_PATH) {
                            button type="submit" { (t(Text::SignOut)) }
                        }
                    }
                }
                main {
                    form.period-form method="get" action=(PAGE_PATH) {
                        label {
                            (t(Text::From))
                            input type="date" name="from" value=(period.first_day);
                        }
                        label {
                            (t(Text::To))
                            input type="date" name="to" value=(period.last_day);
                        }
                        button type="submit" { (t(Text::Apply)) }
                    }
                    @if let Some(notice) = notice {
                        p.error role="alert" { (t(Text::BadPeriod)) (notice) }
                    }
                    (kpis(lang, data))
                    div.cards {
                        (customers_card(lang, &data.ranking))
                        (sales_card(lang, &data.sales))
                        (segments_card(lang, &data.rfm))
                        (sla_card(lang, &data.sla))
                        (complaints_card(lang, &data.complaints))
                        (csat_card(lang, &data.complaints.csat))
                    }
                }
            }
        }
    }
}

/// The headline figures of the period.
fn kpis(lang: Lang, data: &Reports) -> Markup {
    let t = |key: Text| text(lang, key);
    let sales = &data.sales;
    let csat = &data.complaints.csat;
    let growth = change(sales.value, sales.previous_value);
    let trend = match growth {
        Some(g) if g >= 0.0 => "up",
        Some(_) => "down",
        None => "",
    };
    html! {
        div.kpis {
            div.kpi {
                div.label { (t(Text::Sales)) }
                div.value { (lang.money_compact(sales.value)) }
                div.sub {
                    (t(Text::VsPrevious)) " "
                    span class=(trend) { (growth.map_or_else(|| "—".to_owned(), signed_pct)) }
                }
            }
            div.kpi {
                div.label { (t(Text::Orders)) }
                div.value { (lang::grouped(sales.orders.into())) }
            }
            div.kpi {
                div.label { (t(Text::Customers)) }
                div.value { (lang::grouped(data.ranking.customer_count.into())) }
            }
            div.kpi {
                div.label { (t(Text::Complaints)) }
                div.value { (lang::grouped(data.complaints.complaints.into())) }
                div.sub { (t(Text::Closed)) " " (lang::grouped(data.complaints.closed.into())) }
            }
            div.kpi {
                div.label { (t(Text::FirstResponseSla)) }
                div.value { (pct_opt(data.sla.total.first_response.compliance)) }
            }
            div.kpi {
                div.label { (t(Text::Csat)) }
                div.value { (csat.mean.and_then(finite).map_or_else(|| "—".to_owned(), |m| format!("{m:.1} / 5"))) }
                div.sub { (lang::grouped(csat.ratings.into())) " " (t(Text::Ratings)) }
            }
        }
    }
}

fn card(title: &str, content: Markup) -> Markup {
    html! {
        section.card {
            h2 { (title) }
            (content)
        }
    }
}

/// Top customers and the Pareto curve.
fn customers_card(lang: Lang, ranking: &Ranking) -> Markup {
    let t = |key: Text| text(lang, key);
    let title = t(Text::TopCustomers);
    if ranking.items.is_empty() || ranking.pareto_curve.is_empty() || ranking.total_sales <= 0 {
        return card(title, no_data(t(Text::NoData)));
    }
    // From the origin: no customers, no sales.
    let points = ranking.pareto_curve.len();
    let curve: Vec<Option<f64>> = std::iter::once(Some(0.0))
        .chain(
            ranking
                .pareto_curve
                .iter()
                .map(|share| finite(*share).map(|s| (s * 100.0).clamp(0.0, 100.0))),
        )
        .collect();
    let labels: Vec<String> = (0..curve.len())
        .map(|i| format!("{:.0}%", i as f64 * 100.0 / points as f64))
        .collect();
    let series = [Series {
        name: t(Text::CumulativeShare),
        color: NAVY,
        values: curve,
    }];
    let reference = Tick {
        value: 80.0,
        label: "80%".to_owned(),
    };
    let chart = line_chart(&LineChart {
        label: t(Text::ParetoChart),
        empty: t(Text::NoData),
        x_labels: &labels,
        x_title: Some(t(Text::CustomerShareAxis)),
        series: &series,
        max: 100.0,
        ticks: &percent_ticks(),
        reference: Some(&reference),
        show: &|v: f64| format!("{v:.1}%"),
    });
    card(
        title,
        html! {
            (chart)
            p.note { (pareto_note(lang, ranking.pareto_customers, ranking.customer_count)) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" class="num" { (t(Text::Rank)) }
                        th scope="col" { (t(Text::Customer)) }
                        th scope="col" class="num" { (t(Text::Contribution)) }
                        th scope="col" class="num" { (t(Text::Share)) }
                    } }
                    tbody {
                        @for customer in &ranking.items {
                            tr {
                                td.num { (customer.rank) }
                                td { (customer.name) }
                                td.num { (lang::money_grouped(customer.contribution)) }
                                td.num { (pct(customer.share)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Customers per RFM segment.
fn segments_card(lang: Lang, rfm: &RfmReport) -> Markup {
    let t = |key: Text| text(lang, key);
    let title = t(Text::Segments);
    let total: u64 = rfm.segments.iter().map(|s| u64::from(s.customers)).sum();
    if total == 0 {
        return card(title, no_data(t(Text::NoData)));
    }
    let bars: Vec<Bar> = rfm
        .segments
        .iter()
        .map(|s| Bar {
            label: segment_name(lang, &s.segment).to_owned(),
            value: f64::from(s.customers),
            shown: lang::grouped(s.customers.into()),
            color: segment_color(&s.segment),
        })
        .collect();
    card(
        title,
        html! {
            (bar_chart(title, t(Text::NoData), &bars, &[]))
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (t(Text::Segment)) }
                        th scope="col" class="num" { (t(Text::Customers)) }
                        th scope="col" class="num" { (t(Text::Share)) }
                        th scope="col" class="num" { (t(Text::Monetary)) }
                    } }
                    tbody {
                        @for s in &rfm.segments {
                            tr title=(s.description) {
                                td {
                                    span.swatch style=(format!("background:{}", segment_color(&s.segment))) {}
                                    (segment_name(lang, &s.segment))
                                }
                                td.num { (lang::grouped(s.customers.into())) }
                                td.num { (pct(s.customers as f64 / total as f64)) }
                                td.num { (lang::money_grouped(s.monetary)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Sales per month beside the same month a year before.
fn sales_card(lang: Lang, sales: &SalesReport) -> Markup {
    let t = |key: Text| text(lang, key);
    let title = t(Text::MonthlySales);
    // Without grouping there is one row per month; summed by month all the same.
    let mut months: Vec<&str> = Vec::new();
    for row in &sales.items {
        if !months.contains(&row.month.as_str()) {
            months.push(row.month.as_str());
        }
    }
    let sum = |month: &str, value: fn(&reports::SalesRow) -> i64| {
        sales
            .items
            .iter()
            .filter(|r| r.month == month)
            .fold(0_i64, |total, r| total.saturating_add(value(r)))
    };
    let now: Vec<i64> = months.iter().map(|m| sum(m, |r| r.value)).collect();
    let before: Vec<i64> = months
        .iter()
        .map(|m| sum(m, |r| r.previous_year_value))
        .collect();
    if now.iter().chain(&before).all(|v| *v <= 0) {
        return card(title, no_data(t(Text::NoData)));
    }
    let labels: Vec<String> = months
        .iter()
        .enumerate()
        .map(|(i, m)| month_label(lang, m, i == 0))
        .collect();
    let as_series = |name: &'static str, color: &'static str, values: &[i64]| Series {
        name,
        color,
        values: values.iter().map(|v| Some(*v as f64)).collect(),
    };
    let series = [
        as_series(t(Text::ThisPeriod), BLUE, &now),
        as_series(t(Text::PreviousYear), GREY, &before),
    ];
    let chart = grouped_bars(
        title,
        t(Text::NoData),
        &labels,
        &series,
        &|v: f64| lang.money_compact(v.round() as i64),
        &|v: f64| lang::money_grouped(v.round() as i64),
    );
    card(
        title,
        html! {
            (chart)
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (t(Text::Month)) }
                        th scope="col" class="num" { (t(Text::ThisPeriod)) }
                        th scope="col" class="num" { (t(Text::PreviousYear)) }
                        th scope="col" class="num" { (t(Text::Change)) }
                    } }
                    tbody {
                        @for ((month, value), previous) in months.iter().zip(&now).zip(&before) {
                            tr {
                                td { (lang.month(month)) }
                                td.num { (lang::money_grouped(*value)) }
                                td.num { (lang::money_grouped(*previous)) }
                                td.num { (change(*value, *previous).map_or_else(|| "—".to_owned(), signed_pct)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// First-response and resolution compliance per month.
fn sla_card(lang: Lang, sla: &SlaReport) -> Markup {
    let t = |key: Text| text(lang, key);
    let title = t(Text::SlaTitle);
    let rows: Vec<&SlaRow> = sla.items.iter().filter(|r| !r.key.is_empty()).collect();
    let decided = rows
        .iter()
        .any(|r| r.first_response.compliance.is_some() || r.resolution.compliance.is_some());
    if sla.total.complaints == 0 || !decided {
        return card(title, no_data(t(Text::NoData)));
    }
    let labels: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| month_label(lang, &r.key, i == 0))
        .collect();
    let percent = |c: Option<f64>| finite_opt(c).map(|c| (c * 100.0).clamp(0.0, 100.0));
    let series = [
        Series {
            name: t(Text::FirstResponse),
            color: BLUE,
            values: rows
                .iter()
                .map(|r| percent(r.first_response.compliance))
                .collect(),
        },
        Series {
            name: t(Text::Resolution),
            color: GREEN,
            values: rows
                .iter()
                .map(|r| percent(r.resolution.compliance))
                .collect(),
        },
    ];
    let chart = line_chart(&LineChart {
        label: title,
        empty: t(Text::NoData),
        x_labels: &labels,
        x_title: None,
        series: &series,
        max: 100.0,
        ticks: &percent_ticks(),
        reference: None,
        show: &|v: f64| format!("{v:.1}%"),
    });
    card(
        title,
        html! {
            (chart)
            p.note { (sla_summary(lang, &sla.total)) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (t(Text::Month)) }
                        th scope="col" class="num" { (t(Text::Complaints)) }
                        th scope="col" class="num" { (t(Text::FirstResponse)) }
                        th scope="col" class="num" { (t(Text::Resolution)) }
                        th scope="col" class="num" { (t(Text::Breached)) }
                    } }
                    tbody {
                        @for row in &rows {
                            tr {
                                td { (lang.month(&row.key)) }
                                td.num { (lang::grouped(row.complaints.into())) }
                                td.num { (pct_opt(row.first_response.compliance)) }
                                td.num { (pct_opt(row.resolution.compliance)) }
                                td.num {
                                    (lang::grouped(row.first_response.breached.into()))
                                    " / "
                                    (lang::grouped(row.resolution.breached.into()))
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Complaints per batch, flagged batches marked.
fn complaints_card(lang: Lang, report: &ComplaintReport) -> Markup {
    let t = |key: Text| text(lang, key);
    let title = t(Text::BatchComplaints);
    if report.items.iter().all(|r| r.complaints == 0) {
        return card(title, no_data(t(Text::NoData)));
    }
    let bars: Vec<Bar> = report
        .items
        .iter()
        .map(|r| Bar {
            label: if r.label.is_empty() || r.label == r.key {
                r.key.clone()
            } else {
                format!("{} · {}", r.key, r.label)
            },
            value: f64::from(r.complaints),
            shown: if r.flagged {
                format!("{} ⚠", lang::grouped(r.complaints.into()))
            } else {
                lang::grouped(r.complaints.into())
            },
            color: if r.flagged { RED } else { BLUE },
        })
        .collect();
    let legend_items = [(BLUE, t(Text::OtherBatches)), (RED, t(Text::Flagged))];
    let rate = |v: Option<f64>| finite_opt(v).map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"));
    card(
        title,
        html! {
            (bar_chart(title, t(Text::NoData), &bars, &legend_items))
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (t(Text::Batch)) }
                        th scope="col" { (t(Text::Product)) }
                        th scope="col" class="num" { (t(Text::Complaints)) }
                        th scope="col" class="num" { (t(Text::PerThousand)) }
                        th scope="col" class="num" { (t(Text::ProductPerThousand)) }
                        th scope="col" { span.visually-hidden { (t(Text::Flagged)) } }
                    } }
                    tbody {
                        @for row in &report.items {
                            tr {
                                td { (row.key) }
                                td { (row.label) }
                                td.num { (lang::grouped(row.complaints.into())) }
                                td.num { (rate(row.complaints_per_thousand_lines)) }
                                td.num { (rate(row.product_complaints_per_thousand_lines)) }
                                td {
                                    @if row.flagged {
                                        span.flag { "⚠ " (t(Text::Flagged)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// How customers rated the handling of their closed complaints: ratings per score.
fn csat_card(lang: Lang, csat: &CsatDistribution) -> Markup {
    let t = |key: Text| text(lang, key);
    let title = t(Text::CsatTitle);
    if csat.ratings == 0 {
        return card(title, no_data(t(Text::NoData)));
    }
    let bars: Vec<Bar> = csat
        .per_score
        .iter()
        .enumerate()
        .rev()
        .map(|(i, &count)| Bar {
            label: format!("{} {}", i + 1, t(Text::Score)),
            value: f64::from(count),
            shown: format!(
                "{} ({})",
                lang::grouped(count.into()),
                pct(f64::from(count) / f64::from(csat.ratings))
            ),
            color: if i >= 3 {
                GREEN
            } else if i == 2 {
                GREY
            } else {
                ORANGE
            },
        })
        .collect();
    card(
        title,
        bar_chart(t(Text::CsatChart), t(Text::NoData), &bars, &[]),
    )
}

// ---------------------------------------------------------------------------------------------
// Figures.

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn finite_opt(value: Option<f64>) -> Option<f64> {
    value.and_then(finite)
}

/// A fraction 0–1 as a percentage with one decimal.
fn pct(fraction: f64) -> String {
    finite(fraction).map_or_else(|| "—".to_owned(), |f| format!("{:.1}%", f * 100.0))
}

fn pct_opt(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| "—".to_owned(), pct)
}

/// A change as a signed percentage: `+12.5%`, `-3.0%`.
fn signed_pct(fraction: f64) -> String {
    match finite(fraction) {
        Some(f) if f > 0.0 => format!("+{:.1}%", f * 100.0),
        Some(f) => format!("{:.1}%", f * 100.0),
        None => "—".to_owned(),
    }
}

/// The relative change from `before` to `now`; none without a positive base.
fn change(now: i64, before: i64) -> Option<f64> {
    (before > 0).then(|| (now as f64 - before as f64) / before as f64)
}

/// A month on a chart axis: `3月`/`Mar`, with the year under the first month and January.
fn month_label(lang: Lang, month: &str, first: bool) -> String {
    let short = lang.month_short(month);
    let january = month.get(5..7) == Some("01");
    match month.get(..4).filter(|_| first || january) {
        Some(year) => format!("{short}\n{year}"),
        None => short,
    }
}

// ---------------------------------------------------------------------------------------------
// Charts: inline SVG drawn in a fixed coordinate system, scaled to the card by `viewBox`.

/// The width of every chart, and the margins of a plot with axes.
const W: f64 = 480.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 16.0;
const PLOT_W: f64 = W - LEFT - RIGHT;
const PLOT_H: f64 = 190.0;
/// Below the plot: the x labels, on up to two lines.
const AXIS_H: f64 = 40.0;
/// Points of a line chart keep this far from the plot's sides.
const INSET: f64 = 10.0;
/// The most x labels shown; more are thinned out evenly.
const MAX_X_LABELS: usize = 12;

/// A line or a set of bars.
struct Series<'a> {
    name: &'a str,
    color: &'static str,
    /// One value per x position; none is a gap.
    values: Vec<Option<f64>>,
}

/// A labelled value on the y axis.
struct Tick {
    value: f64,
    label: String,
}

/// One bar of a horizontal bar chart.
struct Bar {
    label: String,
    value: f64,
    /// The value as the reader reads it, written after the bar.
    shown: String,
    color: &'static str,
}

/// A line chart over evenly spaced x positions, values 0–`max`.
struct LineChart<'a> {
    /// What the chart shows, for screen readers and as its tooltip.
    label: &'a str,
    /// Shown instead of the chart when there is nothing to draw.
    empty: &'a str,
    x_labels: &'a [String],
    x_title: Option<&'a str>,
    series: &'a [Series<'a>],
    max: f64,
    ticks: &'a [Tick],
    /// A dashed horizontal line, e.g. the 80% of a Pareto curve.
    reference: Option<&'a Tick>,
    /// A value as the tooltip of its point shows it.
    show: &'a dyn Fn(f64) -> String,
}

/// A number for an SVG attribute.
fn coord(value: f64) -> String {
    finite(value).map_or_else(|| "0".to_owned(), |v| format!("{v:.1}"))
}

/// `value / max` within 0–1; 0 when it cannot be computed.
fn ratio(value: f64, max: f64) -> f64 {
    let r = value / max;
    if max > 0.0 && r.is_finite() {
        r.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The y coordinate of `value` on a plot of 0–`max`.
fn y_at(value: f64, max: f64) -> f64 {
    TOP + PLOT_H * (1.0 - ratio(value, max))
}

fn percent_ticks() -> Vec<Tick> {
    [0.0, 25.0, 50.0, 75.0, 100.0]
        .into_iter()
        .map(|value| Tick {
            value,
            label: format!("{value:.0}%"),
        })
        .collect()
}

/// A round top and step for an axis from 0 to at least `max`: 3 to 5 gridlines above 0.
fn nice_scale(max: f64) -> Option<(f64, f64)> {
    if !(max.is_finite() && max > 0.0) {
        return None;
    }
    let raw = max / 4.0;
    let magnitude = 10_f64.powf(raw.log10().floor());
    if !(magnitude.is_finite() && magnitude > 0.0) {
        return None;
    }
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude);
    let top = (max / step).ceil() * step;
    (top.is_finite() && top > 0.0).then_some((top, step))
}

/// `text` cut to about `max` columns (a CJK character takes two), with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if text.chars().map(width).sum::<usize>() <= max {
        return text.to_owned();
    }
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        used += width(c);
        if used + 1 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn no_data(message: &str) -> Markup {
    html! { p.empty role="status" { (message) } }
}

/// The `<svg>` of a chart, `height` tall in chart units, described by `label`.
fn figure(label: &str, height: f64, body: Markup) -> Markup {
    html! {
        svg.chart viewBox=(format!("0 0 {} {}", coord(W), coord(height))) width="100%"
            role="img" aria-label=(label) {
            title { (label) }
            (body)
        }
    }
}

/// A legend under a chart: `(colour, name)`.
fn legend(items: &[(&str, &str)]) -> Markup {
    html! {
        ul.legend {
            @for (color, name) in items {
                li {
                    span.swatch style=(format!("background:{color}")) {}
                    (name)
                }
            }
        }
    }
}

/// The horizontal gridlines of a plot of 0–`max`, labelled on the left.
fn y_grid(ticks: &[Tick], max: f64) -> Markup {
    html! {
        g.gridlines {
            @for tick in ticks {
                @let y = y_at(tick.value, max);
                line x1=(coord(LEFT)) x2=(coord(W - RIGHT)) y1=(coord(y)) y2=(coord(y)) {}
                text.tick x=(coord(LEFT - 6.0)) y=(coord(y + 4.0)) text-anchor="end" {
                    (tick.label)
                }
            }
        }
        line.axis x1=(coord(LEFT)) x2=(coord(W - RIGHT)) y1=(coord(TOP + PLOT_H))
            y2=(coord(TOP + PLOT_H)) {}
    }
}

/// The labels under a plot, at `x_of(i)`; a `\n` starts a second line.
fn x_axis(labels: &[String], x_of: &dyn Fn(usize) -> f64) -> Markup {
    let step = labels.len().div_ceil(MAX_X_LABELS).max(1);
    let y = TOP + PLOT_H + 16.0;
    html! {
        g {
            @for (i, label) in labels.iter().enumerate() {
                @if i % step == 0 && !label.is_empty() {
                    @let x = coord(x_of(i));
                    text.tick x=(x) y=(coord(y)) text-anchor="middle" {
                        @for (k, line) in label.split('\n').enumerate() {
                            tspan x=(x) dy=(if k == 0 { "0" } else { "1.2em" }) { (line) }
                        }
                    }
                }
            }
        }
    }
}

/// The runs of consecutive present values among the first `n`, as `(index, value)`: a line
/// is drawn through each run, so a missing value leaves a gap.
fn runs(values: &[Option<f64>], n: usize) -> Vec<Vec<(usize, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, value) in values.iter().take(n).enumerate() {
        match finite_opt(*value) {
            Some(v) => current.push((i, v)),
            None if current.is_empty() => {}
            None => runs.push(std::mem::take(&mut current)),
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

fn line_chart(chart: &LineChart) -> Markup {
    let n = chart.x_labels.len();
    let max = chart.max;
    let drawable = chart
        .series
        .iter()
        .any(|s| s.values.iter().take(n).any(|v| finite_opt(*v).is_some()));
    if n == 0 || !(max.is_finite() && max > 0.0) || !drawable {
        return no_data(chart.empty);
    }
    let x_of = |i: usize| {
        if n > 1 {
            LEFT + INSET + (PLOT_W - 2.0 * INSET) * i as f64 / (n - 1) as f64
        } else {
            LEFT + PLOT_W / 2.0
        }
    };
    let height = TOP + PLOT_H + AXIS_H + if chart.x_title.is_some() { 14.0 } else { 0.0 };
    let body = html! {
        (y_grid(chart.ticks, max))
        @if let Some(reference) = chart.reference {
            @let y = y_at(reference.value, max);
            line x1=(coord(LEFT)) x2=(coord(W - RIGHT)) y1=(coord(y)) y2=(coord(y))
                stroke=(ORANGE) stroke-width="1.5" stroke-dasharray="6 4" {}
            text.reference x=(coord(W - RIGHT - 4.0)) y=(coord(y - 5.0)) text-anchor="end" {
                (reference.label)
            }
        }
        @for series in chart.series {
            g fill="none" stroke=(series.color) stroke-width="2.5" stroke-linejoin="round"
                stroke-linecap="round" {
                @for run in runs(&series.values, n) {
                    @if run.len() > 1 {
                        polyline points=(polyline_points(&run, &x_of, max)) {}
                    }
                }
            }
            g fill=(series.color) {
                @for (i, value) in series.values.iter().enumerate().take(n) {
                    @if let Some(v) = finite_opt(*value) {
                        circle cx=(coord(x_of(i))) cy=(coord(y_at(v, max))) r="3.5" {
                            title {
                                (point_name(chart.x_labels, i)) " · " (series.name) ": "
                                ((chart.show)(v))
                            }
                        }
                    }
                }
            }
        }
        (x_axis(chart.x_labels, &x_of))
        @if let Some(x_title) = chart.x_title {
            text.axis-title x=(coord(LEFT + PLOT_W / 2.0)) y=(coord(height - 4.0))
                text-anchor="middle" { (x_title) }
        }
    };
    let names: Vec<(&str, &str)> = chart.series.iter().map(|s| (s.color, s.name)).collect();
    html! {
        (figure(chart.label, height, body))
        @if names.len() > 1 {
            (legend(&names))
        }
    }
}

fn polyline_points(run: &[(usize, f64)], x_of: &dyn Fn(usize) -> f64, max: f64) -> String {
    run.iter()
        .map(|(i, v)| format!("{},{}", coord(x_of(*i)), coord(y_at(*v, max))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The x label of point `i` on one line, for a tooltip.
fn point_name(labels: &[String], i: usize) -> String {
    labels
        .get(i)
        .map(|l| l.replace('\n', " "))
        .unwrap_or_default()
}

/// Vertical bars, one group per x label with a bar per series, over a money-like scale.
fn grouped_bars(
    label: &str,
    empty: &str,
    x_labels: &[String],
    series: &[Series],
    tick_label: &dyn Fn(f64) -> String,
    show: &dyn Fn(f64) -> String,
) -> Markup {
    let n = x_labels.len();
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().take(n))
        .filter_map(|v| finite_opt(*v))
        .fold(0.0_f64, f64::max);
    let Some((top, step)) = nice_scale(max) else {
        return no_data(empty);
    };
    if n == 0 || series.is_empty() {
        return no_data(empty);
    }
    let ticks: Vec<Tick> = (0..=6)
        .map(|k| f64::from(k) * step)
        .take_while(|v| *v <= top * (1.0 + 1e-9))
        .map(|value| Tick {
            value,
            label: tick_label(value),
        })
        .collect();
    let slot = PLOT_W / n as f64;
    let bar_w = slot * 0.8 / series.len() as f64;
    let base = TOP + PLOT_H;
    let body = html! {
        (y_grid(&ticks, top))
        @for (j, s) in series.iter().enumerate() {
            g fill=(s.color) {
                @for (i, value) in s.values.iter().enumerate().take(n) {
                    @if let Some(v) = finite_opt(*value).filter(|v| *v > 0.0) {
                        @let y = y_at(v, top);
                        rect x=(coord(LEFT + slot * (i as f64 + 0.1) + bar_w * j as f64))
                            y=(coord(y)) width=(coord(bar_w)) height=(coord(base - y)) {
                            title { (point_name(x_labels, i)) " · " (s.name) ": " (show(v)) }
                        }
                    }
                }
            }
        }
        (x_axis(x_labels, &|i: usize| LEFT + slot * (i as f64 + 0.5)))
    };
    let names: Vec<(&str, &str)> = series.iter().map(|s| (s.color, s.name)).collect();
    html! {
        (figure(label, TOP + PLOT_H + AXIS_H, body))
        (legend(&names))
    }
}

/// Horizontal bars, one per row, labelled on the left and valued on the right.
fn bar_chart(label: &str, empty: &str, bars: &[Bar], legend_items: &[(&str, &str)]) -> Markup {
    const ROW: f64 = 28.0;
    const BAR: f64 = 18.0;
    const LABEL_W: f64 = 170.0;
    const VALUE_W: f64 = 64.0;
    const PAD: f64 = 6.0;
    let max = bars
        .iter()
        .filter_map(|b| finite(b.value))
        .fold(0.0_f64, f64::max);
    if bars.is_empty() || max <= 0.0 {
        return no_data(empty);
    }
    let length = W - LABEL_W - VALUE_W - RIGHT;
    let height = PAD * 2.0 + ROW * bars.len() as f64;
    let body = html! {
        @for (i, bar) in bars.iter().enumerate() {
            @let y = PAD + ROW * i as f64 + (ROW - BAR) / 2.0;
            @let w = length * ratio(bar.value, max);
            @let w = if bar.value > 0.0 { w.max(2.0) } else { 0.0 };
            @let text_y = y + BAR / 2.0 + 4.0;
            g {
                title { (bar.label) ": " (bar.shown) }
                text.label x=(coord(LABEL_W - 8.0)) y=(coord(text_y)) text-anchor="end" {
                    (shorten(&bar.label, 26))
                }
                rect x=(coord(LABEL_W)) y=(coord(y)) width=(coord(w)) height=(coord(BAR)) rx="3"
                    fill=(bar.color) {}
                text.value x=(coord(LABEL_W + w + 6.0)) y=(coord(text_y)) { (bar.shown) }
            }
        }
        line.axis x1=(coord(LABEL_W)) x2=(coord(LABEL_W)) y1=(coord(PAD / 2.0))
            y2=(coord(height - PAD / 2.0)) {}
    };
    html! {
        (figure(label, height, body))
        @if !legend_items.is_empty() {
            (legend(legend_items))
        }
    }
}

/// The stylesheet of both pages. maud escapes it: it must not contain `&`, `<`, `>` or `"`.
const STYLE: &str = "*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',sans-serif;margin:0;background:#f3f5f8;color:#1d2430;line-height:1.45}\
a{color:inherit}\
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;padding:.9rem 1.5rem;background:#12355b;color:#fff}\
header.top h1{margin:0;font-size:1.5rem;letter-spacing:.02em}\
.period{margin:.15rem 0 0;opacity:.85}\
.who{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}\
.who form{margin:0}\
button{font:inherit;padding:.45rem 1rem;border-radius:.4rem;border:1px solid #12355b;background:#12355b;color:#fff;cursor:pointer}\
.who button{background:transparent;border-color:#ffffff99;padding:.3rem .9rem}\
input{font:inherit;padding:.45rem .6rem;border:1px solid #c5cdd8;border-radius:.4rem;background:#fff;color:inherit}\
main{max-width:100rem;margin:0 auto;padding:1rem 1.5rem 2rem}\
.period-form{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:0 0 1rem}\
.period-form label{display:flex;flex-direction:column;gap:.2rem;font-size:.85rem;color:#5b6575}\
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:1rem;margin:0 0 1rem}\
.kpi,.card{background:#fff;border-radius:.6rem;box-shadow:0 1px 3px #1d243014,0 1px 2px #1d24300f}\
.kpi{padding:.9rem 1.1rem}\
.kpi .label,.kpi .sub{font-size:.85rem;color:#5b6575}\
.kpi .value{font-size:1.7rem;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}\
.up{color:#2e9d6a;font-weight:600}.down{color:#d64545;font-weight:600}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:1rem;align-items:start}\
.card{padding:1rem 1.2rem;min-width:0}\
.card h2{font-size:1.1rem;margin:0 0 .75rem}\
.chart{display:block;width:100%;height:auto}\
.chart text{font-size:12px;fill:#5b6575}\
.chart .tick{font-size:11px}\
.chart .label{fill:#1d2430}\
.chart .value{fill:#1d2430;font-weight:600}\
.chart .reference{fill:#b86e00;font-weight:600}\
.chart .gridlines line{stroke:#e6eaf0;stroke-width:1}\
.chart .axis{stroke:#9aa5b4;stroke-width:1}\
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;list-style:none;padding:0;margin:.4rem 0 0;font-size:.85rem;color:#5b6575}\
.swatch{display:inline-block;width:.75rem;height:.75rem;border-radius:.15rem;margin-right:.4rem;vertical-align:-.05rem}\
.note{margin:.6rem 0 0}\
.empty{display:flex;align-items:center;justify-content:center;min-height:10rem;margin:0;border:1px dashed #c5cdd8;border-radius:.5rem;color:#5b6575;text-align:center;padding:1rem}\
.table-wrap{overflow-x:auto;margin-top:.75rem}\
table{width:100%;border-collapse:collapse;font-size:.9rem}\
th,td{padding:.35rem .5rem;border-bottom:1px solid #e6eaf0;text-align:left;vertical-align:top}\
th{color:#5b6575;font-weight:600;white-space:nowrap}\
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\
.flag{color:#d64545;font-weight:600;white-space:nowrap}\
.muted{color:#5b6575}\
.error{background:#fdecec;color:#a12b2b;padding:.6rem .8rem;border-radius:.4rem}\
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
main.signin{max-width:28rem;margin:12vh auto;padding:1rem}\
.card-head{display:flex;justify-content:space-between;align-items:baseline;gap:1rem}\
.card-head h1{font-size:1.4rem;margin:0}\
.signin-form{display:flex;flex-direction:column;gap:.6rem;margin-top:1rem}\
@media (max-width:700px){header.top{padding:.75rem 1rem}main{padding:.75rem}.cards{grid-template-columns:1fr}.kpis{grid-template-columns:repeat(2,1fr)}.kpi .value{font-size:1.3rem}}";
