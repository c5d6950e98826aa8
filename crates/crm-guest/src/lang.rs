//! The languages of the HTML pages (zh-CN and en), and what every page formats alike: choosing
//! the language of a request, reading cookies, money, counts, dates and months.
//!
//! The language is `?lang=` (`zh-CN` or `en`; the page then keeps it in a `lang` cookie for a
//! year, [`Lang::set_cookie`]), else the `lang` cookie, else the first of `Accept-Language` that
//! is Chinese or English, else zh-CN. Each component keeps its own text table, e.g.
//! `fn text(lang: Lang, key: Text) -> &'static str`.

use spin_sdk::http::Request;

/// How long the `lang` cookie keeps a chosen language: a year, in seconds.
const LANG_COOKIE_MAX_AGE: u32 = 31_536_000;

/// Month abbreviations in English.
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The languages of the pages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    /// The language tag, as in `<html lang>` and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language of a tag such as `zh`, `zh-CN`, `zh_TW` or `en-US`; others are none.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a request, and whether `?lang=` (`asked`) chose it: then the response
    /// keeps it in a cookie ([`Lang::set_cookie`]).
    pub fn of(req: &Request, asked: Option<&str>) -> (Lang, bool) {
        if let Some(lang) = asked.and_then(Lang::parse) {
            return (lang, true);
        }
        let from_cookie = cookies(req)
            .filter(|(name, _)| *name == "lang")
            .find_map(|(_, value)| Lang::parse(value));
        if let Some(lang) = from_cookie {
            return (lang, false);
        }
        // `Accept-Language: en-US,en;q=0.9,zh;q=0.8`: the highest weight wins, the first on a tie.
        let accept = req
            .header("accept-language")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
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

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    /// The `Set-Cookie` value that keeps this language for a year, on every path.
    pub fn set_cookie(self) -> String {
        format!(
            "lang={}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax",
            self.tag()
        )
    }

    /// The query of the link that switches to the other language and keeps `pairs` (those with
    /// an empty value are left out): `?lang=en&q=soap`.
    pub fn switch_query(self, pairs: &[(&str, &str)]) -> String {
        let mut query = format!("?lang={}", self.other().tag());
        for (name, value) in pairs {
            if !value.is_empty() {
                query.push('&');
                query.push_str(&percent_encode(name));
                query.push('=');
                query.push_str(&percent_encode(value));
            }
        }
        query
    }

    /// Money in minor units, short, for chart axes and headline figures: `¥1.25万`, `¥3亿` in
    /// Chinese, `¥12.5K`, `¥1.2M` in English; below the first unit `¥8,800` (or `¥0.5`).
    pub fn money_compact(self, minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        let major = abs as f64 / 100.0;
        let units: &[(f64, &str)] = match self {
            Lang::ZhCn => &[(1e8, "亿"), (1e4, "万")],
            Lang::En => &[(1e9, "B"), (1e6, "M"), (1e3, "K")],
        };
        for &(size, unit) in units {
            if major >= size {
                return format!("{sign}¥{}{unit}", decimals(major / size, 2));
            }
        }
        if abs % 100 == 0 {
            format!("{sign}¥{}", grouped(abs / 100))
        } else {
            format!("{sign}¥{}", decimals(major, 2))
        }
    }

    /// A day `YYYY-MM-DD` as a reader writes it: `2025年3月1日`, `1 Mar 2025`; anything else
    /// as it is.
    pub fn date(self, day: &str) -> String {
        let dom = day
            .split('-')
            .nth(2)
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|d| (1..=31).contains(d));
        match (self, year_month(day), dom) {
            (Lang::ZhCn, Some((year, month, _)), Some(dom)) => format!("{year}年{month}月{dom}日"),
            (Lang::En, Some((year, _, name)), Some(dom)) => format!("{dom} {name} {year}"),
            _ => day.to_owned(),
        }
    }

    /// An RFC 3339 instant as a reader in the IANA zone `zone` writes it:
    /// `2026年11月23日 09:00（UTC+8）`, `23 Nov 2026, 09:00 UTC+8`; anything else as it is.
    pub fn instant(self, instant: &str, zone: &str) -> String {
        match crm_domain::time::local_time(instant, zone) {
            Some(local) => match self {
                Lang::ZhCn => format!(
                    "{} {}（{}）",
                    self.date(&local.date),
                    local.minute,
                    local.offset
                ),
                Lang::En => format!(
                    "{}, {} {}",
                    self.date(&local.date),
                    local.minute,
                    local.offset
                ),
            },
            None => instant.to_owned(),
        }
    }

    /// The day of an RFC 3339 instant in the IANA zone `zone`, as [`Lang::date`] writes it.
    pub fn day_of(self, instant: &str, zone: &str) -> String {
        match crm_domain::time::local_time(instant, zone) {
            Some(local) => self.date(&local.date),
            None => self.date(instant.get(..10).unwrap_or(instant)),
        }
    }

    /// A month `YYYY-MM`: `2025年3月`, `Mar 2025`; anything else as it is.
    pub fn month(self, month: &str) -> String {
        match (self, year_month(month)) {
            (Lang::ZhCn, Some((year, m, _))) => format!("{year}年{m}月"),
            (Lang::En, Some((year, _, name))) => format!("{name} {year}"),
            (_, None) => month.to_owned(),
        }
    }

    /// A month `YYYY-MM` without its year, for chart axes: `3月`, `Mar`.
    pub fn month_short(self, month: &str) -> String {
        match (self, year_month(month)) {
            (Lang::ZhCn, Some((_, m, _))) => format!("{m}月"),
            (Lang::En, Some((_, _, name))) => name.to_owned(),
            (_, None) => month.to_owned(),
        }
    }
}

/// `YYYY-MM[-…]` as the year, the month 1–12 and its English abbreviation.
fn year_month(text: &str) -> Option<(u32, usize, &'static str)> {
    let mut parts = text.split('-');
    let year: u32 = parts.next()?.parse().ok()?;
    let month: usize = parts.next()?.parse().ok()?;
    let name = *MONTHS_EN.get(month.checked_sub(1)?)?;
    Some((year, month, name))
}

/// The cookies of a request, `(name, value)` in the order sent; values as they are (not
/// decoded, not trimmed).
pub fn cookies<'r>(req: &'r Request) -> impl Iterator<Item = (&'r str, &'r str)> + 'r {
    req.header("cookie")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
}

/// The value of the first cookie called `name`, as it was sent.
pub fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    cookies(req).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Money in minor units as a customer reads it: `¥129.50` in both languages.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}¥{}.{:02}", minor / 100, minor % 100)
}

/// Money in minor units with thousands separators, for report tables: `¥1,234,567.50`.
pub fn money_grouped(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    format!("{sign}¥{}.{:02}", grouped(minor / 100), minor % 100)
}

/// A count with thousands separators: `12,345`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    let len = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` percent-encoded for a URL's query or a cookie value: every byte but the unreserved
/// `A–Z a–z 0–9 - . _ ~` as `%XX`.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `value` with at most `places` decimals, trailing zeros dropped: `1.5`, `12`, `0.25`.
fn decimals(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spin_sdk::http::Method;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut req = Request::new(Method::Get, "/");
        for (name, value) in headers {
            req.set_header(*name, *value);
        }
        req
    }

    #[test]
    fn the_asked_language_wins_then_the_cookie_then_accept_language() {
        let req = request(&[
            ("cookie", "theme=dark; lang=en"),
            ("accept-language", "zh-CN,zh;q=0.9"),
        ]);
        assert_eq!(Lang::of(&req, Some("zh")), (Lang::ZhCn, true));
        assert_eq!(Lang::of(&req, None), (Lang::En, false));
        let req = request(&[("accept-language", "fr;q=1, zh;q=0.5, en;q=0.8")]);
        assert_eq!(Lang::of(&req, Some("fr")), (Lang::En, false));
        assert_eq!(Lang::of(&request(&[]), None), (Lang::ZhCn, false));
        let req = request(&[("accept-language", "en-US,en;q=0.9,zh;q=0.8")]);
        assert_eq!(Lang::of(&req, None), (Lang::En, false));
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let req = request(&[("cookie", "language=x; crm_dashboard=crm_ab12; lang=en")]);
        assert_eq!(cookie(&req, "crm_dashboard"), Some("crm_ab12"));
        assert_eq!(cookie(&req, "lang"), Some("en"));
        assert_eq!(cookie(&req, "missing"), None);
    }

    #[test]
    fn money_is_formatted_for_customers_tables_and_axes() {
        assert_eq!(money(12_950), "¥129.50");
        assert_eq!(money(-5), "-¥0.05");
        assert_eq!(money_grouped(123_456_789), "¥1,234,567.89");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(Lang::ZhCn.money_compact(125_000_000), "¥125万");
        assert_eq!(Lang::ZhCn.money_compact(880_000), "¥8,800");
        assert_eq!(Lang::En.money_compact(1_250_000), "¥12.5K");
        assert_eq!(Lang::En.money_compact(50), "¥0.5");
        assert_eq!(Lang::En.money_compact(0), "¥0");
    }

    #[test]
    fn instants_read_in_the_zone_in_either_language() {
        let at = "2026-11-23T17:30:00Z";
        assert_eq!(
            Lang::ZhCn.instant(at, "Asia/Shanghai"),
            "2026年11月24日 01:30（UTC+8）"
        );
        assert_eq!(
            Lang::En.instant(at, "Asia/Shanghai"),
            "24 Nov 2026, 01:30 UTC+8"
        );
        assert_eq!(Lang::En.day_of(at, "Asia/Shanghai"), "24 Nov 2026");
        assert_eq!(Lang::En.day_of(at, "UTC"), "23 Nov 2026");
        assert_eq!(Lang::En.instant("soon", "UTC"), "soon");
    }

    #[test]
    fn dates_and_months_read_naturally_and_bad_input_is_kept() {
        assert_eq!(Lang::ZhCn.date("2025-03-01"), "2025年3月1日");
        assert_eq!(Lang::En.date("2025-03-01"), "1 Mar 2025");
        assert_eq!(Lang::En.date("2025-13-01"), "2025-13-01");
        assert_eq!(Lang::ZhCn.month("2025-12"), "2025年12月");
        assert_eq!(Lang::En.month_short("2025-01"), "Jan");
        assert_eq!(Lang::En.month("nonsense"), "nonsense");
    }

    #[test]
    fn the_switch_link_keeps_non_empty_parameters_encoded() {
        assert_eq!(Lang::ZhCn.switch_query(&[("q", "")]), "?lang=en");
        assert_eq!(
            Lang::En.switch_query(&[("q", "a b&c")]),
            "?lang=zh-CN&q=a%20b%26c"
        );
    }
}
